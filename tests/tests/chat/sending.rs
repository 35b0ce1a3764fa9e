//! Sending within the providers' limits, through the stand-in: the
//! WhatsApp rate limit shared by the workers, the gap between bulk
//! messages to one number, retries with backoff while the provider is
//! down or throttling, giving up, and the fallback from WhatsApp to SMS.
use std::time::{Duration, Instant};

use chrono::Utc;
use openapi::messages::{OutboxMessage, OutboxStatus, Template};
use posyandu_api::access::Location;
use posyandu_api::services::outbox::{self, NewOutbox, PRIORITY_BULK, PRIORITY_REPLY};
use posyandu_tests::bot::PHONE_NUMBER_ID;
use posyandu_tests::standin::{self, FailWith, RecordedRequest, Route};

use crate::common::{Area, area_with, eventually, outbox_to};

/// A reminder (or reply) to `to`, due now, queued straight into the outbox
/// as the planner (or the pipeline) would.
pub fn message(area: &Area, to: &str, key: &str, priority: i32) -> NewOutbox {
    let p = &area.posyandu;
    let now = Utc::now();
    NewOutbox {
        channel: "whatsapp".into(),
        recipient: to.into(),
        kind: if priority == PRIORITY_REPLY {
            "reply".into()
        } else {
            "reminder".into()
        },
        priority,
        body: Some(format!("Besok posyandu Melati ({key}). Bawa buku KIA.")),
        template: Some(Template {
            name: "pengingat_posyandu".into(),
            language: "id".into(),
            parameters: vec![
                "besok".into(),
                "Kamis 10/12".into(),
                "Posyandu Melati".into(),
                format!("{key}: timbang"),
            ],
        }),
        dedupe_key: format!("test:{key}"),
        not_before: now - chrono::Duration::seconds(1),
        expires_at: now + chrono::Duration::hours(2),
        inbound_id: None,
        location: Location {
            province: Some(p.province_code.clone()),
            kabupaten: Some(p.kabupaten_code.clone()),
            kecamatan: Some(p.kecamatan_code.clone()),
            desa: Some(p.desa_code.clone()),
            puskesmas: Some(p.puskesmas_id),
            posyandu: Some(p.id),
        },
    }
}

/// A reminder to `to`, due now.
pub fn bulk_message(area: &Area, to: &str, key: &str) -> NewOutbox {
    message(area, to, key, PRIORITY_BULK)
}

async fn queue(area: &Area, batch: Vec<NewOutbox>) {
    let count = batch.len() as u32;
    let queued = outbox::queue_many_new(&area.chat.app.db, batch)
        .await
        .expect("queued");
    assert_eq!(queued, count);
}

pub fn number(i: usize) -> String {
    format!("+62813990{i:05}")
}

/// The requests to `route` for `to` (E.164), in arrival order.
fn requests_for(area: &Area, route: Route, to: &str) -> Vec<RecordedRequest> {
    let digits = to.trim_start_matches('+');
    area.chat
        .standin
        .requests_to(route)
        .into_iter()
        .filter(|r| standin::sent_text(r).is_some_and(|(t, _)| t.trim_start_matches('+') == digits))
        .collect()
}

/// The most arrivals in any one-second window.
pub fn busiest_second(mut arrivals: Vec<Instant>) -> usize {
    arrivals.sort();
    (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|a| **a < arrivals[i] + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Waits until `to` has a message in `status` (on `channel`, if given).
async fn wait_for(
    area: &Area,
    to: &str,
    channel: Option<&str>,
    status: OutboxStatus,
    seconds: u64,
    what: &str,
) {
    eventually(seconds, what, || async {
        outbox_to(area, to)
            .await
            .iter()
            .any(|m| m.status == status && channel.is_none_or(|c| m.channel == c))
    })
    .await;
}

async fn one(area: &Area, to: &str, kind: &str) -> OutboxMessage {
    let all = outbox_to(area, to).await;
    let mut of_kind: Vec<OutboxMessage> = all.into_iter().filter(|m| m.kind == kind).collect();
    assert_eq!(of_kind.len(), 1, "{of_kind:?}");
    of_kind.remove(0)
}

#[tokio::test]
async fn whatsapp_sends_keep_to_the_rate_limit_whatever_the_backlog() {
    let area = area_with(|s| s.whatsapp_rate_per_second = 10.0).await;
    let batch = (0..40)
        .map(|i| message(&area, &number(i), &format!("rate-{i}"), PRIORITY_BULK))
        .collect();
    let started = Instant::now();
    queue(&area, batch).await;
    eventually(20, "all 40 reminders at the provider", || async {
        area.chat.standin.requests_to(Route::WhatsApp).len() >= 40
    })
    .await;
    let arrivals: Vec<Instant> = area
        .chat
        .standin
        .requests_to(Route::WhatsApp)
        .iter()
        .map(|r| r.at)
        .collect();
    assert_eq!(arrivals.len(), 40, "each sent once");
    let busiest = busiest_second(arrivals.clone());
    assert!(busiest <= 10, "{busiest} sends in one second at 10/s");
    // 40 at 10/s: the last one goes about 3.9 s after the first.
    let span = *arrivals.iter().max().unwrap() - *arrivals.iter().min().unwrap();
    assert!(span >= Duration::from_millis(3500), "40 sent in {span:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn a_reminder_waits_its_gap_after_the_last_message_to_the_same_number_but_a_reply_does_not() {
    let area = area_with(|s| s.recipient_gap_seconds = 2).await;
    let mother = number(77);
    queue(
        &area,
        vec![
            message(&area, &mother, "gap-reply", PRIORITY_REPLY),
            message(&area, &mother, "gap-evening", PRIORITY_BULK),
            message(&area, &mother, "gap-morning", PRIORITY_BULK),
        ],
    )
    .await;
    let queued_at = Instant::now();
    eventually(15, "the three messages at the provider", || async {
        requests_for(&area, Route::WhatsApp, &mother).len() >= 3
    })
    .await;
    let sent = requests_for(&area, Route::WhatsApp, &mother);
    assert_eq!(sent.len(), 3);
    let texts: Vec<String> = sent
        .iter()
        .map(|r| standin::sent_text(r).unwrap().1)
        .collect();
    // The reply goes at once, before the bulk messages queued with it.
    assert!(texts[0].contains("gap-reply"), "{texts:?}");
    assert!(sent[0].at - queued_at < Duration::from_secs(1));
    for pair in sent.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(1900),
            "{gap:?} between two sends: {texts:?}"
        );
    }
}

#[tokio::test]
async fn the_provider_down_then_throttling_everything_is_delivered_afterwards_with_backoff() {
    let area = area_with(|s| s.retry.first_wait = chrono::Duration::seconds(1)).await;
    // Down: six 500s; then throttled: three 429s asking for 2 s.
    let standin = &area.chat.standin;
    standin.fail_next(Route::WhatsApp, 6, FailWith::status(500));
    standin.fail_next(
        Route::WhatsApp,
        3,
        FailWith::whatsapp(429, 130429, "Rate limit hit").retry_after(2),
    );
    let mothers: Vec<String> = (0..3).map(|i| number(100 + i)).collect();
    queue(
        &area,
        mothers
            .iter()
            .enumerate()
            .map(|(i, m)| message(&area, m, &format!("down-{i}"), PRIORITY_BULK))
            .collect(),
    )
    .await;
    eventually(40, "all three reminders sent", || async {
        let mut all = Vec::new();
        for m in &mothers {
            all.extend(outbox_to(&area, m).await);
        }
        all.len() == 3 && all.iter().all(|m| m.status == OutboxStatus::Sent)
    })
    .await;
    // Every failure cost exactly one attempt: nine failed, three accepted.
    let attempts = standin.requests_to(Route::WhatsApp);
    assert_eq!(attempts.len(), 12, "no attempt beyond the backoff");
    let answers: Vec<Option<u16>> = attempts.iter().map(|r| r.answered).collect();
    assert_eq!(answers.iter().filter(|a| **a == Some(200)).count(), 3);
    for mother in &mothers {
        let tries = requests_for(&area, Route::WhatsApp, mother);
        for pair in tries.windows(2) {
            let waited = pair[1].at - pair[0].at;
            // At least the first backoff (1 s); after a 429, its Retry-After.
            let floor = if pair[0].answered == Some(429) {
                Duration::from_millis(1900)
            } else {
                Duration::from_millis(900)
            };
            assert!(
                waited >= floor,
                "retried after {waited:?} following {:?}",
                pair[0].answered
            );
        }
        let sent = one(&area, mother, "reminder").await;
        assert_eq!(sent.attempts as usize, tries.len());
        assert!(sent.fallback_of.is_none());
    }
    // Nothing fell back to SMS: the messages got through in the end.
    assert!(standin.requests_to(Route::Twilio).is_empty());
}

#[tokio::test]
async fn a_number_not_on_whatsapp_gets_the_reminder_by_sms_once() {
    let area = area_with(|_| {}).await;
    let mother = number(200);
    area.chat.standin.fail_next(
        Route::WhatsApp,
        1,
        FailWith::whatsapp(400, 131026, "Message undeliverable"),
    );
    // The SMS fails too: there is no third try anywhere.
    area.chat.standin.fail_next(
        Route::Twilio,
        1,
        FailWith::twilio(400, 21211, "Invalid 'To' Phone Number"),
    );
    queue(
        &area,
        vec![message(&area, &mother, "unreachable", PRIORITY_BULK)],
    )
    .await;
    wait_for(
        &area,
        &mother,
        Some("sms"),
        OutboxStatus::Failed,
        10,
        "the SMS copy tried and failed",
    )
    .await;
    let all = outbox_to(&area, &mother).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let whatsapp = all.iter().find(|m| m.channel == "whatsapp").unwrap();
    let sms = all.iter().find(|m| m.channel == "sms").unwrap();
    assert_eq!(whatsapp.status, OutboxStatus::Failed);
    assert_eq!(whatsapp.error_code.as_deref(), Some("131026"));
    assert_eq!(sms.fallback_of, Some(whatsapp.id));
    assert_eq!(sms.text, whatsapp.text);
    assert!(sms.template.is_none());
    let texts = area.chat.standin.requests_to(Route::Twilio);
    assert_eq!(texts.len(), 1);
    assert_eq!(
        standin::sent_text(&texts[0]).unwrap().1,
        "Besok posyandu Melati (unreachable). Bawa buku KIA."
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(outbox_to(&area, &mother).await.len(), 2, "no third copy");
    assert_eq!(area.chat.standin.requests_to(Route::WhatsApp).len(), 1);
}

#[tokio::test]
async fn a_failure_known_only_from_the_status_callback_falls_back_to_sms() {
    let area = area_with(|_| {}).await;
    let mother = number(300);
    queue(&area, vec![message(&area, &mother, "late", PRIORITY_BULK)]).await;
    wait_for(
        &area,
        &mother,
        None,
        OutboxStatus::Sent,
        10,
        "the reminder accepted by WhatsApp",
    )
    .await;
    let sent = one(&area, &mother, "reminder").await;
    let provider_id = sent.provider_message_id.clone().unwrap();
    let body = standin::whatsapp_status_webhook(
        &provider_id,
        &mother,
        "failed",
        Some((131026, "Message undeliverable")),
        PHONE_NUMBER_ID,
    );
    let response = area.chat.whatsapp_raw(body).await;
    assert_eq!(response.status(), 200);
    wait_for(
        &area,
        &mother,
        Some("sms"),
        OutboxStatus::Sent,
        10,
        "the SMS copy sent",
    )
    .await;
    let texts = area.chat.standin.requests_to(Route::Twilio);
    assert_eq!(texts.len(), 1);
    let whatsapp = outbox_to(&area, &mother)
        .await
        .into_iter()
        .find(|m| m.channel == "whatsapp")
        .unwrap();
    assert_eq!(whatsapp.status, OutboxStatus::Failed);
}

#[tokio::test]
async fn retries_give_up_after_the_give_up_time_say_so_and_fall_back_to_sms() {
    let area = area_with(|s| {
        s.retry.first_wait = chrono::Duration::seconds(1);
        s.retry.give_up_after = chrono::Duration::seconds(2);
    })
    .await;
    let mother = number(400);
    area.chat
        .standin
        .fail_next(Route::WhatsApp, 100, FailWith::status(503));
    queue(&area, vec![message(&area, &mother, "never", PRIORITY_BULK)]).await;
    wait_for(
        &area,
        &mother,
        Some("whatsapp"),
        OutboxStatus::Failed,
        15,
        "the reminder given up",
    )
    .await;
    let given_up = outbox_to(&area, &mother)
        .await
        .into_iter()
        .find(|m| m.channel == "whatsapp")
        .unwrap();
    assert_eq!(given_up.error_code.as_deref(), Some("gave_up"));
    let detail = given_up.error_detail.clone().unwrap();
    assert!(
        detail.starts_with("gave up after ") && detail.contains("503"),
        "{detail}"
    );
    assert!(given_up.attempts >= 2, "{given_up:?}");
    wait_for(
        &area,
        &mother,
        Some("sms"),
        OutboxStatus::Sent,
        10,
        "the SMS copy sent",
    )
    .await;
    // The operations view counts it.
    let stats: serde_json::Value = posyandu_tests::json(
        area.chat.app.get("/api/v1/outbox/stats", &area.admin).await,
        200,
    )
    .await;
    let failures = stats["failures"].as_array().expect("failures").clone();
    assert!(
        failures
            .iter()
            .any(|f| f["error_code"] == "gave_up" && f["count"] == 1),
        "{stats}"
    );
}
