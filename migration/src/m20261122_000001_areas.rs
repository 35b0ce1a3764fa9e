//! The area tree, the spine of access control: regions, puskesmas (and the
//! desa each covers), posyandu.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Code,
    ParentCode,
    Level,
    Kind,
    Name,
    Source,
}

#[derive(DeriveIden)]
enum Puskesmas {
    Table,
    Id,
    Kode,
    Name,
    Address,
}

#[derive(DeriveIden)]
enum PuskesmasDesa {
    Table,
}

#[derive(DeriveIden)]
enum Posyandu {
    Table,
    Id,
    Kode,
    Name,
    Address,
}

fn region_fk(from_table: impl IntoIden, column: Common, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from_table, column)
        .to(Region::Table, Region::Code)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut region = Table::create();
        region
            .table(Region::Table)
            .col(
                ColumnDef::new(Region::Code)
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(text_null(Region::ParentCode))
            .col(ColumnDef::new(Region::Level).small_integer().not_null())
            .col(text(Region::Kind))
            .col(text(Region::Name))
            .col(text(Region::Source))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_region_parent")
                    .from(Region::Table, Region::ParentCode)
                    .to(Region::Table, Region::Code)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        add_timestamps(&mut region);
        manager.create_table(region).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_region_parent")
                    .table(Region::Table)
                    .col(Region::ParentCode)
                    .to_owned(),
            )
            .await?;

        let mut puskesmas = Table::create();
        puskesmas
            .table(Puskesmas::Table)
            .col(uuid_pk(Puskesmas::Id))
            .col(text(Puskesmas::Kode).unique_key())
            .col(text(Puskesmas::Name))
            .col(text_null(Puskesmas::Address))
            .col(text(Common::ProvinceCode))
            .col(text(Common::KabupatenCode))
            .col(text(Common::KecamatanCode))
            .foreign_key(&mut region_fk(
                Puskesmas::Table,
                Common::KecamatanCode,
                "fk_puskesmas_kecamatan",
            ));
        add_timestamps(&mut puskesmas);
        add_soft_delete(&mut puskesmas);
        manager.create_table(puskesmas).await?;
        for (name, column) in [
            ("ix_puskesmas_kabupaten", Common::KabupatenCode),
            ("ix_puskesmas_kecamatan", Common::KecamatanCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Puskesmas::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_puskesmas_updated")
                    .table(Puskesmas::Table)
                    .col(Common::UpdatedAt)
                    .col(Puskesmas::Id)
                    .to_owned(),
            )
            .await?;

        let mut coverage = Table::create();
        coverage
            .table(PuskesmasDesa::Table)
            .col(uuid(Common::PuskesmasId))
            .col(text(Common::DesaCode))
            .col(timestamp(Common::CreatedAt))
            .col(timestamp(Common::UpdatedAt))
            .primary_key(
                Index::create()
                    .col(Common::PuskesmasId)
                    .col(Common::DesaCode),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_puskesmas_desa_puskesmas")
                    .from(PuskesmasDesa::Table, Common::PuskesmasId)
                    .to(Puskesmas::Table, Puskesmas::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(&mut region_fk(
                PuskesmasDesa::Table,
                Common::DesaCode,
                "fk_puskesmas_desa_desa",
            ));
        manager.create_table(coverage).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_puskesmas_desa_desa")
                    .table(PuskesmasDesa::Table)
                    .col(Common::DesaCode)
                    .to_owned(),
            )
            .await?;

        let mut posyandu = Table::create();
        posyandu
            .table(Posyandu::Table)
            .col(uuid_pk(Posyandu::Id))
            .col(text(Posyandu::Kode).unique_key())
            .col(text(Posyandu::Name))
            .col(text_null(Posyandu::Address))
            .col(text(Common::ProvinceCode))
            .col(text(Common::KabupatenCode))
            .col(text(Common::KecamatanCode))
            .col(text(Common::DesaCode))
            .col(uuid(Common::PuskesmasId))
            .foreign_key(&mut region_fk(
                Posyandu::Table,
                Common::DesaCode,
                "fk_posyandu_desa",
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_posyandu_puskesmas")
                    .from(Posyandu::Table, Common::PuskesmasId)
                    .to(Puskesmas::Table, Puskesmas::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        add_timestamps(&mut posyandu);
        add_soft_delete(&mut posyandu);
        manager.create_table(posyandu).await?;
        for (name, column) in [
            ("ix_posyandu_kabupaten", Common::KabupatenCode),
            ("ix_posyandu_kecamatan", Common::KecamatanCode),
            ("ix_posyandu_desa", Common::DesaCode),
            ("ix_posyandu_puskesmas", Common::PuskesmasId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Posyandu::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_posyandu_updated")
                    .table(Posyandu::Table)
                    .col(Common::UpdatedAt)
                    .col(Posyandu::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Posyandu::Table.into_iden(),
            PuskesmasDesa::Table.into_iden(),
            Puskesmas::Table.into_iden(),
            Region::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
