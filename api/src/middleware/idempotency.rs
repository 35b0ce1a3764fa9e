//! `Idempotency-Key` on `POST`: a retried request gets the first response
//! back and creates nothing twice.
//!
//! Keys are per caller (the token's subject), kept 24 hours. The first
//! request claims the key before it runs; a concurrent retry while it runs
//! gets 409 with `Retry-After`; the same key with a different body gets 422.
//! Responses of 5xx are not kept, so a request that failed on our side can be
//! retried with the same key.
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use openapi::ProblemType;

use crate::error::ApiError;
use crate::services::idempotency::{self as store, Claim, StoredResponse};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(&IDEMPOTENCY_KEY).cloned();
    let (Some(key), true) = (key, req.method() == Method::POST) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_owned)
    else {
        let error = ApiError::bad_request(
            "Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID.",
        );
        return Ok(req.error_response(error));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Keys belong to the caller; without a valid token the handler answers
    // 401 anyway, so there is nothing to remember.
    let actor = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.jwt.verify(token).ok())
        .map(|claims| claims.actor());
    let Some(actor) = actor else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };

    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(_) => return Ok(req.error_response(ApiError::new(ProblemType::PayloadTooLarge))),
    };
    let path = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{}", req.path(), query),
    };
    let hash = store::request_hash(req.method().as_str(), &path, &body);
    match store::claim(&state.db, &actor, &key, req.method().as_str(), &path, &hash).await {
        Ok(Claim::First) => {}
        Ok(Claim::Replay(stored)) => {
            let response = replay(stored);
            return Ok(req.into_response(response));
        }
        Ok(Claim::InProgress) => {
            let error = ApiError::Problem {
                kind: ProblemType::IdempotencyInProgress,
                detail: None,
                retry_after: Some(1),
                oauth_error: None,
            };
            return Ok(req.error_response(error));
        }
        Ok(Claim::DifferentRequest) => {
            return Ok(req.error_response(ApiError::new(ProblemType::IdempotencyKeyReused)));
        }
        Err(error) => return Ok(req.error_response(ApiError::Database(error))),
    }

    req.set_payload(actix_web::dev::Payload::from(body));
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            store::release(&state.db, &actor, &key).await;
            return Err(error);
        }
    };
    let status = response.status();
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            store::release(&state.db, &actor, &key).await;
            let response = HttpResponse::from_error(ApiError::new(ProblemType::Internal));
            return Ok(ServiceResponse::new(request, response));
        }
    };
    if status.is_server_error() {
        store::release(&state.db, &actor, &key).await;
    } else {
        let stored = StoredResponse {
            status: status.as_u16(),
            content_type: header_string(head.headers().get(header::CONTENT_TYPE)),
            location: header_string(head.headers().get(header::LOCATION)),
            body: bytes.to_vec(),
        };
        if let Err(error) = store::complete(&state.db, &actor, &key, &stored).await {
            // The work is done and committed; failing to remember the answer
            // must not turn a success into an error. A retry will re-run.
            tracing::warn!(%error, "could not store the idempotent response");
            store::release(&state.db, &actor, &key).await;
        }
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

fn header_string(value: Option<&HeaderValue>) -> Option<String> {
    value.and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = stored.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = stored.location {
        response.insert_header((header::LOCATION, location));
    }
    response.insert_header((REPLAYED, "true"));
    response.body(stored.body)
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("3f1c2a9e-1b7d-4c52-9a0e-2f8b6d1e7c44"));
        assert!(!valid_key(""));
        assert!(!valid_key("with space"));
        assert!(!valid_key(&"k".repeat(256)));
    }
}
