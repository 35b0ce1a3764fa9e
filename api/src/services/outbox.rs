//! The outbox: every message the system sends (replies, notices, reminders)
//! waits here until a bot worker claims it under a lease and reports what
//! the provider said. Every change of state is kept in `outbox_event`.
//!
//! States move forward only: queued → sending → sent → delivered → read,
//! or to failed / cancelled / opted_out. A worker that dies while sending
//! loses nothing: its lease runs out and the message is claimed again (a
//! provider may then get it twice, never zero times).
use chrono::{DateTime, Utc};
use entity::{outbox_event, outbox_message};
use openapi::messages::{OutboxMessage, OutboxStatus, Template};
use openapi::{Page, Scope};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::access::Location;
use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::error::{ApiError, ApiResult};
use crate::pagination::PageRequest;

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
    insert_row(db, new_row(Uuid::now_v7(), new, now), now).await
}

/// Inserts a prepared row with its first event; None when its dedupe key
/// existed.
pub(crate) async fn insert_row<C: ConnectionTrait>(
    db: &C,
    row: outbox_message::ActiveModel,
    now: DateTime<Utc>,
) -> ApiResult<Option<Uuid>> {
    let id = match &row.id {
        Set(id) => *id,
        _ => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "outbox row without an id"
            )));
        }
    };
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

/// The area columns of a message, for a row made from it.
pub(crate) fn location_of(row: &outbox_message::Model) -> outbox_message::ActiveModel {
    outbox_message::ActiveModel {
        province_code: Set(row.province_code.clone()),
        kabupaten_code: Set(row.kabupaten_code.clone()),
        kecamatan_code: Set(row.kecamatan_code.clone()),
        desa_code: Set(row.desa_code.clone()),
        puskesmas_id: Set(row.puskesmas_id),
        posyandu_id: Set(row.posyandu_id),
        ..Default::default()
    }
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
        outbox_event::Entity::insert_many(
            ours.into_iter()
                .map(|message| new_event(message, None, OutboxStatus::Queued, now)),
        )
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
        first_attempt_at: Set(None),
        fallback_of: Set(None),
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

pub(crate) async fn event<C: ConnectionTrait>(
    db: &C,
    message: Uuid,
    from: Option<&str>,
    to: OutboxStatus,
    code: Option<String>,
    detail: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let mut row = new_event(message, from, to, at);
    row.error_code = Set(code);
    row.detail = Set(detail.map(|d| d.chars().take(500).collect()));
    outbox_event::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A state change of a message, without an error.
pub(crate) fn new_event(
    message: Uuid,
    from: Option<&str>,
    to: OutboxStatus,
    at: DateTime<Utc>,
) -> outbox_event::ActiveModel {
    outbox_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        message_id: Set(message),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.as_str().into()),
        at: Set(at),
        error_code: Set(None),
        detail: Set(None),
    }
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
        fallback_of: row.fallback_of,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
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
