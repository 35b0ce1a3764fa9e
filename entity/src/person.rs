//! A person: child, mother, kader, newcomer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Public code with a Damm check digit.
    #[sea_orm(unique)]
    pub code: String,
    pub nik: Option<String>,
    pub name: String,
    /// Lower-case, accents removed: for searching by name.
    pub name_folded: String,
    /// `L` or `P`.
    pub sex: String,
    pub birth_date: Date,
    pub phone: Option<String>,
    pub family_id: Option<Uuid>,
    /// `pbi`, `non_pbi`, `none`.
    pub bpjs_segment: Option<String>,
    pub bpjs_number: Option<String>,
    /// `active`, `moved`, `deceased`.
    pub status: String,
    pub status_date: Option<Date>,
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
