//! Puskesmas.
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::areas::{NewPuskesmas, Puskesmas, PuskesmasPatch};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::areas;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PuskesmasQuery {
    /// Only puskesmas in this kecamatan.
    pub kecamatan_code: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only puskesmas changed at or after this instant, including removed ones.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the puskesmas inside your area (people of a desa or posyandu see
/// the puskesmas that serve them).
#[utoipa::path(
    tag = "areas",
    params(PuskesmasQuery),
    responses((status = 200, description = "One page of puskesmas", body = Page<Puskesmas>)),
    security(("bearer" = []))
)]
#[get("/puskesmas")]
pub async fn list_puskesmas(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PuskesmasQuery>,
) -> ApiResult<web::Json<Page<Puskesmas>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    Ok(web::Json(
        areas::list_puskesmas(&state.db, &principal, q.kecamatan_code.as_deref(), page).await?,
    ))
}

/// Add a puskesmas inside your area.
#[utoipa::path(
    tag = "areas",
    request_body = NewPuskesmas,
    responses((status = 201, description = "Created", body = Puskesmas,
        headers(("Location" = String, description = "URL of the new puskesmas")))),
    security(("bearer" = []))
)]
#[post("/puskesmas")]
pub async fn create_puskesmas(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPuskesmas>,
) -> ApiResult<HttpResponse> {
    let created =
        areas::create_puskesmas(&state.db, Authority::Caller(&principal), body.into_inner())
            .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/puskesmas/{}", created.id)))
        .json(created))
}

/// One puskesmas.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Puskesmas id")),
    responses((status = 200, description = "The puskesmas", body = Puskesmas)),
    security(("bearer" = []))
)]
#[get("/puskesmas/{id}")]
pub async fn get_puskesmas(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Puskesmas>> {
    Ok(web::Json(
        areas::get_puskesmas(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a puskesmas: name, address, the desa it covers.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Puskesmas id")),
    request_body = PuskesmasPatch,
    responses((status = 200, description = "The changed puskesmas", body = Puskesmas)),
    security(("bearer" = []))
)]
#[patch("/puskesmas/{id}")]
pub async fn update_puskesmas(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<PuskesmasPatch>,
) -> ApiResult<web::Json<Puskesmas>> {
    Ok(web::Json(
        areas::update_puskesmas(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Remove a puskesmas (kept, with who and when). Refused while it still
/// supervises a posyandu.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Puskesmas id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/puskesmas/{id}")]
pub async fn delete_puskesmas(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    areas::delete_puskesmas(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
