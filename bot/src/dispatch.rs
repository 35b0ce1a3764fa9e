//! Sending what the outbox holds: claim due messages, send each through its
//! channel, report what the provider answered.
use openapi::messages::{
    BatchResults, ChannelRate, ClaimedOutbox, OutboxClaimRequest, OutboxMessage, SendReport,
    SendReportBatch, SendReportItem, SendResult,
};

use crate::channels::{self, Body, Outgoing, SendError, Sent};
use crate::chat::sms;
use crate::client::ApiClient;
use crate::config::Channels;

/// The text as a channel can carry it: SMS gets GSM-7 (a ✓ or an accent
/// would otherwise turn every segment into 70-character UCS-2).
pub fn text_for(channel: &str, text: &str) -> String {
    if channel == "sms" {
        sms::to_gsm7(text)
    } else {
        text.to_owned()
    }
}

fn outgoing(message: &OutboxMessage) -> Outgoing {
    let text = text_for(&message.channel, message.text.as_deref().unwrap_or(""));
    let body = match &message.template {
        Some(t) if message.channel == "whatsapp" => Body::Template {
            name: t.name.clone(),
            language: t.language.clone(),
            parameters: t.parameters.clone(),
            fallback_text: text,
        },
        _ => Body::Text(text),
    };
    Outgoing {
        to: message.to.clone(),
        body,
    }
}

/// Sends one message through its channel.
pub async fn send(
    http: &reqwest::Client,
    set: &Channels,
    message: &OutboxMessage,
) -> Result<Sent, SendError> {
    let out = outgoing(message);
    match message.channel.as_str() {
        // The console reads its replies from the API: nothing to send.
        "console" => Ok(Sent {
            provider_message_id: format!("console-{}", message.id),
        }),
        "whatsapp" => match &set.whatsapp {
            Some(config) => channels::whatsapp::send(http, config, &out).await,
            None => Err(not_configured("whatsapp")),
        },
        "sms" => match &set.twilio {
            Some(config) => channels::twilio::send(http, config, &out).await,
            None => Err(not_configured("sms")),
        },
        other => match other
            .strip_prefix("gateway:")
            .and_then(|name| set.gateway(name))
        {
            Some(gateway) => channels::gateway::send(http, &gateway.outbound, &out).await,
            None => Err(not_configured(other)),
        },
    }
}

fn not_configured(channel: &str) -> SendError {
    SendError::Permanent {
        code: "channel_not_configured".into(),
        detail: format!("the {channel} channel is not configured"),
    }
}

fn result_of(outcome: Result<Sent, SendError>) -> SendResult {
    match outcome {
        Ok(sent) => SendResult::Sent {
            provider_message_id: sent.provider_message_id,
        },
        Err(SendError::Temporary {
            code,
            detail,
            retry_after,
        }) => SendResult::Retry {
            code,
            detail,
            retry_after_seconds: retry_after.map(|d| d.as_secs().min(u32::MAX as u64) as u32),
        },
        Err(SendError::Unreachable { code, detail }) => SendResult::Unreachable { code, detail },
        Err(SendError::Permanent { code, detail }) => SendResult::Failed { code, detail },
    }
}

/// What a worker claims with: its name, the channels it can send on and
/// their rate limits, the gap between bulk messages to one number.
pub struct ClaimSettings<'a> {
    pub worker: &'a str,
    pub channels: &'a Channels,
    pub rates: &'a [ChannelRate],
    pub recipient_gap_seconds: u32,
    pub lease_seconds: u32,
}

/// Claims up to `limit` due outbox messages on the channels this worker
/// can send on. A message on a paced channel comes with the moment to send
/// it (`not_before`, at most a second ahead).
pub async fn claim(
    api: &ApiClient,
    settings: &ClaimSettings<'_>,
    limit: u32,
) -> Result<Vec<OutboxMessage>, crate::client::ClientError> {
    let claimed: ClaimedOutbox = api
        .post_json(
            "/api/v1/outbox/claim",
            &OutboxClaimRequest {
                worker: settings.worker.to_owned(),
                limit: Some(limit),
                lease_seconds: Some(settings.lease_seconds),
                channels: Some(settings.channels.sendable()),
                rates: Some(settings.rates.to_vec()),
                recipient_gap_seconds: Some(settings.recipient_gap_seconds),
            },
        )
        .await?;
    Ok(claimed.items)
}

/// Waits for a claimed message's send slot (the pace of its channel).
pub async fn wait_for_slot(message: &OutboxMessage) {
    let ahead = message.not_before - chrono::Utc::now();
    if let Ok(ahead) = ahead.to_std()
        && !ahead.is_zero()
    {
        tokio::time::sleep(ahead.min(std::time::Duration::from_secs(5))).await;
    }
}

/// Sends one claimed message; the result, ready to report.
pub async fn send_one(
    http: &reqwest::Client,
    set: &Channels,
    worker: &str,
    message: &OutboxMessage,
) -> SendReportItem {
    wait_for_slot(message).await;
    let result = result_of(send(http, set, message).await);
    if let SendResult::Failed { code, .. } | SendResult::Unreachable { code, .. } = &result {
        tracing::warn!(message_id = %message.id, channel = %message.channel, %code, "send failed");
    }
    // Offered with a retry too: should the API give the message up, it
    // still goes by SMS.
    let fallback_channel = match &result {
        SendResult::Sent { .. } => None,
        _ => set.fallback_for(&message.channel),
    };
    SendReportItem {
        id: message.id,
        report: SendReport {
            worker: worker.to_owned(),
            result,
            fallback_channel,
        },
    }
}

/// Reports many send results in one request.
pub async fn report_batch(api: &ApiClient, items: Vec<SendReportItem>) {
    let count = items.len();
    match api
        .post_json::<_, BatchResults>("/api/v1/outbox/results", &SendReportBatch { items })
        .await
    {
        Ok(results) => {
            for item in results.items.iter().filter(|i| i.status != 200) {
                tracing::warn!(message_id = %item.id, status = item.status, "a send result was not recorded");
            }
        }
        // The leases run out and the messages are sent again: at least
        // once, never lost.
        Err(error) => tracing::warn!(%error, count, "could not report sends"),
    }
}
