//! Liveness and readiness.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Whether the database answered.
    pub database: bool,
    /// Migrations applied and still pending.
    pub migrations_applied: u32,
    pub migrations_pending: u32,
}
