//! Inbound chat messages: stored as delivered, claimed by bot workers with a
//! lease, settled with their outcome and reply, and shown to officers.
//!
//! Exactly-once processing rests on three things: a message is stored once
//! per (channel, provider id); a worker holds it under a lease, and an
//! expired lease is claimed again; every action the bot takes for a message
//! carries an `Idempotency-Key` made of the message id, its revision and the
//! line, so a second worker replaying a half-done message gets the first
//! answers back instead of new records. A sender's messages are handed out
//! one at a time, in order (a `YA` must come after its question).
use chrono::{DateTime, Duration, Utc};
use entity::{inbound_message, outbox_message};
use openapi::messages::{
    ClaimRequest, ClaimedMessage, InboundMessage, InboundStatus, LastReport, LineOutcome,
    MessageOutcome, MessageRelease, MessageRerun, NewInboundMessage, PendingConfirmation,
    RecordRef, SenderKind,
};
use openapi::{Page, Scope};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{AreaScope, Location};
use crate::auth::Principal;
use crate::clock;
use crate::db::{begin_write, is_unique_violation};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::audit::{self, Actor};
use crate::services::contacts;
use crate::services::outbox::{self, NewOutbox};

/// After this many attempts a message is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;
/// Longest text stored (WhatsApp allows 4096; SMS concatenations are shorter).
const MAX_TEXT: usize = 10_000;

/// What `outcome` holds: each line's outcome and the reply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    lines: Vec<LineOutcome>,
    #[serde(default)]
    reply: Option<String>,
}

/// What `pending` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredPending {
    action: serde_json::Value,
    question: String,
}

fn check_channel(channel: &str) -> bool {
    match channel.strip_prefix("gateway:") {
        Some(name) => {
            (1..=32).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        }
        None => matches!(channel, "whatsapp" | "sms" | "console"),
    }
}

fn to_wire(row: inbound_message::Model) -> InboundMessage {
    let stored: Stored = row
        .outcome
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let question = row
        .pending
        .as_deref()
        .and_then(|t| serde_json::from_str::<StoredPending>(t).ok())
        .map(|p| p.question);
    InboundMessage {
        id: row.id,
        channel: row.channel,
        provider_message_id: row.provider_message_id,
        from: row.sender_phone,
        to: row.recipient,
        kind: row.kind,
        text: row.body,
        original_text: row.original_body,
        profile_name: row.profile_name,
        sent_at: row.sent_at,
        received_at: row.received_at,
        status: InboundStatus::parse(&row.status).unwrap_or(InboundStatus::Failed),
        attempts: row.attempts,
        revision: row.revision,
        sender_kind: SenderKind::parse(&row.sender_kind).unwrap_or(SenderKind::Unknown),
        kader_id: row.kader_id,
        posyandu_id: row.posyandu_id,
        lines: stored.lines,
        question,
        reply: stored.reply,
        reply_id: row.reply_id,
        error: row.error,
        processed_at: row.processed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn location_of(row: &inbound_message::Model) -> Location {
    Location {
        province: row.province_code.clone(),
        kabupaten: row.kabupaten_code.clone(),
        kecamatan: row.kecamatan_code.clone(),
        desa: row.desa_code.clone(),
        puskesmas: row.puskesmas_id,
        posyandu: row.posyandu_id,
    }
}

/// The location of a caller's own area: where the messages of unknown
/// numbers they store belong, so that the same area's bot and officers see
/// them.
fn location_of_area(principal: &Principal) -> Location {
    match &principal.area {
        AreaScope::Puskesmas(id) => Location {
            puskesmas: Some(*id),
            ..Location::default()
        },
        AreaScope::Posyandu(id) => Location {
            posyandu: Some(*id),
            ..Location::default()
        },
        AreaScope::Nasional => Location::default(),
        _ => Location::of_region(&principal.area_code),
    }
}

/// Stores a delivered message once. `Ok((message, true))` when it is new.
pub async fn store(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewInboundMessage,
) -> ApiResult<(InboundMessage, bool)> {
    principal.require(Scope::BotRelay)?;
    let mut invalid = Invalid::new();
    if !check_channel(&new.channel) {
        invalid.add(
            "channel",
            "invalid",
            "The channel is whatsapp, sms, console or gateway:<name>.",
        );
    }
    let id = new.provider_message_id.trim();
    if id.is_empty() || id.len() > 200 {
        invalid.add(
            "provider_message_id",
            "invalid",
            "Give the provider's message id (1–200 characters).",
        );
    }
    let from = new.from.trim();
    if from.is_empty() || from.len() > 64 {
        invalid.add("from", "invalid", "Give the sender's number.");
    }
    if new.kind.trim().is_empty() || new.kind.len() > 32 {
        invalid.add(
            "kind",
            "invalid",
            "The kind is 1–32 characters (`text`, …).",
        );
    }
    if new.text.as_ref().is_some_and(|t| t.len() > MAX_TEXT) {
        invalid.add(
            "text",
            "too_long",
            format!("A message is at most {MAX_TEXT} bytes."),
        );
    }
    invalid.finish()?;
    let channel = new.channel.clone();
    let provider_id = id.to_owned();
    if let Some(existing) = find_by_provider_id(db, &channel, &provider_id).await? {
        return Ok((to_wire(existing), false));
    }
    // A number that is not an Indonesian mobile number is kept as given:
    // it is answered (once a day) like any unknown number.
    let phone = contacts::normalise(from).unwrap_or_else(|| from.to_owned());
    let resolved = contacts::resolve(db, &phone).await?;
    let location = resolved
        .location
        .clone()
        .unwrap_or_else(|| location_of_area(principal));
    let now = clock::now();
    let row = inbound_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel: Set(channel.clone()),
        provider_message_id: Set(provider_id.clone()),
        sender_phone: Set(phone),
        recipient: Set(new.to.map(|t| t.trim().chars().take(64).collect())),
        kind: Set(new.kind.trim().to_ascii_lowercase()),
        body: Set(new.text),
        original_body: Set(None),
        profile_name: Set(new.profile_name.map(|n| n.chars().take(100).collect())),
        raw: Set(new.raw.map(|r| r.to_string())),
        sent_at: Set(new.sent_at),
        received_at: Set(now),
        status: Set(InboundStatus::Received.as_str().into()),
        attempts: Set(0),
        revision: Set(0),
        not_before: Set(now),
        lease_until: Set(None),
        claimed_by: Set(None),
        sender_kind: Set(resolved.sender.kind.as_str().into()),
        kader_id: Set(resolved.sender.kader_id),
        user_id: Set(resolved.sender.user_id),
        outcome: Set(None),
        records: Set(None),
        pending: Set(None),
        pending_until: Set(None),
        reply_id: Set(None),
        error: Set(None),
        processed_at: Set(None),
        province_code: Set(location.province),
        kabupaten_code: Set(location.kabupaten),
        kecamatan_code: Set(location.kecamatan),
        desa_code: Set(location.desa),
        puskesmas_id: Set(location.puskesmas),
        posyandu_id: Set(location.posyandu),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let tx = begin_write(db).await?;
    let inserted = inbound_message::Entity::insert(row)
        .exec_with_returning(&*tx)
        .await;
    match inserted {
        Ok(row) => {
            tx.commit().await?;
            Ok((to_wire(row), true))
        }
        // Two deliveries of one message at once: the other one stored it.
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            let existing = find_by_provider_id(db, &channel, &provider_id)
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored message vanished")))?;
            Ok((to_wire(existing), false))
        }
        Err(e) => Err(e.into()),
    }
}

async fn find_by_provider_id<C: ConnectionTrait>(
    db: &C,
    channel: &str,
    provider_id: &str,
) -> ApiResult<Option<inbound_message::Model>> {
    Ok(inbound_message::Entity::find()
        .filter(inbound_message::Column::Channel.eq(channel))
        .filter(inbound_message::Column::ProviderMessageId.eq(provider_id))
        .one(db)
        .await?)
}

/// The messages a worker may take now: waiting ones whose time has come and
/// those whose worker's lease ran out, each only when no earlier message of
/// the same sender is still waiting or held.
fn claimable(now: DateTime<Utc>) -> Condition {
    use inbound_message::Column;
    let waiting = Condition::all()
        .add(Column::Status.eq(InboundStatus::Received.as_str()))
        .add(Column::NotBefore.lte(now));
    let abandoned = Condition::all()
        .add(Column::Status.eq(InboundStatus::Processing.as_str()))
        .add(Column::LeaseUntil.lt(now));
    Condition::all()
        .add(Condition::any().add(waiting).add(abandoned))
        .add(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM inbound_message AS earlier \
             WHERE earlier.sender_phone = inbound_message.sender_phone \
             AND earlier.status IN ('received', 'processing') \
             AND (earlier.received_at < inbound_message.received_at \
                  OR (earlier.received_at = inbound_message.received_at \
                      AND earlier.id < inbound_message.id)))",
        ))
}

pub async fn claim(
    db: &DatabaseConnection,
    principal: &Principal,
    request: ClaimRequest,
) -> ApiResult<Vec<ClaimedMessage>> {
    principal.require(Scope::BotRelay)?;
    let worker = check_worker(&request.worker)?;
    let limit = request.limit.unwrap_or(20);
    let lease = request.lease_seconds.unwrap_or(60);
    let mut invalid = Invalid::new();
    if !(1..=100).contains(&limit) {
        invalid.add("limit", "out_of_range", "limit is 1–100.");
    }
    if !(5..=600).contains(&lease) {
        invalid.add("lease_seconds", "out_of_range", "lease_seconds is 5–600.");
    }
    invalid.finish()?;
    let now = clock::now();
    let tx = begin_write(db).await?;
    let mut select = inbound_message::Entity::find()
        .filter(principal.area.condition::<inbound_message::Entity>())
        .filter(claimable(now))
        .order_by_asc(inbound_message::Column::ReceivedAt)
        .order_by_asc(inbound_message::Column::Id)
        .limit(limit as u64);
    if tx.get_database_backend() == DbBackend::Postgres {
        // Workers on other hosts skip what another is taking right now.
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = select.all(&*tx).await?;
    let lease_until = now + Duration::seconds(lease as i64);
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts = row.attempts + 1;
        let mut active = row.into_active_model();
        active.status = Set(InboundStatus::Processing.as_str().into());
        active.lease_until = Set(Some(lease_until));
        active.claimed_by = Set(Some(worker.clone()));
        active.attempts = Set(attempts);
        active.updated_at = Set(now);
        claimed.push(active.update(&*tx).await?);
    }
    tx.commit().await?;
    let mut out = Vec::with_capacity(claimed.len());
    for row in claimed {
        out.push(context(db, row, now).await?);
    }
    Ok(out)
}

/// What a worker needs to know besides the message itself.
async fn context(
    db: &DatabaseConnection,
    row: inbound_message::Model,
    now: DateTime<Utc>,
) -> ApiResult<ClaimedMessage> {
    let phone = row.sender_phone.clone();
    let resolved = contacts::resolve(db, &phone).await?;
    let pending = inbound_message::Entity::find()
        .filter(inbound_message::Column::SenderPhone.eq(phone.as_str()))
        .filter(inbound_message::Column::Status.eq(InboundStatus::NeedsConfirmation.as_str()))
        .filter(inbound_message::Column::PendingUntil.gt(now))
        .filter(inbound_message::Column::Id.ne(row.id))
        .order_by_desc(inbound_message::Column::ReceivedAt)
        .one(db)
        .await?
        .and_then(|m| {
            let stored: StoredPending = serde_json::from_str(m.pending.as_deref()?).ok()?;
            Some(PendingConfirmation {
                message_id: m.id,
                action: stored.action,
                question: stored.question,
                until: m.pending_until?,
            })
        });
    let last_report = inbound_message::Entity::find()
        .filter(inbound_message::Column::SenderPhone.eq(phone.as_str()))
        .filter(inbound_message::Column::Status.eq(InboundStatus::Processed.as_str()))
        .filter(inbound_message::Column::Records.is_not_null())
        .filter(inbound_message::Column::ProcessedAt.gt(now - Duration::hours(24)))
        .filter(inbound_message::Column::Id.ne(row.id))
        .order_by_desc(inbound_message::Column::ProcessedAt)
        .one(db)
        .await?
        .and_then(|m| {
            let records: Vec<RecordRef> = serde_json::from_str(m.records.as_deref()?).ok()?;
            (!records.is_empty()).then_some(LastReport {
                message_id: m.id,
                records,
                processed_at: m.processed_at?,
            })
        });
    let notice_sent_recently = outbox_message::Entity::find()
        .filter(outbox_message::Column::Recipient.eq(phone.as_str()))
        .filter(outbox_message::Column::Kind.eq("notice"))
        .filter(outbox_message::Column::CreatedAt.gt(now - Duration::hours(24)))
        .one(db)
        .await?
        .is_some();
    Ok(ClaimedMessage {
        message: to_wire(row),
        sender: resolved.sender,
        pending,
        last_report,
        notice_sent_recently,
    })
}

/// A worker's name as recorded on what it holds.
pub(crate) fn check_worker(worker: &str) -> ApiResult<String> {
    let worker = worker.trim();
    if worker.is_empty() || worker.len() > 100 {
        return Err(ApiError::field(
            "worker",
            "invalid",
            "Name the worker (1–100 characters).",
        ));
    }
    Ok(worker.to_owned())
}

async fn find_held<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<inbound_message::Model> {
    inbound_message::Entity::find_by_id(id)
        .filter(principal.area.condition::<inbound_message::Entity>())
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Whether `worker` still holds the message; settling a message twice (a
/// retried request) is answered with its current state.
enum Hold {
    Held,
    AlreadySettled,
}

fn check_hold(row: &inbound_message::Model, worker: &str) -> ApiResult<Hold> {
    let status = InboundStatus::parse(&row.status);
    match status {
        Some(InboundStatus::Processing) if row.claimed_by.as_deref() == Some(worker) => {
            Ok(Hold::Held)
        }
        Some(InboundStatus::Processing) => Err(ApiError::conflict(
            "Another worker holds this message now (the lease ran out).",
        )),
        Some(InboundStatus::Received) => Err(ApiError::conflict(
            "This message is waiting to be claimed; claim it first.",
        )),
        _ if row.claimed_by.as_deref() == Some(worker) => Ok(Hold::AlreadySettled),
        _ => Err(ApiError::conflict(
            "This message was settled by another worker.",
        )),
    }
}

pub async fn settle(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    outcome: MessageOutcome,
) -> ApiResult<InboundMessage> {
    principal.require(Scope::BotRelay)?;
    let worker = check_outcome(&outcome)?;
    let tx = begin_write(db).await?;
    let settled = settle_in(&tx, principal, id, &worker, outcome).await?;
    tx.commit().await?;
    Ok(settled)
}

/// Settles many messages in one transaction (a busy worker's batch): one
/// commit instead of one per message. Each item succeeds or fails alone.
pub async fn settle_many(
    db: &DatabaseConnection,
    principal: &Principal,
    items: Vec<openapi::messages::OutcomeItem>,
) -> ApiResult<Vec<openapi::messages::ItemResult>> {
    principal.require(Scope::BotRelay)?;
    if items.len() > 200 {
        return Err(ApiError::field("items", "too_many", "At most 200 at once."));
    }
    let checked: Vec<(Uuid, ApiResult<String>, MessageOutcome)> = items
        .into_iter()
        .map(|item| (item.id, check_outcome(&item.outcome), item.outcome))
        .collect();
    let tx = begin_write(db).await?;
    let mut results = Vec::with_capacity(checked.len());
    for (id, worker, outcome) in checked {
        let result = match worker {
            Ok(worker) => settle_in(&tx, principal, id, &worker, outcome).await,
            Err(e) => Err(e),
        };
        results.push(item_result(id, result.map(|_| ())));
    }
    tx.commit().await?;
    Ok(results)
}

/// A batch item's answer: its problem, as the single request would give it.
pub fn item_result(id: Uuid, result: ApiResult<()>) -> openapi::messages::ItemResult {
    match result {
        Ok(()) => openapi::messages::ItemResult {
            id,
            status: 200,
            problem: None,
        },
        Err(error) => {
            let problem = error.to_problem();
            openapi::messages::ItemResult {
                id,
                status: problem.status,
                problem: Some(problem),
            }
        }
    }
}

/// Checks what a settlement says, before any database work.
fn check_outcome(outcome: &MessageOutcome) -> ApiResult<String> {
    let worker = check_worker(&outcome.worker)?;
    let status = outcome.status;
    if !matches!(
        status,
        InboundStatus::Processed
            | InboundStatus::Failed
            | InboundStatus::NeedsConfirmation
            | InboundStatus::Ignored
    ) {
        return Err(ApiError::field(
            "status",
            "invalid",
            "Settle a message as processed, failed, needs_confirmation or ignored.",
        ));
    }
    if status == InboundStatus::NeedsConfirmation && outcome.pending.is_none() {
        return Err(ApiError::field(
            "pending",
            "required",
            "A message that needs confirmation holds the question and the action.",
        ));
    }
    let reply_kind = outcome.reply_kind.as_deref().unwrap_or("reply");
    if !matches!(reply_kind, "reply" | "notice") {
        return Err(ApiError::field(
            "reply_kind",
            "invalid",
            "reply_kind is reply or notice.",
        ));
    }
    if outcome
        .reply
        .as_ref()
        .is_some_and(|r| r.trim().is_empty() || r.len() > 4096)
    {
        return Err(ApiError::field(
            "reply",
            "invalid",
            "A reply is 1–4096 bytes.",
        ));
    }
    Ok(worker)
}

/// Settles one message inside `tx`.
async fn settle_in(
    tx: &crate::db::WriteTx,
    principal: &Principal,
    id: Uuid,
    worker: &str,
    outcome: MessageOutcome,
) -> ApiResult<InboundMessage> {
    let status = outcome.status;
    let reply_kind = outcome.reply_kind.as_deref().unwrap_or("reply");
    let row = find_held(&**tx, principal, id).await?;
    if let Hold::AlreadySettled = check_hold(&row, worker)? {
        return Ok(to_wire(row));
    }
    let now = clock::now();
    let records: Vec<RecordRef> = outcome
        .lines
        .iter()
        .flat_map(|l| l.records.iter().cloned())
        .collect();
    let reply_id = match &outcome.reply {
        Some(text) => Some(
            outbox::queue(
                &**tx,
                NewOutbox {
                    channel: row.channel.clone(),
                    recipient: row.sender_phone.clone(),
                    kind: reply_kind.into(),
                    priority: outbox::PRIORITY_REPLY,
                    body: Some(text.clone()),
                    template: None,
                    dedupe_key: format!("reply:{}:{}", row.id, row.revision),
                    not_before: now,
                    expires_at: now + Duration::hours(24),
                    inbound_id: Some(row.id),
                    location: location_of(&row),
                },
            )
            .await?,
        ),
        None => None,
    };
    let pending = outcome.pending.as_ref().map(|p| {
        (
            serde_json::to_string(&StoredPending {
                action: p.action.clone(),
                question: p.question.clone(),
            })
            .expect("JSON values serialise"),
            now + Duration::minutes(p.minutes.unwrap_or(60).clamp(1, 24 * 60) as i64),
        )
    });
    let stored = Stored {
        lines: outcome.lines,
        reply: outcome.reply,
    };
    let mut active = row.clone().into_active_model();
    active.status = Set(status.as_str().into());
    active.outcome = Set(Some(
        serde_json::to_string(&stored).expect("outcomes serialise"),
    ));
    active.records =
        Set((!records.is_empty())
            .then(|| serde_json::to_string(&records).expect("records serialise")));
    active.pending = Set(pending.as_ref().map(|(p, _)| p.clone()));
    active.pending_until = Set(pending.map(|(_, until)| until));
    active.reply_id = Set(reply_id);
    active.error = Set(outcome.error.map(|e| e.chars().take(1000).collect()));
    active.lease_until = Set(None);
    active.processed_at = Set(Some(now));
    active.updated_at = Set(now);
    let updated = active.update(&**tx).await?;
    if let Some(earlier) = outcome.resolves {
        close_question(&**tx, &row.sender_phone, earlier, now).await?;
    }
    if let Some(earlier) = outcome.undoes {
        forget_records(&**tx, &row.sender_phone, earlier, now).await?;
    }
    Ok(to_wire(updated))
}

/// The question of an earlier message of the same sender was answered.
async fn close_question<C: ConnectionTrait>(
    db: &C,
    phone: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    inbound_message::Entity::update_many()
        .col_expr(
            inbound_message::Column::Status,
            Expr::value(InboundStatus::Processed.as_str()),
        )
        .col_expr(
            inbound_message::Column::PendingUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(inbound_message::Column::UpdatedAt, Expr::value(now))
        .filter(inbound_message::Column::Id.eq(id))
        .filter(inbound_message::Column::SenderPhone.eq(phone))
        .filter(inbound_message::Column::Status.eq(InboundStatus::NeedsConfirmation.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// The records of an earlier message of the same sender were undone
/// (BATAL): it no longer counts as the last report.
async fn forget_records<C: ConnectionTrait>(
    db: &C,
    phone: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    inbound_message::Entity::update_many()
        .col_expr(
            inbound_message::Column::Records,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            inbound_message::Column::Error,
            Expr::value("dibatalkan (BATAL)"),
        )
        .col_expr(inbound_message::Column::UpdatedAt, Expr::value(now))
        .filter(inbound_message::Column::Id.eq(id))
        .filter(inbound_message::Column::SenderPhone.eq(phone))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives a held message back to be tried again later.
pub async fn release(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    release: MessageRelease,
) -> ApiResult<InboundMessage> {
    principal.require(Scope::BotRelay)?;
    let worker = check_worker(&release.worker)?;
    let tx = begin_write(db).await?;
    let row = find_held(&*tx, principal, id).await?;
    if let Hold::AlreadySettled = check_hold(&row, &worker)? {
        tx.rollback().await?;
        return Ok(to_wire(row));
    }
    let now = clock::now();
    let given_up = row.attempts >= MAX_ATTEMPTS;
    let delay = release.retry_after_seconds.unwrap_or(30).clamp(1, 3600);
    let mut active = row.into_active_model();
    active.status = Set(if given_up {
        InboundStatus::Failed
    } else {
        InboundStatus::Received
    }
    .as_str()
    .into());
    active.not_before = Set(now + Duration::seconds(delay as i64));
    active.lease_until = Set(None);
    active.error = Set(release.error.map(|e| e.chars().take(1000).collect()));
    if given_up {
        active.processed_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let updated = active.update(&*tx).await?;
    tx.commit().await?;
    Ok(to_wire(updated))
}

#[derive(Debug, Default)]
pub struct MessageFilter {
    pub status: Option<InboundStatus>,
    pub channel: Option<String>,
    pub posyandu_id: Option<Uuid>,
    pub sender_kind: Option<SenderKind>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: MessageFilter,
    page: PageRequest,
) -> ApiResult<Page<InboundMessage>> {
    principal.require(Scope::ReadMessages)?;
    let mut select = inbound_message::Entity::find()
        .filter(principal.area.condition::<inbound_message::Entity>());
    if let Some(status) = filter.status {
        select = select.filter(inbound_message::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = filter.channel {
        select = select.filter(inbound_message::Column::Channel.eq(channel));
    }
    if let Some(id) = filter.posyandu_id {
        select = select.filter(inbound_message::Column::PosyanduId.eq(id));
    }
    if let Some(kind) = filter.sender_kind {
        select = select.filter(inbound_message::Column::SenderKind.eq(kind.as_str()));
    }
    let rows = page
        .apply(
            select,
            inbound_message::Column::Id,
            inbound_message::Column::UpdatedAt,
        )
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(to_wire).collect(),
        next_cursor,
    })
}

pub async fn get(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<InboundMessage> {
    principal.require(Scope::ReadMessages)?;
    Ok(to_wire(find_held(db, principal, id).await?))
}

/// An officer corrects a message (or not) and has it processed again. The
/// revision goes up, so the bot's actions for it are new requests; records
/// the earlier run made stay as they are (undo them in the register).
pub async fn rerun(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    rerun: MessageRerun,
) -> ApiResult<InboundMessage> {
    principal.require(Scope::WriteMessages)?;
    if let Some(text) = &rerun.text
        && (text.trim().is_empty() || text.len() > MAX_TEXT)
    {
        return Err(ApiError::field(
            "text",
            "invalid",
            format!("The corrected text is 1–{MAX_TEXT} bytes."),
        ));
    }
    let tx = begin_write(db).await?;
    let row = find_held(&*tx, principal, id).await?;
    if let Some(InboundStatus::Received | InboundStatus::Processing) =
        InboundStatus::parse(&row.status)
    {
        return Err(ApiError::conflict(
            "This message is still waiting or being processed.",
        ));
    }
    let now = clock::now();
    let location = location_of(&row);
    let before = to_wire(row.clone());
    let mut active = row.clone().into_active_model();
    if let Some(text) = rerun.text {
        active.original_body = Set(row.original_body.clone().or(row.body.clone()));
        active.body = Set(Some(text));
    }
    active.revision = Set(row.revision + 1);
    active.status = Set(InboundStatus::Received.as_str().into());
    active.attempts = Set(0);
    active.not_before = Set(now);
    active.lease_until = Set(None);
    active.claimed_by = Set(None);
    active.outcome = Set(None);
    active.pending = Set(None);
    active.pending_until = Set(None);
    active.error = Set(None);
    active.processed_at = Set(None);
    active.updated_at = Set(now);
    let updated = to_wire(active.update(&*tx).await?);
    audit::record(
        &*tx,
        &Actor::from(principal),
        "rerun",
        "inbound_message",
        &id.to_string(),
        &location,
        audit::diff(Some(&before), &updated),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}
