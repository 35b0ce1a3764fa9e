//! What the all-in-one start sets up by itself on a new installation: the
//! first administrator, and the service account of the in-process bot.
use std::path::Path;

use openapi::Role;
use openapi::clients::NewApiClient;
use openapi::users::NewUser;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::access::role_scopes;
use crate::auth::random_token;
use crate::config::write_private_file;
use crate::services::{Authority, clients, users};

/// The first administrator, created when the database has no account.
pub struct InitialAdmin {
    pub username: String,
    pub password: String,
    pub password_file: std::path::PathBuf,
}

/// Creates `admin` (area: the whole country) with a random password, kept
/// in `<data_dir>/admin-password` (owner-only) so it is not lost with the
/// terminal. Returns `None` when accounts already exist.
pub async fn ensure_initial_admin(
    db: &DatabaseConnection,
    data_dir: &Path,
) -> anyhow::Result<Option<InitialAdmin>> {
    if users::any_exists(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        return Ok(None);
    }
    let password = random_token(12);
    users::create(
        db,
        Authority::Operator,
        NewUser {
            username: "admin".into(),
            display_name: "Administrator".into(),
            password: password.clone(),
            role: Role::Admin,
            area_code: "ID".into(),
            phone: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot create the first administrator: {e}"))?;
    let password_file = data_dir.join("admin-password");
    write_private_file(&password_file, &format!("{password}\n"))?;
    Ok(Some(InitialAdmin {
        username: "admin".into(),
        password,
        password_file,
    }))
}

#[derive(Serialize, Deserialize)]
pub struct BotCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// The in-process bot's API client: registered once, its credentials kept
/// in `<data_dir>/bot-client.json` (owner-only).
pub async fn ensure_bot_client(
    db: &DatabaseConnection,
    data_dir: &Path,
) -> anyhow::Result<BotCredentials> {
    let path = data_dir.join("bot-client.json");
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(credentials) = serde_json::from_str::<BotCredentials>(&text)
        && clients::exists(db, &credentials.client_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        clients::top_up_scopes(db, &credentials.client_id, role_scopes(Role::Bot))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok(credentials);
    }
    let created = clients::create(
        db,
        Authority::Operator,
        NewApiClient {
            name: "Bot worker (all-in-one)".into(),
            role: Some(Role::Bot),
            scopes: role_scopes(Role::Bot).to_vec(),
            area_code: "ID".into(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot register the bot's API client: {e}"))?;
    let credentials = BotCredentials {
        client_id: created.client.client_id,
        client_secret: created.client_secret,
    };
    write_private_file(&path, &serde_json::to_string_pretty(&credentials)?)?;
    Ok(credentials)
}
