//! An antenatal care contact (kunjungan ANC) during a pregnancy. Its K
//! number is its place in date order, computed when read, so that a
//! correction never leaves a gap.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "antenatal_contact")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pregnancy_id: Uuid,
    pub contact_date: Date,
    /// `bidan` or `doctor`.
    pub provider: String,
    pub place: Option<String>,
    pub weight_kg: Option<f64>,
    pub lila_cm: Option<f64>,
    pub hb_g_dl: Option<f64>,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    pub iron_tablets: i32,
    pub td_given: bool,
    pub notes: Option<String>,
    pub gestational_days: i32,
    pub kek: bool,
    pub anaemia: bool,
    pub hypertension: bool,
    pub recorded_by: String,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Uuid,
    pub posyandu_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
