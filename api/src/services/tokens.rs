//! Issuing, rotating and revoking tokens.
use std::net::IpAddr;

use entity::{api_client, app_user, refresh_token};
use openapi::auth::TokenResponse;
use openapi::{AreaKind, ProblemType, Role, Scope};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::access::{AreaScope, role_scopes};
use crate::auth::{hashes_equal, password, random_token, token_hash};
use crate::clock;
use crate::db::begin_write;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const REFRESH_PREFIX: &str = "prt_";

fn invalid_grant(detail: &str) -> ApiError {
    ApiError::with_detail(ProblemType::InvalidCredentials, detail).oauth("invalid_grant")
}

fn user_area(user: &app_user::Model) -> ApiResult<AreaScope> {
    let kind = AreaKind::parse(&user.area_kind).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("user {} has an unknown area kind", user.id))
    })?;
    let id = match kind {
        AreaKind::Puskesmas => user.puskesmas_id,
        AreaKind::Posyandu => user.posyandu_id,
        _ => None,
    };
    AreaScope::from_parts(kind, &user.area_code, id).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("user {} has an incomplete area", user.id))
    })
}

fn user_role(user: &app_user::Model) -> ApiResult<Role> {
    Role::parse(&user.role)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user {} has an unknown role", user.id)))
}

/// Issues an access token for a user, and a refresh token in `family`.
async fn issue_for_user<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    user: &app_user::Model,
    family: Uuid,
) -> ApiResult<TokenResponse> {
    let role = user_role(user)?;
    let scopes = role_scopes(role);
    let area = user_area(user)?;
    let (access_token, _) = state.jwt.issue(
        user.id,
        "user",
        &user.username,
        role,
        &area,
        &user.area_code,
        scopes,
    )?;
    let refresh = format!("{REFRESH_PREFIX}{}", random_token(32));
    let now = clock::now();
    let ttl = chrono::Duration::from_std(state.settings.jwt.refresh_ttl)
        .map_err(|e| ApiError::Internal(e.into()))?;
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family),
        token_hash: Set(token_hash(&refresh)),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.as_secs(),
        refresh_token: Some(refresh),
        scope: scope_string(scopes),
    })
}

fn scope_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The password grant, with the per-address and per-username limits and the
/// per-account lockout.
pub async fn password_grant(
    state: &AppState,
    username: &str,
    password_text: &str,
    address: IpAddr,
) -> ApiResult<TokenResponse> {
    let username = username.trim().to_lowercase();
    state
        .limiter
        .check_address(address)
        .map_err(ApiError::too_many_requests)?;
    state
        .limiter
        .check_username(&username)
        .map_err(ApiError::too_many_requests)?;
    let db = &state.db;
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.as_str()))
        .filter(app_user::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    let now = clock::now();
    if let Some(locked_until) = user.as_ref().and_then(|u| u.locked_until)
        && locked_until > now
    {
        let seconds = (locked_until - now).num_seconds().max(1) as u64;
        return Err(ApiError::too_many_requests(seconds));
    }
    let verified = password::verify(
        password_text.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = match user {
        Some(user) if verified => user,
        other => {
            state.limiter.record_failure(&username);
            tracing::warn!(username = %username, %address, "login failed");
            if let Some(user) = other {
                record_failure(db, state, &user).await?;
            }
            return Err(invalid_grant("The username or password is wrong."));
        }
    };
    state.limiter.record_success(&username);
    let tx = begin_write(db).await?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::FailedLogins, Expr::value(0))
        .col_expr(
            app_user::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(app_user::Column::LastLoginAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&tx)
        .await?;
    let response = issue_for_user(&tx, state, &user, Uuid::now_v7()).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, role = %user.role, "login");
    Ok(response)
}

/// Counts a failed password; locks the account after too many in a row.
async fn record_failure(
    db: &DatabaseConnection,
    state: &AppState,
    user: &app_user::Model,
) -> ApiResult<()> {
    let tx = begin_write(db).await?;
    let Some(current) = app_user::Entity::find_by_id(user.id).one(&tx).await? else {
        return Ok(());
    };
    let failures = current.failed_logins + 1;
    let mut active = current.into_active_model();
    if failures >= state.settings.login.max_failures {
        let lockout = chrono::Duration::from_std(state.settings.login.lockout)
            .map_err(|e| ApiError::Internal(e.into()))?;
        active.locked_until = Set(Some(clock::now() + lockout));
        active.failed_logins = Set(0);
        tracing::warn!(user_id = %user.id, "account locked after repeated failed logins");
    } else {
        active.failed_logins = Set(failures);
    }
    active.update(&tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Rotates a refresh token. A token presented twice means it was stolen (or
/// a client misbehaves): the whole family is revoked, ending that login
/// everywhere.
pub async fn refresh_grant(state: &AppState, token: &str) -> ApiResult<TokenResponse> {
    let hash = token_hash(token.trim());
    let tx = begin_write(&state.db).await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&tx)
        .await?
    else {
        return Err(invalid_grant("The refresh token is not valid."));
    };
    let now = clock::now();
    if row.revoked_at.is_some() || row.used_at.is_some() {
        revoke_family(&tx, row.family_id, "reuse").await?;
        tx.commit().await?;
        tracing::warn!(user_id = %row.user_id, family = %row.family_id, "refresh token reused; login revoked");
        return Err(invalid_grant(
            "This refresh token was already used or revoked; the login has been ended. Log in again.",
        ));
    }
    if row.expires_at <= now {
        return Err(invalid_grant(
            "The refresh token has expired. Log in again.",
        ));
    }
    let user = app_user::Entity::find_by_id(row.user_id)
        .filter(app_user::Column::DeletedAt.is_null())
        .one(&tx)
        .await?;
    let Some(user) = user else {
        revoke_family(&tx, row.family_id, "account deactivated").await?;
        tx.commit().await?;
        return Err(invalid_grant("The account is no longer active."));
    };
    // Only one request can use the token, even when two arrive together.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .col_expr(refresh_token::Column::UpdatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&tx)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(&tx, row.family_id, "reuse").await?;
        tx.commit().await?;
        return Err(invalid_grant(
            "This refresh token was already used; the login has been ended.",
        ));
    }
    let response = issue_for_user(&tx, state, &user, row.family_id).await?;
    tx.commit().await?;
    Ok(response)
}

async fn revoke_family<C: ConnectionTrait>(db: &C, family: Uuid, reason: &str) -> ApiResult<()> {
    let now = clock::now();
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_token::Column::RevokedReason, Expr::value(reason))
        .col_expr(refresh_token::Column::UpdatedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every login of a user (password change, deactivation).
pub async fn revoke_all_for_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    reason: &str,
) -> ApiResult<()> {
    let now = clock::now();
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_token::Column::RevokedReason, Expr::value(reason))
        .col_expr(refresh_token::Column::UpdatedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// RFC 7009: revoking an unknown token is not an error.
pub async fn revoke(state: &AppState, token: &str) -> ApiResult<()> {
    let tx = begin_write(&state.db).await?;
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token.trim())))
        .one(&tx)
        .await?
    {
        revoke_family(&tx, row.family_id, "revoked by the client").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An authenticated API client with what it was granted.
struct AuthenticatedClient {
    row: api_client::Model,
    role: Role,
    granted: Vec<Scope>,
    area: AreaScope,
}

fn invalid_client() -> ApiError {
    ApiError::with_detail(
        ProblemType::InvalidCredentials,
        "The client id or secret is wrong.",
    )
    .oauth("invalid_client")
}

/// How a grant counts against the per-address limit of token requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressLimit {
    /// Every request counts (people's logins, apps).
    EveryRequest,
    /// Only failures count: the bot exchanges a token for every kader it
    /// relays for, thousands an hour from one address, and its secret is
    /// not a password anyone can guess.
    FailuresOnly,
}

async fn authenticate_client(
    state: &AppState,
    client_id: &str,
    secret: &str,
    address: IpAddr,
    limit: AddressLimit,
) -> ApiResult<AuthenticatedClient> {
    match limit {
        AddressLimit::EveryRequest => state.limiter.check_address(address),
        AddressLimit::FailuresOnly => state.limiter.peek_address(address),
    }
    .map_err(ApiError::too_many_requests)?;
    let client = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id.trim()))
        .filter(api_client::Column::DeletedAt.is_null())
        .one(&state.db)
        .await?;
    let Some(client) = client.filter(|c| hashes_equal(&token_hash(secret.trim()), &c.secret_hash))
    else {
        tracing::warn!(client_id = %client_id, %address, "client authentication failed");
        if limit == AddressLimit::FailuresOnly {
            let _ = state.limiter.check_address(address);
        }
        return Err(invalid_client());
    };
    let role = Role::parse(&client.role).ok_or_else(invalid_client)?;
    let granted: Vec<Scope> = client
        .scopes
        .split_whitespace()
        .filter_map(Scope::parse)
        .filter(|s| role_scopes(role).contains(s))
        .collect();
    let kind = AreaKind::parse(&client.area_kind).ok_or_else(invalid_client)?;
    let id = match kind {
        AreaKind::Puskesmas => client.puskesmas_id,
        AreaKind::Posyandu => client.posyandu_id,
        _ => None,
    };
    let area = AreaScope::from_parts(kind, &client.area_code, id).ok_or_else(invalid_client)?;
    Ok(AuthenticatedClient {
        row: client,
        role,
        granted,
        area,
    })
}

/// Token exchange (RFC 8693) for the bot: a token to act for the kader or
/// health worker registered with a phone number, carrying the person's role
/// and area, the permissions both the person and the bot hold, and the bot
/// as actor. The person must be inside the bot's area.
pub async fn token_exchange_grant(
    state: &AppState,
    client_id: &str,
    secret: &str,
    subject_token: &str,
    subject_token_type: &str,
    address: IpAddr,
) -> ApiResult<TokenResponse> {
    let client = authenticate_client(
        state,
        client_id,
        secret,
        address,
        AddressLimit::FailuresOnly,
    )
    .await?;
    if client.role != Role::Bot || !client.granted.contains(&Scope::BotRelay) {
        return Err(ApiError::with_detail(
            ProblemType::BadRequest,
            "Only the bot's client (role bot, with bot:relay) may exchange tokens.",
        )
        .oauth("unauthorized_client"));
    }
    if subject_token_type != openapi::auth::PHONE_TOKEN_TYPE {
        return Err(ApiError::with_detail(
            ProblemType::BadRequest,
            format!(
                "subject_token_type must be {}.",
                openapi::auth::PHONE_TOKEN_TYPE
            ),
        )
        .oauth("invalid_request"));
    }
    let unknown = || {
        ApiError::with_detail(
            ProblemType::BadRequest,
            "No active kader or health worker in your area has this number.",
        )
        .oauth("invalid_grant")
    };
    let phone = crate::services::contacts::normalise(subject_token).ok_or_else(unknown)?;
    let resolved = crate::services::contacts::resolve(&state.db, &phone).await?;
    let location = resolved.location.clone().ok_or_else(unknown)?;
    if !client.area.contains(&location) {
        return Err(unknown());
    }
    let act = Some(crate::auth::jwt::ActorClaim {
        sub: format!("client:{}", client.row.client_id),
    });
    let keep = |role: Role| -> Vec<Scope> {
        role_scopes(role)
            .iter()
            .copied()
            .filter(|s| client.granted.contains(s) && *s != Scope::BotRelay)
            .collect()
    };
    let (access_token, scopes) = if let Some((row, post, name)) = resolved
        .kader
        .clone()
        .zip(resolved.sender.posyandu.clone())
        .map(|(k, p)| (k, p, resolved.sender.name.clone().unwrap_or_default()))
    {
        let scopes = keep(Role::Kader);
        let (token, _) = state.jwt.issue_for(
            row.id,
            "kader",
            &name,
            Role::Kader,
            &AreaScope::Posyandu(post.id),
            &post.kode,
            &scopes,
            act,
        )?;
        (token, scopes)
    } else if let Some(user) = resolved.user.clone() {
        let role = Role::parse(&user.role).ok_or_else(unknown)?;
        let scopes = keep(role);
        let (token, _) = state.jwt.issue_for(
            user.id,
            "user",
            &user.username,
            role,
            &user_area(&user)?,
            &user.area_code,
            &scopes,
            act,
        )?;
        (token, scopes)
    } else {
        return Err(unknown());
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.as_secs(),
        refresh_token: None,
        scope: scope_string(&scopes),
    })
}

/// The client-credentials grant for API clients (apps and the bot).
pub async fn client_credentials_grant(
    state: &AppState,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
    address: IpAddr,
) -> ApiResult<TokenResponse> {
    let AuthenticatedClient {
        row: client,
        role,
        granted,
        area,
    } = authenticate_client(
        state,
        client_id,
        secret,
        address,
        AddressLimit::EveryRequest,
    )
    .await?;
    let scopes = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => granted,
        Some(requested) => {
            let mut chosen = Vec::new();
            for name in requested.split_whitespace() {
                match Scope::parse(name).filter(|s| granted.contains(s)) {
                    Some(scope) => chosen.push(scope),
                    None => {
                        return Err(ApiError::with_detail(
                            ProblemType::BadRequest,
                            format!("The scope `{name}` is not granted to this client."),
                        )
                        .oauth("invalid_scope"));
                    }
                }
            }
            chosen
        }
    };
    let (access_token, _) = state.jwt.issue(
        client.id,
        "client",
        &client.client_id,
        role,
        &area,
        &client.area_code,
        &scopes,
    )?;
    let now = clock::now();
    if client
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        api_client::Entity::update_many()
            .col_expr(api_client::Column::LastUsedAt, Expr::value(now))
            .filter(api_client::Column::Id.eq(client.id))
            .exec(&state.db)
            .await?;
    }
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.as_secs(),
        refresh_token: None,
        scope: scope_string(&scopes),
    })
}

/// Deletes refresh tokens that expired more than a week ago (kept that long
/// so a late reuse is still recognised and logged); returns how many.
pub async fn purge_expired(db: &DatabaseConnection) -> ApiResult<u64> {
    let cutoff = clock::now() - chrono::Duration::days(7);
    let result = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
