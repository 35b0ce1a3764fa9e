//! WhatsApp Cloud API (Meta Graph API): the webhook handshake and
//! signature, reading deliveries, sending text and templates.
//!
//! Decisions the pipeline relies on:
//! - `Inbound::from` is what Meta gives: the sender's number as digits
//!   without a plus (`6281…`). A user who hides the number behind a
//!   username comes with a business-scoped user id only (`from_user_id`,
//!   e.g. `ID.1234…`); then `from` is that id (see [`is_user_id`]), so the
//!   message is not lost, and a reply to it goes out as `recipient`.
//! - A message without an id, or without any sender, is skipped (logged),
//!   not refused: refusing would make Meta redeliver the whole batch for
//!   days, valid messages included.
//! - Statuses other than sent/delivered/read/failed are skipped.
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::gateway::{
    normalise_phone, read_answer, redact_detail, redacted, secrets_equal, truncate_chars,
    verify_sha256_hex,
};
use super::{
    Body, Delivery, DeliveryState, Inbound, Outgoing, SendError, Sent, StatusUpdate, WebhookError,
};

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v21.0";
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// Meta's limit for a text body, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Meta allows about one message every 6 s to the same user (131056).
const PAIR_RATE_WAIT: Duration = Duration::from_secs(6);

#[derive(Clone, Deserialize)]
pub struct WhatsAppConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_api_version")]
    pub api_version: String,
    pub phone_number_id: String,
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}
fn default_api_version() -> String {
    DEFAULT_API_VERSION.to_owned()
}

impl WhatsAppConfig {
    /// Meta's Graph API at the default version.
    pub fn new(
        phone_number_id: impl Into<String>,
        access_token: impl Into<String>,
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
    ) -> WhatsAppConfig {
        WhatsAppConfig {
            base_url: default_base_url(),
            api_version: default_api_version(),
            phone_number_id: phone_number_id.into(),
            access_token: access_token.into(),
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
        }
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/{}/{}/messages",
            self.base_url.trim_end_matches('/'),
            self.api_version.trim_matches('/'),
            self.phone_number_id
        )
    }
}

impl fmt::Debug for WhatsAppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WhatsAppConfig")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &redacted(&self.access_token))
            .field("app_secret", &redacted(&self.app_secret))
            .field("verify_token", &redacted(&self.verify_token))
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Webhook verification

/// The `GET` handshake: answer 200 with the returned challenge as plain
/// text; `BadSignature` (403) when the mode is not `subscribe` or the token
/// differs, `BadPayload` (400) when the challenge is missing.
pub fn verify_handshake(query: &str, verify_token: &str) -> Result<String, WebhookError> {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(query.trim_start_matches('?'))
            .map_err(|e| WebhookError::BadPayload(format!("query: {e}")))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("hub.mode") != Some("subscribe") {
        return Err(WebhookError::BadSignature);
    }
    let token = get("hub.verify_token").ok_or(WebhookError::BadSignature)?;
    if verify_token.is_empty() || !secrets_equal(token, verify_token) {
        return Err(WebhookError::BadSignature);
    }
    // The challenge is echoed back: keep it to what Meta sends (a number).
    get("hub.challenge")
        .filter(|c| !c.is_empty() && c.len() <= 128 && c.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| WebhookError::BadPayload("no usable hub.challenge".into()))
}

/// `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body with
/// the app secret, compared in constant time. Check before parsing.
pub fn verify_signature(
    raw_body: &[u8],
    header: Option<&str>,
    app_secret: &str,
) -> Result<(), WebhookError> {
    verify_sha256_hex(raw_body, header, app_secret)
}

/// The `X-Hub-Signature-256` value Meta would send (for tests and tools).
pub fn sign(raw_body: &[u8], app_secret: &str) -> String {
    super::gateway::sign(raw_body, app_secret)
}

/// A business-scoped user id (`ID.1234…`, `US.ENT.1234…`) rather than a
/// phone number: two capital letters, a dot, letters, digits and dots.
pub fn is_user_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() > 3
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2] == b'.'
        && bytes[3..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.')
}

// ---------------------------------------------------------------------------
// Deliveries

#[derive(Deserialize)]
struct Envelope {
    object: Option<String>,
    entry: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    changes: Option<Vec<Change>>,
}

#[derive(Deserialize)]
struct Change {
    field: Option<String>,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize, Default)]
struct ChangeValue {
    metadata: Option<Metadata>,
    contacts: Option<Vec<Contact>>,
    messages: Option<Vec<Value>>,
    statuses: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Metadata {
    display_phone_number: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: Option<String>,
    user_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct MessageHead {
    from: Option<String>,
    from_user_id: Option<String>,
    id: Option<String>,
    timestamp: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<TextPart>,
    button: Option<ButtonPart>,
    interactive: Option<InteractivePart>,
}

#[derive(Deserialize)]
struct TextPart {
    body: Option<String>,
}

#[derive(Deserialize)]
struct ButtonPart {
    text: Option<String>,
}

#[derive(Deserialize)]
struct InteractivePart {
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize)]
struct Reply {
    title: Option<String>,
}

#[derive(Deserialize)]
struct StatusHead {
    id: Option<String>,
    status: Option<String>,
    timestamp: Option<Value>,
    errors: Option<Vec<ErrorPart>>,
}

#[derive(Deserialize)]
struct ErrorPart {
    code: Option<Value>,
    title: Option<String>,
    message: Option<String>,
}

/// Everything one webhook delivery carries, in payload order. Changes for
/// other webhook fields (template status, account updates) are ignored.
pub fn parse_delivery(raw_body: &[u8]) -> Result<Delivery, WebhookError> {
    let envelope: Envelope = serde_json::from_slice(raw_body)
        .map_err(|e| WebhookError::BadPayload(format!("not a WhatsApp webhook: {e}")))?;
    if envelope.object.as_deref() != Some("whatsapp_business_account") {
        return Err(WebhookError::BadPayload(
            "object is not whatsapp_business_account".into(),
        ));
    }
    let mut delivery = Delivery::default();
    for entry in envelope.entry.unwrap_or_default() {
        for change in entry.changes.unwrap_or_default() {
            read_change(change, &mut delivery)?;
        }
    }
    Ok(delivery)
}

fn read_change(change: Change, delivery: &mut Delivery) -> Result<(), WebhookError> {
    if change.field.as_deref().is_some_and(|f| f != "messages") || change.value.is_null() {
        return Ok(());
    }
    let value: ChangeValue = serde_json::from_value(change.value)
        .map_err(|e| WebhookError::BadPayload(format!("change value: {e}")))?;
    let to = value.metadata.and_then(|m| m.display_phone_number);
    let contacts = value.contacts.unwrap_or_default();
    for raw in value.messages.unwrap_or_default() {
        match read_message(raw, to.as_deref(), &contacts) {
            Ok(inbound) => delivery.messages.push(inbound),
            Err(reason) => tracing::warn!(reason, "skipped a WhatsApp message"),
        }
    }
    for raw in value.statuses.unwrap_or_default() {
        match read_status(raw) {
            Ok(Some(status)) => delivery.statuses.push(status),
            Ok(None) => {}
            Err(reason) => tracing::warn!(reason, "skipped a WhatsApp status"),
        }
    }
    Ok(())
}

fn read_message(
    raw: Value,
    to: Option<&str>,
    contacts: &[Contact],
) -> Result<Inbound, &'static str> {
    let head: MessageHead =
        serde_json::from_value(raw.clone()).map_err(|_| "unreadable message")?;
    let provider_message_id = head.id.clone().filter(|id| !id.is_empty()).ok_or("no id")?;
    let from = head
        .from
        .clone()
        .filter(|f| !f.is_empty())
        .or_else(|| head.from_user_id.clone().filter(|u| !u.is_empty()))
        .ok_or("no sender")?;
    let kind = head.kind.clone().unwrap_or_else(|| "unknown".to_owned());
    Ok(Inbound {
        provider_message_id,
        text: person_text(&head, &kind),
        profile_name: profile_name(&head, contacts),
        sent_at: head.timestamp.as_ref().and_then(epoch_seconds),
        from,
        to: to.map(str::to_owned),
        kind,
        raw,
    })
}

/// The words a person typed or chose: text bodies, quick-reply buttons,
/// interactive button and list replies. Captions and the rest stay in `raw`.
fn person_text(head: &MessageHead, kind: &str) -> Option<String> {
    match kind {
        "text" => head.text.as_ref()?.body.clone(),
        "button" => head.button.as_ref()?.text.clone(),
        "interactive" => {
            let interactive = head.interactive.as_ref()?;
            interactive
                .button_reply
                .as_ref()
                .or(interactive.list_reply.as_ref())?
                .title
                .clone()
        }
        _ => None,
    }
}

/// The contact for this sender: by phone (`wa_id`), by user id, or the only
/// contact there is (Meta notes that `wa_id` and `from` may differ).
fn profile_name(head: &MessageHead, contacts: &[Contact]) -> Option<String> {
    let by_phone = |c: &&Contact| head.from.is_some() && c.wa_id == head.from;
    let by_user = |c: &&Contact| head.from_user_id.is_some() && c.user_id == head.from_user_id;
    let contact = contacts
        .iter()
        .find(by_phone)
        .or_else(|| contacts.iter().find(by_user))
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        })?;
    contact.profile.as_ref()?.name.clone()
}

fn read_status(raw: Value) -> Result<Option<StatusUpdate>, &'static str> {
    let head: StatusHead = serde_json::from_value(raw).map_err(|_| "unreadable status")?;
    let provider_message_id = head.id.filter(|id| !id.is_empty()).ok_or("no id")?;
    let state = match head.status.as_deref() {
        Some("sent") => DeliveryState::Sent,
        Some("delivered") => DeliveryState::Delivered,
        Some("read") => DeliveryState::Read,
        Some("failed") => DeliveryState::Failed,
        _ => return Ok(None),
    };
    let first_error = head.errors.and_then(|e| e.into_iter().next());
    Ok(Some(StatusUpdate {
        provider_message_id,
        state,
        at: head.timestamp.as_ref().and_then(epoch_seconds),
        error_code: first_error
            .as_ref()
            .and_then(|e| e.code.as_ref())
            .and_then(code_string),
        error_title: first_error.and_then(|e| e.title.or(e.message)),
    }))
}

/// Meta writes epoch seconds as a string; a number is accepted too.
fn epoch_seconds(value: &Value) -> Option<DateTime<Utc>> {
    let seconds = match value {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp(seconds, 0)
}

fn code_string(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Sending

/// The Graph request body. The recipient is written as digits without a
/// plus (`to`), or as `recipient` for a business-scoped user id. Text is
/// cut to 4,096 characters (ending with `…`). A template without
/// parameters has no `components` (Meta refuses an empty parameter list).
pub fn send_request_body(out: &Outgoing) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
    });
    if is_user_id(out.to.trim()) {
        body["recipient"] = json!(out.to.trim());
    } else {
        body["to"] = json!(wa_digits(&out.to));
    }
    match &out.body {
        Body::Text(text) => {
            body["type"] = json!("text");
            body["text"] = json!({
                "body": truncate_chars(text, MAX_TEXT_CHARS),
                "preview_url": false,
            });
        }
        Body::Template {
            name,
            language,
            parameters,
            ..
        } => {
            body["type"] = json!("template");
            body["template"] = template(name, language, parameters);
        }
    }
    body
}

fn template(name: &str, language: &str, parameters: &[String]) -> Value {
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !parameters.is_empty() {
        let parameters: Vec<Value> = parameters
            .iter()
            .map(|p| json!({ "type": "text", "text": p }))
            .collect();
        template["components"] = json!([{ "type": "body", "parameters": parameters }]);
    }
    template
}

/// `+62 812-…` → `62812…`; what cannot be read as a number is sent as its
/// digits and left to Meta to refuse.
fn wa_digits(to: &str) -> String {
    match normalise_phone(to) {
        Some(e164) => e164.trim_start_matches('+').to_owned(),
        None => to.chars().filter(char::is_ascii_digit).collect(),
    }
}

/// What to do about a Graph error. The `code` decides when it is known;
/// otherwise the HTTP status (429 and 5xx temporary). `Retry-After` is
/// honoured; a pair-rate error (131056) without one waits 6 s.
pub fn classify_error(http_status: u16, body: &str, retry_after: Option<&str>) -> SendError {
    let error = graph_error(body);
    let code = error
        .code
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("http_{http_status}"));
    let detail = error
        .message
        .map(|m| redact_detail(&m))
        .unwrap_or_else(|| redact_detail(body));
    let retry_after = super::gateway::parse_retry_after(retry_after)
        .or_else(|| (error.code == Some(131056)).then_some(PAIR_RATE_WAIT));
    match error.code.and_then(class_of_code) {
        Some(Class::Temporary) => SendError::Temporary {
            code,
            detail,
            retry_after,
        },
        Some(Class::Unreachable) => SendError::Unreachable { code, detail },
        Some(Class::Permanent) => SendError::Permanent { code, detail },
        None if super::gateway::is_temporary_status(http_status) => SendError::Temporary {
            code,
            detail,
            retry_after,
        },
        None => SendError::Permanent { code, detail },
    }
}

enum Class {
    Temporary,
    Unreachable,
    Permanent,
}

/// Meta's codes (WhatsApp error-code reference). Unknown codes return
/// `None` and the HTTP status decides.
fn class_of_code(code: i64) -> Option<Class> {
    match code {
        // Throttling, "try again later", Meta-side trouble.
        1 | 2 | 4 | 17 | 341 | 613 | 80007 | 130429 | 131000 | 131016 | 131048 | 131049
        | 131056 | 131057 | 133004 => Some(Class::Temporary),
        // Not on WhatsApp / cannot receive: fall back to SMS.
        131026 => Some(Class::Unreachable),
        // Credentials, permissions, bad parameters, the 24-hour window
        // (131047), templates (132xxx), account state.
        0
        | 3
        | 10
        | 100
        | 190
        | 200..=299
        | 368
        | 470
        | 131005
        | 131008
        | 131009
        | 131021
        | 131031
        | 131042
        | 131047
        | 131051
        | 132000..=132999
        | 133010 => Some(Class::Permanent),
        _ => None,
    }
}

#[derive(Default)]
struct GraphError {
    code: Option<i64>,
    message: Option<String>,
}

/// `{"error":{"code":…,"message":…,"error_subcode":…,"error_data":{"details":…}}}`;
/// some proxies write the code as a string.
fn graph_error(body: &str) -> GraphError {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return GraphError::default();
    };
    let error = &value["error"];
    let code = match &error["code"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let message =
        error["message"]
            .as_str()
            .map(|m| match error["error_data"]["details"].as_str() {
                Some(details) => format!("{m}: {details}"),
                None => m.to_owned(),
            });
    GraphError { code, message }
}

/// Sends one message. Transport errors and the client's timeout are
/// temporary (set the timeout on the `reqwest::Client`). A 2xx answer
/// without `messages[0].id` still counts as sent (Meta took it; a retry
/// would send it twice) under a `wa-unknown-<uuid>` id.
pub async fn send(
    http: &reqwest::Client,
    config: &WhatsAppConfig,
    out: &Outgoing,
) -> Result<Sent, SendError> {
    check_recipient(&out.to)?;
    let request = http
        .post(config.messages_url())
        .bearer_auth(&config.access_token)
        .json(&send_request_body(out));
    let answer = read_answer(request).await?;
    if !answer.is_success() {
        return Err(classify_error(
            answer.status,
            &answer.body,
            answer.retry_after.as_deref(),
        ));
    }
    let id = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|v| v.pointer("/messages/0/id")?.as_str().map(str::to_owned))
        .filter(|id| !id.is_empty());
    Ok(Sent {
        provider_message_id: id.unwrap_or_else(|| {
            tracing::warn!("WhatsApp accepted a message without giving its id");
            format!("wa-unknown-{}", uuid::Uuid::new_v4())
        }),
    })
}

fn check_recipient(to: &str) -> Result<(), SendError> {
    if is_user_id(to.trim()) || normalise_phone(to).is_some() {
        Ok(())
    } else {
        Err(SendError::Unreachable {
            code: "invalid_recipient".into(),
            detail: "the recipient is neither a phone number nor a WhatsApp user id".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "app-secret-for-tests";

    fn text_message(from: &str, id: &str, body: &str) -> Value {
        json!({"from": from, "id": id, "timestamp": "1700000000", "type": "text", "text": {"body": body}})
    }

    fn webhook(changes: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": changes}]
        }))
        .unwrap()
    }

    fn value(messages: Value, contacts: Value) -> Value {
        json!({
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "6281100001111", "phone_number_id": "PNID"},
                "contacts": contacts,
                "messages": messages
            }
        })
    }

    #[test]
    fn handshake_answers_the_challenge() {
        let q = "hub.mode=subscribe&hub.verify_token=rahasia&hub.challenge=1158201444";
        assert_eq!(verify_handshake(q, "rahasia").unwrap(), "1158201444");
        assert_eq!(
            verify_handshake(&format!("?{q}"), "rahasia").unwrap(),
            "1158201444"
        );
    }

    #[test]
    fn handshake_refuses_a_wrong_token_or_mode() {
        let wrong_token = "hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1";
        assert_eq!(
            verify_handshake(wrong_token, "rahasia"),
            Err(WebhookError::BadSignature)
        );
        let wrong_mode = "hub.mode=unsubscribe&hub.verify_token=rahasia&hub.challenge=1";
        assert_eq!(
            verify_handshake(wrong_mode, "rahasia"),
            Err(WebhookError::BadSignature)
        );
        let no_token = "hub.mode=subscribe&hub.challenge=1";
        assert_eq!(
            verify_handshake(no_token, "rahasia"),
            Err(WebhookError::BadSignature)
        );
        let empty_config = "hub.mode=subscribe&hub.verify_token=&hub.challenge=1";
        assert_eq!(
            verify_handshake(empty_config, ""),
            Err(WebhookError::BadSignature)
        );
        let no_challenge = "hub.mode=subscribe&hub.verify_token=rahasia";
        assert!(matches!(
            verify_handshake(no_challenge, "rahasia"),
            Err(WebhookError::BadPayload(_))
        ));
        let script = "hub.mode=subscribe&hub.verify_token=rahasia&hub.challenge=%3Cscript%3E%20x";
        assert!(matches!(
            verify_handshake(script, "rahasia"),
            Err(WebhookError::BadPayload(_))
        ));
    }

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let body = webhook(json!([value(
            json!([text_message("6281234567890", "wamid.1", "halo")]),
            json!([])
        )]));
        let header = sign(&body, SECRET);
        assert_eq!(verify_signature(&body, Some(&header), SECRET), Ok(()));
        assert_eq!(
            verify_signature(&body, Some(&header), "another-secret"),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(&body, None, SECRET),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(&body, Some("sha256=nothex"), SECRET),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(&body, Some(&header[7..]), SECRET),
            Err(WebhookError::BadSignature)
        );
        // Pretty-printing the same JSON changes the bytes, so the signature.
        let pretty =
            serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
        assert_eq!(
            verify_signature(&pretty, Some(&header), SECRET),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn a_known_signature_vector_matches() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'app-secret-for-tests',
        //   b'{\"object\":\"whatsapp_business_account\",\"entry\":[]}',hashlib.sha256).hexdigest())"
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        assert_eq!(
            sign(body, SECRET),
            "sha256=1ca363dab318df784e1963b29dca91e2098e6cf2fbf0d3c14e09580a90684a61"
        );
    }

    #[test]
    fn a_text_message_is_read_whole() {
        let body = webhook(json!([value(
            json!([text_message("6281234567890", "wamid.A", "TIMBANG 1234 9,5")]),
            json!([{"profile": {"name": "Ibu Sari"}, "wa_id": "6281234567890"}])
        )]));
        let delivery = parse_delivery(&body).unwrap();
        assert_eq!(delivery.statuses, vec![]);
        let [message] = delivery.messages.as_slice() else {
            panic!("{delivery:?}")
        };
        assert_eq!(message.provider_message_id, "wamid.A");
        assert_eq!(message.from, "6281234567890");
        assert_eq!(message.to.as_deref(), Some("6281100001111"));
        assert_eq!(message.text.as_deref(), Some("TIMBANG 1234 9,5"));
        assert_eq!(message.kind, "text");
        assert_eq!(message.sent_at, DateTime::from_timestamp(1_700_000_000, 0));
        assert_eq!(message.profile_name.as_deref(), Some("Ibu Sari"));
        assert_eq!(message.raw["id"], "wamid.A");
        assert_eq!(message.raw["text"]["body"], "TIMBANG 1234 9,5");
    }

    #[test]
    fn several_entries_changes_and_messages_come_in_order() {
        let body = serde_json::to_vec(&json!({
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "W1", "changes": [
                    value(json!([
                        text_message("6281111111111", "wamid.1", "satu"),
                        text_message("6282222222222", "wamid.2", "dua")
                    ]), json!([
                        {"profile": {"name": "Ani"}, "wa_id": "6281111111111"},
                        {"profile": {"name": "Budi"}, "wa_id": "6282222222222"}
                    ])),
                    {"field": "message_template_status_update", "value": {"event": "APPROVED", "messages": "not a list"}}
                ]},
                {"id": "W2", "changes": [
                    value(json!([text_message("6283333333333", "wamid.3", "tiga")]), json!([])),
                    {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
                        {"id": "wamid.OUT", "status": "delivered", "timestamp": "1700000100", "recipient_id": "6281111111111"}
                    ]}}
                ]}
            ]
        }))
        .unwrap();
        let delivery = parse_delivery(&body).unwrap();
        let ids: Vec<&str> = delivery
            .messages
            .iter()
            .map(|m| m.provider_message_id.as_str())
            .collect();
        assert_eq!(ids, ["wamid.1", "wamid.2", "wamid.3"]);
        let names: Vec<Option<&str>> = delivery
            .messages
            .iter()
            .map(|m| m.profile_name.as_deref())
            .collect();
        assert_eq!(names, [Some("Ani"), Some("Budi"), None]);
        assert_eq!(delivery.statuses.len(), 1);
        assert_eq!(delivery.statuses[0].state, DeliveryState::Delivered);
    }

    #[test]
    fn statuses_carry_their_first_error() {
        let body = webhook(json!([{"field": "messages", "value": {"statuses": [
            {"id": "wamid.S1", "status": "sent", "timestamp": "1700000001"},
            {"id": "wamid.S2", "status": "failed", "timestamp": 1700000002, "recipient_id": "6281",
             "errors": [{"code": 131026, "title": "Message undeliverable"}, {"code": 1, "title": "other"}]},
            {"id": "wamid.S3", "status": "read"},
            {"id": "wamid.S4", "status": "deleted"},
            {"status": "delivered"}
        ]}}]));
        let statuses = parse_delivery(&body).unwrap().statuses;
        assert_eq!(statuses.len(), 3);
        assert_eq!(statuses[0].state, DeliveryState::Sent);
        assert_eq!(statuses[0].at, DateTime::from_timestamp(1_700_000_001, 0));
        assert_eq!(statuses[1].state, DeliveryState::Failed);
        assert_eq!(statuses[1].at, DateTime::from_timestamp(1_700_000_002, 0));
        assert_eq!(statuses[1].error_code.as_deref(), Some("131026"));
        assert_eq!(
            statuses[1].error_title.as_deref(),
            Some("Message undeliverable")
        );
        assert_eq!(statuses[2].state, DeliveryState::Read);
        assert_eq!(statuses[2].at, None);
        assert_eq!(statuses[2].error_code, None);
    }

    #[test]
    fn non_text_messages_come_through_with_their_kind() {
        let base = |kind: &str, part: Value| {
            let mut m = json!({"from": "6281234567890", "id": format!("wamid.{kind}"), "timestamp": "1700000000", "type": kind});
            m[kind] = part;
            m
        };
        let messages = json!([
            base("image", json!({"id": "MEDIA1", "mime_type": "image/jpeg", "caption": "foto KMS"})),
            base("audio", json!({"id": "MEDIA2", "voice": true})),
            base("video", json!({"id": "MEDIA3"})),
            base("document", json!({"id": "MEDIA4", "filename": "kms.pdf"})),
            base("location", json!({"latitude": -8.65, "longitude": 115.2})),
            base("sticker", json!({"id": "MEDIA5"})),
            base("reaction", json!({"message_id": "wamid.X", "emoji": "👍"})),
            base("button", json!({"payload": "YA", "text": "Ya, datang"})),
            base("interactive", json!({"type": "button_reply", "button_reply": {"id": "b1", "title": "Hadir"}})),
            base("interactive", json!({"type": "list_reply", "list_reply": {"id": "l1", "title": "Posyandu Melati", "description": "…"}})),
            {"from": "6281234567890", "id": "wamid.unsupported", "timestamp": "1700000000", "type": "unsupported",
             "errors": [{"code": 131051, "title": "Message type unknown"}]},
            {"from": "6281234567890", "id": "wamid.notype"}
        ]);
        let delivery = parse_delivery(&webhook(json!([value(messages, json!([]))]))).unwrap();
        let seen: Vec<(&str, Option<&str>)> = delivery
            .messages
            .iter()
            .map(|m| (m.kind.as_str(), m.text.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("image", None),
                ("audio", None),
                ("video", None),
                ("document", None),
                ("location", None),
                ("sticker", None),
                ("reaction", None),
                ("button", Some("Ya, datang")),
                ("interactive", Some("Hadir")),
                ("interactive", Some("Posyandu Melati")),
                ("unsupported", None),
                ("unknown", None),
            ]
        );
        assert_eq!(delivery.messages[0].raw["image"]["caption"], "foto KMS");
    }

    #[test]
    fn a_user_known_only_by_user_id_keeps_it_as_from() {
        let messages = json!([
            {"from_user_id": "ID.1410018717833190", "id": "wamid.U1", "timestamp": "1700000000", "type": "text", "text": {"body": "halo"}},
            {"from": "6281234567890", "from_user_id": "ID.999", "id": "wamid.U2", "timestamp": "1700000000", "type": "text", "text": {"body": "hai"}},
            {"id": "wamid.nobody", "type": "text", "text": {"body": "?"}},
            {"from": "6281234567890", "type": "text", "text": {"body": "no id"}}
        ]);
        let contacts = json!([
            {"profile": {"name": "Ibu Username"}, "user_id": "ID.1410018717833190"},
            {"profile": {"name": "Ibu Nomor"}, "wa_id": "6281234567890", "user_id": "ID.999"}
        ]);
        let delivery = parse_delivery(&webhook(json!([value(messages, contacts)]))).unwrap();
        assert_eq!(
            delivery.messages.len(),
            2,
            "messages without id or sender are skipped"
        );
        assert_eq!(delivery.messages[0].from, "ID.1410018717833190");
        assert!(is_user_id(&delivery.messages[0].from));
        assert_eq!(
            delivery.messages[0].profile_name.as_deref(),
            Some("Ibu Username")
        );
        assert_eq!(delivery.messages[1].from, "6281234567890");
        assert_eq!(
            delivery.messages[1].profile_name.as_deref(),
            Some("Ibu Nomor")
        );
    }

    #[test]
    fn malformed_deliveries_are_bad_payloads() {
        for body in [
            b"not json".as_slice(),
            b"{\"object\":\"whatsapp_business_account\",\"entry\":".as_slice(),
            b"{\"object\":\"page\",\"entry\":[]}".as_slice(),
            b"{\"entry\":[]}".as_slice(),
            b"{\"object\":\"whatsapp_business_account\",\"entry\":{}}".as_slice(),
            b"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"messages\":{}}}]}]}".as_slice(),
        ] {
            assert!(
                matches!(parse_delivery(body), Err(WebhookError::BadPayload(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let empty =
            parse_delivery(br#"{"object":"whatsapp_business_account","entry":[],"extra":1}"#)
                .unwrap();
        assert_eq!(empty, Delivery::default());
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut message = text_message("6281234567890", "wamid.N", "halo");
        message["context"] = json!({"forwarded": true});
        message["brand_new_field"] = json!({"anything": [1, 2, 3]});
        let body = webhook(json!([value(
            json!([message]),
            json!([{"wa_id": "6281234567890", "identity_key_hash": "x"}])
        )]));
        let delivery = parse_delivery(&body).unwrap();
        assert_eq!(delivery.messages[0].text.as_deref(), Some("halo"));
        assert_eq!(delivery.messages[0].profile_name, None);
    }

    #[test]
    fn a_text_request_uses_digits_without_plus() {
        let out = Outgoing {
            to: "+62 812-3456-7890".into(),
            body: Body::Text("Halo Ibu".into()),
        };
        assert_eq!(
            send_request_body(&out),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "6281234567890",
                "type": "text",
                "text": {"body": "Halo Ibu", "preview_url": false}
            })
        );
        let national = Outgoing {
            to: "081234567890".into(),
            body: Body::Text("x".into()),
        };
        assert_eq!(send_request_body(&national)["to"], "6281234567890");
    }

    #[test]
    fn a_user_id_is_sent_as_recipient() {
        let out = Outgoing {
            to: "ID.1410018717833190".into(),
            body: Body::Text("Halo".into()),
        };
        let body = send_request_body(&out);
        assert_eq!(body["recipient"], "ID.1410018717833190");
        assert!(body.get("to").is_none());
        assert!(check_recipient("ID.1410018717833190").is_ok());
        assert!(matches!(
            check_recipient("bukan nomor"),
            Err(SendError::Unreachable { .. })
        ));
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let text = "é".repeat(MAX_TEXT_CHARS) + "🙏🙏";
        let out = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Text(text),
        };
        let body = send_request_body(&out);
        let sent = body["text"]["body"].as_str().unwrap();
        assert_eq!(sent.chars().count(), MAX_TEXT_CHARS);
        assert!(sent.ends_with('…'));
        let exact = "a".repeat(MAX_TEXT_CHARS);
        let out = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Text(exact.clone()),
        };
        assert_eq!(send_request_body(&out)["text"]["body"], exact.as_str());
    }

    #[test]
    fn a_template_request_carries_its_parameters() {
        let out = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Template {
                name: "pengingat_posyandu".into(),
                language: "id".into(),
                parameters: vec!["Sari".into(), "Selasa, 5 Mei".into()],
                fallback_text: "unused".into(),
            },
        };
        assert_eq!(
            send_request_body(&out),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "6281234567890",
                "type": "template",
                "template": {
                    "name": "pengingat_posyandu",
                    "language": {"code": "id"},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": "Sari"},
                        {"type": "text", "text": "Selasa, 5 Mei"}
                    ]}]
                }
            })
        );
        let bare = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Template {
                name: "hello".into(),
                language: "id".into(),
                parameters: vec![],
                fallback_text: String::new(),
            },
        };
        assert!(
            send_request_body(&bare)["template"]
                .get("components")
                .is_none()
        );
    }

    fn graph(code: i64, message: &str) -> String {
        json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "X"}}).to_string()
    }

    #[test]
    fn throttling_is_temporary() {
        for code in [130429, 131056, 131048, 80007, 4, 2] {
            assert!(
                matches!(
                    classify_error(400, &graph(code, "limit"), None),
                    SendError::Temporary { .. }
                ),
                "{code}"
            );
        }
        match classify_error(400, &graph(131056, "pair rate limit hit"), None) {
            SendError::Temporary {
                code, retry_after, ..
            } => {
                assert_eq!(code, "131056");
                assert_eq!(retry_after, Some(Duration::from_secs(6)));
            }
            other => panic!("{other:?}"),
        }
        match classify_error(429, &graph(130429, "Rate limit hit"), Some("30")) {
            SendError::Temporary { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(30)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_errors_and_429_without_a_known_code_are_temporary() {
        assert!(matches!(
            classify_error(503, "Service Unavailable", None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(500, &graph(999999, "?"), None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(429, "", Some("5")),
            SendError::Temporary {
                retry_after: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn undeliverable_is_unreachable_and_the_rest_permanent() {
        assert_eq!(
            classify_error(400, &graph(131026, "Message undeliverable"), None),
            SendError::Unreachable {
                code: "131026".into(),
                detail: "Message undeliverable".into()
            }
        );
        for code in [131047, 190, 100, 132001, 10] {
            assert!(
                matches!(classify_error(400, &graph(code, "no"), None), SendError::Permanent { code: c, .. } if c == code.to_string()),
                "{code}"
            );
        }
        assert!(
            matches!(classify_error(401, "<html>", None), SendError::Permanent { code, .. } if code == "http_401")
        );
        let string_code = r#"{"error":{"code":"131026","message":"undeliverable"}}"#;
        assert!(matches!(
            classify_error(400, string_code, None),
            SendError::Unreachable { .. }
        ));
    }

    #[test]
    fn error_details_drop_phone_numbers() {
        let body = json!({"error": {"code": 100, "message": "Invalid parameter",
            "error_data": {"details": "to 6281234567890 is not valid"}}})
        .to_string();
        match classify_error(400, &body, None) {
            SendError::Permanent { detail, .. } => {
                assert_eq!(detail, "Invalid parameter: to [number] is not valid");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_hides_the_secrets() {
        let config = WhatsAppConfig::new("PNID", "EAAtoken", "appsecret", "verifytoken");
        let debug = format!("{config:?}");
        assert!(debug.contains("PNID"));
        for secret in ["EAAtoken", "appsecret", "verifytoken"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert_eq!(
            config.messages_url(),
            "https://graph.facebook.com/v21.0/PNID/messages"
        );
    }
}
