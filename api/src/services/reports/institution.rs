//! The posyandu as an institution: its strata from a year of data (the 12
//! months ending with the report's month), its kader, its SK, the SPM
//! fields it serves with the activities recorded for them, and the desa
//! without a bidan desa.
//!
//! The year's inputs of each posyandu, each from one grouped read:
//! - openings: months with at least one weighing;
//! - D/S: per month, children weighed over the children 0–59 months living
//!   there at the month's end, averaged over the months it opened;
//! - kader on duty: kader active at each month's end, averaged over the 12;
//! - coverage: the lower of K4 (pregnancies completed in the year) and IDL
//!   (the cohort 12–23 months at the year's end), the KIA and immunisation
//!   sides of "cumulative coverage";
//! - extra programmes: SPM fields other than health with an activity;
//! - health fund: households in the fund among households, for the
//!   report month's year.
//!
//! `domain::reports::strata` turns them into a level and its reasons.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::{child, child_month, desa_profile, kader, posyandu_activity, posyandu_health_fund};
use openapi::areas::SpmField;
use openapi::reports::{
    Indicator, InstitutionReport, PosyanduInstitution, ReportArea, SpmFieldActivity, StrataSummary,
};
use openapi::{AreaKind, Scope};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
};
use uuid::Uuid;

use super::{Directory, ReportScope, children_with_person, count_if, living_on, under_five_on};
use crate::auth::Principal;
use crate::domain::reports::{self as rules, Month, StrataInput};
use crate::domain::wilayah::RegionIndex;
use crate::error::ApiResult;

/// Months in the year the strata look at.
const YEAR: u32 = 12;

/// The year's inputs of one posyandu.
#[derive(Debug, Clone, Default)]
struct Year {
    /// Children weighed per month (None: not opened).
    weighed: Vec<i64>,
    /// Children 0–59 months at each month's end.
    children: Vec<i64>,
    kader_by_month: Vec<i64>,
    active_kader: i64,
    trained_kader: i64,
    /// (activities, people) per SPM field.
    activities: HashMap<String, (i64, i64)>,
}

/// Runs a grouped statement and reads `{prefix}{i}` for i in 0..n per row.
async fn columns_by_posyandu(
    db: &DatabaseConnection,
    statement: &SelectStatement,
    names: &[String],
) -> ApiResult<HashMap<Uuid, Vec<i64>>> {
    let rows = db
        .query_all_raw(db.get_database_backend().build(statement))
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get("", "posyandu_id")?;
        let values = names
            .iter()
            .map(|name| {
                row.try_get::<Option<i64>>("", name)
                    .map(Option::unwrap_or_default)
            })
            .collect::<Result<Vec<i64>, _>>()?;
        out.insert(id, values);
    }
    Ok(out)
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// Children weighed per posyandu and month of `months`: the rows of
/// `child_month`, one per child and month (at the posyandu of the month's
/// last weighing, as SKDN's D counts it).
fn weighed_query(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let on = Expr::col((child_month::Entity, child_month::Column::MeasuredOn));
    let mut query = Query::select();
    query
        .expr_as(
            Expr::col((child_month::Entity, child_month::Column::PosyanduId)),
            Alias::new("posyandu_id"),
        )
        .from(child_month::Entity)
        .cond_where(scope.condition::<child_month::Entity>())
        .and_where(on.clone().gte(months[0].first_day()))
        .and_where(on.clone().lte(months[months.len() - 1].last_day()))
        .add_group_by([Expr::cust("1")]);
    for (i, m) in months.iter().enumerate() {
        query.expr_as(
            count_if(
                on.clone()
                    .gte(m.first_day())
                    .and(on.clone().lte(m.last_day())),
            ),
            Alias::new(format!("d{i}")),
        );
    }
    query
}

/// Children 0–59 months living at the posyandu at each month's end.
fn children_query(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let mut query = children_with_person(scope);
    query
        .expr_as(
            Expr::col((child::Entity, child::Column::PosyanduId)),
            Alias::new("posyandu_id"),
        )
        .add_group_by([Expr::cust("1")]);
    for (i, m) in months.iter().enumerate() {
        let last = m.last_day();
        query.expr_as(
            count_if(under_five_on(last).and(living_on(last))),
            Alias::new(format!("s{i}")),
        );
    }
    query
}

/// Kader active at each month's end, and now (the last month's end): all
/// and trained.
fn kader_query(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let col = |c: kader::Column| Expr::col((kader::Entity, c));
    let active_on = |day: NaiveDate| {
        col(kader::Column::ActiveFrom).lte(day).and(
            col(kader::Column::ActiveTo)
                .is_null()
                .or(col(kader::Column::ActiveTo).gte(day)),
        )
    };
    let mut query = Query::select();
    query
        .expr_as(col(kader::Column::PosyanduId), Alias::new("posyandu_id"))
        .from(kader::Entity)
        .cond_where(scope.condition::<kader::Entity>())
        .and_where(col(kader::Column::DeletedAt).is_null())
        .add_group_by([Expr::cust("1")]);
    for (i, m) in months.iter().enumerate() {
        query.expr_as(
            count_if(active_on(m.last_day())),
            Alias::new(format!("k{i}")),
        );
    }
    let last = months[months.len() - 1].last_day();
    query.expr_as(
        count_if(active_on(last).and(col(kader::Column::TrainingTier).is_not_null())),
        Alias::new("trained"),
    );
    query
}

#[derive(Debug, FromQueryResult)]
struct ActivityGroup {
    posyandu_id: Uuid,
    field: String,
    activities: i64,
    people: Option<i64>,
}

fn activities_query(scope: &ReportScope, months: &[Month]) -> SelectStatement {
    let col = |c: posyandu_activity::Column| Expr::col((posyandu_activity::Entity, c));
    Query::select()
        .expr_as(
            col(posyandu_activity::Column::PosyanduId),
            Alias::new("posyandu_id"),
        )
        .expr_as(col(posyandu_activity::Column::Field), Alias::new("field"))
        .expr_as(
            Func::count(col(posyandu_activity::Column::Id)),
            Alias::new("activities"),
        )
        .expr_as(
            Func::cast_as(
                Func::sum(col(posyandu_activity::Column::People)),
                Alias::new("BIGINT"),
            ),
            Alias::new("people"),
        )
        .from(posyandu_activity::Entity)
        .cond_where(scope.condition::<posyandu_activity::Entity>())
        .and_where(col(posyandu_activity::Column::ActivityDate).gte(months[0].first_day()))
        .and_where(
            col(posyandu_activity::Column::ActivityDate).lte(months[months.len() - 1].last_day()),
        )
        .add_group_by([Expr::cust("1"), Expr::cust("2")])
        .to_owned()
}

async fn years(
    db: &DatabaseConnection,
    scope: &ReportScope,
    months: &[Month],
) -> ApiResult<HashMap<Uuid, Year>> {
    let n = months.len();
    let (d_names, s_names, mut k_names) = (names("d", n), names("s", n), names("k", n));
    k_names.push("trained".to_owned());
    let backend = db.get_database_backend();
    let (weighed, children, kader, activities) = futures_util::future::try_join4(
        columns_by_posyandu(db, &weighed_query(scope, months), &d_names),
        columns_by_posyandu(db, &children_query(scope, months), &s_names),
        columns_by_posyandu(db, &kader_query(scope, months), &k_names),
        async {
            Ok(
                ActivityGroup::find_by_statement(backend.build(&activities_query(scope, months)))
                    .all(db)
                    .await?,
            )
        },
    )
    .await?;
    let mut out: HashMap<Uuid, Year> = HashMap::new();
    for (id, values) in weighed {
        out.entry(id).or_default().weighed = values;
    }
    for (id, values) in children {
        out.entry(id).or_default().children = values;
    }
    for (id, mut values) in kader {
        let y = out.entry(id).or_default();
        y.trained_kader = values.pop().unwrap_or_default();
        y.active_kader = values.last().copied().unwrap_or_default();
        y.kader_by_month = values;
    }
    for a in activities {
        out.entry(a.posyandu_id)
            .or_default()
            .activities
            .insert(a.field, (a.activities, a.people.unwrap_or_default()));
    }
    Ok(out)
}

/// The strata input of one posyandu's year.
fn strata_input(year: &Year, coverage: Option<f64>, health_fund: Option<f64>) -> StrataInput {
    let opened: Vec<usize> = (0..year.weighed.len())
        .filter(|&i| year.weighed[i] > 0)
        .collect();
    let ratios: Vec<f64> = opened
        .iter()
        .filter_map(|&i| {
            let s = year.children.get(i).copied().unwrap_or_default();
            (s > 0).then(|| year.weighed[i] as f64 / s as f64)
        })
        .collect();
    let ds = (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64);
    let kader_on_duty = if year.kader_by_month.is_empty() {
        0.0
    } else {
        year.kader_by_month.iter().sum::<i64>() as f64 / YEAR as f64
    };
    let extra_programmes = year
        .activities
        .iter()
        .filter(|(field, (n, _))| field.as_str() != SpmField::Kesehatan.as_str() && *n > 0)
        .count() as i64;
    StrataInput {
        openings: opened.len() as i64,
        kader_on_duty,
        ds,
        coverage,
        extra_programmes,
        health_fund,
    }
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<InstitutionReport> {
    principal.require(Scope::ReadReports)?;
    let months = month.window(YEAR);
    let (first, last) = (months[0].first_day(), month.last_day());
    let link = format!("/api/v1/reports/institution?month={month}");
    let (directory, years, maternal, (immunisation, _), targets) = futures_util::future::try_join5(
        Directory::load(db, scope, link),
        years(db, scope, &months),
        super::maternal::per_posyandu(db, scope, (first, last)),
        super::immunisation::per_posyandu(db, scope, month),
        super::targets::in_force(db, &scope.area, month.year),
    )
    .await?;
    // The directory has every posyandu of the area already.
    let posts: Vec<&super::Place> = directory.places().collect();
    let funds: HashMap<Uuid, posyandu_health_fund::Model> = posyandu_health_fund::Entity::find()
        .filter(scope.condition::<posyandu_health_fund::Entity>())
        .filter(posyandu_health_fund::Column::Year.eq(month.year))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.posyandu_id, f))
        .collect();
    let desa: HashSet<String> = posts.iter().map(|p| p.desa.clone()).collect();
    let profiles: HashMap<String, Option<bool>> = desa_profile::Entity::find()
        .filter(desa_profile::Column::DesaCode.is_in(desa.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.desa_code, p.has_bidan_desa))
        .collect();
    let empty = Year::default();
    let region = |kind: AreaKind, code: &str| {
        let name = RegionIndex::national()
            .get(code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| code.to_owned());
        directory.report_area(kind, code, name)
    };
    let mut summary = StrataSummary::default();
    let mut list = Vec::new();
    for post in posts {
        let year = years.get(&post.id).unwrap_or(&empty);
        let m = maternal.get(&post.id);
        let k4 = m.and_then(|m| ratio(m.k4, m.completed));
        let i = immunisation.get(&post.id);
        let idl = i.and_then(|i| ratio(i.counts.idl, i.counts.cohort));
        let coverage = match (k4, idl) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let fund = funds
            .get(&post.id)
            .and_then(|f| ratio(i64::from(f.households_covered), i64::from(f.households)));
        let input = strata_input(year, coverage, fund);
        let (strata, reasons) = rules::strata(&input);
        let served: HashSet<&str> = post.spm_fields.split(',').collect();
        let sk_valid = rules::sk_valid(post.sk_number.as_deref(), post.sk_date, last);
        summary.posyandu += 1;
        match strata {
            openapi::reports::Strata::Pratama => summary.pratama += 1,
            openapi::reports::Strata::Madya => summary.madya += 1,
            openapi::reports::Strata::Purnama => summary.purnama += 1,
            openapi::reports::Strata::Mandiri => summary.mandiri += 1,
        }
        summary.active_kader += year.active_kader;
        summary.trained_kader += year.trained_kader;
        summary.sk_invalid += i64::from(!sk_valid);
        let puskesmas_code = directory.puskesmas_code(post.puskesmas).unwrap_or_default();
        list.push(PosyanduInstitution {
            posyandu: directory.report_area(AreaKind::Posyandu, &post.kode, post.name.clone()),
            desa: region(AreaKind::Desa, &post.desa),
            puskesmas: directory.report_area(
                AreaKind::Puskesmas,
                &puskesmas_code,
                directory.name_of(&puskesmas_code),
            ),
            openings: input.openings,
            kader_on_duty: input.kader_on_duty,
            ds: input.ds,
            coverage: input.coverage,
            extra_programmes: input.extra_programmes,
            health_fund: input.health_fund,
            strata,
            reasons,
            active_kader: year.active_kader,
            trained_kader: year.trained_kader,
            sk_number: post.sk_number.clone(),
            sk_date: post.sk_date,
            sk_valid,
            desa_has_bidan: profiles.get(&post.desa).copied().flatten(),
            spm: SpmField::ALL
                .into_iter()
                .map(|field| {
                    let (activities, people) = year
                        .activities
                        .get(field.as_str())
                        .copied()
                        .unwrap_or_default();
                    SpmFieldActivity {
                        field,
                        served: served.contains(field.as_str()),
                        activities,
                        people,
                    }
                })
                .collect(),
        });
    }
    list.sort_by(|a, b| a.posyandu.code.cmp(&b.posyandu.code));
    summary.aktif = Some(rules::measure(
        Indicator::PosyanduAktif,
        summary.purnama + summary.mandiri,
        summary.posyandu,
        &targets,
    ));
    let mut desa_without_bidan: Vec<ReportArea> = profiles
        .iter()
        .filter(|(_, has)| **has == Some(false))
        .map(|(code, _)| region(AreaKind::Desa, code))
        .collect();
    desa_without_bidan.sort_by(|a, b| a.code.cmp(&b.code));
    for d in &mut desa_without_bidan {
        d.drill = None;
    }
    let mut area =
        directory.report_area(scope.area.kind, &scope.area.code, scope.area.name.clone());
    area.drill = None;
    Ok(InstitutionReport {
        area,
        month: month.to_string(),
        summary,
        posyandu: list,
        desa_without_bidan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_is_averaged_over_the_months_opened_and_kader_over_the_year() {
        let mut year = Year {
            weighed: vec![0; 12],
            children: vec![10; 12],
            kader_by_month: vec![6; 12],
            ..Year::default()
        };
        for i in 0..8 {
            year.weighed[i] = if i % 2 == 0 { 6 } else { 4 };
        }
        year.kader_by_month[0] = 0;
        year.activities.insert("pendidikan".into(), (2, 30));
        year.activities.insert("kesehatan".into(), (5, 90));
        let input = strata_input(&year, Some(0.6), None);
        assert_eq!(input.openings, 8);
        assert!((input.ds.unwrap() - 0.5).abs() < 1e-12);
        assert!((input.kader_on_duty - 5.5).abs() < 1e-12);
        assert_eq!(input.extra_programmes, 1);
        assert_eq!(rules::strata(&input).0, openapi::reports::Strata::Purnama);
    }
}
