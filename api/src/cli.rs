//! The `posyandu` command line.
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use openapi::clients::NewApiClient;
use openapi::users::NewUser;
use openapi::{Role, Scope};
use posyandu_bot::{BotSettings, Credentials, Worker};
use tokio_util::sync::CancellationToken;

use crate::config::{CommonArgs, Settings};
use crate::services::{Authority, clients, users};
use crate::startup::{Application, openapi_json};
use crate::{db, demo, local, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "posyandu",
    version,
    about = "Posyandu: growth, pregnancies, births and immunisation records with a WhatsApp/SMS bot",
    long_about = "Without a subcommand: the all-in-one start (API and bot worker in one process, \
                  SQLite in ./data, created and migrated on first start)."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API only (one of several replicas at scale). Needs
    /// POSYANDU_JWT_SECRET; does not migrate (run `posyandu migrate up`).
    Serve,
    /// Run the bot worker only, against an API at --api.
    Bot {
        /// Base URL of the API.
        #[arg(long, env = "POSYANDU_API_URL")]
        api: Option<String>,
    },
    /// Database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI document (JSON).
    Openapi,
    /// Accounts and API clients, from the command line.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Fill the database with a demo kabupaten (Buleleng, Bali).
    Demo(DemoArgs),
    /// Talk to the bot as a kader or a mother, through the same pipeline as
    /// WhatsApp and SMS (against a running server).
    Chat(ChatArgs),
}

#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The sender's phone number (a kader's, a bidan's or a mother's).
    #[arg(long)]
    pub from: String,
    /// Base URL of the API (default: the all-in-one address).
    #[arg(long, env = "POSYANDU_API_URL")]
    pub api: Option<String>,
    /// Send this one message (it may contain newlines) and print the reply.
    #[arg(long)]
    pub message: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back the last migration, or --steps N, or --all.
    Down {
        #[arg(long, conflicts_with = "all")]
        steps: Option<u32>,
        #[arg(long)]
        all: bool,
    },
    /// Show applied and pending migrations.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        /// admin, dinkes, dpmd, puskesmas, desa, bidan or kader.
        #[arg(long)]
        role: String,
        /// Region code, puskesmas code, posyandu number, or ID (whole country).
        #[arg(long)]
        area: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// Read the password from standard input without prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (and unlock the account); read from standard input.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Register an API client; prints its secret once.
    CreateClient {
        #[arg(long)]
        name: String,
        /// app or bot.
        #[arg(long, default_value = "app")]
        role: String,
        #[arg(long)]
        area: String,
        /// A scope such as read:areas; repeat for several. Default: all the role allows.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The password every demo account gets (default: generated and printed).
    #[arg(long, env = "POSYANDU_DEMO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Children under five to generate, with a year of weighings (about 50
    /// per posyandu: 40,000 makes a kabupaten of 800 posyandu).
    #[arg(long, default_value_t = 300)]
    pub children: usize,
    /// Kabupaten to spread them over: Buleleng first, then the rest of
    /// Bali and, for a tenth, Lombok Barat (`--children 400000
    /// --kabupaten 10` is a province of ten kabupaten like Buleleng).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub kabupaten: u8,
    /// Seed of the generator (the same seed gives the same children).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(&cli.common)?;
    if !matches!(cli.command, Some(Command::Openapi)) {
        telemetry::init(settings.log_format);
    }
    match cli.command {
        None => all_in_one(settings).await,
        Some(Command::Serve) => {
            settings.require_jwt_secret()?;
            serve(settings).await
        }
        Some(Command::Bot { api }) => bot_only(settings, api).await,
        Some(Command::Chat(args)) => crate::console::run(settings, args).await,
        Some(Command::Migrate { action }) => migrate(settings, action).await,
        Some(Command::Openapi) => {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), openapi_json().as_bytes());
            Ok(())
        }
        Some(Command::Admin { action }) => admin(settings, action).await,
        Some(Command::Demo(args)) => {
            let db = db::connect(&settings.database_url, 4).await?;
            db::migrate_up(&db).await?;
            crate::domain::growth::preload();
            demo::run(
                &db,
                demo::DemoOptions {
                    password: args.password,
                    children: args.children,
                    kabupaten: usize::from(args.kabupaten),
                    seed: args.seed,
                },
            )
            .await
        }
    }
}

/// Stops on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing a SIGTERM handler works on Unix");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// API and bot worker in one process on SQLite: what a new user runs.
async fn all_in_one(mut settings: Settings) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            settings.data_dir.display()
        )
    })?;
    settings.ensure_local_jwt_secret()?;
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    db::migrate_up(&db).await?;
    let admin = local::ensure_initial_admin(&db, &settings.data_dir).await?;
    let bot = local::ensure_bot_client(&db, &settings.data_dir).await?;

    let credentials = Credentials {
        client_id: bot.client_id,
        client_secret: bot.client_secret,
    };
    let settings = Arc::new(settings);
    let app = Application::build_with(settings.clone(), db, Some(credentials.clone())).await?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{}", host_of(&settings.listen), app.port()));

    crate::say!();
    crate::say!("  Posyandu is running.");
    crate::say!("  API docs (Swagger UI): {base}/docs/");
    crate::say!("  OpenAPI document:      {base}/openapi.json");
    match &admin {
        Some(admin) => {
            crate::say!(
                "  Log in as `{}` with password `{}`",
                admin.username,
                admin.password
            );
            crate::say!(
                "  (shown once; also kept in {} — delete it after changing the password)",
                admin.password_file.display()
            );
        }
        None => crate::say!(
            "  Log in with your account (no account? `posyandu admin create-user --help`)."
        ),
    }
    crate::say!("  Demo data: stop, run `posyandu demo`, start again. Stop with Ctrl-C.");
    crate::say!("  Chat with the bot: `posyandu chat --from <a kader's phone>`.");
    for channel in settings
        .channels
        .sendable()
        .iter()
        .filter(|c| *c != "console")
    {
        let path = match channel.as_str() {
            "whatsapp" => "/webhooks/whatsapp".to_owned(),
            "sms" => "/webhooks/twilio".to_owned(),
            other => format!("/webhooks/gateway/{}", other.trim_start_matches("gateway:")),
        };
        crate::say!("  Webhook for {channel}: {base}{path}");
    }
    crate::say!();

    let handle = app.handle();
    let stop = CancellationToken::new();
    let worker = Worker::new(bot_settings(
        &settings,
        format!("http://127.0.0.1:{}", app.port()),
        credentials,
    ));
    let bot_task = tokio::spawn(worker.run(stop.clone()));
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        signal_stop.cancel();
        handle.stop(true).await;
    });
    app.run_until_stopped().await?;
    stop.cancel();
    if let Ok(Err(error)) = bot_task.await {
        tracing::error!(%error, "bot worker ended with an error");
    }
    tracing::info!("stopped");
    Ok(())
}

fn host_of(listen: &str) -> String {
    match listen.rsplit_once(':') {
        Some(("0.0.0.0", _)) | Some(("[::]", _)) => "127.0.0.1".into(),
        Some((host, _)) => host.to_owned(),
        None => listen.to_owned(),
    }
}

/// The API alone, for running several replicas. Refuses to start on an
/// unmigrated database rather than racing other replicas to migrate.
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, settings.db_max_connections).await?;
    let (_, pending) = db::migration_status(&db).await?;
    if !pending.is_empty() {
        bail!(
            "{} migration(s) pending ({}); run `posyandu migrate up` first",
            pending.len(),
            pending.join(", ")
        );
    }
    let settings = Arc::new(settings);
    let app = Application::build(settings.clone(), db).await?;
    tracing::info!(port = app.port(), "API listening");
    let handle = app.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        handle.stop(true).await;
    });
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn bot_only(settings: Settings, api: Option<String>) -> anyhow::Result<()> {
    let api_url = api
        .or(settings.api_url.clone())
        .unwrap_or_else(|| format!("http://{}", settings.listen));
    let (Some(client_id), Some(secret)) = (
        settings.bot_client_id.clone(),
        settings.bot_client_secret.clone(),
    ) else {
        bail!(
            "the bot needs its API client: set POSYANDU_BOT_CLIENT_ID and POSYANDU_BOT_CLIENT_SECRET \
             (register one with `posyandu admin create-client --role bot --area ID --name bot`)"
        );
    };
    let credentials = Credentials {
        client_id,
        client_secret: secret.expose().to_owned(),
    };
    let worker = Worker::new(bot_settings(&settings, api_url, credentials));
    // The providers' webhooks, on the bot's own listener.
    let state = actix_web::web::Data::new(posyandu_bot::webhooks::WebhookState {
        api: worker.api(),
        channels: Arc::new(settings.channels.clone()),
    });
    let server = actix_web::HttpServer::new(move || {
        let state = state.clone();
        actix_web::App::new()
            .configure(move |cfg| posyandu_bot::webhooks::configure(cfg, state))
            .route(
                "/healthz",
                actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().body("ok") }),
            )
    })
    .disable_signals()
    .shutdown_timeout(30)
    .bind(&settings.bot_listen)
    .with_context(|| format!("cannot listen on {}", settings.bot_listen))?
    .run();
    tracing::info!(listen = %settings.bot_listen, "bot webhooks listening");
    let handle = server.handle();
    let stop = CancellationToken::new();
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        signal_stop.cancel();
        handle.stop(true).await;
    });
    let worker_task = tokio::spawn(worker.run(stop.clone()));
    server.await?;
    stop.cancel();
    worker_task.await??;
    Ok(())
}

/// The bot's settings from the installation's.
fn bot_settings(settings: &Settings, api_url: String, credentials: Credentials) -> BotSettings {
    BotSettings {
        channels: settings.channels.clone(),
        deny: settings.bot_deny.clone(),
        concurrency: settings.bot_concurrency,
        reminder_interval: (settings.reminder_interval_minutes > 0)
            .then(|| Duration::from_secs(60 * settings.reminder_interval_minutes)),
        retry_interval: Duration::from_secs(2),
        rates: settings.channels.rates(
            settings.whatsapp_rate_per_second,
            settings.sms_rate_per_second,
        ),
        recipient_gap_seconds: settings.recipient_gap_seconds,
        ..BotSettings::new(api_url, credentials)
    }
}

async fn migrate(settings: Settings, action: MigrateAction) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, 2).await?;
    match action {
        MigrateAction::Up => {
            db::migrate_up(&db).await?;
            crate::say!("migrations applied");
        }
        MigrateAction::Down { steps, all } => {
            let steps = if all { None } else { Some(steps.unwrap_or(1)) };
            db::migrate_down(&db, steps).await?;
            crate::say!("migrations rolled back");
        }
        MigrateAction::Status => {}
    }
    let (applied, pending) = db::migration_status(&db).await?;
    for name in &applied {
        crate::say!("applied  {name}");
    }
    for name in &pending {
        crate::say!("pending  {name}");
    }
    Ok(())
}

/// Reads a password: prompted without echo on a terminal (twice), or one
/// line from standard input.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(first)
}

async fn admin(settings: Settings, action: AdminAction) -> anyhow::Result<()> {
    let db = db::connect(&settings.database_url, 2).await?;
    db::migrate_up(&db).await?;
    match action {
        AdminAction::CreateUser {
            username,
            role,
            area,
            display_name,
            phone,
            password_stdin,
        } => {
            let role = Role::parse(&role)
                .filter(|r| !r.is_client_role())
                .with_context(|| format!("unknown role `{role}`: use admin, dinkes, dpmd, puskesmas, desa, bidan or kader"))?;
            let password = read_password(password_stdin)?;
            let user = users::create(
                &db,
                Authority::Operator,
                NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    role,
                    area_code: area,
                    phone,
                },
            )
            .await
            .map_err(describe)?;
            crate::say!(
                "created {} ({}, {} {})",
                user.username,
                user.role,
                user.area.kind.as_str(),
                user.area.name
            );
        }
        AdminAction::SetPassword {
            username,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            users::set_password_by_operator(&db, &username, password)
                .await
                .map_err(describe)?;
            crate::say!("password set; the account is unlocked and its logins have ended");
        }
        AdminAction::CreateClient {
            name,
            role,
            area,
            scopes,
        } => {
            let role = Role::parse(&role)
                .filter(|r| r.is_client_role())
                .with_context(|| format!("unknown client role `{role}`: use app or bot"))?;
            let scopes = if scopes.is_empty() {
                crate::access::role_scopes(role).to_vec()
            } else {
                scopes
                    .iter()
                    .map(|s| Scope::parse(s).with_context(|| format!("unknown scope `{s}`")))
                    .collect::<anyhow::Result<Vec<_>>>()?
            };
            let created = clients::create(
                &db,
                Authority::Operator,
                NewApiClient {
                    name,
                    role: Some(role),
                    scopes,
                    area_code: area,
                },
            )
            .await
            .map_err(describe)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "client_id:     {}", created.client.client_id)?;
            writeln!(out, "client_secret: {}", created.client_secret)?;
            writeln!(out, "(the secret is shown only now; it is stored hashed)")?;
        }
    }
    Ok(())
}

/// A service error as a sentence for the terminal.
fn describe(error: crate::error::ApiError) -> anyhow::Error {
    let problem = error.to_problem();
    let mut text = problem.detail.unwrap_or(problem.title);
    for field in problem.errors {
        text.push_str(&format!("\n  {}: {}", field.field, field.message));
    }
    anyhow::anyhow!(text)
}
