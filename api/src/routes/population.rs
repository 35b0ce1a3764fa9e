//! Newcomers, people not attached to a posyandu, and BPJS coverage gaps.
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use openapi::maternal::{CoverageGap, NewNewcomer, Newcomer};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::services::Authority;
use crate::services::population;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NewcomerQuery {
    /// Month, e.g. `2026-11`.
    pub month: String,
    pub desa_code: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DesaQuery {
    pub desa_code: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LostPbiQuery {
    pub desa_code: Option<String>,
    /// Only changes on or after this date.
    pub since: Option<NaiveDate>,
}

/// The newcomers (pendatang) of a month, per desa, for the village head:
/// who arrived, from where, and whether they attend a posyandu yet.
#[utoipa::path(tag = "population", params(NewcomerQuery),
    responses((status = 200, description = "Newcomers", body = Vec<Newcomer>)),
    security(("bearer" = [])))]
#[get("/population/newcomers")]
pub async fn list_newcomers(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<NewcomerQuery>,
) -> ApiResult<web::Json<Vec<Newcomer>>> {
    Ok(web::Json(
        population::newcomers(
            &state.db,
            &principal,
            query.desa_code.as_deref(),
            &query.month,
        )
        .await?,
    ))
}

/// Register a newcomer: the person and a dated arrival with its origin.
#[utoipa::path(tag = "population", request_body = NewNewcomer,
    responses((status = 201, description = "Registered", body = Newcomer)),
    security(("bearer" = [])))]
#[post("/population/newcomers")]
pub async fn register_newcomer(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewNewcomer>,
) -> ApiResult<HttpResponse> {
    let newcomer =
        population::register_newcomer(&state.db, Authority::Caller(&principal), body.into_inner())
            .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/people/{}", newcomer.person.id)))
        .json(newcomer))
}

/// Newcomers who still live here and attend no posyandu yet.
#[utoipa::path(tag = "population", params(DesaQuery),
    responses((status = 200, description = "Newcomers without a posyandu", body = Vec<Newcomer>)),
    security(("bearer" = [])))]
#[get("/population/unattached")]
pub async fn list_unattached(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<DesaQuery>,
) -> ApiResult<web::Json<Vec<Newcomer>>> {
    Ok(web::Json(
        population::unattached(&state.db, &principal, query.desa_code.as_deref()).await?,
    ))
}

/// People of families in desil 1–5 without BPJS Kesehatan.
#[utoipa::path(tag = "population", params(DesaQuery),
    responses((status = 200, description = "Uninsured poor", body = Vec<CoverageGap>)),
    security(("bearer" = [])))]
#[get("/bpjs/uninsured")]
pub async fn list_uninsured(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<DesaQuery>,
) -> ApiResult<web::Json<Vec<CoverageGap>>> {
    Ok(web::Json(
        population::uninsured_poor(&state.db, &principal, query.desa_code.as_deref()).await?,
    ))
}

/// People who lost PBI (premium paid by the government) and are not PBI now.
#[utoipa::path(tag = "population", params(LostPbiQuery),
    responses((status = 200, description = "People who lost PBI", body = Vec<CoverageGap>)),
    security(("bearer" = [])))]
#[get("/bpjs/lost-pbi")]
pub async fn list_lost_pbi(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<LostPbiQuery>,
) -> ApiResult<web::Json<Vec<CoverageGap>>> {
    Ok(web::Json(
        population::lost_pbi(
            &state.db,
            &principal,
            query.desa_code.as_deref(),
            query.since,
        )
        .await?,
    ))
}
