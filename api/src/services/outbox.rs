//! The outbox: every message the system sends (replies, notices, reminders)
//! waits here until a bot worker claims it under a lease and reports what
//! the provider said. Every change of state is kept in `outbox_event`.
//!
//! States move forward only: queued → sending → sent → delivered → read,
//! or to failed / cancelled / opted_out. A worker that dies while sending
//! loses nothing: its lease runs out and the message is claimed again (a
//! provider may then get it twice, never zero times).
use chrono::{DateTime, Duration, Utc};
use entity::{outbox_event, outbox_message};
use openapi::messages::{
    DeliveryReport, DeliveryReportsApplied, DeliveryStatus, OutboxClaimRequest, OutboxMessage,
    OutboxStatus, SendReport, SendResult, Template,
};
use openapi::{Page, Scope};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::error::{ApiError, ApiResult, Invalid};
use crate::pagination::PageRequest;
use crate::services::messages::check_worker;

/// Replies to kader go before everything else.
pub const PRIORITY_REPLY: i32 = 0;
/// Reminders and summaries, sent in bulk.
pub const PRIORITY_BULK: i32 = 10;

/// A message to queue.
pub struct NewOutbox {
    pub channel: String,
    pub recipient: String,
    pub kind: String,
    pub priority: i32,
    pub body: Option<String>,
    pub template: Option<Template>,
    /// Queueing the same key again queues nothing.
    pub dedupe_key: String,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub inbound_id: Option<Uuid>,
    pub location: Location,
}

/// Queues a message (once per dedupe key) and returns its id.
pub async fn queue<C: ConnectionTrait>(db: &C, new: NewOutbox) -> ApiResult<Uuid> {
    let key = new.dedupe_key.clone();
    if let Some(id) = insert(db, new).await? {
        return Ok(id);
    }
    let existing = outbox_message::Entity::find()
        .filter(outbox_message::Column::DedupeKey.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("outbox row vanished")))?;
    Ok(existing.id)
}

/// Inserts a message with its first event; None when the key existed.
async fn insert<C: ConnectionTrait>(db: &C, new: NewOutbox) -> ApiResult<Option<Uuid>> {
    let now = clock::now();
    let id = Uuid::now_v7();
    let row = new_row(id, new, now);
    let inserted = outbox_message::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outbox_message::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    event(db, id, None, OutboxStatus::Queued, None, None, now).await?;
    Ok(Some(id))
}

/// Cancels queued messages (those already claimed or sent are left
/// alone); returns how many were cancelled.
pub async fn cancel(db: &DatabaseConnection, ids: &[Uuid], why: &str) -> ApiResult<u32> {
    let now = clock::now();
    let tx = begin_write(db).await?;
    let waiting = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids.iter().copied()))
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Queued.as_str()))
        .all(&*tx)
        .await?;
    let cancelled = end_queued(&*tx, waiting, OutboxStatus::Cancelled, why, now).await?;
    tx.commit().await?;
    Ok(cancelled)
}

/// Moves queued messages to a final state (cancelled, opted out), each
/// with its event; returns how many.
async fn end_queued<C: ConnectionTrait>(
    db: &C,
    rows: Vec<outbox_message::Model>,
    to: OutboxStatus,
    why: &str,
    now: DateTime<Utc>,
) -> ApiResult<u32> {
    let mut ended = 0;
    for row in rows {
        let id = row.id;
        let mut active = row.into_active_model();
        active.status = Set(to.as_str().into());
        active.updated_at = Set(now);
        active.update(db).await?;
        event(
            db,
            id,
            Some(OutboxStatus::Queued.as_str()),
            to,
            None,
            Some(why.into()),
            now,
        )
        .await?;
        ended += 1;
    }
    Ok(ended)
}

/// Queues many messages in a few statements, skipping dedupe keys that are
/// already there; returns how many were queued now. The ids are made here,
/// so the rows this call inserted (and only those) get their first event,
/// even when another planner inserts some of the same keys at once.
pub async fn queue_many_new<C: ConnectionTrait>(db: &C, batch: Vec<NewOutbox>) -> ApiResult<u32> {
    // ~30 columns a row: 500 rows stay under both databases' limits on
    // bound parameters.
    const CHUNK: usize = 500;
    let now = clock::now();
    let mut queued = 0;
    let mut rows: Vec<(Uuid, NewOutbox)> = batch.into_iter().map(|n| (Uuid::now_v7(), n)).collect();
    while !rows.is_empty() {
        let chunk: Vec<(Uuid, NewOutbox)> = rows.drain(..rows.len().min(CHUNK)).collect();
        let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
        outbox_message::Entity::insert_many(
            chunk.into_iter().map(|(id, new)| new_row(id, new, now)),
        )
        .on_conflict(
            OnConflict::column(outbox_message::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let ours: Vec<Uuid> = outbox_message::Entity::find()
            .select_only()
            .column(outbox_message::Column::Id)
            .filter(outbox_message::Column::Id.is_in(ids))
            .into_tuple()
            .all(db)
            .await?;
        if ours.is_empty() {
            continue;
        }
        queued += ours.len() as u32;
        outbox_event::Entity::insert_many(ours.into_iter().map(|message| {
            outbox_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                message_id: Set(message),
                from_status: Set(None),
                to_status: Set(OutboxStatus::Queued.as_str().into()),
                at: Set(now),
                error_code: Set(None),
                detail: Set(None),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(queued)
}

fn new_row(id: Uuid, new: NewOutbox, now: DateTime<Utc>) -> outbox_message::ActiveModel {
    outbox_message::ActiveModel {
        id: Set(id),
        channel: Set(new.channel),
        recipient: Set(new.recipient),
        kind: Set(new.kind),
        priority: Set(new.priority),
        body: Set(new.body),
        template_name: Set(new.template.as_ref().map(|t| t.name.clone())),
        template_language: Set(new.template.as_ref().map(|t| t.language.clone())),
        template_params: Set(new
            .template
            .as_ref()
            .map(|t| serde_json::to_string(&t.parameters).expect("strings serialise"))),
        dedupe_key: Set(new.dedupe_key),
        status: Set(OutboxStatus::Queued.as_str().into()),
        attempts: Set(0),
        not_before: Set(new.not_before),
        expires_at: Set(new.expires_at),
        lease_until: Set(None),
        claimed_by: Set(None),
        provider_message_id: Set(None),
        error_code: Set(None),
        error_detail: Set(None),
        inbound_id: Set(new.inbound_id),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        province_code: Set(new.location.province),
        kabupaten_code: Set(new.location.kabupaten),
        kecamatan_code: Set(new.location.kecamatan),
        desa_code: Set(new.location.desa),
        puskesmas_id: Set(new.location.puskesmas),
        posyandu_id: Set(new.location.posyandu),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn event<C: ConnectionTrait>(
    db: &C,
    message: Uuid,
    from: Option<&str>,
    to: OutboxStatus,
    code: Option<String>,
    detail: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    outbox_event::Entity::insert(outbox_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        message_id: Set(message),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.as_str().into()),
        at: Set(at),
        error_code: Set(code),
        detail: Set(detail.map(|d| d.chars().take(500).collect())),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub fn to_wire(row: outbox_message::Model) -> OutboxMessage {
    let template = match (&row.template_name, &row.template_language) {
        (Some(name), Some(language)) => Some(Template {
            name: name.clone(),
            language: language.clone(),
            parameters: row
                .template_params
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or_default(),
        }),
        _ => None,
    };
    OutboxMessage {
        id: row.id,
        channel: row.channel,
        to: row.recipient,
        kind: row.kind,
        priority: row.priority,
        text: row.body,
        template,
        status: OutboxStatus::parse(&row.status).unwrap_or(OutboxStatus::Failed),
        attempts: row.attempts,
        not_before: row.not_before,
        expires_at: row.expires_at,
        provider_message_id: row.provider_message_id,
        error_code: row.error_code,
        error_detail: row.error_detail,
        inbound_id: row.inbound_id,
        sent_at: row.sent_at,
        delivered_at: row.delivered_at,
        read_at: row.read_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Claims messages that are due, highest priority first.
pub async fn claim(
    db: &DatabaseConnection,
    principal: &Principal,
    request: OutboxClaimRequest,
) -> ApiResult<Vec<OutboxMessage>> {
    use outbox_message::Column;
    principal.require(Scope::BotRelay)?;
    let worker = check_worker(&request.worker)?;
    let limit = request.limit.unwrap_or(20);
    let lease = request.lease_seconds.unwrap_or(60);
    let mut invalid = Invalid::new();
    if !(1..=500).contains(&limit) {
        invalid.add("limit", "out_of_range", "limit is 1–500.");
    }
    if !(5..=600).contains(&lease) {
        invalid.add("lease_seconds", "out_of_range", "lease_seconds is 5–600.");
    }
    invalid.finish()?;
    let now = clock::now();
    let tx = begin_write(db).await?;
    expire(&*tx, principal, now).await?;
    let due = Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(OutboxStatus::Queued.as_str()))
                .add(Column::NotBefore.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(OutboxStatus::Sending.as_str()))
                .add(Column::LeaseUntil.lt(now)),
        );
    let mut select = outbox_message::Entity::find()
        .filter(principal.area.condition::<outbox_message::Entity>())
        .filter(due)
        .order_by_asc(Column::Priority)
        .order_by_asc(Column::NotBefore)
        .order_by_asc(Column::Id)
        .limit(limit as u64);
    if let Some(channels) = request.channels.filter(|c| !c.is_empty()) {
        select = select.filter(Column::Channel.is_in(channels));
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = select.all(&*tx).await?;
    let lease_until = now + Duration::seconds(lease as i64);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let from = row.status.clone();
        let attempts = row.attempts + 1;
        let id = row.id;
        let mut active = row.into_active_model();
        active.status = Set(OutboxStatus::Sending.as_str().into());
        active.lease_until = Set(Some(lease_until));
        active.claimed_by = Set(Some(worker.clone()));
        active.attempts = Set(attempts);
        active.updated_at = Set(now);
        let updated = active.update(&*tx).await?;
        if from != OutboxStatus::Sending.as_str() {
            event(
                &*tx,
                id,
                Some(&from),
                OutboxStatus::Sending,
                None,
                None,
                now,
            )
            .await?;
        }
        out.push(to_wire(updated));
    }
    tx.commit().await?;
    Ok(out)
}

/// Queued messages past their time are given up (a reply a day late, a
/// reminder after its posyandu day, are worse than none).
async fn expire<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    use outbox_message::Column;
    let stale = outbox_message::Entity::find()
        .filter(principal.area.condition::<outbox_message::Entity>())
        .filter(Column::Status.is_in([
            OutboxStatus::Queued.as_str(),
            OutboxStatus::Sending.as_str(),
        ]))
        .filter(Column::ExpiresAt.lt(now))
        .filter(
            Condition::any()
                .add(Column::LeaseUntil.is_null())
                .add(Column::LeaseUntil.lt(now)),
        )
        .limit(200)
        .all(db)
        .await?;
    for row in stale {
        let from = row.status.clone();
        let id = row.id;
        let mut active = row.into_active_model();
        active.status = Set(OutboxStatus::Failed.as_str().into());
        active.error_code = Set(Some("expired".into()));
        active.error_detail = Set(Some("not sent before it expired".into()));
        active.lease_until = Set(None);
        active.updated_at = Set(now);
        active.update(db).await?;
        event(
            db,
            id,
            Some(&from),
            OutboxStatus::Failed,
            Some("expired".into()),
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s, … up to an
/// hour, with up to 20 % jitter so that many failed messages do not all come
/// back at once; never less than the provider's `Retry-After`.
pub fn backoff(attempts: i32, retry_after: Option<u32>, jitter: f64) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let base = (10u64 << exponent.min(9)).min(3600);
    let jittered = (base as f64 * (1.0 + 0.2 * jitter.clamp(0.0, 1.0))) as i64;
    Duration::seconds(jittered.max(retry_after.unwrap_or(0) as i64))
}

/// What the worker's attempt to send gave.
pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    report: SendReport,
) -> ApiResult<OutboxMessage> {
    principal.require(Scope::BotRelay)?;
    let worker = check_worker(&report.worker)?;
    let tx = begin_write(db).await?;
    let reported = report_in(&tx, principal, id, &worker, report).await?;
    tx.commit().await?;
    Ok(reported)
}

/// Many send results in one transaction (a busy dispatcher's batch); each
/// item succeeds or fails alone.
pub async fn report_many(
    db: &DatabaseConnection,
    principal: &Principal,
    items: Vec<openapi::messages::SendReportItem>,
) -> ApiResult<Vec<openapi::messages::ItemResult>> {
    principal.require(Scope::BotRelay)?;
    if items.len() > 500 {
        return Err(ApiError::field("items", "too_many", "At most 500 at once."));
    }
    let tx = begin_write(db).await?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let result = match check_worker(&item.report.worker) {
            Ok(worker) => report_in(&tx, principal, item.id, &worker, item.report)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        results.push(crate::services::messages::item_result(item.id, result));
    }
    tx.commit().await?;
    Ok(results)
}

async fn report_in(
    tx: &crate::db::WriteTx,
    principal: &Principal,
    id: Uuid,
    worker: &str,
    report: SendReport,
) -> ApiResult<OutboxMessage> {
    let row = outbox_message::Entity::find_by_id(id)
        .filter(principal.area.condition::<outbox_message::Entity>())
        .one(&**tx)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if row.status != OutboxStatus::Sending.as_str() || row.claimed_by.as_deref() != Some(worker) {
        // A retried report, or a worker whose lease another has taken over.
        if row.claimed_by.as_deref() == Some(worker) {
            return Ok(to_wire(row));
        }
        return Err(ApiError::conflict(
            "This message is not being sent by this worker.",
        ));
    }
    let now = clock::now();
    let from = row.status.clone();
    let attempts = row.attempts;
    let expires_at = row.expires_at;
    let mut active = row.into_active_model();
    active.lease_until = Set(None);
    active.updated_at = Set(now);
    let (to, code, detail) = match report.result {
        SendResult::Sent {
            provider_message_id,
        } => {
            active.provider_message_id = Set(Some(provider_message_id));
            active.sent_at = Set(Some(now));
            active.error_code = Set(None);
            active.error_detail = Set(None);
            (OutboxStatus::Sent, None, None)
        }
        SendResult::Retry {
            code,
            detail,
            retry_after_seconds,
        } => {
            let next = now + backoff(attempts, retry_after_seconds, rand::random::<f64>());
            active.error_code = Set(Some(code.clone()));
            active.error_detail = Set(Some(detail.chars().take(500).collect()));
            if next > expires_at {
                (
                    OutboxStatus::Failed,
                    Some(code),
                    Some(format!("gave up: {detail}")),
                )
            } else {
                active.not_before = Set(next);
                (OutboxStatus::Queued, Some(code), Some(detail))
            }
        }
        SendResult::Unreachable { code, detail } | SendResult::Failed { code, detail } => {
            active.error_code = Set(Some(code.clone()));
            active.error_detail = Set(Some(detail.chars().take(500).collect()));
            (OutboxStatus::Failed, Some(code), Some(detail))
        }
    };
    active.status = Set(to.as_str().into());
    let updated = active.update(&**tx).await?;
    event(&**tx, id, Some(&from), to, code, detail, now).await?;
    Ok(to_wire(updated))
}

/// How far along a message is; a report only moves it forward.
fn rank(status: &str) -> u8 {
    match OutboxStatus::parse(status) {
        Some(OutboxStatus::Queued) => 0,
        Some(OutboxStatus::Sending) => 1,
        Some(OutboxStatus::Sent) => 2,
        Some(OutboxStatus::Delivered) => 3,
        Some(OutboxStatus::Read) => 4,
        _ => 5,
    }
}

/// Delivery states from the providers' status callbacks. They arrive late,
/// twice and out of order (a `read` before its `delivered`): each moves its
/// message forward or is ignored.
pub async fn delivery_reports(
    db: &DatabaseConnection,
    principal: &Principal,
    reports: Vec<DeliveryReport>,
) -> ApiResult<DeliveryReportsApplied> {
    principal.require(Scope::BotRelay)?;
    if reports.len() > 500 {
        return Err(ApiError::field(
            "items",
            "too_many",
            "At most 500 reports at once.",
        ));
    }
    let mut applied = 0;
    let mut ignored = 0;
    let tx = begin_write(db).await?;
    let now = clock::now();
    for report in reports {
        let row = outbox_message::Entity::find()
            .filter(principal.area.condition::<outbox_message::Entity>())
            .filter(outbox_message::Column::Channel.eq(report.channel.as_str()))
            .filter(
                outbox_message::Column::ProviderMessageId.eq(report.provider_message_id.as_str()),
            )
            .one(&*tx)
            .await?;
        let Some(row) = row else {
            ignored += 1;
            continue;
        };
        let to = match report.status {
            DeliveryStatus::Sent => OutboxStatus::Sent,
            DeliveryStatus::Delivered => OutboxStatus::Delivered,
            DeliveryStatus::Read => OutboxStatus::Read,
            DeliveryStatus::Failed => OutboxStatus::Failed,
        };
        // A failure after delivery is not believed; before it, it is final.
        let forward = match to {
            OutboxStatus::Failed => rank(&row.status) <= 2,
            _ => rank(to.as_str()) > rank(&row.status) && rank(&row.status) < 5,
        };
        if !forward {
            ignored += 1;
            continue;
        }
        let at = report.at.unwrap_or(now);
        let from = row.status.clone();
        let id = row.id;
        let mut active = row.into_active_model();
        active.status = Set(to.as_str().into());
        match to {
            OutboxStatus::Delivered => active.delivered_at = Set(Some(at)),
            OutboxStatus::Read => active.read_at = Set(Some(at)),
            OutboxStatus::Failed => {
                active.error_code = Set(report.error_code.clone());
                active.error_detail = Set(report.error_title.clone());
            }
            _ => {}
        }
        active.updated_at = Set(now);
        active.update(&*tx).await?;
        event(
            &*tx,
            id,
            Some(&from),
            to,
            report.error_code,
            report.error_title,
            at,
        )
        .await?;
        applied += 1;
    }
    tx.commit().await?;
    Ok(DeliveryReportsApplied { applied, ignored })
}

#[derive(Debug, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub channel: Option<String>,
    pub to: Option<String>,
    pub inbound_id: Option<Uuid>,
}

pub async fn list(
    db: &DatabaseConnection,
    principal: &Principal,
    filter: OutboxFilter,
    page: PageRequest,
) -> ApiResult<Page<OutboxMessage>> {
    principal.require(Scope::ReadMessages)?;
    let mut select =
        outbox_message::Entity::find().filter(principal.area.condition::<outbox_message::Entity>());
    if let Some(status) = filter.status {
        select = select.filter(outbox_message::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = filter.channel {
        select = select.filter(outbox_message::Column::Channel.eq(channel));
    }
    if let Some(to) = filter.to {
        let to = crate::services::contacts::normalise(&to).unwrap_or(to);
        select = select.filter(outbox_message::Column::Recipient.eq(to));
    }
    if let Some(id) = filter.inbound_id {
        select = select.filter(outbox_message::Column::InboundId.eq(id));
    }
    let rows = page
        .apply(
            select,
            outbox_message::Column::Id,
            outbox_message::Column::UpdatedAt,
        )
        .all(db)
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| (r.updated_at, r.id));
    Ok(Page {
        items: rows.into_iter().map(to_wire).collect(),
        next_cursor,
    })
}

/// Messages waiting (queued) or in a worker's hands (sending), by state and
/// channel, over the whole installation: the `/metrics` gauge. Reads only
/// the queue index, however long the history.
pub async fn waiting(db: &DatabaseConnection) -> ApiResult<Vec<(String, String, i64)>> {
    use outbox_message::Column;
    Ok(outbox_message::Entity::find()
        .select_only()
        .column(Column::Status)
        .column(Column::Channel)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Status.is_in([
            OutboxStatus::Queued.as_str(),
            OutboxStatus::Sending.as_str(),
        ]))
        .group_by(Column::Status)
        .group_by(Column::Channel)
        .into_tuple()
        .all(db)
        .await?)
}

/// One group of the stats read: status, channel, error code, posyandu,
/// how many.
type StatsRow = (String, String, Option<String>, Option<Uuid>, i64);

/// Outbox depth by state and channel, failures by error code and the
/// delivery rate per posyandu, for messages created since `since`.
pub async fn stats(
    db: &DatabaseConnection,
    principal: &Principal,
    since: DateTime<Utc>,
) -> ApiResult<openapi::messages::OutboxStats> {
    use openapi::messages::{OutboxDepth, OutboxFailures, OutboxStats, PosyanduDelivery};
    use outbox_message::Column;
    principal.require(Scope::ReadMessages)?;
    // One grouped read; the rest is arithmetic.
    let rows: Vec<StatsRow> = outbox_message::Entity::find()
        .select_only()
        .column(Column::Status)
        .column(Column::Channel)
        .column(Column::ErrorCode)
        .column(Column::PosyanduId)
        .column_as(Column::Id.count(), "n")
        .filter(principal.area.condition::<outbox_message::Entity>())
        .filter(Column::CreatedAt.gte(since))
        .group_by(Column::Status)
        .group_by(Column::Channel)
        .group_by(Column::ErrorCode)
        .group_by(Column::PosyanduId)
        .into_tuple()
        .all(db)
        .await?;
    let mut depth: std::collections::BTreeMap<(String, String), u64> = Default::default();
    let mut failures: std::collections::BTreeMap<String, u64> = Default::default();
    let mut posyandu: std::collections::BTreeMap<Uuid, (u64, u64)> = Default::default();
    for (status, channel, code, post, n) in rows {
        let n = n.max(0) as u64;
        *depth.entry((status.clone(), channel)).or_default() += n;
        let state = OutboxStatus::parse(&status);
        if state == Some(OutboxStatus::Failed) {
            *failures
                .entry(code.unwrap_or_else(|| "unknown".into()))
                .or_default() += n;
        }
        if let Some(post) = post {
            let entry = posyandu.entry(post).or_default();
            match state {
                Some(OutboxStatus::Sent | OutboxStatus::Failed) => entry.0 += n,
                Some(OutboxStatus::Delivered | OutboxStatus::Read) => {
                    entry.0 += n;
                    entry.1 += n;
                }
                _ => {}
            }
        }
    }
    let mut failures: Vec<OutboxFailures> = failures
        .into_iter()
        .map(|(error_code, count)| OutboxFailures { error_code, count })
        .collect();
    failures.sort_by(|a, b| b.count.cmp(&a.count).then(a.error_code.cmp(&b.error_code)));
    Ok(OutboxStats {
        since,
        depth: depth
            .into_iter()
            .filter_map(|((status, channel), count)| {
                Some(OutboxDepth {
                    status: OutboxStatus::parse(&status)?,
                    channel,
                    count,
                })
            })
            .collect(),
        failures,
        posyandu: posyandu
            .into_iter()
            .map(|(posyandu_id, (attempted, delivered))| PosyanduDelivery {
                posyandu_id,
                attempted,
                delivered,
                delivery_rate: (attempted > 0).then(|| delivered as f64 / attempted as f64),
            })
            .collect(),
    })
}

/// STOP / MULAI: records the choice and, on STOP, cancels the reminders
/// still waiting for that number.
pub async fn set_preference(
    db: &DatabaseConnection,
    principal: &Principal,
    update: openapi::messages::ContactPreferenceUpdate,
) -> ApiResult<openapi::messages::ContactPreference> {
    use entity::contact_preference;
    principal.require(Scope::BotRelay)?;
    let phone = crate::services::contacts::normalise(&update.phone).ok_or_else(|| {
        ApiError::field(
            "phone",
            "invalid",
            "Expected an Indonesian mobile number such as 0812-3456-7890.",
        )
    })?;
    let now = clock::now();
    let tx = begin_write(db).await?;
    contact_preference::Entity::insert(contact_preference::ActiveModel {
        phone: Set(phone.clone()),
        opted_out: Set(update.opted_out),
        channel: Set(update.channel.clone()),
        changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(contact_preference::Column::Phone)
            .update_columns([
                contact_preference::Column::OptedOut,
                contact_preference::Column::Channel,
                contact_preference::Column::ChangedAt,
                contact_preference::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    let mut cancelled = 0;
    if update.opted_out {
        let waiting = outbox_message::Entity::find()
            .filter(outbox_message::Column::Recipient.eq(phone.as_str()))
            .filter(outbox_message::Column::Kind.eq("reminder"))
            .filter(outbox_message::Column::Status.eq(OutboxStatus::Queued.as_str()))
            .all(&*tx)
            .await?;
        cancelled = end_queued(&*tx, waiting, OutboxStatus::OptedOut, "STOP", now).await?;
    }
    tx.commit().await?;
    Ok(openapi::messages::ContactPreference {
        phone,
        opted_out: update.opted_out,
        changed_at: now,
        cancelled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour_and_honours_retry_after() {
        assert_eq!(backoff(1, None, 0.0), Duration::seconds(10));
        assert_eq!(backoff(2, None, 0.0), Duration::seconds(20));
        assert_eq!(backoff(4, None, 0.0), Duration::seconds(80));
        assert_eq!(backoff(30, None, 0.0), Duration::seconds(3600));
        assert_eq!(backoff(1, None, 1.0), Duration::seconds(12));
        assert_eq!(backoff(1, Some(90), 0.5), Duration::seconds(90));
    }

    #[test]
    fn states_only_move_forward() {
        assert!(rank("read") > rank("delivered"));
        assert!(rank("delivered") > rank("sent"));
        assert_eq!(rank("failed"), 5);
        assert_eq!(rank("cancelled"), 5);
    }
}
