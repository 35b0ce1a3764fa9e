//! People who log in: officers, bidan, kader. Bound to one area.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-case login name.
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub role: String,
    pub area_kind: String,
    pub area_code: String,
    pub province_code: Option<String>,
    pub kabupaten_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    /// E.164, e.g. `+6281234567890`.
    pub phone: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: DateTimeUtc,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
