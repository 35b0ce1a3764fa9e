//! A change of a person's BPJS Kesehatan segment, kept so that people who
//! lost PBI (premium paid by the government) can be found.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bpjs_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `pbi`, `non_pbi`, `none`, or unknown.
    pub from_segment: Option<String>,
    pub to_segment: Option<String>,
    pub changed_on: Date,
    pub recorded_by: String,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
