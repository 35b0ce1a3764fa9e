//! The chat: inbound messages (stored by the bot, read and re-run by
//! officers), the outbox, and STOP/MULAI.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::messages::{
    ClaimRequest, ClaimedMessages, ClaimedOutbox, ContactPreference, ContactPreferenceUpdate,
    DeliveryReports, DeliveryReportsApplied, InboundMessage, InboundStatus, MessageOutcome,
    MessageRelease, MessageRerun, NewInboundMessage, OutboxClaimRequest, OutboxMessage,
    OutboxStatus, SendReport, SenderKind,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::dispatch;
use crate::services::messages::{self, MessageFilter};
use crate::services::outbox::{self, OutboxFilter};
use crate::state::AppState;

/// Store a message a provider delivered (the bot, `bot:relay`). The same
/// (channel, provider message id) is stored once: a repeated delivery
/// answers 200 with the stored message, a new one 201.
#[utoipa::path(tag = "chat", request_body = NewInboundMessage,
    responses(
        (status = 201, description = "Stored", body = InboundMessage),
        (status = 200, description = "Already stored (a repeated delivery)", body = InboundMessage)),
    security(("bearer" = [])))]
#[post("/messages/inbound")]
pub async fn store_inbound(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewInboundMessage>,
) -> ApiResult<HttpResponse> {
    let (message, created) = messages::store(&state.db, &principal, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/messages/{}", message.id)))
            .json(message)
    } else {
        HttpResponse::Ok().json(message)
    })
}

/// Claim stored messages to process (the bot). Each comes with its sender
/// as the register knows the number, the question waiting for the sender's
/// YA, and the sender's last report (for BATAL). A sender's messages come
/// one at a time, in order; a message whose lease runs out is claimed again.
#[utoipa::path(tag = "chat", request_body = ClaimRequest,
    responses((status = 200, description = "The claimed messages (maybe none)", body = ClaimedMessages)),
    security(("bearer" = [])))]
#[post("/messages/claim")]
pub async fn claim_messages(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ClaimRequest>,
) -> ApiResult<web::Json<ClaimedMessages>> {
    Ok(web::Json(ClaimedMessages {
        items: messages::claim(&state.db, &principal, body.into_inner()).await?,
    }))
}

/// Record what a claimed message produced, and queue its reply in the same
/// transaction (once per message revision). Settling again is answered with
/// the stored outcome; a message another worker took over is 409.
#[utoipa::path(tag = "chat", params(("id" = Uuid, Path, description = "Message id")), request_body = MessageOutcome,
    responses((status = 200, description = "Settled", body = InboundMessage)),
    security(("bearer" = [])))]
#[post("/messages/{id}/outcome")]
pub async fn settle_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<MessageOutcome>,
) -> ApiResult<web::Json<InboundMessage>> {
    Ok(web::Json(
        messages::settle(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Settle many claimed messages at once (one transaction): each item as
/// `POST /messages/{id}/outcome` would, with its own status.
#[utoipa::path(tag = "chat", request_body = openapi::messages::OutcomeBatch,
    responses((status = 200, description = "Each item's result", body = openapi::messages::BatchResults)),
    security(("bearer" = [])))]
#[post("/messages/outcomes")]
pub async fn settle_messages(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<openapi::messages::OutcomeBatch>,
) -> ApiResult<web::Json<openapi::messages::BatchResults>> {
    Ok(web::Json(openapi::messages::BatchResults {
        items: messages::settle_many(&state.db, &principal, body.into_inner().items).await?,
    }))
}

/// Give a claimed message back to be tried again later; after 10 attempts
/// it is `failed`.
#[utoipa::path(tag = "chat", params(("id" = Uuid, Path, description = "Message id")), request_body = MessageRelease,
    responses((status = 200, description = "Released", body = InboundMessage)),
    security(("bearer" = [])))]
#[post("/messages/{id}/release")]
pub async fn release_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<MessageRelease>,
) -> ApiResult<web::Json<InboundMessage>> {
    Ok(web::Json(
        messages::release(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Correct a message (or not) and have the bot process it again: its
/// actions are new requests (the revision goes up). Records the earlier run
/// made stay; remove them in the register if they were wrong.
#[utoipa::path(tag = "chat", params(("id" = Uuid, Path, description = "Message id")), request_body = MessageRerun,
    responses((status = 200, description = "Queued again", body = InboundMessage)),
    security(("bearer" = [])))]
#[post("/messages/{id}/rerun")]
pub async fn rerun_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<MessageRerun>,
) -> ApiResult<web::Json<InboundMessage>> {
    Ok(web::Json(
        messages::rerun(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    pub status: Option<InboundStatus>,
    /// `whatsapp`, `sms`, `console`, `gateway:<name>`.
    pub channel: Option<String>,
    pub posyandu_id: Option<Uuid>,
    pub sender_kind: Option<SenderKind>,
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// The chat messages of your area, each with what every line produced and
/// the reply. Filter `status=failed` or `needs_confirmation` for the ones
/// to look at.
#[utoipa::path(tag = "chat", params(MessageQuery),
    responses((status = 200, description = "One page of messages", body = Page<InboundMessage>)),
    security(("bearer" = [])))]
#[get("/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<MessageQuery>,
) -> ApiResult<web::Json<Page<InboundMessage>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = MessageFilter {
        status: q.status,
        channel: q.channel,
        posyandu_id: q.posyandu_id,
        sender_kind: q.sender_kind,
    };
    Ok(web::Json(
        messages::list(&state.db, &principal, filter, page).await?,
    ))
}

/// One chat message with its outcome.
#[utoipa::path(tag = "chat", params(("id" = Uuid, Path, description = "Message id")),
    responses((status = 200, description = "The message", body = InboundMessage)),
    security(("bearer" = [])))]
#[get("/messages/{id}")]
pub async fn get_message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<InboundMessage>> {
    Ok(web::Json(
        messages::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub status: Option<OutboxStatus>,
    pub channel: Option<String>,
    /// A recipient's number.
    pub to: Option<String>,
    /// The replies to one inbound message.
    pub inbound_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// What the system sent or will send in your area, with each message's
/// state and the provider's error.
#[utoipa::path(tag = "chat", params(OutboxQuery),
    responses((status = 200, description = "One page of outbox messages", body = Page<OutboxMessage>)),
    security(("bearer" = [])))]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<Page<OutboxMessage>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = OutboxFilter {
        status: q.status,
        channel: q.channel,
        to: q.to,
        inbound_id: q.inbound_id,
    };
    Ok(web::Json(
        outbox::list(&state.db, &principal, filter, page).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxStatsQuery {
    /// Count messages created since (default: 7 days ago).
    pub since: Option<DateTime<Utc>>,
}

/// The outbox at a glance for operators: depth by state and channel,
/// failures by provider error code, delivery rate per posyandu.
#[utoipa::path(tag = "chat", params(OutboxStatsQuery),
    responses((status = 200, description = "Counts in your area", body = openapi::messages::OutboxStats)),
    security(("bearer" = [])))]
#[get("/outbox/stats")]
pub async fn outbox_stats(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<OutboxStatsQuery>,
) -> ApiResult<web::Json<openapi::messages::OutboxStats>> {
    let since = query
        .into_inner()
        .since
        .unwrap_or_else(|| crate::clock::now() - chrono::Duration::days(7));
    Ok(web::Json(
        outbox::stats(&state.db, &principal, since).await?,
    ))
}

/// Claim due outbox messages to send (the bot): replies first, then bulk.
/// A message whose lease runs out is claimed again.
#[utoipa::path(tag = "chat", request_body = OutboxClaimRequest,
    responses((status = 200, description = "The claimed messages (maybe none)", body = ClaimedOutbox)),
    security(("bearer" = [])))]
#[post("/outbox/claim")]
pub async fn claim_outbox(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<OutboxClaimRequest>,
) -> ApiResult<web::Json<ClaimedOutbox>> {
    Ok(web::Json(ClaimedOutbox {
        items: dispatch::claim(&state.db, &principal, body.into_inner()).await?,
    }))
}

/// Report what the provider answered: sent (with its id), retry later
/// (backoff with jitter, honouring Retry-After), unreachable or failed.
#[utoipa::path(tag = "chat", params(("id" = Uuid, Path, description = "Outbox message id")), request_body = SendReport,
    responses((status = 200, description = "Recorded", body = OutboxMessage)),
    security(("bearer" = [])))]
#[post("/outbox/{id}/result")]
pub async fn report_outbox(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<SendReport>,
) -> ApiResult<web::Json<OutboxMessage>> {
    Ok(web::Json(
        dispatch::report(
            &state.db,
            &principal,
            &state.settings.retry,
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Report many send results at once (one transaction): each item as
/// `POST /outbox/{id}/result` would, with its own status.
#[utoipa::path(tag = "chat", request_body = openapi::messages::SendReportBatch,
    responses((status = 200, description = "Each item's result", body = openapi::messages::BatchResults)),
    security(("bearer" = [])))]
#[post("/outbox/results")]
pub async fn report_outbox_many(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<openapi::messages::SendReportBatch>,
) -> ApiResult<web::Json<openapi::messages::BatchResults>> {
    Ok(web::Json(openapi::messages::BatchResults {
        items: dispatch::report_many(
            &state.db,
            &principal,
            &state.settings.retry,
            body.into_inner().items,
        )
        .await?,
    }))
}

/// Plan the reminders to mothers for the coming posyandu days (the bot
/// worker calls this periodically; `bot:relay`). Idempotent: a second run
/// queues nothing new; reminders of a day that was moved or cancelled are
/// cancelled.
#[utoipa::path(tag = "chat", request_body = openapi::messages::ReminderPlanRequest,
    responses((status = 200, description = "What was planned", body = openapi::messages::ReminderPlan)),
    security(("bearer" = [])))]
#[post("/reminders/plan")]
pub async fn plan_reminders(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<openapi::messages::ReminderPlanRequest>,
) -> ApiResult<web::Json<openapi::messages::ReminderPlan>> {
    Ok(web::Json(
        crate::services::reminders::plan(&state.db, &principal, body.into_inner()).await?,
    ))
}

/// Delivery states from the providers' status callbacks (the bot): each
/// moves its message forward (sent → delivered → read) or is ignored.
#[utoipa::path(tag = "chat", request_body = DeliveryReports,
    responses((status = 200, description = "Applied", body = DeliveryReportsApplied)),
    security(("bearer" = [])))]
#[post("/outbox/delivery-reports")]
pub async fn delivery_reports(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<DeliveryReports>,
) -> ApiResult<web::Json<DeliveryReportsApplied>> {
    Ok(web::Json(
        dispatch::delivery_reports(&state.db, &principal, body.into_inner().items).await?,
    ))
}

/// STOP (`opted_out: true`) or MULAI for a number (the bot). STOP cancels
/// the reminders still waiting for it at once.
#[utoipa::path(tag = "chat", request_body = ContactPreferenceUpdate,
    responses((status = 200, description = "Recorded", body = ContactPreference)),
    security(("bearer" = [])))]
#[post("/contact-preferences")]
pub async fn set_contact_preference(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ContactPreferenceUpdate>,
) -> ApiResult<web::Json<ContactPreference>> {
    Ok(web::Json(
        outbox::set_preference(&state.db, &principal, body.into_inner()).await?,
    ))
}
