//! SKDN / F1 gizi: two grouped reads per report, whatever the area's size.
//!
//! - S and K from the children (joined to their person for the birth date,
//!   sex and whether they still live here), grouped by posyandu, sex and
//!   age group;
//! - D, N, T, O, B, 2T and BGM from `child_month`, grouped the same way: one
//!   row per child weighed in the month, its last weighing of the month
//!   (a child weighed twice counts once), kept in the same transaction as
//!   every weighing change (see `services::child_months`).
//!
//! `ix_child_month_kabupaten` (and its province, kecamatan, desa,
//! puskesmas and posyandu siblings, all on (area, measured_on)) finds the
//! month's rows of an area; `ix_child_kabupaten` and its siblings its
//! children.
use std::collections::HashMap;

use entity::{child, child_month, person};
use openapi::Scope;
use openapi::growth::Sex;
use openapi::reports::{AgeGroup, SkdnCounts, SkdnGroup, SkdnReport, SkdnRow};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::{Directory, ReportScope, children_with_person, count_if, living_on, under_five_on};
use crate::auth::Principal;
use crate::domain::reports::{self as rules, Month, Targets};
use crate::error::ApiResult;

/// `GROUP BY 1, 2, 3`: by position, because the age group is a CASE with
/// bound dates that PostgreSQL would not match to a repeated copy of it,
/// and a bare alias is ambiguous on SQLite where the join has the column too.
fn by_first_three() -> [Expr; 3] {
    [Expr::cust("1"), Expr::cust("2"), Expr::cust("3")]
}

/// The age group index (0–3) of a birth date column on `on`, in SQL.
fn age_group_sql(birth: Expr, on: chrono::NaiveDate) -> Expr {
    let bounds = rules::age_group_bounds(on);
    Expr::case(birth.clone().gt(bounds[1]), 0)
        .case(birth.clone().gt(bounds[2]), 1)
        .case(birth.gt(bounds[3]), 2)
        .finally(3)
        .into()
}

#[derive(Debug, FromQueryResult)]
struct ChildGroup {
    posyandu_id: Uuid,
    sex: String,
    age_group: i32,
    s: i64,
    k: i64,
}

#[derive(Debug, FromQueryResult)]
struct WeighingGroup {
    posyandu_id: Uuid,
    sex: String,
    age_group: i32,
    d: i64,
    n: i64,
    t: i64,
    o: i64,
    b: i64,
    two_t: i64,
    bgm: i64,
}

/// The counts of one posyandu, by (age group, sex).
type Groups = HashMap<(AgeGroup, Sex), SkdnCounts>;

fn children_query(scope: &ReportScope, month: Month) -> SelectStatement {
    let last = month.last_day();
    let birth = Expr::col((person::Entity, person::Column::BirthDate));
    let held = Expr::col((child::Entity, child::Column::KmsHeld))
        .eq(true)
        .or(Expr::col((child::Entity, child::Column::BukuKiaHeld)).eq(true));
    children_with_person(scope)
        .expr_as(
            Expr::col((child::Entity, child::Column::PosyanduId)),
            Alias::new("posyandu_id"),
        )
        .expr_as(
            Expr::col((person::Entity, person::Column::Sex)),
            Alias::new("sex"),
        )
        .expr_as(age_group_sql(birth.clone(), last), Alias::new("age_group"))
        .expr_as(
            Func::count(Expr::col((child::Entity, child::Column::PersonId))),
            Alias::new("s"),
        )
        .expr_as(count_if(held), Alias::new("k"))
        .and_where(under_five_on(last))
        .and_where(living_on(last))
        .add_group_by(by_first_three())
        .to_owned()
}

/// D and what follows from the month's rows of `child_month` (each weighed
/// child's last weighing of the month, with its sex and birth date).
fn weighings_query(scope: &ReportScope, month: Month) -> SelectStatement {
    let (first, last) = (month.first_day(), month.last_day());
    let m = |column: child_month::Column| Expr::col((child_month::Entity, column));
    let status = |code: &str| m(child_month::Column::KmsStatus).eq(code);
    Query::select()
        .expr_as(
            m(child_month::Column::PosyanduId),
            Alias::new("posyandu_id"),
        )
        .expr_as(m(child_month::Column::Sex), Alias::new("sex"))
        .expr_as(
            age_group_sql(m(child_month::Column::BirthDate), last),
            Alias::new("age_group"),
        )
        .expr_as(
            Func::count(m(child_month::Column::ChildId)),
            Alias::new("d"),
        )
        .expr_as(count_if(status("N")), Alias::new("n"))
        .expr_as(count_if(status("T")), Alias::new("t"))
        .expr_as(count_if(status("O")), Alias::new("o"))
        .expr_as(count_if(status("B")), Alias::new("b"))
        .expr_as(
            count_if(m(child_month::Column::TwoT).eq(true)),
            Alias::new("two_t"),
        )
        .expr_as(
            count_if(m(child_month::Column::Bgm).eq(true)),
            Alias::new("bgm"),
        )
        .from(child_month::Entity)
        .cond_where(scope.condition::<child_month::Entity>())
        .and_where(m(child_month::Column::MeasuredOn).gte(first))
        .and_where(m(child_month::Column::MeasuredOn).lte(last))
        .add_group_by(by_first_three())
        .to_owned()
}

fn sex_of(code: &str) -> Sex {
    if code == "P" { Sex::P } else { Sex::L }
}

fn group_of(index: i32) -> AgeGroup {
    AgeGroup::ALL[index.clamp(0, 3) as usize]
}

/// The SKDN counts of every posyandu in the scope, by age group and sex.
pub async fn per_posyandu(
    db: &DatabaseConnection,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<HashMap<Uuid, Groups>> {
    let backend = db.get_database_backend();
    let children =
        ChildGroup::find_by_statement(backend.build(&children_query(scope, month))).all(db);
    let weighed =
        WeighingGroup::find_by_statement(backend.build(&weighings_query(scope, month))).all(db);
    let (children, weighed) = futures_util::future::try_join(children, weighed).await?;
    let mut out: HashMap<Uuid, Groups> = HashMap::new();
    for row in children {
        let counts = out
            .entry(row.posyandu_id)
            .or_default()
            .entry((group_of(row.age_group), sex_of(&row.sex)))
            .or_default();
        counts.s += row.s;
        counts.k += row.k;
    }
    for row in weighed {
        let counts = out
            .entry(row.posyandu_id)
            .or_default()
            .entry((group_of(row.age_group), sex_of(&row.sex)))
            .or_default();
        counts.d += row.d;
        counts.n += row.n;
        counts.t += row.t;
        counts.o += row.o;
        counts.b += row.b;
        counts.two_t += row.two_t;
        counts.bgm += row.bgm;
    }
    Ok(out)
}

pub(super) fn add(into: &mut SkdnCounts, c: &SkdnCounts) {
    into.s += c.s;
    into.k += c.k;
    into.d += c.d;
    into.n += c.n;
    into.t += c.t;
    into.o += c.o;
    into.b += c.b;
    into.two_t += c.two_t;
    into.bgm += c.bgm;
}

fn add_groups(into: &mut Groups, from: &Groups) {
    for (key, counts) in from {
        add(into.entry(*key).or_default(), counts);
    }
}

fn row(area: openapi::reports::ReportArea, groups: &Groups, targets: &Targets) -> SkdnRow {
    let mut counts = SkdnCounts::default();
    let mut list = Vec::new();
    for age_group in AgeGroup::ALL {
        for sex in [Sex::L, Sex::P] {
            let mut c = groups.get(&(age_group, sex)).cloned().unwrap_or_default();
            add(&mut counts, &c);
            c.absent = std::cmp::max(c.k - c.d, 0);
            list.push(SkdnGroup {
                age_group,
                sex,
                counts: c,
            });
        }
    }
    // Absent children: registered but not weighed. A child weighed without
    // a KMS recorded is not "absent" twice over, hence the floor at 0.
    counts.absent = std::cmp::max(counts.k - counts.d, 0);
    SkdnRow {
        area,
        measures: rules::skdn_measures(&counts, targets),
        balanced: rules::balanced(&counts),
        counts,
        groups: list,
    }
}

/// The SKDN report of an area for a month.
pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<SkdnReport> {
    principal.require(Scope::ReadReports)?;
    let link = format!("/api/v1/reports/skdn?month={month}");
    let (directory, figures, targets) = futures_util::future::try_join3(
        Directory::load(db, scope, link),
        per_posyandu(db, scope, month),
        super::targets::in_force(db, &scope.area, month.year),
    )
    .await?;
    let groups = directory.roll_up(&figures, add_groups);
    let mut total = Groups::new();
    for g in groups.values() {
        add_groups(&mut total, g);
    }
    let rows = groups
        .iter()
        .map(|(code, g)| row(directory.area_of(code), g, &targets))
        .collect();
    let mut area =
        directory.report_area(scope.area.kind, &scope.area.code, scope.area.name.clone());
    area.drill = None;
    Ok(SkdnReport {
        total: row(area.clone(), &total, &targets),
        area,
        month: month.to_string(),
        by: scope.by,
        rows,
    })
}
