//! The workers' side of the outbox: claiming due messages under a lease,
//! paced to each channel's rate limit, and recording what the provider
//! said — sent, retry later (with backoff, until given up), failed — and
//! the delivery states that arrive later. A failed WhatsApp message falls
//! back to SMS once. The rules themselves are in [`crate::domain::delivery`].
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{outbox_event, outbox_message, outbox_pace};
use openapi::Scope;
use openapi::messages::{
    DeliveryReport, DeliveryReportsApplied, DeliveryStatus, OutboxClaimRequest, OutboxMessage,
    OutboxStatus, SendReport, SendResult,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, LockBehavior, LockType, OnConflict, Query, SelectStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TryIntoModel,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::{WriteTx, begin_write};
use crate::domain::delivery::{self, PACE_HORIZON, RetryPolicy};
use crate::error::{ApiError, ApiResult, Invalid};
use crate::services::messages::{check_worker, item_result};
use crate::services::outbox::{PRIORITY_BULK, event, insert_row, location_of, new_event, to_wire};

/// What a worker asked for, checked.
struct Claim {
    worker: String,
    limit: usize,
    lease: Duration,
    channels: Option<Vec<String>>,
    /// Paced channels and their rates (messages/s, > 0).
    paced: Vec<(String, f64)>,
    recipient_gap: Duration,
}

fn check_claim(request: OutboxClaimRequest) -> ApiResult<Claim> {
    let worker = check_worker(&request.worker)?;
    let limit = request.limit.unwrap_or(20);
    let lease = request.lease_seconds.unwrap_or(60);
    let gap = request.recipient_gap_seconds.unwrap_or(0);
    let mut invalid = Invalid::new();
    if !(1..=500).contains(&limit) {
        invalid.add("limit", "out_of_range", "limit is 1–500.");
    }
    if !(5..=600).contains(&lease) {
        invalid.add("lease_seconds", "out_of_range", "lease_seconds is 5–600.");
    }
    if gap > 3600 {
        invalid.add(
            "recipient_gap_seconds",
            "out_of_range",
            "recipient_gap_seconds is 0–3600.",
        );
    }
    let mut paced: Vec<(String, f64)> = Vec::new();
    for (i, rate) in request.rates.unwrap_or_default().into_iter().enumerate() {
        if !rate.per_second.is_finite() || !(0.0..=100_000.0).contains(&rate.per_second) {
            invalid.add(
                &format!("rates[{i}].per_second"),
                "out_of_range",
                "per_second is 0–100000 (0: no limit).",
            );
        } else if paced.iter().any(|(c, _)| *c == rate.channel) {
            invalid.add(
                &format!("rates[{i}].channel"),
                "duplicate",
                "Each channel has one rate.",
            );
        } else if rate.per_second > 0.0 {
            paced.push((rate.channel, rate.per_second));
        }
    }
    invalid.finish()?;
    let channels = request.channels.filter(|c| !c.is_empty());
    if let Some(only) = &channels {
        paced.retain(|(c, _)| only.contains(c));
    }
    Ok(Claim {
        worker,
        limit: limit as usize,
        lease: Duration::seconds(lease as i64),
        channels,
        paced,
        recipient_gap: Duration::seconds(gap as i64),
    })
}

/// Claims messages that are due, highest priority first. On a paced
/// channel only the free send slots of the next second are claimed, each
/// message carrying its slot as `not_before`.
pub async fn claim(
    db: &DatabaseConnection,
    principal: &Principal,
    request: OutboxClaimRequest,
) -> ApiResult<Vec<OutboxMessage>> {
    principal.require(Scope::BotRelay)?;
    let claim = check_claim(request)?;
    let now = clock::now();
    let tx = begin_write(db).await?;
    expire(&*tx, principal, now).await?;
    let mut taken = Taken::new(&claim, now);
    for (channel, per_second) in &claim.paced {
        if taken.remaining() == 0 {
            break;
        }
        let next_free = pace_of(&tx, channel, now).await?;
        let free = delivery::free_slots(next_free, now, *per_second, PACE_HORIZON);
        if free == 0 {
            continue;
        }
        let wanted = free.min(taken.remaining());
        let rows = due(&tx, principal, &claim, now, Some(channel), wanted).await?;
        let rows = taken.spaced(rows);
        if rows.is_empty() {
            continue;
        }
        // Booked from the time now, not the claim's start: a slow claim
        // would otherwise hand out slots already past, all sent at once.
        let (slots, next) = delivery::book_slots(next_free, clock::now(), *per_second, rows.len());
        set_pace(&tx, channel, next, now).await?;
        taken.take_all(&tx, rows, Some(slots)).await?;
    }
    if taken.remaining() > 0 {
        let rows = due(&tx, principal, &claim, now, None, taken.remaining()).await?;
        let rows = taken.spaced(rows);
        taken.take_all(&tx, rows, None).await?;
    }
    tx.commit().await?;
    Ok(taken.out)
}

/// The messages of one claim so far.
struct Taken<'a> {
    claim: &'a Claim,
    now: DateTime<Utc>,
    recipients: HashSet<String>,
    out: Vec<OutboxMessage>,
}

impl<'a> Taken<'a> {
    fn new(claim: &'a Claim, now: DateTime<Utc>) -> Taken<'a> {
        Taken {
            claim,
            now,
            recipients: HashSet::new(),
            out: Vec::new(),
        }
    }

    fn remaining(&self) -> usize {
        self.claim.limit - self.out.len()
    }

    /// With a recipient gap, one bulk message per recipient per claim (the
    /// query already left out recipients sent to lately).
    fn spaced(&mut self, rows: Vec<outbox_message::Model>) -> Vec<outbox_message::Model> {
        if self.claim.recipient_gap.is_zero() {
            return rows;
        }
        rows.into_iter()
            .filter(|row| {
                let fresh = self.recipients.insert(row.recipient.clone());
                fresh || row.priority < PRIORITY_BULK
            })
            .collect()
    }

    /// Marks rows as being sent by this worker, in a few statements
    /// whatever their number; on a paced channel each row gets its slot
    /// (`slots[i]`) as `not_before`.
    async fn take_all(
        &mut self,
        tx: &WriteTx,
        rows: Vec<outbox_message::Model>,
        slots: Option<Vec<DateTime<Utc>>>,
    ) -> ApiResult<()> {
        use outbox_message::Column;
        if rows.is_empty() {
            return Ok(());
        }
        let now = self.now;
        let last_slot = slots
            .as_ref()
            .and_then(|s| s.last().copied())
            .unwrap_or(now);
        let lease_until = last_slot + self.claim.lease;
        let sending = OutboxStatus::Sending.as_str();
        outbox_message::Entity::update_many()
            .col_expr(Column::Status, Expr::value(sending))
            .col_expr(Column::LeaseUntil, Expr::value(Some(lease_until)))
            .col_expr(
                Column::ClaimedBy,
                Expr::value(Some(self.claim.worker.clone())),
            )
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(
                Column::FirstAttemptAt,
                Func::coalesce([Expr::col(Column::FirstAttemptAt), Expr::value(now)]).into(),
            )
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&**tx)
            .await?;
        if let Some(slots) = &slots {
            for (row, slot) in rows.iter().zip(slots) {
                outbox_message::Entity::update_many()
                    .col_expr(Column::NotBefore, Expr::value(*slot))
                    .filter(Column::Id.eq(row.id))
                    .exec(&**tx)
                    .await?;
            }
        }
        let events: Vec<outbox_event::ActiveModel> = rows
            .iter()
            .filter(|row| row.status != sending)
            .map(|row| new_event(row.id, Some(&row.status), OutboxStatus::Sending, now))
            .collect();
        if !events.is_empty() {
            outbox_event::Entity::insert_many(events)
                .exec_without_returning(&**tx)
                .await?;
        }
        for (i, mut row) in rows.into_iter().enumerate() {
            row.status = sending.into();
            row.lease_until = Some(lease_until);
            row.claimed_by = Some(self.claim.worker.clone());
            row.attempts += 1;
            row.first_attempt_at = Some(row.first_attempt_at.unwrap_or(now));
            if let Some(slot) = slots.as_ref().and_then(|s| s.get(i)) {
                row.not_before = *slot;
            }
            row.updated_at = now;
            self.out.push(to_wire(row));
        }
        Ok(())
    }
}

/// Due messages: queued and past their time, or claimed by a worker whose
/// lease ran out. `channel`: that paced channel only; None: the claim's
/// channels that are not paced. The two kinds are read apart, each along
/// the queue index (status, priority, not_before): one query with an OR
/// between them would read and sort the whole outbox on every claim.
async fn due(
    tx: &WriteTx,
    principal: &Principal,
    claim: &Claim,
    now: DateTime<Utc>,
    channel: Option<&str>,
    limit: usize,
) -> ApiResult<Vec<outbox_message::Model>> {
    use outbox_message::Column;
    let queued = Condition::all()
        .add(Column::Status.eq(OutboxStatus::Queued.as_str()))
        .add(Column::NotBefore.lte(now));
    let lapsed = Condition::all()
        .add(Column::Status.eq(OutboxStatus::Sending.as_str()))
        .add(Column::LeaseUntil.lt(now));
    let mut rows = due_where(tx, principal, claim, now, channel, limit, lapsed).await?;
    rows.extend(due_where(tx, principal, claim, now, channel, limit, queued).await?);
    rows.sort_by_key(|r| (r.priority, r.not_before, r.id));
    rows.truncate(limit);
    Ok(rows)
}

async fn due_where(
    tx: &WriteTx,
    principal: &Principal,
    claim: &Claim,
    now: DateTime<Utc>,
    channel: Option<&str>,
    limit: usize,
    due: Condition,
) -> ApiResult<Vec<outbox_message::Model>> {
    use outbox_message::Column;
    let mut select = outbox_message::Entity::find()
        .filter(principal.area.condition::<outbox_message::Entity>())
        .filter(due)
        .order_by_asc(Column::Priority)
        .order_by_asc(Column::NotBefore)
        .order_by_asc(Column::Id)
        .limit(limit as u64);
    select = match (channel, &claim.channels) {
        (Some(channel), _) => select.filter(Column::Channel.eq(channel)),
        (None, Some(only)) => select.filter(
            Column::Channel.is_in(
                only.iter()
                    .filter(|c| !claim.paced.iter().any(|(p, _)| p == *c))
                    .cloned(),
            ),
        ),
        (None, None) => {
            select.filter(Column::Channel.is_not_in(claim.paced.iter().map(|(c, _)| c.clone())))
        }
    };
    if !claim.recipient_gap.is_zero() {
        // A bulk message waits while its recipient has a message on its
        // way or was sent one within the gap.
        select = select.filter(
            Condition::any()
                .add(Column::Priority.lt(PRIORITY_BULK))
                .add(Expr::exists(recently_messaged(now, now - claim.recipient_gap)).not()),
        );
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(select.all(&**tx).await?)
}

/// Another message to the same recipient on its way (claimed, its lease
/// running) or sent since `since`: correlated with the outer row.
fn recently_messaged(now: DateTime<Utc>, since: DateTime<Utc>) -> SelectStatement {
    use outbox_message::Column;
    let recent = Alias::new("recent");
    let outer = outbox_message::Entity;
    Query::select()
        .expr(Expr::val(1))
        .from_as(outbox_message::Entity, recent.clone())
        .and_where(
            Expr::col((recent.clone(), Column::Recipient)).equals((outer, Column::Recipient)),
        )
        .and_where(Expr::col((recent.clone(), Column::Id)).ne(Expr::col((outer, Column::Id))))
        .cond_where(
            Condition::any()
                .add(
                    Condition::all()
                        .add(
                            Expr::col((recent.clone(), Column::Status))
                                .eq(OutboxStatus::Sending.as_str()),
                        )
                        .add(Expr::col((recent.clone(), Column::LeaseUntil)).gte(now)),
                )
                .add(Expr::col((recent, Column::SentAt)).gt(since)),
        )
        .to_owned()
}

/// The next free send slot of a channel, its row locked until the claim
/// commits (on SQLite the write gate already makes claims one at a time).
async fn pace_of(tx: &WriteTx, channel: &str, now: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    if let Some(next_at) = locked_pace(tx, channel).await? {
        return Ok(next_at);
    }
    // A channel's first claim ever: make its row (two claims racing here
    // both end up reading the one row).
    outbox_pace::Entity::insert(outbox_pace::ActiveModel {
        channel: Set(channel.to_owned()),
        next_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(outbox_pace::Column::Channel)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&**tx)
    .await?;
    locked_pace(tx, channel)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("outbox_pace row vanished")))
}

async fn locked_pace(tx: &WriteTx, channel: &str) -> ApiResult<Option<DateTime<Utc>>> {
    let mut select = outbox_pace::Entity::find_by_id(channel.to_owned());
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock(LockType::Update);
    }
    Ok(select.one(&**tx).await?.map(|pace| pace.next_at))
}

async fn set_pace(
    tx: &WriteTx,
    channel: &str,
    next: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    outbox_pace::Entity::update_many()
        .col_expr(outbox_pace::Column::NextAt, Expr::value(next))
        .col_expr(outbox_pace::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_pace::Column::Channel.eq(channel))
        .exec(&**tx)
        .await?;
    Ok(())
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

/// What the worker's attempt to send gave.
pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    policy: &RetryPolicy,
    id: Uuid,
    report: SendReport,
) -> ApiResult<OutboxMessage> {
    principal.require(Scope::BotRelay)?;
    let worker = check_worker(&report.worker)?;
    let tx = begin_write(db).await?;
    let row = outbox_message::Entity::find_by_id(id)
        .filter(principal.area.condition::<outbox_message::Entity>())
        .one(&*tx)
        .await?;
    let mut events = Vec::new();
    let reported = report_in(&tx, policy, row, &worker, report, &mut events).await?;
    insert_events(&tx, events).await?;
    tx.commit().await?;
    Ok(reported)
}

/// Many send results in one transaction (a busy dispatcher's batch); each
/// item succeeds or fails alone.
pub async fn report_many(
    db: &DatabaseConnection,
    principal: &Principal,
    policy: &RetryPolicy,
    items: Vec<openapi::messages::SendReportItem>,
) -> ApiResult<Vec<openapi::messages::ItemResult>> {
    principal.require(Scope::BotRelay)?;
    if items.len() > 500 {
        return Err(ApiError::field("items", "too_many", "At most 500 at once."));
    }
    let tx = begin_write(db).await?;
    // One read for the batch; each item's update on its own; the history
    // in one insert.
    let mut rows: HashMap<Uuid, outbox_message::Model> = outbox_message::Entity::find()
        .filter(principal.area.condition::<outbox_message::Entity>())
        .filter(outbox_message::Column::Id.is_in(items.iter().map(|i| i.id)))
        .all(&*tx)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let mut events = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let result = match check_worker(&item.report.worker) {
            Ok(worker) => {
                let row = rows.remove(&item.id);
                report_in(&tx, policy, row, &worker, item.report, &mut events)
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        };
        results.push(item_result(item.id, result));
    }
    insert_events(&tx, events).await?;
    tx.commit().await?;
    Ok(results)
}

async fn insert_events(tx: &WriteTx, events: Vec<outbox_event::ActiveModel>) -> ApiResult<()> {
    // A few hundred rows of 7 columns stay within the databases' limits on
    // bound parameters.
    for chunk in events.chunks(1000) {
        outbox_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&**tx)
            .await?;
    }
    Ok(())
}

/// Applies one send result to its row (None: not in the caller's area, or
/// no such message); the state change goes to `events`.
async fn report_in(
    tx: &WriteTx,
    policy: &RetryPolicy,
    row: Option<outbox_message::Model>,
    worker: &str,
    report: SendReport,
    events: &mut Vec<outbox_event::ActiveModel>,
) -> ApiResult<OutboxMessage> {
    let row = row.ok_or_else(ApiError::not_found)?;
    let id = row.id;
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
    let original = row.clone();
    let attempts = row.attempts;
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
            let next = now + policy.backoff(attempts, retry_after_seconds, rand::random::<f64>());
            let first_attempt = original.first_attempt_at.unwrap_or(now);
            if policy.gives_up(first_attempt, now, next, original.expires_at) {
                let detail = format!("gave up after {attempts} attempts; last: {code} {detail}");
                tracing::warn!(message_id = %id, channel = %original.channel, kind = %original.kind, attempts, last_code = %code, "outbox message given up");
                active.error_code = Set(Some("gave_up".into()));
                active.error_detail = Set(Some(detail.chars().take(500).collect()));
                (OutboxStatus::Failed, Some("gave_up".into()), Some(detail))
            } else {
                active.error_code = Set(Some(code.clone()));
                active.error_detail = Set(Some(detail.chars().take(500).collect()));
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
    outbox_message::Entity::update_many()
        .set(active.clone())
        .filter(outbox_message::Column::Id.eq(id))
        .exec(&**tx)
        .await?;
    let mut change = new_event(id, Some(&original.status), to, now);
    change.error_code = Set(code);
    change.detail = Set(detail.map(|d| d.chars().take(500).collect()));
    events.push(change);
    if to == OutboxStatus::Failed {
        fall_back(tx, &original, report.fallback_channel.as_deref(), now).await?;
    }
    let updated = active
        .try_into_model()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("outbox row incomplete: {e}")))?;
    Ok(to_wire(updated))
}

/// Queues the SMS copy of a failed WhatsApp message, where the rules allow
/// one (once; a fallback never falls back again).
async fn fall_back(
    tx: &WriteTx,
    failed: &outbox_message::Model,
    offered: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Some(channel) = delivery::fallback_channel(
        &failed.channel,
        failed.fallback_of.is_some(),
        failed.body.as_deref().is_some_and(|b| !b.trim().is_empty()),
        offered,
    ) else {
        return Ok(());
    };
    let copy = outbox_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel: Set(channel.to_owned()),
        recipient: Set(failed.recipient.clone()),
        kind: Set(failed.kind.clone()),
        priority: Set(failed.priority),
        body: Set(failed.body.clone()),
        template_name: Set(None),
        template_language: Set(None),
        template_params: Set(None),
        dedupe_key: Set(format!("{}:{channel}", failed.dedupe_key)),
        status: Set(OutboxStatus::Queued.as_str().into()),
        attempts: Set(0),
        not_before: Set(now),
        expires_at: Set(failed.expires_at),
        lease_until: Set(None),
        claimed_by: Set(None),
        provider_message_id: Set(None),
        error_code: Set(None),
        error_detail: Set(None),
        inbound_id: Set(failed.inbound_id),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        first_attempt_at: Set(None),
        fallback_of: Set(Some(failed.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..location_of(failed)
    };
    insert_row(&**tx, copy, now).await?;
    Ok(())
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
/// message forward or is ignored. A failure (a number not on WhatsApp is
/// often only known here) falls back to SMS where the worker offers it.
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
        let original = row.clone();
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
        if to == OutboxStatus::Failed {
            fall_back(&tx, &original, report.fallback_channel.as_deref(), now).await?;
        }
        applied += 1;
    }
    tx.commit().await?;
    Ok(DeliveryReportsApplied { applied, ignored })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_only_move_forward() {
        assert!(rank("read") > rank("delivered"));
        assert!(rank("delivered") > rank("sent"));
        assert_eq!(rank("failed"), 5);
        assert_eq!(rank("cancelled"), 5);
    }
}
