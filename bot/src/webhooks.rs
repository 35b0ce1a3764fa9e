//! The providers' webhooks: check the signature on the raw bytes before
//! anything else, store each message through the API (once per provider
//! id), answer quickly. Processing happens later, in the worker.
//!
//! | channel | URL |
//! |---|---|
//! | WhatsApp Cloud API | `GET` and `POST /webhooks/whatsapp` |
//! | Twilio SMS | `POST /webhooks/twilio` (messages), `POST /webhooks/twilio/status` |
//! | a gateway | `POST /webhooks/gateway/{name}` |
//!
//! A provider that gets a 5xx retries later (Meta for days, Twilio once),
//! so when the API cannot store a message the webhook answers 503 rather
//! than pretending.
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use openapi::messages::{
    DeliveryReport, DeliveryReports, DeliveryReportsApplied, DeliveryStatus, InboundMessage,
    NewInboundMessage,
};

use crate::channels::{self, DeliveryState, Inbound, StatusUpdate, WebhookError};
use crate::client::{ApiClient, ClientError};
use crate::config::Channels;

/// Largest webhook body accepted (Meta batches up to about 1,000 updates).
pub const MAX_BODY: usize = 1024 * 1024;

pub struct WebhookState {
    pub api: Arc<ApiClient>,
    pub channels: Arc<Channels>,
}

/// Mounts the webhook routes (into the API's server in the all-in-one
/// start, or the bot's own).
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<WebhookState>) {
    cfg.service(
        web::scope("/webhooks")
            .app_data(state)
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route("/whatsapp", web::get().to(whatsapp_handshake))
            .route("/whatsapp", web::post().to(whatsapp_delivery))
            .route("/twilio", web::post().to(twilio_message))
            .route("/twilio/status", web::post().to(twilio_status))
            .route("/gateway/{name}", web::post().to(gateway_message)),
    );
}

fn refused(error: &WebhookError) -> HttpResponse {
    match error {
        WebhookError::BadSignature => HttpResponse::Unauthorized().body("bad signature"),
        WebhookError::BadPayload(_) => HttpResponse::BadRequest().body("unreadable payload"),
    }
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn header_value<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, "30"))
        .body("try again later")
}

async fn store(api: &ApiClient, channel: &str, message: Inbound) -> Result<(), ClientError> {
    let new = NewInboundMessage {
        channel: channel.to_owned(),
        provider_message_id: message.provider_message_id,
        from: message.from,
        to: message.to,
        kind: message.kind,
        text: message.text,
        sent_at: message.sent_at,
        profile_name: message.profile_name,
        raw: Some(message.raw),
    };
    match api
        .post_json::<_, InboundMessage>("/api/v1/messages/inbound", &new)
        .await
    {
        Ok(_) => Ok(()),
        // A message the API refuses as invalid will never be stored: answering
        // 5xx would only make the provider resend it for days.
        Err(ClientError::Api { status: 422, .. }) => {
            tracing::warn!(%channel, "the API refused an inbound message as invalid");
            Ok(())
        }
        Err(error) => Err(error),
    }
}

async fn report(
    api: &ApiClient,
    channels: &Channels,
    channel: &str,
    statuses: Vec<StatusUpdate>,
) -> Result<(), ClientError> {
    if statuses.is_empty() {
        return Ok(());
    }
    let fallback = channels.fallback_for(channel);
    let items = statuses
        .into_iter()
        .map(|s| DeliveryReport {
            channel: channel.to_owned(),
            provider_message_id: s.provider_message_id,
            status: match s.state {
                DeliveryState::Sent => DeliveryStatus::Sent,
                DeliveryState::Delivered => DeliveryStatus::Delivered,
                DeliveryState::Read => DeliveryStatus::Read,
                DeliveryState::Failed => DeliveryStatus::Failed,
            },
            at: s.at,
            error_code: s.error_code,
            error_title: s.error_title,
            fallback_channel: fallback.clone(),
        })
        .collect();
    api.post_json::<_, DeliveryReportsApplied>(
        "/api/v1/outbox/delivery-reports",
        &DeliveryReports { items },
    )
    .await
    .map(|_| ())
}

async fn whatsapp_handshake(req: HttpRequest, state: web::Data<WebhookState>) -> HttpResponse {
    let Some(config) = &state.channels.whatsapp else {
        return HttpResponse::NotFound().finish();
    };
    match channels::whatsapp::verify_handshake(req.query_string(), &config.verify_token) {
        Ok(challenge) => HttpResponse::Ok()
            .content_type("text/plain")
            .body(challenge),
        Err(_) => HttpResponse::Forbidden().finish(),
    }
}

async fn whatsapp_delivery(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<WebhookState>,
) -> HttpResponse {
    let Some(config) = &state.channels.whatsapp else {
        return HttpResponse::NotFound().finish();
    };
    if let Err(e) = channels::whatsapp::verify_signature(
        &body,
        header_value(&req, channels::whatsapp::SIGNATURE_HEADER),
        &config.app_secret,
    ) {
        tracing::warn!("WhatsApp webhook with a bad signature refused");
        return refused(&e);
    }
    if !content_type(&req).starts_with("application/json") {
        return HttpResponse::UnsupportedMediaType().finish();
    }
    let delivery = match channels::whatsapp::parse_delivery(&body) {
        Ok(d) => d,
        Err(e) => return refused(&e),
    };
    for message in delivery.messages {
        if let Err(error) = store(&state.api, "whatsapp", message).await {
            tracing::warn!(%error, "could not store a WhatsApp message");
            return unavailable();
        }
    }
    if let Err(error) = report(&state.api, &state.channels, "whatsapp", delivery.statuses).await {
        tracing::warn!(%error, "could not record WhatsApp statuses");
        return unavailable();
    }
    HttpResponse::Ok().finish()
}

/// The URL Twilio called, as Twilio saw it: behind a reverse proxy the
/// configured public URL, not the address the proxy used.
fn twilio_url(req: &HttpRequest, channels: &Channels) -> String {
    let base = match &channels.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    };
    match req.query_string() {
        "" => format!("{base}{}", req.path()),
        query => format!("{base}{}?{query}", req.path()),
    }
}

fn twiml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml")
        .body(channels::twilio::empty_twiml())
}

async fn twilio_checked(
    req: &HttpRequest,
    body: &[u8],
    state: &WebhookState,
) -> Result<(), HttpResponse> {
    let Some(config) = &state.channels.twilio else {
        return Err(HttpResponse::NotFound().finish());
    };
    let url = twilio_url(req, &state.channels);
    if let Err(e) = channels::twilio::verify_signature(
        &url,
        body,
        header_value(req, channels::twilio::SIGNATURE_HEADER),
        &config.auth_token,
    ) {
        tracing::warn!("Twilio webhook with a bad signature refused");
        return Err(refused(&e));
    }
    if !content_type(req).starts_with("application/x-www-form-urlencoded") {
        return Err(HttpResponse::UnsupportedMediaType().finish());
    }
    Ok(())
}

async fn twilio_message(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<WebhookState>,
) -> HttpResponse {
    if let Err(response) = twilio_checked(&req, &body, &state).await {
        return response;
    }
    let message = match channels::twilio::parse_inbound(&body) {
        Ok(m) => m,
        Err(e) => return refused(&e),
    };
    match store(&state.api, "sms", message).await {
        Ok(()) => twiml(),
        Err(error) => {
            tracing::warn!(%error, "could not store an SMS");
            unavailable()
        }
    }
}

async fn twilio_status(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<WebhookState>,
) -> HttpResponse {
    if let Err(response) = twilio_checked(&req, &body, &state).await {
        return response;
    }
    let status = match channels::twilio::parse_status(&body) {
        Ok(s) => s,
        Err(e) => return refused(&e),
    };
    match report(
        &state.api,
        &state.channels,
        "sms",
        status.into_iter().collect(),
    )
    .await
    {
        Ok(()) => twiml(),
        Err(error) => {
            tracing::warn!(%error, "could not record an SMS status");
            unavailable()
        }
    }
}

async fn gateway_message(
    req: HttpRequest,
    name: web::Path<String>,
    body: web::Bytes,
    state: web::Data<WebhookState>,
) -> HttpResponse {
    let Some(gateway) = state.channels.gateway(&name) else {
        return HttpResponse::NotFound().finish();
    };
    if let Err(e) = channels::gateway::verify_signature(
        &body,
        header_value(&req, &gateway.inbound.signature_header),
        &gateway.inbound.secret,
    ) {
        tracing::warn!(gateway = %gateway.name, "gateway webhook with a bad signature refused");
        return refused(&e);
    }
    let kind = content_type(&req);
    if !(kind.starts_with("application/json")
        || kind.starts_with("application/x-www-form-urlencoded"))
    {
        return HttpResponse::UnsupportedMediaType().finish();
    }
    let message = match channels::gateway::parse_inbound(&gateway.inbound, Some(&kind), &body) {
        Ok(m) => m,
        Err(e) => return refused(&e),
    };
    match store(&state.api, &format!("gateway:{}", gateway.name), message).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"ok": true})),
        Err(error) => {
            tracing::warn!(%error, "could not store a gateway message");
            unavailable()
        }
    }
}
