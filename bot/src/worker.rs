//! The bot worker: connect to the API with the service account, then run
//! two loops until told to stop: processing inbound messages, and sending
//! the outbox. Any number of workers may run against one API; leases keep
//! them from doing the same work twice.
use std::sync::Arc;
use std::time::Duration;

use openapi::messages::{ClaimRequest, ClaimedMessages, InboundMessage, MessageRelease};
use tokio_util::sync::CancellationToken;

use crate::client::{ApiClient, ClientError};
use crate::config::BotSettings;
use crate::dispatch;
use crate::pipeline::{self, PipelineSettings, Settlement};

pub struct Worker {
    settings: BotSettings,
    api: Arc<ApiClient>,
    http: reqwest::Client,
}

impl Worker {
    pub fn new(settings: BotSettings) -> Worker {
        let api = Arc::new(ApiClient::new(
            settings.api_url.clone(),
            settings.credentials.clone(),
        ));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("posyandu-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is static and valid");
        Worker {
            settings,
            api,
            http,
        }
    }

    pub fn api(&self) -> Arc<ApiClient> {
        self.api.clone()
    }

    /// Runs until `stop` is cancelled. Returns an error only when the
    /// service account itself is refused (a configuration error that
    /// retrying cannot fix).
    pub async fn run(self, stop: CancellationToken) -> Result<(), ClientError> {
        loop {
            match self.api.me().await {
                Ok(me) => {
                    tracing::info!(client_id = %me.username, role = %me.role, worker = %self.settings.worker_name, "bot worker connected to the API");
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
        let settings = Arc::new(self.settings);
        let inbound = tokio::spawn(inbound_loop(
            self.api.clone(),
            settings.clone(),
            stop.clone(),
        ));
        let outbound = tokio::spawn(outbound_loop(
            self.api.clone(),
            self.http.clone(),
            settings.clone(),
            stop.clone(),
        ));
        let _ = inbound.await;
        let _ = outbound.await;
        tracing::info!("bot worker stopped");
        Ok(())
    }
}

/// Sleeps for `wait`, or less when told to stop. Returns whether to go on.
async fn pause(stop: &CancellationToken, wait: Duration) -> bool {
    tokio::select! {
        _ = stop.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

async fn inbound_loop(api: Arc<ApiClient>, settings: Arc<BotSettings>, stop: CancellationToken) {
    let pipeline_settings = PipelineSettings {
        own_numbers: settings.channels.own_numbers(),
        deny: settings.deny.clone(),
    };
    while !stop.is_cancelled() {
        let claimed: Result<ClaimedMessages, ClientError> = api
            .post_json(
                "/api/v1/messages/claim",
                &ClaimRequest {
                    worker: settings.worker_name.clone(),
                    limit: Some(settings.concurrency.clamp(1, 100) as u32),
                    lease_seconds: Some(60),
                },
            )
            .await;
        let batch = match claimed {
            Ok(batch) => batch.items,
            Err(error) => {
                tracing::warn!(%error, "could not claim messages");
                if !pause(&stop, settings.retry_interval).await {
                    break;
                }
                continue;
            }
        };
        if batch.is_empty() {
            if !pause(&stop, settings.poll_interval).await {
                break;
            }
            continue;
        }
        // A batch holds at most one message per sender (the API sees to
        // it), so its messages can be handled side by side.
        let work = batch.iter().map(|claimed| {
            let api = api.clone();
            let worker = settings.worker_name.clone();
            let pipeline_settings = &pipeline_settings;
            async move {
                let settlement = pipeline::process(&api, pipeline_settings, &worker, claimed).await;
                settle(&api, &worker, claimed.message.id, settlement).await;
            }
        });
        futures_util::future::join_all(work).await;
    }
}

async fn settle(api: &ApiClient, worker: &str, id: uuid::Uuid, settlement: Settlement) {
    let result = match settlement {
        Settlement::Settle(outcome) => {
            api.post_json::<_, InboundMessage>(&format!("/api/v1/messages/{id}/outcome"), &*outcome)
                .await
        }
        Settlement::Release { error } => {
            tracing::warn!(message_id = %id, %error, "message released to be tried again");
            api.post_json::<_, InboundMessage>(
                &format!("/api/v1/messages/{id}/release"),
                &MessageRelease {
                    worker: worker.to_owned(),
                    retry_after_seconds: Some(10),
                    error: Some(error),
                },
            )
            .await
        }
    };
    if let Err(error) = result {
        // The lease runs out and another worker takes the message over;
        // its actions are replayed from their idempotency keys.
        tracing::warn!(message_id = %id, %error, "could not settle a message");
    }
}

async fn outbound_loop(
    api: Arc<ApiClient>,
    http: reqwest::Client,
    settings: Arc<BotSettings>,
    stop: CancellationToken,
) {
    while !stop.is_cancelled() {
        let limit = (settings.concurrency * 2).clamp(1, 200) as u32;
        match dispatch::dispatch_once(
            &api,
            &http,
            &settings.channels,
            &settings.worker_name,
            limit,
        )
        .await
        {
            Ok(0) => {
                if !pause(&stop, settings.poll_interval).await {
                    break;
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "could not claim the outbox");
                if !pause(&stop, settings.retry_interval).await {
                    break;
                }
            }
        }
    }
}
