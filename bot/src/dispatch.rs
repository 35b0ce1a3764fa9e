//! Sending what the outbox holds: claim due messages, send each through its
//! channel, report what the provider answered.
use chrono::Utc;
use openapi::messages::{ClaimedOutbox, OutboxClaimRequest, OutboxMessage, SendReport, SendResult};

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

/// Claims a batch, sends it, reports each result. Returns how many it
/// handled (0: nothing was due).
pub async fn dispatch_once(
    api: &ApiClient,
    http: &reqwest::Client,
    set: &Channels,
    worker: &str,
    limit: u32,
) -> Result<usize, crate::client::ClientError> {
    let claimed: ClaimedOutbox = api
        .post_json(
            "/api/v1/outbox/claim",
            &OutboxClaimRequest {
                worker: worker.to_owned(),
                limit: Some(limit),
                lease_seconds: Some(60),
                channels: Some(set.sendable()),
            },
        )
        .await?;
    let count = claimed.items.len();
    let sends = claimed.items.iter().map(|message| async move {
        let started = Utc::now();
        let result = result_of(send(http, set, message).await);
        if let SendResult::Failed { code, .. } | SendResult::Unreachable { code, .. } = &result {
            tracing::warn!(message_id = %message.id, channel = %message.channel, %code, "send failed");
        }
        let report = SendReport {
            worker: worker.to_owned(),
            result,
        };
        let path = format!("/api/v1/outbox/{}/result", message.id);
        if let Err(error) = api
            .post_json::<_, OutboxMessage>(&path, &report)
            .await
        {
            // The lease runs out and the message is sent again: at least
            // once, never lost.
            tracing::warn!(message_id = %message.id, %error, "could not report a send");
        }
        tracing::debug!(message_id = %message.id, ms = (Utc::now() - started).num_milliseconds(), "sent");
    });
    futures_util::future::join_all(sends).await;
    Ok(count)
}
