//! The registry: posyandu details, families, people and their events,
//! children, kader and their posts and incentives, weighings.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Posyandu {
    Table,
    Id,
    TimeZone,
    OpeningRule,
    SpmFields,
    SkNumber,
    SkDate,
}

#[derive(DeriveIden, Clone, Copy)]
enum PosyanduDayChange {
    Table,
    Id,
    FromDate,
    ToDate,
    Reason,
    CreatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum DesaProfile {
    Table,
    HasBidanDesa,
}

#[derive(DeriveIden, Clone, Copy)]
enum Family {
    Table,
    Id,
    NoKk,
    Desil,
    Address,
}

#[derive(DeriveIden, Clone, Copy)]
enum Person {
    Table,
    Id,
    Code,
    Nik,
    Name,
    NameFolded,
    Sex,
    BirthDate,
    Phone,
    FamilyId,
    BpjsSegment,
    BpjsNumber,
    Status,
    StatusDate,
}

#[derive(DeriveIden, Clone, Copy)]
enum PersonEvent {
    Table,
    Id,
    PersonId,
    Kind,
    EventDate,
    Note,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Counter {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden, Clone, Copy)]
enum Child {
    Table,
    PersonId,
    MotherId,
    BirthWeightG,
    BirthLengthCm,
    KmsHeld,
    BukuKiaHeld,
}

#[derive(DeriveIden, Clone, Copy)]
enum Kader {
    Table,
    Id,
    PersonId,
    Post,
    SkNumber,
    SkDate,
    TrainingTier,
    Phone,
    ActiveFrom,
    ActiveTo,
    UserId,
}

#[derive(DeriveIden, Clone, Copy)]
enum InstitutionPost {
    Table,
    Id,
    PersonId,
    Institution,
    Post,
    Board,
    ActiveFrom,
    ActiveTo,
}

#[derive(DeriveIden, Clone, Copy)]
enum KaderIncentive {
    Table,
    Id,
    KaderId,
    Period,
    AmountRupiah,
    Source,
    PaidOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum Weighing {
    Table,
    Id,
    ChildId,
    MeasuredOn,
    AgeDays,
    WeightKg,
    LengthCm,
    Position,
    HeadCm,
    MuacCm,
    Oedema,
    MeasuredBy,
    ZWfa,
    ZLhfa,
    ZWflh,
    ZBmi,
    ZHcfa,
    ZAcfa,
    Implausible,
    CatBbu,
    CatTbu,
    CatBbtb,
    CatImtu,
    KmsStatus,
    GainG,
    KbmG,
    TwoT,
    Bgm,
    Stunting,
    Wasting,
    Underweight,
    Referral,
    Standard,
    RecordedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            ColumnDef::new(Posyandu::TimeZone)
                .string()
                .not_null()
                .default("Asia/Jakarta")
                .take(),
            text_null(Posyandu::OpeningRule),
            ColumnDef::new(Posyandu::SpmFields)
                .string()
                .not_null()
                .default("")
                .take(),
            text_null(Posyandu::SkNumber),
            date_null(Posyandu::SkDate),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posyandu::Table)
                        .add_column(column)
                        .take(),
                )
                .await?;
        }

        let mut changes = Table::create();
        changes
            .table(PosyanduDayChange::Table)
            .col(uuid_pk(PosyanduDayChange::Id))
            .col(uuid(Common::PosyanduId))
            .col(date(PosyanduDayChange::FromDate))
            .col(date_null(PosyanduDayChange::ToDate))
            .col(text_null(PosyanduDayChange::Reason))
            .col(text_null(PosyanduDayChange::CreatedBy))
            .foreign_key(&mut fk(
                "fk_day_change_posyandu",
                (PosyanduDayChange::Table, Common::PosyanduId),
                (Posyandu::Table, Posyandu::Id),
            ));
        add_timestamps(&mut changes);
        add_soft_delete(&mut changes);
        manager.create_table(changes).await?;
        manager
            .create_index(index(
                "ix_day_change_posyandu",
                PosyanduDayChange::Table,
                vec![
                    Common::PosyanduId.into_iden(),
                    PosyanduDayChange::FromDate.into_iden(),
                ],
            ))
            .await?;

        let mut profile = Table::create();
        profile
            .table(DesaProfile::Table)
            .col(
                ColumnDef::new(Common::DesaCode)
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(DesaProfile::HasBidanDesa).boolean().null())
            .foreign_key(&mut fk(
                "fk_desa_profile_region",
                (DesaProfile::Table, Common::DesaCode),
                (Alias::new("region"), Alias::new("code")),
            ));
        add_timestamps(&mut profile);
        manager.create_table(profile).await?;

        let mut family = Table::create();
        family
            .table(Family::Table)
            .col(uuid_pk(Family::Id))
            .col(text_null(Family::NoKk))
            .col(ColumnDef::new(Family::Desil).small_integer().null())
            .col(text_null(Family::Address));
        add_place(&mut family, false);
        add_timestamps(&mut family);
        add_soft_delete(&mut family);
        manager.create_table(family).await?;
        area_indexes(manager, "family", Family::Table).await?;

        let mut counter = Table::create();
        counter
            .table(Counter::Table)
            .col(
                ColumnDef::new(Counter::Name)
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Counter::Value).big_integer().not_null());
        add_timestamps(&mut counter);
        manager.create_table(counter).await?;

        let mut person = Table::create();
        person
            .table(Person::Table)
            .col(uuid_pk(Person::Id))
            .col(text(Person::Code).unique_key())
            .col(text_null(Person::Nik))
            .col(text(Person::Name))
            .col(text(Person::NameFolded))
            .col(text(Person::Sex))
            .col(date(Person::BirthDate))
            .col(text_null(Person::Phone))
            .col(uuid_null(Person::FamilyId))
            .col(text_null(Person::BpjsSegment))
            .col(text_null(Person::BpjsNumber))
            .col(text(Person::Status))
            .col(date_null(Person::StatusDate))
            .foreign_key(&mut fk(
                "fk_person_family",
                (Person::Table, Person::FamilyId),
                (Family::Table, Family::Id),
            ));
        add_place(&mut person, false);
        add_timestamps(&mut person);
        add_soft_delete(&mut person);
        manager.create_table(person).await?;
        area_indexes(manager, "person", Person::Table).await?;
        manager
            .create_index(index(
                "ix_person_name",
                Person::Table,
                vec![Person::NameFolded.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_person_family",
                Person::Table,
                vec![Person::FamilyId.into_iden()],
            ))
            .await?;

        let mut event = Table::create();
        event
            .table(PersonEvent::Table)
            .col(uuid_pk(PersonEvent::Id))
            .col(uuid(PersonEvent::PersonId))
            .col(text(PersonEvent::Kind))
            .col(date(PersonEvent::EventDate))
            .col(text_null(PersonEvent::Note))
            .col(text(PersonEvent::RecordedBy))
            .foreign_key(&mut fk(
                "fk_person_event_person",
                (PersonEvent::Table, PersonEvent::PersonId),
                (Person::Table, Person::Id),
            ));
        add_place(&mut event, false);
        add_timestamps(&mut event);
        manager.create_table(event).await?;
        manager
            .create_index(index(
                "ix_person_event_person",
                PersonEvent::Table,
                vec![PersonEvent::PersonId.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_person_event_desa_date",
                PersonEvent::Table,
                vec![
                    Common::DesaCode.into_iden(),
                    PersonEvent::EventDate.into_iden(),
                ],
            ))
            .await?;

        let mut child = Table::create();
        child
            .table(Child::Table)
            .col(
                ColumnDef::new(Child::PersonId)
                    .uuid()
                    .not_null()
                    .primary_key(),
            )
            .col(uuid_null(Child::MotherId))
            .col(ColumnDef::new(Child::BirthWeightG).integer().null())
            .col(double_null(Child::BirthLengthCm))
            .col(boolean(Child::KmsHeld, false))
            .col(boolean(Child::BukuKiaHeld, false))
            .foreign_key(&mut fk(
                "fk_child_person",
                (Child::Table, Child::PersonId),
                (Person::Table, Person::Id),
            ))
            .foreign_key(&mut fk(
                "fk_child_mother",
                (Child::Table, Child::MotherId),
                (Person::Table, Person::Id),
            ))
            .foreign_key(&mut fk(
                "fk_child_posyandu",
                (Child::Table, Common::PosyanduId),
                (Posyandu::Table, Posyandu::Id),
            ));
        add_place(&mut child, true);
        add_timestamps(&mut child);
        add_soft_delete(&mut child);
        manager.create_table(child).await?;
        area_indexes(manager, "child", Child::Table).await?;
        manager
            .create_index(index(
                "ix_child_mother",
                Child::Table,
                vec![Child::MotherId.into_iden()],
            ))
            .await?;

        let mut kader = Table::create();
        kader
            .table(Kader::Table)
            .col(uuid_pk(Kader::Id))
            .col(uuid(Kader::PersonId))
            .col(text(Kader::Post))
            .col(text_null(Kader::SkNumber))
            .col(date_null(Kader::SkDate))
            .col(text_null(Kader::TrainingTier))
            .col(text_null(Kader::Phone))
            .col(date(Kader::ActiveFrom))
            .col(date_null(Kader::ActiveTo))
            .col(uuid_null(Kader::UserId))
            .foreign_key(&mut fk(
                "fk_kader_person",
                (Kader::Table, Kader::PersonId),
                (Person::Table, Person::Id),
            ))
            .foreign_key(&mut fk(
                "fk_kader_posyandu",
                (Kader::Table, Common::PosyanduId),
                (Posyandu::Table, Posyandu::Id),
            ));
        add_place(&mut kader, true);
        add_timestamps(&mut kader);
        add_soft_delete(&mut kader);
        manager.create_table(kader).await?;
        area_indexes(manager, "kader", Kader::Table).await?;
        manager
            .create_index(index(
                "ix_kader_person",
                Kader::Table,
                vec![Kader::PersonId.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_kader_phone",
                Kader::Table,
                vec![Kader::Phone.into_iden()],
            ))
            .await?;

        let mut post = Table::create();
        post.table(InstitutionPost::Table)
            .col(uuid_pk(InstitutionPost::Id))
            .col(uuid(InstitutionPost::PersonId))
            .col(text(InstitutionPost::Institution))
            .col(text(InstitutionPost::Post))
            .col(boolean(InstitutionPost::Board, false))
            .col(date(InstitutionPost::ActiveFrom))
            .col(date_null(InstitutionPost::ActiveTo))
            .foreign_key(&mut fk(
                "fk_institution_post_person",
                (InstitutionPost::Table, InstitutionPost::PersonId),
                (Person::Table, Person::Id),
            ));
        add_place(&mut post, false);
        add_timestamps(&mut post);
        add_soft_delete(&mut post);
        manager.create_table(post).await?;
        manager
            .create_index(index(
                "ix_institution_post_person",
                InstitutionPost::Table,
                vec![InstitutionPost::PersonId.into_iden()],
            ))
            .await?;

        let mut incentive = Table::create();
        incentive
            .table(KaderIncentive::Table)
            .col(uuid_pk(KaderIncentive::Id))
            .col(uuid(KaderIncentive::KaderId))
            .col(text(KaderIncentive::Period))
            .col(
                ColumnDef::new(KaderIncentive::AmountRupiah)
                    .big_integer()
                    .not_null(),
            )
            .col(text_null(KaderIncentive::Source))
            .col(date_null(KaderIncentive::PaidOn))
            .foreign_key(&mut fk(
                "fk_incentive_kader",
                (KaderIncentive::Table, KaderIncentive::KaderId),
                (Kader::Table, Kader::Id),
            ));
        add_place(&mut incentive, true);
        add_timestamps(&mut incentive);
        add_soft_delete(&mut incentive);
        manager.create_table(incentive).await?;
        manager
            .create_index(index(
                "ix_incentive_kader",
                KaderIncentive::Table,
                vec![KaderIncentive::KaderId.into_iden()],
            ))
            .await?;

        let mut weighing = Table::create();
        weighing
            .table(Weighing::Table)
            .col(uuid_pk(Weighing::Id))
            .col(uuid(Weighing::ChildId))
            .col(date(Weighing::MeasuredOn))
            .col(ColumnDef::new(Weighing::AgeDays).integer().not_null())
            .col(ColumnDef::new(Weighing::WeightKg).double().not_null())
            .col(double_null(Weighing::LengthCm))
            .col(text_null(Weighing::Position))
            .col(double_null(Weighing::HeadCm))
            .col(double_null(Weighing::MuacCm))
            .col(boolean(Weighing::Oedema, false))
            .col(text_null(Weighing::MeasuredBy))
            .col(double_null(Weighing::ZWfa))
            .col(double_null(Weighing::ZLhfa))
            .col(double_null(Weighing::ZWflh))
            .col(double_null(Weighing::ZBmi))
            .col(double_null(Weighing::ZHcfa))
            .col(double_null(Weighing::ZAcfa))
            .col(
                ColumnDef::new(Weighing::Implausible)
                    .string()
                    .not_null()
                    .default(""),
            )
            .col(text_null(Weighing::CatBbu))
            .col(text_null(Weighing::CatTbu))
            .col(text_null(Weighing::CatBbtb))
            .col(text_null(Weighing::CatImtu))
            .col(text(Weighing::KmsStatus))
            .col(ColumnDef::new(Weighing::GainG).integer().null())
            .col(ColumnDef::new(Weighing::KbmG).integer().null())
            .col(boolean(Weighing::TwoT, false))
            .col(boolean(Weighing::Bgm, false))
            .col(boolean(Weighing::Stunting, false))
            .col(boolean(Weighing::Wasting, false))
            .col(boolean(Weighing::Underweight, false))
            .col(
                ColumnDef::new(Weighing::Referral)
                    .string()
                    .not_null()
                    .default(""),
            )
            .col(text(Weighing::Standard))
            .col(text(Weighing::RecordedBy))
            .foreign_key(&mut fk(
                "fk_weighing_child",
                (Weighing::Table, Weighing::ChildId),
                (Child::Table, Child::PersonId),
            ))
            .foreign_key(&mut fk(
                "fk_weighing_posyandu",
                (Weighing::Table, Common::PosyanduId),
                (Posyandu::Table, Posyandu::Id),
            ));
        add_place(&mut weighing, true);
        add_timestamps(&mut weighing);
        add_soft_delete(&mut weighing);
        manager.create_table(weighing).await?;
        manager
            .create_index(index(
                "ix_weighing_child_date",
                Weighing::Table,
                vec![
                    Weighing::ChildId.into_iden(),
                    Weighing::MeasuredOn.into_iden(),
                ],
            ))
            .await?;
        for (name, column) in [
            ("ix_weighing_posyandu_date", Common::PosyanduId),
            ("ix_weighing_desa_date", Common::DesaCode),
            ("ix_weighing_puskesmas_date", Common::PuskesmasId),
            ("ix_weighing_kecamatan_date", Common::KecamatanCode),
            ("ix_weighing_kabupaten_date", Common::KabupatenCode),
        ] {
            manager
                .create_index(index(
                    name,
                    Weighing::Table,
                    vec![column.into_iden(), Weighing::MeasuredOn.into_iden()],
                ))
                .await?;
        }

        // Partial unique indexes (the same syntax on SQLite and PostgreSQL):
        // they hold only for rows that are not soft-deleted.
        let connection = manager.get_connection();
        for statement in [
            "CREATE UNIQUE INDEX ux_person_nik_active ON person (nik) WHERE deleted_at IS NULL",
            "CREATE UNIQUE INDEX ux_family_no_kk_active ON family (no_kk) WHERE deleted_at IS NULL",
            "CREATE UNIQUE INDEX ux_child_weighing_day ON weighing (child_id, measured_on) WHERE deleted_at IS NULL",
        ] {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Weighing::Table.into_iden(),
            KaderIncentive::Table.into_iden(),
            InstitutionPost::Table.into_iden(),
            Kader::Table.into_iden(),
            Child::Table.into_iden(),
            PersonEvent::Table.into_iden(),
            Person::Table.into_iden(),
            Counter::Table.into_iden(),
            Family::Table.into_iden(),
            DesaProfile::Table.into_iden(),
            PosyanduDayChange::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        for column in [
            Posyandu::SkDate.into_iden(),
            Posyandu::SkNumber.into_iden(),
            Posyandu::SpmFields.into_iden(),
            Posyandu::OpeningRule.into_iden(),
            Posyandu::TimeZone.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posyandu::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
