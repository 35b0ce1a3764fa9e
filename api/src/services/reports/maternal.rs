//! Maternal care of a month: pregnancies by trimester, K1, K1 in trimester
//! I, K4 and K6 coverage, KEK, anaemia and high risk; births and low birth
//! weight.
//!
//! The antenatal rules (which trimester a contact falls in, what makes K4
//! and K6) live in `domain::pregnancy` and are not restated in SQL: the
//! month's pregnancies of the area and their contacts are read (a
//! kabupaten has a few thousand), summarised one by one with
//! [`rules::summarize`], and counted per posyandu. Births are one grouped
//! query.
//!
//! Definitions, for a month M:
//! - a pregnancy is *of the month* when it began by M's last day and ended
//!   (outcome date, or the HPL when no outcome is recorded) on or after M's
//!   first day;
//! - trimesters count the pregnancies still ongoing at M's end;
//! - K1 and K1 in trimester I among the month's pregnancies, with contacts
//!   up to M's end;
//! - K4 and K6 among the pregnancies that ended in M, with all their
//!   contacts;
//! - KEK and anaemia (any contact flagged) among those seen at least once;
//!   high risk: a risk flag of the "4 terlalu" or height, or a contact with
//!   high blood pressure.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{antenatal_contact, child, person, pregnancy};
use openapi::Scope;
use openapi::reports::{Indicator, MaternalCounts, MaternalReport, MaternalRow, Measure};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter};
use uuid::Uuid;

use super::{Directory, ReportScope, Tally, children_with_person, count_if};
use crate::auth::Principal;
use crate::domain::pregnancy::{self as anc, Trimester};
use crate::domain::reports::{self as rules, Month, Targets};
use crate::error::ApiResult;
use crate::services::pregnancies::contact_rule;

/// Birth weight under this is low (BBLR), grams.
pub const LOW_BIRTH_WEIGHT_G: i32 = 2500;

impl Tally for MaternalCounts {
    fn add(&mut self, o: &Self) {
        self.pregnancies += o.pregnancies;
        self.trimester_1 += o.trimester_1;
        self.trimester_2 += o.trimester_2;
        self.trimester_3 += o.trimester_3;
        self.k1 += o.k1;
        self.k1_first_trimester += o.k1_first_trimester;
        self.completed += o.completed;
        self.k4 += o.k4;
        self.k6 += o.k6;
        self.seen += o.seen;
        self.kek += o.kek;
        self.anaemia += o.anaemia;
        self.high_risk += o.high_risk;
        self.births += o.births;
        self.births_weighed += o.births_weighed;
        self.low_birth_weight += o.low_birth_weight;
    }
}

pub fn measures(c: &MaternalCounts, targets: &Targets) -> Vec<Measure> {
    vec![
        rules::measure(Indicator::K1, c.k1, c.pregnancies, targets),
        rules::measure(
            Indicator::K1FirstTrimester,
            c.k1_first_trimester,
            c.pregnancies,
            targets,
        ),
        rules::measure(Indicator::K4, c.k4, c.completed, targets),
        rules::measure(Indicator::K6, c.k6, c.completed, targets),
        rules::measure(Indicator::Kek, c.kek, c.seen, targets),
        rules::measure(Indicator::Anaemia, c.anaemia, c.seen, targets),
        rules::measure(
            Indicator::LowBirthWeight,
            c.low_birth_weight,
            c.births_weighed,
            targets,
        ),
    ]
}

/// The day a pregnancy ended: its outcome, or the HPL when none is
/// recorded (a pregnancy past term without an outcome is no longer counted
/// as ongoing).
fn end_of(p: &pregnancy::Model) -> chrono::NaiveDate {
    p.outcome_date.unwrap_or(p.due_date)
}

/// Counts one pregnancy and its contacts into `c`.
fn count_pregnancy(
    c: &mut MaternalCounts,
    p: &pregnancy::Model,
    contacts: &[&antenatal_contact::Model],
    (first, last): (NaiveDate, NaiveDate),
) {
    let end = end_of(p);
    c.pregnancies += 1;
    if end > last {
        match anc::trimester(p.hpht, last) {
            Some(Trimester::First) => c.trimester_1 += 1,
            Some(Trimester::Second) => c.trimester_2 += 1,
            Some(Trimester::Third) => c.trimester_3 += 1,
            None => {}
        }
    }
    let by_month_end: Vec<anc::Contact> = contacts
        .iter()
        .filter(|x| x.contact_date <= last)
        .map(|x| contact_rule(x))
        .collect();
    let so_far = anc::summarize(p.hpht, &by_month_end, std::cmp::min(last, end));
    c.k1 += i64::from(so_far.k1);
    c.k1_first_trimester += i64::from(so_far.k1_first_trimester);
    if so_far.k1 {
        c.seen += 1;
        let seen = contacts.iter().filter(|x| x.contact_date <= last);
        c.kek += i64::from(seen.clone().any(|x| x.kek));
        c.anaemia += i64::from(seen.clone().any(|x| x.anaemia));
    }
    let risky = !p.risk_flags.trim().is_empty()
        || contacts
            .iter()
            .any(|x| x.contact_date <= last && x.hypertension);
    c.high_risk += i64::from(risky);
    if (first..=last).contains(&end) {
        let all: Vec<anc::Contact> = contacts.iter().map(|x| contact_rule(x)).collect();
        let at_end = anc::summarize(p.hpht, &all, end);
        c.completed += 1;
        c.k4 += i64::from(at_end.k4);
        c.k6 += i64::from(at_end.k6);
    }
}

#[derive(Debug, FromQueryResult)]
struct BirthGroup {
    posyandu_id: Uuid,
    births: i64,
    weighed: i64,
    low: i64,
}

async fn births(
    db: &DatabaseConnection,
    scope: &ReportScope,
    (first, last): (NaiveDate, NaiveDate),
) -> ApiResult<Vec<BirthGroup>> {
    let c = |column: child::Column| Expr::col((child::Entity, column));
    let birth = Expr::col((person::Entity, person::Column::BirthDate));
    let query = children_with_person(scope)
        .expr_as(c(child::Column::PosyanduId), Alias::new("posyandu_id"))
        .expr_as(
            Func::count(c(child::Column::PersonId)),
            Alias::new("births"),
        )
        .expr_as(
            count_if(c(child::Column::BirthWeightG).is_not_null()),
            Alias::new("weighed"),
        )
        .expr_as(
            count_if(c(child::Column::BirthWeightG).lt(LOW_BIRTH_WEIGHT_G)),
            Alias::new("low"),
        )
        .and_where(birth.clone().gte(first))
        .and_where(birth.lte(last))
        .add_group_by([Expr::cust("1")])
        .to_owned();
    let backend = db.get_database_backend();
    Ok(BirthGroup::find_by_statement(backend.build(&query))
        .all(db)
        .await?)
}

/// The maternal counts of every posyandu of the scope for a period (a
/// month, or the year the posyandu strata look at), first and last day
/// included.
pub async fn per_posyandu(
    db: &DatabaseConnection,
    scope: &ReportScope,
    (first, last): (NaiveDate, NaiveDate),
) -> ApiResult<HashMap<Uuid, MaternalCounts>> {
    let of_month = scope
        .condition::<pregnancy::Entity>()
        .add(pregnancy::Column::DeletedAt.is_null())
        .add(pregnancy::Column::Hpht.lte(last))
        .add(
            Expr::expr(Func::coalesce([
                Expr::col((pregnancy::Entity, pregnancy::Column::OutcomeDate)),
                Expr::col((pregnancy::Entity, pregnancy::Column::DueDate)),
            ]))
            .gte(first),
        );
    let pregnancies = pregnancy::Entity::find().filter(of_month.clone()).all(db);
    let ids = Query::select()
        .column(pregnancy::Column::Id)
        .from(pregnancy::Entity)
        .cond_where(of_month)
        .to_owned();
    let contacts = antenatal_contact::Entity::find()
        .filter(antenatal_contact::Column::DeletedAt.is_null())
        .filter(antenatal_contact::Column::PregnancyId.in_subquery(ids))
        .all(db);
    let (pregnancies, contacts, born) = futures_util::future::try_join3(
        async { Ok(pregnancies.await?) },
        async { Ok(contacts.await?) },
        births(db, scope, (first, last)),
    )
    .await?;
    let mut by_pregnancy: HashMap<Uuid, Vec<&antenatal_contact::Model>> = HashMap::new();
    for contact in &contacts {
        by_pregnancy
            .entry(contact.pregnancy_id)
            .or_default()
            .push(contact);
    }
    let mut out: HashMap<Uuid, MaternalCounts> = HashMap::new();
    for p in &pregnancies {
        let contacts = by_pregnancy.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
        count_pregnancy(
            out.entry(p.posyandu_id).or_default(),
            p,
            contacts,
            (first, last),
        );
    }
    for row in born {
        let c = out.entry(row.posyandu_id).or_default();
        c.births += row.births;
        c.births_weighed += row.weighed;
        c.low_birth_weight += row.low;
    }
    Ok(out)
}

pub async fn report(
    db: &DatabaseConnection,
    principal: &Principal,
    scope: &ReportScope,
    month: Month,
) -> ApiResult<MaternalReport> {
    principal.require(Scope::ReadReports)?;
    let link = format!("/api/v1/reports/maternal?month={month}");
    let (directory, figures, targets) = futures_util::future::try_join3(
        Directory::load(db, scope, link),
        per_posyandu(db, scope, (month.first_day(), month.last_day())),
        super::targets::in_force(db, &scope.area, month.year),
    )
    .await?;
    let breakdown = directory.breakdown(scope, &figures);
    let row = |area, counts: MaternalCounts| MaternalRow {
        area,
        measures: measures(&counts, &targets),
        counts,
    };
    Ok(MaternalReport {
        total: row(breakdown.area.clone(), breakdown.total),
        area: breakdown.area,
        month: month.to_string(),
        by: scope.by,
        rows: breakdown
            .rows
            .into_iter()
            .map(|(area, counts)| row(area, counts))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn pregnancy(hpht: NaiveDate, outcome: Option<NaiveDate>, risk: &str) -> pregnancy::Model {
        pregnancy::Model {
            id: Uuid::now_v7(),
            mother_id: Uuid::now_v7(),
            hpht,
            hpht_estimated: false,
            due_date: anc::due_date(hpht),
            registered_on: hpht,
            gravida: None,
            para: None,
            abortus: None,
            living_children: None,
            last_birth_date: None,
            height_cm: None,
            risk_flags: risk.to_owned(),
            outcome: outcome.map(|_| "live_birth".to_owned()),
            outcome_date: outcome,
            outcome_note: None,
            recorded_by: "test".to_owned(),
            province_code: "51".to_owned(),
            kabupaten_code: "51.08".to_owned(),
            kecamatan_code: "51.08.06".to_owned(),
            desa_code: "51.08.06.2004".to_owned(),
            puskesmas_id: Uuid::nil(),
            posyandu_id: Uuid::nil(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
            deleted_by: None,
        }
    }

    fn contact(on: NaiveDate, doctor: bool, kek: bool) -> antenatal_contact::Model {
        antenatal_contact::Model {
            id: Uuid::now_v7(),
            pregnancy_id: Uuid::nil(),
            contact_date: on,
            provider: if doctor { "doctor" } else { "midwife" }.to_owned(),
            place: None,
            weight_kg: None,
            lila_cm: None,
            hb_g_dl: None,
            systolic: None,
            diastolic: None,
            iron_tablets: 0,
            td_given: false,
            notes: None,
            gestational_days: 0,
            kek,
            anaemia: false,
            hypertension: false,
            recorded_by: "test".to_owned(),
            province_code: "51".to_owned(),
            kabupaten_code: "51.08".to_owned(),
            kecamatan_code: "51.08.06".to_owned(),
            desa_code: "51.08.06.2004".to_owned(),
            puskesmas_id: Uuid::nil(),
            posyandu_id: Uuid::nil(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
            deleted_by: None,
        }
    }

    fn month(text: &str) -> (NaiveDate, NaiveDate) {
        let m = Month::parse(text).unwrap();
        (m.first_day(), m.last_day())
    }

    fn november() -> (NaiveDate, NaiveDate) {
        month("2026-11")
    }

    #[test]
    fn a_pregnancy_ending_in_the_month_counts_for_k4_and_k6_with_all_its_contacts() {
        // HPHT 1 Feb 2026: trimester I to 9 May, II to 15 Aug, term 8 Nov.
        let p = pregnancy(date(2026, 2, 1), Some(date(2026, 11, 5)), "");
        let contacts = [
            contact(date(2026, 3, 20), true, true),
            contact(date(2026, 6, 1), false, false),
            contact(date(2026, 7, 20), false, false),
            contact(date(2026, 9, 1), true, false),
            contact(date(2026, 10, 1), false, false),
            contact(date(2026, 10, 25), false, false),
        ];
        let refs: Vec<&antenatal_contact::Model> = contacts.iter().collect();
        let mut c = MaternalCounts::default();
        count_pregnancy(&mut c, &p, &refs, november());
        assert_eq!((c.pregnancies, c.completed, c.k4, c.k6), (1, 1, 1, 1));
        assert_eq!((c.k1, c.k1_first_trimester, c.seen, c.kek), (1, 1, 1, 1));
        // Ended in the month: in no trimester at its end.
        assert_eq!(c.trimester_1 + c.trimester_2 + c.trimester_3, 0);

        // The same pregnancy a month earlier: ongoing, trimester III, not
        // yet completed; a contact after that month does not count yet.
        let mut october = MaternalCounts::default();
        count_pregnancy(&mut october, &p, &refs, month("2026-10"));
        assert_eq!((october.trimester_3, october.completed), (1, 0));
    }

    #[test]
    fn a_first_contact_in_trimester_two_is_k1_but_not_k1_first_trimester() {
        let p = pregnancy(date(2026, 5, 1), None, "age_under_20");
        let late = [contact(date(2026, 9, 1), false, false)];
        let refs: Vec<&antenatal_contact::Model> = late.iter().collect();
        let mut c = MaternalCounts::default();
        count_pregnancy(&mut c, &p, &refs, month("2026-09"));
        assert_eq!((c.k1, c.k1_first_trimester, c.high_risk), (1, 0, 1));
        assert_eq!(c.trimester_2, 1);
        // Before that contact, she was not yet seen.
        let mut august = MaternalCounts::default();
        count_pregnancy(&mut august, &p, &refs, month("2026-08"));
        assert_eq!((august.k1, august.seen), (0, 0));
    }
}
