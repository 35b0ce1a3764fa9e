//! User accounts.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access::{AreaRef, Role};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[schema(example = "bidan.pemaron")]
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub area: AreaRef,
    /// E.164.
    #[schema(example = "+6281234567890")]
    pub phone: Option<String>,
    /// Set while the account is locked after repeated failed logins.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the account was deactivated.
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3–64 characters: lower-case letters, digits, `.`, `_`, `-`.
    #[schema(example = "bidan.pemaron")]
    pub username: String,
    #[schema(example = "Ni Luh Sari")]
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    pub role: Role,
    /// Region code, puskesmas code or posyandu registration number; `ID` for
    /// the whole country.
    #[schema(example = "51.08.06.2004")]
    pub area_code: String,
    /// Accepted as `08…`, `628…` or `+62 8…`; stored as E.164.
    #[serde(default)]
    #[schema(example = "0812-3456-7890")]
    pub phone: Option<String>,
}

/// Fields to change; absent fields stay as they are, `"phone": null` clears
/// the phone number.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub area_code: Option<String>,
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Sets a new password and ends the user's logins.
    #[serde(default)]
    pub password: Option<String>,
    /// `false` unlocks an account locked after failed logins.
    #[serde(default)]
    pub locked: Option<bool>,
}

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}
