//! Every JSON request body of the API is an object.
//!
//! serde's derived `Deserialize` also reads a struct from a JSON array (its
//! fields in order), so `[null, null]` would pass as a patch that changes
//! nothing, and `["x", 1]` as a record whose fields nobody named. No
//! operation takes an array at the top level, so anything but `{…}` is
//! refused here, before any handler, with the validation problem that names
//! the body. Only the first bytes are read; the rest streams on to the
//! handler (and to its size limit) untouched.
use std::pin::Pin;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::ApiError;

pub async fn objects_only(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !carries_json(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let mut payload = req.take_payload();
    let mut read: Vec<Bytes> = Vec::new();
    let mut first = None;
    while first.is_none() {
        match payload.next().await {
            Some(Ok(chunk)) => {
                first = chunk.iter().copied().find(|b| !is_json_whitespace(*b));
                read.push(chunk);
            }
            Some(Err(error)) => return Err(error.into()),
            None => break,
        }
    }
    if first.is_some_and(|b| b != b'{') {
        let error = ApiError::field("body", "invalid", "The body must be a JSON object: {…}.");
        return Ok(req.error_response(error));
    }
    let replay = futures_util::stream::iter(read.into_iter().map(Ok)).chain(payload);
    let replay: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(replay);
    req.set_payload(Payload::from(replay));
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A write to the API with a JSON body (the webhooks read raw bytes and
/// answer for themselves; form bodies are not JSON).
fn carries_json(req: &ServiceRequest) -> bool {
    let writes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
    writes && json && req.path().starts_with("/api/")
}

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}
