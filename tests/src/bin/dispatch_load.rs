//! Load generator for the bot's outbox dispatch: how many outbound WhatsApp
//! messages per second the bot workers send, against the release build,
//! each send caught by a WhatsApp Graph API stand-in of our own.
//!
//! ```text
//! cargo build --release --locked
//! cargo run --release --locked -p posyandu-tests --bin dispatch_load -- \
//!     --postgres postgres://postgres@127.0.0.1:5432/postgres --workers 4
//! cargo run --release --locked -p posyandu-tests --bin dispatch_load -- \
//!     --workers 4 --messages 2400 --rate-limit 80
//! cargo run --release --locked -p posyandu-tests --bin dispatch_load -- --mode sqlite
//! ```
//!
//! What it does:
//! 1. a WhatsApp Graph API stand-in on 127.0.0.1 that answers every
//!    `POST /{version}/{phone_number_id}/messages` at once with Meta's
//!    success answer and records (arrival instant, to) of each;
//! 2. on PostgreSQL (the main mode) a fresh database with a random name
//!    (`migrate up`, `admin create-client` for the bot, no demo data),
//!    dropped at the end, and `serve`; with `--mode sqlite` a fresh data
//!    folder (`migrate up`);
//! 3. N reminders queued straight into `outbox_message` (one statement on
//!    PostgreSQL), each to its own recipient, all due now, so that the bots
//!    start on a full outbox;
//! 4. the senders: W `bot --api` processes started at once (PostgreSQL), or
//!    the all-in-one start, whose bot runs in the same process (SQLite);
//!    every one gets `POSYANDU_WHATSAPP_RATE_PER_SECOND` (R with
//!    `--rate-limit R`, else 0 for unlimited) and no reminder planner;
//! 5. the wait: until all N recipients have had their message (or the
//!    timeout), then until the database shows all N rows `sent` (the bots
//!    report in batches);
//! 6. the figures: sends/s from the first arrival to the last and from the
//!    bots' start, duplicates, the time to `sent` in the database, sends in
//!    every second, CPU per 1,000 messages of the API, the bots and
//!    PostgreSQL (the run database's backends and the server's shared
//!    processes), peak RSS, API requests per 1,000 messages (from the
//!    server's `/metrics`); with `--rate-limit R` the most sends in any
//!    sliding 1-second window and in any whole second, and a failure when
//!    the sliding window ever holds more than R.
//!
//! Exits non-zero when not every recipient was reached within the timeout,
//! when the outbox does not show every message sent, or when the rate
//! limit was exceeded. The child processes are stopped on exit, on
//! Ctrl-C/SIGTERM and on a panic (guards dropped while unwinding); the logs
//! are kept when the run fails.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use posyandu_tests::TestDatabase;
use posyandu_tests::load::{
    Metrics, Servers, clock_ticks, command, cpu_between, cpu_time, create_bot_client, free_port,
    fresh_postgres_database, peak_rss_kb, postgres_cpu_for, run_to_end, scrape, start,
    until_interrupted, wait_ready,
};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait, Statement,
    TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

const PHONE_NUMBER_ID: &str = "100200300400501";
const ACCESS_TOKEN: &str = "dispatch-load-access-token";
const APP_SECRET: &str = "dispatch-load-app-secret";
const VERIFY_TOKEN: &str = "dispatch-load-verify-token";
/// Our business number.
const BUSINESS_NUMBER: &str = "+6281100002222";
/// Recipients: `+62813990` and six digits, one per queued message (the
/// demo's numbers are `+628133700…`, chat_load's kader `+62812990…`).
const RECIPIENT_PREFIX: &str = "+62813990";
const TEMPLATE: &str = "pengingat_posyandu";
const TEMPLATE_PARAMS: &str = r#"["besok","Kamis 10/12","Posyandu Melati","Putu: timbang"]"#;
/// The text of the reminder (the fallback of the template).
const BODY: &str = "Pengingat: besok, Kamis 10/12, ada Posyandu Melati. Putu: timbang.";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// How long the bots may take, after the last send, to report every
/// message to the API.
const REPORT_WAIT: Duration = Duration::from_secs(60);

const USAGE: &str = "\
dispatch_load: the bot's outbox dispatch under load (a full outbox of
WhatsApp reminders, each send caught by a stand-in), against the release
binary.

  --postgres URL               PostgreSQL server (the default mode; default
                               postgres://postgres@127.0.0.1:5432/postgres)
  --mode sqlite|postgres       postgres: `serve` + W × `bot --api` (default);
                               sqlite: the all-in-one start (one bot, in process)
  --bin PATH                   the posyandu binary (default target/release/posyandu)
  --workers W                  `bot` processes on PostgreSQL (default 1)
  --messages N                 reminders queued before the bots start (default 20000)
  --rate-limit R               messages/s per channel, given to every server
                               process as POSYANDU_WHATSAPP_RATE_PER_SECOND
                               (default: 0, unlimited); checked at the stand-in
  --timeout SECONDS            give up waiting for the sends (default 300)
  --arrivals FILE              write every arrival at the stand-in to FILE as
                               CSV (seconds since the senders' start, to)
  --log LEVEL                  RUST_LOG of the servers (default warn); logs in
                               the run's folder, kept when the run fails
  --env NAME=VALUE             extra environment for the server processes
                               (repeatable), e.g. POSYANDU_BOT_CONCURRENCY=128
  --keep                       keep the run's folder and the PostgreSQL database
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
    workers: usize,
    messages: usize,
    /// As given (passed on verbatim), and as a number (to check against).
    rate_limit: Option<(String, f64)>,
    timeout: Duration,
    /// Where to write the arrivals (CSV).
    arrivals: Option<PathBuf>,
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
        mode: Mode::Postgres,
        postgres: DEFAULT_POSTGRES.to_owned(),
        bin: default_bin,
        workers: 1,
        messages: 20_000,
        rate_limit: None,
        timeout: Duration::from_secs(300),
        arrivals: None,
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
            "--workers" => args.workers = value("--workers")?.parse()?,
            "--messages" => args.messages = value("--messages")?.parse()?,
            "--rate-limit" => {
                let text = value("--rate-limit")?;
                let rate: f64 = text
                    .parse()
                    .with_context(|| format!("--rate-limit wants a number, not {text}"))?;
                args.rate_limit = Some((text, rate));
            }
            "--timeout" => args.timeout = Duration::from_secs_f64(value("--timeout")?.parse()?),
            "--arrivals" => args.arrivals = Some(PathBuf::from(value("--arrivals")?)),
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
    if !(1..=1_000_000).contains(&args.messages) {
        bail!("--messages is 1–1000000 (six digits of recipient)");
    }
    if !(1..=64).contains(&args.workers) {
        bail!("--workers is 1–64");
    }
    if args.mode == Mode::Sqlite && args.workers != 1 {
        bail!("--workers is for PostgreSQL: the all-in-one start has one bot, in its process");
    }
    if args
        .rate_limit
        .as_ref()
        .is_some_and(|(_, r)| *r <= 0.0 || !r.is_finite())
    {
        bail!(
            "--rate-limit is a positive number of messages per second (leave it out for unlimited)"
        );
    }
    Ok(args)
}

// ---------------------------------------------------------------------------
// The WhatsApp stand-in

#[derive(Default)]
struct Record {
    /// (arrival, to) of every accepted send; `to` as the bot wrote it
    /// (digits). Roughly in arrival order: sorted before use.
    arrivals: Vec<(Instant, String)>,
    /// The recipients reached so far.
    seen: HashSet<String>,
}

#[derive(Default)]
struct StandIn {
    record: Mutex<Record>,
    /// Distinct recipients so far, for the wait without taking the lock.
    distinct: AtomicUsize,
    /// Requests answered with an error: wrong token or phone number id, a
    /// body that is not JSON, another route.
    refused: AtomicU64,
    /// Sends accepted that were not our reminder template with its four
    /// parameters (a text fallback, say).
    unexpected: AtomicU64,
    /// For the message ids it hands out (`wamid.DISPATCH…`).
    ids: AtomicU64,
}

/// Whether a send is the reminder the outbox holds.
fn is_our_reminder(message: &Value) -> bool {
    let template = &message["template"];
    message["type"] == "template"
        && template["name"] == TEMPLATE
        && template["components"][0]["parameters"]
            .as_array()
            .is_some_and(|p| p.len() == 4)
}

async fn standin_send(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<StandIn>,
) -> HttpResponse {
    let at = Instant::now();
    let bearer = format!("Bearer {ACCESS_TOKEN}");
    let authorised = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(bearer.as_str());
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (Some(message), true, true) = (parsed, authorised, path.1 == PHONE_NUMBER_ID) else {
        state.refused.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::Unauthorized().json(json!({"error": {"code": 190,
            "message": "Invalid OAuth access token", "type": "OAuthException"}}));
    };
    if !is_our_reminder(&message) {
        state.unexpected.fetch_add(1, Ordering::Relaxed);
    }
    let to = message["to"].as_str().unwrap_or_default().to_owned();
    {
        let mut record = state.record.lock().expect("record lock");
        if record.seen.insert(to.clone()) {
            state.distinct.fetch_add(1, Ordering::Relaxed);
        }
        record.arrivals.push((at, to.clone()));
    }
    let n = state.ids.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": format!("wamid.DISPATCH{n:012}")}]
    }))
}

async fn standin_refuse(state: web::Data<StandIn>) -> HttpResponse {
    state.refused.fetch_add(1, Ordering::Relaxed);
    HttpResponse::NotFound().json(json!({"error": "no such route"}))
}

/// Starts the stand-in on 127.0.0.1:0; returns its base URL. A few actix
/// workers, so that it answers faster than any number of bots can send.
fn start_standin(
    state: web::Data<StandIn>,
) -> anyhow::Result<(String, actix_web::dev::ServerHandle)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 4);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(1024 * 1024))
            .route(
                "/{version}/{phone_number_id}/messages",
                web::post().to(standin_send),
            )
            .default_service(web::to(standin_refuse))
    })
    .workers(workers)
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
// The outbox, filled before the bots start

/// The recipient of message `i`, E.164.
fn recipient(i: usize) -> String {
    format!("{RECIPIENT_PREFIX}{i:06}")
}

/// Queues `n` reminders in one statement. The area columns stay empty:
/// the bot's client is registered for the whole country (`--area ID`),
/// whose claim filter is no filter at all.
async fn prefill_postgres(db: &DatabaseConnection, n: usize, run_id: &str) -> anyhow::Result<()> {
    let sql = "INSERT INTO outbox_message (id, channel, recipient, kind, priority, body, \
                 template_name, template_language, template_params, dedupe_key, status, attempts, \
                 not_before, expires_at, created_at, updated_at) \
               SELECT gen_random_uuid(), 'whatsapp', $1 || lpad(i::text, 6, '0'), 'reminder', 10, $2, \
                 $3, 'id', $4, $5 || i, 'queued', 0, \
                 now() - interval '1 second', now() + interval '1 day', now(), now() \
               FROM generate_series(0, $6::bigint - 1) AS i";
    let inserted = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                RECIPIENT_PREFIX.into(),
                BODY.into(),
                TEMPLATE.into(),
                TEMPLATE_PARAMS.into(),
                format!("dispatch-load:{run_id}:").into(),
                (n as i64).into(),
            ],
        ))
        .await
        .context("prefilling the outbox")?
        .rows_affected();
    if inserted != n as u64 {
        bail!("prefilled {inserted} outbox rows, not {n}");
    }
    // Statistics as a long-running installation has them, so that the
    // claim's plan is not one for an empty table.
    db.execute_unprepared("ANALYZE outbox_message").await?;
    Ok(())
}

/// The same rows through the entity: SQLite has neither `gen_random_uuid`
/// nor `generate_series`, and the entity writes uuids and timestamps the
/// way the server reads them.
async fn prefill_sqlite(db: &DatabaseConnection, n: usize, run_id: &str) -> anyhow::Result<()> {
    use entity::outbox_message::ActiveModel;
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    let row = |i: usize| ActiveModel {
        id: Set(Uuid::new_v4()),
        channel: Set("whatsapp".into()),
        recipient: Set(recipient(i)),
        kind: Set("reminder".into()),
        priority: Set(10),
        body: Set(Some(BODY.into())),
        template_name: Set(Some(TEMPLATE.into())),
        template_language: Set(Some("id".into())),
        template_params: Set(Some(TEMPLATE_PARAMS.into())),
        dedupe_key: Set(format!("dispatch-load:{run_id}:{i}")),
        status: Set("queued".into()),
        attempts: Set(0),
        not_before: Set(now - chrono::Duration::seconds(1)),
        expires_at: Set(now + chrono::Duration::days(1)),
        created_at: Set(now),
        updated_at: Set(now),
        // The rest (lease, provider id, area columns…) is NULL.
        ..Default::default()
    };
    let tx = db.begin().await?;
    // ~30 columns a row: 500 rows stay under SQLite's bound-parameter limit.
    let indexes: Vec<usize> = (0..n).collect();
    for chunk in indexes.chunks(500) {
        entity::outbox_message::Entity::insert_many(chunk.iter().map(|&i| row(i)))
            .exec_without_returning(&tx)
            .await
            .context("prefilling the outbox")?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rows of the outbox by status: (status, error code) → (rows, attempts).
async fn outbox_states(
    db: &DatabaseConnection,
) -> anyhow::Result<BTreeMap<(String, String), (i64, i64)>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, coalesce(error_code, '') AS code, count(*) AS n, \
             coalesce(sum(attempts), 0) AS attempts FROM outbox_message GROUP BY status, code",
        ))
        .await?;
    let mut states = BTreeMap::new();
    for row in rows {
        states.insert(
            (row.try_get("", "status")?, row.try_get("", "code")?),
            (row.try_get("", "n")?, row.try_get("", "attempts")?),
        );
    }
    Ok(states)
}

async fn count_status(db: &DatabaseConnection, status: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT count(*) AS n FROM outbox_message WHERE status = '{status}'"),
        ))
        .await?
        .context("a count has a row")?;
    Ok(row.try_get("", "n")?)
}

// ---------------------------------------------------------------------------
// The servers

/// What the measurement needs of a run once the senders are started.
struct Target {
    /// The run's database, to watch the outbox.
    db: DatabaseConnection,
    api_base: String,
    /// The PostgreSQL database's name (None on SQLite).
    database: Option<String>,
    /// "serve + 4 × bot", "all-in-one".
    label: String,
    /// When the senders were started.
    started: Instant,
    /// CPU and API counters just before that.
    before: Usage,
    metrics_before: Metrics,
}

/// The environment of every server process: the WhatsApp channel pointed
/// at the stand-in, the rate limit, no reminder planner.
fn server_env(args: &Args, standin_url: &str) -> Vec<(String, String)> {
    let rate = match &args.rate_limit {
        Some((text, _)) => text.clone(),
        // 0: unlimited.
        None => "0".to_owned(),
    };
    let mut env: Vec<(String, String)> = [
        ("POSYANDU_WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID),
        ("POSYANDU_WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN),
        ("POSYANDU_WHATSAPP_APP_SECRET", APP_SECRET),
        ("POSYANDU_WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN),
        ("POSYANDU_WHATSAPP_NUMBER", BUSINESS_NUMBER),
        ("POSYANDU_WHATSAPP_API_URL", standin_url),
        ("POSYANDU_WHATSAPP_RATE_PER_SECOND", rate.as_str()),
        ("POSYANDU_REMINDER_INTERVAL_MINUTES", "0"),
        ("POSYANDU_LOG_FORMAT", "json"),
        ("RUST_LOG", args.log.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    env.extend(args.env.iter().cloned());
    env
}

/// PostgreSQL: a fresh database, `serve`, the outbox filled, then the W
/// bots started together.
async fn start_postgres(
    args: &Args,
    dir: &Path,
    env: &[(String, String)],
    run_id: &str,
    servers: &mut Servers,
    database: &mut Option<TestDatabase>,
    ticks: f64,
) -> anyhow::Result<Target> {
    let logs = dir.join("logs");
    let fresh = fresh_postgres_database(&args.postgres, "posyandu_dispatch_load").await?;
    *database = Some(fresh.guard);
    fresh.admin.close().await.ok();
    let db_env = vec![("DATABASE_URL".to_owned(), fresh.url.clone())];
    let mut migrate = command(&args.bin, dir, &db_env);
    migrate.args(["migrate", "up"]);
    run_to_end(migrate, &logs.join("migrate.log"), "posyandu migrate up")?;
    let (client_id, client_secret) =
        create_bot_client(&args.bin, dir, &db_env, &logs.join("create-client.log"))?;

    let http = reqwest::Client::new();
    let api_port = free_port()?;
    let mut serve_env = db_env.clone();
    let jwt_secret = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    serve_env.push(("POSYANDU_JWT_SECRET".into(), jwt_secret));
    serve_env.extend(env.iter().cloned());
    let mut serve = command(&args.bin, dir, &serve_env);
    serve.args(["serve", "--listen", &format!("127.0.0.1:{api_port}")]);
    let serve_pid = start(servers, "posyandu serve", serve, logs.join("serve.log"))?;
    let api_base = format!("http://127.0.0.1:{api_port}");
    let ready = format!("{api_base}/readyz");
    wait_ready(&http, &ready, servers, Duration::from_secs(120)).await?;

    let db = Database::connect(&fresh.url).await?;
    let filling = Instant::now();
    prefill_postgres(&db, args.messages, run_id).await?;
    println!(
        "database {}: {} reminders queued in {:.1} s; serve pid {serve_pid} at {api_base}",
        fresh.name,
        args.messages,
        filling.elapsed().as_secs_f64()
    );

    let metrics_before = scrape(&http, &api_base).await;
    let before = usage(&servers.pids(), Some(&fresh.name), ticks);
    let started = Instant::now();
    for w in 1..=args.workers {
        let mut bot_env = env.to_vec();
        bot_env.push(("POSYANDU_BOT_CLIENT_ID".into(), client_id.clone()));
        bot_env.push(("POSYANDU_BOT_CLIENT_SECRET".into(), client_secret.clone()));
        // Each bot has its own webhook listener.
        bot_env.push((
            "POSYANDU_BOT_LISTEN".into(),
            format!("127.0.0.1:{}", free_port()?),
        ));
        let mut bot = command(&args.bin, dir, &bot_env);
        bot.args(["bot", "--api", &api_base]);
        let name = format!("posyandu bot {w}");
        start(servers, &name, bot, logs.join(format!("bot-{w}.log")))?;
    }
    Ok(Target {
        db,
        api_base,
        database: Some(fresh.name),
        label: format!("postgres (serve + {} × bot)", args.workers),
        started,
        before,
        metrics_before,
    })
}

/// SQLite: a fresh data folder, migrated and filled, then the all-in-one
/// start (API and bot in one process).
async fn start_sqlite(
    args: &Args,
    dir: &Path,
    env: &[(String, String)],
    run_id: &str,
    servers: &mut Servers,
    ticks: f64,
) -> anyhow::Result<Target> {
    let logs = dir.join("logs");
    let data_env = vec![("POSYANDU_DATA_DIR".to_owned(), dir.display().to_string())];
    let mut migrate = command(&args.bin, dir, &data_env);
    migrate.args(["migrate", "up"]);
    run_to_end(migrate, &logs.join("migrate.log"), "posyandu migrate up")?;

    let url = format!("sqlite://{}?mode=rwc", dir.join("posyandu.db").display());
    let db = Database::connect(&url).await?;
    let filling = Instant::now();
    prefill_sqlite(&db, args.messages, run_id).await?;
    println!(
        "{}: {} reminders queued in {:.1} s",
        dir.join("posyandu.db").display(),
        args.messages,
        filling.elapsed().as_secs_f64()
    );

    let port = free_port()?;
    let mut all_env = data_env.clone();
    all_env.extend(env.iter().cloned());
    let mut server = command(&args.bin, dir, &all_env);
    server.args(["--listen", &format!("127.0.0.1:{port}")]);
    let before = usage(&[], None, ticks);
    let started = Instant::now();
    start(
        servers,
        "posyandu (all-in-one)",
        server,
        logs.join("server.log"),
    )?;
    Ok(Target {
        db,
        api_base: format!("http://127.0.0.1:{port}"),
        database: None,
        label: "sqlite (all-in-one)".to_owned(),
        started,
        before,
        // The server starts with the measurement: its counters are zero.
        metrics_before: Metrics::default(),
    })
}

// ---------------------------------------------------------------------------
// Measurement

/// CPU used so far by the server processes, PostgreSQL (the processes
/// working for the run's database) and this process.
#[derive(Debug, Clone, Default)]
struct Usage {
    processes: HashMap<u32, Duration>,
    postgres: HashMap<u32, Duration>,
    own: Duration,
}

fn usage(pids: &[(String, u32)], database: Option<&str>, ticks: f64) -> Usage {
    Usage {
        processes: pids
            .iter()
            .filter_map(|(_, pid)| Some((*pid, cpu_time(Some(*pid), ticks)?)))
            .collect(),
        postgres: database
            .map(|name| postgres_cpu_for(name, ticks))
            .unwrap_or_default(),
        own: cpu_time(None, ticks).unwrap_or_default(),
    }
}

/// How the wait for the sends ended.
enum Waited {
    /// Every recipient reached.
    All,
    /// Some messages failed for good: they will never arrive.
    Failed(i64),
    TimedOut,
}

/// Waits until `n` distinct recipients have arrived at the stand-in, a
/// server exits, some messages fail for good, or `timeout` after `started`.
async fn wait_for_sends(
    standin: &StandIn,
    n: usize,
    target: &Target,
    servers: &mut Servers,
    timeout: Duration,
) -> anyhow::Result<Waited> {
    let mut next_progress = Duration::from_secs(10);
    let mut next_check = Duration::from_secs(1);
    loop {
        let reached = standin.distinct.load(Ordering::Relaxed);
        if reached >= n {
            return Ok(Waited::All);
        }
        servers.check_alive()?;
        let elapsed = target.started.elapsed();
        if elapsed > timeout {
            return Ok(Waited::TimedOut);
        }
        // Once a second (a light indexed count): messages failed for good
        // would make us wait for the timeout.
        if elapsed >= next_check {
            next_check += Duration::from_secs(1);
            let failed = count_status(&target.db, "failed").await?;
            if failed > 0 && reached + failed as usize >= n {
                return Ok(Waited::Failed(failed));
            }
        }
        if elapsed >= next_progress {
            next_progress += Duration::from_secs(10);
            println!(
                "  … {reached} of {n} recipients after {} s",
                elapsed.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the database shows `n` rows sent; how long that took, or
/// None after `within`.
async fn wait_for_reports(
    db: &DatabaseConnection,
    n: usize,
    servers: &mut Servers,
    within: Duration,
) -> anyhow::Result<Option<Duration>> {
    let started = Instant::now();
    loop {
        if count_status(db, "sent").await? >= n as i64 {
            return Ok(Some(started.elapsed()));
        }
        servers.check_alive()?;
        if started.elapsed() > within {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The arrivals, as figures.
struct Arrivals {
    /// Every arrival instant, sorted.
    times: Vec<Instant>,
    distinct: usize,
    duplicates: usize,
    first: Option<Instant>,
    /// When the last recipient had its first message.
    last_new: Option<Instant>,
}

fn arrivals(record: &Record) -> Arrivals {
    let mut sorted = record.arrivals.clone();
    sorted.sort_by_key(|(at, _)| *at);
    let mut seen: HashSet<&str> = HashSet::with_capacity(sorted.len());
    let mut last_new = None;
    for (at, to) in &sorted {
        if seen.insert(to.as_str()) {
            last_new = Some(*at);
        }
    }
    Arrivals {
        distinct: seen.len(),
        duplicates: sorted.len() - seen.len(),
        first: sorted.first().map(|(at, _)| *at),
        last_new,
        times: sorted.iter().map(|(at, _)| *at).collect(),
    }
}

/// Writes every arrival as `seconds since the senders' start,to`, in
/// order of arrival.
fn write_arrivals(path: &Path, record: &Record, started: Instant) -> anyhow::Result<()> {
    use std::fmt::Write;
    let mut sorted: Vec<&(Instant, String)> = record.arrivals.iter().collect();
    sorted.sort_by_key(|(at, _)| *at);
    let mut csv = String::from("seconds,to\n");
    for (at, to) in sorted {
        let seconds = at.saturating_duration_since(started).as_secs_f64();
        writeln!(csv, "{seconds:.6},{to}").expect("writing to a string");
    }
    std::fs::write(path, csv).with_context(|| format!("cannot write {}", path.display()))
}

/// The most arrivals in any window `[t_i, t_i + 1 s)` starting at an
/// arrival (`times` sorted).
fn max_in_sliding_second(times: &[Instant]) -> usize {
    let mut best = 0;
    let mut end = 0;
    for (i, t) in times.iter().enumerate() {
        let limit = *t + Duration::from_secs(1);
        end = end.max(i);
        while end < times.len() && times[end] < limit {
            end += 1;
        }
        best = best.max(end - i);
    }
    best
}

/// Arrivals in each whole second since the first (`times` sorted).
fn per_second(times: &[Instant]) -> Vec<usize> {
    let Some(first) = times.first() else {
        return Vec::new();
    };
    let span = times.last().map_or(0, |l| (*l - *first).as_secs() as usize);
    let mut counts = vec![0; span + 1];
    for t in times {
        counts[(*t - *first).as_secs() as usize] += 1;
    }
    counts
}

fn rate(count: usize, span: Duration) -> f64 {
    count as f64 / span.as_secs_f64().max(1e-9)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
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
    // The servers run in the run's folder: a relative path would not resolve.
    let args = Args {
        bin: std::fs::canonicalize(&args.bin)?,
        ..args
    };
    let folder = tempfile::Builder::new()
        .prefix("dispatch-load-")
        .tempdir()?;
    let dir = folder.path().to_owned();
    std::fs::create_dir_all(dir.join("logs"))?;

    // Declared before the servers: dropped after them.
    let mut database: Option<TestDatabase> = None;
    let result = dispatch(&args, &dir, &mut database).await;
    if result.is_err() || args.keep {
        println!("logs kept in {}", folder.keep().join("logs").display());
    }
    if args.keep
        && let Some(TestDatabase::Postgres { name, .. }) = &database
    {
        println!("database {name} kept");
        std::mem::forget(database.take());
    }
    drop(database);
    result
}

/// The run proper: the stand-in, the servers, the wait, the report. The
/// servers are stopped when it returns (or is dropped).
async fn dispatch(
    args: &Args,
    dir: &Path,
    database: &mut Option<TestDatabase>,
) -> anyhow::Result<()> {
    let ticks = clock_ticks();
    let run_id = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let standin = web::Data::new(StandIn::default());
    let (standin_url, standin_handle) = start_standin(standin.clone())?;
    let env = server_env(args, &standin_url);
    let mut servers = Servers::default();
    let target = match args.mode {
        Mode::Postgres => {
            start_postgres(args, dir, &env, &run_id, &mut servers, database, ticks).await?
        }
        Mode::Sqlite => start_sqlite(args, dir, &env, &run_id, &mut servers, ticks).await?,
    };
    println!(
        "senders started: {}; stand-in {standin_url}; logs in {}",
        target.label,
        dir.join("logs").display()
    );

    let n = args.messages;
    let waited = wait_for_sends(&standin, n, &target, &mut servers, args.timeout).await?;
    let reported = match waited {
        Waited::All => wait_for_reports(&target.db, n, &mut servers, REPORT_WAIT).await?,
        Waited::Failed(_) | Waited::TimedOut => None,
    };
    let wall = target.started.elapsed();
    let after = usage(&servers.pids(), target.database.as_deref(), ticks);
    let metrics_after = scrape(&reqwest::Client::new(), &target.api_base).await;
    let states = outbox_states(&target.db).await?;
    let figures = {
        let record = standin.record.lock().expect("record lock");
        if let Some(path) = &args.arrivals {
            write_arrivals(path, &record, target.started)?;
        }
        arrivals(&record)
    };

    print_report(&Report {
        args,
        target: &target,
        standin: &standin,
        figures: &figures,
        reported,
        wall,
        pids: servers.pids(),
        after: &after,
        metrics_after: &metrics_after,
        states: &states,
    });
    let verdict = verdict(args, &waited, reported, &figures);

    drop(servers);
    standin_handle.stop(false).await;
    target.db.close().await.ok();
    verdict
}

/// Whether the run passed: every recipient reached, every message
/// reported sent, the rate limit kept.
fn verdict(
    args: &Args,
    waited: &Waited,
    reported: Option<Duration>,
    figures: &Arrivals,
) -> anyhow::Result<()> {
    let n = args.messages;
    match waited {
        Waited::TimedOut => bail!(
            "only {} of {n} recipients reached within {} s",
            figures.distinct,
            args.timeout.as_secs()
        ),
        Waited::Failed(failed) => bail!(
            "{failed} messages failed for good (see the outbox above); {} of {n} recipients reached",
            figures.distinct
        ),
        Waited::All => {}
    }
    if reported.is_none() {
        bail!(
            "every recipient was reached, but the outbox did not show all {n} messages sent within {} s of the last send",
            REPORT_WAIT.as_secs()
        );
    }
    if let Some((_, limit)) = &args.rate_limit {
        let most = max_in_sliding_second(&figures.times);
        if most as f64 > *limit {
            bail!(
                "rate limit exceeded: {most} sends in one sliding 1-second window, the limit is {limit}/s"
            );
        }
    }
    Ok(())
}

/// Everything the report prints.
struct Report<'a> {
    args: &'a Args,
    target: &'a Target,
    standin: &'a StandIn,
    figures: &'a Arrivals,
    /// From the last send to all `sent` in the database.
    reported: Option<Duration>,
    /// From the senders' start to the end of the wait.
    wall: Duration,
    pids: Vec<(String, u32)>,
    after: &'a Usage,
    metrics_after: &'a Metrics,
    states: &'a BTreeMap<(String, String), (i64, i64)>,
}

fn print_report(r: &Report) {
    let n = r.args.messages;
    let f = r.figures;
    println!();
    println!(
        "== dispatch load: {}, {} ==",
        r.target.label,
        match &r.args.rate_limit {
            Some((text, _)) => format!("rate limit {text}/s"),
            None => "unlimited".to_owned(),
        }
    );
    println!(
        "arrivals:        {} of {n} recipients (+{} duplicates; {} refused by the stand-in, {} not the reminder template)",
        f.distinct,
        f.duplicates,
        r.standin.refused.load(Ordering::Relaxed),
        r.standin.unexpected.load(Ordering::Relaxed)
    );
    if let (Some(first), Some(last)) = (f.first, f.last_new) {
        let span = last - first;
        let since_start = last - r.target.started;
        println!(
            "dispatch rate:   {:.0} sends/s from the first arrival to the last ({}); {:.0} sends/s from the senders' start ({}, first arrival after {})",
            rate(f.distinct, span),
            secs(span),
            rate(f.distinct, since_start),
            secs(since_start),
            secs(first - r.target.started)
        );
    }
    match r.reported {
        Some(d) => println!(
            "reported:        all {n} 'sent' in the database {} after the last arrival",
            ms_or_s(d)
        ),
        None => println!("reported:        not every message 'sent' in the database"),
    }
    println!(
        "outbox after:    {}",
        r.states
            .iter()
            .map(|((status, code), (rows, attempts))| {
                let code = if code.is_empty() {
                    String::new()
                } else {
                    format!(" ({code})")
                };
                format!("{status}{code} {rows} (attempts {attempts})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let counts = per_second(&f.times);
    println!(
        "sends per second: {}",
        counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if let (Some((text, _)), Some(first), Some(last)) =
        (&r.args.rate_limit, f.first, f.times.last())
    {
        println!(
            "rate limit {text}/s: at most {} in a sliding 1-s window, {} in a whole second; mean {:.1}/s over {}",
            max_in_sliding_second(&f.times),
            counts.iter().max().copied().unwrap_or(0),
            rate(f.times.len(), *last - first),
            secs(*last - first)
        );
    }
    print_cpu(r);
    print_requests(r);
}

fn ms_or_s(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        secs(d)
    }
}

/// CPU and memory by process, per 1,000 messages sent.
fn print_cpu(r: &Report) {
    let per_1000 = 1000.0 / r.figures.distinct.max(1) as f64;
    let core_share = |d: Duration| d.as_secs_f64() * 100.0 / r.wall.as_secs_f64().max(1e-9);
    println!(
        "CPU from the senders' start to the end ({}), per 1,000 messages; {} cores:",
        secs(r.wall),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let line = |name: &str, used: Duration, rss: Option<u64>| {
        println!(
            "  {name:<26} {:>6.2} s  ({:>5.1} s in all, {:>3.0} % of a core){}",
            used.as_secs_f64() * per_1000,
            used.as_secs_f64(),
            core_share(used),
            rss.map(|k| format!(", peak RSS {} MiB", k / 1024))
                .unwrap_or_default()
        );
    };
    let mut bots = Duration::ZERO;
    for (name, pid) in &r.pids {
        let before = r.target.before.processes.get(pid).copied();
        let used = r
            .after
            .processes
            .get(pid)
            .map(|a| a.saturating_sub(before.unwrap_or_default()))
            .unwrap_or_default();
        if name.contains("bot") {
            bots += used;
        }
        line(name, used, peak_rss_kb(*pid));
    }
    if r.args.workers > 1 {
        line("all bots", bots, None);
    }
    if r.args.mode == Mode::Postgres {
        let used = cpu_between(&r.target.before.postgres, &r.after.postgres);
        line("PostgreSQL (this database)", used, None);
    }
    line(
        "generator + stand-in",
        r.after.own.saturating_sub(r.target.before.own),
        None,
    );
}

/// API requests during the run, by route, per 1,000 messages sent.
fn print_requests(r: &Report) {
    let per_1000 = 1000.0 / r.figures.distinct.max(1) as f64;
    let before = &r.target.metrics_before;
    let mut by_route: BTreeMap<(String, String), (f64, BTreeMap<String, f64>)> = BTreeMap::new();
    for ((route, method, status), count) in &r.metrics_after.requests {
        let delta = count
            - before
                .requests
                .get(&(route.clone(), method.clone(), status.clone()))
                .copied()
                .unwrap_or(0.0);
        if delta > 0.0 && route != "/metrics" {
            let entry = by_route.entry((method.clone(), route.clone())).or_default();
            entry.0 += delta;
            *entry.1.entry(status.clone()).or_default() += delta;
        }
    }
    println!("API requests per 1,000 messages (server /metrics):");
    for ((method, route), (count, statuses)) in &by_route {
        let seconds = r.metrics_after.seconds.get(route).copied().unwrap_or(0.0)
            - before.seconds.get(route).copied().unwrap_or(0.0);
        // The latency sum is by route only; the mean covers every method.
        let route_count: f64 = by_route
            .iter()
            .filter(|((_, other), _)| other == route)
            .map(|(_, (c, _))| c)
            .sum();
        println!(
            "  {:>8.1}  {method:<5} {route:<32} {:>7} requests, mean {:>6.1} ms, status {}",
            count * per_1000,
            *count as u64,
            seconds * 1000.0 / route_count.max(1.0),
            statuses
                .iter()
                .map(|(s, c)| format!("{s}×{}", *c as u64))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sliding_window_counts_from_each_arrival() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // Three in [0, 1000), and [900, 1900) holds 900, 950, 1000, 1899.
        let times = vec![at(0), at(900), at(950), at(1000), at(1899), at(3000)];
        assert_eq!(max_in_sliding_second(&times), 4);
        assert_eq!(per_second(&times), vec![3, 2, 0, 1]);
        assert_eq!(max_in_sliding_second(&[]), 0);
    }

    #[test]
    fn recipients_are_distinct_e164_numbers() {
        assert_eq!(recipient(7), "+62813990000007");
        assert_eq!(recipient(999_999).len(), 15);
    }
}
