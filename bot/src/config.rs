//! The bot's channels and behaviour, as configured by the operator.
use std::time::Duration;

use crate::channels::gateway::GatewayConfig;
use crate::channels::twilio::TwilioConfig;
use crate::channels::whatsapp::WhatsAppConfig;
use crate::client::Credentials;

/// The providers this installation talks to. A channel not configured is
/// neither received (its webhook answers 404) nor sent on.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub whatsapp: Option<WhatsAppConfig>,
    /// Our WhatsApp number (E.164), never answered (loop protection).
    pub whatsapp_number: Option<String>,
    pub twilio: Option<TwilioConfig>,
    pub gateways: Vec<GatewayConfig>,
    /// How providers reach the webhooks (`https://bot.example`), for
    /// Twilio's signature, which covers the URL it called.
    pub public_url: Option<String>,
}

impl Channels {
    pub fn gateway(&self, name: &str) -> Option<&GatewayConfig> {
        self.gateways.iter().find(|g| g.name == name)
    }

    /// The rate limits of the channels this worker sends on: WhatsApp at
    /// `whatsapp`, every SMS channel (Twilio, gateways) at `sms`, each
    /// messages/s, 0 = no limit.
    pub fn rates(&self, whatsapp: f64, sms: f64) -> Vec<openapi::messages::ChannelRate> {
        self.sendable()
            .into_iter()
            .filter_map(|channel| {
                let per_second = match channel.as_str() {
                    "console" => return None,
                    "whatsapp" => whatsapp,
                    _ => sms,
                };
                Some(openapi::messages::ChannelRate {
                    channel,
                    per_second,
                })
            })
            .collect()
    }

    /// Where a failed WhatsApp message goes next: SMS, if this worker can
    /// send it.
    pub fn fallback_for(&self, channel: &str) -> Option<String> {
        (channel == "whatsapp" && self.twilio.is_some()).then(|| "sms".to_owned())
    }

    /// The channel names the dispatcher can send on.
    pub fn sendable(&self) -> Vec<String> {
        let mut names = vec!["console".to_owned()];
        if self.whatsapp.is_some() {
            names.push("whatsapp".into());
        }
        if self.twilio.is_some() {
            names.push("sms".into());
        }
        names.extend(self.gateways.iter().map(|g| format!("gateway:{}", g.name)));
        names
    }

    /// Our own numbers on every channel (never answered).
    pub fn own_numbers(&self) -> Vec<String> {
        let mut numbers: Vec<String> = self.whatsapp_number.iter().cloned().collect();
        if let Some(from) = self.twilio.as_ref().and_then(|t| t.from.clone()) {
            numbers.push(from);
        }
        numbers
    }
}

#[derive(Debug, Clone)]
pub struct BotSettings {
    /// Base URL of the API, e.g. `http://127.0.0.1:8080`.
    pub api_url: String,
    pub credentials: Credentials,
    pub channels: Channels,
    /// Numbers never answered (carrier short codes, other bots), E.164.
    pub deny: Vec<String>,
    /// This worker's name in leases (host and process id by default).
    pub worker_name: String,
    /// How long to wait between attempts while the API is unreachable.
    pub retry_interval: Duration,
    /// How often an idle worker looks for new messages.
    pub poll_interval: Duration,
    /// Messages processed at once by this worker.
    pub concurrency: usize,
    /// How often to plan reminders (None: never; another worker or an
    /// operator does it).
    pub reminder_interval: Option<Duration>,
    /// Rate limits of the channels, shared by all workers through the
    /// API's claims (messages/s; a channel not named is not paced).
    pub rates: Vec<openapi::messages::ChannelRate>,
    /// A reminder waits this long after the last message to its recipient.
    pub recipient_gap_seconds: u32,
    /// How long a claimed message stays this worker's: a worker that dies
    /// holds its messages this long before another takes them over.
    pub lease_seconds: u32,
}

impl BotSettings {
    pub fn new(api_url: impl Into<String>, credentials: Credentials) -> BotSettings {
        BotSettings {
            api_url: api_url.into(),
            credentials,
            channels: Channels::default(),
            deny: Vec::new(),
            worker_name: default_worker_name(),
            retry_interval: Duration::from_secs(2),
            poll_interval: Duration::from_millis(100),
            concurrency: 64,
            reminder_interval: Some(Duration::from_secs(15 * 60)),
            rates: Vec::new(),
            recipient_gap_seconds: 0,
            lease_seconds: 60,
        }
    }
}

fn default_worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "bot".into());
    format!("{host}-{}", std::process::id())
}
