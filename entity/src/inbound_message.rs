//! A message a person sent to the bot, kept raw with what it produced.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `whatsapp`, `sms`, `console` or `gateway:<name>`.
    pub channel: String,
    /// The provider's id; unique per channel (deliveries repeat).
    pub provider_message_id: String,
    /// E.164 when the number could be read, else as the provider gave it.
    pub sender_phone: String,
    pub recipient: Option<String>,
    pub kind: String,
    pub body: Option<String>,
    /// The text as first received, when an officer corrected it.
    pub original_body: Option<String>,
    pub profile_name: Option<String>,
    /// The provider's JSON for this message.
    pub raw: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    /// received, processing, processed, failed, needs_confirmation, ignored.
    pub status: String,
    pub attempts: i32,
    /// Raised by every re-run, so the actions of a re-run are new requests.
    pub revision: i32,
    pub not_before: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub claimed_by: Option<String>,
    /// kader, bidan, mother, unknown (at the time it arrived).
    pub sender_kind: String,
    pub kader_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// JSON: the outcome of each line.
    pub outcome: Option<String>,
    /// JSON: the records the message created, for BATAL.
    pub records: Option<String>,
    /// JSON: the action awaiting a YA.
    pub pending: Option<String>,
    pub pending_until: Option<DateTimeUtc>,
    pub reply_id: Option<Uuid>,
    pub error: Option<String>,
    pub processed_at: Option<DateTimeUtc>,
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
