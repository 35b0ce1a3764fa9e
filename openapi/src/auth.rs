//! Tokens (OAuth 2.0 style) and the caller's own identity.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access::{AreaRef, Role, Scope};

/// A token request (RFC 6749): `password` for people, `refresh_token` to
/// rotate, `client_credentials` for API clients (the client may instead
/// authenticate with HTTP Basic). Sent as JSON or as
/// `application/x-www-form-urlencoded`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenRequest {
    Password {
        #[schema(example = "kader.pemaron")]
        username: String,
        password: String,
        /// Space-separated subset of the role's permissions; all of them
        /// when omitted.
        #[serde(default)]
        scope: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
    },
    ClientCredentials {
        /// May be omitted when sent with HTTP Basic authentication.
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        client_secret: Option<String>,
        /// Space-separated subset of the client's scopes; all of them when
        /// omitted.
        #[serde(default)]
        scope: Option<String>,
    },
    /// Token exchange (RFC 8693) for the bot: a `bot` client (authenticated
    /// in the body or with HTTP Basic) gets a token to act for the kader or
    /// health worker registered with a phone number. The token carries the
    /// person's role and area, only the permissions both hold, and names
    /// the bot as the actor (`act`) in the audit log. The number must be
    /// inside the client's area.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange {
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        client_secret: Option<String>,
        /// The phone number (E.164 or national form).
        #[schema(example = "+6281337000201")]
        subject_token: String,
        #[schema(example = "urn:posyandu:params:oauth:token-type:phone")]
        subject_token_type: String,
    },
}

/// The `subject_token_type` of a phone number in a token exchange.
pub const PHONE_TOKEN_TYPE: &str = "urn:posyandu:params:oauth:token-type:phone";

/// Tokens issued. The access token is a JWT valid for `expires_in` seconds;
/// send it as `Authorization: Bearer …`. The refresh token is single-use:
/// each use returns a new one, and presenting a used one revokes every token
/// of that login.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Absent for the client-credentials grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Space-separated permissions the token carries.
    pub scope: String,
}

/// Revoke a refresh token (RFC 7009): the whole login it belongs to ends.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub token: String,
}

/// Who the caller is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// User id, or API client row id.
    pub id: Uuid,
    /// `user` or `client`.
    #[schema(example = "user")]
    pub kind: String,
    /// Login name of a user, client id of an API client.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub area: AreaRef,
    /// What this token allows.
    pub scopes: Vec<Scope>,
}

/// Change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters.
    pub new_password: String,
}
