//! Twilio SMS: webhook signatures, inbound messages and status callbacks,
//! sending through the Messages resource.
//!
//! Decisions the pipeline relies on:
//! - `Inbound::from` is Twilio's `From` as given: E.164 with a plus.
//! - Status callbacks: `sent` → Sent, `delivered` → Delivered, `read` →
//!   Read, `undelivered`, `failed` and `canceled` → Failed. `accepted`,
//!   `scheduled`, `queued` and `sending` are not progress beyond what
//!   [`send`] already reported (the message was taken), so
//!   [`parse_status`] returns `None` for them, as for any status it does
//!   not know; the callback should still be answered 200.
//! - Twilio callbacks carry no event time: `StatusUpdate::at` is `None`.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha1::Sha1;
use subtle::ConstantTimeEq;

use super::gateway::{
    form_to_json, is_temporary_status, normalise_phone, outgoing_text, parse_form,
    parse_retry_after, read_answer, redact_detail, redacted, truncate_chars,
};
use super::{DeliveryState, Inbound, Outgoing, SendError, Sent, StatusUpdate, WebhookError};

pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// Twilio refuses longer bodies (error 21617).
pub const MAX_BODY_CHARS: usize = 1600;
const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

#[derive(Clone, Deserialize)]
pub struct TwilioConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// Our number (E.164) or alphanumeric sender id.
    #[serde(default)]
    pub from: Option<String>,
    /// Preferred over `from` when both are set: the service picks the number.
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    #[serde(default)]
    pub status_callback_url: Option<String>,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &redacted(&self.auth_token))
            .field("from", &self.from.as_ref().map(|_| "<set>"))
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("status_callback_url", &self.status_callback_url)
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Signatures

/// `X-Twilio-Signature` for a URL and its POST parameters: the URL, then
/// each parameter name in byte order immediately followed by its value,
/// HMAC-SHA1 with the auth token, Base64. A repeated name contributes each
/// of its distinct values in sorted order, as the official validators do.
pub fn signature(url: &str, params: &[(String, String)], auth_token: &str) -> String {
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        by_name.entry(name).or_default().insert(value);
    }
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (name, values) in by_name {
        for value in values {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
    }
    BASE64.encode(mac.finalize().into_bytes())
}

/// Checks a form webhook. `url` is the full URL Twilio called (scheme,
/// host, path, query) as configured in Twilio, not as a reverse proxy
/// rewrote it. Like Twilio's own validators, the URL is tried with and
/// without its port, since Twilio is not consistent about it.
pub fn verify_signature(
    url: &str,
    form_body: &[u8],
    header: Option<&str>,
    auth_token: &str,
) -> Result<(), WebhookError> {
    let claimed = header.map(str::trim).unwrap_or_default();
    if claimed.is_empty() || auth_token.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    let params = parse_form(form_body).map_err(|_| WebhookError::BadSignature)?;
    // Both candidates are always computed: no early exit to time.
    let mut matched = subtle::Choice::from(0);
    for candidate in port_variants(url) {
        let expected = signature(&candidate, &params, auth_token);
        matched |= expected.as_bytes().ct_eq(claimed.as_bytes());
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// The URL without its port and with one (the scheme's default when it
/// had none), as twilio-python's `remove_port` / `add_port`.
fn port_variants(url: &str) -> [String; 2] {
    let Some((scheme, rest)) = url.split_once("://") else {
        return [url.to_owned(), url.to_owned()];
    };
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let (host, port) = split_port(authority);
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    let port = port.unwrap_or(default_port);
    [
        format!("{scheme}://{host}{tail}"),
        format!("{scheme}://{host}:{port}{tail}"),
    ]
}

/// `host:port` → (`host`, `port`); IPv6 literals keep their brackets.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(i)
            if !authority[i..].contains(']')
                && authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&authority[..i], Some(&authority[i + 1..]))
        }
        _ => (authority, None),
    }
}

// ---------------------------------------------------------------------------
// Webhooks

/// An inbound SMS (or MMS). Unknown parameters are kept in `raw` only.
/// Media without a body is kind `media` with no text.
pub fn parse_inbound(form_body: &[u8]) -> Result<Inbound, WebhookError> {
    let params = parse_form(form_body)?;
    let get = |name: &str| first(&params, name);
    let provider_message_id = get("MessageSid")
        .or_else(|| get("SmsSid"))
        .ok_or_else(|| WebhookError::BadPayload("no MessageSid".into()))?;
    let from = get("From").ok_or_else(|| WebhookError::BadPayload("no From".into()))?;
    let media = get("NumMedia")
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let body = get("Body");
    let (kind, text) = match body {
        Some(b) if media > 0 && b.is_empty() => ("media", None),
        None if media > 0 => ("media", None),
        Some(b) => ("text", Some(b.to_owned())),
        None => ("text", None),
    };
    Ok(Inbound {
        provider_message_id: provider_message_id.to_owned(),
        from: from.to_owned(),
        to: get("To").map(str::to_owned),
        text,
        kind: kind.to_owned(),
        sent_at: None,
        profile_name: None,
        raw: form_to_json(&params),
    })
}

/// A status callback. `None` for states that are not progress (see the
/// module notes).
pub fn parse_status(form_body: &[u8]) -> Result<Option<StatusUpdate>, WebhookError> {
    let params = parse_form(form_body)?;
    let get = |name: &str| first(&params, name);
    let provider_message_id = get("MessageSid")
        .or_else(|| get("SmsSid"))
        .ok_or_else(|| WebhookError::BadPayload("no MessageSid".into()))?;
    let status = get("MessageStatus")
        .or_else(|| get("SmsStatus"))
        .ok_or_else(|| WebhookError::BadPayload("no MessageStatus".into()))?;
    let Some(state) = state_of(status) else {
        return Ok(None);
    };
    let error_code = get("ErrorCode")
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "0")
        .map(str::to_owned);
    let error_title = get("ErrorMessage").map(str::to_owned).or_else(|| {
        error_code
            .as_deref()
            .and_then(known_title)
            .map(str::to_owned)
    });
    Ok(Some(StatusUpdate {
        provider_message_id: provider_message_id.to_owned(),
        state,
        at: None,
        error_code,
        error_title,
    }))
}

fn state_of(status: &str) -> Option<DeliveryState> {
    match status {
        "sent" => Some(DeliveryState::Sent),
        "delivered" => Some(DeliveryState::Delivered),
        "read" => Some(DeliveryState::Read),
        "undelivered" | "failed" | "canceled" => Some(DeliveryState::Failed),
        _ => None,
    }
}

/// Titles for the delivery errors seen most (callbacks send only the code).
fn known_title(code: &str) -> Option<&'static str> {
    Some(match code {
        "30003" => "Unreachable destination handset",
        "30004" => "Message blocked",
        "30005" => "Unknown destination handset",
        "30006" => "Landline or unreachable carrier",
        "30007" => "Message filtered",
        "30008" => "Unknown error",
        "21610" => "Recipient has opted out",
        _ => return None,
    })
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The TwiML answer when the reply goes out separately.
pub fn empty_twiml() -> &'static str {
    EMPTY_TWIML
}

// ---------------------------------------------------------------------------
// Sending

/// Sends one SMS. Templates send their fallback text; bodies are cut to
/// 1,600 characters. Transport errors and the client's timeout are
/// temporary. A 2xx answer without `sid` still counts as sent, under a
/// `tw-unknown-<uuid>` id (a retry would send it twice).
pub async fn send(
    http: &reqwest::Client,
    config: &TwilioConfig,
    out: &Outgoing,
) -> Result<Sent, SendError> {
    let form = request_form(config, out)?;
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        config.base_url.trim_end_matches('/'),
        config.account_sid
    );
    let request = http
        .post(url)
        .basic_auth(&config.account_sid, Some(&config.auth_token))
        .form(&form);
    let answer = read_answer(request).await?;
    if !answer.is_success() {
        return Err(classify_error(
            answer.status,
            &answer.body,
            answer.retry_after.as_deref(),
        ));
    }
    let sid = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|v| v["sid"].as_str().map(str::to_owned))
        .filter(|sid| !sid.is_empty());
    Ok(Sent {
        provider_message_id: sid.unwrap_or_else(|| {
            tracing::warn!("Twilio accepted a message without giving its sid");
            format!("tw-unknown-{}", uuid::Uuid::new_v4())
        }),
    })
}

/// `To`, `MessagingServiceSid` or `From`, `Body`, `StatusCallback`.
pub fn request_form(
    config: &TwilioConfig,
    out: &Outgoing,
) -> Result<Vec<(&'static str, String)>, SendError> {
    let to = normalise_phone(&out.to).ok_or_else(|| SendError::Unreachable {
        code: "invalid_recipient".into(),
        detail: "the recipient is not a phone number".into(),
    })?;
    let sender = match (&config.messaging_service_sid, &config.from) {
        (Some(service), _) => ("MessagingServiceSid", service.clone()),
        (None, Some(from)) => ("From", from.clone()),
        (None, None) => {
            return Err(SendError::Permanent {
                code: "no_sender".into(),
                detail: "neither from nor messaging_service_sid is configured".into(),
            });
        }
    };
    let body = truncate_chars(outgoing_text(&out.body), MAX_BODY_CHARS).into_owned();
    let mut form = vec![("To", to), sender, ("Body", body)];
    if let Some(callback) = &config.status_callback_url {
        form.push(("StatusCallback", callback.clone()));
    }
    Ok(form)
}

/// Twilio's error JSON `{"code":…,"message":…,"status":…}`: opted out
/// (21610), invalid or not mobile (21211, 21614) and unroutable (21612)
/// are unreachable; 20429, HTTP 429 and 5xx temporary (Retry-After
/// honoured); 20003 (authentication) and other 4xx permanent.
pub fn classify_error(http_status: u16, body: &str, retry_after: Option<&str>) -> SendError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let twilio_code = parsed.as_ref().and_then(|v| match &v["code"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let code = twilio_code
        .map(|c| c.to_string())
        .unwrap_or_else(|| format!("http_{http_status}"));
    let detail = parsed
        .as_ref()
        .and_then(|v| v["message"].as_str())
        .map(redact_detail)
        .unwrap_or_else(|| redact_detail(body));
    match twilio_code {
        Some(21610 | 21211 | 21612 | 21614) => SendError::Unreachable { code, detail },
        Some(20429 | 20500 | 20503) => SendError::Temporary {
            code,
            detail,
            retry_after: parse_retry_after(retry_after),
        },
        _ if is_temporary_status(http_status) => SendError::Temporary {
            code,
            detail,
            retry_after: parse_retry_after(retry_after),
        },
        _ => SendError::Permanent { code, detail },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::channels::Body;

    const TOKEN: &str = "12345";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Rows written by tests/reference/twilio_signatures.py with the
    /// official `twilio` package's RequestValidator.
    #[test]
    fn signatures_agree_with_the_official_validator() {
        let table = include_str!("testdata/twilio_signatures.tsv");
        let mut rows = 0;
        for line in table
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let [case, token, url, form, expected, also_valid_url] = cols[..] else {
                panic!("bad row: {line}")
            };
            let params: Vec<(String, String)> = serde_urlencoded::from_str(form).unwrap();
            assert_eq!(signature(url, &params, token), expected, "{case}");
            assert_eq!(
                verify_signature(url, form.as_bytes(), Some(expected), token),
                Ok(()),
                "{case}"
            );
            assert_eq!(
                verify_signature(also_valid_url, form.as_bytes(), Some(expected), token),
                Ok(()),
                "{case} at {also_valid_url}"
            );
            rows += 1;
        }
        assert!(rows >= 10, "only {rows} rows");
    }

    #[test]
    fn the_documented_example_signs_as_twilio_says() {
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            signature(
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params,
                TOKEN
            ),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn wrong_missing_and_reencoded_signatures_are_refused() {
        let url = "https://posyandu.example.id/webhooks/twilio/sms";
        let body = b"MessageSid=SM1&From=%2B6281234567890&Body=halo+bidan";
        let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap();
        let good = signature(url, &params, TOKEN);
        assert_eq!(verify_signature(url, body, Some(&good), TOKEN), Ok(()));
        assert_eq!(
            verify_signature(url, body, None, TOKEN),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(url, body, Some(""), TOKEN),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(url, body, Some(&good), "another-token"),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(url, body, Some(&good), ""),
            Err(WebhookError::BadSignature)
        );
        let other_path = "https://posyandu.example.id/webhooks/twilio/status";
        assert_eq!(
            verify_signature(other_path, body, Some(&good), TOKEN),
            Err(WebhookError::BadSignature)
        );
        // A changed value (a re-encoded body that decodes differently).
        let tampered = b"MessageSid=SM1&From=%2B6281234567890&Body=halo+bidan%21";
        assert_eq!(
            verify_signature(url, tampered, Some(&good), TOKEN),
            Err(WebhookError::BadSignature)
        );
        // The same parameters in another order and encoding are the same
        // request for Twilio's scheme: it signs decoded, sorted values.
        let reordered = b"Body=halo%20bidan&From=%2B6281234567890&MessageSid=SM1";
        assert_eq!(verify_signature(url, reordered, Some(&good), TOKEN), Ok(()));
    }

    #[test]
    fn ports_are_tried_both_ways() {
        assert_eq!(
            port_variants("https://h.example/p?q=1"),
            [
                "https://h.example/p?q=1".to_owned(),
                "https://h.example:443/p?q=1".to_owned()
            ]
        );
        assert_eq!(
            port_variants("http://h.example:8080/p"),
            [
                "http://h.example/p".to_owned(),
                "http://h.example:8080/p".to_owned()
            ]
        );
        assert_eq!(
            port_variants("http://[::1]:8080"),
            ["http://[::1]".to_owned(), "http://[::1]:8080".to_owned()]
        );
        assert_eq!(
            port_variants("http://[::1]/x"),
            ["http://[::1]/x".to_owned(), "http://[::1]:80/x".to_owned()]
        );
    }

    #[test]
    fn repeated_names_use_distinct_sorted_values() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        // twilio-python's tests/unit/test_request_validator.py
        assert_eq!(
            signature(url, &params, TOKEN),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
        let doubled = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "1234"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            signature(url, &doubled, TOKEN),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn an_inbound_sms_is_read_and_unknown_parameters_kept_raw() {
        let body = b"ToCountry=ID&SmsMessageSid=SMabc&NumMedia=0&SmsSid=SMabc&SmsStatus=received\
&Body=TIMBANG+1234+9%2C5&To=%2B6281100001111&NumSegments=1&MessageSid=SMabc\
&AccountSid=AC1&From=%2B6281234567890&ApiVersion=2010-04-01&BrandNewParam=x";
        let inbound = parse_inbound(body).unwrap();
        assert_eq!(inbound.provider_message_id, "SMabc");
        assert_eq!(inbound.from, "+6281234567890");
        assert_eq!(inbound.to.as_deref(), Some("+6281100001111"));
        assert_eq!(inbound.text.as_deref(), Some("TIMBANG 1234 9,5"));
        assert_eq!(inbound.kind, "text");
        assert_eq!(inbound.sent_at, None);
        assert_eq!(inbound.raw["BrandNewParam"], "x");
        assert_eq!(inbound.raw["NumSegments"], "1");
    }

    #[test]
    fn media_without_body_is_media() {
        let body = b"MessageSid=MM1&From=%2B6281234567890&To=%2B62811&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm";
        let inbound = parse_inbound(body).unwrap();
        assert_eq!(inbound.kind, "media");
        assert_eq!(inbound.text, None);
        let with_caption = b"MessageSid=MM2&From=%2B6281234567890&Body=foto+KMS&NumMedia=2";
        let inbound = parse_inbound(with_caption).unwrap();
        assert_eq!(inbound.kind, "text");
        assert_eq!(inbound.text.as_deref(), Some("foto KMS"));
    }

    #[test]
    fn inbound_without_sid_or_sender_is_a_bad_payload() {
        for body in [
            b"From=%2B62811&Body=x".as_slice(),
            b"MessageSid=SM1&Body=x".as_slice(),
        ] {
            assert!(matches!(
                parse_inbound(body),
                Err(WebhookError::BadPayload(_))
            ));
        }
    }

    #[test]
    fn statuses_map_to_delivery_states() {
        let status = |s: &str| {
            parse_status(
                format!("MessageSid=SM1&MessageStatus={s}&AccountSid=AC1&Unknown=1").as_bytes(),
            )
            .unwrap()
            .map(|u| u.state)
        };
        assert_eq!(status("accepted"), None);
        assert_eq!(status("scheduled"), None);
        assert_eq!(status("queued"), None);
        assert_eq!(status("sending"), None);
        assert_eq!(status("sent"), Some(DeliveryState::Sent));
        assert_eq!(status("delivered"), Some(DeliveryState::Delivered));
        assert_eq!(status("read"), Some(DeliveryState::Read));
        assert_eq!(status("undelivered"), Some(DeliveryState::Failed));
        assert_eq!(status("failed"), Some(DeliveryState::Failed));
        assert_eq!(status("canceled"), Some(DeliveryState::Failed));
        assert_eq!(status("something_new"), None);
    }

    #[test]
    fn failed_statuses_carry_the_error_code() {
        let update =
            parse_status(b"MessageSid=SM9&MessageStatus=undelivered&ErrorCode=30003&To=%2B62811")
                .unwrap()
                .unwrap();
        assert_eq!(update.provider_message_id, "SM9");
        assert_eq!(update.error_code.as_deref(), Some("30003"));
        assert_eq!(
            update.error_title.as_deref(),
            Some("Unreachable destination handset")
        );
        assert_eq!(update.at, None);
        let ok = parse_status(b"MessageSid=SM9&MessageStatus=delivered&ErrorCode=")
            .unwrap()
            .unwrap();
        assert_eq!(ok.error_code, None);
        assert!(matches!(
            parse_status(b"MessageSid=SM9"),
            Err(WebhookError::BadPayload(_))
        ));
    }

    #[test]
    fn the_empty_twiml_is_a_response() {
        assert_eq!(
            empty_twiml(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
        );
    }

    fn config() -> TwilioConfig {
        TwilioConfig {
            base_url: DEFAULT_BASE_URL.into(),
            account_sid: "AC00000000000000000000000000000000".into(),
            auth_token: "tok".into(),
            from: Some("+15005550006".into()),
            messaging_service_sid: None,
            status_callback_url: Some("https://posyandu.example.id/webhooks/twilio/status".into()),
        }
    }

    #[test]
    fn the_request_form_has_to_from_body_and_callback() {
        let out = Outgoing {
            to: "0812-3456-7890".into(),
            body: Body::Text("Halo Ibu".into()),
        };
        assert_eq!(
            request_form(&config(), &out).unwrap(),
            vec![
                ("To", "+6281234567890".to_owned()),
                ("From", "+15005550006".to_owned()),
                ("Body", "Halo Ibu".to_owned()),
                (
                    "StatusCallback",
                    "https://posyandu.example.id/webhooks/twilio/status".to_owned()
                ),
            ]
        );
        let service = TwilioConfig {
            messaging_service_sid: Some("MG1".into()),
            status_callback_url: None,
            ..config()
        };
        let template = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Template {
                name: "t".into(),
                language: "id".into(),
                parameters: vec![],
                fallback_text: "Besok posyandu".into(),
            },
        };
        assert_eq!(
            request_form(&service, &template).unwrap(),
            vec![
                ("To", "+6281234567890".to_owned()),
                ("MessagingServiceSid", "MG1".to_owned()),
                ("Body", "Besok posyandu".to_owned()),
            ]
        );
        let nobody = TwilioConfig {
            from: None,
            ..config()
        };
        assert!(matches!(
            request_form(&nobody, &out),
            Err(SendError::Permanent { .. })
        ));
        let bad = Outgoing {
            to: "ID.123".into(),
            body: Body::Text("x".into()),
        };
        assert!(matches!(
            request_form(&config(), &bad),
            Err(SendError::Unreachable { .. })
        ));
        let long = Outgoing {
            to: "+6281234567890".into(),
            body: Body::Text("ä".repeat(2000)),
        };
        let form = request_form(&config(), &long).unwrap();
        assert_eq!(form[2].1.chars().count(), MAX_BODY_CHARS);
    }

    fn twilio_error(code: i64, status: u16) -> String {
        serde_json::json!({"code": code, "message": "The message", "more_info": "https://www.twilio.com/docs/errors/x", "status": status}).to_string()
    }

    #[test]
    fn errors_are_classified() {
        for code in [21610, 21211, 21614] {
            assert!(
                matches!(classify_error(400, &twilio_error(code, 400), None), SendError::Unreachable { code: c, .. } if c == code.to_string()),
                "{code}"
            );
        }
        match classify_error(429, &twilio_error(20429, 429), Some("3")) {
            SendError::Temporary {
                code, retry_after, ..
            } => {
                assert_eq!(code, "20429");
                assert_eq!(retry_after, Some(Duration::from_secs(3)));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify_error(429, "", None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(503, "<html>", None),
            SendError::Temporary { .. }
        ));
        assert!(matches!(
            classify_error(401, &twilio_error(20003, 401), None),
            SendError::Permanent { code, .. } if code == "20003"
        ));
        assert!(matches!(
            classify_error(400, &twilio_error(21602, 400), None),
            SendError::Permanent { .. }
        ));
        assert!(
            matches!(classify_error(404, "not json", None), SendError::Permanent { code, .. } if code == "http_404")
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let debug = format!(
            "{:?}",
            TwilioConfig {
                auth_token: "sup3rsecret".into(),
                ..config()
            }
        );
        assert!(!debug.contains("sup3rsecret"), "{debug}");
        assert!(!debug.contains("+15005550006"), "{debug}");
    }
}
