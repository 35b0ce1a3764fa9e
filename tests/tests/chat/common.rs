//! What the chat tests share: one area with a kader who reports by chat,
//! a "phone" that sends on one channel and reads the replies, and waits on
//! the API for what the bot did.
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use openapi::Page;
use openapi::areas::{Posyandu, Puskesmas};
use openapi::growth::Sex;
use openapi::messages::{InboundMessage, InboundStatus, OutboxMessage};
use openapi::registry::Person;
use posyandu_api::config::Settings;
use posyandu_api::services::{Authority, people};
use posyandu_tests::bot::{ChatApp, spawn_chat_app_with, spawn_chat_app_without_worker};
use posyandu_tests::standin::Route;
use posyandu_tests::world::{new_kader_with_phone, new_person_body, new_posyandu, new_puskesmas};
use posyandu_tests::{Caller, json};

/// The kader of Posyandu Melati who reports by chat, in E.164.
pub const KADER: &str = "+6281337000201";

/// One area (Puskesmas Buleleng III › Posyandu Melati) with its kader, and
/// a national admin to look at what the bot did.
pub struct Area {
    pub chat: ChatApp,
    pub puskesmas: Puskesmas,
    pub posyandu: Posyandu,
    pub admin: Caller,
}

pub async fn area() -> Area {
    area_with(|_| {}).await
}

pub async fn area_with(configure: impl FnOnce(&mut Settings)) -> Area {
    area_with_worker(true, configure).await
}

/// The area, with or without the in-process bot worker (a test that runs
/// its own worker process goes without).
pub async fn area_with_worker(worker: bool, configure: impl FnOnce(&mut Settings)) -> Area {
    let chat = if worker {
        spawn_chat_app_with(configure).await
    } else {
        spawn_chat_app_without_worker(configure).await
    };
    area_around(chat).await
}

/// The puskesmas, the posyandu and its kader (phone [`KADER`]) in a chat
/// installation started elsewhere.
pub async fn area_around(chat: ChatApp) -> Area {
    let puskesmas = new_puskesmas(
        &chat.app,
        "P5108060203",
        "Puskesmas Buleleng III",
        "51.08.06",
        &["51.08.06.2004"],
    )
    .await;
    let posyandu = new_posyandu(&chat.app, "Posyandu Melati", "51.08.06.2004", &puskesmas).await;
    new_kader_with_phone(&chat.app, "Kadek Sari", &posyandu, Some(KADER)).await;
    let admin = chat.app.admin().await;
    Area {
        chat,
        puskesmas,
        posyandu,
        admin,
    }
}

/// A person of the posyandu with a phone number (a mother who gets
/// reminders).
pub async fn new_person_with_phone(
    area: &Area,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
    phone: &str,
) -> Person {
    let mut body = new_person_body(name, sex, birth, &area.posyandu);
    body.phone = Some(phone.to_owned());
    people::create_person(&area.chat.app.db, Authority::Operator, body)
        .await
        .unwrap_or_else(|e| panic!("person {name}: {e:?}"))
}

/// The way a phone reaches the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    WhatsApp,
    Sms,
}

impl Via {
    pub fn route(self) -> Route {
        match self {
            Via::WhatsApp => Route::WhatsApp,
            Via::Sms => Route::Twilio,
        }
    }

    /// What a reply text becomes on this channel: an SMS carries GSM-7
    /// only, so the ticks, crosses, minus signs and arrows are spelled.
    pub fn shown(self, text: &str) -> String {
        match self {
            Via::WhatsApp => text.to_owned(),
            Via::Sms => text
                .replace('\u{2713}', "OK")
                .replace('\u{2717}', "X")
                .replace('\u{2212}', "-")
                .replace('\u{2192}', "->"),
        }
    }
}

/// A phone talking to the bot on one channel; it remembers how many
/// replies it has read.
pub struct Phone<'a> {
    pub chat: &'a ChatApp,
    pub via: Via,
    /// E.164.
    pub number: String,
    pub seen: usize,
}

impl<'a> Phone<'a> {
    pub fn new(chat: &'a ChatApp, via: Via, number: &str) -> Phone<'a> {
        Phone {
            chat,
            via,
            number: number.to_owned(),
            seen: 0,
        }
    }

    /// A fresh provider message id for this channel.
    pub fn new_id(&self) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match self.via {
            Via::WhatsApp => format!("wamid.{id}"),
            Via::Sms => format!("SM{id}"),
        }
    }

    /// Delivers `text` under provider id `id`, as the provider would.
    pub async fn deliver(&self, id: &str, text: &str) {
        let response = match self.via {
            Via::WhatsApp => {
                self.chat
                    .whatsapp(self.number.trim_start_matches('+'), id, text)
                    .await
            }
            Via::Sms => self.chat.sms(&self.number, id, text).await,
        };
        assert_eq!(response.status(), 200, "webhook for {text:?}");
    }

    /// Sends a new message without waiting; returns its provider id.
    pub async fn post(&self, text: &str) -> String {
        let id = self.new_id();
        self.deliver(&id, text).await;
        id
    }

    /// The next reply.
    pub async fn next_reply(&mut self) -> String {
        let reply = self
            .chat
            .reply(self.via.route(), &self.number, self.seen)
            .await;
        self.seen += 1;
        if self.via == Via::Sms {
            assert!(
                posyandu_bot::chat::sms::gsm7_septets(&reply).is_some(),
                "an SMS reply is GSM-7: {reply}"
            );
        }
        reply
    }

    /// Sends `text` and waits for the reply to it.
    pub async fn send(&mut self, text: &str) -> String {
        self.post(text).await;
        self.next_reply().await
    }

    /// `text` as this channel shows it.
    pub fn shown(&self, text: &str) -> String {
        self.via.shown(text)
    }

    /// Every reply this number got on this channel so far.
    pub fn replies(&self) -> Vec<String> {
        self.chat.texts_to(self.via.route(), &self.number)
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// The stored message of a provider id, waiting until the bot has settled
/// it (any state but received or processing).
pub async fn settled(area: &Area, provider_id: &str) -> InboundMessage {
    let started = Instant::now();
    loop {
        if let Some(message) = message_by_provider_id(area, provider_id).await
            && !matches!(
                message.status,
                InboundStatus::Received | InboundStatus::Processing
            )
        {
            return message;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "message {provider_id} was not settled in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn message_by_provider_id(area: &Area, provider_id: &str) -> Option<InboundMessage> {
    all_messages(area, &area.admin, "")
        .await
        .into_iter()
        .find(|m| m.provider_message_id == provider_id)
}

/// `GET /api/v1/messages` with an optional query, every page.
pub async fn all_messages(area: &Area, caller: &Caller, query: &str) -> Vec<InboundMessage> {
    let path = format!("/api/v1/messages?limit=200{query}");
    let page: Page<InboundMessage> = json(area.chat.app.get(&path, caller).await, 200).await;
    assert!(
        page.next_cursor.is_none(),
        "a test has fewer than 200 messages"
    );
    page.items
}

/// `GET` as the admin, expecting 200.
pub async fn admin_get<T: serde::de::DeserializeOwned>(area: &Area, path: &str) -> T {
    json(area.chat.app.get(path, &area.admin).await, 200).await
}

/// A child's weighings, as the admin reads them.
pub async fn weighings(area: &Area, child: uuid::Uuid) -> Vec<openapi::growth::Weighing> {
    let path = format!("/api/v1/children/{child}/weighings");
    json(area.chat.app.get(&path, &area.admin).await, 200).await
}

/// `GET /api/v1/outbox?to=…` as the admin.
pub async fn outbox_to(area: &Area, to: &str) -> Vec<OutboxMessage> {
    let path = format!("/api/v1/outbox?limit=200&to={}", to.replace('+', "%2B"));
    let page: Page<OutboxMessage> = json(area.chat.app.get(&path, &area.admin).await, 200).await;
    page.items
}

/// Waits for `check` to hold, polling every 25 ms, for at most `seconds`.
pub async fn eventually<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "waited {seconds} s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
