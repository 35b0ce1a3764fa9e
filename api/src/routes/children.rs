//! Children under five, their weighings and growth charts.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use openapi::Page;
use openapi::growth::{NewWeighing, Weighing};
use openapi::registry::{Child, ChildPatch, NewChild};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::chart::{self, Point};
use crate::domain::growth::ChartIndicator;
use crate::error::ApiResult;
use crate::pagination::PageRequest;
use crate::services::Authority;
use crate::services::children::{self, ChildFilter};
use crate::services::people::parse_sex;
use crate::services::weighings::{self, Recorded};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChildQuery {
    pub posyandu_id: Option<Uuid>,
    pub desa_code: Option<String>,
    pub mother_id: Option<Uuid>,
    /// Names containing this (case and accents ignored).
    pub name: Option<String>,
    /// The child with this public code.
    pub code: Option<String>,
    /// The child with this NIK.
    pub nik: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    /// Only children changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

/// List the children inside your area, each with the latest status.
#[utoipa::path(tag = "children", params(ChildQuery),
    responses((status = 200, description = "One page of children", body = Page<Child>)),
    security(("bearer" = [])))]
#[get("/children")]
pub async fn list_children(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ChildQuery>,
) -> ApiResult<web::Json<Page<Child>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.cursor.as_deref(), q.limit, q.updated_since)?;
    let filter = ChildFilter {
        posyandu_id: q.posyandu_id,
        desa_code: q.desa_code,
        mother_id: q.mother_id,
        name: q.name,
        code: q.code,
        nik: q.nik,
    };
    Ok(web::Json(
        children::list(&state.db, &principal, filter, page).await?,
    ))
}

/// Register a child under five at a posyandu: a new person (`person`) or an
/// already registered one (`person_id`).
#[utoipa::path(tag = "children", request_body = NewChild,
    responses((status = 201, description = "Registered", body = Child)),
    security(("bearer" = [])))]
#[post("/children")]
pub async fn create_child(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewChild>,
) -> ApiResult<HttpResponse> {
    let child =
        children::create(&state.db, Authority::Caller(&principal), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/children/{}", child.id)))
        .json(child))
}

/// One child with the latest growth status.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Child (person) id")),
    responses((status = 200, description = "The child", body = Child)),
    security(("bearer" = [])))]
#[get("/children/{id}")]
pub async fn get_child(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Child>> {
    Ok(web::Json(
        children::get(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Change a child's record: mother, posyandu, birth measurements, KMS / Buku KIA.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Child (person) id")), request_body = ChildPatch,
    responses((status = 200, description = "The changed child", body = Child)),
    security(("bearer" = [])))]
#[patch("/children/{id}")]
pub async fn update_child(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<ChildPatch>,
) -> ApiResult<web::Json<Child>> {
    Ok(web::Json(
        children::update(&state.db, &principal, id.into_inner(), body.into_inner()).await?,
    ))
}

/// A child's weighings, oldest first.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Child (person) id")),
    responses((status = 200, description = "Weighings", body = Vec<Weighing>)),
    security(("bearer" = [])))]
#[get("/children/{id}/weighings")]
pub async fn list_child_weighings(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Weighing>>> {
    Ok(web::Json(
        weighings::list_for_child(&state.db, &principal, id.into_inner()).await?,
    ))
}

/// Record a weighing: validated, evaluated (WHO z-scores, Permenkes
/// categories, KMS N/T/O/B, 2T, BGM, referral) and stored. One weighing per
/// child per day: posting the same values again returns the stored one (200);
/// different values on a day already recorded are refused (409) — correct the
/// stored one with `PATCH /api/v1/weighings/{id}`.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Child (person) id")), request_body = NewWeighing,
    responses(
        (status = 201, description = "Recorded", body = Weighing),
        (status = 200, description = "Already recorded with the same values", body = Weighing)),
    security(("bearer" = [])))]
#[post("/children/{id}/weighings")]
pub async fn create_weighing(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<NewWeighing>,
) -> ApiResult<HttpResponse> {
    Ok(
        match weighings::record(
            &state.db,
            &state.weighings,
            Authority::Caller(&principal),
            id.into_inner(),
            body.into_inner(),
        )
        .await?
        {
            Recorded::Created(w) => HttpResponse::Created()
                .insert_header(("Location", format!("/api/v1/weighings/{}", w.id)))
                .json(w),
            Recorded::Unchanged(w) => HttpResponse::Ok().json(w),
        },
    )
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// Weight-for-age (the KMS page).
    Wfa,
    /// Length/height-for-age.
    Lhfa,
    /// Weight-for-length (under 2 years) or weight-for-height.
    Wflh,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// `wfa` (default), `lhfa` or `wflh`.
    pub indicator: Option<ChartKind>,
}

/// The child's growth chart as SVG, with the WHO curves at −3…+3 SD, to show
/// a mother or put in a slide.
#[utoipa::path(tag = "children", params(("id" = Uuid, Path, description = "Child (person) id"), ChartQuery),
    responses((status = 200, description = "SVG picture", content_type = "image/svg+xml", body = String)),
    security(("bearer" = [])))]
#[get("/children/{id}/growth-chart.svg")]
pub async fn growth_chart(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    query: web::Query<ChartQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let child = children::get(&state.db, &principal, id).await?;
    let weighings = weighings::list_for_child(&state.db, &principal, id).await?;
    let sex = parse_sex(match child.person.sex {
        openapi::growth::Sex::L => "L",
        openapi::growth::Sex::P => "P",
    });
    let latest_age = weighings.last().map(|w| w.age_days).unwrap_or(0);
    let (indicator, points): (ChartIndicator, Vec<Point>) =
        match query.indicator.unwrap_or(ChartKind::Wfa) {
            ChartKind::Wfa => (
                ChartIndicator::WeightForAge,
                weighings
                    .iter()
                    .map(|w| Point {
                        x: w.age_days as f64 / 30.4375,
                        y: w.weight_kg,
                    })
                    .collect(),
            ),
            ChartKind::Lhfa => (
                ChartIndicator::LengthForAge,
                weighings
                    .iter()
                    .filter_map(|w| {
                        w.length_cm.map(|l| Point {
                            x: w.age_days as f64 / 30.4375,
                            y: l,
                        })
                    })
                    .collect(),
            ),
            ChartKind::Wflh => {
                let under_two = latest_age < 731;
                (
                    if under_two {
                        ChartIndicator::WeightForLength
                    } else {
                        ChartIndicator::WeightForHeight
                    },
                    weighings
                        .iter()
                        .filter(|w| (w.age_days < 731) == under_two)
                        .filter_map(|w| {
                            w.length_cm.map(|l| Point {
                                x: l,
                                y: w.weight_kg,
                            })
                        })
                        .collect(),
                )
            }
        };
    let title = format!("{} · kode {}", child.person.name, child.person.code);
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(chart::render(indicator, sex, &title, &points)))
}
