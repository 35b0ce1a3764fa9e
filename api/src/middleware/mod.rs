//! Cross-cutting request handling: request ids and access logs, metrics,
//! `Idempotency-Key`.
pub mod idempotency;
pub mod metrics;
pub mod request_id;
