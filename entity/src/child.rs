//! A child under five (balita), attached to a posyandu.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "child")]
pub struct Model {
    /// The person id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    pub mother_id: Option<Uuid>,
    pub birth_weight_g: Option<i32>,
    pub birth_length_cm: Option<f64>,
    /// The mother's pregnancy this child was born of, when recorded as a birth.
    pub pregnancy_id: Option<Uuid>,
    pub birth_place: Option<String>,
    pub kms_held: bool,
    pub buku_kia_held: bool,
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
pub enum Relation {
    /// The child's own person row (same id).
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The posyandu the child attends.
    #[sea_orm(
        belongs_to = "super::posyandu::Entity",
        from = "Column::PosyanduId",
        to = "super::posyandu::Column::Id"
    )]
    Posyandu,
}

impl Related<super::posyandu::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Posyandu.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
