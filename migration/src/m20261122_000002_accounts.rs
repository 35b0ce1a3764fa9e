//! Accounts and access: users, rotating refresh tokens, API clients.
use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    AreaKind,
    AreaCode,
    Phone,
    FailedLogins,
    LockedUntil,
    LastLoginAt,
    PasswordChangedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum RefreshToken {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum ApiClient {
    Table,
    Id,
    ClientId,
    SecretHash,
    Name,
    Role,
    Scopes,
    AreaKind,
    AreaCode,
    LastUsedAt,
    CreatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut user = Table::create();
        user.table(AppUser::Table)
            .col(uuid_pk(AppUser::Id))
            .col(text(AppUser::Username).unique_key())
            .col(text(AppUser::DisplayName))
            .col(text(AppUser::PasswordHash))
            .col(text(AppUser::Role))
            .col(text(AppUser::AreaKind))
            .col(text(AppUser::AreaCode))
            .col(text_null(AppUser::Phone))
            .col(
                ColumnDef::new(AppUser::FailedLogins)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(timestamp_null(AppUser::LockedUntil))
            .col(timestamp_null(AppUser::LastLoginAt))
            .col(timestamp(AppUser::PasswordChangedAt))
            .col(text_null(AppUser::CreatedBy));
        add_area_columns(&mut user);
        add_timestamps(&mut user);
        add_soft_delete(&mut user);
        manager.create_table(user).await?;
        for (name, column) in [
            ("ix_app_user_kabupaten", Common::KabupatenCode),
            ("ix_app_user_kecamatan", Common::KecamatanCode),
            ("ix_app_user_desa", Common::DesaCode),
            ("ix_app_user_puskesmas", Common::PuskesmasId),
            ("ix_app_user_posyandu", Common::PosyanduId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AppUser::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        // One active account per phone number: the bot knows people by it.
        // A partial index (same syntax on SQLite and PostgreSQL) lets a
        // deactivated account keep its number on record.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_app_user_phone_active ON app_user (phone) WHERE deleted_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_app_user_updated")
                    .table(AppUser::Table)
                    .col(Common::UpdatedAt)
                    .col(AppUser::Id)
                    .to_owned(),
            )
            .await?;

        let mut token = Table::create();
        token
            .table(RefreshToken::Table)
            .col(uuid_pk(RefreshToken::Id))
            .col(uuid(RefreshToken::UserId))
            .col(uuid(RefreshToken::FamilyId))
            .col(text(RefreshToken::TokenHash).unique_key())
            .col(timestamp(RefreshToken::ExpiresAt))
            .col(timestamp_null(RefreshToken::UsedAt))
            .col(timestamp_null(RefreshToken::RevokedAt))
            .col(text_null(RefreshToken::RevokedReason))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_refresh_token_user")
                    .from(RefreshToken::Table, RefreshToken::UserId)
                    .to(AppUser::Table, AppUser::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        add_timestamps(&mut token);
        manager.create_table(token).await?;
        for (name, column) in [
            ("ix_refresh_token_family", RefreshToken::FamilyId),
            ("ix_refresh_token_user", RefreshToken::UserId),
            ("ix_refresh_token_expires", RefreshToken::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefreshToken::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        let mut client = Table::create();
        client
            .table(ApiClient::Table)
            .col(uuid_pk(ApiClient::Id))
            .col(text(ApiClient::ClientId).unique_key())
            .col(text(ApiClient::SecretHash))
            .col(text(ApiClient::Name))
            .col(text(ApiClient::Role))
            .col(text(ApiClient::Scopes))
            .col(text(ApiClient::AreaKind))
            .col(text(ApiClient::AreaCode))
            .col(timestamp_null(ApiClient::LastUsedAt))
            .col(text_null(ApiClient::CreatedBy));
        add_area_columns(&mut client);
        add_timestamps(&mut client);
        add_soft_delete(&mut client);
        manager.create_table(client).await?;
        for (name, column) in [
            ("ix_api_client_kabupaten", Common::KabupatenCode),
            ("ix_api_client_updated", Common::UpdatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ApiClient::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiClient::Table.into_iden(),
            RefreshToken::Table.into_iden(),
            AppUser::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
