//! Reports as JSON, CSV or Excel (`?format=`), and their charts as SVG;
//! the district's targets.
use actix_web::{HttpResponse, get, put, web};
use openapi::AreaKind;
use openapi::areas::SpmField;
use openapi::reports::{
    CaseKind, ImmunisationReport, Indicator, InstitutionReport, MaternalReport, Measure,
    NutritionCase, NutritionCounts, NutritionReport, PopulationReport, ReportArea, SkdnReport,
    SkdnRow, TargetSet, TargetUpdate,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::domain::reports::Month;
use crate::error::{ApiError, ApiResult};
use crate::render::charts::{self, BarGroup, Series};
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

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Answers a report in the format asked for.
pub(crate) fn answer<T: serde::Serialize>(
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
pub(crate) fn ratio(value: Option<f64>) -> Cell {
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

/// The report's heading line: "<report> <level> <name>, <month>".
fn title(report: &str, area: &ReportArea, month: &str) -> String {
    format!("{report} {} {}, {month}", area.kind.as_str(), area.name)
}

/// Code and name cells of a row's area.
fn area_cells(area: &ReportArea) -> Vec<Cell> {
    vec![area.code.clone().into(), area.name.clone().into()]
}

/// The value cells of measures, in order.
fn measure_cells(measures: &[Measure]) -> impl Iterator<Item = Cell> + '_ {
    measures.iter().map(|m| ratio(m.value))
}

fn headers(fixed: &[&str], measures: &[Measure]) -> Vec<String> {
    fixed
        .iter()
        .map(|s| (*s).to_owned())
        .chain(measures.iter().map(|m| m.indicator.label().to_owned()))
        .collect()
}

/// The common query of the monthly area reports.
async fn area_scope(
    state: &AppState,
    principal: &Principal,
    query: &ReportQuery,
) -> ApiResult<(reports::ReportScope, Month)> {
    let month = reports::parse_month(&query.month)?;
    let scope = reports::scope(&state.db, principal, query.area.as_deref(), query.by).await?;
    Ok((scope, month))
}

fn nutrition_sheets(report: &NutritionReport) -> Vec<Sheet> {
    let fixed = [
        "kode",
        "wilayah",
        "ditimbang",
        "diukur PB/TB",
        "BB/PB-TB",
        "BB/U",
        "stunting",
        "wasting",
        "underweight",
        "overweight",
    ];
    let line = |area: Vec<Cell>, c: &NutritionCounts, m: &[Measure]| {
        let mut line = area;
        line.extend(
            [
                c.weighed,
                c.measured_length,
                c.measured_wflh,
                c.measured_wfa,
                c.stunting,
                c.wasting,
                c.underweight,
                c.overweight,
            ]
            .map(Cell::from),
        );
        line.extend(measure_cells(m));
        line
    };
    let heading = title("Status gizi", &report.area, &report.month);
    let mut main = Sheet::new(
        "Status gizi",
        heading.clone(),
        headers(&fixed, &report.total.measures),
    );
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        main.push(line(area_cells(&row.area), &row.counts, &row.measures));
    }
    let mut fixed_trend = fixed.to_vec();
    fixed_trend[0] = "bulan";
    fixed_trend.remove(1);
    let mut trend = Sheet::new(
        "Tren 12 bulan",
        format!("{heading}: 12 bulan terakhir"),
        headers(&fixed_trend, &report.total.measures),
    );
    for m in &report.trend {
        trend.push(line(vec![m.month.clone().into()], &m.counts, &m.measures));
    }
    vec![main, trend]
}

/// Nutrition status of an area for a month: stunting, wasting, underweight
/// and overweight prevalence among the children weighed (each child once, by
/// the month's last weighing; z-scores flagged implausible left out), by
/// sub-area, with the whole area's trend over the 12 months ending with it.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (NutritionReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/nutrition")]
pub async fn nutrition_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, month) = area_scope(&state, &principal, &query).await?;
    let report = reports::nutrition::report(&state.db, &principal, &scope, month).await?;
    let stem = format!("gizi-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        nutrition_sheets(&report)
    })
}

/// The 12-month trend of stunting, wasting and underweight of an area as
/// SVG, with the stunting target.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses((status = 200, description = "SVG picture", content_type = "image/svg+xml", body = String)),
    security(("bearer" = [])))]
#[get("/reports/nutrition/chart.svg")]
pub async fn nutrition_chart(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, month) = area_scope(&state, &principal, &query).await?;
    let report = reports::nutrition::report(&state.db, &principal, &scope, month).await?;
    let labels: Vec<String> = report.trend.iter().map(|m| m.month.clone()).collect();
    let series: Vec<Series> = [
        Indicator::Stunting,
        Indicator::Wasting,
        Indicator::Underweight,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, indicator)| Series {
        name: indicator.label().to_owned(),
        points: report.trend.iter().map(|m| m.measures[i].value).collect(),
    })
    .collect();
    let target = report.total.measures[0].target;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body(charts::trend_line(
            &format!("Status gizi {}", report.area.name),
            &labels,
            &series,
            target,
            true,
        )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Month, e.g. `2026-11`.
    pub month: String,
    /// Region code, puskesmas code or posyandu registration number; the
    /// caller's own area when omitted.
    pub area: Option<String>,
    /// Which children: stunting, wasting, underweight, overweight, bgm,
    /// two_t, absent.
    pub kind: CaseKind,
    pub format: Option<Format>,
}

/// The children behind a number of the nutrition or SKDN report, by name
/// (needs `read:people` as well as `read:reports`): e.g. the stunted
/// children of a desa this month, with their last weighing, or the absent
/// (K − D) children to visit at home.
#[utoipa::path(tag = "reports", params(CasesQuery),
    responses(
        (status = 200, description = "The children", content(
            (Vec<NutritionCase> = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid, or the list is too long", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/nutrition/cases")]
pub async fn nutrition_cases(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<CasesQuery>,
) -> ApiResult<HttpResponse> {
    let month = reports::parse_month(&query.month)?;
    let scope = reports::scope(&state.db, &principal, query.area.as_deref(), None).await?;
    let cases = reports::nutrition::cases(&state.db, &principal, &scope, month, query.kind).await?;
    let stem = format!("anak-{}-{}-{month}", query.kind.as_str(), scope.area.code);
    answer(query.format.unwrap_or_default(), &cases, &stem, || {
        let mut sheet = Sheet::new(
            "Daftar anak",
            format!("{} {} {month}", query.kind.as_str(), scope.area.name),
            [
                "kode",
                "nama",
                "L/P",
                "tgl lahir",
                "posyandu",
                "desa",
                "tgl timbang",
                "BB (kg)",
                "PB/TB (cm)",
                "z BB/U",
                "z PB/U",
                "z BB/PB",
                "status KMS",
            ],
        );
        let number = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Number);
        for c in &cases {
            sheet.push(vec![
                c.code.clone().into(),
                c.name.clone().into(),
                format!("{:?}", c.sex).into(),
                Cell::Date(c.birth_date),
                c.posyandu.name.clone().into(),
                c.desa_code.clone().into(),
                c.measured_on.map_or(Cell::Empty, Cell::Date),
                number(c.weight_kg),
                number(c.length_cm),
                number(c.z_wfa),
                number(c.z_lhfa),
                number(c.z_wflh),
                c.kms_status.clone().map_or(Cell::Empty, Cell::from),
            ]);
        }
        vec![sheet]
    })
}

fn maternal_sheets(report: &MaternalReport) -> Vec<Sheet> {
    let fixed = [
        "kode",
        "wilayah",
        "bumil",
        "TM I",
        "TM II",
        "TM III",
        "K1",
        "K1 TM I",
        "selesai",
        "K4",
        "K6",
        "diperiksa",
        "KEK",
        "anemia",
        "risiko tinggi",
        "lahir",
        "lahir ditimbang",
        "BBLR",
    ];
    let mut sheet = Sheet::new(
        "Kesehatan ibu",
        title("Kesehatan ibu", &report.area, &report.month),
        headers(&fixed, &report.total.measures),
    );
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        let c = &row.counts;
        let mut line = area_cells(&row.area);
        line.extend(
            [
                c.pregnancies,
                c.trimester_1,
                c.trimester_2,
                c.trimester_3,
                c.k1,
                c.k1_first_trimester,
                c.completed,
                c.k4,
                c.k6,
                c.seen,
                c.kek,
                c.anaemia,
                c.high_risk,
                c.births,
                c.births_weighed,
                c.low_birth_weight,
            ]
            .map(Cell::from),
        );
        line.extend(measure_cells(&row.measures));
        sheet.push(line);
    }
    vec![sheet]
}

/// Maternal care of an area for a month: pregnancies by trimester; K1 and K1
/// in trimester I among the month's pregnancies; K4 and K6 among those that
/// ended in it; KEK and anaemia among those seen; high risk; births and low
/// birth weight.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (MaternalReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/maternal")]
pub async fn maternal_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, month) = area_scope(&state, &principal, &query).await?;
    let report = reports::maternal::report(&state.db, &principal, &scope, month).await?;
    let stem = format!("ibu-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        maternal_sheets(&report)
    })
}

fn immunisation_sheets(report: &ImmunisationReport) -> Vec<Sheet> {
    let fixed = [
        "kode",
        "wilayah",
        "kohort 12-23 bln",
        "IDL",
        "DPT-HB-Hib 1",
        "MR 1",
        "putaran vit A",
        "sasaran vit A",
        "dapat vit A",
    ];
    let heading = title("Imunisasi", &report.area, &report.month);
    let mut main = Sheet::new(
        "Imunisasi",
        heading.clone(),
        headers(&fixed, &report.total.measures),
    );
    let mut antigen_headers = vec!["kode".to_owned(), "wilayah".to_owned()];
    antigen_headers.extend(
        report
            .total
            .antigens
            .iter()
            .map(|a| format!("{} {}", a.antigen, a.dose)),
    );
    let mut antigens = Sheet::new(
        "Cakupan antigen",
        format!("{heading}: cakupan per antigen pada kohort 12-23 bulan"),
        antigen_headers,
    );
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        let c = &row.counts;
        let mut line = area_cells(&row.area);
        line.extend([c.cohort, c.idl, c.dpt_hb_hib_1, c.mr_1].map(Cell::from));
        line.push(c.vitamin_a_round.clone().into());
        line.extend([c.vitamin_a_eligible, c.vitamin_a_given].map(Cell::from));
        line.extend(measure_cells(&row.measures));
        main.push(line);
        let mut line = area_cells(&row.area);
        // Columns follow the total's antigens; a row lacking one (JE) is empty.
        for a in &report.total.antigens {
            let own = row
                .antigens
                .iter()
                .find(|x| x.antigen == a.antigen && x.dose == a.dose);
            line.push(ratio(own.and_then(|x| x.coverage)));
        }
        antigens.push(line);
    }
    vec![main, antigens]
}

/// Immunisation of an area for a month: coverage of each antigen and of
/// imunisasi dasar lengkap in the cohort aged 12–23 months at the month's
/// end, the DPT-HB-Hib 1 → MR 1 dropout, and the coverage of the latest
/// vitamin A round (February or August).
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (ImmunisationReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/immunisation")]
pub async fn immunisation_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, month) = area_scope(&state, &principal, &query).await?;
    let report = reports::immunisation::report(&state.db, &principal, &scope, month).await?;
    let stem = format!("imunisasi-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        immunisation_sheets(&report)
    })
}

/// Population and insurance of an area for a month: newcomers, moves,
/// deaths and births; people of families in desil 1–5 without BPJS (today)
/// and people who lost PBI in the month. The people behind the last two are
/// listed by `GET /population/uninsured-poor` and `/population/lost-pbi`.
#[utoipa::path(tag = "reports", params(ReportQuery),
    responses(
        (status = 200, description = "The report", content(
            (PopulationReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/population")]
pub async fn population_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, month) = area_scope(&state, &principal, &query).await?;
    let report = reports::population::report(&state.db, &principal, &scope, month).await?;
    let stem = format!("penduduk-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        let mut sheet = Sheet::new(
            "Penduduk",
            title("Penduduk dan JKN", &report.area, &report.month),
            [
                "kode",
                "wilayah",
                "datang",
                "pindah",
                "meninggal",
                "lahir",
                "desil 1-5 tanpa BPJS",
                "keluar PBI",
            ],
        );
        for row in report.rows.iter().chain(std::iter::once(&report.total)) {
            let c = &row.counts;
            let mut line = area_cells(&row.area);
            line.extend(
                [
                    c.arrived,
                    c.moved,
                    c.deceased,
                    c.born,
                    c.uninsured_poor,
                    c.lost_pbi,
                ]
                .map(Cell::from),
            );
            sheet.push(line);
        }
        vec![sheet]
    })
}

fn institution_sheets(report: &InstitutionReport) -> Vec<Sheet> {
    let heading = title("Kelembagaan posyandu", &report.area, &report.month);
    let mut headers: Vec<String> = [
        "kode",
        "posyandu",
        "desa",
        "puskesmas",
        "strata",
        "alasan",
        "buka (bulan)",
        "kader bertugas",
        "D/S",
        "cakupan",
        "program tambahan",
        "dana sehat",
        "kader aktif",
        "kader terlatih",
        "no SK",
        "tgl SK",
        "SK berlaku",
        "ada bidan desa",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(SpmField::ALL.map(|f| format!("kegiatan {}", f.as_str())));
    let mut sheet = Sheet::new("Strata posyandu", heading.clone(), headers);
    for p in &report.posyandu {
        let mut line: Vec<Cell> = vec![
            p.posyandu.code.clone().into(),
            p.posyandu.name.clone().into(),
            p.desa.name.clone().into(),
            p.puskesmas.name.clone().into(),
            p.strata.as_str().into(),
            p.reasons.join(" ").into(),
            p.openings.into(),
            Cell::Number(p.kader_on_duty),
            ratio(p.ds),
            ratio(p.coverage),
            p.extra_programmes.into(),
            ratio(p.health_fund),
            p.active_kader.into(),
            p.trained_kader.into(),
            p.sk_number.clone().map_or(Cell::Empty, Cell::from),
            p.sk_date.map_or(Cell::Empty, Cell::Date),
            p.sk_valid.into(),
            p.desa_has_bidan.map_or(Cell::Empty, Cell::Bool),
        ];
        line.extend(p.spm.iter().map(|s| Cell::Int(s.activities)));
        sheet.push(line);
    }
    let s = &report.summary;
    let mut summary = Sheet::new(
        "Ringkasan",
        format!("{heading}: ringkasan"),
        [
            "posyandu",
            "pratama",
            "madya",
            "purnama",
            "mandiri",
            "posyandu aktif",
            "kader aktif",
            "kader terlatih",
            "SK tidak berlaku",
        ],
    );
    summary.push(vec![
        s.posyandu.into(),
        s.pratama.into(),
        s.madya.into(),
        s.purnama.into(),
        s.mandiri.into(),
        ratio(s.aktif.as_ref().and_then(|m| m.value)),
        s.active_kader.into(),
        s.trained_kader.into(),
        s.sk_invalid.into(),
    ]);
    let mut desa = Sheet::new(
        "Desa tanpa bidan",
        format!("{heading}: desa tanpa bidan desa"),
        ["kode", "desa"],
    );
    for d in &report.desa_without_bidan {
        desa.push(area_cells(d));
    }
    vec![sheet, summary, desa]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstitutionQuery {
    /// The last month of the year looked at, e.g. `2026-11`.
    pub month: String,
    /// Region code, puskesmas code or posyandu registration number; the
    /// caller's own area when omitted.
    pub area: Option<String>,
    pub format: Option<Format>,
}

/// The posyandu institution of an area: each posyandu's strata from the 12
/// months ending with `month` (openings, kader on duty, D/S, KIA and
/// immunisation coverage, extra programmes, health fund) with the reasons
/// for its level, its active and trained kader, its SK, the SPM fields it
/// serves and the activities recorded for them; and the desa without a
/// bidan desa.
#[utoipa::path(tag = "reports", params(InstitutionQuery),
    responses(
        (status = 200, description = "The report", content(
            (InstitutionReport = "application/json"),
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 403, description = "The area is outside the caller's", body = openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid", body = openapi::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/reports/institution")]
pub async fn institution_report(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<InstitutionQuery>,
) -> ApiResult<HttpResponse> {
    let month = reports::parse_month(&query.month)?;
    let scope = reports::scope(
        &state.db,
        &principal,
        query.area.as_deref(),
        Some(AreaKind::Posyandu),
    )
    .await?;
    let report = reports::institution::report(&state.db, &principal, &scope, month).await?;
    let stem = format!("strata-{}-{}", report.area.code, report.month);
    answer(query.format.unwrap_or_default(), &report, &stem, || {
        institution_sheets(&report)
    })
}
