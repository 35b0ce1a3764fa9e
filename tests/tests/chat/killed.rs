//! A bot worker killed with SIGKILL in the middle of its work, and another
//! started: every reminder reaches the provider, none is lost (a message
//! the dead worker had sent but not yet reported goes again: at least
//! once, never zero times); every kader's report is recorded exactly once,
//! however often the worker dies while processing it.
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use entity::outbox_message;
use openapi::messages::OutboxStatus;
use posyandu_tests::bot::ChatApp;
use posyandu_tests::standin::{self, Route};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{KADER, eventually};
use crate::sending::{bulk_message, number};

/// A worker process; killed when dropped (a failing test leaves none).
struct WorkerProcess(Child);

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_worker(chat: &ChatApp) -> WorkerProcess {
    start_worker_with_lease(chat, 5)
}

fn start_worker_with_lease(chat: &ChatApp, lease_seconds: u32) -> WorkerProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_bot_worker"))
        .args([
            chat.app.address.as_str(),
            chat.credentials.client_id.as_str(),
            chat.credentials.client_secret.as_str(),
            chat.standin.base_url(),
            &lease_seconds.to_string(),
        ])
        .env(
            "RUST_LOG",
            std::env::var("POSYANDU_TEST_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("bot_worker starts");
    WorkerProcess(child)
}

async fn count(chat: &ChatApp, status: OutboxStatus) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq(status.as_str()))
        .count(&chat.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_worker_killed_mid_dispatch_loses_nothing() {
    // No pacing: the point is many sends in flight when the worker dies.
    let area = crate::common::area_with_worker(false, |s| s.whatsapp_rate_per_second = 0.0).await;
    let chat = &area.chat;
    const N: usize = 300;
    let batch = (0..N)
        .map(|i| bulk_message(&area, &number(1000 + i), &format!("kill-{i}")))
        .collect();
    posyandu_api::services::outbox::queue_many_new(&chat.app.db, batch)
        .await
        .unwrap();
    // Each send takes a while at the provider, so that the worker dies
    // with sends in flight and results not yet reported.
    chat.standin.set_delay(Duration::from_millis(100));
    let mut first = start_worker(chat);
    eventually(30, "a third of the reminders at the provider", || async {
        chat.standin.requests_to(Route::WhatsApp).len() >= N / 3
    })
    .await;
    first.0.kill().expect("SIGKILL");
    first.0.wait().unwrap();
    let in_flight = count(chat, OutboxStatus::Sending).await;
    assert!(in_flight > 0, "the worker died with messages claimed");
    let sent_before = count(chat, OutboxStatus::Sent).await;
    assert!((sent_before as usize) < N, "it died before the end");

    // Another worker: it takes over the dead one's leases once they run out.
    chat.standin.set_delay(Duration::ZERO);
    let _second = start_worker(chat);
    eventually(60, "every reminder sent", || async {
        count(chat, OutboxStatus::Sent).await == N as u64
    })
    .await;
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for request in chat.standin.requests_to(Route::WhatsApp) {
        let (to, _) = standin::sent_text(&request).unwrap();
        *arrivals.entry(to).or_default() += 1;
    }
    assert_eq!(arrivals.len(), N, "every mother reached");
    let duplicates: usize = arrivals.values().map(|n| n - 1).sum();
    // Only what was in flight when the worker died can go twice.
    assert!(
        duplicates as u64 <= in_flight,
        "{duplicates} duplicates, {in_flight} in flight"
    );
    println!("killed mid-dispatch: {in_flight} in flight, {duplicates} sent twice");
}

#[tokio::test]
async fn a_worker_killed_again_and_again_records_each_report_once_and_sends_every_reply() {
    use entity::{inbound_message, weighing};
    use openapi::messages::InboundStatus;
    use posyandu_tests::world::{new_child, years_ago};

    let area = crate::common::area_with_worker(false, |s| s.whatsapp_rate_per_second = 0.0).await;
    let chat = &area.chat;
    // Kader reports (a weighing each, for different children) and
    // reminders, all waiting before the first worker starts.
    const REPORTS: usize = 60;
    const REMINDERS: usize = 150;
    let mut children = Vec::new();
    for i in 0..REPORTS {
        children.push(
            new_child(
                &chat.app,
                &format!("Anak Mati {i}"),
                years_ago(1),
                &area.posyandu,
                None,
            )
            .await,
        );
    }
    for (i, child) in children.iter().enumerate() {
        let text = format!("TIMBANG {} 9,{}", child.person.code, i % 10);
        let response = chat
            .whatsapp(KADER, &format!("wamid.KILL.{i}"), &text)
            .await;
        assert_eq!(response.status(), 200);
    }
    let batch = (0..REMINDERS)
        .map(|i| bulk_message(&area, &number(5000 + i), &format!("again-{i}")))
        .collect();
    posyandu_api::services::outbox::queue_many_new(&chat.app.db, batch)
        .await
        .unwrap();

    // Kill a worker at pseudo-random moments (a fixed sequence, so a
    // failure can be replayed), each after it has had some time to work.
    chat.standin.set_delay(Duration::from_millis(30));
    let pauses_ms = [150u64, 40, 260, 10, 200, 90, 300, 60, 120, 220, 30, 180];
    let mut kills = 0;
    for pause in pauses_ms {
        // Each worker is killed once it has started on the work (a
        // request at the provider or a message settled), a little later.
        let progress = |chat: &ChatApp| {
            let db = chat.app.db.clone();
            let at_provider = chat.standin.requests().len();
            async move {
                let settled = inbound_message::Entity::find()
                    .filter(inbound_message::Column::Status.eq(InboundStatus::Processed.as_str()))
                    .count(&db)
                    .await
                    .unwrap();
                (at_provider, settled)
            }
        };
        let before = progress(chat).await;
        let mut worker = start_worker_with_lease(chat, 5);
        let waiting = std::time::Instant::now();
        while progress(chat).await == before && waiting.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(pause)).await;
        worker.0.kill().expect("SIGKILL");
        worker.0.wait().unwrap();
        kills += 1;
    }
    let processed_before = inbound_message::Entity::find()
        .filter(inbound_message::Column::Status.eq(InboundStatus::Processed.as_str()))
        .count(&chat.app.db)
        .await
        .unwrap();
    let sent_before = count(chat, OutboxStatus::Sent).await;
    println!(
        "after {kills} kills: {processed_before}/{REPORTS} reports processed, {sent_before} of {} messages sent",
        REPORTS + REMINDERS
    );
    assert!(
        (processed_before as usize) < REPORTS || (sent_before as usize) < REPORTS + REMINDERS,
        "the kills came before the end of the work"
    );

    chat.standin.set_delay(Duration::ZERO);
    let _last = start_worker_with_lease(chat, 5);
    eventually(
        90,
        "every report processed and every message sent",
        || async {
            let processed = inbound_message::Entity::find()
                .filter(inbound_message::Column::Status.eq(InboundStatus::Processed.as_str()))
                .count(&chat.app.db)
                .await
                .unwrap();
            processed == REPORTS as u64
                && count(chat, OutboxStatus::Sent).await == (REPORTS + REMINDERS) as u64
        },
    )
    .await;

    // Exactly once: one weighing per child, whatever was cut short.
    for child in &children {
        let n = weighing::Entity::find()
            .filter(weighing::Column::ChildId.eq(child.id))
            .filter(weighing::Column::DeletedAt.is_null())
            .count(&chat.app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{}: {n} weighings", child.person.name);
    }
    // At least once: every reply and every reminder at the provider.
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for request in chat.standin.requests_to(Route::WhatsApp) {
        let (to, _) = standin::sent_text(&request).unwrap();
        *arrivals.entry(to).or_default() += 1;
    }
    let kader = KADER.trim_start_matches('+');
    let replies = arrivals.get(kader).copied().unwrap_or(0);
    assert!(
        replies >= REPORTS,
        "{replies} replies for {REPORTS} reports"
    );
    let reminded = arrivals.keys().filter(|to| *to != kader).count();
    assert_eq!(reminded, REMINDERS, "every mother reached");
    let duplicates: usize = arrivals
        .iter()
        .map(|(to, n)| if to == kader { n - REPORTS } else { n - 1 })
        .sum();
    println!(
        "killed {kills} times: {REPORTS} reports recorded once each; {} sends for {} messages ({duplicates} duplicates)",
        arrivals.values().sum::<usize>(),
        REPORTS + REMINDERS
    );
}
