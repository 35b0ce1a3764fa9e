//! Settings from flags, environment and an optional TOML file.
//!
//! Precedence: command-line flag, then environment variable, then the TOML
//! file (`--config`/`POSYANDU_CONFIG`, or `./posyandu.toml` when present),
//! then the built-in default. Secrets come only from the environment, the
//! file or the data folder, never from flags (flags show in `ps`), and their
//! `Debug` output is redacted.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::domain::double_posts::DoublePostRule;

/// A secret string whose `Debug`/`Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The options every subcommand shares, as given on the command line or in
/// the environment (already merged by clap).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// TOML configuration file.
    #[arg(long, env = "POSYANDU_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address the API listens on.
    #[arg(long, env = "POSYANDU_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder for the SQLite database and generated secrets.
    #[arg(long, env = "POSYANDU_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Log format: `pretty` (default on a terminal) or `json`.
    #[arg(long, env = "POSYANDU_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The TOML file. Every field is optional; unknown keys are an error so a
/// misspelt setting is noticed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<LogFormat>,
    public_url: Option<String>,
    jwt_secret: Option<String>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    access_token_minutes: Option<u64>,
    refresh_token_days: Option<u64>,
    max_body_bytes: Option<usize>,
    min_free_mb: Option<u64>,
    http_workers: Option<usize>,
    db_max_connections: Option<u32>,
    login_max_failures: Option<i32>,
    login_lockout_minutes: Option<u64>,
    login_per_address_per_minute: Option<u32>,
    trust_forwarded_for: Option<bool>,
    bot_client_id: Option<String>,
    bot_client_secret: Option<String>,
    api_url: Option<String>,
    kader_double_posts: Option<String>,
    weighing_writers: Option<usize>,
    /// `[whatsapp]`: the WhatsApp Cloud API channel.
    whatsapp: Option<posyandu_bot::channels::whatsapp::WhatsAppConfig>,
    whatsapp_number: Option<String>,
    /// `[twilio]`: SMS through Twilio.
    twilio: Option<posyandu_bot::channels::twilio::TwilioConfig>,
    /// `[[gateway]]`: local gateways (Fonnte, Wablas, Zenziva, …).
    gateway: Option<Vec<posyandu_bot::channels::gateway::GatewayConfig>>,
    bot_deny: Option<Vec<String>>,
    bot_listen: Option<String>,
    bot_public_url: Option<String>,
    bot_concurrency: Option<usize>,
    reminder_interval_minutes: Option<u64>,
    whatsapp_rate_per_second: Option<f64>,
    sms_rate_per_second: Option<f64>,
    recipient_gap_seconds: Option<u64>,
    outbox_retry_seconds: Option<u64>,
    outbox_give_up_minutes: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `None` until resolved for a mode that issues tokens.
    pub secret: Option<Secret>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Consecutive failures before an account is locked.
    pub max_failures: i32,
    pub lockout: Duration,
    /// Token requests per client address per minute.
    pub per_address_per_minute: u32,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub log_format: Option<LogFormat>,
    /// How people reach the server, for printed links (defaults to
    /// `http://<listen>`).
    pub public_url: Option<String>,
    pub jwt: JwtSettings,
    pub max_body_bytes: usize,
    /// Writes are refused (507) while less than this is free under a SQLite
    /// database.
    pub min_free_bytes: u64,
    pub http_workers: Option<usize>,
    pub db_max_connections: u32,
    pub login: LoginLimits,
    /// Use the first `X-Forwarded-For` address as the client address (only
    /// behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Service account of the bot worker.
    pub bot_client_id: Option<String>,
    pub bot_client_secret: Option<Secret>,
    /// Where the bot worker finds the API.
    pub api_url: Option<String>,
    /// How far the no-double-posts rule for kader reaches.
    pub kader_double_posts: DoublePostRule,
    /// Writer tasks for new weighings (`None`: 1 on SQLite, 4 on
    /// PostgreSQL).
    pub weighing_writers: Option<usize>,
    /// The bot's messaging channels.
    pub channels: posyandu_bot::Channels,
    /// Numbers the bot never answers (E.164).
    pub bot_deny: Vec<String>,
    /// Where `posyandu bot` serves the providers' webhooks.
    pub bot_listen: String,
    /// Messages a bot worker handles at once (sends: twice as many).
    pub bot_concurrency: usize,
    /// How often each bot worker runs the reminder planner; 0 = never.
    pub reminder_interval_minutes: u64,
    /// Sends per second on WhatsApp for all workers together (the business
    /// number's throughput: 80 unless Meta raised it); 0 = no limit.
    pub whatsapp_rate_per_second: f64,
    /// Sends per second on SMS (Twilio and gateways); 0 = no limit.
    pub sms_rate_per_second: f64,
    /// A reminder waits this long after the last message to the same
    /// number (WhatsApp allows about one every 6 s); replies never wait.
    pub recipient_gap_seconds: u32,
    /// How retries of a failed send are spaced and when they stop.
    pub retry: crate::domain::delivery::RetryPolicy,
}

impl Settings {
    /// Merges flags/environment with the TOML file and the defaults.
    pub fn load(args: &CommonArgs) -> anyhow::Result<Settings> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new("posyandu.toml").exists() => read_file(Path::new("posyandu.toml"))?,
            None => FileConfig::default(),
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let env_u64 = |name: &str| -> anyhow::Result<Option<u64>> {
            env(name)
                .map(|v| {
                    v.parse()
                        .with_context(|| format!("{name} must be a whole number"))
                })
                .transpose()
        };
        let env_rate = |name: &str| -> anyhow::Result<Option<f64>> {
            env(name)
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|r| r.is_finite() && *r >= 0.0)
                        .with_context(|| {
                            format!("{name} must be a number of messages per second (0: no limit)")
                        })
                })
                .transpose()
        };

        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| default_sqlite_url(&data_dir));
        let listen = args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        validate_listen(&listen)?;

        let jwt_secret = env("POSYANDU_JWT_SECRET")
            .or(file.jwt_secret)
            .map(Secret::new);
        if let Some(secret) = &jwt_secret {
            check_jwt_secret(secret)?;
        }

        Ok(Settings {
            listen,
            database_url,
            data_dir,
            log_format: args.log_format.or(file.log_format),
            public_url: env("POSYANDU_PUBLIC_URL").or(file.public_url),
            jwt: JwtSettings {
                secret: jwt_secret,
                issuer: env("POSYANDU_JWT_ISSUER")
                    .or(file.jwt_issuer)
                    .unwrap_or_else(|| "posyandu".to_owned()),
                audience: env("POSYANDU_JWT_AUDIENCE")
                    .or(file.jwt_audience)
                    .unwrap_or_else(|| "posyandu-api".to_owned()),
                access_ttl: Duration::from_secs(
                    60 * env_u64("POSYANDU_ACCESS_TOKEN_MINUTES")?
                        .or(file.access_token_minutes)
                        .unwrap_or(15),
                ),
                refresh_ttl: Duration::from_secs(
                    86_400
                        * env_u64("POSYANDU_REFRESH_TOKEN_DAYS")?
                            .or(file.refresh_token_days)
                            .unwrap_or(30),
                ),
            },
            max_body_bytes: env_u64("POSYANDU_MAX_BODY_BYTES")?
                .map(|v| v as usize)
                .or(file.max_body_bytes)
                .unwrap_or(1024 * 1024),
            min_free_bytes: 1024
                * 1024
                * env_u64("POSYANDU_MIN_FREE_MB")?
                    .or(file.min_free_mb)
                    .unwrap_or(16),
            http_workers: env_u64("POSYANDU_HTTP_WORKERS")?
                .map(|v| v as usize)
                .or(file.http_workers),
            db_max_connections: env_u64("POSYANDU_DB_MAX_CONNECTIONS")?
                .map(|v| v as u32)
                .or(file.db_max_connections)
                .unwrap_or(16),
            login: LoginLimits {
                max_failures: env_u64("POSYANDU_LOGIN_MAX_FAILURES")?
                    .map(|v| v as i32)
                    .or(file.login_max_failures)
                    .unwrap_or(5),
                lockout: Duration::from_secs(
                    60 * env_u64("POSYANDU_LOGIN_LOCKOUT_MINUTES")?
                        .or(file.login_lockout_minutes)
                        .unwrap_or(15),
                ),
                per_address_per_minute: env_u64("POSYANDU_LOGIN_PER_ADDRESS_PER_MINUTE")?
                    .map(|v| v as u32)
                    .or(file.login_per_address_per_minute)
                    .unwrap_or(30),
            },
            trust_forwarded_for: env("POSYANDU_TRUST_FORWARDED_FOR")
                .map(|v| v == "1" || v.eq_ignore_ascii_case("true"))
                .or(file.trust_forwarded_for)
                .unwrap_or(false),
            bot_client_id: env("POSYANDU_BOT_CLIENT_ID").or(file.bot_client_id),
            bot_client_secret: env("POSYANDU_BOT_CLIENT_SECRET")
                .or(file.bot_client_secret)
                .map(Secret::new),
            api_url: env("POSYANDU_API_URL").or(file.api_url),
            kader_double_posts: match env("POSYANDU_KADER_DOUBLE_POSTS").or(file.kader_double_posts)
            {
                None => DoublePostRule::Board,
                Some(text) => DoublePostRule::parse(&text).with_context(|| {
                    format!("kader_double_posts must be board, all or off, not `{text}`")
                })?,
            },
            weighing_writers: env_u64("POSYANDU_WEIGHING_WRITERS")?
                .map(|v| v as usize)
                .or(file.weighing_writers)
                .map(|v| v.clamp(1, 64)),
            channels: posyandu_bot::Channels {
                whatsapp: whatsapp_from_env(&env)?.or(file.whatsapp).map(|mut c| {
                    if let Some(url) = env("POSYANDU_WHATSAPP_API_URL") {
                        c.base_url = url;
                    }
                    c
                }),
                whatsapp_number: env("POSYANDU_WHATSAPP_NUMBER")
                    .or(file.whatsapp_number)
                    .map(|n| normalise_number(&n)),
                twilio: twilio_from_env(&env)?.or(file.twilio).map(|mut c| {
                    if let Some(url) = env("POSYANDU_TWILIO_API_URL") {
                        c.base_url = url;
                    }
                    c
                }),
                gateways: file.gateway.unwrap_or_default(),
                public_url: env("POSYANDU_BOT_PUBLIC_URL").or(file.bot_public_url),
            },
            bot_deny: env("POSYANDU_BOT_DENY")
                .map(|v| v.split(',').map(str::to_owned).collect())
                .or(file.bot_deny)
                .unwrap_or_default()
                .iter()
                .map(|n| normalise_number(n))
                .filter(|n| !n.is_empty())
                .collect(),
            bot_listen: env("POSYANDU_BOT_LISTEN")
                .or(file.bot_listen)
                .unwrap_or_else(|| "127.0.0.1:8081".to_owned()),
            bot_concurrency: env_u64("POSYANDU_BOT_CONCURRENCY")?
                .map(|v| v as usize)
                .or(file.bot_concurrency)
                .unwrap_or(64)
                .clamp(1, 1000),
            reminder_interval_minutes: env_u64("POSYANDU_REMINDER_INTERVAL_MINUTES")?
                .or(file.reminder_interval_minutes)
                .unwrap_or(15),
            whatsapp_rate_per_second: env_rate("POSYANDU_WHATSAPP_RATE_PER_SECOND")?
                .or(file.whatsapp_rate_per_second)
                .unwrap_or(80.0),
            sms_rate_per_second: env_rate("POSYANDU_SMS_RATE_PER_SECOND")?
                .or(file.sms_rate_per_second)
                .unwrap_or(10.0),
            recipient_gap_seconds: env_u64("POSYANDU_RECIPIENT_GAP_SECONDS")?
                .or(file.recipient_gap_seconds)
                .unwrap_or(6)
                .min(3600) as u32,
            retry: crate::domain::delivery::RetryPolicy {
                first_wait: chrono::Duration::seconds(
                    env_u64("POSYANDU_OUTBOX_RETRY_SECONDS")?
                        .or(file.outbox_retry_seconds)
                        .unwrap_or(10)
                        .clamp(1, 3600) as i64,
                ),
                max_wait: chrono::Duration::hours(1),
                give_up_after: chrono::Duration::minutes(
                    env_u64("POSYANDU_OUTBOX_GIVE_UP_MINUTES")?
                        .or(file.outbox_give_up_minutes)
                        .unwrap_or(180)
                        .clamp(1, 7 * 24 * 60) as i64,
                ),
            },
        })
    }

    /// The URL people use to reach this server.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The JWT secret for `serve`: it must be configured, because replicas
    /// behind a load balancer have to share it.
    pub fn require_jwt_secret(&mut self) -> anyhow::Result<()> {
        if self.jwt.secret.is_none() {
            bail!(
                "POSYANDU_JWT_SECRET is not set. `posyandu serve` needs a shared secret of at least 32 bytes \
                 (every API replica must use the same one); generate one with `openssl rand -base64 48`."
            );
        }
        Ok(())
    }

    /// The JWT secret for the all-in-one start: configured, or generated once
    /// and kept in `<data_dir>/jwt-secret` (readable by the owner only).
    pub fn ensure_local_jwt_secret(&mut self) -> anyhow::Result<()> {
        if self.jwt.secret.is_some() {
            return Ok(());
        }
        let path = self.data_dir.join("jwt-secret");
        let secret = read_or_create_secret(&path, 48)?;
        check_jwt_secret(&secret)?;
        self.jwt.secret = Some(secret);
        Ok(())
    }
}

/// E.164 for an Indonesian mobile number; anything else as written.
fn normalise_number(text: &str) -> String {
    crate::domain::phone::PhoneNumber::parse(text)
        .map(|p| p.into_string())
        .unwrap_or_else(|_| text.trim().to_owned())
}

/// The WhatsApp channel from `POSYANDU_WHATSAPP_*`: all four or none.
fn whatsapp_from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<posyandu_bot::channels::whatsapp::WhatsAppConfig>> {
    let names = [
        "POSYANDU_WHATSAPP_PHONE_NUMBER_ID",
        "POSYANDU_WHATSAPP_ACCESS_TOKEN",
        "POSYANDU_WHATSAPP_APP_SECRET",
        "POSYANDU_WHATSAPP_VERIFY_TOKEN",
    ];
    let values: Vec<Option<String>> = names.iter().map(|n| env(n)).collect();
    match values.iter().filter(|v| v.is_some()).count() {
        0 => Ok(None),
        4 => {
            let v: Vec<String> = values.into_iter().flatten().collect();
            let mut config =
                posyandu_bot::channels::whatsapp::WhatsAppConfig::new(&v[0], &v[1], &v[2], &v[3]);
            if let Some(version) = env("POSYANDU_WHATSAPP_API_VERSION") {
                config.api_version = version;
            }
            Ok(Some(config))
        }
        _ => bail!("the WhatsApp channel needs all of {}", names.join(", ")),
    }
}

/// The Twilio channel from `POSYANDU_TWILIO_*`.
fn twilio_from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<posyandu_bot::channels::twilio::TwilioConfig>> {
    match (
        env("POSYANDU_TWILIO_ACCOUNT_SID"),
        env("POSYANDU_TWILIO_AUTH_TOKEN"),
    ) {
        (None, None) => Ok(None),
        (Some(account_sid), Some(auth_token)) => {
            Ok(Some(posyandu_bot::channels::twilio::TwilioConfig {
                base_url: posyandu_bot::channels::twilio::DEFAULT_BASE_URL.to_owned(),
                account_sid,
                auth_token,
                from: env("POSYANDU_TWILIO_FROM"),
                messaging_service_sid: env("POSYANDU_TWILIO_MESSAGING_SERVICE_SID"),
                status_callback_url: env("POSYANDU_TWILIO_STATUS_CALLBACK_URL"),
            }))
        }
        _ => bail!(
            "the Twilio channel needs POSYANDU_TWILIO_ACCOUNT_SID and POSYANDU_TWILIO_AUTH_TOKEN"
        ),
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration file {}", path.display()))
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("posyandu.db").display()
    )
}

fn validate_listen(listen: &str) -> anyhow::Result<()> {
    listen
        .parse::<SocketAddr>()
        .map(|_| ())
        .with_context(|| format!("listen address `{listen}` is not host:port, e.g. 127.0.0.1:8080"))
}

fn check_jwt_secret(secret: &Secret) -> anyhow::Result<()> {
    if secret.expose().len() < 32 {
        bail!("the JWT secret must be at least 32 bytes long");
    }
    Ok(())
}

/// Reads a secret kept in a file, or creates it with `bytes` random bytes
/// (URL-safe base64) and permissions 0600.
pub fn read_or_create_secret(path: &Path, bytes: usize) -> anyhow::Result<Secret> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Secret::new(text.trim()));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let secret = crate::auth::random_token(bytes);
    write_private_file(path, &secret)?;
    Ok(Secret::new(secret))
}

/// Writes a file only its owner can read.
pub fn write_private_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("super-secret-value-that-must-not-leak");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }

    #[test]
    fn defaults_put_sqlite_in_the_data_folder() {
        let args = CommonArgs {
            data_dir: Some(PathBuf::from("/tmp/x")),
            config: Some(PathBuf::from("/nonexistent/posyandu.toml")),
            ..CommonArgs::default()
        };
        // A missing explicit config file is an error, not silently ignored.
        assert!(Settings::load(&args).is_err());
        let args = CommonArgs {
            data_dir: Some(PathBuf::from("/tmp/x")),
            ..CommonArgs::default()
        };
        let settings = Settings::load(&args).unwrap();
        assert_eq!(
            settings.database_url,
            "sqlite:///tmp/x/posyandu.db?mode=rwc"
        );
        assert_eq!(settings.listen, "127.0.0.1:8080");
        assert_eq!(settings.jwt.access_ttl, Duration::from_secs(900));
    }

    #[test]
    fn file_values_apply_and_unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\naccess_token_minutes = 5\n",
        )
        .unwrap();
        let args = CommonArgs {
            config: Some(path.clone()),
            ..CommonArgs::default()
        };
        let settings = Settings::load(&args).unwrap();
        assert_eq!(settings.listen, "0.0.0.0:9000");
        assert_eq!(settings.jwt.access_ttl, Duration::from_secs(300));

        // A flag wins over the file.
        let args = CommonArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:7000".into()),
            ..CommonArgs::default()
        };
        assert_eq!(Settings::load(&args).unwrap().listen, "127.0.0.1:7000");

        std::fs::write(&path, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let args = CommonArgs {
            config: Some(path),
            ..CommonArgs::default()
        };
        let error = format!("{:#}", Settings::load(&args).unwrap_err());
        assert!(error.contains("lisen"), "{error}");
    }

    #[test]
    fn generated_secret_is_kept_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-secret");
        let first = read_or_create_secret(&path, 48).unwrap();
        let second = read_or_create_secret(&path, 48).unwrap();
        assert_eq!(first, second);
        assert!(first.expose().len() >= 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
