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
    Id,
    PosyanduId,
    Priority,
    NotBefore,
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

async fn drop_outbox_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name(name)
                .table(OutboxMessage::Table)
                .to_owned(),
        )
        .await
}

/// The columns of the queue index, with the id (this migration) or without.
fn queue_columns(with_id: bool) -> Vec<DynIden> {
    let mut columns = vec![
        OutboxMessage::Status.into_iden(),
        OutboxMessage::Priority.into_iden(),
        OutboxMessage::NotBefore.into_iden(),
    ];
    if with_id {
        columns.push(OutboxMessage::Id.into_iden());
    }
    columns
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
        // The claim's order in full: with only (status, priority,
        // not_before), the thousands of reminders planned for the same
        // 18:00 were sorted by id on every claim.
        drop_outbox_index(manager, "ix_outbox_message_queue").await?;
        manager
            .create_index(index(
                "ix_outbox_message_queue",
                OutboxMessage::Table,
                queue_columns(true),
            ))
            .await?;
        // The planner reads a posyandu's queued reminders on every run:
        // by posyandu alone PostgreSQL would intersect it with every queued
        // message of the country.
        manager
            .create_index(index(
                "ix_outbox_message_posyandu_status",
                OutboxMessage::Table,
                vec![
                    OutboxMessage::PosyanduId.into_iden(),
                    OutboxMessage::Status.into_iden(),
                ],
            ))
            .await?;
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
        drop_outbox_index(manager, "ix_outbox_message_posyandu_status").await?;
        drop_outbox_index(manager, "ix_outbox_message_expiry").await?;
        drop_outbox_index(manager, "ix_outbox_message_queue").await?;
        manager
            .create_index(index(
                "ix_outbox_message_queue",
                OutboxMessage::Table,
                queue_columns(false),
            ))
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
