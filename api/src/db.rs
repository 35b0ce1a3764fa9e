//! Database connections, write transactions and migrations, the same code on
//! SQLite and PostgreSQL.
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Key of the PostgreSQL advisory lock held while migrating ("posyandu" in
/// ASCII), so replicas starting together migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x706f_7379_616e_6475;

/// How long a request waits for a connection. While the database is down,
/// sqlx keeps trying to connect until this runs out, so it is also how long
/// a request hangs before its 503: long enough for a burst of load to
/// queue, short enough for a caller to be told to come back.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A statement slower than this is worth a line in the log.
const SLOW_STATEMENT: Duration = Duration::from_secs(1);

/// Opens a pool. On SQLite every pooled connection gets WAL, a busy timeout
/// and foreign keys (they are per-connection settings in SQLite, so they are
/// set in the connect options, not by one `PRAGMA` on one connection).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(url)
        && let Some(parent) = Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the data folder {}", parent.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Statements are traced at TRACE (`RUST_LOG=sqlx=trace`: the SQL
        // text only, never the bound values, so no NIK or phone number);
        // slow ones are logged at WARN.
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Trace)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, SLOW_STATEMENT)
        // Checking a connection before every use doubles the round trips;
        // a broken connection shows up as an error on use anyway.
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .create_if_missing(true)
                // Read pages through a memory map and keep more of them per
                // connection: without these a busy server spends a tenth of
                // its time copying pages out of the OS cache (`pread`).
                .pragma("mmap_size", "268435456")
                .pragma("cache_size", "-16384")
        })
        .map_sqlx_sqlite_before_acquire(|connection, _| {
            Box::pin(async move { Ok(!left_in_a_transaction(connection)) })
        });
    // Replicas opening a new SQLite file together race to switch it to WAL;
    // that switch takes an exclusive lock and SQLite does not call the busy
    // handler for it, so the loser gets "database is locked" at once. Try
    // again with a growing pause, within the busy timeout.
    let mut pause = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    loop {
        match Database::connect(options.clone()).await {
            Ok(connection) => return Ok(connection),
            Err(error) if is_sqlite_busy(&error) && waited < SQLITE_BUSY_TIMEOUT => {
                tokio::time::sleep(pause).await;
                waited += pause;
                pause = std::cmp::min(pause * 2, Duration::from_millis(500));
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("cannot connect to the database {}", redact_url(url))
                });
            }
        }
    }
}

/// Whether a pooled SQLite connection is still inside a transaction when it
/// is handed out again, which a healthy one never is: its last transaction
/// was committed or rolled back before it went back to the pool.
///
/// It happens when COMMIT fails with SQLITE_FULL: SQLite keeps the
/// transaction open (and its write lock), and sqlx keeps counting it. The
/// next request's BEGIN on that connection would become a SAVEPOINT inside
/// the dead transaction, its COMMIT a RELEASE that makes nothing durable,
/// and the request would be answered 201 for a record that is gone once the
/// connection closes, while every other connection gets "database is
/// locked". Such a connection is discarded instead (closing it rolls the
/// dead transaction back) and the pool opens a fresh one.
fn left_in_a_transaction(connection: &mut sea_orm::sqlx::SqliteConnection) -> bool {
    use sea_orm::sqlx::Connection;
    let stuck = connection.is_in_transaction();
    if stuck {
        tracing::warn!("discarding a database connection left inside a failed transaction");
    }
    stuck
}

/// Whether an error is SQLite's SQLITE_BUSY ("database is locked").
fn is_sqlite_busy(error: &DbErr) -> bool {
    error.to_string().contains("(code: 5)")
}

/// The file path of a `sqlite:` URL, if it is one.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A transaction that writes. On SQLite it holds the process's writer gate
/// until it ends, so writers queue in order instead of spinning in SQLite's
/// busy handler (which sleeps in whole milliseconds and collapses throughput
/// under load). It derefs to, and behaves as, a [`DatabaseTransaction`].
pub struct WriteTx {
    tx: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// One writer at a time per process on SQLite (SQLite allows one anyway).
static SQLITE_WRITER: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Default::default);

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

#[migration::async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.tx.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.tx.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.tx.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.tx.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.tx.support_returning()
    }
}

/// Begins a transaction that will write. On SQLite it waits for the
/// writer gate, then starts `IMMEDIATE`, taking SQLite's write lock at once
/// (so a read that turns into a write never fails with "database is
/// locked"; other processes writing the same file are waited for up to the
/// busy timeout).
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTx, DbErr> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    let gate = if sqlite {
        Some(SQLITE_WRITER.clone().lock_owned().await)
    } else {
        None
    };
    let options = TransactionOptions {
        sqlite_transaction_mode: sqlite.then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let tx = db.begin_with_options(options).await?;
    Ok(WriteTx { tx, _gate: gate })
}

/// Applies pending migrations, all in one transaction. On PostgreSQL the
/// transaction first takes an advisory lock, so several replicas can start at
/// once: the first migrates, the others wait and then find nothing to do.
/// On SQLite the `IMMEDIATE` transaction is the lock.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    let tx = lock_for_migration(db).await?;
    Migrator::up(&*tx, None).await?;
    tx.commit().await
}

/// Rolls back `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
    let tx = lock_for_migration(db).await?;
    Migrator::down(&*tx, steps).await?;
    tx.commit().await
}

async fn lock_for_migration(db: &DatabaseConnection) -> Result<WriteTx, DbErr> {
    let tx = begin_write(db).await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"),
        ))
        .await?;
    }
    Ok(tx)
}

/// Every migration's name, in order.
pub fn migration_names() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Applied and pending migration names, in order.
pub async fn migration_status(
    db: &DatabaseConnection,
) -> Result<(Vec<String>, Vec<String>), DbErr> {
    let all = migration_names();
    let applied: Vec<String> = Migrator::get_applied_migrations_read_only(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let pending = all
        .into_iter()
        .filter(|name| !applied.contains(name))
        .collect();
    Ok((applied, pending))
}

/// Whether an error means the database could not be reached (as opposed to
/// a bad query): such errors are answered 503 with `Retry-After`.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        other => {
            let text = other.to_string();
            text.contains("database is locked")
                || text.contains("Connection refused")
                || text.contains("connection closed")
                || text.contains("terminating connection")
                || text.contains("PoolTimedOut")
                || text.contains("pool timed out")
                || text.contains("error communicating with database")
        }
    }
}

/// Whether an error means the disk under the database is full: SQLite's
/// SQLITE_FULL (13, "database or disk is full"), PostgreSQL's `disk_full`
/// (53100) or an out-of-space write. Answered 507: nothing was saved.
pub fn is_storage_full(error: &DbErr) -> bool {
    let text = error.to_string();
    text.contains("database or disk is full")
        || text.contains("(code: 13)")
        || text.contains("No space left on device")
        || text.contains("53100")
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://posyandu:hunter2@db:5432/p"),
            "postgres://posyandu:***@db:5432/p"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/p"),
            "postgres://postgres@127.0.0.1/p"
        );
        assert_eq!(
            redact_url("sqlite://data/p.db?mode=rwc"),
            "sqlite://data/p.db?mode=rwc"
        );
    }

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_path("sqlite://data/p.db?mode=rwc").as_deref(),
            Some("data/p.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[tokio::test]
    async fn sqlite_connections_get_wal_busy_timeout_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = connect(&url, 4).await.unwrap();
        // Ask several pooled connections at once so more than one is opened.
        let checks = (0..4).map(|_| async {
            let tx = db.begin().await.unwrap();
            let row = |sql: &str| {
                let sql = sql.to_owned();
                let tx = &tx;
                async move {
                    tx.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                        .await
                        .unwrap()
                        .unwrap()
                }
            };
            let mode: String = row("PRAGMA journal_mode")
                .await
                .try_get_by_index(0)
                .unwrap();
            let fk: i32 = row("PRAGMA foreign_keys")
                .await
                .try_get_by_index(0)
                .unwrap();
            let timeout: i32 = row("PRAGMA busy_timeout")
                .await
                .try_get_by_index(0)
                .unwrap();
            tx.commit().await.unwrap();
            (mode, fk, timeout)
        });
        for (mode, fk, timeout) in futures_util::future::join_all(checks).await {
            assert_eq!(mode, "wal");
            assert_eq!(fk, 1);
            assert_eq!(timeout, 10_000);
        }
    }

    #[tokio::test]
    async fn migrations_go_up_down_and_up_again_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = connect(&url, 2).await.unwrap();
        migrate_up(&db).await.unwrap();
        let (applied, pending) = migration_status(&db).await.unwrap();
        assert!(pending.is_empty());
        assert_eq!(applied.len(), Migrator::migrations().len());
        migrate_down(&db, None).await.unwrap();
        let (applied, _) = migration_status(&db).await.unwrap();
        assert!(applied.is_empty());
        migrate_up(&db).await.unwrap();
        migrate_up(&db).await.unwrap(); // idempotent
        let (_, pending) = migration_status(&db).await.unwrap();
        assert!(pending.is_empty());
    }
}
