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

use crate::common::eventually;
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
        .env("RUST_LOG", "warn")
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
