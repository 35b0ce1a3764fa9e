//! The audit log and the store behind `Idempotency-Key`.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    ActorRole,
    Action,
    Entity,
    EntityId,
    Changes,
    RequestId,
}

#[derive(DeriveIden)]
enum IdempotencyRecord {
    Table,
    Principal,
    Key,
    Method,
    Path,
    RequestHash,
    StatusCode,
    ContentType,
    Location,
    Body,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut audit = Table::create();
        audit
            .table(AuditLog::Table)
            .col(uuid_pk(AuditLog::Id))
            .col(timestamp(AuditLog::At))
            .col(text(AuditLog::Actor))
            .col(text(AuditLog::ActorRole))
            .col(text(AuditLog::Action))
            .col(text(AuditLog::Entity))
            .col(text(AuditLog::EntityId))
            .col(ColumnDef::new(AuditLog::Changes).json().null())
            .col(text_null(AuditLog::RequestId));
        add_area_columns(&mut audit);
        add_timestamps(&mut audit);
        manager.create_table(audit).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_entity")
                    .table(AuditLog::Table)
                    .col(AuditLog::Entity)
                    .col(AuditLog::EntityId)
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_audit_log_kabupaten", Common::KabupatenCode),
            ("ix_audit_log_created", Common::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        let mut idem = Table::create();
        idem.table(IdempotencyRecord::Table)
            .col(text(IdempotencyRecord::Principal))
            .col(text(IdempotencyRecord::Key))
            .col(text(IdempotencyRecord::Method))
            .col(text(IdempotencyRecord::Path))
            .col(text(IdempotencyRecord::RequestHash))
            .col(
                ColumnDef::new(IdempotencyRecord::StatusCode)
                    .integer()
                    .null(),
            )
            .col(text_null(IdempotencyRecord::ContentType))
            .col(text_null(IdempotencyRecord::Location))
            .col(ColumnDef::new(IdempotencyRecord::Body).blob().null())
            .col(timestamp(IdempotencyRecord::ExpiresAt))
            .primary_key(
                Index::create()
                    .col(IdempotencyRecord::Principal)
                    .col(IdempotencyRecord::Key),
            );
        add_timestamps(&mut idem);
        manager.create_table(idem).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_expires")
                    .table(IdempotencyRecord::Table)
                    .col(IdempotencyRecord::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyRecord::Table.into_iden(),
            AuditLog::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
