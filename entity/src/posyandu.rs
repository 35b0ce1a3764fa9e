//! Posyandu: belongs to one desa, supervised by one puskesmas.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posyandu")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Registration number `PP.KK.KC.DDDD.NNN` (desa code + sequence).
    #[sea_orm(unique)]
    pub kode: String,
    pub name: String,
    pub address: Option<String>,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Uuid,
    /// `Asia/Jakarta`, `Asia/Pontianak`, `Asia/Makassar` or `Asia/Jayapura`.
    pub time_zone: String,
    /// The opening rule as JSON (`{"kind":"day_of_month","day":10}`).
    pub opening_rule: Option<String>,
    /// Comma-separated SPM fields.
    pub spm_fields: String,
    pub sk_number: Option<String>,
    pub sk_date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
