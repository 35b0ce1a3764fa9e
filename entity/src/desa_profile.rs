//! What the registry knows about a desa beyond its code.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "desa_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub desa_code: String,
    pub has_bidan_desa: Option<bool>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
