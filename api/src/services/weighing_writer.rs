//! Group commit for new weighings.
//!
//! Weighings arrive in bursts (a posyandu day, a kader's evening of chat
//! reports, an app syncing). Each one is read and evaluated by its own
//! request; the writing is handed to one writer task that takes every
//! weighing waiting, checks in one query that no child's history changed
//! since it was read, and inserts them all — rows and audit entries — in one
//! transaction. On SQLite, where writers take turns, and on PostgreSQL,
//! where every commit waits for the disk, this turns many small
//! transactions into few large ones.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{audit_log, weighing};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::{begin_write, is_unique_violation};

/// The most weighings written in one transaction.
const MAX_BATCH: usize = 500;

/// A weighing ready to be written, with the state of the child's history
/// it was evaluated against.
pub struct Job {
    pub row: weighing::ActiveModel,
    pub audit: audit_log::ActiveModel,
    pub child_id: Uuid,
    pub measured_on: NaiveDate,
    /// Each of the child's weighings and when it last changed, sorted.
    pub stamp: Vec<(Uuid, DateTime<Utc>)>,
}

#[derive(Debug)]
pub enum Outcome {
    Written,
    /// The child's history changed after it was read: evaluate again.
    Stale,
    /// Another weighing of the child on the same day got there first.
    SameDay,
    Failed(String),
}

struct Envelope {
    job: Job,
    reply: oneshot::Sender<Outcome>,
}

/// Writer tasks. SQLite takes one writer at a time, so one task by default;
/// on PostgreSQL several batches commit in parallel (each waits for its own
/// flush to disk), so four by default. A child always goes to the same task,
/// so its weighings are written in the order they arrived.
#[derive(Clone)]
pub struct WeighingWriter {
    senders: Vec<mpsc::Sender<Envelope>>,
}

impl WeighingWriter {
    /// Starts the writer tasks on the current runtime.
    pub fn start(db: DatabaseConnection, tasks: Option<usize>) -> WeighingWriter {
        let tasks = tasks.unwrap_or(match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => 4,
            _ => 1,
        });
        let senders = (0..tasks)
            .map(|_| {
                let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
                tokio::spawn(run(db.clone(), receiver));
                sender
            })
            .collect();
        WeighingWriter { senders }
    }

    /// Hands a weighing to the writer and waits until it is committed.
    pub async fn write(&self, job: Job) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let lane = (job.child_id.as_u128() % self.senders.len() as u128) as usize;
        if self.senders[lane]
            .send(Envelope { job, reply })
            .await
            .is_err()
        {
            return Outcome::Failed("the weighing writer has stopped".into());
        }
        answer
            .await
            .unwrap_or_else(|_| Outcome::Failed("the weighing writer has stopped".into()))
    }
}

async fn run(db: DatabaseConnection, mut receiver: mpsc::Receiver<Envelope>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let envelopes = std::mem::take(&mut batch);
        match write_batch(&db, envelopes.iter().map(|e| &e.job).collect()).await {
            Ok(outcomes) => {
                for (envelope, outcome) in envelopes.into_iter().zip(outcomes) {
                    let _ = envelope.reply.send(outcome);
                }
            }
            Err(error) => {
                tracing::warn!(%error, weighings = envelopes.len(), "writing a batch of weighings failed");
                let message = if crate::db::is_unavailable(&error) {
                    "unavailable"
                } else {
                    "failed"
                };
                for envelope in envelopes {
                    let _ = envelope.reply.send(Outcome::Failed(message.into()));
                }
            }
        }
    }
}

/// Writes what can be written; says for each job what happened.
async fn write_batch(db: &DatabaseConnection, jobs: Vec<&Job>) -> Result<Vec<Outcome>, DbErr> {
    let tx = begin_write(db).await?;
    let children: HashSet<Uuid> = jobs.iter().map(|j| j.child_id).collect();
    let ids: Vec<Uuid> = children.iter().copied().collect();
    crate::services::weighings::lock_children(&tx, &ids)
        .await
        .map_err(|e| match e {
            crate::error::ApiError::Database(db) => db,
            other => DbErr::Custom(other.to_string()),
        })?;
    let current: Vec<(Uuid, Uuid, DateTime<Utc>, NaiveDate)> = weighing::Entity::find()
        .select_only()
        .column(weighing::Column::ChildId)
        .column(weighing::Column::Id)
        .column(weighing::Column::UpdatedAt)
        .column(weighing::Column::MeasuredOn)
        .filter(weighing::Column::ChildId.is_in(children))
        .filter(weighing::Column::DeletedAt.is_null())
        .into_tuple()
        .all(&tx)
        .await?;
    let mut stamps: HashMap<Uuid, Vec<(Uuid, DateTime<Utc>)>> = HashMap::new();
    for (child, id, updated, _) in &current {
        stamps.entry(*child).or_default().push((*id, *updated));
    }
    for stamp in stamps.values_mut() {
        stamp.sort();
    }
    let mut taken: HashSet<(Uuid, NaiveDate)> =
        current.iter().map(|(c, _, _, d)| (*c, *d)).collect();
    let mut changed: HashSet<Uuid> = HashSet::new();
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut rows = Vec::new();
    let mut audits = Vec::new();
    for job in &jobs {
        let now_stamp = stamps.get(&job.child_id).cloned().unwrap_or_default();
        let outcome = if now_stamp != job.stamp || changed.contains(&job.child_id) {
            if taken.contains(&(job.child_id, job.measured_on)) {
                Outcome::SameDay
            } else {
                Outcome::Stale
            }
        } else if !taken.insert((job.child_id, job.measured_on)) {
            Outcome::SameDay
        } else {
            // A second weighing of the same child in this batch must be
            // evaluated against this one.
            changed.insert(job.child_id);
            rows.push(job.row.clone());
            audits.push(job.audit.clone());
            Outcome::Written
        };
        outcomes.push(outcome);
    }
    for chunk in rows.chunks(200) {
        if let Err(error) = weighing::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&tx)
            .await
        {
            if is_unique_violation(&error) {
                // Cannot happen given the checks above, unless another
                // process writes the same database: let everyone retry.
                tx.rollback().await?;
                return Ok(jobs.iter().map(|_| Outcome::Stale).collect());
            }
            return Err(error);
        }
    }
    // The month's summary rows of the children written (none of these
    // weighings has a later one, so only their own months change).
    if let Some(from) = jobs
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, Outcome::Written))
        .map(|(job, _)| job.measured_on)
        .min()
    {
        let mut children: Vec<Uuid> = changed.iter().copied().collect();
        children.sort();
        crate::services::child_months::refresh(&*tx, &children, from).await?;
    }
    for chunk in audits.chunks(200) {
        audit_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&tx)
            .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}
