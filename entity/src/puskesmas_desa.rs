//! Which desa a puskesmas covers.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "puskesmas_desa")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub puskesmas_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub desa_code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
