//! A local stand-in for the messaging providers, for end-to-end tests: the
//! WhatsApp Graph API, Twilio's Messages resource and a generic gateway on
//! 127.0.0.1, recording every request in order, answering as the providers
//! do, and failing or stalling on demand. Also builds signed inbound
//! webhooks, as the providers would post them to the bot.
//!
//! ```text
//! let standin = StandIn::start().await;
//! let mut wa = WhatsAppConfig::new("PNID", standin::WHATSAPP_TOKEN, "secret", "verify");
//! wa.base_url = standin.base_url().to_owned();
//! standin.fail_next(Route::WhatsApp, 1, FailWith::whatsapp(400, 131026, "Message undeliverable"));
//! ```
//!
//! The webhook builders sign with the bot's own signing functions; the
//! signatures themselves are checked against independent vectors in the
//! bot's unit tests (the official `twilio` package, RFC 4231).
use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

pub const WHATSAPP_TOKEN: &str = "standin-whatsapp-access-token";
pub const TWILIO_ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_AUTH_TOKEN: &str = "standin-twilio-auth-token";
pub const GATEWAY_TOKEN: &str = "standin-gateway-token";
/// The business number the stand-in's webhooks say they were sent to.
pub const DISPLAY_PHONE_NUMBER: &str = "6281100001111";
pub const GATEWAY_PATH: &str = "/gateway/send";

/// The credentials the stand-in accepts.
#[derive(Clone, Debug)]
pub struct StandInConfig {
    pub whatsapp_token: String,
    pub twilio_account_sid: String,
    pub twilio_auth_token: String,
    /// `Authorization` value the gateway route demands; `None`: any.
    pub gateway_token: Option<String>,
}

impl Default for StandInConfig {
    fn default() -> StandInConfig {
        StandInConfig {
            whatsapp_token: WHATSAPP_TOKEN.to_owned(),
            twilio_account_sid: TWILIO_ACCOUNT_SID.to_owned(),
            twilio_auth_token: TWILIO_AUTH_TOKEN.to_owned(),
            gateway_token: Some(GATEWAY_TOKEN.to_owned()),
        }
    }
}

/// Which provider a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /{version}/{phone_number_id}/messages`
    WhatsApp,
    /// `POST /2010-04-01/Accounts/{sid}/Messages.json`
    Twilio,
    /// `POST /gateway/send`
    Gateway,
}

/// An injected answer in place of the real one.
#[derive(Clone, Debug)]
pub struct FailWith {
    pub status: u16,
    pub body: String,
    /// Sent as `Retry-After: <seconds>`.
    pub retry_after: Option<u64>,
}

impl FailWith {
    /// A Graph error `{"error":{"code":…,"message":…}}`.
    pub fn whatsapp(status: u16, code: i64, message: &str) -> FailWith {
        let body = json!({"error": {"message": format!("({code}) {message}"), "type": "OAuthException",
            "code": code, "fbtrace_id": "STANDIN"}});
        FailWith {
            status,
            body: body.to_string(),
            retry_after: None,
        }
    }

    /// A Twilio error `{"code":…,"message":…,"status":…}`.
    pub fn twilio(status: u16, code: i64, message: &str) -> FailWith {
        let body = json!({"code": code, "message": message, "status": status,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}")});
        FailWith {
            status,
            body: body.to_string(),
            retry_after: None,
        }
    }

    /// A bare status with a small body.
    pub fn status(status: u16) -> FailWith {
        FailWith {
            status,
            body: json!({"status": false, "reason": "injected failure"}).to_string(),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> FailWith {
        self.retry_after = Some(seconds);
        self
    }
}

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `None` for a path the stand-in does not serve (answered 404).
    pub route: Option<Route>,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub json: Option<Value>,
    pub form: Option<Vec<(String, String)>>,
    /// The status answered; `None` while the answer is still delayed (or
    /// when the client gave up first).
    pub answered: Option<u16>,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .as_ref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn succeeded(&self) -> bool {
        self.answered.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Default)]
struct State {
    requests: Vec<RecordedRequest>,
    failures: HashMap<Route, VecDeque<FailWith>>,
    /// Until when a route is down, and how it fails meanwhile.
    outages: HashMap<Route, (std::time::Instant, FailWith)>,
    delay: Duration,
}

struct Shared {
    config: StandInConfig,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("the stand-in's state is not poisoned")
    }
}

/// The running stand-in; stops when dropped.
pub struct StandIn {
    base_url: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl StandIn {
    /// On 127.0.0.1, a free port, the default credentials.
    pub async fn start() -> StandIn {
        StandIn::start_with(StandInConfig::default()).await
    }

    pub async fn start_with(config: StandInConfig) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let port = listener.local_addr().expect("a bound address").port();
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
        });
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .expect("the stand-in listens")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        StandIn {
            base_url: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash: use it as the base URL
    /// of the WhatsApp and Twilio configs.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The generic gateway route's full URL.
    pub fn gateway_url(&self) -> String {
        format!("{}{GATEWAY_PATH}", self.base_url)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    pub fn requests_to(&self, route: Route) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.route == Some(route))
            .collect()
    }

    /// `(to, text)` of every message the stand-in accepted (2xx), in order,
    /// as the request wrote them. A WhatsApp template reads
    /// `template:<name>(<param>, …)`.
    pub fn sent_texts(&self) -> Vec<(String, String)> {
        self.requests()
            .iter()
            .filter(|r| r.succeeded())
            .filter_map(sent_text)
            .collect()
    }

    /// The next `n` requests to `route` get `fail` instead of their answer.
    pub fn fail_next(&self, route: Route, n: usize, fail: FailWith) {
        let mut state = self.shared.state();
        let queue = state.failures.entry(route).or_default();
        queue.extend(std::iter::repeat_n(fail, n));
    }

    /// Every request to `route` gets `fail` until `until` (a provider down
    /// for a while, however often it is tried); queued failures come after.
    pub fn fail_until(&self, route: Route, until: std::time::Instant, fail: FailWith) {
        self.shared.state().outages.insert(route, (until, fail));
    }

    /// Every later answer waits this long first (zero to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.state().delay = delay;
    }

    pub fn clear(&self) {
        let mut state = self.shared.state();
        state.requests.clear();
        state.failures.clear();
        state.outages.clear();
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
    }
}

// ---------------------------------------------------------------------------
// Serving

async fn handle(request: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let recorded = record(&request, &body);
    let route = recorded.route;
    let (index, delay) = {
        let mut state = shared.state();
        state.requests.push(recorded);
        (state.requests.len() - 1, state.delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let injected = route.and_then(|r| {
        let mut state = shared.state();
        match state.outages.get(&r) {
            Some((until, fail)) if std::time::Instant::now() < *until => Some(fail.clone()),
            _ => state.failures.get_mut(&r)?.pop_front(),
        }
    });
    let answer = match (injected, route) {
        (Some(fail), _) => injected_answer(fail),
        (None, Some(route)) => {
            let recorded = shared.state().requests[index].clone();
            answer_route(route, &recorded, &shared.config)
        }
        (None, None) => (
            404,
            json!({"error": "the stand-in has no such route"}),
            None,
        ),
    };
    shared.state().requests[index].answered = Some(answer.0);
    respond(answer)
}

type AnswerParts = (u16, Value, Option<u64>);

fn respond((status, body, retry_after): AnswerParts) -> HttpResponse {
    let mut response = HttpResponse::build(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(seconds) = retry_after {
        response.insert_header(("Retry-After", seconds.to_string()));
    }
    match body {
        Value::String(text) => response.content_type("text/plain").body(text),
        json => response.json(json),
    }
}

fn injected_answer(fail: FailWith) -> AnswerParts {
    let body = serde_json::from_str(&fail.body).unwrap_or(Value::String(fail.body));
    (fail.status, body, fail.retry_after)
}

fn record(request: &HttpRequest, body: &[u8]) -> RecordedRequest {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    RecordedRequest {
        route: route_of(request.method().as_str(), request.path()),
        method: request.method().to_string(),
        path: request.path().to_owned(),
        query: request.query_string().to_owned(),
        headers,
        json: content_type
            .contains("json")
            .then(|| serde_json::from_slice(body).ok())
            .flatten(),
        form: content_type
            .contains("x-www-form-urlencoded")
            .then(|| decode_form(body)),
        body: body.to_vec(),
        answered: None,
        at: std::time::Instant::now(),
    }
}

fn route_of(method: &str, path: &str) -> Option<Route> {
    if method != "POST" {
        return None;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [version, _phone_number_id, "messages"] if version.starts_with('v') => {
            Some(Route::WhatsApp)
        }
        ["2010-04-01", "Accounts", _sid, "Messages.json"] => Some(Route::Twilio),
        _ if path == GATEWAY_PATH => Some(Route::Gateway),
        _ => None,
    }
}

fn answer_route(route: Route, request: &RecordedRequest, config: &StandInConfig) -> AnswerParts {
    match route {
        Route::WhatsApp => answer_whatsapp(request, config),
        Route::Twilio => answer_twilio(request, config),
        Route::Gateway => answer_gateway(request, config),
    }
}

/// Like the Graph API: 401 code 190 for a wrong token, 400 code 100 for a
/// body that is not a WhatsApp message, else the `wamid`.
fn answer_whatsapp(request: &RecordedRequest, config: &StandInConfig) -> AnswerParts {
    let bearer = format!("Bearer {}", config.whatsapp_token);
    if request.header("authorization") != Some(bearer.as_str()) {
        return graph_error(
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let Some(body) = &request.json else {
        return graph_error(400, 100, "Invalid parameter");
    };
    if body["messaging_product"] != "whatsapp" {
        return graph_error(400, 100, "The parameter messaging_product is required.");
    }
    let Some(input) = body["to"].as_str().or(body["recipient"].as_str()) else {
        return graph_error(400, 100, "The parameter to is required.");
    };
    let wa_id: String = input.chars().filter(char::is_ascii_digit).collect();
    let id = format!(
        "wamid.{}",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase()
    );
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": input, "wa_id": wa_id}],
        "messages": [{"id": id}]
    });
    (200, answer, None)
}

fn graph_error(status: u16, code: i64, message: &str) -> AnswerParts {
    let fail = FailWith::whatsapp(status, code, message);
    injected_answer(fail)
}

/// Like Twilio: Basic auth and the account in the path must match (20003),
/// `To`, a sender and `Body` are required; 201 with an `SM…` sid.
fn answer_twilio(request: &RecordedRequest, config: &StandInConfig) -> AnswerParts {
    let credentials = format!("{}:{}", config.twilio_account_sid, config.twilio_auth_token);
    let basic = format!("Basic {}", BASE64.encode(credentials));
    let account_path = format!("/2010-04-01/Accounts/{}/", config.twilio_account_sid);
    if request.header("authorization") != Some(basic.as_str())
        || !request.path.starts_with(&account_path)
    {
        return injected_answer(FailWith::twilio(401, 20003, "Authenticate"));
    }
    let Some(to) = request.form_value("To") else {
        return injected_answer(FailWith::twilio(
            400,
            21604,
            "A 'To' phone number is required.",
        ));
    };
    let from = request.form_value("From");
    let service = request.form_value("MessagingServiceSid");
    if from.is_none() && service.is_none() {
        return injected_answer(FailWith::twilio(
            400,
            21603,
            "A 'From' phone number is required.",
        ));
    }
    let Some(body) = request.form_value("Body") else {
        return injected_answer(FailWith::twilio(400, 21602, "Message body is required."));
    };
    let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
    let answer = json!({
        "sid": sid,
        "account_sid": config.twilio_account_sid,
        "messaging_service_sid": service,
        "from": from,
        "to": to,
        "body": body,
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "api_version": "2010-04-01",
        "date_created": chrono::Utc::now().to_rfc2822(),
        "error_code": null,
        "error_message": null,
        "uri": format!("/2010-04-01/Accounts/{}/Messages/{sid}.json", config.twilio_account_sid)
    });
    (201, answer, None)
}

/// The generic gateway: checks `Authorization`, answers the id at both
/// `/id` and `/detail/0/id`.
fn answer_gateway(request: &RecordedRequest, config: &StandInConfig) -> AnswerParts {
    if let Some(token) = &config.gateway_token
        && request.header("authorization") != Some(token.as_str())
    {
        return (
            401,
            json!({"status": false, "reason": "unauthorized"}),
            None,
        );
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    (
        200,
        json!({"status": true, "id": id, "detail": [{"id": id}]}),
        None,
    )
}

/// The recipient and text of an accepted request.
pub fn sent_text(request: &RecordedRequest) -> Option<(String, String)> {
    match request.route? {
        Route::WhatsApp => {
            let body = request.json.as_ref()?;
            let to = body["to"].as_str().or(body["recipient"].as_str())?;
            let text = match body["type"].as_str()? {
                "text" => body["text"]["body"].as_str()?.to_owned(),
                "template" => template_text(&body["template"]),
                other => format!("{other}:"),
            };
            Some((to.to_owned(), text))
        }
        Route::Twilio => Some((
            request.form_value("To")?.to_owned(),
            request.form_value("Body")?.to_owned(),
        )),
        Route::Gateway => gateway_text(request),
    }
}

fn template_text(template: &Value) -> String {
    let parameters: Vec<&str> = template["components"][0]["parameters"]
        .as_array()
        .map(|ps| ps.iter().filter_map(|p| p["text"].as_str()).collect())
        .unwrap_or_default();
    format!(
        "template:{}({})",
        template["name"].as_str().unwrap_or(""),
        parameters.join(", ")
    )
}

const GATEWAY_TO_FIELDS: [&str; 4] = ["to", "target", "phone", "nohp"];
const GATEWAY_TEXT_FIELDS: [&str; 3] = ["text", "message", "pesan"];

/// The gateways name their fields differently; the common names are tried.
fn gateway_text(request: &RecordedRequest) -> Option<(String, String)> {
    let pick = |names: &[&str]| -> Option<String> {
        if let Some(json) = &request.json {
            let message = json.get("data").and_then(|d| d.get(0)).unwrap_or(json);
            return names
                .iter()
                .find_map(|n| message.get(*n)?.as_str().map(str::to_owned));
        }
        names
            .iter()
            .find_map(|n| request.form_value(n).map(str::to_owned))
    };
    Some((pick(&GATEWAY_TO_FIELDS)?, pick(&GATEWAY_TEXT_FIELDS)?))
}

// ---------------------------------------------------------------------------
// Forms (the tests crate has no form-encoding crate of its own)

/// `application/x-www-form-urlencoded` → pairs, repeated names kept.
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            // A `%` not followed by two hex digits stays as it is.
            b'%' => match bytes.get(i + 1..i + 3).and_then(hex_byte) {
                Some(byte) => {
                    out.push(byte);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

/// Pairs → `application/x-www-form-urlencoded` (spaces as `+`).
pub fn encode_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Inbound webhooks, as the providers would post them

fn whatsapp_envelope(phone_number_id: &str, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": DISPLAY_PHONE_NUMBER,
        "phone_number_id": phone_number_id
    });
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "STANDIN-WABA", "changes": [{"field": "messages", "value": value}]}]
    }))
    .expect("JSON")
}

/// A text message from `from` (digits as WhatsApp writes them; a leading
/// `+` is dropped) with contact name "Ibu Uji".
pub fn whatsapp_text_webhook(from: &str, id: &str, text: &str, phone_number_id: &str) -> Vec<u8> {
    let from = from.trim_start_matches('+');
    whatsapp_envelope(
        phone_number_id,
        json!({
            "contacts": [{"profile": {"name": "Ibu Uji"}, "wa_id": from}],
            "messages": [{
                "from": from,
                "id": id,
                "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": "text",
                "text": {"body": text}
            }]
        }),
    )
}

/// A status update (`sent`, `delivered`, `read`, `failed`) for a message we
/// sent; `error` is `(code, title)` for a failure.
pub fn whatsapp_status_webhook(
    message_id: &str,
    recipient: &str,
    status: &str,
    error: Option<(i64, &str)>,
    phone_number_id: &str,
) -> Vec<u8> {
    let mut status = json!({
        "id": message_id,
        "status": status,
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "recipient_id": recipient.trim_start_matches('+')
    });
    if let Some((code, title)) = error {
        status["errors"] = json!([{"code": code, "title": title, "message": title}]);
    }
    whatsapp_envelope(phone_number_id, json!({ "statuses": [status] }))
}

/// The `X-Hub-Signature-256` header for a body.
pub fn whatsapp_signature(raw_body: &[u8], app_secret: &str) -> String {
    posyandu_bot::channels::whatsapp::sign(raw_body, app_secret)
}

/// An inbound SMS form as Twilio posts it (with the extra parameters it
/// always adds).
pub fn twilio_inbound_form(message_sid: &str, from: &str, to: &str, body: &str) -> Vec<u8> {
    encode_form(&[
        ("ToCountry", "ID"),
        ("SmsMessageSid", message_sid),
        ("NumMedia", "0"),
        ("SmsSid", message_sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", to),
        ("NumSegments", "1"),
        ("MessageSid", message_sid),
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ])
}

/// A status callback form; `error_code` for undelivered/failed.
pub fn twilio_status_form(message_sid: &str, status: &str, error_code: Option<&str>) -> Vec<u8> {
    let mut pairs = vec![
        ("SmsSid", message_sid),
        ("SmsStatus", status),
        ("MessageStatus", status),
        ("MessageSid", message_sid),
        ("AccountSid", TWILIO_ACCOUNT_SID),
        ("ApiVersion", "2010-04-01"),
    ];
    if let Some(code) = error_code {
        pairs.push(("ErrorCode", code));
    }
    encode_form(&pairs)
}

/// The `X-Twilio-Signature` header for a form posted to `url`.
pub fn twilio_signature(url: &str, form_body: &[u8], auth_token: &str) -> String {
    posyandu_bot::channels::twilio::signature(url, &decode_form(form_body), auth_token)
}

/// A gateway webhook body with the generic default fields.
pub fn gateway_inbound(from: &str, id: &str, text: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"from": from, "id": id, "text": text, "device": DISPLAY_PHONE_NUMBER}),
    )
    .expect("JSON")
}

/// The `X-Posyandu-Signature` header for a gateway body.
pub fn gateway_signature(raw_body: &[u8], secret: &str) -> String {
    posyandu_bot::channels::gateway::sign(raw_body, secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_round_trip() {
        let pairs = [
            ("Body", "a+b=c & d%20 🙏"),
            ("From", "+6281234567890"),
            ("Empty", ""),
        ];
        let encoded = encode_form(&pairs);
        let decoded = decode_form(&encoded);
        let expected: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(decoded, expected);
        assert_eq!(
            decode_form(b"a=%41%4&b=100%&c=%zz&d"),
            vec![
                ("a".to_owned(), "A%4".to_owned()),
                ("b".to_owned(), "100%".to_owned()),
                ("c".to_owned(), "%zz".to_owned()),
                ("d".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn routes_are_recognised() {
        assert_eq!(
            route_of("POST", "/v21.0/123/messages"),
            Some(Route::WhatsApp)
        );
        assert_eq!(
            route_of("POST", "/2010-04-01/Accounts/AC1/Messages.json"),
            Some(Route::Twilio)
        );
        assert_eq!(route_of("POST", "/gateway/send"), Some(Route::Gateway));
        assert_eq!(route_of("GET", "/gateway/send"), None);
        assert_eq!(route_of("POST", "/elsewhere"), None);
    }
}
