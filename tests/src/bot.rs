//! The whole chat path for end-to-end tests: the real server with the
//! webhooks mounted, a real bot worker in the same process, and the
//! providers' stand-in on its own port. A test posts signed webhooks as
//! WhatsApp or Twilio would, and reads the bot's replies from what the
//! stand-in was sent.
use std::sync::Arc;
use std::time::{Duration, Instant};

use openapi::Role;
use openapi::clients::NewApiClient;
use posyandu_api::access::role_scopes;
use posyandu_api::config::Settings;
use posyandu_api::services::{Authority, clients};
use posyandu_api::startup::Application;
use posyandu_bot::channels::twilio::TwilioConfig;
use posyandu_bot::channels::whatsapp::WhatsAppConfig;
use posyandu_bot::{BotSettings, Channels, Credentials, Worker};
use tokio_util::sync::CancellationToken;

use crate::standin::{self, Route, StandIn};
use crate::{TestApp, TestDatabase, test_settings};

pub const WHATSAPP_APP_SECRET: &str = "whatsapp-app-secret-for-tests";
pub const WHATSAPP_VERIFY_TOKEN: &str = "whatsapp-verify-token";
pub const PHONE_NUMBER_ID: &str = "109876543210";
/// Our SMS number at Twilio.
pub const SMS_NUMBER: &str = "+6281100002222";

/// The server with its bot, and the stand-in it sends to.
pub struct ChatApp {
    pub app: TestApp,
    pub standin: StandIn,
    stop: CancellationToken,
    /// The bot's API client.
    pub credentials: Credentials,
}

impl Drop for ChatApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts everything; `configure` may change the settings first.
pub async fn spawn_chat_app_with(configure: impl FnOnce(&mut Settings)) -> ChatApp {
    spawn(configure, true).await
}

/// The server and the stand-in, without a bot worker: the test runs its
/// own (in another process, say) with `ChatApp::credentials`.
pub async fn spawn_chat_app_without_worker(configure: impl FnOnce(&mut Settings)) -> ChatApp {
    spawn(configure, false).await
}

/// Everything on a database the caller made (a private PostgreSQL cluster
/// that a fault test stops and starts).
pub async fn spawn_chat_app_on(
    database_url: &str,
    configure: impl FnOnce(&mut Settings),
    with_worker: bool,
) -> ChatApp {
    let database = (TestDatabase::Given, database_url.to_owned());
    spawn_on(database, configure, with_worker).await
}

async fn spawn(configure: impl FnOnce(&mut Settings), with_worker: bool) -> ChatApp {
    spawn_on(TestDatabase::create().await, configure, with_worker).await
}

async fn spawn_on(
    (database, url): (TestDatabase, String),
    configure: impl FnOnce(&mut Settings),
    with_worker: bool,
) -> ChatApp {
    // `POSYANDU_TEST_LOG=1` shows the server's and the bot's logs.
    if std::env::var_os("POSYANDU_TEST_LOG").is_some() {
        posyandu_api::telemetry::init(Some(posyandu_api::config::LogFormat::Pretty));
    }
    let standin = StandIn::start().await;
    let mut settings = test_settings(&url);
    settings.channels = test_channels(standin.base_url());
    configure(&mut settings);
    let db = posyandu_api::db::connect(&url, settings.db_max_connections)
        .await
        .expect("connect");
    posyandu_api::db::migrate_up(&db).await.expect("migrate");
    let bot = clients::create(
        &db,
        Authority::Operator,
        NewApiClient {
            name: "bot for tests".into(),
            role: Some(Role::Bot),
            scopes: role_scopes(Role::Bot).to_vec(),
            area_code: "ID".into(),
        },
    )
    .await
    .expect("bot client");
    let credentials = Credentials {
        client_id: bot.client.client_id,
        client_secret: bot.client_secret,
    };
    let settings = Arc::new(settings);
    let server = Application::build_with(settings.clone(), db.clone(), Some(credentials.clone()))
        .await
        .expect("build");
    let address = format!("http://127.0.0.1:{}", server.port());
    let handle = server.handle();
    tokio::spawn(server.run_until_stopped());
    let stop = CancellationToken::new();
    if with_worker {
        let worker = Worker::new(worker_settings(&settings, &address, credentials.clone()));
        tokio::spawn(worker.run(stop.clone()));
    }
    ChatApp {
        app: TestApp::from_parts(address, db, settings, handle, database),
        standin,
        stop,
        credentials,
    }
}

/// The channels of a test installation, every provider at the stand-in.
pub fn test_channels(standin_base: &str) -> Channels {
    let mut whatsapp = WhatsAppConfig::new(
        PHONE_NUMBER_ID,
        standin::WHATSAPP_TOKEN,
        WHATSAPP_APP_SECRET,
        WHATSAPP_VERIFY_TOKEN,
    );
    whatsapp.base_url = standin_base.to_owned();
    Channels {
        whatsapp: Some(whatsapp),
        whatsapp_number: Some(format!("+{}", standin::DISPLAY_PHONE_NUMBER)),
        twilio: Some(TwilioConfig {
            base_url: standin_base.to_owned(),
            account_sid: standin::TWILIO_ACCOUNT_SID.to_owned(),
            auth_token: standin::TWILIO_AUTH_TOKEN.to_owned(),
            from: Some(SMS_NUMBER.to_owned()),
            messaging_service_sid: None,
            status_callback_url: None,
        }),
        ..Channels::default()
    }
}

/// A bot worker for the installation `settings` describes, quick to poll.
pub fn worker_settings(
    settings: &Settings,
    address: &str,
    credentials: Credentials,
) -> BotSettings {
    BotSettings {
        channels: settings.channels.clone(),
        deny: settings.bot_deny.clone(),
        poll_interval: Duration::from_millis(20),
        retry_interval: Duration::from_millis(200),
        // Tests plan reminders when they mean to (POST /reminders/plan), so
        // what reaches the stand-in does not depend on the date.
        reminder_interval: None,
        // The installation's pacing, as `posyandu bot` would use it.
        rates: settings.channels.rates(
            settings.whatsapp_rate_per_second,
            settings.sms_rate_per_second,
        ),
        recipient_gap_seconds: settings.recipient_gap_seconds,
        ..BotSettings::new(address.to_owned(), credentials)
    }
}

pub async fn spawn_chat_app() -> ChatApp {
    spawn_chat_app_with(|_| {}).await
}

impl ChatApp {
    /// Posts a signed WhatsApp text message from `from` (`6281…`).
    pub async fn whatsapp(&self, from: &str, id: &str, text: &str) -> reqwest::Response {
        self.whatsapp_raw(standin::whatsapp_text_webhook(
            from,
            id,
            text,
            PHONE_NUMBER_ID,
        ))
        .await
    }

    /// Posts a WhatsApp webhook body (messages or statuses), signed with the
    /// app secret as Meta would.
    pub async fn whatsapp_raw(&self, body: Vec<u8>) -> reqwest::Response {
        let signature = standin::whatsapp_signature(&body, WHATSAPP_APP_SECRET);
        self.app
            .http
            .post(self.app.url("/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", signature)
            .body(body)
            .send()
            .await
            .expect("webhook")
    }

    /// Posts a signed Twilio SMS from `from` (`+6281…`).
    pub async fn sms(&self, from: &str, sid: &str, text: &str) -> reqwest::Response {
        let url = self.app.url("/webhooks/twilio");
        let body = standin::twilio_inbound_form(sid, from, SMS_NUMBER, text);
        let signature = standin::twilio_signature(&url, &body, standin::TWILIO_AUTH_TOKEN);
        self.app
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", signature)
            .body(body)
            .send()
            .await
            .expect("webhook")
    }

    /// The texts the stand-in accepted for `to` (any way the provider
    /// writes the number) on `route`, in order.
    pub fn texts_to(&self, route: Route, to: &str) -> Vec<String> {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let wanted = digits(to);
        self.standin
            .requests_to(route)
            .iter()
            .filter(|r| r.answered.is_some_and(|s| (200..300).contains(&s)))
            .filter_map(standin::sent_text)
            .filter(|(recipient, _)| digits(recipient) == wanted)
            .map(|(_, text)| text)
            .collect()
    }

    /// Waits until `to` has been sent `count` texts on `route`, and
    /// returns them.
    pub async fn wait_for_texts(&self, route: Route, to: &str, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let texts = self.texts_to(route, to);
            if texts.len() >= count {
                return texts;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited 20 s for {count} texts to {to}; got {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the next reply to `to`, given it has had `seen` before.
    pub async fn reply(&self, route: Route, to: &str, seen: usize) -> String {
        let texts = self.wait_for_texts(route, to, seen + 1).await;
        texts[seen].clone()
    }
}
