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

pub fn date(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().not_null().take()
}

pub fn date_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().null().take()
}

pub fn double_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).double().null().take()
}

pub fn boolean(name: impl IntoIden, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .take()
}

pub fn index(
    name: &str,
    table: impl IntoIden + Clone,
    columns: Vec<DynIden>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.take()
}

pub fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// The area columns of a row that lives at a desa and maybe a posyandu.
pub fn add_place(table: &mut TableCreateStatement, posyandu_required: bool) {
    table
        .col(text(Common::ProvinceCode))
        .col(text(Common::KabupatenCode))
        .col(text(Common::KecamatanCode))
        .col(text(Common::DesaCode));
    if posyandu_required {
        table
            .col(uuid(Common::PuskesmasId))
            .col(uuid(Common::PosyanduId));
    } else {
        table
            .col(uuid_null(Common::PuskesmasId))
            .col(uuid_null(Common::PosyanduId));
    }
}

pub async fn area_indexes(
    manager: &SchemaManager<'_>,
    table: &str,
    iden: impl IntoIden + Clone,
) -> Result<(), DbErr> {
    for (suffix, column) in [
        ("kabupaten", Common::KabupatenCode),
        ("kecamatan", Common::KecamatanCode),
        ("desa", Common::DesaCode),
        ("puskesmas", Common::PuskesmasId),
        ("posyandu", Common::PosyanduId),
    ] {
        manager
            .create_index(index(
                &format!("ix_{table}_{suffix}"),
                iden.clone(),
                vec![column.into_iden()],
            ))
            .await?;
    }
    manager
        .create_index(index(
            &format!("ix_{table}_updated"),
            iden.clone(),
            vec![Common::UpdatedAt.into_iden()],
        ))
        .await
}
