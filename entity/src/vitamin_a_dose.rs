//! A vitamin A capsule given to a child in a February/August round, or to a
//! mother after giving birth.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "vitamin_a_dose")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `blue` (100,000 IU) or `red` (200,000 IU).
    pub capsule: String,
    pub given_on: Date,
    /// `2026-08`; none for a mother's capsule after birth.
    pub round: Option<String>,
    pub postpartum: bool,
    pub recorded_by: String,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
