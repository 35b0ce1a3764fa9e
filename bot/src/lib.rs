//! The chat side of the posyandu system.
//!
//! The bot is the API's first third-party client: it talks to the API over
//! HTTP with its own service account (an API client with role `bot`), never
//! to the database. If the bot needs something, an app will need it too, so
//! it becomes an endpoint, not a back door.

pub mod client;
pub mod worker;

pub use client::{ApiClient, ClientError, Credentials};
pub use worker::{Worker, WorkerSettings};
