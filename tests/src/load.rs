//! Helpers shared by the load generators in `src/bin/` (`chat_load`,
//! `dispatch_load`): the release binary as child processes that are always
//! stopped, PostgreSQL databases made for one run, and the measurements
//! taken from `/proc` and from the server's `/metrics`.
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child as Process, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use openapi::Page;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;

use crate::TestDatabase;

// ---------------------------------------------------------------------------
// Child processes

/// The server processes; stopped (SIGTERM, then SIGKILL after 10 s) when
/// dropped, the last started first.
#[derive(Default)]
pub struct Servers {
    procs: Vec<(String, Process, PathBuf)>,
}

impl Servers {
    /// Name and process id of each server, in the order they were started.
    pub fn pids(&self) -> Vec<(String, u32)> {
        self.procs
            .iter()
            .map(|(name, p, _)| (name.clone(), p.id()))
            .collect()
    }

    /// Fails when one of them has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        for (name, process, log) in &mut self.procs {
            if let Some(status) = process.try_wait()? {
                bail!(
                    "`{name}` exited ({status}); its log: {}\n{}",
                    log.display(),
                    tail(log, 20)
                );
            }
        }
        Ok(())
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for (name, process, _) in self.procs.iter_mut().rev() {
            terminate(name, process);
        }
    }
}

/// Stops a process: SIGTERM (so that it finishes its work in hand), then
/// SIGKILL if it is still there after 10 s.
pub fn terminate(name: &str, process: &mut Process) {
    if let Ok(Some(_)) = process.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(process.id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = process.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("`{name}` did not stop within 10 s of SIGTERM: killed");
    let _ = process.kill();
    let _ = process.wait();
}

/// The last `lines` lines of a file (empty when it cannot be read).
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A command of the binary with a clean environment: nothing of the
/// caller's `POSYANDU_*`, `DATABASE_URL` or `RUST_LOG` leaks in.
pub fn command(bin: &Path, cwd: &Path, envs: &[(String, String)]) -> Command {
    let mut command = Command::new(bin);
    for (name, _) in std::env::vars() {
        if name.starts_with("POSYANDU_") || name == "DATABASE_URL" || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.current_dir(cwd);
    command.envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    command
}

/// Runs a command to its end; its output goes to `log`, which is returned.
pub fn run_to_end(mut command: Command, log: &Path, what: &str) -> anyhow::Result<String> {
    let file = File::create(log)?;
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone()?))
        .stderr(Stdio::from(file))
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    let output = std::fs::read_to_string(log).unwrap_or_default();
    if !status.success() {
        bail!("{what} failed ({status}):\n{}", tail(log, 30));
    }
    Ok(output)
}

/// Starts a server process (output to `log`) and hands it to `servers`,
/// which stop it; returns its process id.
pub fn start(
    servers: &mut Servers,
    name: &str,
    mut command: Command,
    log: PathBuf,
) -> anyhow::Result<u32> {
    let file = File::create(&log)?;
    let process = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone()?))
        .stderr(Stdio::from(file))
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    let pid = process.id();
    servers.procs.push((name.to_owned(), process, log));
    Ok(pid)
}

/// A TCP port free on 127.0.0.1 right now (for a server to listen on).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until `url` answers 2xx; fails when a server exits meanwhile or
/// after `within`.
pub async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    servers: &mut Servers,
    within: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        servers.check_alive()?;
        if let Ok(response) = http.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!("{url} not ready within {} s", within.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs a generator's work until it ends, Ctrl-C or SIGTERM. Dropping the
/// work's future (on a signal) or unwinding from a panic drops its guards:
/// the servers are stopped, the database dropped. Exits with 130 when
/// interrupted.
pub async fn until_interrupted(
    work: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut work = Box::pin(work);
    let finished = tokio::select! {
        result = &mut work => Some(result),
        _ = tokio::signal::ctrl_c() => None,
        _ = terminate.recv() => None,
    };
    match finished {
        Some(result) => result,
        None => {
            eprintln!("interrupted: stopping the servers");
            drop(work);
            std::process::exit(130)
        }
    }
}

/// A data folder we made (removed at the end unless kept), or one given.
pub enum DataDir {
    Given(PathBuf),
    Temporary(tempfile::TempDir),
}

impl DataDir {
    pub fn path(&self) -> &Path {
        match self {
            DataDir::Given(p) => p,
            DataDir::Temporary(t) => t.path(),
        }
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL and the bot's API client

/// A database made for one run, on a PostgreSQL server.
pub struct FreshDatabase {
    /// Drops the database when dropped.
    pub guard: TestDatabase,
    /// A connection to the server's own database (for statistics).
    pub admin: DatabaseConnection,
    pub name: String,
    /// The new database's URL.
    pub url: String,
}

/// A fresh database with a random name (`{prefix}_{uuid}`) on the server
/// at `server`.
pub async fn fresh_postgres_database(server: &str, prefix: &str) -> anyhow::Result<FreshDatabase> {
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(server)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {server}"))?;
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .context("CREATE DATABASE")?;
    Ok(FreshDatabase {
        guard: TestDatabase::Postgres {
            server: server.to_owned(),
            name: name.clone(),
        },
        admin,
        url: crate::replace_database(server, &name),
        name,
    })
}

/// Registers the bot's API client for the whole country (`posyandu admin
/// create-client --role bot --area ID`); returns its id and secret.
pub fn create_bot_client(
    bin: &Path,
    cwd: &Path,
    env: &[(String, String)],
    log: &Path,
) -> anyhow::Result<(String, String)> {
    let mut c = command(bin, cwd, env);
    c.args([
        "admin",
        "create-client",
        "--name",
        "bot",
        "--role",
        "bot",
        "--area",
        "ID",
    ]);
    let out = run_to_end(c, log, "posyandu admin create-client")?;
    let field = |label: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_owned())
            .with_context(|| format!("no `{label}` in the output of create-client"))
    };
    Ok((field("client_id:")?, field("client_secret:")?))
}

/// `serve` and `bot --api` as the generators run them.
pub struct ServeAndBot {
    pub api_base: String,
    pub api_pid: u32,
    /// Where the bot takes the providers' webhooks.
    pub bot_base: String,
    pub bot_pid: u32,
}

/// Starts `serve` on a free port (with `db_env`, a fresh JWT secret and
/// `channel_env`) and `bot --api` beside it with the bot client's
/// credentials and its own webhook port; waits until both are ready.
#[allow(clippy::too_many_arguments)]
pub async fn start_serve_and_bot(
    http: &reqwest::Client,
    servers: &mut Servers,
    bin: &Path,
    dir: &Path,
    logs: &Path,
    db_env: &[(String, String)],
    channel_env: &[(String, String)],
    (client_id, client_secret): (String, String),
) -> anyhow::Result<ServeAndBot> {
    let api_port = free_port()?;
    let mut env = db_env.to_vec();
    env.push((
        "POSYANDU_JWT_SECRET".into(),
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ),
    ));
    env.extend(channel_env.iter().cloned());
    let mut serve = command(bin, dir, &env);
    serve.args(["serve", "--listen", &format!("127.0.0.1:{api_port}")]);
    let api_pid = start(servers, "posyandu serve", serve, logs.join("serve.log"))?;
    let api_base = format!("http://127.0.0.1:{api_port}");
    wait_ready(
        http,
        &format!("{api_base}/readyz"),
        servers,
        Duration::from_secs(120),
    )
    .await?;
    let bot_port = free_port()?;
    let mut env = channel_env.to_vec();
    env.push(("POSYANDU_BOT_CLIENT_ID".into(), client_id));
    env.push(("POSYANDU_BOT_CLIENT_SECRET".into(), client_secret));
    env.push((
        "POSYANDU_BOT_LISTEN".into(),
        format!("127.0.0.1:{bot_port}"),
    ));
    let mut bot = command(bin, dir, &env);
    bot.args(["bot", "--api", &api_base]);
    let bot_pid = start(servers, "posyandu bot", bot, logs.join("bot.log"))?;
    let bot_base = format!("http://127.0.0.1:{bot_port}");
    wait_ready(
        http,
        &format!("{bot_base}/healthz"),
        servers,
        Duration::from_secs(60),
    )
    .await?;
    Ok(ServeAndBot {
        api_base,
        api_pid,
        bot_base,
        bot_pid,
    })
}

// ---------------------------------------------------------------------------
// Processes, from /proc

/// `VmHWM` (peak resident set) of a process, in kB.
pub fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// User + system CPU time of a process so far (all its threads); `None`
/// for this process.
pub fn cpu_time(pid: Option<u32>, ticks_per_second: f64) -> Option<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_secs_f64((utime + stime) / ticks_per_second))
}

/// The processes named `postgres` (the server and its backends).
fn postgres_pids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .collect()
}

/// CPU time of every process named `postgres` (the server and its
/// backends; those that ended meanwhile are missed).
pub fn postgres_cpu(ticks_per_second: f64) -> Duration {
    postgres_pids()
        .into_iter()
        .filter_map(|pid| cpu_time(Some(pid), ticks_per_second))
        .sum()
}

/// CPU time so far of the PostgreSQL processes that work for `database`,
/// by process id: its backends and the server's shared processes (WAL
/// writer, checkpointer…), not the backends of other databases (another
/// test run on the same server). Compare two readings pid by pid: a sum
/// would drop whenever a busy backend ends in between.
pub fn postgres_cpu_for(database: &str, ticks_per_second: f64) -> HashMap<u32, Duration> {
    postgres_pids()
        .into_iter()
        .filter(|pid| {
            // The title is the first argument, padded with NULs.
            let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let title = String::from_utf8_lossy(&title).replace('\0', " ");
            !serves_another_database(&title, database)
        })
        .filter_map(|pid| Some((pid, cpu_time(Some(pid), ticks_per_second)?)))
        .collect()
}

/// Whether a PostgreSQL process title names a database other than
/// `database`: a client backend (`postgres: 15/main: user db host(port)
/// state`) or an autovacuum worker (`… autovacuum worker db`).
fn serves_another_database(title: &str, database: &str) -> bool {
    let Some(rest) = title.trim().strip_prefix("postgres: ") else {
        return false; // the postmaster itself
    };
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    // The cluster name, when set (Debian sets `15/main`).
    if words.first().is_some_and(|w| w.ends_with(':')) {
        words.remove(0);
    }
    let named = match words.as_slice() {
        ["autovacuum", "worker", db, ..] => Some(*db),
        [_user, db, host, ..] if host.contains('(') || *host == "[local]" => Some(*db),
        _ => None,
    };
    named.is_some_and(|db| db != database)
}

/// CPU used between two readings of [`postgres_cpu_for`]: what each
/// process added (all of it for those started in between).
pub fn cpu_between(before: &HashMap<u32, Duration>, after: &HashMap<u32, Duration>) -> Duration {
    after
        .iter()
        .map(|(pid, a)| a.saturating_sub(before.get(pid).copied().unwrap_or_default()))
        .sum()
}

/// Clock ticks per second, the unit of `/proc/*/stat` (`getconf CLK_TCK`).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------
// Figures

/// The `p`-th percentile (nearest rank) of sorted durations; zero when
/// there are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration as whole milliseconds, `"12 ms"`.
pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// One decimal with a decimal comma, as kader write it: `12,5`.
pub fn comma(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

/// `posyandu_http_requests_total` and the latency sums, by route.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    /// (route, method, status) → requests.
    pub requests: BTreeMap<(String, String, String), f64>,
    /// route → seconds spent answering (every method).
    pub seconds: BTreeMap<String, f64>,
}

fn labels(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = text;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim_start_matches(',').trim().to_owned();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.insert(key, after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

/// The request counters and latency sums of a `/metrics` text.
pub fn parse_metrics(text: &str) -> Metrics {
    let mut metrics = Metrics::default();
    for line in text.lines() {
        let (series, value) = match line.rsplit_once(' ') {
            Some((s, v)) => (s, v.parse::<f64>().unwrap_or(0.0)),
            None => continue,
        };
        if let Some(inner) = series
            .strip_prefix("posyandu_http_requests_total{")
            .and_then(|s| s.strip_suffix('}'))
        {
            let l = labels(inner);
            let key = (
                l.get("route").cloned().unwrap_or_default(),
                l.get("method").cloned().unwrap_or_default(),
                l.get("status").cloned().unwrap_or_default(),
            );
            metrics.requests.insert(key, value);
        } else if let Some(inner) = series
            .strip_prefix("posyandu_http_request_duration_seconds_sum{")
            .and_then(|s| s.strip_suffix('}'))
        {
            let l = labels(inner);
            metrics
                .seconds
                .insert(l.get("route").cloned().unwrap_or_default(), value);
        }
    }
    metrics
}

/// The server's `/metrics` at `base` (empty when it does not answer).
pub async fn scrape(http: &reqwest::Client, base: &str) -> Metrics {
    match http.get(format!("{base}/metrics")).send().await {
        Ok(response) => parse_metrics(&response.text().await.unwrap_or_default()),
        Err(_) => Metrics::default(),
    }
}

// ---------------------------------------------------------------------------
// The API as a client

/// A logged-in caller of the API.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub async fn login(
        http: &reqwest::Client,
        base: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<Api> {
        let response = http
            .post(format!("{base}/api/v1/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        let Some(token) = body["access_token"].as_str() else {
            bail!("login of {username} failed ({status}): {body}");
        };
        Ok(Api {
            http: http.clone(),
            base: base.to_owned(),
            token: token.to_owned(),
        })
    }

    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("GET {path}: {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {path}: {text:.300}"))
    }

    /// Every item of a paginated list.
    pub async fn all<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let join = if path.contains('?') { '&' } else { '?' };
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{join}limit=200&cursor={c}"),
                None => format!("{path}{join}limit=200"),
            };
            let page: Page<T> = self.get(&url).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(10));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn postgres_processes_of_other_databases_are_told_apart() {
        let ours = "posyandu_dispatch_load_1";
        let other = |t: &str| serves_another_database(t, ours);
        assert!(other(
            "postgres: 15/main: postgres posyandu_test_2 127.0.0.1(5000) idle"
        ));
        assert!(other("postgres: postgres posyandu_test_2 [local] SELECT"));
        assert!(other(
            "postgres: 15/main: autovacuum worker posyandu_test_2"
        ));
        assert!(!other(
            "postgres: 15/main: postgres posyandu_dispatch_load_1 127.0.0.1(5001) idle"
        ));
        assert!(!other("postgres: 15/main: walwriter "));
        assert!(!other("postgres: 15/main: autovacuum launcher "));
        assert!(!other("postgres: 15/main: background writer "));
        assert!(!other(
            "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main"
        ));
    }

    #[test]
    fn metrics_are_read_by_route() {
        let text = "posyandu_http_requests_total{method=\"POST\",route=\"/api/v1/outbox/claim\",status=\"200\"} 12\n\
                    posyandu_http_request_duration_seconds_sum{route=\"/api/v1/outbox/claim\"} 0.5\n";
        let m = parse_metrics(text);
        let key = (
            "/api/v1/outbox/claim".to_owned(),
            "POST".to_owned(),
            "200".to_owned(),
        );
        assert_eq!(m.requests.get(&key), Some(&12.0));
        assert_eq!(m.seconds.get("/api/v1/outbox/claim"), Some(&0.5));
    }
}
