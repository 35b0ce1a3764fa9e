//! The kader registry.
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use openapi::Page;
use openapi::registry::{Incentive, Kader, KaderPatch, NewIncentive, NewKader};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::kader::{self, KaderFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KaderQuery {
    pub posyandu_id: Option<Uuid>,
    /// The kader registered with this phone number.
    pub phone: Option<String>,
    /// Only kader serving on this date.
    pub active_on: Option<NaiveDate>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only records changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the kader inside your area.
#[utoipa::path(tag = "kader", params(KaderQuery),
    responses((status = 200, description = "One page of kader", body = Page<Kader>)),
    security(("bearer" = [])))]
#[get("/kader")]
pub async fn list_kader(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<KaderQuery>,
) -> ApiResult<web::Json<Page<Kader>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = KaderFilter {
        posyandu_id: q.posyandu_id,
        phone: q.phone,
        active_on: q.active_on,
    };
    Ok(web::Json(
        kader::list(&state.db, &principal, filter, page).await?,
    ))
}

/// Appoint a kader. A person holding a post in another village institution
/// is refused with 409 (Permendagri 18/2018; how far the rule reaches is
/// configured by `kader_double_posts`).
#[utoipa::path(tag = "kader", request_body = NewKader,
    responses((status = 201, description = "Appointed", body = Kader)),
    security(("bearer" = [])))]
#[post("/kader")]
pub async fn create_kader(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewKader>,
) -> ApiResult<HttpResponse> {
    let rule = state.settings.kader_double_posts;
    let kader = kader::create(
        &state.db,
        Authority::Caller(&principal),
        rule,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/kader/{}", kader.id)))
        .json(kader))
}

/// One kader.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Kader id")),
    responses((status = 200, description = "The kader", body = Kader)),
    security(("bearer" = [])))]
#[get("/kader/{id}")]
pub async fn get_kader(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Kader>> {
    Ok(web::Json(
        kader::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a kader: post, SK, training, phone, end of service.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Kader id")), request_body = KaderPatch,
    responses((status = 200, description = "The changed kader", body = Kader)),
    security(("bearer" = [])))]
#[patch("/kader/{id}")]
pub async fn update_kader(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<KaderPatch>,
) -> ApiResult<web::Json<Kader>> {
    let rule = state.settings.kader_double_posts;
    Ok(web::Json(
        kader::update(
            &state.db,
            &principal,
            rule,
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Remove a kader record entered by mistake (kept, with who and when). Set
/// `active_to` when a kader stops serving.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Kader id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = [])))]
#[delete("/kader/{id}")]
pub async fn delete_kader(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    kader::remove(&state.db, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The incentives paid to a kader.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Kader id")),
    responses((status = 200, description = "Incentives by period", body = Vec<Incentive>)),
    security(("bearer" = [])))]
#[get("/kader/{id}/incentives")]
pub async fn list_incentives(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Incentive>>> {
    Ok(web::Json(
        kader::list_incentives(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record an incentive paid to a kader.
#[utoipa::path(tag = "kader", params(("id" = Uuid, Path, description = "Kader id")), request_body = NewIncentive,
    responses((status = 201, description = "Recorded", body = Incentive)),
    security(("bearer" = [])))]
#[post("/kader/{id}/incentives")]
pub async fn add_incentive(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewIncentive>,
) -> ApiResult<HttpResponse> {
    let incentive =
        kader::add_incentive(&state.db, &principal, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(incentive))
}
