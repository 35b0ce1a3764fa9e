//! The audit log.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One change: who, what, when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `user:<id>`, `client:<client id>` or `system`.
    pub actor: String,
    pub actor_role: String,
    /// `create`, `update`, `delete`, `revoke`, …
    pub action: String,
    /// The kind of record, e.g. `posyandu`.
    pub entity: String,
    pub entity_id: String,
    /// Changed fields as `{"field": [old, new]}`; secrets never appear.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<serde_json::Value>,
    pub request_id: Option<String>,
}
