//! Reports as JSON, CSV or Excel (`?format=`), and their charts as SVG;
//! the district's targets.
use actix_web::{HttpResponse, get, put, web};
use openapi::AreaKind;
use openapi::reports::{SkdnReport, SkdnRow, TargetSet, TargetUpdate};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::render::charts::{self, BarGroup};
use crate::render::table::{self, Cell, Sheet};
use crate::services::reports::{self, targets};
use crate::state::AppState;

/// The shape of a report's answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    /// Comma-separated, UTF-8 with a byte-order mark (Excel reads names right).
    Csv,
    /// An Excel workbook.
    Xlsx,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Month, e.g. `2026-11`.
    pub month: String,
    /// Region code, puskesmas code or posyandu registration number; the
    /// caller's own area when omitted.
    pub area: Option<String>,
    /// The level of the rows; one level below the area when omitted.
    pub by: Option<AreaKind>,
    pub format: Option<Format>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Answers a report in the format asked for.
fn answer<T: serde::Serialize>(
    format: Format,
    report: &T,
    file_stem: &str,
    sheets: impl FnOnce() -> Vec<Sheet>,
) -> ApiResult<HttpResponse> {
    let disposition = |ext: &str| {
        (
            "Content-Disposition",
            format!("attachment; filename=\"{file_stem}.{ext}\""),
        )
    };
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(report),
        Format::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(disposition("csv"))
            .body(table::to_csv(&sheets())),
        Format::Xlsx => {
            let bytes = table::to_xlsx(&sheets()).map_err(|error| {
                ApiError::Internal(anyhow::anyhow!("xlsx export failed: {error}"))
            })?;
            HttpResponse::Ok()
                .content_type(XLSX)
                .insert_header(disposition("xlsx"))
                .body(bytes)
        }
    })
}

/// A ratio cell: empty without a denominator.
fn ratio(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Percent)
}

fn skdn_line(row: &SkdnRow) -> Vec<Cell> {
    let c = &row.counts;
    let mut line: Vec<Cell> = vec![
        row.area.code.clone().into(),
        row.area.name.clone().into(),
        c.s.into(),
        c.k.into(),
        c.d.into(),
        c.n.into(),
        c.t.into(),
        c.o.into(),
        c.b.into(),
        c.two_t.into(),
        c.bgm.into(),
        c.absent.into(),
    ];
    line.extend(row.measures.iter().map(|m| ratio(m.value)));
    line.push(row.balanced.into());
    line
}

fn skdn_sheets(report: &SkdnReport) -> Vec<Sheet> {
    let title = format!(
        "SKDN {} {}, {}",
        report.area.kind.as_str(),
        report.area.name,
        report.month
    );
    let mut main = Sheet::new(
        "SKDN",
        title.clone(),
        [
            "kode",
            "wilayah",
            "S",
            "K",
            "D",
            "N",
            "T",
            "O",
            "B",
            "2T",
            "BGM",
            "K-D",
            "K/S",
            "D/S",
            "N/D",
            "D/K",
            "D=N+T+O+B",
        ],
    );
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        main.push(skdn_line(row));
    }
    let mut groups = Sheet::new(
        "Umur dan jenis kelamin",
        format!("{title}: per kelompok umur (bulan) dan jenis kelamin"),
        [
            "kode", "wilayah", "umur", "L/P", "S", "K", "D", "N", "T", "O", "B", "2T", "BGM",
        ],
    );
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        for g in &row.groups {
            let c = &g.counts;
            groups.push(vec![
                row.area.code.clone().into(),
                row.area.name.clone().into(),
                g.age_group.as_str().into(),
                format!("{:?}", g.sex).into(),
                c.s.into(),
                c.k.into(),
                c.d.into(),
                c.n.into(),
                c.t.into(),
                c.o.into(),
                c.b.into(),
                c.two_t.into(),
                c.bgm.into(),
            ]);
        }
    }
    vec![main, groups]
}

async fn skdn_report(
    state: &AppState,
    principal: &Principal,
    query: &ReportQuery,
) -> ApiResult<SkdnReport> {
    let month = reports::parse_month(&query.month)?;
    let scope = reports::scope(&state.db, principal, query.area.as_deref(), query.by).await?;
    reports::skdn::report(&state.db, principal, &scope, month).await
}

/// SKDN / F1 gizi of an area for a month: S, K, D, N, T, O, B, 2T, BGM and
/// the absent (K − D), the ratios K/S, D/S, N/D, D/K against the district's
/// targets, the D = N + T + O + B check, and every count by age group and
/// sex; one row per sub-area, each with a `drill` link one level down.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (SkdnReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/skdn")]
pub async fn skdn_report_route(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let report = skdn_report(&state, &principal, &query).await?;
    let stem = format!("skdn-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        skdn_sheets(&report)
    })
}

/// SKDN bars (S, K, D, N) per sub-area as SVG, for a slide or a chat.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses((status = 200, description = "SVG picture", content_type = "image/svg+xml", body = String)),
    security(("bearer" = [])))]
#[get("/reports/skdn/chart.svg")]
pub async fn skdn_chart(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let report = skdn_report(&state, &principal, &query).await?;
    let groups: Vec<BarGroup> = report
        .rows
        .iter()
        .map(|row| BarGroup {
            label: row.area.name.clone(),
            values: [row.counts.s, row.counts.k, row.counts.d, row.counts.n]
                .map(|x| x as f64)
                .to_vec(),
        })
        .collect();
    let title = format!("SKDN {} {}", report.area.name, report.month);
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(charts::grouped_bars(&title, &["S", "K", "D", "N"], &groups)))
}

/// The targets a district's reports are held to in a year: its own where
/// set, the national default otherwise (`source` says which).
#[utoipa::path(tag = "reports",
    params(("kabupaten" = String, Path, description = "Kabupaten/kota code, e.g. 51.08"),
           ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "Targets", body = TargetSet)),
    security(("bearer" = [])))]
#[get("/targets/{kabupaten}/{year}")]
pub async fn get_targets(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, i32)>,
) -> ApiResult<web::Json<TargetSet>> {
    let (kabupaten, year) = path.into_inner();
    Ok(web::Json(
        targets::get(&state.db, &principal, &kabupaten, year).await?,
    ))
}

/// Sets the district's own targets for a year (fractions: 0.85 is 85 %);
/// `null` returns an indicator to the national default. For the district
/// health office (`write:targets`).
#[utoipa::path(tag = "reports", request_body = TargetUpdate,
    params(("kabupaten" = String, Path, description = "Kabupaten/kota code, e.g. 51.08"),
           ("year" = i32, Path, description = "Year")),
    responses((status = 200, description = "Targets now", body = TargetSet)),
    security(("bearer" = [])))]
#[put("/targets/{kabupaten}/{year}")]
pub async fn update_targets(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, i32)>,
    body: web::Json<TargetUpdate>,
) -> ApiResult<web::Json<TargetSet>> {
    let (kabupaten, year) = path.into_inner();
    Ok(web::Json(
        targets::update(&state.db, &principal, &kabupaten, year, body.into_inner()).await?,
    ))
}
