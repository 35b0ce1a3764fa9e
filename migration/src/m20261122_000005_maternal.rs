//! Mothers and babies: pregnancies and their antenatal contacts, births
//! (a child linked to its mother's pregnancy), immunisation doses, vitamin A
//! capsules, and the population events the village needs (arrivals with
//! their origin, moves with their destination, BPJS segment changes).
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Posyandu {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Child {
    Table,
    PersonId,
    PregnancyId,
    BirthPlace,
}

#[derive(DeriveIden, Clone, Copy)]
enum PersonEvent {
    Table,
    Origin,
    Destination,
}

#[derive(DeriveIden, Clone, Copy)]
enum Pregnancy {
    Table,
    Id,
    MotherId,
    Hpht,
    HphtEstimated,
    DueDate,
    RegisteredOn,
    Gravida,
    Para,
    Abortus,
    LivingChildren,
    LastBirthDate,
    HeightCm,
    RiskFlags,
    Outcome,
    OutcomeDate,
    OutcomeNote,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum AntenatalContact {
    Table,
    Id,
    PregnancyId,
    ContactDate,
    Provider,
    Place,
    WeightKg,
    LilaCm,
    HbGDl,
    Systolic,
    Diastolic,
    IronTablets,
    TdGiven,
    Notes,
    GestationalDays,
    Kek,
    Anaemia,
    Hypertension,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Immunisation {
    Table,
    Id,
    ChildId,
    Antigen,
    Dose,
    GivenOn,
    AgeDays,
    Batch,
    Place,
    GivenBy,
    TooEarly,
    TooSoon,
    PreviousMissing,
    TooLate,
    Schedule,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum VitaminADose {
    Table,
    Id,
    PersonId,
    Capsule,
    GivenOn,
    Round,
    Postpartum,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum BpjsChange {
    Table,
    Id,
    PersonId,
    FromSegment,
    ToSegment,
    ChangedOn,
    RecordedBy,
}

fn int_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut pregnancy = Table::create();
        pregnancy
            .table(Pregnancy::Table)
            .col(uuid_pk(Pregnancy::Id))
            .col(uuid(Pregnancy::MotherId))
            .col(date(Pregnancy::Hpht))
            .col(boolean(Pregnancy::HphtEstimated, false))
            .col(date(Pregnancy::DueDate))
            .col(date(Pregnancy::RegisteredOn))
            .col(int_null(Pregnancy::Gravida))
            .col(int_null(Pregnancy::Para))
            .col(int_null(Pregnancy::Abortus))
            .col(int_null(Pregnancy::LivingChildren))
            .col(date_null(Pregnancy::LastBirthDate))
            .col(double_null(Pregnancy::HeightCm))
            .col(
                ColumnDef::new(Pregnancy::RiskFlags)
                    .string()
                    .not_null()
                    .default(""),
            )
            .col(text_null(Pregnancy::Outcome))
            .col(date_null(Pregnancy::OutcomeDate))
            .col(text_null(Pregnancy::OutcomeNote))
            .col(text(Pregnancy::RecordedBy))
            .foreign_key(&mut fk(
                "fk_pregnancy_mother",
                (Pregnancy::Table, Pregnancy::MotherId),
                (Person::Table, Person::Id),
            ))
            .foreign_key(&mut fk(
                "fk_pregnancy_posyandu",
                (Pregnancy::Table, Common::PosyanduId),
                (Posyandu::Table, Posyandu::Id),
            ));
        add_place(&mut pregnancy, true);
        add_timestamps(&mut pregnancy);
        add_soft_delete(&mut pregnancy);
        manager.create_table(pregnancy).await?;
        area_indexes(manager, "pregnancy", Pregnancy::Table).await?;
        manager
            .create_index(index(
                "ix_pregnancy_mother",
                Pregnancy::Table,
                vec![Pregnancy::MotherId.into_iden()],
            ))
            .await?;

        let mut contact = Table::create();
        contact
            .table(AntenatalContact::Table)
            .col(uuid_pk(AntenatalContact::Id))
            .col(uuid(AntenatalContact::PregnancyId))
            .col(date(AntenatalContact::ContactDate))
            .col(text(AntenatalContact::Provider))
            .col(text_null(AntenatalContact::Place))
            .col(double_null(AntenatalContact::WeightKg))
            .col(double_null(AntenatalContact::LilaCm))
            .col(double_null(AntenatalContact::HbGDl))
            .col(int_null(AntenatalContact::Systolic))
            .col(int_null(AntenatalContact::Diastolic))
            .col(
                ColumnDef::new(AntenatalContact::IronTablets)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(boolean(AntenatalContact::TdGiven, false))
            .col(text_null(AntenatalContact::Notes))
            .col(
                ColumnDef::new(AntenatalContact::GestationalDays)
                    .integer()
                    .not_null(),
            )
            .col(boolean(AntenatalContact::Kek, false))
            .col(boolean(AntenatalContact::Anaemia, false))
            .col(boolean(AntenatalContact::Hypertension, false))
            .col(text(AntenatalContact::RecordedBy))
            .foreign_key(&mut fk(
                "fk_antenatal_contact_pregnancy",
                (AntenatalContact::Table, AntenatalContact::PregnancyId),
                (Pregnancy::Table, Pregnancy::Id),
            ));
        add_place(&mut contact, true);
        add_timestamps(&mut contact);
        add_soft_delete(&mut contact);
        manager.create_table(contact).await?;
        area_indexes(manager, "antenatal_contact", AntenatalContact::Table).await?;
        manager
            .create_index(index(
                "ix_antenatal_contact_pregnancy",
                AntenatalContact::Table,
                vec![
                    AntenatalContact::PregnancyId.into_iden(),
                    AntenatalContact::ContactDate.into_iden(),
                ],
            ))
            .await?;

        // SQLite alters one column per statement.
        for column in [
            ColumnDef::new(Child::PregnancyId).uuid().null().take(),
            text_null(Child::BirthPlace),
        ] {
            manager
                .alter_table(Table::alter().table(Child::Table).add_column(column).take())
                .await?;
        }
        for column in [
            text_null(PersonEvent::Origin),
            text_null(PersonEvent::Destination),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PersonEvent::Table)
                        .add_column(column)
                        .take(),
                )
                .await?;
        }

        let mut immunisation = Table::create();
        immunisation
            .table(Immunisation::Table)
            .col(uuid_pk(Immunisation::Id))
            .col(uuid(Immunisation::ChildId))
            .col(text(Immunisation::Antigen))
            .col(ColumnDef::new(Immunisation::Dose).integer().not_null())
            .col(date(Immunisation::GivenOn))
            .col(ColumnDef::new(Immunisation::AgeDays).integer().not_null())
            .col(text_null(Immunisation::Batch))
            .col(text_null(Immunisation::Place))
            .col(text_null(Immunisation::GivenBy))
            .col(boolean(Immunisation::TooEarly, false))
            .col(boolean(Immunisation::TooSoon, false))
            .col(boolean(Immunisation::PreviousMissing, false))
            .col(boolean(Immunisation::TooLate, false))
            .col(text(Immunisation::Schedule))
            .col(text(Immunisation::RecordedBy))
            .foreign_key(&mut fk(
                "fk_immunisation_child",
                (Immunisation::Table, Immunisation::ChildId),
                (Child::Table, Child::PersonId),
            ));
        add_place(&mut immunisation, true);
        add_timestamps(&mut immunisation);
        add_soft_delete(&mut immunisation);
        manager.create_table(immunisation).await?;
        area_indexes(manager, "immunisation", Immunisation::Table).await?;
        manager
            .create_index(index(
                "ix_immunisation_child",
                Immunisation::Table,
                vec![Immunisation::ChildId.into_iden()],
            ))
            .await?;

        let mut vitamin_a = Table::create();
        vitamin_a
            .table(VitaminADose::Table)
            .col(uuid_pk(VitaminADose::Id))
            .col(uuid(VitaminADose::PersonId))
            .col(text(VitaminADose::Capsule))
            .col(date(VitaminADose::GivenOn))
            .col(text_null(VitaminADose::Round))
            .col(boolean(VitaminADose::Postpartum, false))
            .col(text(VitaminADose::RecordedBy))
            .foreign_key(&mut fk(
                "fk_vitamin_a_person",
                (VitaminADose::Table, VitaminADose::PersonId),
                (Person::Table, Person::Id),
            ));
        add_place(&mut vitamin_a, false);
        add_timestamps(&mut vitamin_a);
        add_soft_delete(&mut vitamin_a);
        manager.create_table(vitamin_a).await?;
        area_indexes(manager, "vitamin_a_dose", VitaminADose::Table).await?;
        manager
            .create_index(index(
                "ix_vitamin_a_person",
                VitaminADose::Table,
                vec![VitaminADose::PersonId.into_iden()],
            ))
            .await?;

        let mut bpjs = Table::create();
        bpjs.table(BpjsChange::Table)
            .col(uuid_pk(BpjsChange::Id))
            .col(uuid(BpjsChange::PersonId))
            .col(text_null(BpjsChange::FromSegment))
            .col(text_null(BpjsChange::ToSegment))
            .col(date(BpjsChange::ChangedOn))
            .col(text(BpjsChange::RecordedBy))
            .foreign_key(&mut fk(
                "fk_bpjs_change_person",
                (BpjsChange::Table, BpjsChange::PersonId),
                (Person::Table, Person::Id),
            ));
        add_place(&mut bpjs, false);
        add_timestamps(&mut bpjs);
        manager.create_table(bpjs).await?;
        area_indexes(manager, "bpjs_change", BpjsChange::Table).await?;

        // Partial unique indexes (the same syntax on SQLite and PostgreSQL).
        let connection = manager.get_connection();
        for statement in [
            // One ongoing pregnancy per mother.
            "CREATE UNIQUE INDEX ux_pregnancy_ongoing ON pregnancy (mother_id) WHERE deleted_at IS NULL AND outcome IS NULL",
            // One contact per pregnancy per day (a second visit the same day is the same contact).
            "CREATE UNIQUE INDEX ux_antenatal_contact_day ON antenatal_contact (pregnancy_id, contact_date) WHERE deleted_at IS NULL",
            "CREATE UNIQUE INDEX ux_immunisation_dose ON immunisation (child_id, antigen, dose) WHERE deleted_at IS NULL",
            "CREATE UNIQUE INDEX ux_vitamin_a_round ON vitamin_a_dose (person_id, round) WHERE deleted_at IS NULL AND round IS NOT NULL",
        ] {
            connection.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BpjsChange::Table.into_iden(),
            VitaminADose::Table.into_iden(),
            Immunisation::Table.into_iden(),
            AntenatalContact::Table.into_iden(),
            Pregnancy::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        for (table, column) in [
            (Child::Table.into_iden(), Child::BirthPlace.into_iden()),
            (Child::Table.into_iden(), Child::PregnancyId.into_iden()),
            (
                PersonEvent::Table.into_iden(),
                PersonEvent::Destination.into_iden(),
            ),
            (
                PersonEvent::Table.into_iden(),
                PersonEvent::Origin.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
