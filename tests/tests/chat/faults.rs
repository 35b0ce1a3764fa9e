//! Faults (the harness, `--features harness`): the database killed and
//! restarted under load, on a private PostgreSQL cluster of the test's own
//! (`initdb` into a temporary folder, its own port).
//!
//! Run by `.ci/run` and `tests/harness/run`; needs PostgreSQL's server
//! programs (`initdb`, `pg_ctl`) on PATH, and `runuser` when run as root.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use entity::{child, inbound_message, person};
use openapi::growth::Sex;
use openapi::messages::InboundStatus;
use openapi::registry::NewChild;
use posyandu_tests::bot::{PHONE_NUMBER_ID, spawn_chat_app_on};
use posyandu_tests::cluster::PrivateCluster;
use posyandu_tests::standin::{self, Route};
use posyandu_tests::world::new_person_body;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, Statement,
};

use crate::common::{KADER, area_around, eventually};

/// What one request got.
#[derive(Debug, Clone)]
struct Answer {
    /// Sent, since the load began.
    at: Duration,
    /// Until the answer (or the error).
    took: Duration,
    /// 0: no HTTP answer at all.
    status: u16,
    retry_after: bool,
    problem_json: bool,
}

impl Answer {
    fn of(
        at: Duration,
        response: Result<reqwest::Response, reqwest::Error>,
        took: Duration,
    ) -> Answer {
        match response {
            Ok(r) => Answer {
                at,
                took,
                status: r.status().as_u16(),
                retry_after: r.headers().contains_key("retry-after"),
                problem_json: r
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json")),
            },
            Err(_) => Answer {
                at,
                took,
                status: 0,
                retry_after: false,
                problem_json: false,
            },
        }
    }

    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Every answer, by (kind, key).
type Log = Arc<Mutex<BTreeMap<(&'static str, usize), Vec<Answer>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_killed_under_load_answers_503_recovers_by_itself_and_loses_nothing() {
    let cluster = PrivateCluster::start().expect("a private PostgreSQL cluster");
    let admin_db = Database::connect(cluster.url("postgres")).await.unwrap();
    admin_db
        .execute_raw(Statement::from_string(
            admin_db.get_database_backend(),
            "CREATE DATABASE posyandu".to_owned(),
        ))
        .await
        .unwrap();
    admin_db.close().await.unwrap();
    let chat = spawn_chat_app_on(&cluster.url("posyandu"), |_| {}, true).await;
    let area = area_around(chat).await;
    let app = &area.chat.app;
    let token = area.admin.token.clone();

    // Open loop: a child registered every 50 ms (a person and a child row
    // in one transaction, so a half-written one would show), a kader's
    // WhatsApp message every 100 ms; the database killed after 3 s and
    // started again 12 s later (longer than a request waits for a
    // connection); the load goes on 6 s more.
    let log: Log = Arc::default();
    let started = Instant::now();
    let registration = |i: usize| NewChild {
        person_id: None,
        person: Some(new_person_body(
            &format!("Anak Gangguan {i}"),
            Sex::L,
            posyandu_tests::today() - Days::days(400),
            &area.posyandu,
        )),
        mother_id: None,
        posyandu_id: area.posyandu.id,
        birth_weight_g: Some(3000),
        birth_length_cm: Some(49.0),
        kms_held: true,
        buku_kia_held: true,
    };
    let register = {
        let (http, url, token, log) = (
            app.http.clone(),
            app.url("/api/v1/children"),
            token.clone(),
            log.clone(),
        );
        move |i: usize, body: NewChild| {
            let (http, url, token, log) = (http.clone(), url.clone(), token.clone(), log.clone());
            async move {
                let at = started.elapsed();
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("fault-child-{i}"))
                    .json(&body)
                    .send()
                    .await;
                let answer = Answer::of(at, response, started.elapsed() - at);
                log.lock()
                    .unwrap()
                    .entry(("child", i))
                    .or_default()
                    .push(answer);
            }
        }
    };
    let webhook_body = |j: usize| {
        standin::whatsapp_text_webhook(
            KADER,
            &format!("wamid.FAULT.{j}"),
            "JADWAL",
            PHONE_NUMBER_ID,
        )
    };
    let deliver = {
        let (http, url, log) = (app.http.clone(), app.url("/webhooks/whatsapp"), log.clone());
        move |j: usize, body: Vec<u8>| {
            let (http, url, log) = (http.clone(), url.clone(), log.clone());
            async move {
                let signature =
                    standin::whatsapp_signature(&body, posyandu_tests::bot::WHATSAPP_APP_SECRET);
                let at = started.elapsed();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("X-Hub-Signature-256", signature)
                    .body(body)
                    .send()
                    .await;
                let answer = Answer::of(at, response, started.elapsed() - at);
                log.lock()
                    .unwrap()
                    .entry(("message", j))
                    .or_default()
                    .push(answer);
            }
        }
    };

    let (kill_at, restart_at) = (Duration::from_secs(3), Duration::from_secs(15));
    let load_for = restart_at + Duration::from_secs(6);
    let mut tasks = Vec::new();
    let (mut children, mut messages) = (0, 0);
    let mut killed_at = None;
    let mut restarted_at = None;
    while started.elapsed() < load_for {
        let tick = Duration::from_millis(50) * (children as u32);
        tokio::time::sleep_until(tokio::time::Instant::from_std(started + tick)).await;
        tasks.push(tokio::spawn(register(children, registration(children))));
        if children.is_multiple_of(2) {
            tasks.push(tokio::spawn(deliver(messages, webhook_body(messages))));
            messages += 1;
        }
        children += 1;
        let now = started.elapsed();
        if killed_at.is_none() && now >= kill_at {
            cluster.kill().expect("pg_ctl stop -m immediate");
            killed_at = Some(started.elapsed());
        }
        if restarted_at.is_none() && now >= restart_at {
            cluster.start_again().expect("pg_ctl start");
            restarted_at = Some(started.elapsed());
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (killed_at, restarted_at) = (killed_at.unwrap(), restarted_at.unwrap());

    // What the callers saw.
    let answers = log.lock().unwrap().clone();
    let all: Vec<(&str, &Answer)> = answers
        .iter()
        .flat_map(|((kind, _), list)| list.iter().map(move |a| (*kind, a)))
        .collect();
    let refused: Vec<&(&str, &Answer)> = all.iter().filter(|(_, a)| !a.ok()).collect();
    let mut statuses: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    for (kind, a) in &all {
        *statuses.entry((kind, a.status)).or_default() += 1;
    }
    println!(
        "{children} registrations and {messages} messages; killed at {killed_at:?}, restarted at {restarted_at:?}; answers {statuses:?}"
    );
    assert!(
        refused.iter().any(|(k, _)| *k == "child") && refused.iter().any(|(k, _)| *k == "message"),
        "the outage was felt: {statuses:?}"
    );
    for (kind, a) in &refused {
        assert_eq!(a.status, 503, "{kind} at {:?}: {a:?}", a.at);
        assert!(a.retry_after, "{kind}: 503 without Retry-After");
        if *kind == "child" {
            assert!(a.problem_json, "a problem document");
        }
    }
    // Recovered by itself, and every answer after that is a success.
    let recovered = all
        .iter()
        .filter(|(_, a)| a.at > restarted_at && a.ok())
        .map(|(_, a)| a.at)
        .min()
        .expect("a success after the restart");
    let last_refusal = refused.iter().map(|(_, a)| a.at).max().unwrap();
    let slowest_refusal = refused.iter().map(|(_, a)| a.took).max().unwrap();
    println!("{} refused, each within {slowest_refusal:?}", refused.len());
    assert!(
        slowest_refusal < Duration::from_secs(12),
        "a refusal took {slowest_refusal:?}"
    );
    println!(
        "first success {:?} after the restart; last 503 sent {:?} after it",
        recovered - restarted_at,
        last_refusal.saturating_sub(restarted_at)
    );
    assert!(
        last_refusal < restarted_at + Duration::from_secs(5),
        "still refusing 5 s after the restart"
    );

    // The clients try again, as an app and as Meta would: the same key,
    // the same delivery.
    let mut retried = (0, 0);
    for ((kind, key), list) in &answers {
        if list.iter().any(Answer::ok) {
            continue;
        }
        match *kind {
            "child" => {
                register(*key, registration(*key)).await;
                retried.0 += 1;
            }
            _ => {
                deliver(*key, webhook_body(*key)).await;
                retried.1 += 1;
            }
        }
    }
    let answers = log.lock().unwrap().clone();
    for ((kind, key), list) in &answers {
        assert!(
            list.last().unwrap().ok(),
            "{kind} {key} after a retry: {:?}",
            list.last()
        );
    }

    // No half-written registration, none twice, none lost.
    let db = &app.db;
    for i in 0..children {
        let people = person::Entity::find()
            .filter(person::Column::Name.eq(format!("Anak Gangguan {i}")))
            .all(db)
            .await
            .unwrap();
        assert_eq!(people.len(), 1, "child {i}: {} people", people.len());
        let rows = child::Entity::find()
            .filter(child::Column::PersonId.eq(people[0].id))
            .count(db)
            .await
            .unwrap();
        assert_eq!(rows, 1, "child {i}: a person without a child row");
    }
    // Every message stored once and processed once; every reply sent.
    let stored = || async {
        inbound_message::Entity::find()
            .filter(inbound_message::Column::ProviderMessageId.starts_with("wamid.FAULT."))
            .all(db)
            .await
            .unwrap()
    };
    eventually(60, "every message processed", || async {
        stored()
            .await
            .iter()
            .filter(|m| m.status == InboundStatus::Processed.as_str())
            .count()
            == messages
    })
    .await;
    let rows = stored().await;
    assert_eq!(rows.len(), messages, "each message stored once");
    assert!(
        rows.iter().all(|m| m.reply_id.is_some()),
        "each has its reply"
    );
    let kader = KADER.trim_start_matches('+');
    eventually(60, "every reply at the provider", || async {
        area.chat
            .standin
            .requests_to(Route::WhatsApp)
            .iter()
            .filter(|r| standin::sent_text(r).is_some_and(|(to, _)| to == kader))
            .count()
            >= messages
    })
    .await;
    let sent = area
        .chat
        .standin
        .requests_to(Route::WhatsApp)
        .iter()
        .filter(|r| standin::sent_text(r).is_some_and(|(to, _)| to == kader))
        .count();
    println!(
        "retried after the outage: {} registrations, {} deliveries; replies sent {sent} for {messages} messages ({} duplicates)",
        retried.0,
        retried.1,
        sent - messages
    );
    if std::env::var_os("POSYANDU_FAULT_LOG").is_some() {
        println!("{}", cluster.log());
    }
}

/// The WhatsApp provider down for a while (30 s in the short form,
/// `POSYANDU_HARNESS_PROVIDER_DOWN_SECONDS` for longer), then throttling
/// with 429s: afterwards every reminder is delivered, never faster than the
/// rate limit, nothing given up or moved to SMS.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_provider_down_for_a_while_then_throttling_everything_arrives_within_the_rate_limit() {
    use crate::common::area_with;
    use crate::sending::{bulk_message, busiest_second, number};
    use entity::outbox_message;
    use openapi::messages::OutboxStatus;
    use posyandu_tests::standin::FailWith;

    let down_for = Duration::from_secs(
        std::env::var("POSYANDU_HARNESS_PROVIDER_DOWN_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    const RATE: f64 = 20.0;
    const REMINDERS: usize = 400;
    let area = area_with(|s| {
        s.whatsapp_rate_per_second = RATE;
        s.retry.first_wait = chrono::Duration::seconds(1);
        s.retry.max_wait = chrono::Duration::seconds(8);
    })
    .await;
    let standin = &area.chat.standin;
    let down_until = Instant::now() + down_for;
    standin.fail_until(Route::WhatsApp, down_until, FailWith::status(503));
    standin.fail_next(
        Route::WhatsApp,
        30,
        FailWith::whatsapp(429, 130429, "Rate limit hit").retry_after(2),
    );
    let batch = (0..REMINDERS)
        .map(|i| bulk_message(&area, &number(7000 + i), &format!("outage-{i}")))
        .collect();
    posyandu_api::services::outbox::queue_many_new(&area.chat.app.db, batch)
        .await
        .unwrap();
    let sent = || async {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::Status.eq(OutboxStatus::Sent.as_str()))
            .count(&area.chat.app.db)
            .await
            .unwrap()
    };
    let deadline = down_for.as_secs() + 120;
    eventually(deadline, "every reminder sent after the outage", || async {
        sent().await == REMINDERS as u64
    })
    .await;
    let finished = Instant::now();

    let requests = standin.requests_to(Route::WhatsApp);
    let during: Vec<_> = requests.iter().filter(|r| r.at < down_until).collect();
    assert!(
        during.iter().all(|r| r.answered == Some(503)),
        "nothing got through while the provider was down"
    );
    let delivered: Vec<Instant> = requests
        .iter()
        .filter(|r| r.answered == Some(200))
        .map(|r| r.at)
        .collect();
    let busiest = busiest_second(delivered.clone());
    let mut reached: BTreeMap<String, usize> = BTreeMap::new();
    for r in requests.iter().filter(|r| r.answered == Some(200)) {
        let (to, _) = standin::sent_text(r).unwrap();
        *reached.entry(to).or_default() += 1;
    }
    let first = delivered.iter().min().copied().unwrap();
    println!(
        "provider down {down_for:?}: {} attempts meanwhile; 30 × 429 after; all {REMINDERS} delivered {:?} after it came back (first {:?} after), busiest second {busiest} (limit {RATE}), {} duplicates",
        during.len(),
        finished - down_until,
        first.saturating_duration_since(down_until),
        reached.values().map(|n| n - 1).sum::<usize>()
    );
    assert_eq!(reached.len(), REMINDERS, "every mother reached");
    assert!(busiest as f64 <= RATE, "{busiest} in one second");
    assert!(
        standin.requests_to(Route::Twilio).is_empty(),
        "no SMS fallback"
    );
    // Backoff, not a hammering: each reminder was tried a few times while
    // the provider was down (waits of 1, 2, 4, then 8 s here), and all
    // attempts together kept to the rate limit.
    let tries_each = 5 + down_for.as_secs() as usize / 8;
    assert!(
        during.len() <= REMINDERS * tries_each,
        "{} attempts during the outage",
        during.len()
    );
    assert!(
        during.len() as f64 <= RATE * (down_for.as_secs_f64() + 1.0),
        "{} attempts in {down_for:?}: over the rate limit",
        during.len()
    );
}
