//! Replies reach the kader even when the provider fails for a while, and
//! the providers' status callbacks move each reply forward, never back.
use std::time::Duration;

use chrono::Utc;
use entity::outbox_message;
use openapi::messages::{OutboxMessage, OutboxStatus};
use posyandu_tests::bot::PHONE_NUMBER_ID;
use posyandu_tests::standin::{self, FailWith, Route, TWILIO_AUTH_TOKEN};
use posyandu_tests::world::{new_child, years_ago};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{Area, KADER, Phone, Via, area, eventually, outbox_to};

async fn replies(area: &Area, channel: &str) -> Vec<OutboxMessage> {
    outbox_to(area, KADER)
        .await
        .into_iter()
        .filter(|m| m.channel == channel)
        .collect()
}

/// The one reply to the kader on `channel`, as the outbox lists it.
async fn the_reply(area: &Area, channel: &str) -> OutboxMessage {
    let replies = replies(area, channel).await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    replies.into_iter().next().unwrap()
}

/// Whether the one reply on `channel` is there and `check` holds for it.
async fn reply_is(area: &Area, channel: &str, check: impl Fn(&OutboxMessage) -> bool) -> bool {
    let replies = replies(area, channel).await;
    assert!(replies.len() <= 1, "{replies:?}");
    replies.first().is_some_and(check)
}

#[tokio::test]
async fn a_reply_the_provider_refused_with_503_is_sent_again_after_the_backoff() {
    let area = area().await;
    let ayu = new_child(
        &area.chat.app,
        "Putu Ayu",
        years_ago(1),
        &area.posyandu,
        None,
    )
    .await;
    area.chat
        .standin
        .fail_next(Route::WhatsApp, 1, FailWith::status(503));
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    kader
        .post(&format!("TIMBANG {} 8,5 72", ayu.person.code))
        .await;

    // The first attempt fails; the reply waits for its next attempt.
    eventually(10, "the failed attempt to be reported", || {
        reply_is(&area, "whatsapp", |r| {
            r.attempts == 1 && r.status == OutboxStatus::Queued
        })
    })
    .await;
    let waiting = the_reply(&area, "whatsapp").await;
    assert!(waiting.error_code.is_some(), "{waiting:?}");
    let wait = waiting.not_before - waiting.updated_at;
    assert!(
        (10..=13).contains(&wait.num_seconds()),
        "the first backoff is 10 s plus jitter: {wait}"
    );
    let attempts = area.chat.standin.requests_to(Route::WhatsApp);
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].answered, Some(503));
    // The worker polls every 20 ms: in a second it would have tried again
    // many times if it did not keep to the backoff.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(area.chat.standin.requests_to(Route::WhatsApp).len(), 1);
    assert!(kader.replies().is_empty());

    // The backoff runs out. The API has no clock a test could move, and
    // waiting out the real 10–12 s would make this the slowest test by far,
    // so the test brings the retry time forward in the database (nothing
    // else is touched: the worker claims and sends as it would then).
    // `POSYANDU_TEST_REAL_BACKOFF=1` waits it out instead.
    if std::env::var_os("POSYANDU_TEST_REAL_BACKOFF").is_none() {
        outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::NotBefore,
                Expr::value(Utc::now() - chrono::Duration::seconds(1)),
            )
            .filter(outbox_message::Column::Id.eq(waiting.id))
            .exec(&area.chat.app.db)
            .await
            .expect("the retry brought forward");
    }
    let reply = kader.next_reply().await;
    assert!(
        reply.starts_with("\u{2713} Putu Ayu (1 th) BB 8,5 kg"),
        "{reply}"
    );
    // The stand-in has it; the worker reports the send just after.
    eventually(10, "the reply to be marked sent", || {
        reply_is(&area, "whatsapp", |r| r.status == OutboxStatus::Sent)
    })
    .await;
    let sent = the_reply(&area, "whatsapp").await;
    assert_eq!(sent.attempts, 2);
    assert!(sent.provider_message_id.is_some());
    assert_eq!(kader.replies().len(), 1, "delivered once");
}

async fn whatsapp_status(area: &Area, provider_id: &str, status: &str) {
    let body = standin::whatsapp_status_webhook(provider_id, KADER, status, None, PHONE_NUMBER_ID);
    let response = area.chat.whatsapp_raw(body).await;
    assert_eq!(response.status(), 200, "status {status}");
}

async fn twilio_status(area: &Area, sid: &str, status: &str) {
    let url = area.chat.app.url("/webhooks/twilio/status");
    let form = standin::twilio_status_form(sid, status, None);
    let signature = standin::twilio_signature(&url, &form, TWILIO_AUTH_TOKEN);
    let response = area
        .chat
        .app
        .http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "status {status}");
}

#[tokio::test]
async fn status_callbacks_mark_a_reply_delivered_then_read_and_never_back() {
    let area = area().await;
    let mut kader = Phone::new(&area.chat, Via::WhatsApp, KADER);
    kader.send("JADWAL").await;
    eventually(10, "the reply to be marked sent", || {
        reply_is(&area, "whatsapp", |r| r.status == OutboxStatus::Sent)
    })
    .await;
    let reply = the_reply(&area, "whatsapp").await;
    let wamid = reply
        .provider_message_id
        .clone()
        .expect("the provider's id");
    // The id is the one the stand-in gave the bot.
    let answered = area.chat.standin.requests_to(Route::WhatsApp);
    assert_eq!(answered.len(), 1);
    assert!(wamid.starts_with("wamid."), "{wamid}");

    whatsapp_status(&area, &wamid, "delivered").await;
    let delivered = the_reply(&area, "whatsapp").await;
    assert_eq!(delivered.status, OutboxStatus::Delivered);
    assert!(delivered.delivered_at.is_some());
    assert!(delivered.read_at.is_none());

    whatsapp_status(&area, &wamid, "read").await;
    let read = the_reply(&area, "whatsapp").await;
    assert_eq!(read.status, OutboxStatus::Read);
    assert!(read.read_at.is_some());

    // Late and out of order: a delivered, a sent and a failure after the
    // read change nothing.
    whatsapp_status(&area, &wamid, "delivered").await;
    whatsapp_status(&area, &wamid, "sent").await;
    let body = standin::whatsapp_status_webhook(
        &wamid,
        KADER,
        "failed",
        Some((131026, "Message undeliverable")),
        PHONE_NUMBER_ID,
    );
    let response = area.chat.whatsapp_raw(body).await;
    assert_eq!(response.status(), 200);
    let still = the_reply(&area, "whatsapp").await;
    assert_eq!(still.status, OutboxStatus::Read);
    assert_eq!(still.delivered_at, read.delivered_at);
    assert_eq!(still.read_at, read.read_at);
    assert!(still.error_code.is_none());

    // A status for a message we never sent is accepted and ignored.
    whatsapp_status(&area, "wamid.NOT-OURS", "read").await;

    // The same for an SMS reply, by Twilio's status callback.
    let mut sms = Phone::new(&area.chat, Via::Sms, KADER);
    sms.send("JADWAL").await;
    eventually(10, "the SMS reply to be marked sent", || {
        reply_is(&area, "sms", |r| r.status == OutboxStatus::Sent)
    })
    .await;
    let sid = the_reply(&area, "sms")
        .await
        .provider_message_id
        .expect("the SMS sid");
    assert!(sid.starts_with("SM"), "{sid}");
    twilio_status(&area, &sid, "delivered").await;
    assert_eq!(
        the_reply(&area, "sms").await.status,
        OutboxStatus::Delivered
    );
    twilio_status(&area, &sid, "sent").await;
    assert_eq!(
        the_reply(&area, "sms").await.status,
        OutboxStatus::Delivered
    );
    // The WhatsApp reply was not touched by the SMS callbacks.
    assert_eq!(
        the_reply(&area, "whatsapp").await.status,
        OutboxStatus::Read
    );
}
