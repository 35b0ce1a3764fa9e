//! A number that asked not to be sent reminders (STOP), or asked again (MULAI).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_preference")]
pub struct Model {
    /// E.164.
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone: String,
    pub opted_out: bool,
    pub channel: Option<String>,
    pub changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
