//! A bot worker in a process of its own, for the tests that kill one
//! (`kill -9`) in the middle of its work and start another.
//!
//! ```text
//! bot_worker API_URL CLIENT_ID CLIENT_SECRET STANDIN_URL LEASE_SECONDS
//! ```
//!
//! It sends on the test installation's channels (every provider at the
//! stand-in), with the default pacing, until it is killed or gets SIGTERM.
use posyandu_bot::{Credentials, Worker};
use posyandu_tests::bot::{test_channels, worker_settings};
use posyandu_tests::test_settings;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs on stderr, as the real binary writes them (RUST_LOG).
    posyandu_api::telemetry::init(Some(posyandu_api::config::LogFormat::Pretty));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [api_url, client_id, client_secret, standin_url, lease] = args.as_slice() else {
        anyhow::bail!(
            "usage: bot_worker API_URL CLIENT_ID CLIENT_SECRET STANDIN_URL LEASE_SECONDS"
        );
    };
    // Only the channels and pacing of these settings are used.
    let mut settings = test_settings("sqlite::memory:");
    settings.channels = test_channels(standin_url);
    let credentials = Credentials {
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
    };
    let mut bot = worker_settings(&settings, api_url, credentials);
    bot.lease_seconds = lease.parse()?;
    bot.worker_name = format!("bot-worker-{}", std::process::id());
    let stop = CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_signal.cancel();
    });
    Worker::new(bot).run(stop).await?;
    Ok(())
}
