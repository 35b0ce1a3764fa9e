//! A generic HTTP channel for the Indonesian gateways (Fonnte, Wablas,
//! Zenziva, …), configured without code, plus the helpers every adapter
//! shares (phone formats, Retry-After, redaction of numbers in details).
//!
//! # Configuration file
//!
//! [`GatewayConfig`] is read with serde; field names are snake_case. A TOML
//! file for a gateway looks like this (fields with a default may be left
//! out):
//!
//! ```toml
//! name = "fonnte"
//!
//! [inbound]
//! # HMAC-SHA256 key; the body must arrive signed `sha256=<hex>`.
//! secret = "a-long-random-shared-secret"
//! signature_header = "X-Posyandu-Signature"  # default
//! from_field = "sender"                      # default "from"
//! text_field = "message"                     # default "text"
//! id_field = "inboxid"                       # default "id"; "/a/0/b" = JSON pointer
//!
//! [outbound]
//! url = "https://api.fonnte.com/send"
//! format = "form"                            # "json" (default) or "form"
//! auth_header = ["Authorization", "device-token"]
//! to_field = "target"                        # default "to"
//! text_field = "message"                     # default "text"
//! phone_style = "international"              # "e164" | "international" (default) | "national"
//! extra_fields = [["countryCode", "62"]]     # default none
//! id_pointer = "/id/0"                       # default none: a `gw-<uuid>` id
//! success_pointer = "/status"                # default none: any 2xx is success
//! wrap_in_data_array = false                 # default false; Wablas: true
//! ```
//!
//! The unofficial WhatsApp gateways risk the sending number being banned:
//! offer them as options only, prefer the Cloud API for reminders.
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Body, Inbound, Outgoing, SendError, Sent, WebhookError};

pub const DEFAULT_SIGNATURE_HEADER: &str = "X-Posyandu-Signature";
pub const FONNTE_SEND_URL: &str = "https://api.fonnte.com/send";
pub const ZENZIVA_SEND_URL: &str = "https://gsm.zenziva.net/api/sendsms/";

/// One gateway: how its webhooks look and how to send through it.
#[derive(Clone, Debug, Deserialize)]
pub struct GatewayConfig {
    /// For logs and metrics only.
    pub name: String,
    pub inbound: GatewayInbound,
    pub outbound: GatewayOutbound,
}

/// How the gateway (or the relay in front of it) posts messages to us.
#[derive(Clone, Deserialize)]
pub struct GatewayInbound {
    /// Shared HMAC-SHA256 key. Empty means every webhook is refused: an
    /// unsigned webhook is anyone's webhook.
    pub secret: String,
    #[serde(default = "default_signature_header")]
    pub signature_header: String,
    /// A top-level field name, or a JSON pointer when it starts with `/`.
    #[serde(default = "default_from_field")]
    pub from_field: String,
    #[serde(default = "default_text_field")]
    pub text_field: String,
    #[serde(default = "default_id_field")]
    pub id_field: String,
}

/// How to send through the gateway.
#[derive(Clone, Deserialize)]
pub struct GatewayOutbound {
    pub url: String,
    #[serde(default)]
    pub format: BodyFormat,
    /// `(name, value)`, e.g. `("Authorization", "<token>")`.
    #[serde(default)]
    pub auth_header: Option<(String, String)>,
    #[serde(default = "default_to_field")]
    pub to_field: String,
    #[serde(default = "default_text_field")]
    pub text_field: String,
    #[serde(default)]
    pub phone_style: PhoneStyle,
    /// Sent with every message (`countryCode=62`, Zenziva's keys, …).
    #[serde(default)]
    pub extra_fields: Vec<(String, String)>,
    /// JSON pointer to the provider's id in the answer (`/id`, `/id/0`).
    #[serde(default)]
    pub id_pointer: Option<String>,
    /// JSON pointer to a flag that must be true-ish (`true`, `1`, `"1"`,
    /// `"true"`, `"success"`) for the send to count: Fonnte and Zenziva
    /// answer 200 with `status: false` when they refuse a message.
    #[serde(default)]
    pub success_pointer: Option<String>,
    /// Wablas wants `{"data":[{…message…}]}` (JSON format only).
    #[serde(default)]
    pub wrap_in_data_array: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    Json,
    Form,
}

/// How a gateway wants the recipient's number written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneStyle {
    /// `+6281234567890`
    E164,
    /// `6281234567890`
    #[default]
    International,
    /// `081234567890` (Indonesian numbers only)
    National,
}

fn default_signature_header() -> String {
    DEFAULT_SIGNATURE_HEADER.to_owned()
}
fn default_from_field() -> String {
    "from".to_owned()
}
fn default_text_field() -> String {
    "text".to_owned()
}
fn default_id_field() -> String {
    "id".to_owned()
}
fn default_to_field() -> String {
    "to".to_owned()
}

impl fmt::Debug for GatewayInbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayInbound")
            .field("secret", &redacted(&self.secret))
            .field("signature_header", &self.signature_header)
            .field("from_field", &self.from_field)
            .field("text_field", &self.text_field)
            .field("id_field", &self.id_field)
            .finish()
    }
}

impl fmt::Debug for GatewayOutbound {
    /// Header values and extra field values may be keys (Zenziva's
    /// passkey): only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra_fields.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("GatewayOutbound")
            .field("url", &self.url)
            .field("format", &self.format)
            .field(
                "auth_header",
                &self
                    .auth_header
                    .as_ref()
                    .map(|(name, _)| (name, "<redacted>")),
            )
            .field("to_field", &self.to_field)
            .field("text_field", &self.text_field)
            .field("phone_style", &self.phone_style)
            .field("extra_fields", &extra)
            .field("id_pointer", &self.id_pointer)
            .field("success_pointer", &self.success_pointer)
            .field("wrap_in_data_array", &self.wrap_in_data_array)
            .finish()
    }
}

pub(crate) fn redacted(secret: &str) -> &'static str {
    if secret.is_empty() {
        "<empty>"
    } else {
        "<redacted>"
    }
}

impl GatewayInbound {
    /// Field names for a gateway whose webhook has not been configured:
    /// the secret is empty, so nothing is accepted until it is set.
    fn unsigned(from_field: &str, text_field: &str, id_field: &str) -> GatewayInbound {
        GatewayInbound {
            secret: String::new(),
            signature_header: default_signature_header(),
            from_field: from_field.to_owned(),
            text_field: text_field.to_owned(),
            id_field: id_field.to_owned(),
        }
    }
}

impl GatewayConfig {
    /// Fonnte: form `target`, `message`, `countryCode=62`, header
    /// `Authorization: <device token>`; answers `{"id":["…"],"status":true}`.
    /// Its webhook posts `sender`, `message` (and `inboxid`) unsigned: put a
    /// signing relay in front, then set `inbound.secret`.
    pub fn fonnte(device_token: &str) -> GatewayConfig {
        GatewayConfig {
            name: "fonnte".to_owned(),
            inbound: GatewayInbound::unsigned("sender", "message", "inboxid"),
            outbound: GatewayOutbound {
                url: FONNTE_SEND_URL.to_owned(),
                format: BodyFormat::Form,
                auth_header: Some(("Authorization".to_owned(), device_token.to_owned())),
                to_field: "target".to_owned(),
                text_field: "message".to_owned(),
                phone_style: PhoneStyle::International,
                extra_fields: vec![("countryCode".to_owned(), "62".to_owned())],
                id_pointer: Some("/id/0".to_owned()),
                success_pointer: Some("/status".to_owned()),
                wrap_in_data_array: false,
            },
        }
    }

    /// Wablas v2: JSON `{"data":[{"phone":"62…","message":"…"}]}`, header
    /// `Authorization: <token>`. `region_host` is the account's host
    /// (`"sby.wablas.com"`), a bare region (`"sby"`), or a whole base URL
    /// (`"http://127.0.0.1:8080"`, for tests).
    pub fn wablas(region_host: &str, token: &str) -> GatewayConfig {
        GatewayConfig {
            name: "wablas".to_owned(),
            inbound: GatewayInbound::unsigned("phone", "message", "id"),
            outbound: GatewayOutbound {
                url: format!("{}/api/v2/send-message", wablas_base(region_host)),
                format: BodyFormat::Json,
                auth_header: Some(("Authorization".to_owned(), token.to_owned())),
                to_field: "phone".to_owned(),
                text_field: "message".to_owned(),
                phone_style: PhoneStyle::International,
                extra_fields: Vec::new(),
                id_pointer: Some("/data/messages/0/id".to_owned()),
                success_pointer: Some("/status".to_owned()),
                wrap_in_data_array: true,
            },
        }
    }

    /// Zenziva SMS: form `userkey`, `passkey`, `nohp`, `pesan`; answers
    /// `{"messageId":…,"status":"1",…}`.
    pub fn zenziva(userkey: &str, passkey: &str) -> GatewayConfig {
        GatewayConfig {
            name: "zenziva".to_owned(),
            inbound: GatewayInbound::unsigned("nohp", "pesan", "id"),
            outbound: GatewayOutbound {
                url: ZENZIVA_SEND_URL.to_owned(),
                format: BodyFormat::Form,
                auth_header: None,
                to_field: "nohp".to_owned(),
                text_field: "pesan".to_owned(),
                phone_style: PhoneStyle::National,
                extra_fields: vec![
                    ("userkey".to_owned(), userkey.to_owned()),
                    ("passkey".to_owned(), passkey.to_owned()),
                ],
                id_pointer: Some("/messageId".to_owned()),
                success_pointer: Some("/status".to_owned()),
                wrap_in_data_array: false,
            },
        }
    }

    /// The same gateway at another address (a stand-in, a relay).
    pub fn with_url(mut self, url: impl Into<String>) -> GatewayConfig {
        self.outbound.url = url.into();
        self
    }
}

fn wablas_base(region_host: &str) -> String {
    let host = region_host.trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        host.to_owned()
    } else if host.contains('.') {
        format!("https://{host}")
    } else {
        format!("https://{host}.wablas.com")
    }
}

// ---------------------------------------------------------------------------
// Signatures

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex of HMAC-SHA256(secret, raw body)>`, as a relay signs.
pub fn sign(raw_body: &[u8], secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(raw_body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `sha256=<hex>` over the raw bytes, in constant time.
pub fn verify_signature(
    raw_body: &[u8],
    header: Option<&str>,
    secret: &str,
) -> Result<(), WebhookError> {
    verify_sha256_hex(raw_body, header, secret)
}

/// Shared by this channel and WhatsApp (`X-Hub-Signature-256`): the same
/// scheme. The key must not be empty: an empty key would let anyone sign.
pub(crate) fn verify_sha256_hex(
    raw_body: &[u8],
    header: Option<&str>,
    secret: &str,
) -> Result<(), WebhookError> {
    if secret.is_empty() {
        tracing::warn!("webhook refused: no signing secret is configured");
        return Err(WebhookError::BadSignature);
    }
    let hex_part = header
        .map(str::trim)
        .and_then(|h| h.strip_prefix("sha256="))
        .ok_or(WebhookError::BadSignature)?;
    let claimed = hex::decode(hex_part).map_err(|_| WebhookError::BadSignature)?;
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(raw_body);
    // `verify_slice` compares in constant time and refuses a wrong length.
    mac.verify_slice(&claimed)
        .map_err(|_| WebhookError::BadSignature)
}

/// Compares two secrets without leaking where they differ or how long the
/// expected one is (both are hashed first).
pub(crate) fn secrets_equal(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

// ---------------------------------------------------------------------------
// Inbound

/// Reads a message the gateway posted, JSON or form. The content type
/// decides; without one, a body starting with `{` is JSON.
///
/// A missing id becomes `gw-<hash of the body>`: a redelivery of the same
/// body then deduplicates, which a random id would not.
pub fn parse_inbound(
    config: &GatewayInbound,
    content_type: Option<&str>,
    raw_body: &[u8],
) -> Result<Inbound, WebhookError> {
    let raw = if is_json(content_type, raw_body) {
        parse_json_object(raw_body)?
    } else {
        form_to_json(&parse_form(raw_body)?)
    };
    let from = field(&raw, &config.from_field)
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| WebhookError::BadPayload(format!("no `{}`", config.from_field)))?;
    let text = field(&raw, &config.text_field);
    let provider_message_id =
        field(&raw, &config.id_field).unwrap_or_else(|| body_hash_id(raw_body));
    Ok(Inbound {
        provider_message_id,
        from,
        to: None,
        kind: if text.is_some() { "text" } else { "unknown" }.to_owned(),
        text,
        sent_at: None,
        profile_name: None,
        raw,
    })
}

fn is_json(content_type: Option<&str>, raw_body: &[u8]) -> bool {
    match content_type.map(str::to_ascii_lowercase) {
        Some(ct) if ct.contains("json") => true,
        Some(ct) if ct.contains("x-www-form-urlencoded") => false,
        _ => raw_body.trim_ascii_start().first() == Some(&b'{'),
    }
}

fn parse_json_object(raw_body: &[u8]) -> Result<Value, WebhookError> {
    match serde_json::from_slice::<Value>(raw_body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(WebhookError::BadPayload("not a JSON object".into())),
        Err(e) => Err(WebhookError::BadPayload(format!("not JSON: {e}"))),
    }
}

/// Form parameters in order, repeated names kept.
pub(crate) fn parse_form(raw_body: &[u8]) -> Result<Vec<(String, String)>, WebhookError> {
    serde_urlencoded::from_bytes(raw_body)
        .map_err(|e| WebhookError::BadPayload(format!("not a form: {e}")))
}

/// The parameters as a JSON object for the audit; a repeated name becomes
/// an array of its values.
pub(crate) fn form_to_json(params: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (name, value) in params {
        match object.get_mut(name) {
            None => {
                object.insert(name.clone(), Value::String(value.clone()));
            }
            Some(Value::Array(values)) => values.push(Value::String(value.clone())),
            Some(first) => {
                let first = first.take();
                object.insert(
                    name.clone(),
                    Value::Array(vec![first, Value::String(value.clone())]),
                );
            }
        }
    }
    Value::Object(object)
}

/// A field by name, or by JSON pointer when it starts with `/`; strings and
/// numbers only (a numeric inbox id is still an id). For a repeated form
/// parameter the first value counts.
fn field(raw: &Value, name: &str) -> Option<String> {
    let value = if name.starts_with('/') {
        raw.pointer(name)?
    } else {
        raw.get(name)?
    };
    match value {
        Value::Array(values) => values.first().and_then(scalar_string),
        other => scalar_string(other),
    }
}

fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn body_hash_id(raw_body: &[u8]) -> String {
    let digest = Sha256::digest(raw_body);
    format!("gw-{}", &hex::encode(digest)[..32])
}

// ---------------------------------------------------------------------------
// Outbound

/// Sends one message. A 2xx answer without the id at `id_pointer` still
/// counts as sent (the gateway took it) and gets a `gw-<uuid>` id.
pub async fn send(
    http: &reqwest::Client,
    config: &GatewayOutbound,
    out: &Outgoing,
) -> Result<Sent, SendError> {
    let phone = recipient(&out.to, config.phone_style)?;
    let text = outgoing_text(&out.body);
    let mut request = http.post(&config.url);
    if let Some((name, value)) = &config.auth_header {
        request = request.header(name.as_str(), value.as_str());
    }
    request = match config.format {
        BodyFormat::Json => request.json(&json_body(config, &phone, text)),
        BodyFormat::Form => request.form(&form_body(config, &phone, text)),
    };
    let answer = read_answer(request).await?;
    if !answer.is_success() {
        return Err(classify_error(
            answer.status,
            &answer.body,
            answer.retry_after.as_deref(),
        ));
    }
    accepted(config, &answer.body)
}

/// The recipient written the gateway's way. A number the style cannot
/// express (a foreign number for `national`) is unreachable here.
fn recipient(to: &str, style: PhoneStyle) -> Result<String, SendError> {
    normalise_phone(to)
        .and_then(|e164| format_phone(&e164, style))
        .ok_or_else(|| SendError::Unreachable {
            code: "invalid_recipient".into(),
            detail: format!("the recipient cannot be written as {style:?} for this gateway"),
        })
}

/// Channels without templates send the template's fallback text.
pub(crate) fn outgoing_text(body: &Body) -> &str {
    match body {
        Body::Text(text) => text,
        Body::Template { fallback_text, .. } => fallback_text,
    }
}

fn json_body(config: &GatewayOutbound, phone: &str, text: &str) -> Value {
    let mut message = Map::new();
    message.insert(config.to_field.clone(), Value::String(phone.to_owned()));
    message.insert(config.text_field.clone(), Value::String(text.to_owned()));
    for (name, value) in &config.extra_fields {
        message.insert(name.clone(), Value::String(value.clone()));
    }
    if config.wrap_in_data_array {
        serde_json::json!({ "data": [Value::Object(message)] })
    } else {
        Value::Object(message)
    }
}

fn form_body<'a>(
    config: &'a GatewayOutbound,
    phone: &'a str,
    text: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        (config.to_field.as_str(), phone),
        (config.text_field.as_str(), text),
    ];
    pairs.extend(
        config
            .extra_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    pairs
}

fn accepted(config: &GatewayOutbound, body: &str) -> Result<Sent, SendError> {
    let answer: Option<Value> = serde_json::from_str(body).ok();
    if let Some(pointer) = &config.success_pointer {
        let ok = answer
            .as_ref()
            .and_then(|a| a.pointer(pointer))
            .is_some_and(truthy);
        if !ok {
            return Err(SendError::Permanent {
                code: "refused".into(),
                detail: redact_detail(body),
            });
        }
    }
    let id = config
        .id_pointer
        .as_deref()
        .and_then(|p| answer.as_ref()?.pointer(p))
        .and_then(scalar_string)
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("gw-{}", uuid::Uuid::new_v4()));
    Ok(Sent {
        provider_message_id: id,
    })
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "success" | "ok"
        ),
        _ => false,
    }
}

/// Gateways have no documented error codes: the HTTP status decides.
/// 408, 429 and 5xx are temporary, other 4xx permanent.
pub fn classify_error(http_status: u16, body: &str, retry_after: Option<&str>) -> SendError {
    let code = format!("http_{http_status}");
    let detail = redact_detail(body);
    if is_temporary_status(http_status) {
        SendError::Temporary {
            code,
            detail,
            retry_after: parse_retry_after(retry_after),
        }
    } else {
        SendError::Permanent { code, detail }
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the adapters

pub(crate) fn is_temporary_status(http_status: u16) -> bool {
    matches!(http_status, 408 | 429) || (500..600).contains(&http_status)
}

/// What came back from a provider, read whole.
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends the request and reads the answer; transport failures (including
/// the client's timeout) are temporary.
pub(crate) async fn read_answer(request: reqwest::RequestBuilder) -> Result<Answer, SendError> {
    let response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.map_err(transport_error)?;
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// The URL is dropped from the message: some gateways put keys in it.
pub(crate) fn transport_error(error: reqwest::Error) -> SendError {
    if error.is_builder() {
        return SendError::Permanent {
            code: "bad_request_config".into(),
            detail: error.without_url().to_string(),
        };
    }
    let code = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    };
    SendError::Temporary {
        code: code.into(),
        detail: error.without_url().to_string(),
        retry_after: None,
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn parse_retry_after(header: Option<&str>) -> Option<Duration> {
    let value = header?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&Utc) - Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A provider's answer, fit for an error detail that may be logged: runs
/// of six or more digits (phone numbers) are masked, and it is cut short.
pub(crate) fn redact_detail(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush_digits(&mut out, &mut digits);
        out.push(c);
    }
    flush_digits(&mut out, &mut digits);
    truncate_chars(out.trim(), 300).into_owned()
}

fn flush_digits(out: &mut String, digits: &mut String) {
    if digits.len() >= 6 {
        out.push_str("[number]");
    } else {
        out.push_str(digits);
    }
    digits.clear();
}

/// At most `max` characters, cut at a character boundary; a cut text ends
/// with `…` so the reader knows.
pub(crate) fn truncate_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep: String = text.chars().take(max.saturating_sub(1)).collect();
            Cow::Owned(format!("{keep}…"))
        }
    }
}

// ---------------------------------------------------------------------------
// Phone numbers

/// A phone number as E.164 (`+6281234567890`), from the ways people and
/// providers write Indonesian numbers: `+62 812-3456-7890`, `6281…`,
/// `081…`, `0062…`, and the mistaken `+62 0812…`. Digits without a plus
/// or a leading zero are taken as international (WhatsApp's `wa_id`).
/// `None` for anything else (letters, a WhatsApp user id, too short/long).
pub fn normalise_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let international = if plus {
        digits
    } else if let Some(after) = digits.strip_prefix("00") {
        after.to_owned()
    } else if let Some(after) = digits.strip_prefix('0') {
        format!("62{after}")
    } else {
        digits
    };
    // Indonesian subscriber numbers never start with 0 after the 62.
    let international = match international.strip_prefix("620") {
        Some(after) => format!("62{after}"),
        None => international,
    };
    let plausible = (8..=15).contains(&international.len()) && !international.starts_with('0');
    plausible.then(|| format!("+{international}"))
}

/// An E.164 number written in `style`; `None` when `national` is asked of
/// a number outside Indonesia.
pub fn format_phone(e164: &str, style: PhoneStyle) -> Option<String> {
    let digits = e164.strip_prefix('+')?;
    match style {
        PhoneStyle::E164 => Some(e164.to_owned()),
        PhoneStyle::International => Some(digits.to_owned()),
        PhoneStyle::National => digits.strip_prefix("62").map(|rest| format!("0{rest}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound_config() -> GatewayInbound {
        GatewayInbound {
            secret: "shared-secret".into(),
            signature_header: default_signature_header(),
            from_field: "from".into(),
            text_field: "text".into(),
            id_field: "id".into(),
        }
    }

    #[test]
    fn a_signature_over_the_raw_body_is_accepted() {
        let body = br#"{"from":"6281234567890","id":"m1","text":"halo"}"#;
        let header = sign(body, "shared-secret");
        assert!(header.starts_with("sha256="));
        assert_eq!(
            verify_signature(body, Some(&header), "shared-secret"),
            Ok(())
        );
        // Upper-case hex and surrounding spaces are the same signature.
        let upper = format!("  sha256={} ", header[7..].to_uppercase());
        assert_eq!(
            verify_signature(body, Some(&upper), "shared-secret"),
            Ok(())
        );
    }

    #[test]
    fn a_known_vector_matches() {
        // RFC 4231 test case 2: key "Jefe".
        let header = sign(b"what do ya want for nothing?", "Jefe");
        assert_eq!(
            header,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn bad_missing_and_malformed_signatures_are_refused() {
        let body = br#"{"from":"6281234567890","text":"halo"}"#;
        let good = sign(body, "shared-secret");
        let cases: Vec<Option<String>> = vec![
            None,
            Some(String::new()),
            Some(sign(body, "another-secret")),
            Some(good.replacen("sha256=", "sha1=", 1)),
            Some(good[7..].to_owned()),
            Some(format!("{}zz", &good[..good.len() - 2])),
            Some(good[..good.len() - 2].to_owned()),
            Some(format!("{good}00")),
        ];
        for header in cases {
            assert_eq!(
                verify_signature(body, header.as_deref(), "shared-secret"),
                Err(WebhookError::BadSignature),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_signature_over_a_reserialised_body_is_refused() {
        let raw = b"{ \"from\": \"6281234567890\",  \"text\": \"halo\" }";
        let reserialised =
            serde_json::to_vec(&serde_json::from_slice::<Value>(raw).unwrap()).unwrap();
        assert_ne!(raw.as_slice(), reserialised.as_slice());
        let header = sign(&reserialised, "shared-secret");
        assert_eq!(
            verify_signature(raw, Some(&header), "shared-secret"),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn an_empty_secret_refuses_everything() {
        let body = b"{}";
        let header = sign(body, "");
        assert_eq!(
            verify_signature(body, Some(&header), ""),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn json_inbound_is_read_by_the_configured_fields() {
        let body =
            br#"{"from":"081234567890","id":"abc","text":"TIMBANG 1234 9,5","extra":{"x":1}}"#;
        let inbound = parse_inbound(&inbound_config(), Some("application/json"), body).unwrap();
        assert_eq!(inbound.provider_message_id, "abc");
        assert_eq!(inbound.from, "081234567890");
        assert_eq!(inbound.text.as_deref(), Some("TIMBANG 1234 9,5"));
        assert_eq!(inbound.kind, "text");
        assert_eq!(inbound.raw["extra"]["x"], 1);
    }

    #[test]
    fn pointers_and_numeric_ids_are_read() {
        let config = GatewayInbound {
            from_field: "/sender/phone".into(),
            text_field: "/message/0/body".into(),
            id_field: "inboxid".into(),
            ..inbound_config()
        };
        let body =
            br#"{"sender":{"phone":"6281234567890"},"message":[{"body":"halo"}],"inboxid":42}"#;
        let inbound = parse_inbound(&config, None, body).unwrap();
        assert_eq!(inbound.from, "6281234567890");
        assert_eq!(inbound.text.as_deref(), Some("halo"));
        assert_eq!(inbound.provider_message_id, "42");
    }

    #[test]
    fn form_inbound_ignores_unknown_parameters() {
        let body = b"from=%2B6281234567890&text=halo+bidan&id=m9&device=628111&foo=bar&foo=baz";
        let inbound = parse_inbound(
            &inbound_config(),
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            body,
        )
        .unwrap();
        assert_eq!(inbound.from, "+6281234567890");
        assert_eq!(inbound.text.as_deref(), Some("halo bidan"));
        assert_eq!(inbound.provider_message_id, "m9");
        assert_eq!(inbound.raw["foo"], serde_json::json!(["bar", "baz"]));
    }

    #[test]
    fn a_missing_id_is_a_stable_hash_of_the_body() {
        let body = br#"{"from":"6281234567890","text":"halo"}"#;
        let first = parse_inbound(&inbound_config(), None, body).unwrap();
        let again = parse_inbound(&inbound_config(), None, body).unwrap();
        assert!(first.provider_message_id.starts_with("gw-"));
        assert_eq!(first.provider_message_id, again.provider_message_id);
    }

    #[test]
    fn a_message_without_text_has_no_text() {
        let body = br#"{"from":"6281234567890","id":"1","url":"https://x/img.jpg"}"#;
        let inbound = parse_inbound(&inbound_config(), None, body).unwrap();
        assert_eq!(inbound.text, None);
        assert_eq!(inbound.kind, "unknown");
    }

    #[test]
    fn malformed_inbound_is_a_bad_payload() {
        let config = inbound_config();
        for (ct, body) in [
            (Some("application/json"), b"{\"from\":".as_slice()),
            (Some("application/json"), b"[1,2]".as_slice()),
            (None, b"{\"text\":\"no sender\"}".as_slice()),
            (None, b"text=no+sender".as_slice()),
            (None, b"{\"from\":\"  \",\"text\":\"x\"}".as_slice()),
        ] {
            assert!(
                matches!(
                    parse_inbound(&config, ct, body),
                    Err(WebhookError::BadPayload(_))
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn phones_are_normalised_to_e164() {
        for (raw, expected) in [
            ("+6281234567890", Some("+6281234567890")),
            ("6281234567890", Some("+6281234567890")),
            ("081234567890", Some("+6281234567890")),
            ("0812-3456-7890", Some("+6281234567890")),
            ("+62 812 3456 7890", Some("+6281234567890")),
            ("(0361) 123456", Some("+62361123456")),
            ("006281234567890", Some("+6281234567890")),
            ("+62081234567890", Some("+6281234567890")),
            ("14155550123", Some("+14155550123")),
            ("ID.1234567890", None),
            ("0812abc", None),
            ("12345", None),
            ("+1234567890123456", None),
            ("", None),
        ] {
            assert_eq!(normalise_phone(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn phones_are_written_in_each_style() {
        let e164 = "+6281234567890";
        assert_eq!(format_phone(e164, PhoneStyle::E164).as_deref(), Some(e164));
        assert_eq!(
            format_phone(e164, PhoneStyle::International).as_deref(),
            Some("6281234567890")
        );
        assert_eq!(
            format_phone(e164, PhoneStyle::National).as_deref(),
            Some("081234567890")
        );
        assert_eq!(format_phone("+14155550123", PhoneStyle::National), None);
        assert_eq!(format_phone("081234567890", PhoneStyle::E164), None);
    }

    #[test]
    fn a_foreign_number_is_unreachable_through_a_national_gateway() {
        assert!(matches!(
            recipient("+14155550123", PhoneStyle::National),
            Err(SendError::Unreachable { .. })
        ));
        assert_eq!(
            recipient("081234567890", PhoneStyle::International).unwrap(),
            "6281234567890"
        );
    }

    #[test]
    fn request_bodies_follow_the_presets() {
        let fonnte = GatewayConfig::fonnte("tok").outbound;
        assert_eq!(
            form_body(&fonnte, "6281234567890", "halo"),
            vec![
                ("target", "6281234567890"),
                ("message", "halo"),
                ("countryCode", "62")
            ]
        );
        let wablas = GatewayConfig::wablas("sby", "tok").outbound;
        assert_eq!(wablas.url, "https://sby.wablas.com/api/v2/send-message");
        assert_eq!(
            json_body(&wablas, "6281234567890", "halo"),
            serde_json::json!({"data":[{"phone":"6281234567890","message":"halo"}]})
        );
        let zenziva = GatewayConfig::zenziva("uk", "pk").outbound;
        assert_eq!(
            form_body(&zenziva, "081234567890", "halo"),
            vec![
                ("nohp", "081234567890"),
                ("pesan", "halo"),
                ("userkey", "uk"),
                ("passkey", "pk")
            ]
        );
        assert_eq!(
            GatewayConfig::wablas("http://127.0.0.1:9/", "t")
                .outbound
                .url,
            "http://127.0.0.1:9/api/v2/send-message"
        );
        assert_eq!(
            GatewayConfig::wablas("kudus.wablas.com", "t").outbound.url,
            "https://kudus.wablas.com/api/v2/send-message"
        );
    }

    #[test]
    fn templates_send_their_fallback_text() {
        let body = Body::Template {
            name: "pengingat_posyandu".into(),
            language: "id".into(),
            parameters: vec!["Sari".into()],
            fallback_text: "Ibu Sari, besok posyandu.".into(),
        };
        assert_eq!(outgoing_text(&body), "Ibu Sari, besok posyandu.");
    }

    #[test]
    fn answers_give_ids_or_refusals() {
        let fonnte = GatewayConfig::fonnte("tok").outbound;
        let sent = accepted(
            &fonnte,
            r#"{"id":["80367170"],"status":true,"target":["6281"]}"#,
        );
        assert_eq!(sent.unwrap().provider_message_id, "80367170");
        let refused = accepted(&fonnte, r#"{"status":false,"reason":"invalid token"}"#);
        assert!(matches!(refused, Err(SendError::Permanent { .. })));
        let zenziva = GatewayConfig::zenziva("u", "p").outbound;
        let sent = accepted(
            &zenziva,
            r#"{"messageId":123,"to":"0812","status":"1","text":"Success"}"#,
        );
        assert_eq!(sent.unwrap().provider_message_id, "123");
        let plain = GatewayOutbound {
            id_pointer: None,
            success_pointer: None,
            ..fonnte
        };
        let sent = accepted(&plain, "OK").unwrap();
        assert!(sent.provider_message_id.starts_with("gw-"));
    }

    #[test]
    fn errors_are_classified_by_status() {
        assert!(matches!(
            classify_error(429, "slow down", Some("12")),
            SendError::Temporary { retry_after: Some(d), .. } if d == Duration::from_secs(12)
        ));
        assert!(matches!(
            classify_error(503, "", None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(408, "", None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(400, "bad", None),
            SendError::Permanent { .. }
        ));
        assert!(matches!(
            classify_error(401, "", None),
            SendError::Permanent { .. }
        ));
    }

    #[test]
    fn details_do_not_carry_phone_numbers() {
        let detail = redact_detail("target 6281234567890 invalid, quota 12345");
        assert_eq!(detail, "target [number] invalid, quota 12345");
        assert!(redact_detail(&"x".repeat(1000)).chars().count() <= 300);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(
            parse_retry_after(Some(" 30 ")),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after(None), None);
        assert_eq!(parse_retry_after(Some("soon")), None);
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        let later = (Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
        let wait = parse_retry_after(Some(&later)).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate_chars("halo", 4), "halo");
        assert_eq!(truncate_chars("halo!", 4), "hal…");
        let emoji = "🙏".repeat(10);
        let cut = truncate_chars(&emoji, 5);
        assert_eq!(cut.chars().count(), 5);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_config_reads_with_defaults_and_hides_secrets() {
        // TOML and JSON go through the same derive; JSON keeps this test
        // free of a TOML dependency.
        let config: GatewayConfig = serde_json::from_value(serde_json::json!({
            "name": "relay",
            "inbound": {"secret": "s3cret"},
            "outbound": {
                "url": "https://relay.example/send",
                "format": "form",
                "auth_header": ["Authorization", "tok3n"],
                "phone_style": "national",
                "extra_fields": [["passkey", "p4ss"]]
            }
        }))
        .unwrap();
        assert_eq!(config.inbound.signature_header, DEFAULT_SIGNATURE_HEADER);
        assert_eq!(config.inbound.from_field, "from");
        assert_eq!(config.outbound.format, BodyFormat::Form);
        assert_eq!(config.outbound.phone_style, PhoneStyle::National);
        assert_eq!(config.outbound.to_field, "to");
        assert!(!config.outbound.wrap_in_data_array);
        let debug = format!("{config:?}");
        for secret in ["s3cret", "tok3n", "p4ss"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("passkey"));
    }
}
