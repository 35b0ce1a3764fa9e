//! A dated event in a person's life as the registry sees it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "person_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub event_date: Date,
    pub note: Option<String>,
    /// Where a newcomer came from (`arrived`).
    pub origin: Option<String>,
    /// Where a person moved to (`moved`).
    pub destination: Option<String>,
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
