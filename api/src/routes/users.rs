//! User accounts.
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use openapi::users::{NewUser, User, UserPatch};
use openapi::{Page, Role};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::users::{self, UserFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only usernames starting with this.
    pub username: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only accounts changed at or after this instant (RFC 3339), including
    /// deactivated ones, in order of change.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the accounts inside your area.
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    responses((status = 200, description = "One page of accounts", body = Page<User>)),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<UserQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = UserFilter {
        role: q.role,
        username: q.username,
    };
    Ok(web::Json(
        users::list(&state.db, &principal, filter, page).await?,
    ))
}

/// Create an account inside your area, with a role you may give.
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    responses((status = 201, description = "Created", body = User,
        headers(("Location" = String, description = "URL of the new account")))),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewUser>,
) -> ApiResult<HttpResponse> {
    let user = users::create(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(user))
}

/// One account.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = User)),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(
        users::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change an account: name, role, area, phone, password (which ends its
/// logins), or unlock it (`"locked": false`).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = UserPatch,
    responses((status = 200, description = "The changed account", body = User)),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<UserPatch>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(
        users::update(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Deactivate an account (kept, with who and when; its logins end).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 204, description = "Deactivated")),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    users::deactivate(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
