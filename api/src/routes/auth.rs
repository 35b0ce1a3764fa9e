//! Tokens and the caller's own account.
use std::net::{IpAddr, Ipv4Addr};

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openapi::auth::{Me, PasswordChange, RevokeRequest, TokenRequest, TokenResponse};
use openapi::{ProblemType, Scope};

use crate::auth::Principal;
use crate::auth::principal::PrincipalKind;
use crate::error::{ApiError, ApiResult};
use crate::services::{areas, clients, tokens, users};
use crate::state::AppState;

/// The address a request came from: the peer, or the first
/// `X-Forwarded-For` hop when the server is configured to trust its proxy.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(address) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return address;
    }
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Client credentials sent with HTTP Basic (RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
    };
    Some((unescape(id)?, unescape(secret)?))
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> ApiResult<TokenRequest> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let parsed = if content_type.starts_with("application/json") {
        serde_json::from_slice::<TokenRequest>(body).map_err(|e| e.to_string())
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<TokenRequest>(body).map_err(|e| e.to_string())
    } else {
        return Err(ApiError::with_detail(
            ProblemType::UnsupportedMediaType,
            "Send the token request as application/json or application/x-www-form-urlencoded.",
        ));
    };
    parsed.map_err(|message| {
        let code = if message.contains("unknown variant") {
            "unsupported_grant_type"
        } else {
            "invalid_request"
        };
        ApiError::with_detail(
            ProblemType::BadRequest,
            format!("The token request is not valid: {message}."),
        )
        .oauth(code)
    })
}

/// Get an access token.
///
/// - `grant_type=password` with `username` and `password`: for people. Returns
///   an access token (15 minutes) and a refresh token.
/// - `grant_type=refresh_token` with `refresh_token`: returns a new access
///   token and a new refresh token; the old one stops working. Presenting a
///   refresh token a second time ends the whole login.
/// - `grant_type=client_credentials` with `client_id` and `client_secret` (in
///   the body or as HTTP Basic): for API clients; no refresh token.
/// - `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693)
///   for the bot's client, with `subject_token` a phone number and
///   `subject_token_type=urn:posyandu:params:oauth:token-type:phone`: a token
///   to act for the kader or health worker with that number (their role and
///   area, the permissions both hold, the bot named as actor).
///
/// Repeated failures are slowed down (per address and per username) and an
/// account is locked for a while after too many wrong passwords: 429 with
/// `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 401, description = "Wrong credentials or refresh token", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = openapi::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let address = client_address(&req, state.settings.trust_forwarded_for);
    let response = match parse_token_request(&req, &body)? {
        TokenRequest::Password {
            username,
            password,
            scope,
        } => {
            let response = tokens::password_grant(&state, &username, &password, address).await?;
            if let Some(requested) = scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let held: Vec<&str> = response.scope.split_whitespace().collect();
                if let Some(missing) = requested.split_whitespace().find(|s| !held.contains(s)) {
                    return Err(ApiError::with_detail(
                        ProblemType::BadRequest,
                        format!("Your role does not hold the scope `{missing}`."),
                    )
                    .oauth("invalid_scope"));
                }
            }
            // The token carries the role's permissions (listed in `scope`, as
            // RFC 6749 §3.3 allows); a requested scope is only checked.
            response
        }
        TokenRequest::RefreshToken { refresh_token } => {
            tokens::refresh_grant(&state, &refresh_token).await?
        }
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
            scope,
        } => {
            let (id, secret) = match (client_id, client_secret, basic_credentials(&req)) {
                (Some(id), Some(secret), _) => (id, secret),
                (_, _, Some(basic)) => basic,
                _ => {
                    return Err(ApiError::with_detail(
                        ProblemType::BadRequest,
                        "Send client_id and client_secret in the body or as HTTP Basic authentication.",
                    )
                    .oauth("invalid_request"));
                }
            };
            tokens::client_credentials_grant(&state, &id, &secret, scope.as_deref(), address)
                .await?
        }
        TokenRequest::TokenExchange {
            client_id,
            client_secret,
            subject_token,
            subject_token_type,
        } => {
            let (id, secret) = match (client_id, client_secret, basic_credentials(&req)) {
                (Some(id), Some(secret), _) => (id, secret),
                (_, _, Some(basic)) => basic,
                _ => {
                    return Err(ApiError::with_detail(
                        ProblemType::BadRequest,
                        "Send client_id and client_secret in the body or as HTTP Basic authentication.",
                    )
                    .oauth("invalid_request"));
                }
            };
            tokens::token_exchange_grant(
                &state,
                &id,
                &secret,
                &subject_token,
                &subject_token_type,
                address,
            )
            .await?
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .content_type(ContentType::json())
        .json(response))
}

/// Revoke a refresh token (RFC 7009): the login it belongs to ends on every
/// device. Unknown tokens are accepted silently.
#[utoipa::path(
    tag = "auth",
    request_body = RevokeRequest,
    responses((status = 200, description = "Revoked (or unknown)"))
)]
#[post("/auth/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    body: web::Json<RevokeRequest>,
) -> ApiResult<HttpResponse> {
    tokens::revoke(&state, &body.token).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Who am I: the caller's account, role, area and permissions.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The caller", body = Me)),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<Me>> {
    let (username, display_name) = match principal.kind {
        PrincipalKind::User => {
            let row = users::own_row(&state.db, principal.id).await?;
            (row.username, row.display_name)
        }
        PrincipalKind::Client => {
            let row = clients::own_row(&state.db, principal.id).await?;
            (row.client_id, row.name)
        }
        // A kader of the registry through the bot: no account row.
        PrincipalKind::Kader => (format!("kader:{}", principal.id), principal.name.clone()),
    };
    let kind = principal.area.kind();
    let key = (kind, principal.area_code.clone());
    let mut refs = areas::area_refs(&state.db, std::slice::from_ref(&key)).await?;
    let area = refs.remove(&key).expect("area_refs answers every key");
    Ok(web::Json(Me {
        id: principal.id,
        kind: match principal.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Client => "client",
            PrincipalKind::Kader => "kader",
        }
        .into(),
        username,
        display_name,
        role: principal.role,
        area,
        scopes: principal.scopes.iter().copied().collect::<Vec<Scope>>(),
    }))
}

/// Change your own password. Every login of the account ends, including
/// this one's refresh token: log in again with the new password.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordChange,
    responses((status = 204, description = "Changed")),
    security(("bearer" = []))
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    users::change_own_password(
        &state.db,
        &principal,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
