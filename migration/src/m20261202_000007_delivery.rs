//! Delivery within the providers' limits: the pace of each channel shared
//! by every worker (the next free send slot), the first attempt of each
//! message (retries give up some time after it), and the SMS copy a failed
//! WhatsApp message falls back to.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum OutboxMessage {
    Table,
    Status,
    ExpiresAt,
    FirstAttemptAt,
    FallbackOf,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxPace {
    Table,
    Channel,
    NextAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            timestamp_null(OutboxMessage::FirstAttemptAt),
            uuid_null(OutboxMessage::FallbackOf),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutboxMessage::Table)
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        let mut pace = Table::create();
        pace.table(OutboxPace::Table)
            .col(
                ColumnDef::new(OutboxPace::Channel)
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(timestamp(OutboxPace::NextAt));
        add_timestamps(&mut pace);
        manager.create_table(pace).await?;
        // Every claim gives up the messages past their expiry first.
        manager
            .create_index(index(
                "ix_outbox_message_expiry",
                OutboxMessage::Table,
                vec![
                    OutboxMessage::Status.into_iden(),
                    OutboxMessage::ExpiresAt.into_iden(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_message_expiry")
                    .table(OutboxMessage::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OutboxPace::Table).to_owned())
            .await?;
        for column in [OutboxMessage::FallbackOf, OutboxMessage::FirstAttemptAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutboxMessage::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
