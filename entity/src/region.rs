//! Kemendagri administrative regions (province, kabupaten/kota, kecamatan,
//! desa/kelurahan). A row exists for every region the installation uses; the
//! full national list ships embedded in the binary.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    /// Code with dots, e.g. `51.08.06.2003`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub parent_code: Option<String>,
    /// 1 province, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan.
    pub level: i16,
    /// `provinsi`, `kabupaten`, `kota`, `kecamatan`, `desa`, `kelurahan`.
    pub kind: String,
    pub name: String,
    /// Which edition of the official list the row came from, e.g. `kepmendagri-2025`.
    pub source: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
