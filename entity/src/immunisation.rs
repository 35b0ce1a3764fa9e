//! A dose of a vaccine given to a child, with the schedule checks it met.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "immunisation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    /// Antigen code of the schedule, e.g. `DPT-HB-Hib`.
    pub antigen: String,
    pub dose: i32,
    pub given_on: Date,
    pub age_days: i32,
    pub batch: Option<String>,
    pub place: Option<String>,
    pub given_by: Option<String>,
    pub too_early: bool,
    pub too_soon: bool,
    pub previous_missing: bool,
    pub too_late: bool,
    /// The schedule edition the checks used.
    pub schedule: String,
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
