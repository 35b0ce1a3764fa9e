//! API clients.
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::clients::{ApiClient, ApiClientCreated, NewApiClient};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::clients;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only clients changed at or after this instant, including revoked ones.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the API clients inside your area.
#[utoipa::path(
    tag = "clients",
    params(ClientQuery),
    responses((status = 200, description = "One page of clients", body = Page<ApiClient>)),
    security(("bearer" = []))
)]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ClientQuery>,
) -> ApiResult<web::Json<Page<ApiClient>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    Ok(web::Json(clients::list(&state.db, &principal, page).await?))
}

/// Register an API client. The response carries the secret, shown only
/// this once.
#[utoipa::path(
    tag = "clients",
    request_body = NewApiClient,
    responses((status = 201, description = "Registered", body = ApiClientCreated,
        headers(("Location" = String, description = "URL of the new client")))),
    security(("bearer" = []))
)]
#[post("/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewApiClient>,
) -> ApiResult<HttpResponse> {
    let created =
        clients::create(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/clients/{}", created.client.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

/// One API client.
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path, description = "Client row id")),
    responses((status = 200, description = "The client", body = ApiClient)),
    security(("bearer" = []))
)]
#[get("/clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiClient>> {
    Ok(web::Json(
        clients::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Revoke an API client: its secret stops working at once.
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path, description = "Client row id")),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = []))
)]
#[delete("/clients/{id}")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    clients::revoke(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
