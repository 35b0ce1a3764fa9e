//! Cross-cutting request handling: request ids and access logs, metrics,
//! `Idempotency-Key`, JSON bodies that are objects, no writes on a full disk.
pub mod idempotency;
pub mod json_object;
pub mod metrics;
pub mod request_id;
pub mod storage_guard;
