//! A message waiting to be sent, being sent, or sent: replies and reminders.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: String,
    /// E.164.
    pub recipient: String,
    /// reply, notice, reminder, summary.
    pub kind: String,
    /// Lower goes first: replies to kader before bulk reminders.
    pub priority: i32,
    pub body: Option<String>,
    pub template_name: Option<String>,
    pub template_language: Option<String>,
    /// JSON array of strings.
    pub template_params: Option<String>,
    /// Unique: queueing the same message twice is a no-op.
    pub dedupe_key: String,
    /// queued, sending, sent, delivered, read, failed, cancelled, opted_out.
    pub status: String,
    pub attempts: i32,
    pub not_before: DateTimeUtc,
    /// Given up after this.
    pub expires_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub claimed_by: Option<String>,
    pub provider_message_id: Option<String>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub inbound_id: Option<Uuid>,
    pub sent_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub read_at: Option<DateTimeUtc>,
    /// When it was first claimed: retries give up some time after it.
    pub first_attempt_at: Option<DateTimeUtc>,
    /// The WhatsApp message this SMS stands in for (it failed); a fallback
    /// never falls back again.
    pub fallback_of: Option<Uuid>,
    pub province_code: Option<String>,
    pub kabupaten_code: Option<String>,
    pub kecamatan_code: Option<String>,
    pub desa_code: Option<String>,
    pub puskesmas_id: Option<Uuid>,
    pub posyandu_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
