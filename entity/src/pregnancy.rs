//! A pregnancy of a registered woman, from registration to its outcome.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pregnancy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mother_id: Uuid,
    /// First day of the last menstrual period.
    pub hpht: Date,
    /// True when HPHT was derived from a gestational age at registration.
    pub hpht_estimated: bool,
    /// HPL, HPHT + 280 days.
    pub due_date: Date,
    pub registered_on: Date,
    pub gravida: Option<i32>,
    pub para: Option<i32>,
    pub abortus: Option<i32>,
    pub living_children: Option<i32>,
    pub last_birth_date: Option<Date>,
    pub height_cm: Option<f64>,
    /// Comma-separated risk flags computed at the last change.
    pub risk_flags: String,
    /// `live_birth`, `stillbirth`, `miscarriage`; none while ongoing.
    pub outcome: Option<String>,
    pub outcome_date: Option<Date>,
    pub outcome_note: Option<String>,
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
pub enum Relation {
    /// The mother's person row.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::MotherId",
        to = "super::person::Column::Id"
    )]
    Mother,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mother.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
