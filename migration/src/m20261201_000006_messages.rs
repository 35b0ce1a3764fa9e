//! The chat: inbound messages as the providers delivered them (with what
//! each produced), the outbox of replies and reminders with the history of
//! every state change, and the numbers that asked not to be messaged.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum InboundMessage {
    Table,
    Id,
    Channel,
    ProviderMessageId,
    SenderPhone,
    Recipient,
    Kind,
    Body,
    OriginalBody,
    ProfileName,
    Raw,
    SentAt,
    ReceivedAt,
    Status,
    Attempts,
    Revision,
    NotBefore,
    LeaseUntil,
    ClaimedBy,
    SenderKind,
    KaderId,
    UserId,
    Outcome,
    Records,
    Pending,
    PendingUntil,
    ReplyId,
    Error,
    ProcessedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxMessage {
    Table,
    Id,
    Channel,
    Recipient,
    Kind,
    Priority,
    Body,
    TemplateName,
    TemplateLanguage,
    TemplateParams,
    DedupeKey,
    Status,
    Attempts,
    NotBefore,
    ExpiresAt,
    LeaseUntil,
    ClaimedBy,
    ProviderMessageId,
    ErrorCode,
    ErrorDetail,
    InboundId,
    SentAt,
    DeliveredAt,
    ReadAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxEvent {
    Table,
    Id,
    MessageId,
    FromStatus,
    ToStatus,
    At,
    ErrorCode,
    Detail,
}

#[derive(DeriveIden, Clone, Copy)]
enum ContactPreference {
    Table,
    Phone,
    OptedOut,
    Channel,
    ChangedAt,
}

fn int(name: impl IntoIden, default: i32) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .default(default)
        .take()
}

fn long_text_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut inbound = Table::create();
        inbound
            .table(InboundMessage::Table)
            .col(uuid_pk(InboundMessage::Id))
            .col(text(InboundMessage::Channel))
            .col(text(InboundMessage::ProviderMessageId))
            .col(text(InboundMessage::SenderPhone))
            .col(text_null(InboundMessage::Recipient))
            .col(text(InboundMessage::Kind))
            .col(long_text_null(InboundMessage::Body))
            .col(long_text_null(InboundMessage::OriginalBody))
            .col(text_null(InboundMessage::ProfileName))
            .col(long_text_null(InboundMessage::Raw))
            .col(timestamp_null(InboundMessage::SentAt))
            .col(timestamp(InboundMessage::ReceivedAt))
            .col(text(InboundMessage::Status))
            .col(int(InboundMessage::Attempts, 0))
            .col(int(InboundMessage::Revision, 0))
            .col(timestamp(InboundMessage::NotBefore))
            .col(timestamp_null(InboundMessage::LeaseUntil))
            .col(text_null(InboundMessage::ClaimedBy))
            .col(text(InboundMessage::SenderKind))
            .col(uuid_null(InboundMessage::KaderId))
            .col(uuid_null(InboundMessage::UserId))
            .col(long_text_null(InboundMessage::Outcome))
            .col(long_text_null(InboundMessage::Records))
            .col(long_text_null(InboundMessage::Pending))
            .col(timestamp_null(InboundMessage::PendingUntil))
            .col(uuid_null(InboundMessage::ReplyId))
            .col(text_null(InboundMessage::Error))
            .col(timestamp_null(InboundMessage::ProcessedAt));
        add_area_columns(&mut inbound);
        add_timestamps(&mut inbound);
        manager.create_table(inbound).await?;
        manager
            .create_index(
                index(
                    "ux_inbound_message_provider_id",
                    InboundMessage::Table,
                    vec![
                        InboundMessage::Channel.into_iden(),
                        InboundMessage::ProviderMessageId.into_iden(),
                    ],
                )
                .unique()
                .take(),
            )
            .await?;
        // The claim query: waiting messages in order of arrival.
        manager
            .create_index(index(
                "ix_inbound_message_queue",
                InboundMessage::Table,
                vec![
                    InboundMessage::Status.into_iden(),
                    InboundMessage::NotBefore.into_iden(),
                ],
            ))
            .await?;
        // A sender's recent messages (pending confirmations, BATAL).
        manager
            .create_index(index(
                "ix_inbound_message_sender",
                InboundMessage::Table,
                vec![
                    InboundMessage::SenderPhone.into_iden(),
                    InboundMessage::ReceivedAt.into_iden(),
                ],
            ))
            .await?;
        area_indexes(manager, "inbound_message", InboundMessage::Table).await?;

        let mut outbox = Table::create();
        outbox
            .table(OutboxMessage::Table)
            .col(uuid_pk(OutboxMessage::Id))
            .col(text(OutboxMessage::Channel))
            .col(text(OutboxMessage::Recipient))
            .col(text(OutboxMessage::Kind))
            .col(int(OutboxMessage::Priority, 5))
            .col(long_text_null(OutboxMessage::Body))
            .col(text_null(OutboxMessage::TemplateName))
            .col(text_null(OutboxMessage::TemplateLanguage))
            .col(long_text_null(OutboxMessage::TemplateParams))
            .col(text(OutboxMessage::DedupeKey))
            .col(text(OutboxMessage::Status))
            .col(int(OutboxMessage::Attempts, 0))
            .col(timestamp(OutboxMessage::NotBefore))
            .col(timestamp(OutboxMessage::ExpiresAt))
            .col(timestamp_null(OutboxMessage::LeaseUntil))
            .col(text_null(OutboxMessage::ClaimedBy))
            .col(text_null(OutboxMessage::ProviderMessageId))
            .col(text_null(OutboxMessage::ErrorCode))
            .col(text_null(OutboxMessage::ErrorDetail))
            .col(uuid_null(OutboxMessage::InboundId))
            .col(timestamp_null(OutboxMessage::SentAt))
            .col(timestamp_null(OutboxMessage::DeliveredAt))
            .col(timestamp_null(OutboxMessage::ReadAt));
        add_area_columns(&mut outbox);
        add_timestamps(&mut outbox);
        manager.create_table(outbox).await?;
        manager
            .create_index(
                index(
                    "ux_outbox_message_dedupe",
                    OutboxMessage::Table,
                    vec![OutboxMessage::DedupeKey.into_iden()],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_outbox_message_queue",
                OutboxMessage::Table,
                vec![
                    OutboxMessage::Status.into_iden(),
                    OutboxMessage::Priority.into_iden(),
                    OutboxMessage::NotBefore.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_outbox_message_provider_id",
                OutboxMessage::Table,
                vec![
                    OutboxMessage::Channel.into_iden(),
                    OutboxMessage::ProviderMessageId.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_outbox_message_recipient",
                OutboxMessage::Table,
                vec![
                    OutboxMessage::Recipient.into_iden(),
                    OutboxMessage::Status.into_iden(),
                ],
            ))
            .await?;
        area_indexes(manager, "outbox_message", OutboxMessage::Table).await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEvent::Table)
                    .col(uuid_pk(OutboxEvent::Id))
                    .col(uuid(OutboxEvent::MessageId))
                    .col(text_null(OutboxEvent::FromStatus))
                    .col(text(OutboxEvent::ToStatus))
                    .col(timestamp(OutboxEvent::At))
                    .col(text_null(OutboxEvent::ErrorCode))
                    .col(text_null(OutboxEvent::Detail))
                    .foreign_key(&mut fk(
                        "fk_outbox_event_message",
                        (OutboxEvent::Table, OutboxEvent::MessageId),
                        (OutboxMessage::Table, OutboxMessage::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_outbox_event_message",
                OutboxEvent::Table,
                vec![
                    OutboxEvent::MessageId.into_iden(),
                    OutboxEvent::At.into_iden(),
                ],
            ))
            .await?;

        let mut preference = Table::create();
        preference
            .table(ContactPreference::Table)
            .col(
                ColumnDef::new(ContactPreference::Phone)
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(boolean(ContactPreference::OptedOut, false))
            .col(text_null(ContactPreference::Channel))
            .col(timestamp(ContactPreference::ChangedAt));
        add_timestamps(&mut preference);
        manager.create_table(preference).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ContactPreference::Table.into_iden(),
            OutboxEvent::Table.into_iden(),
            OutboxMessage::Table.into_iden(),
            InboundMessage::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
