//! A weighed child's last weighing of a month, as the monthly reports count
//! it (kept by the API in the same transaction as every weighing change).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "child_month")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub child_id: Uuid,
    /// The first day of the month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    pub weighing_id: Uuid,
    pub measured_on: Date,
    /// The child's, copied from the person: `L` or `P`.
    pub sex: String,
    pub birth_date: Date,
    pub kms_status: String,
    pub two_t: bool,
    pub bgm: bool,
    pub z_wfa: Option<f64>,
    pub z_lhfa: Option<f64>,
    pub z_wflh: Option<f64>,
    /// As on the weighing: comma-separated indicators flagged implausible.
    pub implausible: String,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Uuid,
    pub posyandu_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
