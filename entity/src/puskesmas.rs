//! Puskesmas (primary health centre): located in a kecamatan, supervises
//! posyandu and covers one or more desa.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "puskesmas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Kemenkes puskesmas code, e.g. `P5108060201`.
    #[sea_orm(unique)]
    pub kode: String,
    pub name: String,
    pub address: Option<String>,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
