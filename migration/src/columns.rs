//! Column shapes shared by many tables, so that every table spells its
//! timestamps, soft-delete and area columns the same way.
use sea_orm_migration::prelude::*;

pub fn uuid_pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

pub fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().not_null().take()
}

pub fn text_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().null().take()
}

pub fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

pub fn uuid_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

pub fn timestamp(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

pub fn timestamp_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

#[derive(DeriveIden)]
pub enum Common {
    CreatedAt,
    UpdatedAt,
    DeletedAt,
    DeletedBy,
    ProvinceCode,
    KabupatenCode,
    KecamatanCode,
    DesaCode,
    PuskesmasId,
    PosyanduId,
}

/// `created_at`, `updated_at`.
pub fn add_timestamps(table: &mut TableCreateStatement) {
    table
        .col(timestamp(Common::CreatedAt))
        .col(timestamp(Common::UpdatedAt));
}

/// `deleted_at`, `deleted_by`: soft delete with who and when.
pub fn add_soft_delete(table: &mut TableCreateStatement) {
    table
        .col(timestamp_null(Common::DeletedAt))
        .col(text_null(Common::DeletedBy));
}

/// The optional area columns of rows bound to an arbitrary area (users,
/// clients, audit entries).
pub fn add_area_columns(table: &mut TableCreateStatement) {
    table
        .col(text_null(Common::ProvinceCode))
        .col(text_null(Common::KabupatenCode))
        .col(text_null(Common::KecamatanCode))
        .col(text_null(Common::DesaCode))
        .col(uuid_null(Common::PuskesmasId))
        .col(uuid_null(Common::PosyanduId));
}
