//! Posyandu.
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::areas::{
    DayChange, DesaProfile, DesaProfileUpdate, NewDayChange, NewPosyandu, Posyandu, PosyanduPatch,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::posyandu::{self as service, PosyanduFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PosyanduQuery {
    /// Only posyandu of this desa.
    pub desa_code: Option<String>,
    /// Only posyandu supervised by this puskesmas.
    pub puskesmas_id: Option<Uuid>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only posyandu changed at or after this instant, including removed ones.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the posyandu inside your area.
#[utoipa::path(
    tag = "areas",
    params(PosyanduQuery),
    responses((status = 200, description = "One page of posyandu", body = Page<Posyandu>)),
    security(("bearer" = []))
)]
#[get("/posyandu")]
pub async fn list_posyandu(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PosyanduQuery>,
) -> ApiResult<web::Json<Page<Posyandu>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = PosyanduFilter {
        desa_code: q.desa_code,
        puskesmas_id: q.puskesmas_id,
    };
    Ok(web::Json(
        service::list_posyandu(&state.db, &principal, filter, page).await?,
    ))
}

/// Add a posyandu inside your area. Without `kode`, it gets the next free
/// registration number of its desa.
#[utoipa::path(
    tag = "areas",
    request_body = NewPosyandu,
    responses((status = 201, description = "Created", body = Posyandu,
        headers(("Location" = String, description = "URL of the new posyandu")))),
    security(("bearer" = []))
)]
#[post("/posyandu")]
pub async fn create_posyandu(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPosyandu>,
) -> ApiResult<HttpResponse> {
    let created =
        service::create_posyandu(&state.db, Authority::Caller(&principal), body.into_inner())
            .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/posyandu/{}", created.id)))
        .json(created))
}

/// One posyandu.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id")),
    responses((status = 200, description = "The posyandu", body = Posyandu)),
    security(("bearer" = []))
)]
#[get("/posyandu/{id}")]
pub async fn get_posyandu(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Posyandu>> {
    Ok(web::Json(
        service::get_posyandu(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a posyandu: name, address, supervising puskesmas.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id")),
    request_body = PosyanduPatch,
    responses((status = 200, description = "The changed posyandu", body = Posyandu)),
    security(("bearer" = []))
)]
#[patch("/posyandu/{id}")]
pub async fn update_posyandu(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<PosyanduPatch>,
) -> ApiResult<web::Json<Posyandu>> {
    Ok(web::Json(
        service::update_posyandu(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Remove a posyandu (kept, with who and when).
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/posyandu/{id}")]
pub async fn delete_posyandu(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    service::delete_posyandu(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// First day (default: today in the posyandu's zone).
    pub from: Option<chrono::NaiveDate>,
    /// How many months (1–24, default 3).
    pub months: Option<u32>,
}

/// The calendar of posyandu days from the opening rule, with moved days
/// applied and cancelled ones left out, as local dates of the posyandu.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id"), ScheduleQuery),
    responses((status = 200, description = "The calendar", body = openapi::areas::PosyanduSchedule)),
    security(("bearer" = []))
)]
#[get("/posyandu/{id}/schedule")]
pub async fn posyandu_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    query: web::Query<ScheduleQuery>,
) -> ApiResult<web::Json<openapi::areas::PosyanduSchedule>> {
    let q = query.into_inner();
    Ok(web::Json(
        service::schedule(&state.db, &principal, id.into_inner(), q.from, q.months).await?,
    ))
}

/// The posyandu days that were moved or cancelled.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id")),
    responses((status = 200, description = "Moves and cancellations", body = Vec<DayChange>)),
    security(("bearer" = []))
)]
#[get("/posyandu/{id}/day-changes")]
pub async fn list_day_changes(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DayChange>>> {
    Ok(web::Json(
        service::list_day_changes(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Move a posyandu day to another date, or cancel it (no `to_date`).
/// `from_date` must be a day the opening rule gives.
#[utoipa::path(
    tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id")),
    request_body = NewDayChange,
    responses((status = 201, description = "Recorded", body = DayChange)),
    security(("bearer" = []))
)]
#[post("/posyandu/{id}/day-changes")]
pub async fn add_day_change(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewDayChange>,
) -> ApiResult<HttpResponse> {
    let change =
        service::add_day_change(&state.db, &principal, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(change))
}

/// What is known about a desa: whether it has a bidan desa.
#[utoipa::path(
    tag = "areas",
    params(("code" = String, Path, description = "Desa code, e.g. 51.08.06.2004")),
    responses((status = 200, description = "The desa", body = DesaProfile)),
    security(("bearer" = []))
)]
#[get("/desa/{code}")]
pub async fn get_desa(
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
) -> ApiResult<web::Json<DesaProfile>> {
    Ok(web::Json(
        service::get_desa(&state.db, &principal, &code).await?,
    ))
}

/// Record whether a desa has a bidan desa.
#[utoipa::path(
    tag = "areas",
    params(("code" = String, Path, description = "Desa code, e.g. 51.08.06.2004")),
    request_body = DesaProfileUpdate,
    responses((status = 200, description = "The desa", body = DesaProfile)),
    security(("bearer" = []))
)]
#[put("/desa/{code}")]
pub async fn update_desa(
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
    body: web::Json<DesaProfileUpdate>,
) -> ApiResult<web::Json<DesaProfile>> {
    Ok(web::Json(
        service::update_desa(&state.db, &principal, &code, body.into_inner()).await?,
    ))
}
