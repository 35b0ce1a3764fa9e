//! A weighing of a child with everything computed from it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "weighing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub measured_on: Date,
    pub age_days: i32,
    pub weight_kg: f64,
    pub length_cm: Option<f64>,
    /// `lying` or `standing`.
    pub position: Option<String>,
    pub head_cm: Option<f64>,
    pub muac_cm: Option<f64>,
    pub oedema: bool,
    pub measured_by: Option<String>,
    pub z_wfa: Option<f64>,
    pub z_lhfa: Option<f64>,
    pub z_wflh: Option<f64>,
    pub z_bmi: Option<f64>,
    pub z_hcfa: Option<f64>,
    pub z_acfa: Option<f64>,
    /// Comma-separated indicators flagged implausible.
    pub implausible: String,
    pub cat_bbu: Option<String>,
    pub cat_tbu: Option<String>,
    pub cat_bbtb: Option<String>,
    pub cat_imtu: Option<String>,
    pub kms_status: String,
    pub gain_g: Option<i32>,
    pub kbm_g: Option<i32>,
    pub two_t: bool,
    pub bgm: bool,
    pub stunting: bool,
    pub wasting: bool,
    pub underweight: bool,
    /// Comma-separated referral reasons.
    pub referral: String,
    /// The standards' editions used.
    pub standard: String,
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
