//! The chat side of the posyandu system.
//!
//! The bot is the API's first third-party client: it talks to the API over
//! HTTP with its own service account (an API client with role `bot`), never
//! to the database. If the bot needs something, an app will need it too, so
//! it becomes an endpoint, not a back door.

pub mod batch;
pub mod channels;
pub mod chat;
pub mod client;
pub mod config;
pub mod dispatch;
pub mod pipeline;
pub mod plausibility;
pub mod replies;
pub mod webhooks;
pub mod worker;

pub use client::{ApiClient, ClientError, Credentials};
pub use config::{BotSettings, Channels};
pub use worker::Worker;
