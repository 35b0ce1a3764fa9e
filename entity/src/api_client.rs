//! Third-party applications and the bot worker: client id + secret (stored
//! hashed) exchanged for an access token by the client-credentials grant.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_client")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    /// `app` or `bot`.
    pub role: String,
    /// Space-separated scopes, e.g. `read:areas write:weighings`.
    pub scopes: String,
    pub area_kind: String,
    pub area_code: String,
    pub province_code: Option<String>,
    pub kabupaten_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
