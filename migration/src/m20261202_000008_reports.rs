//! Reports: the district's targets (data, not code), the lokmin follow-up
//! plan (RTL), each posyandu's activity log per SPM field and its health
//! fund. The reports themselves are computed from the records on request
//! (with one pre-aggregate, `child_month`, added by the next migration).
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ReportTarget {
    Table,
    Id,
    KabupatenCode,
    Year,
    Indicator,
    Value,
    UpdatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum RtlItem {
    Table,
    Id,
    PuskesmasId,
    Quarter,
    Indicator,
    Problem,
    Action,
    OwnerSector,
    Deadline,
    Status,
    Notes,
    CreatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum PosyanduActivity {
    Table,
    Id,
    Field,
    ActivityDate,
    Description,
    People,
    RecordedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum PosyanduHealthFund {
    Table,
    Id,
    Year,
    Households,
    HouseholdsCovered,
    UpdatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Puskesmas {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Posyandu {
    Table,
    Id,
}

fn integer(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut target = Table::create();
        target
            .table(ReportTarget::Table)
            .col(uuid_pk(ReportTarget::Id))
            .col(text(ReportTarget::KabupatenCode))
            .col(integer(ReportTarget::Year))
            .col(text(ReportTarget::Indicator))
            .col(ColumnDef::new(ReportTarget::Value).double().not_null())
            .col(text(ReportTarget::UpdatedBy));
        add_timestamps(&mut target);
        manager.create_table(target).await?;
        manager
            .create_index(
                index(
                    "ux_report_target",
                    ReportTarget::Table,
                    vec![
                        ReportTarget::KabupatenCode.into_iden(),
                        ReportTarget::Year.into_iden(),
                        ReportTarget::Indicator.into_iden(),
                    ],
                )
                .unique()
                .take(),
            )
            .await?;

        let mut rtl = Table::create();
        rtl.table(RtlItem::Table)
            .col(uuid_pk(RtlItem::Id))
            .col(text(RtlItem::Quarter))
            .col(text_null(RtlItem::Indicator))
            .col(text(RtlItem::Problem))
            .col(text(RtlItem::Action))
            .col(text(RtlItem::OwnerSector))
            .col(date(RtlItem::Deadline))
            .col(text(RtlItem::Status))
            .col(text_null(RtlItem::Notes))
            .col(text(RtlItem::CreatedBy))
            .col(text(Common::ProvinceCode))
            .col(text(Common::KabupatenCode))
            .col(text(Common::KecamatanCode))
            .col(uuid(RtlItem::PuskesmasId))
            .foreign_key(&mut fk(
                "fk_rtl_item_puskesmas",
                (RtlItem::Table, RtlItem::PuskesmasId),
                (Puskesmas::Table, Puskesmas::Id),
            ));
        add_timestamps(&mut rtl);
        manager.create_table(rtl).await?;
        manager
            .create_index(index(
                "ix_rtl_item_puskesmas_quarter",
                RtlItem::Table,
                vec![
                    RtlItem::PuskesmasId.into_iden(),
                    RtlItem::Quarter.into_iden(),
                ],
            ))
            .await?;

        let mut activity = Table::create();
        activity
            .table(PosyanduActivity::Table)
            .col(uuid_pk(PosyanduActivity::Id))
            .col(text(PosyanduActivity::Field))
            .col(date(PosyanduActivity::ActivityDate))
            .col(text(PosyanduActivity::Description))
            .col(integer(PosyanduActivity::People))
            .col(text(PosyanduActivity::RecordedBy));
        add_place(&mut activity, true);
        activity.foreign_key(&mut fk(
            "fk_posyandu_activity_posyandu",
            (PosyanduActivity::Table, Common::PosyanduId),
            (Posyandu::Table, Posyandu::Id),
        ));
        add_timestamps(&mut activity);
        manager.create_table(activity).await?;
        manager
            .create_index(index(
                "ix_posyandu_activity_posyandu_date",
                PosyanduActivity::Table,
                vec![
                    Common::PosyanduId.into_iden(),
                    PosyanduActivity::ActivityDate.into_iden(),
                ],
            ))
            .await?;

        let mut fund = Table::create();
        fund.table(PosyanduHealthFund::Table)
            .col(uuid_pk(PosyanduHealthFund::Id))
            .col(integer(PosyanduHealthFund::Year))
            .col(integer(PosyanduHealthFund::Households))
            .col(integer(PosyanduHealthFund::HouseholdsCovered))
            .col(text(PosyanduHealthFund::UpdatedBy));
        add_place(&mut fund, true);
        fund.foreign_key(&mut fk(
            "fk_posyandu_health_fund_posyandu",
            (PosyanduHealthFund::Table, Common::PosyanduId),
            (Posyandu::Table, Posyandu::Id),
        ));
        add_timestamps(&mut fund);
        manager.create_table(fund).await?;
        manager
            .create_index(
                index(
                    "ux_posyandu_health_fund",
                    PosyanduHealthFund::Table,
                    vec![
                        Common::PosyanduId.into_iden(),
                        PosyanduHealthFund::Year.into_iden(),
                    ],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PosyanduHealthFund::Table.into_iden(),
            PosyanduActivity::Table.into_iden(),
            RtlItem::Table.into_iden(),
            ReportTarget::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
