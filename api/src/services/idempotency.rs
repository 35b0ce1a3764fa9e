//! Storage behind `Idempotency-Key`.
use chrono::Duration;
use entity::idempotency_record::{self, ActiveModel, Column, Entity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::clock;

/// How long a key is remembered.
const KEEP_FOR: Duration = Duration::hours(24);
/// A claim older than this whose request never finished (the server died
/// mid-request) may be taken over.
const STALE_CLAIM: Duration = Duration::minutes(5);

pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

pub enum Claim {
    /// This request is the first with the key: run it.
    First,
    /// The key was used for this same request: send its response again.
    Replay(StoredResponse),
    /// The first request with the key is still running.
    InProgress,
    /// The key was used for a different request.
    DifferentRequest,
}

pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    crate::auth::hex(&hasher.finalize())
}

/// Claims `key` for `principal` atomically (insert-if-absent), or reports
/// what the earlier request with the key left.
pub async fn claim(
    db: &DatabaseConnection,
    principal: &str,
    key: &str,
    method: &str,
    path: &str,
    hash: &str,
) -> Result<Claim, DbErr> {
    for _ in 0..2 {
        let now = clock::now();
        let record = ActiveModel {
            principal: Set(principal.to_owned()),
            key: Set(key.to_owned()),
            method: Set(method.to_owned()),
            path: Set(path.to_owned()),
            request_hash: Set(hash.to_owned()),
            status_code: Set(None),
            content_type: Set(None),
            location: Set(None),
            body: Set(None),
            expires_at: Set(now + KEEP_FOR),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = Entity::insert(record)
            .on_conflict(
                OnConflict::columns([Column::Principal, Column::Key])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        if inserted == 1 {
            return Ok(Claim::First);
        }
        let Some(existing) = Entity::find_by_id((principal.to_owned(), key.to_owned()))
            .one(db)
            .await?
        else {
            continue; // released meanwhile: try to claim again
        };
        let expired = existing.expires_at < now;
        let stale = existing.status_code.is_none() && existing.updated_at + STALE_CLAIM < now;
        if expired || stale {
            Entity::delete_many()
                .filter(Column::Principal.eq(principal))
                .filter(Column::Key.eq(key))
                .filter(Column::UpdatedAt.eq(existing.updated_at))
                .exec(db)
                .await?;
            continue;
        }
        if existing.request_hash != hash {
            return Ok(Claim::DifferentRequest);
        }
        return Ok(match existing.status_code {
            None => Claim::InProgress,
            Some(status) => Claim::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(200),
                content_type: existing.content_type,
                location: existing.location,
                body: existing.body.unwrap_or_default(),
            }),
        });
    }
    Ok(Claim::InProgress)
}

/// Remembers the response of the first request.
pub async fn complete(
    db: &DatabaseConnection,
    principal: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::StatusCode, i32::from(response.status).into())
        .col_expr(Column::ContentType, response.content_type.clone().into())
        .col_expr(Column::Location, response.location.clone().into())
        .col_expr(Column::Body, Some(response.body.clone()).into())
        .col_expr(Column::UpdatedAt, clock::now().into())
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a claim whose request failed, so it can be retried.
///
/// A request usually fails because the database is down, and then the
/// release fails too: the key would stay "in progress" (409) until the
/// claim goes stale. So a failed release is tried again in the background,
/// every few seconds until the claim would be stale anyway, and the retry
/// that follows the outage finds the key free.
pub async fn release(db: &DatabaseConnection, principal: &str, key: &str) {
    if delete_claim(db, principal, key).await.is_ok() {
        return;
    }
    tracing::warn!("could not release an idempotency key: trying again in the background");
    let (db, principal, key) = (db.clone(), principal.to_owned(), key.to_owned());
    tokio::spawn(async move {
        let give_up = std::time::Instant::now() + STALE_CLAIM.to_std().unwrap_or_default();
        let mut pause = std::time::Duration::from_millis(500);
        while std::time::Instant::now() < give_up {
            tokio::time::sleep(pause).await;
            if delete_claim(&db, &principal, &key).await.is_ok() {
                return;
            }
            pause = (pause * 2).min(std::time::Duration::from_secs(5));
        }
    });
}

async fn delete_claim(db: &DatabaseConnection, principal: &str, key: &str) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Principal.eq(principal))
        .filter(Column::Key.eq(key))
        .filter(Column::StatusCode.is_null())
        .exec(db)
        .await
        .map(drop)
}

/// Deletes expired keys; returns how many.
pub async fn purge_expired(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let result = Entity::delete_many()
        .filter(idempotency_record::Column::ExpiresAt.lt(clock::now()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
