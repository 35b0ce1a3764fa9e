//! The reminder planner: for every posyandu day in a window, the mothers to
//! remind (a child under five or a current pregnancy at that posyandu, a
//! phone number, not opted out) and what each should come for; the
//! reminders themselves (times, texts, keys) come from
//! [`crate::domain::reminders`] and wait in the outbox.
//!
//! Idempotent: each reminder's outbox dedupe key is
//! `reminder:{phone}:{day}:{slot}`, so running the planner again, or on two
//! workers at once, queues each reminder once. A posyandu day that was
//! moved or cancelled since the last run has its queued reminders
//! cancelled; a child who moved away or died is no longer on the list.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::{contact_preference, kader, outbox_message, person, posyandu, pregnancy, weighing};
use futures_util::StreamExt;
use openapi::Scope;
use openapi::messages::{OutboxStatus, ReminderPlan, ReminderPlanRequest, Template};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::pregnancy as anc;
use crate::domain::reminders::{self as rules, DaySummary, Due, Subject};
use crate::domain::schedule;
use crate::error::{ApiError, ApiResult};
use crate::services::areas::posyandu_location;
use crate::services::outbox::{self, NewOutbox, PRIORITY_BULK};
use crate::services::{immunisation, posyandu as posts, pregnancies};

/// The outbox kind of a reminder (STOP cancels these).
pub const KIND: &str = "reminder";
/// The outbox kind of a kader's day-before summary.
pub const SUMMARY_KIND: &str = "summary";
/// How far ahead the planner looks by default, and at most.
const DEFAULT_DAYS: u32 = 2;
const MAX_DAYS: u32 = 31;
/// Posyandu planned side by side.
const POSYANDU_AT_ONCE: usize = 4;
/// Reminders queued per write transaction (about 30 posyandu).
const ROWS_PER_WRITE: usize = 2000;

/// Plans the reminders of every posyandu day from `from` (default: today)
/// for `days` days, in the caller's area.
pub async fn plan(
    db: &DatabaseConnection,
    principal: &Principal,
    request: ReminderPlanRequest,
) -> ApiResult<ReminderPlan> {
    principal.require(Scope::BotRelay)?;
    let days = request.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::field("days", "out_of_range", "days is 1–31."));
    }
    let now = clock::now();
    let mut summary = ReminderPlan::default();
    let posts = posyandu::Entity::find()
        .filter(principal.area.condition::<posyandu::Entity>())
        .filter(posyandu::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    let mut opted_out: HashSet<String> = HashSet::new();
    let mut channels: HashMap<String, String> = HashMap::new();
    for preference in contact_preference::Entity::find().all(db).await? {
        if preference.opted_out {
            opted_out.insert(preference.phone.clone());
        }
        if let Some(channel) = preference.channel {
            channels.insert(preference.phone, channel);
        }
    }
    let contacts = Contacts {
        opted_out,
        channels,
    };
    // Posyandu are planned a few at a time: most of the work is reading,
    // which both databases do in parallel (writes still queue one by one).
    let mut runs = futures_util::stream::iter(posts)
        .map(|post| plan_posyandu(db, post, &request, days, now, &contacts))
        .buffer_unordered(POSYANDU_AT_ONCE);
    // The reminders of many posyandu go into the outbox together: a few
    // dozen write transactions for a kabupaten's month instead of one per
    // posyandu (each commit waits for the disk).
    let mut pending: Vec<NewOutbox> = Vec::new();
    while let Some(part) = runs.next().await {
        let (part, batch) = part?;
        summary.posyandu_days += part.posyandu_days;
        summary.recipients += part.recipients;
        summary.opted_out += part.opted_out;
        summary.cancelled += part.cancelled;
        summary.kader_summaries += part.kader_summaries;
        pending.extend(batch);
        if pending.len() >= ROWS_PER_WRITE {
            let (queued, existed) = queue_new(db, std::mem::take(&mut pending)).await?;
            summary.queued += queued;
            summary.already_planned += existed;
        }
    }
    let (queued, existed) = queue_new(db, pending).await?;
    summary.queued += queued;
    summary.already_planned += existed;
    Ok(summary)
}

/// Who opted out, and who prefers which channel.
struct Contacts {
    opted_out: HashSet<String>,
    channels: HashMap<String, String>,
}

/// Plans one posyandu's days in the window: what it found, and the
/// reminders and summaries to queue.
async fn plan_posyandu(
    db: &DatabaseConnection,
    post: posyandu::Model,
    request: &ReminderPlanRequest,
    days: u32,
    now: DateTime<Utc>,
    contacts: &Contacts,
) -> ApiResult<(ReminderPlan, Vec<NewOutbox>)> {
    let mut summary = ReminderPlan::default();
    let Some(rule) = posts::opening_rule(&post) else {
        return Ok((summary, Vec::new()));
    };
    // Posyandu days in the window, in the posyandu's own calendar.
    let start = request
        .from
        .unwrap_or_else(|| schedule::today_in(&post.time_zone, now));
    let end = start + Duration::days(i64::from(days) - 1);
    let changes: Vec<schedule::DayChange> = posts::day_changes(db, post.id)
        .await?
        .into_iter()
        .map(|c| schedule::DayChange {
            from: c.from_date,
            to: c.to_date,
        })
        .collect();
    let calendar = schedule::calendar(&rule, &changes, start, end);
    summary.cancelled += cancel_stale(db, &post, start, end, &calendar).await?;
    let mut batch: Vec<NewOutbox> = Vec::new();
    let kader = kader_phones(db, &post).await?;
    for day in calendar {
        summary.posyandu_days += 1;
        let (requests, day_summary) = requests_for(db, &post, day.date).await?;
        for (phone, active_from, active_to) in &kader {
            let on_duty = *active_from <= day.date && active_to.is_none_or(|to| to >= day.date);
            if !on_duty || contacts.opted_out.contains(phone) {
                continue;
            }
            if let Some(note) = rules::kader_summary(phone, &day_summary, now) {
                summary.kader_summaries += 1;
                batch.push(NewOutbox {
                    channel: contacts
                        .channels
                        .get(phone)
                        .cloned()
                        .unwrap_or_else(|| "whatsapp".into()),
                    recipient: phone.clone(),
                    kind: SUMMARY_KIND.into(),
                    priority: PRIORITY_BULK,
                    body: Some(note.sms),
                    template: Some(Template {
                        name: rules::SUMMARY_TEMPLATE_NAME.into(),
                        language: rules::TEMPLATE_LANGUAGE.into(),
                        parameters: note.template_params,
                    }),
                    dedupe_key: note.key,
                    not_before: note.send_at,
                    expires_at: note.expires_at,
                    inbound_id: None,
                    location: posyandu_location(&post),
                });
            }
        }
        for request in requests {
            if contacts.opted_out.contains(&request.recipient) {
                summary.opted_out += 1;
                continue;
            }
            summary.recipients += 1;
            let channel = contacts
                .channels
                .get(&request.recipient)
                .cloned()
                .unwrap_or_else(|| "whatsapp".into());
            batch.extend(
                rules::plan(&request, now)
                    .into_iter()
                    .map(|reminder| NewOutbox {
                        channel: channel.clone(),
                        recipient: request.recipient.clone(),
                        kind: KIND.into(),
                        priority: PRIORITY_BULK,
                        body: Some(reminder.sms),
                        template: Some(Template {
                            name: rules::TEMPLATE_NAME.into(),
                            language: rules::TEMPLATE_LANGUAGE.into(),
                            parameters: reminder.template_params,
                        }),
                        dedupe_key: reminder.key,
                        not_before: reminder.send_at,
                        expires_at: reminder.expires_at,
                        inbound_id: None,
                        location: posyandu_location(&post),
                    }),
            );
        }
    }
    Ok((summary, batch))
}

/// Queues the reminders whose keys are not in the outbox yet, in one
/// transaction of a few statements; returns (queued, already there). The
/// planner runs every few minutes and mostly finds its reminders queued
/// already, so the keys are looked up first (outside the write
/// transaction, along the unique index) and only the new ones are
/// written. The unique key still settles two planners racing on the same
/// keys: the loser inserts nothing.
async fn queue_new(db: &DatabaseConnection, batch: Vec<NewOutbox>) -> ApiResult<(u32, u32)> {
    let total = batch.len() as u32;
    let mut known: HashSet<String> = HashSet::new();
    for chunk in batch.chunks(500) {
        let keys: Vec<String> = outbox_message::Entity::find()
            .select_only()
            .column(outbox_message::Column::DedupeKey)
            .filter(
                outbox_message::Column::DedupeKey.is_in(chunk.iter().map(|n| n.dedupe_key.clone())),
            )
            .into_tuple()
            .all(db)
            .await?;
        known.extend(keys);
    }
    let fresh: Vec<NewOutbox> = batch
        .into_iter()
        .filter(|n| !known.contains(&n.dedupe_key))
        .collect();
    if fresh.is_empty() {
        return Ok((0, total));
    }
    let tx = begin_write(db).await?;
    let queued = outbox::queue_many_new(&*tx, fresh).await?;
    tx.commit().await?;
    Ok((queued, total - queued))
}

/// Cancels this posyandu's queued reminders for dates in the window that
/// are no longer posyandu days (the day was moved or cancelled).
async fn cancel_stale(
    db: &DatabaseConnection,
    post: &posyandu::Model,
    start: NaiveDate,
    end: NaiveDate,
    calendar: &[schedule::PosyanduDay],
) -> ApiResult<u32> {
    let days: HashSet<NaiveDate> = calendar.iter().map(|d| d.date).collect();
    let queued = outbox_message::Entity::find()
        .filter(outbox_message::Column::PosyanduId.eq(post.id))
        .filter(outbox_message::Column::Kind.is_in([KIND, SUMMARY_KIND]))
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Queued.as_str()))
        .all(db)
        .await?;
    let stale: Vec<Uuid> = queued
        .into_iter()
        .filter(|row| {
            reminder_day(&row.dedupe_key)
                .is_some_and(|d| d >= start && d <= end && !days.contains(&d))
        })
        .map(|row| row.id)
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    outbox::cancel(db, &stale, "the posyandu day was moved or cancelled").await
}

/// The kader of a posyandu with a phone: (phone, active from, active to).
async fn kader_phones<C: ConnectionTrait>(
    db: &C,
    post: &posyandu::Model,
) -> ApiResult<Vec<(String, NaiveDate, Option<NaiveDate>)>> {
    Ok(kader::Entity::find()
        .filter(kader::Column::PosyanduId.eq(post.id))
        .filter(kader::Column::DeletedAt.is_null())
        .filter(kader::Column::Phone.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.phone?, k.active_from, k.active_to)))
        .collect())
}

/// The posyandu day in a reminder's key (`reminder:{phone}:{day}:{slot}`)
/// or a summary's (`summary:{phone}:{day}`).
fn reminder_day(key: &str) -> Option<NaiveDate> {
    let mut parts = key.split(':');
    matches!(parts.next(), Some("reminder" | "summary")).then_some(())?;
    parts.next()?;
    NaiveDate::parse_from_str(parts.next()?, "%Y-%m-%d").ok()
}

/// One request per mother with a phone (her children's dues and her own
/// antenatal contact), and the day's summary for the kader.
async fn requests_for<C: ConnectionTrait>(
    db: &C,
    post: &posyandu::Model,
    day: NaiveDate,
) -> ApiResult<(Vec<rules::Request>, DaySummary)> {
    let children = immunisation::children_due(db, post, day).await?;
    let births: Vec<(Uuid, NaiveDate)> = children
        .iter()
        .map(|c| (c.child.person_id, c.person.birth_date))
        .collect();
    let missed = missed_last_month(db, &births, day).await?;
    let expecting = pregnancy::Entity::find()
        .filter(pregnancy::Column::PosyanduId.eq(post.id))
        .filter(pregnancy::Column::DeletedAt.is_null())
        .filter(pregnancy::Column::Outcome.is_null())
        .filter(pregnancy::Column::Hpht.lte(day))
        .filter(pregnancy::Column::DueDate.gte(day - Duration::days(14)))
        .all(db)
        .await?;
    let mut mother_ids: Vec<Uuid> = children.iter().filter_map(|c| c.child.mother_id).collect();
    mother_ids.extend(expecting.iter().map(|p| p.mother_id));
    mother_ids.sort();
    mother_ids.dedup();
    let mothers: HashMap<Uuid, person::Model> = if mother_ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(mother_ids))
            .filter(person::Column::DeletedAt.is_null())
            .filter(person::Column::Status.eq("active"))
            .all(db)
            .await?
            .into_iter()
            .filter(|m| m.phone.is_some())
            .map(|m| (m.id, m))
            .collect()
    };
    // What is due, by item, for the kader's summary (every child, phone or
    // not).
    let mut due_by_item: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut missed_names = Vec::new();
    for child in &children {
        for dose in &child.doses {
            due_by_item
                .entry(format!("{} {}", dose.antigen, dose.dose))
                .or_default()
                .push(child.person.name.clone());
        }
        if let Some(capsule) = child.vitamin_a {
            let item = match capsule {
                crate::domain::vitamin_a::Capsule::Blue => "vit A biru",
                crate::domain::vitamin_a::Capsule::Red => "vit A merah",
            };
            due_by_item
                .entry(item.into())
                .or_default()
                .push(child.person.name.clone());
        }
        if missed.contains(&child.child.person_id) {
            missed_names.push(child.person.name.clone());
        }
    }
    // Keyed by mother, ordered so the texts are stable between runs.
    let mut subjects: BTreeMap<Uuid, Vec<Subject>> = BTreeMap::new();
    for child in &children {
        let Some(mother) = child.child.mother_id.filter(|m| mothers.contains_key(m)) else {
            continue;
        };
        let mut due: Vec<Due> = child
            .doses
            .iter()
            .map(|d| Due::Dose {
                antigen: d.antigen.clone(),
                dose: d.dose,
            })
            .collect();
        due.extend(child.vitamin_a.map(Due::VitaminA));
        if missed.contains(&child.child.person_id) {
            due.push(Due::MissedWeighing);
        }
        subjects.entry(mother).or_default().push(Subject {
            name: Some(child.person.name.clone()),
            due,
        });
    }
    let ids: Vec<Uuid> = expecting.iter().map(|p| p.id).collect();
    let contacts = pregnancies::live_contacts(db, &ids).await?;
    for pregnancy in &expecting {
        if !mothers.contains_key(&pregnancy.mother_id) {
            continue;
        }
        let own: Vec<anc::Contact> = contacts
            .iter()
            .filter(|c| c.pregnancy_id == pregnancy.id)
            .map(pregnancies::contact_rule)
            .collect();
        let summary = anc::summarize(pregnancy.hpht, &own, day);
        if summary
            .next_due
            .is_some_and(|next| next <= day + Duration::days(7))
        {
            if let Some(mother) = mothers.get(&pregnancy.mother_id) {
                due_by_item
                    .entry("cek hamil".into())
                    .or_default()
                    .push(mother.name.clone());
            }
            subjects
                .entry(pregnancy.mother_id)
                .or_default()
                .push(Subject {
                    name: None,
                    due: vec![Due::Antenatal {
                        contact: u8::try_from(own.len() + 1).unwrap_or(u8::MAX),
                    }],
                });
        }
    }
    let day_summary = DaySummary {
        posyandu_name: post.name.clone(),
        zone: post.time_zone.clone(),
        day,
        expected: children.len(),
        due: due_by_item.into_iter().collect(),
        missed: missed_names,
    };
    let requests = subjects
        .into_iter()
        .filter_map(|(mother, subjects)| {
            let phone = mothers.get(&mother)?.phone.clone()?;
            Some(rules::Request {
                recipient: phone,
                posyandu_name: post.name.clone(),
                zone: post.time_zone.clone(),
                day,
                subjects,
            })
        })
        .collect();
    Ok((requests, day_summary))
}

/// The children (id, birth date) who were not weighed in the calendar
/// month before `day`'s month, among those born before it began.
async fn missed_last_month<C: ConnectionTrait>(
    db: &C,
    children: &[(Uuid, NaiveDate)],
    day: NaiveDate,
) -> ApiResult<HashSet<Uuid>> {
    let first_of_month = day.with_day(1).expect("day 1 exists");
    let last_month = first_of_month
        .checked_sub_months(chrono::Months::new(1))
        .expect("in range");
    let due: Vec<Uuid> = children
        .iter()
        .filter(|(_, birth)| *birth < last_month)
        .map(|(id, _)| *id)
        .collect();
    if due.is_empty() {
        return Ok(HashSet::new());
    }
    let weighed: HashSet<Uuid> = weighing::Entity::find()
        .select_only()
        .column(weighing::Column::ChildId)
        .filter(weighing::Column::ChildId.is_in(due.iter().copied()))
        .filter(weighing::Column::DeletedAt.is_null())
        .filter(weighing::Column::MeasuredOn.gte(last_month))
        .filter(weighing::Column::MeasuredOn.lt(first_of_month))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(due.into_iter().filter(|id| !weighed.contains(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_read_back_from_the_key() {
        let key = rules::key(
            "+6281337000301",
            NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            rules::Slot::Morning,
        );
        assert_eq!(reminder_day(&key), NaiveDate::from_ymd_opt(2026, 12, 10));
        assert_eq!(
            reminder_day("summary:+6281337000201:2026-12-10"),
            NaiveDate::from_ymd_opt(2026, 12, 10)
        );
        assert_eq!(reminder_day("reply:abc"), None);
        assert_eq!(reminder_day("reminder:+62:not-a-date:evening"), None);
    }
}
