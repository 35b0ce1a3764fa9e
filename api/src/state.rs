//! What every request handler shares.
use std::sync::Arc;
use std::time::Instant;

use sea_orm::DatabaseConnection;

use crate::auth::JwtKeys;
use crate::auth::limiter::LoginLimiter;
use crate::config::Settings;
use crate::services::weighing_writer::WeighingWriter;

pub struct AppState {
    pub db: DatabaseConnection,
    pub jwt: JwtKeys,
    pub settings: Arc<Settings>,
    pub limiter: LoginLimiter,
    /// Group commit of new weighings.
    pub weighings: WeighingWriter,
    pub started: Instant,
    /// Refuses writes while a SQLite database's disk is nearly full.
    pub storage: crate::middleware::storage_guard::StorageGuard,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> anyhow::Result<AppState> {
        let jwt = JwtKeys::new(&settings.jwt)?;
        // Failed attempts per username before the in-memory brake engages;
        // the stored per-account lockout is the durable rule.
        let per_username = (settings.login.max_failures.max(1) as u32) * 2;
        let limiter = LoginLimiter::new(
            settings.login.per_address_per_minute,
            per_username,
            std::time::Duration::from_secs(60),
        );
        Ok(AppState {
            weighings: WeighingWriter::start(db.clone(), settings.weighing_writers),
            storage: crate::middleware::storage_guard::StorageGuard::for_database(
                &settings.database_url,
                settings.min_free_bytes,
            ),
            db,
            jwt,
            settings,
            limiter,
            started: Instant::now(),
        })
    }
}
