//! Who changed what, when: one row per change, written in the same
//! transaction as the change itself.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// `user:<uuid>`, `client:<client id>` or `system`.
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub province_code: Option<String>,
    pub kabupaten_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    /// Changed fields: `{"field": [old, new]}`.
    pub changes: Option<Json>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
