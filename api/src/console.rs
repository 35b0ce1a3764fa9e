//! `posyandu chat`: talk to the bot from a terminal, as a kader or a mother.
//!
//! Each message goes through the same pipeline as WhatsApp and SMS: it is
//! stored through the API on the `console` channel, a bot worker processes
//! it, and the reply is read back from the stored message. So what you see
//! here is what a kader's phone would show.
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use openapi::messages::{InboundMessage, InboundStatus, NewInboundMessage};
use posyandu_bot::{ApiClient, Credentials};

use crate::cli::ChatArgs;
use crate::config::Settings;
use crate::local::BotCredentials;

/// How long to wait for the bot's answer.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

fn credentials(settings: &Settings) -> anyhow::Result<Credentials> {
    if let (Some(id), Some(secret)) = (&settings.bot_client_id, &settings.bot_client_secret) {
        return Ok(Credentials {
            client_id: id.clone(),
            client_secret: secret.expose().to_owned(),
        });
    }
    let path = settings.data_dir.join("bot-client.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no bot credentials: set POSYANDU_BOT_CLIENT_ID and POSYANDU_BOT_CLIENT_SECRET, \
             or run this next to the all-in-one server's data folder ({} not found)",
            path.display()
        )
    })?;
    let stored: BotCredentials =
        serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    Ok(Credentials {
        client_id: stored.client_id,
        client_secret: stored.client_secret,
    })
}

pub async fn run(settings: Settings, args: ChatArgs) -> anyhow::Result<()> {
    let api_url = args
        .api
        .clone()
        .or(settings.api_url.clone())
        .unwrap_or_else(|| format!("http://{}", settings.listen));
    let api = ApiClient::new(api_url.clone(), credentials(&settings)?);
    api.readiness()
        .await
        .with_context(|| format!("the API at {api_url} does not answer; is the server running?"))?;
    if let Some(text) = &args.message {
        let reply = exchange(&api, &args.from, text).await?;
        crate::say!("{reply}");
        return Ok(());
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    if interactive {
        crate::say!(
            "Chat as {} (type BANTU for the commands; an empty line or Ctrl-D ends).",
            args.from
        );
    }
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        if line.trim().is_empty() {
            if interactive {
                break;
            }
            continue;
        }
        let reply = exchange(&api, &args.from, &line).await?;
        crate::say!("{reply}");
    }
    Ok(())
}

/// Sends one message and waits for the bot's reply.
async fn exchange(api: &ApiClient, from: &str, text: &str) -> anyhow::Result<String> {
    let new = NewInboundMessage {
        channel: "console".into(),
        provider_message_id: format!("console-{}", uuid::Uuid::now_v7()),
        from: from.to_owned(),
        to: None,
        kind: "text".into(),
        text: Some(text.to_owned()),
        sent_at: Some(chrono::Utc::now()),
        profile_name: None,
        raw: None,
    };
    let stored: InboundMessage = api
        .post_json("/api/v1/messages/inbound", &new)
        .await
        .context("the API did not take the message")?;
    let started = Instant::now();
    loop {
        let message: InboundMessage = api
            .get_json(&format!("/api/v1/messages/{}", stored.id))
            .await
            .context("cannot read the message back")?;
        match message.status {
            InboundStatus::Received | InboundStatus::Processing => {}
            InboundStatus::Ignored => return Ok("(no reply: the bot ignores this number)".into()),
            _ => {
                return Ok(message.reply.unwrap_or_else(|| "(no reply)".into()));
            }
        }
        if started.elapsed() > REPLY_TIMEOUT {
            bail!(
                "no reply within {} s: is a bot worker running?",
                REPLY_TIMEOUT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
