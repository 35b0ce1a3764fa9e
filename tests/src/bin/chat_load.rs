//! Load generator for the chat bot, end to end: signed WhatsApp webhooks
//! with `TIMBANG` reports from many kader against the release build, each
//! reply caught by a WhatsApp stand-in of our own.
//!
//! ```text
//! cargo build --release --locked
//! cargo run --release --locked -p posyandu-tests --bin chat_load -- --mode sqlite
//! cargo run --release --locked -p posyandu-tests --bin chat_load -- \
//!     --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! What it does:
//! 1. a demo kabupaten (`posyandu demo --children 40000`) in a fresh data
//!    folder, or the one in `--data-dir DIR --reuse`; on PostgreSQL a fresh
//!    database with a random name (`migrate up`, `demo`, `admin
//!    create-client` for the bot), dropped at the end;
//! 2. a WhatsApp Graph API stand-in on 127.0.0.1 that answers at once and
//!    records (arrival instant, to, text) of every reply;
//! 3. the server under test as child processes of the release binary:
//!    `sqlite`: the all-in-one start; `postgres`: `serve` plus `bot --api`
//!    with its own webhook listener;
//! 4. 1,000 kader (two per posyandu) registered through the API with
//!    distinct phones, and the children of their posyandu not weighed today;
//! 5. the load: closed loop by default (each kader sends its next TIMBANG
//!    only once the reply to the previous one has arrived, like people), or
//!    open loop with `--rate R` (messages/s on a fixed schedule, whatever
//!    the replies do);
//! 6. the figures: messages, replies, ✓ replies, weighings stored (counted
//!    back through the API), throughput, latency percentiles from webhook
//!    to reply, webhook response time, API requests per message (from the
//!    server's `/metrics`), CPU per message, database transactions per
//!    message (PostgreSQL), peak RSS of the server processes.
//!
//! The child processes are stopped on exit, on Ctrl-C/SIGTERM and on a
//! panic (guards dropped while unwinding).
use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use chrono::NaiveDate;
use openapi::areas::Posyandu;
use openapi::growth::{Sex, Weighing};
use openapi::registry::{Child, Kader, KaderPost, NewKader, NewPerson};
use posyandu_tests::TestDatabase;
use posyandu_tests::load::{
    Api, DataDir, ServeAndBot, Servers, clock_ticks, comma, command, cpu_time, create_bot_client,
    free_port, fresh_postgres_database, ms, peak_rss_kb, percentile, postgres_cpu, run_to_end,
    scrape, start, start_serve_and_bot, until_interrupted, wait_ready,
};
use posyandu_tests::standin::{whatsapp_signature, whatsapp_text_webhook};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, oneshot};
use uuid::Uuid;

const PHONE_NUMBER_ID: &str = "100200300400500";
const ACCESS_TOKEN: &str = "chat-load-access-token";
const APP_SECRET: &str = "chat-load-app-secret";
const VERIFY_TOKEN: &str = "chat-load-verify-token";
/// Our business number (never answered by the bot).
const BUSINESS_NUMBER: &str = "+6281100001111";
/// Kader phones: `+62812990` and five digits (the demo's are `+628133700…`).
const PHONE_PREFIX: &str = "+62812990";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

const USAGE: &str = "\
chat_load: the chat bot under load, end to end (signed WhatsApp webhooks in,
replies caught by a stand-in), against the release binary.

  --mode sqlite|postgres       sqlite: the all-in-one start (default);
                               postgres: `serve` + `bot --api`
  --postgres URL               PostgreSQL server (implies --mode postgres;
                               default postgres://postgres@127.0.0.1:5432/postgres)
  --bin PATH                   the posyandu binary (default target/release/posyandu)
  --data-dir DIR               data folder (default: a temporary one, removed)
  --reuse                      use the demo database already in --data-dir (SQLite)
  --children N                 demo children (default 40000)
  --kader K                    simulated kader (default 1000)
  --messages-per-kader M       TIMBANG messages each (default 10)
  --rate R                     open loop: R messages/s on a schedule (default:
                               closed loop, next message after the reply)
  --reply-timeout SECONDS      give up waiting for a reply (default 60)
  --password P                 demo password (default bench-password-1)
  --log LEVEL                  RUST_LOG of the servers (default warn); logs in
                               <data-dir>/logs/
  --env NAME=VALUE             extra environment for the server processes
                               (repeatable), e.g. POSYANDU_DB_MAX_CONNECTIONS=32
  --keep                       keep the data folder (and the PostgreSQL database)
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
struct Args {
    mode: Mode,
    postgres: String,
    bin: PathBuf,
    data_dir: Option<PathBuf>,
    reuse: bool,
    children: usize,
    kader: usize,
    messages: usize,
    rate: Option<f64>,
    reply_timeout: Duration,
    password: String,
    log: String,
    env: Vec<(String, String)>,
    keep: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let default_bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/release/posyandu")
        .components()
        .collect::<PathBuf>();
    let mut args = Args {
        mode: Mode::Sqlite,
        postgres: DEFAULT_POSTGRES.to_owned(),
        bin: default_bin,
        data_dir: None,
        reuse: false,
        children: 40_000,
        kader: 1_000,
        messages: 10,
        rate: None,
        reply_timeout: Duration::from_secs(60),
        password: "bench-password-1".to_owned(),
        log: "warn".to_owned(),
        env: Vec::new(),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value (see --help)"))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--mode" => {
                args.mode = match value("--mode")?.as_str() {
                    "sqlite" => Mode::Sqlite,
                    "postgres" => Mode::Postgres,
                    other => bail!("--mode is sqlite or postgres, not {other}"),
                }
            }
            "--postgres" => {
                args.postgres = value("--postgres")?;
                args.mode = Mode::Postgres;
            }
            "--bin" => args.bin = PathBuf::from(value("--bin")?),
            "--data-dir" => args.data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--reuse" => args.reuse = true,
            "--children" => args.children = value("--children")?.parse()?,
            "--kader" => args.kader = value("--kader")?.parse()?,
            "--messages-per-kader" => args.messages = value("--messages-per-kader")?.parse()?,
            "--rate" => args.rate = Some(value("--rate")?.parse()?),
            "--reply-timeout" => {
                args.reply_timeout = Duration::from_secs_f64(value("--reply-timeout")?.parse()?)
            }
            "--password" => args.password = value("--password")?,
            "--log" => args.log = value("--log")?,
            "--env" => {
                let pair = value("--env")?;
                let (k, v) = pair
                    .split_once('=')
                    .with_context(|| format!("--env wants NAME=VALUE, not {pair}"))?;
                args.env.push((k.to_owned(), v.to_owned()));
            }
            "--keep" => args.keep = true,
            other => bail!("unknown argument {other} (see --help)"),
        }
    }
    if args.kader == 0 || args.kader > 99_999 {
        bail!("--kader is 1–99999");
    }
    if args.messages == 0 {
        bail!("--messages-per-kader is at least 1");
    }
    if args.rate.is_some_and(|r| r <= 0.0 || !r.is_finite()) {
        bail!("--rate is a positive number of messages per second");
    }
    if args.reuse && args.data_dir.is_none() {
        bail!("--reuse needs --data-dir");
    }
    if args.reuse && args.mode == Mode::Postgres {
        bail!("--reuse is for SQLite (PostgreSQL runs get a fresh database)");
    }
    Ok(args)
}

// ---------------------------------------------------------------------------
// The WhatsApp stand-in

/// A reply as the stand-in received it.
#[derive(Debug, Clone)]
struct Arrival {
    at: Instant,
    text: String,
}

/// A message of one kader waiting for its reply.
struct Waiting {
    seq: u64,
    code: String,
    tx: oneshot::Sender<Arrival>,
}

#[derive(Default)]
struct Inbox {
    waiting: Mutex<Vec<Waiting>>,
}

impl Inbox {
    fn forget(&self, seq: u64) {
        self.waiting
            .lock()
            .expect("inbox lock")
            .retain(|w| w.seq != seq);
    }
}

struct StandIn {
    /// Kader phone (digits, as WhatsApp writes it) → its waiting messages.
    inboxes: HashMap<String, Arc<Inbox>>,
    /// (arrival, to, text) of every reply.
    recorded: Mutex<Vec<(Instant, String, String)>>,
    /// Replies to nobody waiting (a duplicate, or one after the timeout).
    unmatched: AtomicU64,
    refused: AtomicU64,
    sent: AtomicU64,
}

/// Whether `code` stands in `text` as a whole number.
fn mentions(text: &str, code: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(code).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + code.len()).copied();
        !before.is_some_and(|b| b.is_ascii_digit()) && !after.is_some_and(|b| b.is_ascii_digit())
    })
}

impl StandIn {
    /// Hands a reply to the message it answers: the waiting one whose child
    /// code it names, else the oldest one.
    fn deliver(&self, to: &str, arrival: Arrival) {
        let Some(inbox) = self.inboxes.get(to) else {
            self.unmatched.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let mut waiting = inbox.waiting.lock().expect("inbox lock");
        if waiting.is_empty() {
            self.unmatched.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let index = waiting
            .iter()
            .position(|w| mentions(&arrival.text, &w.code))
            .unwrap_or(0);
        let entry = waiting.remove(index);
        drop(waiting);
        let _ = entry.tx.send(arrival);
    }
}

async fn standin_send(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<StandIn>,
) -> HttpResponse {
    let at = Instant::now();
    if request.method() != actix_web::http::Method::POST || !request.path().ends_with("/messages") {
        return HttpResponse::NotFound().json(json!({"error": "no such route"}));
    }
    let bearer = format!("Bearer {ACCESS_TOKEN}");
    let authorised = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(bearer.as_str());
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (Some(message), true) = (parsed, authorised) else {
        state.refused.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::Unauthorized().json(json!({"error": {"code": 190,
            "message": "Invalid OAuth access token", "type": "OAuthException"}}));
    };
    let to = message["to"].as_str().unwrap_or_default().to_owned();
    let digits: String = to.chars().filter(char::is_ascii_digit).collect();
    let text = match message["type"].as_str() {
        Some("text") => message["text"]["body"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        Some(other) => format!("{other}:{}", message[other]),
        None => String::new(),
    };
    let n = state.sent.fetch_add(1, Ordering::Relaxed);
    state
        .recorded
        .lock()
        .expect("record lock")
        .push((at, digits.clone(), text.clone()));
    state.deliver(&digits, Arrival { at, text });
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": digits}],
        "messages": [{"id": format!("wamid.STANDIN{n:012}")}]
    }))
}

/// Starts the stand-in on 127.0.0.1:0; returns its base URL.
fn start_standin(
    state: web::Data<StandIn>,
) -> anyhow::Result<(String, actix_web::dev::ServerHandle)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(1024 * 1024))
            .default_service(web::to(standin_send))
    })
    .workers(1)
    .backlog(4096)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok((format!("http://127.0.0.1:{port}"), handle))
}

// ---------------------------------------------------------------------------
// The API, as the admin

// ---------------------------------------------------------------------------
// The plan

/// One TIMBANG to send.
#[derive(Debug, Clone)]
struct Planned {
    kader: usize,
    child_id: Uuid,
    posyandu_id: Uuid,
    code: String,
    weight_kg: f64,
    text: String,
}

struct KaderPlan {
    /// Digits as WhatsApp writes them (`62812…`).
    wa_id: String,
    messages: Vec<Planned>,
}

fn phone_of(index: usize) -> String {
    format!("{PHONE_PREFIX}{index:05}")
}

/// A believable weighing today for a child: a little more than last time,
/// or a typical value for the age when it was never weighed.
fn measurement(child: &Child, today: NaiveDate) -> (f64, f64) {
    let months = ((today - child.person.birth_date).num_days() as f64 / 30.44).max(0.0);
    let typical_weight = if months < 12.0 {
        3.3 + 0.55 * months
    } else {
        9.6 + 0.18 * (months - 12.0)
    };
    let typical_length = if months < 12.0 {
        50.0 + 2.1 * months
    } else {
        75.0 + 0.8 * (months - 12.0)
    };
    match &child.latest {
        Some(latest) => (
            ((latest.weight_kg + 0.2) * 10.0).round() / 10.0,
            ((latest.length_cm.unwrap_or(typical_length) + 0.5) * 10.0).round() / 10.0,
        ),
        None => (
            (typical_weight * 10.0).round() / 10.0,
            (typical_length * 10.0).round() / 10.0,
        ),
    }
}

/// Registers the kader not registered yet and plans every message.
async fn prepare(api: &Api, args: &Args, today: NaiveDate) -> anyhow::Result<Vec<KaderPlan>> {
    let started = Instant::now();
    let mut posyandu: Vec<Posyandu> = api.all("/api/v1/posyandu").await?;
    posyandu.sort_by(|a, b| a.kode.cmp(&b.kode));
    // The children of every posyandu, 16 lists at a time.
    let gate = Arc::new(Semaphore::new(16));
    let lists = futures_util::future::join_all(posyandu.iter().map(|p| {
        let gate = gate.clone();
        let path = format!("/api/v1/children?posyandu_id={}", p.id);
        async move {
            let _permit = gate.acquire().await.expect("semaphore");
            api.all::<Child>(&path).await.map(|c| (p.id, c))
        }
    }))
    .await;
    let mut children: BTreeMap<Uuid, Vec<Child>> = BTreeMap::new();
    for list in lists {
        let (id, mut list) = list?;
        list.sort_by(|a, b| a.person.code.cmp(&b.person.code));
        children.insert(id, list);
    }
    let unweighed = |id: &Uuid| -> Vec<&Child> {
        children
            .get(id)
            .map(|list| {
                list.iter()
                    .filter(|c| c.latest.as_ref().is_none_or(|l| l.measured_on != today))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Posyandu with enough children for two kader.
    let roomy: Vec<Uuid> = posyandu
        .iter()
        .map(|p| p.id)
        .filter(|id| unweighed(id).len() >= 2 * args.messages)
        .collect();
    let candidates = if roomy.is_empty() {
        eprintln!(
            "note: no posyandu has {} children not weighed today; replies will be refusals",
            2 * args.messages
        );
        posyandu.iter().map(|p| p.id).collect::<Vec<_>>()
    } else {
        roomy
    };
    if candidates.is_empty() {
        bail!("the database has no posyandu (was the demo loaded?)");
    }

    // Kader already registered (a reused database).
    let existing: Vec<Kader> = api.all("/api/v1/kader").await?;
    let mut at: HashMap<String, Uuid> = existing
        .into_iter()
        .filter(|k| k.deleted_at.is_none() && k.active_to.is_none_or(|to| to >= today))
        .filter_map(|k| Some((k.phone?, k.posyandu_id)))
        .collect();
    let missing: Vec<(usize, Uuid)> = (0..args.kader)
        .filter(|i| !at.contains_key(&phone_of(*i)))
        .map(|i| (i, candidates[(i / 2) % candidates.len()]))
        .collect();
    let reused = args.kader - missing.len();
    let gate = Arc::new(Semaphore::new(8));
    let created = futures_util::future::join_all(missing.iter().map(|(i, posyandu_id)| {
        let gate = gate.clone();
        let body = NewKader {
            person_id: None,
            person: Some(NewPerson {
                nik: None,
                name: format!("Kader Beban {i:05}"),
                sex: Sex::P,
                birth_date: NaiveDate::from_ymd_opt(1990, 1, 1).expect("a date"),
                phone: None,
                family_id: None,
                bpjs_segment: None,
                bpjs_number: None,
                desa_code: None,
                posyandu_id: Some(*posyandu_id),
            }),
            posyandu_id: *posyandu_id,
            post: KaderPost::Anggota,
            sk_number: None,
            sk_date: None,
            training_tier: None,
            phone: Some(phone_of(*i)),
            active_from: today - chrono::Duration::days(365),
            active_to: None,
            user_id: None,
        };
        async move {
            let _permit = gate.acquire().await.expect("semaphore");
            let body = serde_json::to_value(&body).expect("a kader serialises");
            let (status, answer) = api.post("/api/v1/kader", &body).await?;
            if status != 201 {
                bail!("registering kader {i}: {status}: {answer}");
            }
            Ok((phone_of(*i), *posyandu_id))
        }
    }))
    .await;
    for result in created {
        let (phone, posyandu_id) = result?;
        at.insert(phone, posyandu_id);
    }

    // Each posyandu's children shared out among its kader: kader j of g
    // gets children j, j+g, j+2g, … (those not weighed today first).
    let mut by_posyandu: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for i in 0..args.kader {
        by_posyandu.entry(at[&phone_of(i)]).or_default().push(i);
    }
    let mut plans: Vec<KaderPlan> = (0..args.kader)
        .map(|i| KaderPlan {
            wa_id: phone_of(i).trim_start_matches('+').to_owned(),
            messages: Vec::new(),
        })
        .collect();
    let mut short = 0;
    for (posyandu_id, kader) in &by_posyandu {
        let mut pool: Vec<&Child> = unweighed(posyandu_id);
        let fresh = pool.len();
        if let Some(list) = children.get(posyandu_id) {
            pool.extend(
                list.iter()
                    .filter(|c| c.latest.as_ref().is_some_and(|l| l.measured_on == today)),
            );
        }
        if pool.is_empty() {
            bail!("posyandu {posyandu_id} has no children");
        }
        let g = kader.len();
        if g * args.messages > fresh {
            short += g * args.messages - fresh;
        }
        for (j, &k) in kader.iter().enumerate() {
            for m in 0..args.messages {
                let child = pool[(j + m * g) % pool.len()];
                let (kg, cm) = measurement(child, today);
                plans[k].messages.push(Planned {
                    kader: k,
                    child_id: child.id,
                    posyandu_id: *posyandu_id,
                    code: child.person.code.clone(),
                    weight_kg: kg,
                    text: format!("TIMBANG {} {} {}", child.person.code, comma(kg), comma(cm)),
                });
            }
        }
    }
    println!(
        "prepared in {:.1} s: {} posyandu in the database, {} kader ({} registered now, {} reused) at {} posyandu, {} messages planned{}",
        started.elapsed().as_secs_f64(),
        posyandu.len(),
        args.kader,
        missing.len(),
        reused,
        by_posyandu.len(),
        args.kader * args.messages,
        if short > 0 {
            format!(" ({short} of them for children already weighed today: expect refusals)")
        } else {
            String::new()
        }
    );
    Ok(plans)
}

// ---------------------------------------------------------------------------
// The load

struct Load {
    http: reqwest::Client,
    webhook_url: String,
    standin: web::Data<StandIn>,
    reply_timeout: Duration,
    run_id: String,
    seq: AtomicU64,
}

#[derive(Debug)]
struct Outcome {
    planned: Planned,
    sent_at: Instant,
    /// Status and response time of the webhook's first attempt.
    webhook: Option<(u16, Duration)>,
    accepted: bool,
    attempts: u32,
    reply: Option<Arrival>,
}

impl Load {
    async fn send(&self, wa_id: &str, planned: Planned, number: usize) -> Outcome {
        let inbox = self
            .standin
            .inboxes
            .get(wa_id)
            .expect("every kader has an inbox")
            .clone();
        let (tx, rx) = oneshot::channel();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        inbox.waiting.lock().expect("inbox lock").push(Waiting {
            seq,
            code: planned.code.clone(),
            tx,
        });
        let id = format!("wamid.LOAD.{}.{}.{number}", self.run_id, planned.kader);
        let body = whatsapp_text_webhook(wa_id, &id, &planned.text, PHONE_NUMBER_ID);
        let signature = whatsapp_signature(&body, APP_SECRET);
        let sent_at = Instant::now();
        let mut webhook = None;
        let mut accepted = false;
        let mut attempts = 0;
        // Like Meta: a 5xx or no answer is delivered again (same id).
        while attempts < 3 && !accepted {
            attempts += 1;
            let t = Instant::now();
            let result = self
                .http
                .post(&self.webhook_url)
                .header("content-type", "application/json")
                .header("X-Hub-Signature-256", &signature)
                .body(body.clone())
                .send()
                .await;
            let status = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let _ = response.bytes().await;
                    Some(status)
                }
                Err(error) => {
                    if attempts == 1 {
                        eprintln!("webhook not answered: {error}");
                    }
                    None
                }
            };
            if webhook.is_none() {
                webhook = Some((status.unwrap_or(0), t.elapsed()));
            }
            match status {
                Some(200) => accepted = true,
                Some(s) if s < 500 => break,
                _ => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
        let reply = if accepted {
            match tokio::time::timeout(self.reply_timeout, rx).await {
                Ok(Ok(arrival)) => Some(arrival),
                _ => None,
            }
        } else {
            None
        };
        if reply.is_none() {
            inbox.forget(seq);
        }
        Outcome {
            planned,
            sent_at,
            webhook,
            accepted,
            attempts,
            reply,
        }
    }
}

async fn closed_loop(load: Arc<Load>, plans: &[KaderPlan]) -> anyhow::Result<Vec<Outcome>> {
    let tasks: Vec<_> = plans
        .iter()
        .map(|plan| {
            let load = load.clone();
            let wa_id = plan.wa_id.clone();
            let messages = plan.messages.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::with_capacity(messages.len());
                for (m, planned) in messages.into_iter().enumerate() {
                    outcomes.push(load.send(&wa_id, planned, m).await);
                }
                outcomes
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.context("a simulated kader panicked")?);
    }
    Ok(all)
}

/// Message `j` leaves at `j / rate` s, from kader `j mod K` (its `j div K`-th).
async fn open_loop(
    load: Arc<Load>,
    plans: &[KaderPlan],
    rate: f64,
) -> anyhow::Result<Vec<Outcome>> {
    let k = plans.len();
    let total: usize = plans.iter().map(|p| p.messages.len()).sum();
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    let mut late = Duration::ZERO;
    for j in 0..total {
        let (kader, m) = (j % k, j / k);
        let Some(planned) = plans[kader].messages.get(m).cloned() else {
            continue;
        };
        let due = start + Duration::from_secs_f64(j as f64 / rate);
        tokio::time::sleep_until(due).await;
        late = late.max(tokio::time::Instant::now() - due);
        let load = load.clone();
        let wa_id = plans[kader].wa_id.clone();
        tasks.push(tokio::spawn(
            async move { load.send(&wa_id, planned, m).await },
        ));
    }
    if late > Duration::from_millis(100) {
        println!(
            "note: the schedule slipped by up to {} ms (the generator could not keep up)",
            late.as_millis()
        );
    }
    let mut all = Vec::with_capacity(total);
    for task in tasks {
        all.push(task.await.context("a message task panicked")?);
    }
    Ok(all)
}

// ---------------------------------------------------------------------------
// Figures

/// `pg_stat_database` counters of one database.
async fn pg_stats(admin: &DatabaseConnection, name: &str) -> Option<[i64; 6]> {
    let row = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched \
                 FROM pg_stat_database WHERE datname = '{name}'"
            ),
        ))
        .await
        .ok()??;
    let get = |c: &str| row.try_get::<i64>("", c).ok();
    Some([
        get("xact_commit")?,
        get("xact_rollback")?,
        get("tup_inserted")?,
        get("tup_updated")?,
        get("tup_deleted")?,
        get("tup_fetched")?,
    ])
}

// ---------------------------------------------------------------------------
// Main

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    until_interrupted(run(args)).await
}

async fn run(args: Args) -> anyhow::Result<()> {
    if !args.bin.exists() {
        bail!(
            "{} does not exist: build it first (cargo build --release --locked)",
            args.bin.display()
        );
    }
    // The servers run in the data folder: a relative path would not resolve.
    let args = Args {
        bin: std::fs::canonicalize(&args.bin)?,
        ..args
    };
    let data = match &args.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            DataDir::Given(std::fs::canonicalize(dir)?)
        }
        None => DataDir::Temporary(tempfile::Builder::new().prefix("chat-load-").tempdir()?),
    };
    let dir = data.path().to_owned();
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let ticks = clock_ticks();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4096)
        .build()?;
    let today = posyandu_tests::today();
    let run_id = Uuid::new_v4().simple().to_string()[..8].to_owned();

    // The stand-in knows every kader's phone before anything is sent.
    let standin = web::Data::new(StandIn {
        inboxes: (0..args.kader)
            .map(|i| {
                (
                    phone_of(i).trim_start_matches('+').to_owned(),
                    Arc::new(Inbox::default()),
                )
            })
            .collect(),
        recorded: Mutex::new(Vec::new()),
        unmatched: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        sent: AtomicU64::new(0),
    });
    let (standin_url, standin_handle) = start_standin(standin.clone())?;
    let mut whatsapp_env = vec![
        ("POSYANDU_WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID),
        ("POSYANDU_WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN),
        ("POSYANDU_WHATSAPP_APP_SECRET", APP_SECRET),
        ("POSYANDU_WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN),
        ("POSYANDU_WHATSAPP_NUMBER", BUSINESS_NUMBER),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect::<Vec<_>>();
    whatsapp_env.push(("POSYANDU_WHATSAPP_API_URL".into(), standin_url.clone()));
    whatsapp_env.push(("RUST_LOG".into(), args.log.clone()));
    whatsapp_env.push(("POSYANDU_LOG_FORMAT".into(), "json".into()));
    // Only the replies to the load are measured: no reminders to the demo's
    // mothers on a posyandu day.
    whatsapp_env.push(("POSYANDU_REMINDER_INTERVAL_MINUTES".into(), "0".into()));
    whatsapp_env.extend(args.env.iter().cloned());

    // Declared before the servers: dropped after them.
    let mut database: Option<TestDatabase> = None;
    let mut admin_db: Option<DatabaseConnection> = None;
    let mut servers = Servers::default();
    let demo_args = |p: &str| {
        vec![
            "demo".to_owned(),
            "--password".to_owned(),
            p.to_owned(),
            "--children".to_owned(),
            args.children.to_string(),
        ]
    };

    let (api_base, webhook_url, durability) = match args.mode {
        Mode::Sqlite => {
            let db_file = dir.join("posyandu.db");
            let data_env = vec![("POSYANDU_DATA_DIR".to_owned(), dir.display().to_string())];
            if db_file.exists() && !args.reuse {
                bail!(
                    "{} already holds a database: pass --reuse to use it, or another --data-dir",
                    dir.display()
                );
            }
            if !db_file.exists() {
                let started = Instant::now();
                let mut demo = command(&args.bin, &dir, &data_env);
                demo.args(demo_args(&args.password));
                let out = run_to_end(demo, &logs.join("demo.log"), "posyandu demo")?;
                println!(
                    "demo: {} ({:.0} s)",
                    out.lines().next().unwrap_or(""),
                    started.elapsed().as_secs_f64()
                );
            } else {
                println!("demo: reusing {}", db_file.display());
            }
            let port = free_port()?;
            let mut env = data_env.clone();
            env.extend(whatsapp_env.iter().cloned());
            let mut server = command(&args.bin, &dir, &env);
            server.args(["--listen", &format!("127.0.0.1:{port}")]);
            let pid = start(
                &mut servers,
                "posyandu (all-in-one)",
                server,
                logs.join("server.log"),
            )?;
            let base = format!("http://127.0.0.1:{port}");
            wait_ready(
                &http,
                &format!("{base}/readyz"),
                &mut servers,
                Duration::from_secs(120),
            )
            .await?;
            println!("server: all-in-one, pid {pid}, {base}");
            (
                base.clone(),
                format!("{base}/webhooks/whatsapp"),
                "SQLite, WAL, synchronous=NORMAL (the server's settings)",
            )
        }
        Mode::Postgres => {
            let fresh = fresh_postgres_database(&args.postgres, "posyandu_chat_load").await?;
            let (admin, name, url) = (fresh.admin, fresh.name, fresh.url);
            database = Some(fresh.guard);
            let db_env = vec![("DATABASE_URL".to_owned(), url.clone())];
            run_to_end(
                {
                    let mut c = command(&args.bin, &dir, &db_env);
                    c.args(["migrate", "up"]);
                    c
                },
                &logs.join("migrate.log"),
                "posyandu migrate up",
            )?;
            let started = Instant::now();
            let out = run_to_end(
                {
                    let mut c = command(&args.bin, &dir, &db_env);
                    c.args(demo_args(&args.password));
                    c
                },
                &logs.join("demo.log"),
                "posyandu demo",
            )?;
            println!(
                "demo: {} ({:.0} s), database {name}",
                out.lines().next().unwrap_or(""),
                started.elapsed().as_secs_f64()
            );
            let (client_id, client_secret) =
                create_bot_client(&args.bin, &dir, &db_env, &logs.join("create-client.log"))?;
            let ServeAndBot {
                api_base: base,
                api_pid,
                bot_base,
                bot_pid,
            } = start_serve_and_bot(
                &http,
                &mut servers,
                &args.bin,
                &dir,
                &logs,
                &db_env,
                &whatsapp_env,
                (client_id, client_secret),
            )
            .await?;
            println!(
                "servers: serve pid {api_pid} at {base}; bot pid {bot_pid} with webhooks at {bot_base}"
            );
            admin_db = Some(admin);
            (
                base,
                format!("{bot_base}/webhooks/whatsapp"),
                "PostgreSQL defaults (synchronous_commit=on, fsync on every commit)",
            )
        }
    };
    println!("stand-in: {standin_url}; logs: {}", logs.display());

    let api = Api::login(&http, &api_base, "admin.buleleng", &args.password).await?;
    let plans = prepare(&api, &args, today).await?;

    // Before: metrics, CPU, database counters.
    let pids = servers.pids();
    if admin_db.is_some() {
        // PostgreSQL's statistics reach pg_stat_database within ~10 s.
        tokio::time::sleep(Duration::from_secs(11)).await;
    }
    let db_name = match &database {
        Some(TestDatabase::Postgres { name, .. }) => Some(name.clone()),
        _ => None,
    };
    let pg_before = match (&admin_db, &db_name) {
        (Some(admin), Some(name)) => pg_stats(admin, name).await,
        _ => None,
    };
    let metrics_before = scrape(&http, &api_base).await;
    let postgres_before = postgres_cpu(ticks);
    let cpu_before: Vec<Option<Duration>> = pids
        .iter()
        .map(|(_, pid)| cpu_time(Some(*pid), ticks))
        .chain([cpu_time(None, ticks)])
        .collect();

    let load = Arc::new(Load {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(4096)
            .build()?,
        webhook_url,
        standin: standin.clone(),
        reply_timeout: args.reply_timeout,
        run_id,
        seq: AtomicU64::new(0),
    });
    let total = plans.iter().map(|p| p.messages.len()).sum::<usize>();
    println!(
        "load: {} kader × {} messages = {total}, {}",
        plans.len(),
        args.messages,
        match args.rate {
            Some(r) => format!("open loop at {r} messages/s"),
            None => "closed loop (next message after the reply)".to_owned(),
        }
    );
    let load_started = Instant::now();
    let outcomes = match args.rate {
        Some(rate) => open_loop(load.clone(), &plans, rate).await?,
        None => closed_loop(load.clone(), &plans).await?,
    };
    let load_wall = load_started.elapsed();
    // The last results reach the API a moment after the last reply.
    let settle = Duration::from_secs(1);
    tokio::time::sleep(settle).await;

    let cpu_after: Vec<Option<Duration>> = pids
        .iter()
        .map(|(_, pid)| cpu_time(Some(*pid), ticks))
        .chain([cpu_time(None, ticks)])
        .collect();
    let metrics_after = scrape(&http, &api_base).await;
    let postgres_used = postgres_cpu(ticks).saturating_sub(postgres_before);
    let pg_after = match (&admin_db, &db_name) {
        (Some(admin), Some(name)) => {
            tokio::time::sleep(Duration::from_secs(11)).await;
            pg_stats(admin, name).await
        }
        _ => None,
    };
    servers.check_alive()?;

    // ---------------------------------------------------------------- verify
    let api = Api::login(&http, &api_base, "admin.buleleng", &args.password).await?;
    let mut posyandu_used: Vec<Uuid> = outcomes.iter().map(|o| o.planned.posyandu_id).collect();
    posyandu_used.sort();
    posyandu_used.dedup();
    let gate = Arc::new(Semaphore::new(16));
    let lists = futures_util::future::join_all(posyandu_used.iter().map(|id| {
        let gate = gate.clone();
        let path = format!("/api/v1/children?posyandu_id={id}");
        let api = &api;
        async move {
            let _permit = gate.acquire().await.expect("semaphore");
            api.all::<Child>(&path).await
        }
    }))
    .await;
    let mut latest: HashMap<Uuid, Option<(NaiveDate, f64)>> = HashMap::new();
    for list in lists {
        for child in list? {
            latest.insert(
                child.id,
                child.latest.as_ref().map(|l| (l.measured_on, l.weight_kg)),
            );
        }
    }
    let stored = |o: &Outcome| {
        latest
            .get(&o.planned.child_id)
            .and_then(|l| *l)
            .is_some_and(|(on, kg)| on == today && (kg - o.planned.weight_kg).abs() < 0.05)
    };
    let ticked = |o: &Outcome| {
        o.reply
            .as_ref()
            .is_some_and(|r| r.text.starts_with('\u{2713}'))
    };
    let ticked_stored = outcomes.iter().filter(|o| ticked(o) && stored(o)).count();
    let unticked_stored = outcomes.iter().filter(|o| !ticked(o) && stored(o)).count();
    // A sample read from each child's own weighings.
    let sample: Vec<&Outcome> = outcomes.iter().filter(|o| ticked(o)).take(100).collect();
    let mut sample_ok = 0;
    for o in &sample {
        let weighings: Vec<Weighing> = api
            .get(&format!(
                "/api/v1/children/{}/weighings",
                o.planned.child_id
            ))
            .await?;
        if weighings
            .iter()
            .any(|w| w.measured_on == today && (w.weight_kg - o.planned.weight_kg).abs() < 0.05)
        {
            sample_ok += 1;
        }
    }

    // --------------------------------------------------------------- figures
    let sent = outcomes.len();
    let accepted = outcomes.iter().filter(|o| o.accepted).count();
    let replied: Vec<&Outcome> = outcomes.iter().filter(|o| o.reply.is_some()).collect();
    let ticks_n = outcomes.iter().filter(|o| ticked(o)).count();
    let retried = outcomes.iter().filter(|o| o.attempts > 1).count();
    let first_sent = outcomes
        .iter()
        .map(|o| o.sent_at)
        .min()
        .unwrap_or(load_started);
    let last_reply = replied
        .iter()
        .filter_map(|o| o.reply.as_ref().map(|r| r.at))
        .max()
        .unwrap_or(first_sent);
    let span = last_reply.saturating_duration_since(first_sent);
    let mut latencies: Vec<Duration> = replied
        .iter()
        .map(|o| o.reply.as_ref().expect("replied").at - o.sent_at)
        .collect();
    latencies.sort();
    let mut later: Vec<Duration> = replied
        .iter()
        .filter(|o| o.sent_at > first_sent + Duration::from_secs(5))
        .map(|o| o.reply.as_ref().expect("replied").at - o.sent_at)
        .collect();
    later.sort();
    let mut webhook: Vec<Duration> = outcomes
        .iter()
        .filter_map(|o| o.webhook.filter(|(s, _)| *s == 200).map(|(_, d)| d))
        .collect();
    webhook.sort();
    let webhook_errors: BTreeMap<u16, usize> = outcomes
        .iter()
        .filter_map(|o| o.webhook.filter(|(s, _)| *s != 200))
        .fold(BTreeMap::new(), |mut m, (s, _)| {
            *m.entry(s).or_default() += 1;
            m
        });
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    for o in &replied {
        let text = &o.reply.as_ref().expect("replied").text;
        if !text.starts_with('\u{2713}') {
            let key: String = text
                .chars()
                .take(70)
                .collect::<String>()
                .replace(&o.planned.code, "<kode>");
            *others.entry(key).or_default() += 1;
        }
    }
    let throughput = replied.len() as f64 / span.as_secs_f64().max(1e-9);
    let tick_rate = ticks_n as f64 / span.as_secs_f64().max(1e-9);
    // Replies per second over the run.
    let mut per_second: Vec<usize> = vec![0; span.as_secs() as usize + 1];
    for o in &replied {
        let s = (o.reply.as_ref().expect("replied").at - first_sent).as_secs() as usize;
        if let Some(slot) = per_second.get_mut(s) {
            *slot += 1;
        }
    }
    let p99 = percentile(&latencies, 99.0);

    println!();
    println!(
        "== chat load: {} ==",
        match args.mode {
            Mode::Sqlite => "sqlite (all-in-one)",
            Mode::Postgres => "postgres (serve + bot)",
        }
    );
    println!("durability:          {durability}");
    println!(
        "load:                {} ({} kader × {})",
        match args.rate {
            Some(r) => format!("open loop, {r} messages/s scheduled"),
            None => "closed loop".to_owned(),
        },
        plans.len(),
        args.messages
    );
    println!(
        "messages sent:       {sent} (webhook accepted {accepted}; {retried} needed a second delivery)"
    );
    if !webhook_errors.is_empty() {
        println!("webhook errors:      {webhook_errors:?} (status 0: no answer)");
    }
    println!(
        "replies received:    {} (+{} unmatched/duplicate, {} refused by the stand-in)",
        replied.len(),
        standin.unmatched.load(Ordering::Relaxed),
        standin.refused.load(Ordering::Relaxed)
    );
    println!("✓ replies:           {ticks_n}");
    println!("other replies:       {}", replied.len() - ticks_n);
    for (text, n) in others.iter().take(6) {
        println!("    {n:>6} × {text}");
    }
    println!(
        "weighings stored:    {ticked_stored} of {ticks_n} ✓ (latest weighing today with the sent weight, via GET /api/v1/children); {unticked_stored} stored without a ✓; sample GET /api/v1/children/{{id}}/weighings: {sample_ok}/{}",
        sample.len()
    );
    println!(
        "run:                 {:.1} s from the first webhook to the last reply ({:.1} s wall)",
        span.as_secs_f64(),
        load_wall.as_secs_f64()
    );
    println!(
        "throughput:          {throughput:.0} messages/s fully processed (reply at the stand-in); {tick_rate:.0} ✓/s"
    );
    println!(
        "latency (webhook → reply): p50 {}  p90 {}  p99 {}  max {}",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(p99),
        ms(latencies.last().copied().unwrap_or_default())
    );
    if !later.is_empty() && later.len() != latencies.len() {
        println!(
            "  sent after the first 5 s: p50 {}  p99 {}  ({} messages)",
            ms(percentile(&later, 50.0)),
            ms(percentile(&later, 99.0)),
            later.len()
        );
    }
    println!(
        "webhook response:    p50 {}  p99 {}  max {}",
        ms(percentile(&webhook, 50.0)),
        ms(percentile(&webhook, 99.0)),
        ms(webhook.last().copied().unwrap_or_default())
    );
    println!(
        "replies per second:  {}",
        per_second
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let n = sent.max(1) as f64;
    let mut cpu_total = Duration::ZERO;
    for (i, (name, pid)) in pids.iter().enumerate() {
        let used = match (cpu_before[i], cpu_after[i]) {
            (Some(b), Some(a)) => a - b,
            _ => Duration::ZERO,
        };
        cpu_total += used;
        println!(
            "server {name:<22} pid {pid}: peak RSS (VmHWM) {} MiB; CPU {:.1} s during the load ({:.2} ms per message, {:.0} % of one core)",
            peak_rss_kb(*pid).map(|k| k / 1024).unwrap_or(0),
            used.as_secs_f64(),
            used.as_secs_f64() * 1000.0 / n,
            used.as_secs_f64() * 100.0 / (load_wall + settle).as_secs_f64()
        );
    }
    if args.mode == Mode::Postgres {
        cpu_total += postgres_used;
        println!(
            "PostgreSQL processes: CPU {:.1} s during the load ({:.2} ms per message, {:.0} % of one core; counted in the server CPU below)",
            postgres_used.as_secs_f64(),
            postgres_used.as_secs_f64() * 1000.0 / n,
            postgres_used.as_secs_f64() * 100.0 / (load_wall + settle).as_secs_f64()
        );
    }
    let own = match (cpu_before[pids.len()], cpu_after[pids.len()]) {
        (Some(b), Some(a)) => a - b,
        _ => Duration::ZERO,
    };
    println!(
        "generator + stand-in CPU: {:.1} s ({:.2} ms per message); machine: {} cores",
        own.as_secs_f64(),
        own.as_secs_f64() * 1000.0 / n,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!(
        "server CPU per message: {:.2} ms → at most ~{:.0} messages/s on this machine's cores if nothing else ran",
        cpu_total.as_secs_f64() * 1000.0 / n,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1) as f64
            / (cpu_total.as_secs_f64() / n).max(1e-9)
    );
    // API requests during the load, by route.
    println!("API requests during the load (server /metrics), per message sent:");
    let mut by_route: BTreeMap<(String, String), (f64, BTreeMap<String, f64>)> = BTreeMap::new();
    for ((route, method, status), after) in &metrics_after.requests {
        let before = metrics_before
            .requests
            .get(&(route.clone(), method.clone(), status.clone()))
            .copied()
            .unwrap_or(0.0);
        let delta = after - before;
        if delta > 0.0 {
            let entry = by_route.entry((method.clone(), route.clone())).or_default();
            entry.0 += delta;
            *entry.1.entry(status.clone()).or_default() += delta;
        }
    }
    let mut total_requests = 0.0;
    for ((method, route), (count, statuses)) in &by_route {
        let seconds = metrics_after.seconds.get(route).copied().unwrap_or(0.0)
            - metrics_before.seconds.get(route).copied().unwrap_or(0.0);
        // The latency sum is by route only; the mean covers every method.
        let route_count: f64 = by_route
            .iter()
            .filter(|((_, r), _)| r == route)
            .map(|(_, (c, _))| c)
            .sum();
        total_requests += count;
        println!(
            "  {:>6.2}  {method:<6} {route:<44} {:>7} requests, mean {:>6.1} ms, status {}",
            count / n,
            *count as u64,
            seconds * 1000.0 / route_count.max(1.0),
            statuses
                .iter()
                .map(|(s, c)| format!("{s}×{}", *c as u64))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    println!("  {:>6.2}  in all", total_requests / n);
    if let (Some(b), Some(a)) = (pg_before, pg_after) {
        let d: Vec<f64> = a
            .iter()
            .zip(b.iter())
            .map(|(a, b)| (a - b) as f64)
            .collect();
        println!(
            "PostgreSQL during the load, per message: {:.1} transactions committed ({:.2} rolled back), {:.1} rows inserted, {:.1} updated, {:.1} deleted, {:.0} fetched",
            d[0] / n,
            d[1] / n,
            d[2] / n,
            d[3] / n,
            d[4] / n,
            d[5] / n
        );
    }
    println!(
        "target ≥ 500 messages/s and p99 < 2 s: {}",
        if throughput >= 500.0 && p99 < Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );
    let recorded = standin.recorded.lock().expect("record lock").len();
    if recorded != replied.len() + standin.unmatched.load(Ordering::Relaxed) as usize {
        println!("note: the stand-in recorded {recorded} replies");
    }

    drop(servers);
    standin_handle.stop(false).await;
    drop(admin_db);
    if args.keep {
        if let Some(TestDatabase::Postgres { name, .. }) = &database {
            println!("database {name} kept");
        }
        std::mem::forget(database);
    } else {
        drop(database);
    }
    if args.keep
        && let DataDir::Temporary(t) = data
    {
        let kept = t.keep();
        println!("data kept in {}", kept.display());
    }
    Ok(())
}
