//! Cross-cutting request handling: request ids and access logs, metrics,
//! `Idempotency-Key`, JSON bodies that are objects.
pub mod idempotency;
pub mod json_object;
pub mod metrics;
pub mod request_id;
