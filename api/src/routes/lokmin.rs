//! The lokakarya mini pack and its follow-up plan (RTL); a posyandu's
//! activity log and health fund, from which its strata are computed.
use actix_web::{HttpResponse, get, patch, post, put, web};
use openapi::reports::{
    Activity, HealthFund, LokminPack, NewActivity, NewRtlItem, RtlItem, RtlPatch,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::render::table::{Cell, Sheet};
use crate::routes::reports::{Format, answer, ratio};
use crate::services::activities;
use crate::services::reports::{lokmin, rtl};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PackQuery {
    pub format: Option<Format>,
}

fn pack_sheets(pack: &LokminPack) -> Vec<Sheet> {
    let heading = format!("Lokakarya mini {} {}", pack.puskesmas.name, pack.quarter);
    let mut headers: Vec<String> = ["indikator", "target"].map(String::from).to_vec();
    headers.extend(pack.months.iter().cloned());
    headers.extend(
        [
            "triwulan",
            "pembilang",
            "penyebut",
            "tercapai",
            "triwulan lalu",
            "tren",
            "kesenjangan",
            "posyandu terjauh",
        ]
        .map(String::from),
    );
    let mut indicators = Sheet::new("Capaian", heading.clone(), headers);
    for i in &pack.indicators {
        let mut line: Vec<Cell> = vec![i.label.clone().into(), ratio(i.quarter.target)];
        line.extend(i.months.iter().map(|m| ratio(*m)));
        line.extend([
            ratio(i.quarter.value),
            i.quarter.numerator.into(),
            i.quarter.denominator.into(),
            i.quarter.met.map_or(Cell::Empty, Cell::Bool),
            ratio(i.previous_quarter),
            format!("{:?}", i.trend).to_lowercase().into(),
            i.gap.map_or(Cell::Empty, Cell::Percent),
            i.worst
                .iter()
                .map(|w| w.area.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        ]);
        indicators.push(line);
    }
    let mut rtl = Sheet::new(
        "RTL",
        format!("{heading}: rencana tindak lanjut"),
        [
            "triwulan",
            "indikator",
            "masalah",
            "tindakan",
            "sektor",
            "batas waktu",
            "status",
            "catatan",
        ],
    );
    for item in pack.previous_rtl.iter().chain(&pack.rtl) {
        rtl.push(vec![
            item.quarter.clone().into(),
            item.indicator
                .map_or(Cell::Empty, |i| Cell::from(i.label())),
            item.problem.clone().into(),
            item.action.clone().into(),
            item.owner_sector.as_str().into(),
            Cell::Date(item.deadline),
            item.status.as_str().into(),
            item.notes.clone().map_or(Cell::Empty, Cell::from),
        ]);
    }
    vec![indicators, rtl]
}

/// The lokakarya mini pack of a puskesmas for a quarter (`2026-Q4`): every
/// indicator against its target with its three months, the quarter pooled,
/// the previous quarter and the trend; the gaps ranked (largest relative
/// gap first) with the posyandu furthest off; the follow-up plan agreed at
/// the previous quarter's meeting with its status, and this quarter's; and
/// SVG charts (SKDN per posyandu, the stunting trend, coverage against
/// target).
#[utoipa::path(tag = "reports", params(
        ("id" = Uuid, Path, description = "Puskesmas id"),
        ("quarter" = String, Path, description = "Quarter, e.g. 2026-Q4"),
        PackQuery),
    responses(
        (status = 200, description = "The pack", content(
            (LokminPack = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The puskesmas is outside the caller's area", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The quarter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/puskesmas/{id}/lokmin/{quarter}")]
pub async fn lokmin_pack(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(Uuid, String)>,
    query: web::Query<PackQuery>,
) -> ApiResult<HttpResponse> {
    let (id, quarter) = path.into_inner();
    let quarter = rtl::parse_quarter(&quarter, "quarter")?;
    let pack = lokmin::pack(&state.db, &principal, id, quarter).await?;
    let stem = format!("lokmin-{}-{}", pack.puskesmas.code, pack.quarter);
    answer(query.format.unwrap_or_default(), &pack, &stem, || {
        pack_sheets(&pack)
    })
}

/// The pack's coverage-against-target chart alone, as SVG.
#[utoipa::path(tag = "reports", params(
        ("id" = Uuid, Path, description = "Puskesmas id"),
        ("quarter" = String, Path, description = "Quarter, e.g. 2026-Q4")),
    responses((status = 200, description = "SVG picture", content_type = "image/svg+xml", body = String)),
    security(("bearer" = [])))]
#[get("/puskesmas/{id}/lokmin/{quarter}/coverage.svg")]
pub async fn lokmin_coverage_chart(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(Uuid, String)>,
) -> ApiResult<HttpResponse> {
    let (id, quarter) = path.into_inner();
    let quarter = rtl::parse_quarter(&quarter, "quarter")?;
    let pack = lokmin::pack(&state.db, &principal, id, quarter).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(pack.charts.coverage))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RtlQuery {
    /// Only the items agreed in this quarter, e.g. `2026-Q3`.
    pub quarter: Option<String>,
}

/// The follow-up plan (RTL) of a puskesmas, by deadline.
#[utoipa::path(tag = "reports", params(("id" = Uuid, Path, description = "Puskesmas id"), RtlQuery),
    responses((status = 200, description = "RTL items", body = Vec<RtlItem>)),
    security(("bearer" = [])))]
#[get("/puskesmas/{id}/rtl")]
pub async fn list_rtl(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<Uuid>,
    query: web::Query<RtlQuery>,
) -> ApiResult<web::Json<Vec<RtlItem>>> {
    let quarter = query
        .quarter
        .as_deref()
        .map(|q| rtl::parse_quarter(q, "quarter"))
        .transpose()?;
    Ok(web::Json(
        rtl::list(&state.db, &principal, path.into_inner(), quarter).await?,
    ))
}

/// Records a follow-up action agreed at the lokakarya mini (`write:lokmin`).
#[utoipa::path(tag = "reports", request_body = NewRtlItem,
    params(("id" = Uuid, Path, description = "Puskesmas id")),
    responses((status = 201, description = "Recorded", body = RtlItem)),
    security(("bearer" = [])))]
#[post("/puskesmas/{id}/rtl")]
pub async fn create_rtl(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<Uuid>,
    body: web::Json<NewRtlItem>,
) -> ApiResult<HttpResponse> {
    let item = rtl::create(&state.db, &principal, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(item))
}

/// Updates a follow-up action: its status, notes, deadline, owner or text
/// (`write:lokmin`).
#[utoipa::path(tag = "reports", request_body = RtlPatch,
    params(("id" = Uuid, Path, description = "RTL item id")),
    responses((status = 200, description = "Updated", body = RtlItem)),
    security(("bearer" = [])))]
#[patch("/rtl/{id}")]
pub async fn update_rtl(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<Uuid>,
    body: web::Json<RtlPatch>,
) -> ApiResult<web::Json<RtlItem>> {
    Ok(web::Json(
        rtl::update(&state.db, &principal, path.into_inner(), body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only this year's activities.
    pub year: Option<i32>,
}

/// A posyandu's activity log for its SPM fields, oldest first.
#[utoipa::path(tag = "areas", params(("id" = Uuid, Path, description = "Posyandu id"), ActivityQuery),
    responses((status = 200, description = "Activities", body = Vec<Activity>)),
    security(("bearer" = [])))]
#[get("/posyandu/{id}/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<Uuid>,
    query: web::Query<ActivityQuery>,
) -> ApiResult<web::Json<Vec<Activity>>> {
    Ok(web::Json(
        activities::list(&state.db, &principal, path.into_inner(), query.year).await?,
    ))
}

/// Records an activity of a posyandu for one SPM field: date, what, how
/// many people (`write:activities`).
#[utoipa::path(tag = "areas", request_body = NewActivity,
    params(("id" = Uuid, Path, description = "Posyandu id")),
    responses((status = 201, description = "Recorded", body = Activity)),
    security(("bearer" = [])))]
#[post("/posyandu/{id}/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<Uuid>,
    body: web::Json<NewActivity>,
) -> ApiResult<HttpResponse> {
    let activity =
        activities::add(&state.db, &principal, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(activity))
}

/// A posyandu's health fund (dana sehat) for a year: 404 until one is
/// recorded for that year with PUT.
#[utoipa::path(tag = "areas",
    params(("id" = Uuid, Path, description = "Posyandu id"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "The health fund", body = HealthFund)),
    security(("bearer" = [])))]
#[get("/posyandu/{id}/health-fund/{year}")]
pub async fn get_health_fund(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(Uuid, i32)>,
) -> ApiResult<web::Json<HealthFund>> {
    let (id, year) = path.into_inner();
    Ok(web::Json(
        activities::get_fund(&state.db, &principal, id, year).await?,
    ))
}

/// Sets a posyandu's health fund for a year: households, and households in
/// the fund (`write:activities`).
#[utoipa::path(tag = "areas", request_body = HealthFund,
    params(("id" = Uuid, Path, description = "Posyandu id"), ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "The health fund now", body = HealthFund)),
    security(("bearer" = [])))]
#[put("/posyandu/{id}/health-fund/{year}")]
pub async fn put_health_fund(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<HealthFund>,
) -> ApiResult<web::Json<HealthFund>> {
    let (id, year) = path.into_inner();
    Ok(web::Json(
        activities::put_fund(&state.db, &principal, id, year, body.into_inner()).await?,
    ))
}
