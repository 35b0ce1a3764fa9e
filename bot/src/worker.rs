//! The bot worker's lifecycle: connect to the API with the service account,
//! then run until told to stop.
//!
//! The chat pipeline (claiming inbound messages, parsing, replying) plugs
//! into this loop; this module owns only start-up and graceful shutdown.
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::client::{ApiClient, ClientError, Credentials};

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Base URL of the API, e.g. `http://127.0.0.1:8080`.
    pub api_url: String,
    pub credentials: Credentials,
    /// How long to wait between attempts while the API is unreachable.
    pub retry_interval: Duration,
}

pub struct Worker {
    settings: WorkerSettings,
    api: ApiClient,
}

impl Worker {
    pub fn new(settings: WorkerSettings) -> Worker {
        let api = ApiClient::new(settings.api_url.clone(), settings.credentials.clone());
        Worker { settings, api }
    }

    /// Runs until `stop` is cancelled. Returns an error only when the
    /// service account itself is refused (a configuration error that
    /// retrying cannot fix).
    pub async fn run(self, stop: CancellationToken) -> Result<(), ClientError> {
        loop {
            match self.api.me().await {
                Ok(me) => {
                    tracing::info!(client_id = %me.username, role = %me.role, "bot worker connected to the API");
                    break;
                }
                Err(ClientError::Api {
                    status: 401 | 403,
                    title,
                    ..
                }) => {
                    tracing::error!(%title, "the API refused the bot's service account");
                    return Err(ClientError::Api {
                        status: 401,
                        title,
                        problem: None,
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "API not reachable yet; retrying");
                    tokio::select! {
                        _ = stop.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(self.settings.retry_interval) => {}
                    }
                }
            }
        }
        stop.cancelled().await;
        tracing::info!("bot worker stopped");
        Ok(())
    }
}
