//! The bot worker: connect to the API with the service account, then run
//! two loops until told to stop: processing inbound messages, and sending
//! the outbox. Any number of workers may run against one API; leases keep
//! them from doing the same work twice.
use std::sync::Arc;
use std::time::Duration;

use openapi::messages::{
    BatchResults, ClaimRequest, ClaimedMessages, InboundMessage, MessageRelease, OutcomeBatch,
    OutcomeItem, ReminderPlan, ReminderPlanRequest, SendReportItem,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::batch::Batcher;
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
        let planner = settings
            .reminder_interval
            .map(|every| tokio::spawn(planner_loop(self.api.clone(), every, stop.clone())));
        let _ = inbound.await;
        let _ = outbound.await;
        if let Some(planner) = planner {
            let _ = planner.await;
        }
        tracing::info!("bot worker stopped");
        Ok(())
    }
}

/// Plans the reminders of today's and tomorrow's posyandu days, now and
/// then every `every`. Every worker may run it: the planner is idempotent,
/// so a second run queues nothing twice.
async fn planner_loop(api: Arc<ApiClient>, every: Duration, stop: CancellationToken) {
    loop {
        let request = ReminderPlanRequest {
            from: None,
            days: Some(2),
        };
        match api
            .post_json::<_, ReminderPlan>("/api/v1/reminders/plan", &request)
            .await
        {
            Ok(plan) => tracing::info!(
                posyandu_days = plan.posyandu_days,
                recipients = plan.recipients,
                queued = plan.queued,
                already_planned = plan.already_planned,
                opted_out = plan.opted_out,
                cancelled = plan.cancelled,
                "reminders planned"
            ),
            Err(error) => tracing::warn!(%error, "planning reminders failed; trying again later"),
        }
        if !pause(&stop, every).await {
            return;
        }
    }
}

/// Sleeps for `wait`, or less when told to stop. Returns whether to go on.
async fn pause(stop: &CancellationToken, wait: Duration) -> bool {
    tokio::select! {
        _ = stop.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

/// Free slots now: at least one (waited for), at most `max`.
async fn free_slots(
    permits: &Arc<Semaphore>,
    max: usize,
    stop: &CancellationToken,
) -> Option<Vec<OwnedSemaphorePermit>> {
    let first = tokio::select! {
        _ = stop.cancelled() => return None,
        permit = permits.clone().acquire_owned() => permit.ok()?,
    };
    let mut slots = vec![first];
    while slots.len() < max {
        match permits.clone().try_acquire_owned() {
            Ok(permit) => slots.push(permit),
            Err(_) => break,
        }
    }
    Some(slots)
}

/// Processes inbound messages as a pipeline: whenever a slot frees up, it
/// claims more, so a slow message never holds up the others. A claim holds
/// at most one message per sender (the API sees to it), so claimed
/// messages are handled side by side; their settlements are sent in
/// batches.
async fn inbound_loop(api: Arc<ApiClient>, settings: Arc<BotSettings>, stop: CancellationToken) {
    let pipeline_settings = Arc::new(PipelineSettings {
        own_numbers: settings.channels.own_numbers(),
        deny: settings.deny.clone(),
    });
    let settler = {
        let api = api.clone();
        Batcher::start(
            100,
            Duration::from_millis(5),
            move |items: Vec<OutcomeItem>| {
                let api = api.clone();
                async move { settle_batch(&api, items).await }
            },
        )
    };
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    while let Some(slots) = free_slots(&permits, 100, &stop).await {
        let claimed: Result<ClaimedMessages, ClientError> = api
            .post_json(
                "/api/v1/messages/claim",
                &ClaimRequest {
                    worker: settings.worker_name.clone(),
                    limit: Some(slots.len() as u32),
                    lease_seconds: Some(settings.lease_seconds),
                },
            )
            .await;
        let batch = match claimed {
            Ok(batch) => batch.items,
            Err(error) => {
                tracing::warn!(%error, "could not claim messages");
                drop(slots);
                if !pause(&stop, settings.retry_interval).await {
                    break;
                }
                continue;
            }
        };
        if batch.is_empty() {
            drop(slots);
            if !pause(&stop, settings.poll_interval).await {
                break;
            }
            continue;
        }
        for (claimed, permit) in batch.into_iter().zip(slots) {
            let api = api.clone();
            let worker = settings.worker_name.clone();
            let pipeline_settings = pipeline_settings.clone();
            let settler = settler.clone();
            tokio::spawn(async move {
                let id = claimed.message.id;
                match pipeline::process(&api, &pipeline_settings, &worker, &claimed).await {
                    Settlement::Settle(outcome) => {
                        settler
                            .push(OutcomeItem {
                                id,
                                outcome: *outcome,
                            })
                            .await
                    }
                    Settlement::Release { error } => release(&api, &worker, id, error).await,
                }
                drop(permit);
            });
        }
    }
    // Let the messages in hand finish (their settlements flush on their own).
    let _ = permits
        .acquire_many(settings.concurrency.max(1) as u32)
        .await;
}

async fn settle_batch(api: &ApiClient, items: Vec<OutcomeItem>) {
    let count = items.len();
    match api
        .post_json::<_, BatchResults>("/api/v1/messages/outcomes", &OutcomeBatch { items })
        .await
    {
        Ok(results) => {
            for item in results.items.iter().filter(|i| i.status != 200) {
                tracing::warn!(message_id = %item.id, status = item.status, "a message was not settled");
            }
        }
        // The leases run out and another worker takes the messages over;
        // their actions are replayed from their idempotency keys.
        Err(error) => tracing::warn!(%error, count, "could not settle messages"),
    }
}

async fn release(api: &ApiClient, worker: &str, id: uuid::Uuid, error: String) {
    tracing::warn!(message_id = %id, %error, "message released to be tried again");
    if let Err(error) = api
        .post_json::<_, InboundMessage>(
            &format!("/api/v1/messages/{id}/release"),
            &MessageRelease {
                worker: worker.to_owned(),
                retry_after_seconds: Some(10),
                error: Some(error),
            },
        )
        .await
    {
        tracing::warn!(message_id = %id, %error, "could not release a message");
    }
}

/// Sends the outbox as a pipeline, like the inbound side: claims whenever
/// a sending slot is free, reports results in batches.
async fn outbound_loop(
    api: Arc<ApiClient>,
    http: reqwest::Client,
    settings: Arc<BotSettings>,
    stop: CancellationToken,
) {
    let reporter = {
        let api = api.clone();
        Batcher::start(
            200,
            Duration::from_millis(5),
            move |items: Vec<SendReportItem>| {
                let api = api.clone();
                async move { dispatch::report_batch(&api, items).await }
            },
        )
    };
    let channels = Arc::new(settings.channels.clone());
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1) * 2));
    while let Some(slots) = free_slots(&permits, 200, &stop).await {
        let claim = dispatch::ClaimSettings {
            worker: &settings.worker_name,
            channels: &channels,
            rates: &settings.rates,
            recipient_gap_seconds: settings.recipient_gap_seconds,
            lease_seconds: settings.lease_seconds,
        };
        let claimed = dispatch::claim(&api, &claim, slots.len() as u32).await;
        let batch = match claimed {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, "could not claim the outbox");
                drop(slots);
                if !pause(&stop, settings.retry_interval).await {
                    break;
                }
                continue;
            }
        };
        if batch.is_empty() {
            drop(slots);
            if !pause(&stop, settings.poll_interval).await {
                break;
            }
            continue;
        }
        for (message, permit) in batch.into_iter().zip(slots) {
            let http = http.clone();
            let channels = channels.clone();
            let reporter = reporter.clone();
            let worker = settings.worker_name.clone();
            tokio::spawn(async move {
                let item = dispatch::send_one(&http, &channels, &worker, &message).await;
                reporter.push(item).await;
                drop(permit);
            });
        }
    }
    let _ = permits
        .acquire_many((settings.concurrency.max(1) * 2) as u32)
        .await;
}
