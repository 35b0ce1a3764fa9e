//! The messaging providers: what arrives from them and what is sent to them.
//! Each adapter has pure parts (signature checks, payload parsing, request
//! building, error classification) and one sending function.
use std::time::Duration;

use chrono::{DateTime, Utc};

pub mod gateway;
pub mod twilio;
pub mod whatsapp;

/// A message from a person, as a provider delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The provider's id of the message (`wamid.…`, `SM…`): deduplication key.
    pub provider_message_id: String,
    /// The sender's number as the provider gives it (`6281…`, `+6281…`).
    pub from: String,
    /// The number it was sent to (our number), when given.
    pub to: Option<String>,
    /// The text, for text messages; `None` for images, voice notes, ….
    pub text: Option<String>,
    /// `text`, `image`, `audio`, … as the provider names it.
    pub kind: String,
    pub sent_at: Option<DateTime<Utc>>,
    /// The sender's profile name (WhatsApp), for the officer's view only.
    pub profile_name: Option<String>,
    /// This one message's part of the payload, kept raw for the audit.
    pub raw: serde_json::Value,
}

/// What a provider says happened to a message we sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub provider_message_id: String,
    pub state: DeliveryState,
    pub at: Option<DateTime<Utc>>,
    pub error_code: Option<String>,
    pub error_title: Option<String>,
}

/// What one webhook delivery carried (WhatsApp batches both kinds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    pub messages: Vec<Inbound>,
    pub statuses: Vec<StatusUpdate>,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// E.164 (`+6281…`); each adapter writes it the way its provider wants.
    pub to: String,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Text(String),
    /// A pre-approved WhatsApp template (outside the 24-hour window).
    /// Channels without templates send `fallback_text`.
    Template {
        name: String,
        language: String,
        parameters: Vec<String>,
        fallback_text: String,
    },
}

/// The provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub provider_message_id: String,
}

/// Why a send did not go through, classified for the retry policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Try again later: timeouts, connection errors, 5xx, 429 and the
    /// providers' throttling codes.
    #[error("temporary failure {code}: {detail}")]
    Temporary {
        code: String,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// The recipient cannot be reached on this channel (not on WhatsApp,
    /// invalid number, opted out at the carrier): fall back to another
    /// channel, do not retry here.
    #[error("unreachable on this channel {code}: {detail}")]
    Unreachable { code: String, detail: String },
    /// Retrying will not help (bad request, bad credentials, template
    /// refused, outside the 24-hour window).
    #[error("permanent failure {code}: {detail}")]
    Permanent { code: String, detail: String },
}

/// Why a webhook was refused. Each maps to an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing or wrong signature: 401 (403 for the verification handshake).
    #[error("the signature is missing or wrong")]
    BadSignature,
    /// The body is not what the provider sends: 400.
    #[error("the payload could not be read: {0}")]
    BadPayload(String),
}
