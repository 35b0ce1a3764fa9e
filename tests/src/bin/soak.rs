//! Soak: mixed traffic at a fixed rate against the release build on
//! PostgreSQL, API (`serve`) and bot (`bot --api`) as separate processes,
//! for minutes; then the figures and the reconciliation.
//!
//! ```text
//! cargo build --release --locked
//! cargo run --release --locked -p posyandu-tests --bin soak -- --minutes 2
//! cargo run --release --locked -p posyandu-tests --bin soak -- --minutes 30
//! ```
//!
//! The traffic, `--rate` operations a second on a fixed schedule (open
//! loop), in turn: a kader's signed WhatsApp message (`JADWAL` or `CARI`,
//! through the bot and back to a WhatsApp stand-in), app reads (a
//! posyandu's children, one child's weighings, a growth chart), an app
//! write (a weighing of a child not weighed today, with an
//! `Idempotency-Key`), and report queries (SKDN of a kecamatan, nutrition,
//! the puskesmas' lokakarya mini).
//!
//! Figures: operations and errors by kind, latency p50/p99 by kind, the
//! resident memory of each process every 10 s. Fails (exit 1) when any
//! operation failed, when memory grew by more than a third plus 48 MiB
//! between the first quarter and the end, or when the counts do not
//! reconcile: every accepted webhook stored once and processed, a reply
//! at the stand-in for each, every weighing posted stored exactly once.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use openapi::areas::{Posyandu, Puskesmas};
use openapi::registry::Child;
use posyandu_tests::load::{
    Api, Servers, command, create_bot_client, fresh_postgres_database, ms, percentile, run_to_end,
    start_serve_and_bot, until_interrupted,
};
use posyandu_tests::standin::{self, Route, StandIn};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "soak-password-1";
const PHONE_NUMBER_ID: &str = "100200300400500";
const APP_SECRET: &str = "soak-app-secret";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct Args {
    minutes: f64,
    rate: f64,
    postgres: String,
    bin: std::path::PathBuf,
    children: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        minutes: 2.0,
        rate: 10.0,
        postgres: DEFAULT_POSTGRES.to_owned(),
        bin: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/posyandu"),
        children: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--minutes" => args.minutes = value()?.parse()?,
            "--rate" => args.rate = value()?.parse()?,
            "--postgres" => args.postgres = value()?,
            "--bin" => args.bin = value()?.into(),
            "--children" => args.children = value()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "soak [--minutes 2] [--rate 10] [--postgres URL] [--bin target/release/posyandu] [--children N]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}"),
        }
    }
    if !(args.rate > 0.0 && args.minutes > 0.0) {
        bail!("--rate and --minutes are positive");
    }
    if args.children == 0 {
        // A write is a tenth of the traffic; each needs a child not yet
        // weighed today, with room to spare.
        let writes = args.minutes * 60.0 * args.rate / 10.0;
        args.children = ((writes * 2.0) as usize).max(2000);
    }
    Ok(args)
}

/// One operation of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Webhook,
    ChildrenList,
    Weighings,
    GrowthChart,
    WeighingWrite,
    Skdn,
    Nutrition,
    Lokmin,
}

/// The schedule: operation `j` is `MIX[j % MIX.len()]`.
const MIX: [Kind; 10] = [
    Kind::Webhook,
    Kind::ChildrenList,
    Kind::Webhook,
    Kind::Weighings,
    Kind::WeighingWrite,
    Kind::Webhook,
    Kind::GrowthChart,
    Kind::Skdn,
    Kind::Nutrition,
    Kind::Lokmin,
];

#[derive(Default)]
struct Results {
    /// (kind) → (latencies of successes, failures as "status: text").
    by_kind: BTreeMap<Kind, (Vec<Duration>, Vec<String>)>,
    accepted_webhooks: Vec<String>,
    written: Vec<(Uuid, f64)>,
}

struct World {
    http: reqwest::Client,
    base: String,
    webhook_url: String,
    token: Mutex<String>,
    kader_phones: Vec<String>,
    posyandu: Vec<Posyandu>,
    children: Vec<Child>,
    unweighed: Mutex<Vec<Child>>,
    kecamatan: String,
    puskesmas: Puskesmas,
    month: String,
    quarter: String,
    run: String,
    seq: AtomicUsize,
}

impl World {
    fn token(&self) -> String {
        self.token.lock().expect("token").clone()
    }

    async fn get(&self, path: &str) -> Result<(), String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token())
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
        }
    }

    /// Runs operation `j`; the error says what went wrong.
    async fn run(&self, j: usize, results: &Mutex<Results>) -> (Kind, Result<(), String>) {
        let kind = MIX[j % MIX.len()];
        let child = &self.children[j % self.children.len()];
        let result = match kind {
            Kind::Webhook => {
                let n = self.seq.fetch_add(1, Ordering::Relaxed);
                let phone = &self.kader_phones[n % self.kader_phones.len()];
                let text = if n.is_multiple_of(2) {
                    "JADWAL"
                } else {
                    "CARI Putu"
                };
                let id = format!("wamid.SOAK.{}.{n}", self.run);
                let body = standin::whatsapp_text_webhook(phone, &id, text, PHONE_NUMBER_ID);
                let signature = standin::whatsapp_signature(&body, APP_SECRET);
                match self
                    .http
                    .post(&self.webhook_url)
                    .header("content-type", "application/json")
                    .header("X-Hub-Signature-256", signature)
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().as_u16() == 200 => {
                        results.lock().expect("results").accepted_webhooks.push(id);
                        Ok(())
                    }
                    Ok(r) => Err(format!("webhook {}", r.status())),
                    Err(e) => Err(format!("webhook: {e}")),
                }
            }
            Kind::ChildrenList => {
                let p = &self.posyandu[j % self.posyandu.len()];
                self.get(&format!("/api/v1/children?posyandu_id={}&limit=50", p.id))
                    .await
            }
            Kind::Weighings => {
                self.get(&format!("/api/v1/children/{}/weighings", child.id))
                    .await
            }
            Kind::GrowthChart => {
                self.get(&format!("/api/v1/children/{}/growth-chart.svg", child.id))
                    .await
            }
            Kind::WeighingWrite => {
                let Some(target) = self.unweighed.lock().expect("unweighed").pop() else {
                    return (kind, Err("no child left to weigh: raise --children".into()));
                };
                let kg = target
                    .latest
                    .as_ref()
                    .map(|l| l.weight_kg + 0.2)
                    .unwrap_or(9.0);
                let kg = (kg * 10.0).round() / 10.0;
                let response = self
                    .http
                    .post(format!(
                        "{}/api/v1/children/{}/weighings",
                        self.base, target.id
                    ))
                    .bearer_auth(self.token())
                    .header(
                        "Idempotency-Key",
                        format!("soak-{}-{}", self.run, target.id),
                    )
                    .json(&json!({"weight_kg": kg}))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().as_u16() == 201 => {
                        results
                            .lock()
                            .expect("results")
                            .written
                            .push((target.id, kg));
                        Ok(())
                    }
                    Ok(r) => {
                        let status = r.status();
                        Err(format!("{status}: {}", r.text().await.unwrap_or_default()))
                    }
                    Err(e) => Err(format!("no answer: {e}")),
                }
            }
            Kind::Skdn => {
                self.get(&format!(
                    "/api/v1/reports/skdn?month={}&area={}&by=posyandu",
                    self.month, self.kecamatan
                ))
                .await
            }
            Kind::Nutrition => {
                self.get(&format!(
                    "/api/v1/reports/nutrition?month={}&area={}",
                    self.month, self.kecamatan
                ))
                .await
            }
            Kind::Lokmin => {
                self.get(&format!(
                    "/api/v1/puskesmas/{}/lokmin/{}",
                    self.puskesmas.id, self.quarter
                ))
                .await
            }
        };
        (kind, result)
    }
}

/// Resident memory (VmRSS) of a process, in MiB.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    until_interrupted(soak(args)).await
}

async fn soak(args: Args) -> anyhow::Result<()> {
    let bin = std::fs::canonicalize(&args.bin).with_context(|| {
        format!(
            "{}: build it (cargo build --release --locked)",
            args.bin.display()
        )
    })?;
    let dir = tempfile::Builder::new().prefix("soak-").tempdir()?;
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let standin = StandIn::start().await;

    // Database, demo, processes.
    let fresh = fresh_postgres_database(&args.postgres, "posyandu_soak").await?;
    let db_env = vec![("DATABASE_URL".to_owned(), fresh.url.clone())];
    let mut c = command(&bin, dir.path(), &db_env);
    c.args(["migrate", "up"]);
    run_to_end(c, &logs.join("migrate.log"), "migrate up")?;
    let mut c = command(&bin, dir.path(), &db_env);
    c.args(["demo", "--password", PASSWORD, "--children"]);
    c.arg(args.children.to_string());
    let demo_started = Instant::now();
    run_to_end(c, &logs.join("demo.log"), "demo")?;
    println!(
        "demo: {} children on PostgreSQL ({:.0} s), database {}",
        args.children,
        demo_started.elapsed().as_secs_f64(),
        fresh.name
    );
    let (client_id, client_secret) =
        create_bot_client(&bin, dir.path(), &db_env, &logs.join("client.log"))?;
    let mut channel = vec![
        ("POSYANDU_WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID),
        ("POSYANDU_WHATSAPP_ACCESS_TOKEN", standin::WHATSAPP_TOKEN),
        ("POSYANDU_WHATSAPP_APP_SECRET", APP_SECRET),
        ("POSYANDU_WHATSAPP_VERIFY_TOKEN", "soak-verify"),
        ("POSYANDU_WHATSAPP_NUMBER", "+6281100001111"),
        ("POSYANDU_REMINDER_INTERVAL_MINUTES", "0"),
        ("POSYANDU_LOG_FORMAT", "json"),
        ("RUST_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect::<Vec<_>>();
    channel.push((
        "POSYANDU_WHATSAPP_API_URL".into(),
        standin.base_url().to_owned(),
    ));
    let mut servers = Servers::default();
    let started = start_serve_and_bot(
        &http,
        &mut servers,
        &bin,
        dir.path(),
        &logs,
        &db_env,
        &channel,
        (client_id, client_secret),
    )
    .await?;
    let (base, bot_base) = (started.api_base.clone(), started.bot_base.clone());
    let (api_pid, bot_pid) = (started.api_pid, started.bot_pid);

    // What the traffic works on: the demo kabupaten's first kecamatan.
    let api = Api::login(&http, &base, "admin.buleleng", PASSWORD).await?;
    let all_posyandu: Vec<Posyandu> = api.all("/api/v1/posyandu").await?;
    let kecamatan = all_posyandu[0].kecamatan_code.clone();
    let posyandu: Vec<Posyandu> = all_posyandu
        .iter()
        .filter(|p| p.kecamatan_code == kecamatan)
        .cloned()
        .collect();
    let puskesmas = api
        .get::<Puskesmas>(&format!("/api/v1/puskesmas/{}", posyandu[0].puskesmas_id))
        .await?;
    // The bot knows a kader by the phone of their account.
    let users: Vec<serde_json::Value> = api.all("/api/v1/users").await?;
    let kader_phones: Vec<String> = users
        .iter()
        .filter(|u| u["role"] == "kader")
        .filter_map(|u| u["phone"].as_str().map(str::to_owned))
        .collect();
    if kader_phones.is_empty() {
        bail!("the demo has no kader with a phone");
    }
    let mut children = Vec::new();
    for p in &posyandu {
        children.extend(
            api.all::<Child>(&format!("/api/v1/children?posyandu_id={}", p.id))
                .await?,
        );
    }
    let today = posyandu_tests::today();
    let not_weighed_today = |c: &Child| c.latest.as_ref().is_none_or(|l| l.measured_on != today);
    let mut unweighed: Vec<Child> = children
        .iter()
        .filter(|c| not_weighed_today(c))
        .cloned()
        .collect();
    // Writes go to children all over the kabupaten: a long soak needs more
    // than one kecamatan has.
    let writes = (args.minutes * 60.0 * args.rate / MIX.len() as f64) as usize + 10;
    for p in all_posyandu
        .iter()
        .filter(|p| p.kecamatan_code != kecamatan)
    {
        if unweighed.len() >= writes {
            break;
        }
        let theirs: Vec<Child> = api
            .all(&format!("/api/v1/children?posyandu_id={}", p.id))
            .await?;
        unweighed.extend(theirs.into_iter().filter(|c| not_weighed_today(c)));
    }
    let quarter = format!(
        "{}-Q{}",
        today.format("%Y"),
        (today.format("%m").to_string().parse::<u32>()? - 1) / 3 + 1
    );
    println!(
        "traffic: {} ops/s for {} min over kecamatan {kecamatan} ({} posyandu, {} children, {} not weighed today, {} kader phones)",
        args.rate,
        args.minutes,
        posyandu.len(),
        children.len(),
        unweighed.len(),
        kader_phones.len()
    );
    let world = Arc::new(World {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        base: base.clone(),
        webhook_url: format!("{bot_base}/webhooks/whatsapp"),
        token: Mutex::new(api.token.clone()),
        kader_phones,
        posyandu,
        children,
        unweighed: Mutex::new(unweighed),
        kecamatan,
        puskesmas,
        month: today.format("%Y-%m").to_string(),
        quarter,
        run: Uuid::new_v4().simple().to_string()[..8].to_owned(),
        seq: AtomicUsize::new(0),
    });
    let results = Arc::new(Mutex::new(Results::default()));

    // The load, with memory samples every 10 s and a fresh token every 5 min.
    let total = (args.minutes * 60.0 * args.rate) as usize;
    let started = tokio::time::Instant::now();
    let mut samples: Vec<(f64, Option<f64>, Option<f64>)> = Vec::new();
    let mut next_sample = Duration::ZERO;
    let mut next_login = Duration::from_secs(300);
    let mut tasks = Vec::with_capacity(total);
    let mut late = Duration::ZERO;
    for j in 0..total {
        let due = started + Duration::from_secs_f64(j as f64 / args.rate);
        tokio::time::sleep_until(due).await;
        late = late.max(tokio::time::Instant::now() - due);
        let elapsed = started.elapsed();
        if elapsed >= next_sample {
            samples.push((elapsed.as_secs_f64(), rss_mib(api_pid), rss_mib(bot_pid)));
            next_sample += Duration::from_secs(10);
            servers.check_alive()?;
        }
        if elapsed >= next_login {
            let fresh_login = Api::login(&http, &base, "admin.buleleng", PASSWORD).await?;
            *world.token.lock().expect("token") = fresh_login.token;
            next_login += Duration::from_secs(300);
        }
        let (world, results) = (world.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let (kind, outcome) = world.run(j, &results).await;
            let took = t.elapsed();
            let mut r = results.lock().expect("results");
            let entry = r.by_kind.entry(kind).or_default();
            match outcome {
                Ok(()) => entry.0.push(took),
                Err(e) => entry.1.push(e),
            }
        }));
    }
    for task in tasks {
        task.await.context("an operation panicked")?;
    }
    let wall = started.elapsed();
    samples.push((wall.as_secs_f64(), rss_mib(api_pid), rss_mib(bot_pid)));

    // Reconcile.
    let results = Arc::try_unwrap(results)
        .map_err(|_| anyhow::anyhow!("results still shared"))?
        .into_inner()
        .expect("results");
    let db = Database::connect(&fresh.url).await?;
    let accepted = results.accepted_webhooks.len();
    let count = |sql: String| {
        let db = &db;
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await?
                .context("a count")?;
            anyhow::Ok(row.try_get_by_index::<i64>(0)?)
        }
    };
    let like = format!("wamid.SOAK.{}.%", world.run);
    let drain_started = Instant::now();
    let (mut stored, mut processed);
    loop {
        stored = count(format!(
            "SELECT count(*) FROM inbound_message WHERE provider_message_id LIKE '{like}'"
        ))
        .await?;
        processed = count(format!(
            "SELECT count(*) FROM inbound_message WHERE provider_message_id LIKE '{like}' AND status = 'processed'"
        ))
        .await?;
        let replies = standin.requests_to(Route::WhatsApp).len();
        if (processed as usize == accepted && replies >= accepted)
            || drain_started.elapsed() > Duration::from_secs(60)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let replies = standin.requests_to(Route::WhatsApp).len();
    let mut weighings_ok = 0;
    let mut weighings_wrong = Vec::new();
    for (child, kg) in &results.written {
        let n = count(format!(
            "SELECT count(*) FROM weighing WHERE child_id = '{child}' AND measured_on = '{today}' AND deleted_at IS NULL AND abs(weight_kg - {kg}) < 0.001"
        ))
        .await?;
        if n == 1 {
            weighings_ok += 1;
        } else {
            weighings_wrong.push(format!("{child}: {n}"));
        }
    }
    servers.check_alive()?;

    // Figures.
    println!();
    println!(
        "== soak: {:.1} min, {total} operations at {} ops/s (schedule slipped at most {} ms) ==",
        wall.as_secs_f64() / 60.0,
        args.rate,
        late.as_millis()
    );
    let mut failures = 0;
    for (kind, (latencies, errors)) in &results.by_kind {
        let mut sorted = latencies.clone();
        sorted.sort();
        failures += errors.len();
        println!(
            "{:<14} {:>6} ok {:>4} failed   p50 {:>8}  p99 {:>8}  max {:>8}",
            format!("{kind:?}"),
            latencies.len(),
            errors.len(),
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last().copied().unwrap_or_default())
        );
        for e in errors.iter().take(3) {
            println!("    {e:.300}");
        }
    }
    let error_rate = failures as f64 / total.max(1) as f64;
    println!(
        "error rate: {:.3} % ({failures} of {total})",
        error_rate * 100.0
    );
    println!("memory (VmRSS, MiB) every 10 s — serve / bot:");
    for (t, a, b) in &samples {
        println!(
            "  {t:>7.0} s  {:>7.1}  {:>7.1}",
            a.unwrap_or(f64::NAN),
            b.unwrap_or(f64::NAN)
        );
    }
    println!(
        "webhooks: {accepted} accepted, {stored} stored, {processed} processed, {replies} replies at the stand-in ({} duplicates)",
        replies.saturating_sub(accepted)
    );
    println!(
        "weighings: {} posted (201), {weighings_ok} stored exactly once with the posted weight",
        results.written.len()
    );

    let mut problems = Vec::new();
    if failures > 0 {
        problems.push(format!("{failures} operations failed"));
    }
    if stored as usize != accepted || processed as usize != accepted || replies < accepted {
        problems.push("the messages do not reconcile".to_owned());
    }
    if weighings_ok != results.written.len() {
        problems.push(format!("weighings do not reconcile: {weighings_wrong:?}"));
    }
    let quarter_mark = samples.len() / 4;
    for (name, pick) in [("serve", 1usize), ("bot", 2)] {
        let at = |i: usize| match pick {
            1 => samples[i].1,
            _ => samples[i].2,
        };
        if let (Some(early), Some(end)) = (at(quarter_mark), at(samples.len() - 1)) {
            let growth = end - early;
            println!(
                "{name}: {early:.1} MiB after the first quarter, {end:.1} MiB at the end ({growth:+.1} MiB)"
            );
            if growth > early / 3.0 + 48.0 {
                problems.push(format!("{name} memory grew by {growth:.0} MiB"));
            }
        }
    }
    drop(servers);
    drop(db);
    drop(fresh);
    if problems.is_empty() {
        println!("soak: passed");
        Ok(())
    } else {
        println!("soak: FAILED: {}", problems.join("; "));
        std::process::exit(1);
    }
}
