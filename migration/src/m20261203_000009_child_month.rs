//! `child_month`: each weighed child's last weighing of each month, the
//! weighing SKDN's D, N, T, O, B, 2T and BGM and the nutrition prevalences
//! count (DOMAIN.md: a child weighed twice in a month counts once, by the
//! month's last weighing).
//!
//! Finding that weighing on request meant, for every weighing of the area
//! and month, probing the child's later weighings, and joining the person
//! for sex and birth date: about 0.5 s for a kabupaten on SQLite. This table
//! holds one narrow row per child and month with the person's sex and birth
//! date copied in, so a report reads the month's rows of its area by index
//! and groups them.
//!
//! It stays correct because it is rewritten, in the same transaction, by
//! every change that could alter it: a weighing recorded, corrected or
//! deleted rewrites the child's rows from that month on (a correction
//! re-reads the later weighings' KMS status too), and a correction of the
//! child's sex or birth date rewrites those two columns. The API's
//! `services::child_months` does it; this migration fills the table from
//! the weighings already stored.
use crate::columns::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ChildMonth {
    Table,
    ChildId,
    Month,
    WeighingId,
    MeasuredOn,
    Sex,
    BirthDate,
    KmsStatus,
    TwoT,
    Bgm,
    ZWfa,
    ZLhfa,
    ZWflh,
    Implausible,
}

#[derive(DeriveIden, Clone, Copy)]
enum Child {
    Table,
    PersonId,
    KmsHeld,
    BukuKiaHeld,
}

#[derive(DeriveIden, Clone, Copy)]
enum Person {
    Table,
    Id,
    BirthDate,
    Sex,
    Status,
    StatusDate,
}

/// The columns copied from the weighing, in the table's order.
const FROM_WEIGHING: &str = "w.id, w.measured_on, p.sex, p.birth_date, w.kms_status, w.two_t, \
     w.bgm, w.z_wfa, w.z_lhfa, w.z_wflh, w.implausible, w.province_code, w.kabupaten_code, \
     w.kecamatan_code, w.desa_code, w.puskesmas_id, w.posyandu_id";

const COLUMNS: &str = "child_id, month, weighing_id, measured_on, sex, birth_date, kms_status, \
     two_t, bgm, z_wfa, z_lhfa, z_wflh, implausible, province_code, kabupaten_code, \
     kecamatan_code, desa_code, puskesmas_id, posyandu_id";

/// Fills `child_month` from every stored weighing: for each child and
/// month, the weighing with no later one in the same month. Also used by
/// tests to check the API's incremental upkeep against a full rebuild.
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let month_of = |column: &str| match db.get_database_backend() {
        DbBackend::Postgres => format!("CAST(date_trunc('month', {column}) AS date)"),
        _ => format!("date({column}, 'start of month')"),
    };
    db.execute_unprepared("DELETE FROM child_month").await?;
    db.execute_unprepared(&format!(
        "INSERT INTO child_month ({COLUMNS}) \
         SELECT w.child_id, {month}, {FROM_WEIGHING} \
         FROM weighing w JOIN person p ON p.id = w.child_id \
         WHERE w.deleted_at IS NULL AND NOT EXISTS ( \
           SELECT 1 FROM weighing later \
           WHERE later.child_id = w.child_id AND later.deleted_at IS NULL \
             AND later.measured_on > w.measured_on \
             AND {later_month} = {month})",
        month = month_of("w.measured_on"),
        later_month = month_of("later.measured_on"),
    ))
    .await?;
    Ok(())
}

/// Replaces `ix_child_kabupaten` with one on `columns` (up: the covering
/// one; down: the kabupaten alone, as the registry migration made it).
async fn child_kabupaten_index(
    manager: &SchemaManager<'_>,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name("ix_child_kabupaten")
                .table(Child::Table)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(index("ix_child_kabupaten", Child::Table, columns))
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(ChildMonth::Table)
            .col(uuid(ChildMonth::ChildId))
            // The first day of the month.
            .col(date(ChildMonth::Month))
            .col(uuid(ChildMonth::WeighingId))
            .col(date(ChildMonth::MeasuredOn))
            .col(text(ChildMonth::Sex))
            .col(date(ChildMonth::BirthDate))
            .col(text(ChildMonth::KmsStatus))
            .col(boolean(ChildMonth::TwoT, false))
            .col(boolean(ChildMonth::Bgm, false))
            .col(double_null(ChildMonth::ZWfa))
            .col(double_null(ChildMonth::ZLhfa))
            .col(double_null(ChildMonth::ZWflh))
            .col(text(ChildMonth::Implausible))
            .primary_key(
                Index::create()
                    .col(ChildMonth::ChildId)
                    .col(ChildMonth::Month),
            );
        // The weighing's place: where the child was weighed that month.
        add_place(&mut table, true);
        manager.create_table(table).await?;
        // A report reads one area's rows for a span of months. For the
        // province and the kabupaten (tens of thousands of rows a month)
        // the index holds every column SKDN counts, so the report reads the
        // index alone (SQLite: 104 ms → 33 ms for the 40,000-child demo).
        let counted: Vec<DynIden> = vec![
            Common::PosyanduId.into_iden(),
            ChildMonth::Sex.into_iden(),
            ChildMonth::BirthDate.into_iden(),
            ChildMonth::KmsStatus.into_iden(),
            ChildMonth::TwoT.into_iden(),
            ChildMonth::Bgm.into_iden(),
            ChildMonth::ChildId.into_iden(),
        ];
        for (name, column, covering) in [
            ("ix_child_month_province", Common::ProvinceCode, true),
            ("ix_child_month_kabupaten", Common::KabupatenCode, true),
            ("ix_child_month_kecamatan", Common::KecamatanCode, false),
            ("ix_child_month_desa", Common::DesaCode, false),
            ("ix_child_month_puskesmas", Common::PuskesmasId, false),
            ("ix_child_month_posyandu", Common::PosyanduId, false),
        ] {
            let mut columns = vec![column.into_iden(), ChildMonth::MeasuredOn.into_iden()];
            if covering {
                columns.extend(counted.iter().cloned());
            }
            manager
                .create_index(index(name, ChildMonth::Table, columns))
                .await?;
        }
        // S and K count a kabupaten's children joined to their person: with
        // the columns they read in the indexes, neither table is visited.
        child_kabupaten_index(
            manager,
            vec![
                Common::KabupatenCode.into_iden(),
                Common::DeletedAt.into_iden(),
                Common::PosyanduId.into_iden(),
                Child::PersonId.into_iden(),
                Child::KmsHeld.into_iden(),
                Child::BukuKiaHeld.into_iden(),
            ],
        )
        .await?;
        manager
            .create_index(index(
                "ix_person_counted",
                Person::Table,
                vec![
                    Person::Id.into_iden(),
                    Common::DeletedAt.into_iden(),
                    Person::BirthDate.into_iden(),
                    Person::Sex.into_iden(),
                    Person::Status.into_iden(),
                    Person::StatusDate.into_iden(),
                ],
            ))
            .await?;
        rebuild(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_person_counted")
                    .table(Person::Table)
                    .to_owned(),
            )
            .await?;
        child_kabupaten_index(manager, vec![Common::KabupatenCode.into_iden()]).await?;
        manager
            .drop_table(Table::drop().table(ChildMonth::Table).to_owned())
            .await
    }
}
