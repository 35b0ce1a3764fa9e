//! The chat: messages people send to the bot, what they produced, and the
//! outbox of replies and reminders.
//!
//! The bot is an ordinary client of these endpoints (with the `bot:relay`
//! permission): it stores what a provider delivered, claims stored messages
//! to process them, records each outcome together with the reply, and sends
//! what the outbox holds. Puskesmas officers read the messages of their area
//! (`read:messages`) and correct and re-run one (`write:messages`).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Stored, waiting for a worker.
    Received,
    /// A worker holds it (until its lease runs out).
    Processing,
    /// Every line was handled (each line's outcome says how).
    Processed,
    /// Could not be handled (after retries); an officer can re-run it.
    Failed,
    /// The bot asked a question (an implausible value) and waits for YA.
    NeedsConfirmation,
    /// Nothing to do (our own number, a denied sender, a status echo).
    Ignored,
}

impl InboundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InboundStatus::Received => "received",
            InboundStatus::Processing => "processing",
            InboundStatus::Processed => "processed",
            InboundStatus::Failed => "failed",
            InboundStatus::NeedsConfirmation => "needs_confirmation",
            InboundStatus::Ignored => "ignored",
        }
    }

    pub fn parse(text: &str) -> Option<InboundStatus> {
        [
            InboundStatus::Received,
            InboundStatus::Processing,
            InboundStatus::Processed,
            InboundStatus::Failed,
            InboundStatus::NeedsConfirmation,
            InboundStatus::Ignored,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Who a phone number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    /// An active kader of the kader registry.
    Kader,
    /// A health worker's account (bidan, puskesmas) with this phone.
    Bidan,
    /// A mother of a child under five or a pregnant woman.
    Mother,
    Unknown,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Kader => "kader",
            SenderKind::Bidan => "bidan",
            SenderKind::Mother => "mother",
            SenderKind::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<SenderKind> {
        [
            SenderKind::Kader,
            SenderKind::Bidan,
            SenderKind::Mother,
            SenderKind::Unknown,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A message as a provider delivered it, stored by the bot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInboundMessage {
    /// `whatsapp`, `sms`, `console` or `gateway:<name>`.
    #[schema(
        example = "whatsapp",
        pattern = "^(whatsapp|sms|console|gateway:[a-z0-9_-]{1,32})$"
    )]
    pub channel: String,
    /// The provider's message id: storing the same id twice stores it once.
    #[schema(example = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEI4")]
    pub provider_message_id: String,
    /// The sender's number as the provider gave it (`6281…`, `+6281…`, `081…`).
    #[schema(example = "6281337000201")]
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
    /// `text`, or the provider's name for what was sent instead (`image`, …).
    #[serde(default = "text_kind")]
    #[schema(example = "text")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub profile_name: Option<String>,
    /// The provider's JSON for this message, kept for the audit.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub raw: Option<serde_json::Value>,
}

fn text_kind() -> String {
    "text".into()
}

/// A record a message created, for the officer's view and for BATAL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    /// `weighing`, `pregnancy`, `antenatal_contact`, `birth`, `person`,
    /// `person_event`, `immunisation`, `vitamin_a`.
    #[schema(example = "weighing")]
    pub kind: String,
    pub id: Uuid,
}

/// What one line of a message produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineOutcome {
    /// 1 for the first line.
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub line: u32,
    pub text: String,
    pub ok: bool,
    /// The command understood (`timbang`, `hamil`, …), when one was.
    #[serde(default)]
    pub command: Option<String>,
    /// One line in Indonesian: what was saved, or why not.
    pub summary: String,
    #[serde(default)]
    pub records: Vec<RecordRef>,
}

/// An inbound message with what became of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboundMessage {
    pub id: Uuid,
    pub channel: String,
    pub provider_message_id: String,
    /// E.164 when the number could be read.
    pub from: String,
    pub to: Option<String>,
    pub kind: String,
    pub text: Option<String>,
    /// The text as first received, when an officer corrected it.
    pub original_text: Option<String>,
    pub profile_name: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub status: InboundStatus,
    pub attempts: i32,
    pub revision: i32,
    pub sender_kind: SenderKind,
    pub kader_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    pub lines: Vec<LineOutcome>,
    /// The question asked, while the message waits for YA.
    pub question: Option<String>,
    pub reply: Option<String>,
    pub reply_id: Option<Uuid>,
    pub error: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The posyandu a sender reports for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SenderPosyandu {
    pub id: Uuid,
    pub name: String,
    pub kode: String,
    pub desa_code: String,
    pub time_zone: String,
}

/// Who sent a message, as the register knows the number now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sender {
    /// E.164.
    pub phone: String,
    pub kind: SenderKind,
    pub name: Option<String>,
    pub kader_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// The mothers (or the person) with this number.
    pub person_ids: Vec<Uuid>,
    pub posyandu: Option<SenderPosyandu>,
    /// Asked not to receive reminders (STOP).
    pub opted_out: bool,
}

/// A question the bot asked this sender, waiting for YA.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingConfirmation {
    pub message_id: Uuid,
    /// What YA will do, as the bot wrote it down.
    #[schema(value_type = Object)]
    pub action: serde_json::Value,
    pub question: String,
    pub until: DateTime<Utc>,
}

/// The sender's last report, for BATAL.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LastReport {
    pub message_id: Uuid,
    pub records: Vec<RecordRef>,
    pub processed_at: DateTime<Utc>,
}

/// A stored message a worker took to process.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimedMessage {
    pub message: InboundMessage,
    pub sender: Sender,
    pub pending: Option<PendingConfirmation>,
    pub last_report: Option<LastReport>,
    /// A notice to this (unknown) number went out in the last 24 hours:
    /// say nothing more today.
    pub notice_sent_recently: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The worker's name, recorded on what it holds.
    #[schema(example = "bot-1")]
    pub worker: String,
    /// At most this many (1–100, default 20).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// How long the worker may hold them before another may take them
    /// (5–600 seconds, default 60).
    #[serde(default)]
    #[schema(minimum = 5, maximum = 600)]
    pub lease_seconds: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimedMessages {
    pub items: Vec<ClaimedMessage>,
}

/// A JSON object, as the document says: `null`, an array or a number is
/// refused (serde_json's `Value` would take anything). Found by schemathesis.
fn json_object<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Value, D::Error> {
    use serde::Deserialize;
    let map = serde_json::Map::deserialize(deserializer)?;
    Ok(serde_json::Value::Object(map))
}

/// What a question waiting for YA holds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPending {
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "json_object")]
    pub action: serde_json::Value,
    pub question: String,
    /// How long YA is accepted (default 60 minutes; taken as 1 to 1440).
    #[serde(default)]
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub minutes: Option<u32>,
}

/// The outcome of processing a claimed message, and the reply to send.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageOutcome {
    pub worker: String,
    /// `processed`, `failed`, `needs_confirmation` or `ignored`.
    pub status: InboundStatus,
    #[serde(default)]
    pub lines: Vec<LineOutcome>,
    /// Queued in the outbox in the same transaction, at most once per
    /// message revision.
    #[serde(default)]
    pub reply: Option<String>,
    /// `reply` (default), or `notice` for the one daily answer to an
    /// unknown number.
    #[serde(default)]
    pub reply_kind: Option<String>,
    #[serde(default)]
    pub pending: Option<NewPending>,
    /// An earlier message whose question this one answered (YA/TIDAK).
    #[serde(default)]
    pub resolves: Option<Uuid>,
    /// An earlier message whose records this one undid (BATAL).
    #[serde(default)]
    pub undoes: Option<Uuid>,
    #[serde(default)]
    pub error: Option<String>,
}

/// One settlement of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeItem {
    pub id: Uuid,
    pub outcome: MessageOutcome,
}

/// Many settlements in one request (and one transaction).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBatch {
    pub items: Vec<OutcomeItem>,
}

/// What became of one item of a batch: 200, or the problem the single
/// request would have answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemResult {
    pub id: Uuid,
    pub status: u16,
    pub problem: Option<crate::Problem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResults {
    pub items: Vec<ItemResult>,
}

/// Give a claimed message back to be tried again later (the API or a
/// provider was unreachable). After 10 attempts it is `failed`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRelease {
    pub worker: String,
    /// When to try again (default 30 s; taken as 1 to 3600).
    #[serde(default)]
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub retry_after_seconds: Option<u32>,
    #[serde(default)]
    pub error: Option<String>,
}

/// An officer's correction: the text to process instead (or the same text
/// again when omitted).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRerun {
    #[serde(default)]
    pub text: Option<String>,
}

/// Where an outbox message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Cancelled,
    OptedOut,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 8] = [
        OutboxStatus::Queued,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Delivered,
        OutboxStatus::Read,
        OutboxStatus::Failed,
        OutboxStatus::Cancelled,
        OutboxStatus::OptedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Read => "read",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::OptedOut => "opted_out",
        }
    }

    pub fn parse(text: &str) -> Option<OutboxStatus> {
        OutboxStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A pre-approved WhatsApp template and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[schema(example = "pengingat_posyandu")]
    pub name: String,
    #[schema(example = "id")]
    pub language: String,
    pub parameters: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub channel: String,
    /// E.164.
    pub to: String,
    /// `reply`, `notice`, `reminder` or `summary`.
    pub kind: String,
    pub priority: i32,
    /// The text (for SMS, and for WhatsApp inside the 24-hour window).
    pub text: Option<String>,
    pub template: Option<Template>,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub provider_message_id: Option<String>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub inbound_id: Option<Uuid>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    /// For an SMS sent because a WhatsApp message failed: that message.
    pub fallback_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A channel's rate limit, as the worker knows it from the provider.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelRate {
    pub channel: String,
    /// Messages per second for all workers together (WhatsApp: 80 per
    /// business number unless upgraded). 0 = no limit.
    pub per_second: f64,
}

/// Claims due outbox messages. With `rates`, a claimed message on a paced
/// channel carries a `not_before` up to one second ahead: the worker sends
/// it at that moment, which keeps all workers together within the limit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboxClaimRequest {
    pub worker: String,
    /// At most this many (1–500, default 20).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// How long the worker may hold them (5–600 seconds, default 60).
    #[serde(default)]
    #[schema(minimum = 5, maximum = 600)]
    pub lease_seconds: Option<u32>,
    /// Only these channels (all when omitted).
    #[serde(default)]
    pub channels: Option<Vec<String>>,
    /// Rate limits of paced channels; a channel not named is not paced.
    #[serde(default)]
    pub rates: Option<Vec<ChannelRate>>,
    /// A bulk message (reminder, summary) waits until this long after the
    /// last message to the same number (WhatsApp refuses more than about one
    /// every 6 s: error 131056). Replies are never held back. Default 0,
    /// at most 3600.
    #[serde(default)]
    #[schema(maximum = 3600)]
    pub recipient_gap_seconds: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimedOutbox {
    pub items: Vec<OutboxMessage>,
}

/// What happened when a worker tried to send.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum SendResult {
    /// The provider accepted it.
    Sent { provider_message_id: String },
    /// Try again later (timeouts, 5xx, 429, throttling).
    Retry {
        code: String,
        detail: String,
        #[serde(default)]
        #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
        retry_after_seconds: Option<u32>,
    },
    /// The number cannot be reached on this channel.
    Unreachable { code: String, detail: String },
    /// Retrying will not help.
    Failed { code: String, detail: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReport {
    pub worker: String,
    pub result: SendResult,
    /// Where a failed message goes next (once): the worker names a channel
    /// it can send on, e.g. `sms` for a WhatsApp message to a number that
    /// is not on WhatsApp.
    #[serde(default)]
    pub fallback_channel: Option<String>,
}

/// One send result of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReportItem {
    pub id: Uuid,
    pub report: SendReport,
}

/// Many send results in one request (and one transaction).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReportBatch {
    pub items: Vec<SendReportItem>,
}

/// A provider's delivery state for a message it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryReport {
    pub channel: String,
    pub provider_message_id: String,
    pub status: DeliveryStatus,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_title: Option<String>,
    /// For a failure: the channel to send the message on instead (once).
    #[serde(default)]
    pub fallback_channel: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryReports {
    pub items: Vec<DeliveryReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryReportsApplied {
    /// Reports that moved a message forward.
    pub applied: u32,
    /// Reports for unknown messages, or older than what is known.
    pub ignored: u32,
}

/// Messages in one state on one channel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OutboxDepth {
    pub status: OutboxStatus,
    pub channel: String,
    pub count: u64,
}

/// Failed messages with one provider error code (`expired`: not sent in
/// time; `unknown` when the provider gave none).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OutboxFailures {
    pub error_code: String,
    pub count: u64,
}

/// How a posyandu's messages fared.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PosyanduDelivery {
    pub posyandu_id: Uuid,
    /// Messages handed to a provider (sent, delivered, read or failed).
    pub attempted: u64,
    /// Of those, delivered or read.
    pub delivered: u64,
    /// delivered / attempted (none before anything was attempted).
    pub delivery_rate: Option<f64>,
}

/// The outbox at a glance, for operators: in the caller's area, for
/// messages created since `since`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxStats {
    pub since: DateTime<Utc>,
    pub depth: Vec<OutboxDepth>,
    pub failures: Vec<OutboxFailures>,
    pub posyandu: Vec<PosyanduDelivery>,
}

/// Plan the reminders of the coming posyandu days.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderPlanRequest {
    /// First day to plan (default: today in each posyandu's zone).
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// Days to plan, 1–31 (default 2: today and tomorrow).
    #[serde(default)]
    #[schema(example = 2, minimum = 1, maximum = 31)]
    pub days: Option<u32>,
}

/// What a planner run did. Running it again plans nothing new.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReminderPlan {
    /// Posyandu days in the window.
    pub posyandu_days: u32,
    /// Mothers to remind (one per phone per posyandu day).
    pub recipients: u32,
    /// Reminders queued by this run.
    pub queued: u32,
    /// Reminders that were already in the outbox.
    pub already_planned: u32,
    /// Mothers left out because they sent STOP.
    pub opted_out: u32,
    /// Queued reminders cancelled because their day was moved or cancelled.
    pub cancelled: u32,
    /// Day-before summaries for kader, among `queued` and
    /// `already_planned`.
    pub kader_summaries: u32,
}

/// STOP / MULAI for a number.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPreferenceUpdate {
    #[schema(example = "+6281337000301")]
    pub phone: String,
    pub opted_out: bool,
    #[serde(default)]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactPreference {
    pub phone: String,
    pub opted_out: bool,
    pub changed_at: DateTime<Utc>,
    /// Queued reminders cancelled by this STOP.
    pub cancelled: u32,
}
