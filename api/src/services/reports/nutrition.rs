//! Nutrition status: stunting, wasting, underweight and overweight among the
//! children weighed, by area and month, with the 12-month trend; and the
//! named list behind each number.
//!
//! One grouped read covers the whole report: the 12 months' rows of
//! `child_month` (each weighed child's last weighing of the month) of the
//! area, grouped by posyandu and month. A z-score the growth engine flagged
//! implausible is left out of that indicator's numerator and denominator
//! (as WHO's anthro does), so one mistyped length does not make a stunted
//! child.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{child, child_month, person, weighing};
use openapi::Scope;
use openapi::reports::{
    CaseKind, Indicator, Measure, NutritionCase, NutritionCounts, NutritionMonth, NutritionReport,
    NutritionRow,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::{
    Directory, ReportScope, Tally, children_with_person, count_if, living_on, under_five_on,
};
use crate::auth::Principal;
use crate::domain::reports::{self as rules, Month, Targets};
use crate::error::{ApiError, ApiResult};
use crate::services::people::parse_sex;

/// Months in the trend.
pub const TREND_MONTHS: u32 = 12;

/// At most this many children in one named list: a kabupaten's stunting
/// list fits; a list longer than this is a sign to ask for a smaller area.
pub const MAX_CASES: u64 = 5000;

impl Tally for NutritionCounts {
    fn add(&mut self, o: &Self) {
        self.weighed += o.weighed;
        self.measured_length += o.measured_length;
        self.measured_wflh += o.measured_wflh;
        self.measured_wfa += o.measured_wfa;
        self.stunting += o.stunting;
        self.wasting += o.wasting;
        self.underweight += o.underweight;
        self.overweight += o.overweight;
    }
}

/// The prevalence measures of some counts.
pub fn measures(c: &NutritionCounts, targets: &Targets) -> Vec<Measure> {
    vec![
        rules::measure(Indicator::Stunting, c.stunting, c.measured_length, targets),
        rules::measure(Indicator::Wasting, c.wasting, c.measured_wflh, targets),
        rules::measure(
            Indicator::Underweight,
            c.underweight,
            c.measured_wfa,
            targets,
        ),
        rules::measure(
            Indicator::Overweight,
            c.overweight,
            c.measured_wflh,
            targets,
        ),
    ]
}

fn m(column: child_month::Column) -> Expr {
    Expr::col((child_month::Entity, column))
}

/// A usable z-score: recorded and not flagged implausible.
fn usable(z: child_month::Column, flag: &str) -> Expr {
    m(z).is_not_null()
        .and(m(child_month::Column::Implausible).not_like(format!("%{flag}%")))
}

/// The condition a child's month row meets to be counted as `kind` (the
/// numerator of the report's prevalences, and the named list behind it).
fn is_case(kind: CaseKind) -> Expr {
    let below = |z: child_month::Column, flag: &str| usable(z, flag).and(m(z).lt(-2.0));
    match kind {
        CaseKind::Stunting => below(child_month::Column::ZLhfa, "lhfa"),
        CaseKind::Wasting => below(child_month::Column::ZWflh, "wflh"),
        CaseKind::Underweight => below(child_month::Column::ZWfa, "wfa"),
        CaseKind::Overweight => {
            usable(child_month::Column::ZWflh, "wflh").and(m(child_month::Column::ZWflh).gt(2.0))
        }
        CaseKind::Bgm => m(child_month::Column::Bgm).eq(true),
        CaseKind::TwoT => m(child_month::Column::TwoT).eq(true),
        CaseKind::Absent => unreachable!("absent children have no weighing"),
    }
}

/// `CASE WHEN measured_on <= end(m0) THEN v(0) WHEN ... ELSE otherwise END`
/// over `months`. `otherwise` is a NULL of the values' type: PostgreSQL
/// will not mix an integer CASE with an untyped NULL.
fn by_month(months: &[Month], otherwise: Expr, value: impl Fn(usize, Month) -> Expr) -> Expr {
    let on = m(child_month::Column::MeasuredOn);
    let mut case = Expr::case(on.clone().lte(months[0].last_day()), value(0, months[0]));
    for (i, month) in months.iter().enumerate().skip(1) {
        case = case.case(on.clone().lte(month.last_day()), value(i, *month));
    }
    case.finally(otherwise).into()
}

/// Each weighed child's last weighing of each month of `months` in the
/// area: the rows of `child_month` (one per child and month, kept by
/// `services::child_months`) the month's figures are taken from.
pub(super) fn last_of_month(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let first = months[0].first_day();
    let last = months[months.len() - 1].last_day();
    Query::select()
        .from(child_month::Entity)
        .cond_where(scope.condition::<child_month::Entity>())
        .and_where(m(child_month::Column::MeasuredOn).gte(first))
        .and_where(m(child_month::Column::MeasuredOn).lte(last))
        .to_owned()
}

#[derive(Debug, FromQueryResult)]
struct MonthGroup {
    posyandu_id: Uuid,
    month_index: i32,
    weighed: i64,
    measured_length: i64,
    measured_wflh: i64,
    measured_wfa: i64,
    stunting: i64,
    wasting: i64,
    underweight: i64,
    overweight: i64,
}

fn counts_query(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let mut query = last_of_month(scope, months);
    query
        .expr_as(
            m(child_month::Column::PosyanduId),
            Alias::new("posyandu_id"),
        )
        .expr_as(
            by_month(months, Expr::val(None::<i32>), |i, _| Expr::val(i as i32)),
            Alias::new("month_index"),
        )
        .expr_as(
            Func::count(m(child_month::Column::ChildId)),
            Alias::new("weighed"),
        )
        .expr_as(
            count_if(usable(child_month::Column::ZLhfa, "lhfa")),
            Alias::new("measured_length"),
        )
        .expr_as(
            count_if(usable(child_month::Column::ZWflh, "wflh")),
            Alias::new("measured_wflh"),
        )
        .expr_as(
            count_if(usable(child_month::Column::ZWfa, "wfa")),
            Alias::new("measured_wfa"),
        )
        .expr_as(
            count_if(is_case(CaseKind::Stunting)),
            Alias::new("stunting"),
        )
        .expr_as(count_if(is_case(CaseKind::Wasting)), Alias::new("wasting"))
        .expr_as(
            count_if(is_case(CaseKind::Underweight)),
            Alias::new("underweight"),
        )
        .expr_as(
            count_if(is_case(CaseKind::Overweight)),
            Alias::new("overweight"),
        )
        .add_group_by([Expr::cust("1"), Expr::cust("2")]);
    query
}

/// Per posyandu, the counts of each month of `months`.
pub async fn per_posyandu(
    db: &DatabaseConnection,
    scope: &ReportScope,
    months: &[Month],
) -> ApiResult<HashMap<Uuid, Vec<NutritionCounts>>> {
    let backend = db.get_database_backend();
    let rows = MonthGroup::find_by_statement(backend.build(&counts_query(scope, months)))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<NutritionCounts>> = HashMap::new();
    for row in rows {
        let Some(index) = usize::try_from(row.month_index)
            .ok()
            .filter(|i| *i < months.len())
        else {
            continue;
        };
        let slot = &mut out
            .entry(row.posyandu_id)
            .or_insert_with(|| vec![NutritionCounts::default(); months.len()])[index];
        slot.add(&NutritionCounts {
            weighed: row.weighed,
            measured_length: row.measured_length,
            measured_wflh: row.measured_wflh,
            measured_wfa: row.measured_wfa,
            stunting: row.stunting,
            wasting: row.wasting,
            underweight: row.underweight,
            overweight: row.overweight,
        });
    }
    Ok(out)
}

/// The nutrition report of an area for a month, with the trend of the 12
/// months ending with it.
pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<NutritionReport> {
    principal.require(Scope::ReadReports)?;
    let months = month.window(TREND_MONTHS);
    let link = format!("/api/v1/reports/nutrition?month={month}");
    let (directory, figures, targets) = futures_util::future::try_join3(
        Directory::load(db, scope, link),
        per_posyandu(db, scope, &months),
        super::targets::in_force(db, &scope.area, month.year),
    )
    .await?;
    let latest: HashMap<Uuid, NutritionCounts> = figures
        .iter()
        .map(|(id, by_month)| (*id, by_month[months.len() - 1].clone()))
        .collect();
    let breakdown = directory.breakdown(scope, &latest);
    let mut trend = vec![NutritionCounts::default(); months.len()];
    for place in directory.places() {
        if let Some(by_month) = figures.get(&place.id) {
            for (slot, counts) in trend.iter_mut().zip(by_month) {
                slot.add(counts);
            }
        }
    }
    let row = |area, counts: NutritionCounts| NutritionRow {
        area,
        measures: measures(&counts, &targets),
        counts,
    };
    Ok(NutritionReport {
        total: row(breakdown.area.clone(), breakdown.total),
        area: breakdown.area,
        month: month.to_string(),
        by: scope.by,
        rows: breakdown
            .rows
            .into_iter()
            .map(|(area, counts)| row(area, counts))
            .collect(),
        trend: months
            .iter()
            .zip(trend)
            .map(|(m, counts)| NutritionMonth {
                month: m.to_string(),
                measures: measures(&counts, &targets),
                counts,
            })
            .collect(),
    })
}

#[derive(Debug, FromQueryResult)]
struct CaseRow {
    child_id: Uuid,
    code: String,
    name: String,
    sex: String,
    birth_date: NaiveDate,
    posyandu_id: Uuid,
    desa_code: String,
    measured_on: Option<NaiveDate>,
    weight_kg: Option<f64>,
    length_cm: Option<f64>,
    z_wfa: Option<f64>,
    z_lhfa: Option<f64>,
    z_wflh: Option<f64>,
    kms_status: Option<String>,
}

fn w(column: weighing::Column) -> Expr {
    Expr::col((weighing::Entity, column))
}

fn p(column: person::Column) -> Expr {
    Expr::col((person::Entity, column))
}

/// The month's weighed children of one kind, with their last weighing.
fn weighed_cases(scope: &ReportScope, month: Month, kind: CaseKind) -> SelectStatement {
    let condition = is_case(kind);
    let mut query = last_of_month(scope, &[month]);
    query
        .expr_as(m(child_month::Column::ChildId), Alias::new("child_id"))
        .expr_as(p(person::Column::Code), Alias::new("code"))
        .expr_as(p(person::Column::Name), Alias::new("name"))
        .expr_as(p(person::Column::Sex), Alias::new("sex"))
        .expr_as(p(person::Column::BirthDate), Alias::new("birth_date"))
        .expr_as(
            m(child_month::Column::PosyanduId),
            Alias::new("posyandu_id"),
        )
        .expr_as(m(child_month::Column::DesaCode), Alias::new("desa_code"))
        .expr_as(
            m(child_month::Column::MeasuredOn),
            Alias::new("measured_on"),
        )
        .expr_as(w(weighing::Column::WeightKg), Alias::new("weight_kg"))
        .expr_as(w(weighing::Column::LengthCm), Alias::new("length_cm"))
        .expr_as(m(child_month::Column::ZWfa), Alias::new("z_wfa"))
        .expr_as(m(child_month::Column::ZLhfa), Alias::new("z_lhfa"))
        .expr_as(m(child_month::Column::ZWflh), Alias::new("z_wflh"))
        .expr_as(m(child_month::Column::KmsStatus), Alias::new("kms_status"))
        .inner_join(
            person::Entity,
            p(person::Column::Id).equals((child_month::Entity, child_month::Column::ChildId)),
        )
        .inner_join(
            weighing::Entity,
            w(weighing::Column::Id).equals((child_month::Entity, child_month::Column::WeighingId)),
        )
        .and_where(condition)
        .order_by(
            (child_month::Entity, child_month::Column::PosyanduId),
            Order::Asc,
        )
        .order_by((person::Entity, person::Column::NameFolded), Order::Asc)
        .limit(MAX_CASES + 1);
    query
}

/// Children with a KMS or Buku KIA, 0–59 months and living here at the
/// month's end, without a weighing in the month (K − D, by name).
fn absent_cases(scope: &ReportScope, month: Month) -> SelectStatement {
    let (first, last) = (month.first_day(), month.last_day());
    let c = |column: child::Column| Expr::col((child::Entity, column));
    let none = Expr::val(None::<f64>);
    children_with_person(scope)
        .expr_as(c(child::Column::PersonId), Alias::new("child_id"))
        .expr_as(p(person::Column::Code), Alias::new("code"))
        .expr_as(p(person::Column::Name), Alias::new("name"))
        .expr_as(p(person::Column::Sex), Alias::new("sex"))
        .expr_as(p(person::Column::BirthDate), Alias::new("birth_date"))
        .expr_as(c(child::Column::PosyanduId), Alias::new("posyandu_id"))
        .expr_as(c(child::Column::DesaCode), Alias::new("desa_code"))
        .expr_as(Expr::val(None::<NaiveDate>), Alias::new("measured_on"))
        .expr_as(none.clone(), Alias::new("weight_kg"))
        .expr_as(none.clone(), Alias::new("length_cm"))
        .expr_as(none.clone(), Alias::new("z_wfa"))
        .expr_as(none.clone(), Alias::new("z_lhfa"))
        .expr_as(none, Alias::new("z_wflh"))
        .expr_as(Expr::val(None::<String>), Alias::new("kms_status"))
        .and_where(
            c(child::Column::KmsHeld)
                .eq(true)
                .or(c(child::Column::BukuKiaHeld).eq(true)),
        )
        .and_where(under_five_on(last))
        .and_where(living_on(last))
        .and_where(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(child_month::Entity)
                    .and_where(
                        m(child_month::Column::ChildId)
                            .equals((child::Entity, child::Column::PersonId)),
                    )
                    .and_where(m(child_month::Column::Month).eq(first))
                    .to_owned(),
            )
            .not(),
        )
        .order_by((child::Entity, child::Column::PosyanduId), Order::Asc)
        .order_by((person::Entity, person::Column::NameFolded), Order::Asc)
        .limit(MAX_CASES + 1)
        .to_owned()
}

/// The children behind one number of the month: names, so it needs
/// `read:people` as well as `read:reports`.
pub async fn cases(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
    kind: CaseKind,
) -> ApiResult<Vec<NutritionCase>> {
    principal.require(Scope::ReadReports)?;
    principal.require(Scope::ReadPeople)?;
    let statement = match kind {
        CaseKind::Absent => absent_cases(scope, month),
        _ => weighed_cases(scope, month, kind),
    };
    let backend = db.get_database_backend();
    let (directory, rows) =
        futures_util::future::try_join(Directory::load(db, scope, String::new()), async {
            Ok(CaseRow::find_by_statement(backend.build(&statement))
                .all(db)
                .await?)
        })
        .await?;
    if rows.len() as u64 > MAX_CASES {
        return Err(ApiError::field(
            "area",
            "too_many",
            format!(
                "More than {MAX_CASES} children are on this list; ask for a smaller area (a kecamatan, puskesmas or desa)."
            ),
        ));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let posyandu = match directory.place(row.posyandu_id) {
                Some(place) => directory.report_area(
                    openapi::AreaKind::Posyandu,
                    &place.kode,
                    place.name.clone(),
                ),
                None => directory.report_area(
                    openapi::AreaKind::Posyandu,
                    &row.posyandu_id.to_string(),
                    String::new(),
                ),
            };
            NutritionCase {
                child_id: row.child_id,
                code: row.code,
                name: row.name,
                sex: parse_sex(&row.sex),
                birth_date: row.birth_date,
                posyandu,
                desa_code: row.desa_code,
                measured_on: row.measured_on,
                weight_kg: row.weight_kg,
                length_cm: row.length_cm,
                z_wfa: row.z_wfa,
                z_lhfa: row.z_lhfa,
                z_wflh: row.z_wflh,
                kms_status: row.kms_status,
            }
        })
        .collect())
}
