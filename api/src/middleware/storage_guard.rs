//! Writes stop before a SQLite database's disk is full.
//!
//! SQLite running out of room mid-transaction is survivable (the pool
//! discards a connection that a failed COMMIT left inside its transaction,
//! `db::left_in_a_transaction`, and the fault harness fills a disk to the
//! last byte without losing an acknowledged write), but it turns writes
//! into a scatter of 507s, 503s and half-finished work for the client to
//! retry, and leaves no room for the WAL checkpoint that would shrink the
//! files again. So the API refuses writes with 507 while the file system
//! under the database has less than `min_free_mb` (16 MiB) left, and takes
//! them again, without a restart, once there is room. Reads go on.
//! PostgreSQL keeps its own disk and its own rules (a full disk there is a
//! `disk_full` error, answered 507 as well).
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use openapi::ProblemType;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a free-space reading is trusted.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The folder of a SQLite database and the last reading of its free space.
pub struct StorageGuard {
    folder: Option<PathBuf>,
    min_free: u64,
    last: Mutex<Option<(Instant, bool)>>,
}

impl StorageGuard {
    /// For the database at `url` (no guard for PostgreSQL or memory).
    pub fn for_database(url: &str, min_free: u64) -> StorageGuard {
        let folder = crate::db::sqlite_path(url).map(|path| {
            let path = PathBuf::from(path);
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
                _ => PathBuf::from("."),
            }
        });
        StorageGuard {
            folder,
            min_free,
            last: Mutex::new(None),
        }
    }

    /// Whether a write may go ahead (re-reads the file system at most once
    /// a second; a reading that fails lets writes through).
    pub fn has_room(&self) -> bool {
        let Some(folder) = &self.folder else {
            return true;
        };
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, room)) = *last
            && at.elapsed() < FRESH_FOR
        {
            return room;
        }
        let room = free_bytes(folder).is_none_or(|free| free >= self.min_free);
        if !room {
            tracing::error!(
                folder = %folder.display(),
                "less than {} MiB free under the database: writes are refused until there is room",
                self.min_free / (1024 * 1024)
            );
        }
        *last = Some((Instant::now(), room));
        room
    }
}

fn free_bytes(folder: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(folder).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if writes
        && let Some(state) = req.app_data::<web::Data<AppState>>()
        && !state.storage.has_room()
    {
        let error = ApiError::Problem {
            kind: ProblemType::StorageFull,
            detail: Some(
                "Nothing was saved: the server's disk is (nearly) full. Reading still works; \
                 writing does again once the operator frees space."
                    .into(),
            ),
            retry_after: Some(300),
            oauth_error: None,
        };
        return Ok(req.error_response(error));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_and_memory_are_not_guarded() {
        assert!(StorageGuard::for_database("postgres://h/db", u64::MAX).has_room());
        assert!(StorageGuard::for_database("sqlite::memory:", u64::MAX).has_room());
    }

    #[test]
    fn a_folder_with_less_room_than_asked_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        assert!(!StorageGuard::for_database(&url, u64::MAX).has_room());
        assert!(StorageGuard::for_database(&url, 1).has_room());
    }
}
