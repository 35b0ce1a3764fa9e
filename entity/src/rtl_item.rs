//! A follow-up action (rencana tindak lanjut) agreed at a puskesmas'
//! lokakarya mini.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rtl_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The quarter of the meeting, `2026-Q3`.
    pub quarter: String,
    pub indicator: Option<String>,
    pub problem: String,
    pub action: String,
    pub owner_sector: String,
    pub deadline: Date,
    /// `planned`, `in_progress`, `done`, `dropped`.
    pub status: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub puskesmas_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
