//! API clients for third-party applications and the bot worker.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access::{AreaRef, Role, Scope};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: Uuid,
    /// The public identifier used in the client-credentials grant.
    #[schema(example = "pc_3kq9v2m7x1b8c4d6")]
    pub client_id: String,
    pub name: String,
    /// `app` or `bot`.
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub area: AreaRef,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the client was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiClient {
    #[schema(example = "Aplikasi Posyandu Digital")]
    pub name: String,
    /// `app` (default) or `bot`.
    #[serde(default)]
    pub role: Option<Role>,
    /// What the client may do; each must be a permission the creator holds.
    pub scopes: Vec<Scope>,
    /// The area the client is bound to, inside the creator's own.
    #[schema(example = "51.08")]
    pub area_code: String,
}

/// A newly registered client with its secret. The secret is shown only in
/// this response; it is stored hashed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClientCreated {
    pub client: ApiClient,
    pub client_secret: String,
}
