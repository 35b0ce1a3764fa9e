//! Upkeep of `child_month`, each weighed child's last weighing of each
//! month: the rows SKDN and the nutrition reports count.
//!
//! Every change that could alter a child's rows rewrites them in the same
//! transaction as the change, so a report never sees a weighing without its
//! summary or the other way round:
//! - a weighing recorded, corrected or deleted: [`refresh`] rewrites the
//!   child's rows from that weighing's month on, from the weighings as they
//!   now stand (a back-dated or corrected weighing changes the KMS status of
//!   the later ones, so their months are rewritten too);
//! - the child's sex or birth date corrected: [`person_corrected`].
//!
//! The migration that created the table fills it the same way in one
//! statement (`migration::m20261203_000009_child_month::rebuild`); a test
//! checks that upkeep and rebuild agree.
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use entity::{child_month, person, weighing};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

/// Rebuilds the whole table from the stored weighings (the migration's
/// fill; tests compare it with the rows kept by [`refresh`]).
pub use migration::m20261203_000009_child_month::rebuild;

/// Children per statement: well inside SQLite's bound-parameter limit.
const CHUNK: usize = 300;

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Of one child's weighings, the last of each month (by date; a child has
/// at most one weighing a day).
pub fn last_of_each_month(weighings: &[weighing::Model]) -> Vec<&weighing::Model> {
    let mut last: BTreeMap<NaiveDate, &weighing::Model> = BTreeMap::new();
    for w in weighings.iter().filter(|w| w.deleted_at.is_none()) {
        let slot = last.entry(month_of(w.measured_on)).or_insert(w);
        if w.measured_on > slot.measured_on {
            *slot = w;
        }
    }
    last.into_values().collect()
}

/// The summary row of a month's last weighing.
pub fn row_of(w: &weighing::Model, sex: &str, birth_date: NaiveDate) -> child_month::ActiveModel {
    child_month::ActiveModel {
        child_id: Set(w.child_id),
        month: Set(month_of(w.measured_on)),
        weighing_id: Set(w.id),
        measured_on: Set(w.measured_on),
        sex: Set(sex.to_owned()),
        birth_date: Set(birth_date),
        kms_status: Set(w.kms_status.clone()),
        two_t: Set(w.two_t),
        bgm: Set(w.bgm),
        z_wfa: Set(w.z_wfa),
        z_lhfa: Set(w.z_lhfa),
        z_wflh: Set(w.z_wflh),
        implausible: Set(w.implausible.clone()),
        province_code: Set(w.province_code.clone()),
        kabupaten_code: Set(w.kabupaten_code.clone()),
        kecamatan_code: Set(w.kecamatan_code.clone()),
        desa_code: Set(w.desa_code.clone()),
        puskesmas_id: Set(w.puskesmas_id),
        posyandu_id: Set(w.posyandu_id),
    }
}

/// Rewrites the rows of `children` for the months from `from`'s on, from
/// their weighings as they now stand. Call it inside the transaction that
/// changed the weighings.
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    children: &[Uuid],
    from: NaiveDate,
) -> Result<(), DbErr> {
    let first = month_of(from);
    for chunk in children.chunks(CHUNK) {
        let people: HashMap<Uuid, (String, NaiveDate)> = person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::Sex,
                person::Column::BirthDate,
            ])
            .filter(person::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(Uuid, String, NaiveDate)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, sex, birth)| (id, (sex, birth)))
            .collect();
        let mut weighings: HashMap<Uuid, Vec<weighing::Model>> = HashMap::new();
        for w in weighing::Entity::find()
            .filter(weighing::Column::ChildId.is_in(chunk.iter().copied()))
            .filter(weighing::Column::DeletedAt.is_null())
            .filter(weighing::Column::MeasuredOn.gte(first))
            .all(db)
            .await?
        {
            weighings.entry(w.child_id).or_default().push(w);
        }
        child_month::Entity::delete_many()
            .filter(child_month::Column::ChildId.is_in(chunk.iter().copied()))
            .filter(child_month::Column::Month.gte(first))
            .exec(db)
            .await?;
        let rows: Vec<child_month::ActiveModel> = weighings
            .iter()
            .filter_map(|(child, list)| Some((people.get(child)?, list)))
            .flat_map(|((sex, birth), list)| {
                last_of_each_month(list)
                    .into_iter()
                    .map(|w| row_of(w, sex, *birth))
            })
            .collect();
        for batch in rows.chunks(100) {
            child_month::Entity::insert_many(batch.to_vec())
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// The child's sex or birth date was corrected: its rows carry the new
/// ones (the age group a child counts in follows the birth date).
pub async fn person_corrected<C: ConnectionTrait>(
    db: &C,
    child: Uuid,
    sex: &str,
    birth_date: NaiveDate,
) -> Result<(), DbErr> {
    child_month::Entity::update_many()
        .col_expr(child_month::Column::Sex, Expr::val(sex))
        .col_expr(child_month::Column::BirthDate, Expr::val(birth_date))
        .filter(child_month::Column::ChildId.eq(child))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weighing_on(child: Uuid, day: &str, deleted: bool) -> weighing::Model {
        let now = chrono::Utc::now();
        weighing::Model {
            id: Uuid::now_v7(),
            child_id: child,
            measured_on: day.parse().unwrap(),
            age_days: 100,
            weight_kg: 8.0,
            length_cm: None,
            position: None,
            head_cm: None,
            muac_cm: None,
            oedema: false,
            measured_by: None,
            z_wfa: None,
            z_lhfa: None,
            z_wflh: None,
            z_bmi: None,
            z_hcfa: None,
            z_acfa: None,
            implausible: String::new(),
            cat_bbu: None,
            cat_tbu: None,
            cat_bbtb: None,
            cat_imtu: None,
            kms_status: "N".into(),
            gain_g: None,
            kbm_g: None,
            two_t: false,
            bgm: false,
            stunting: false,
            wasting: false,
            underweight: false,
            referral: String::new(),
            standard: "who2006".into(),
            recorded_by: "test".into(),
            province_code: "51".into(),
            kabupaten_code: "51.08".into(),
            kecamatan_code: "51.08.06".into(),
            desa_code: "51.08.06.2004".into(),
            puskesmas_id: Uuid::nil(),
            posyandu_id: Uuid::nil(),
            created_at: now,
            updated_at: now,
            deleted_at: deleted.then_some(now),
            deleted_by: None,
        }
    }

    #[test]
    fn the_last_weighing_of_each_month_counts() {
        let child = Uuid::now_v7();
        let list = vec![
            weighing_on(child, "2026-10-28", false),
            weighing_on(child, "2026-11-03", false),
            weighing_on(child, "2026-11-20", false),
            weighing_on(child, "2026-11-25", true),
            weighing_on(child, "2026-10-05", false),
        ];
        let days: Vec<String> = last_of_each_month(&list)
            .iter()
            .map(|w| w.measured_on.to_string())
            .collect();
        // The deleted 25 November one does not count; 28 October beats 5 October.
        assert_eq!(days, ["2026-10-28", "2026-11-20"]);
    }

    #[test]
    fn a_month_is_named_by_its_first_day() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(month_of(day), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
    }
}
