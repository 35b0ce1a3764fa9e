//! Immunisation of a month: coverage of each antigen and of imunisasi dasar
//! lengkap (IDL) in the cohort, the DPT-HB-Hib 1 → MR 1 dropout, and the
//! coverage of the vitamin A round.
//!
//! - The cohort is the children aged 12–23 completed months at the month's
//!   end who live here then: the children whose first year is over, so IDL
//!   ("every dose due by 9 months given before the first birthday") is
//!   settled for each of them. Antigen coverage counts the doses they had by
//!   the month's end.
//! - The vitamin A round is the latest February or August round begun by the
//!   month's end; its eligible children are those 6–59 months on the round's
//!   first day (less the 6–11-month-olds who had their one blue capsule
//!   already), as `domain::vitamin_a::round_state` decides.
//!
//! IDL and the round are the domain's rules applied child by child, so the
//! cohort's doses and the capsules are read (columns only, a kabupaten's
//! cohort is some 8,000 children) rather than re-stated in SQL.
use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use entity::{child, immunisation, person, vitamin_a_dose};
use openapi::Scope;
use openapi::reports::{
    AntigenCoverage, ImmunisationCounts, ImmunisationReport, ImmunisationRow, Indicator, Measure,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{Directory, ReportScope, Tally, children_with_person, living_on};
use crate::auth::Principal;
use crate::domain::immunisation::{self as schedule, GivenDose};
use crate::domain::reports::{self as rules, Month, Targets};
use crate::domain::vitamin_a::{self, Capsule, Round, RoundState};
use crate::error::{ApiError, ApiResult};

/// Per posyandu: the counts and the doses given per (antigen, dose).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub counts: ImmunisationCounts,
    pub given: HashMap<(String, u8), i64>,
}

impl Tally for Figures {
    fn add(&mut self, o: &Self) {
        let (c, d) = (&mut self.counts, &o.counts);
        c.cohort += d.cohort;
        c.idl += d.idl;
        c.dpt_hb_hib_1 += d.dpt_hb_hib_1;
        c.mr_1 += d.mr_1;
        c.vitamin_a_eligible += d.vitamin_a_eligible;
        c.vitamin_a_given += d.vitamin_a_given;
        for (key, n) in &o.given {
            *self.given.entry(key.clone()).or_default() += n;
        }
    }
}

/// The round a month reports: the latest February or August begun by its end.
pub fn round_of(month: Month) -> Option<Round> {
    Round::covering(month.last_day())
}

pub fn measures(c: &ImmunisationCounts, targets: &Targets) -> Vec<Measure> {
    vec![
        rules::measure(Indicator::Idl, c.idl, c.cohort, targets),
        rules::measure(
            Indicator::DropoutDptMr,
            std::cmp::max(c.dpt_hb_hib_1 - c.mr_1, 0),
            c.dpt_hb_hib_1,
            targets,
        ),
        rules::measure(
            Indicator::VitaminA,
            c.vitamin_a_given,
            c.vitamin_a_eligible,
            targets,
        ),
    ]
}

/// The coverage of every antigen dose of the schedule (endemic-only ones,
/// JE, only where given).
fn antigens(f: &Figures) -> Vec<AntigenCoverage> {
    schedule::schedule()
        .iter()
        .filter(|e| !e.endemic_only || f.given.contains_key(&(e.antigen.clone(), e.dose)))
        .map(|e| {
            let given = f
                .given
                .get(&(e.antigen.clone(), e.dose))
                .copied()
                .unwrap_or(0);
            AntigenCoverage {
                antigen: e.antigen.clone(),
                dose: e.dose,
                given,
                coverage: (f.counts.cohort > 0).then(|| given as f64 / f.counts.cohort as f64),
            }
        })
        .collect()
}

#[derive(Debug, FromQueryResult)]
struct ChildRow {
    person_id: Uuid,
    posyandu_id: Uuid,
    birth_date: NaiveDate,
}

fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// Children of the scope born in `(after, until]` who live here at `on`.
fn children_born(
    scope: &ReportScope,
    after: NaiveDate,
    until: NaiveDate,
    on: NaiveDate,
) -> SelectStatement {
    let birth = Expr::col((person::Entity, person::Column::BirthDate));
    children_with_person(scope)
        .expr_as(
            Expr::col((child::Entity, child::Column::PersonId)),
            Alias::new("person_id"),
        )
        .expr_as(
            Expr::col((child::Entity, child::Column::PosyanduId)),
            Alias::new("posyandu_id"),
        )
        .expr_as(birth.clone(), Alias::new("birth_date"))
        .and_where(birth.clone().gt(after))
        .and_where(birth.lte(until))
        .and_where(living_on(on))
        .to_owned()
}

/// `person_id IN (the children of the statement)`.
fn ids_of(statement: &SelectStatement) -> SelectStatement {
    let mut ids = statement.clone();
    ids.clear_selects()
        .expr(Expr::col((child::Entity, child::Column::PersonId)));
    ids
}

pub async fn per_posyandu(
    db: &DatabaseConnection,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<(HashMap<Uuid, Figures>, Option<Round>)> {
    let last = month.last_day();
    let round = round_of(month);
    let backend = db.get_database_backend();
    // The cohort: 12–23 completed months at the month's end.
    let cohort = children_born(
        scope,
        months_before(last, 24),
        months_before(last, 12),
        last,
    );
    // Children who may be 6–59 months at the round's first day.
    let round_children = round.map(|r| {
        children_born(
            scope,
            months_before(r.first_day(), 60),
            months_before(r.first_day(), 6),
            last,
        )
    });
    let doses = immunisation::Entity::find()
        .select_only()
        .columns([
            immunisation::Column::ChildId,
            immunisation::Column::Antigen,
            immunisation::Column::Dose,
            immunisation::Column::GivenOn,
        ])
        .filter(immunisation::Column::DeletedAt.is_null())
        .filter(immunisation::Column::GivenOn.lte(last))
        .filter(immunisation::Column::ChildId.in_subquery(ids_of(&cohort)))
        .into_tuple::<(Uuid, String, i32, NaiveDate)>()
        .all(db);
    let cohort_rows = ChildRow::find_by_statement(backend.build(&cohort)).all(db);
    let (cohort_rows, doses) = futures_util::future::try_join(cohort_rows, doses).await?;
    let mut given: HashMap<Uuid, Vec<GivenDose>> = HashMap::new();
    for (child_id, antigen, dose, given_on) in doses {
        given.entry(child_id).or_default().push(GivenDose {
            antigen,
            dose: u8::try_from(dose).unwrap_or(u8::MAX),
            given_on,
        });
    }
    let mut out: HashMap<Uuid, Figures> = HashMap::new();
    for row in &cohort_rows {
        let f = out.entry(row.posyandu_id).or_default();
        let own = given.get(&row.person_id).map(Vec::as_slice).unwrap_or(&[]);
        f.counts.cohort += 1;
        f.counts.idl += i64::from(schedule::idl(row.birth_date, own, last).complete);
        let mut had: Vec<(String, u8)> = own
            .iter()
            .filter_map(|g| {
                schedule::normalise_antigen(&g.antigen).map(|code| (code.to_owned(), g.dose))
            })
            .collect();
        had.sort();
        had.dedup();
        for key in had {
            *f.given.entry(key).or_default() += 1;
        }
        let has = |code: &str, dose: u8| {
            own.iter()
                .any(|g| g.dose == dose && schedule::normalise_antigen(&g.antigen) == Some(code))
        };
        f.counts.dpt_hb_hib_1 += i64::from(has("DPT-HB-Hib", 1));
        f.counts.mr_1 += i64::from(has("MR", 1));
    }
    if let (Some(round), Some(children)) = (round, round_children) {
        let capsules = vitamin_a_dose::Entity::find()
            .select_only()
            .columns([
                vitamin_a_dose::Column::PersonId,
                vitamin_a_dose::Column::GivenOn,
                vitamin_a_dose::Column::Capsule,
            ])
            .filter(vitamin_a_dose::Column::DeletedAt.is_null())
            .filter(vitamin_a_dose::Column::Postpartum.eq(false))
            .filter(vitamin_a_dose::Column::GivenOn.lte(last))
            .filter(vitamin_a_dose::Column::PersonId.in_subquery(ids_of(&children)))
            .into_tuple::<(Uuid, NaiveDate, String)>()
            .all(db);
        let rows = ChildRow::find_by_statement(backend.build(&children)).all(db);
        let (rows, capsules) = futures_util::future::try_join(rows, capsules).await?;
        let mut by_child: HashMap<Uuid, Vec<(NaiveDate, Capsule)>> = HashMap::new();
        for (person_id, on, capsule) in capsules {
            let capsule = if capsule == "blue" {
                Capsule::Blue
            } else {
                Capsule::Red
            };
            by_child.entry(person_id).or_default().push((on, capsule));
        }
        for row in &rows {
            let own = by_child
                .get(&row.person_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let f = out.entry(row.posyandu_id).or_default();
            match vitamin_a::round_state(row.birth_date, own, round, last) {
                RoundState::NotEligible => {}
                RoundState::Given { .. } => {
                    // A capsule given is counted, and its child with it: a
                    // child dosed a little early still had the round.
                    f.counts.vitamin_a_eligible += 1;
                    f.counts.vitamin_a_given += 1;
                }
                RoundState::Due | RoundState::Missed => f.counts.vitamin_a_eligible += 1,
            }
        }
    }
    Ok((out, round))
}

pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<ImmunisationReport> {
    principal.require(Scope::ReadReports)?;
    let link = format!("/api/v1/reports/immunisation?month={month}");
    let (directory, (figures, round), targets) = futures_util::future::try_join3(
        Directory::load(db, scope, link),
        per_posyandu(db, scope, month),
        super::targets::in_force(db, &scope.area, month.year),
    )
    .await?;
    let round = round.map(|r| r.to_string()).ok_or_else(|| {
        ApiError::field("month", "invalid", "No vitamin A round before this month.")
    })?;
    let breakdown = directory.breakdown(scope, &figures);
    let row = |area, mut f: Figures| {
        f.counts.vitamin_a_round = round.clone();
        ImmunisationRow {
            area,
            antigens: antigens(&f),
            measures: measures(&f.counts, &targets),
            counts: f.counts,
        }
    };
    Ok(ImmunisationReport {
        total: row(breakdown.area.clone(), breakdown.total),
        area: breakdown.area,
        month: month.to_string(),
        by: scope.by,
        rows: breakdown
            .rows
            .into_iter()
            .map(|(area, f)| row(area, f))
            .collect(),
    })
}
