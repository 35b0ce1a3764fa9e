//! Demo pregnancies with their antenatal contacts, and demo immunisation
//! doses and vitamin A capsules for the demo children: mostly on time, some
//! late, some missed, as a real posyandu's books look.
use chrono::{Datelike, Duration, NaiveDate};
use entity::{antenatal_contact, immunisation, posyandu, pregnancy, vitamin_a_dose};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::domain::immunisation as schedule;
use crate::domain::pregnancy as rules;
use crate::domain::vitamin_a;
use crate::services::people::Place;

type Now = chrono::DateTime<chrono::Utc>;

/// A pregnancy of `mother` between 4 and 39 weeks today, with the contacts
/// a diligent-but-not-perfect bidan would have recorded.
pub fn pregnancy(
    mother: Uuid,
    mother_birth: NaiveDate,
    post: &posyandu::Model,
    place: &Place,
    today: NaiveDate,
    now: Now,
    rng: &mut StdRng,
) -> (pregnancy::ActiveModel, Vec<antenatal_contact::ActiveModel>) {
    let id = Uuid::now_v7();
    let hpht = today - Duration::days(rng.random_range(28..275));
    let height = (152.0 + 5.5 * super::population::normal(rng)).clamp(138.0, 172.0);
    let height = (height * 10.0_f64).round() / 10.0;
    let para = rng.random_range(0..4);
    let last_birth = (para > 0).then(|| hpht - Duration::days(rng.random_range(400..2500)));
    let risk = rules::risk_flags(&rules::RiskInput {
        mother_birth_date: mother_birth,
        hpht,
        para: Some(para),
        living_children: Some(para),
        last_birth_date: last_birth,
        height_cm: Some(height),
    });
    let risk_codes = crate::services::pregnancies::risk_code_list(&risk);
    let row = pregnancy::ActiveModel {
        id: Set(id),
        mother_id: Set(mother),
        hpht: Set(hpht),
        hpht_estimated: Set(rng.random_bool(0.15)),
        due_date: Set(rules::due_date(hpht)),
        registered_on: Set((hpht + Duration::days(rng.random_range(28..84))).min(today)),
        gravida: Set(Some(para + 1)),
        para: Set(Some(para)),
        abortus: Set(Some(0)),
        living_children: Set(Some(para)),
        last_birth_date: Set(last_birth),
        height_cm: Set(Some(height)),
        risk_flags: Set(risk_codes),
        outcome: Set(None),
        outcome_date: Set(None),
        outcome_note: Set(None),
        recorded_by: Set("system:demo".into()),
        province_code: Set(place.province.clone()),
        kabupaten_code: Set(place.kabupaten.clone()),
        kecamatan_code: Set(place.kecamatan.clone()),
        desa_code: Set(place.desa.clone()),
        puskesmas_id: Set(post.puskesmas_id),
        posyandu_id: Set(post.id),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    };
    // Contacts near the recommended weeks, each kept with probability 0.8.
    let mut contacts = Vec::new();
    let lila = 24.5 + 2.0 * super::population::normal(rng);
    for (index, week) in [10i64, 20, 26, 30, 34, 38].into_iter().enumerate() {
        let date = hpht + Duration::days(week * 7 + rng.random_range(-6..7));
        if date > today || !rng.random_bool(0.8) {
            continue;
        }
        let by_doctor = index == 0 || index == 4;
        let contact = rules::Contact {
            date,
            by_doctor,
            lila_cm: Some((lila * 10.0).round() / 10.0),
            hb_g_dl: Some(((11.6 + 1.0 * super::population::normal(rng)) * 10.0).round() / 10.0),
            systolic: Some(rng.random_range(100..145)),
            diastolic: Some(rng.random_range(60..92)),
            iron_tablets: 30,
        };
        let flags = rules::contact_flags(hpht, &contact);
        contacts.push(antenatal_contact::ActiveModel {
            id: Set(Uuid::now_v7()),
            pregnancy_id: Set(id),
            contact_date: Set(date),
            provider: Set(if by_doctor { "doctor" } else { "bidan" }.into()),
            place: Set(Some(
                if by_doctor { "Puskesmas" } else { "Posyandu" }.into(),
            )),
            weight_kg: Set(Some(
                ((52.0 + 0.3 * week as f64 + 6.0 * super::population::normal(rng)) * 10.0).round()
                    / 10.0,
            )),
            lila_cm: Set(contact.lila_cm),
            hb_g_dl: Set(contact.hb_g_dl),
            systolic: Set(contact.systolic),
            diastolic: Set(contact.diastolic),
            iron_tablets: Set(contact.iron_tablets),
            td_given: Set(index < 2),
            notes: Set(None),
            gestational_days: Set((date - hpht).num_days() as i32),
            kek: Set(flags.kek),
            anaemia: Set(flags.anaemia),
            hypertension: Set(flags.hypertension),
            recorded_by: Set("system:demo".into()),
            province_code: Set(place.province.clone()),
            kabupaten_code: Set(place.kabupaten.clone()),
            kecamatan_code: Set(place.kecamatan.clone()),
            desa_code: Set(place.desa.clone()),
            puskesmas_id: Set(post.puskesmas_id),
            posyandu_id: Set(post.id),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            deleted_by: Set(None),
        });
    }
    (row, contacts)
}

/// The doses a child has had: each scheduled dose due by today given with
/// probability 0.9, a few days to weeks after it fell due.
pub fn immunisations(
    child: Uuid,
    birth: NaiveDate,
    post: &posyandu::Model,
    place: &Place,
    today: NaiveDate,
    now: Now,
    rng: &mut StdRng,
) -> Vec<immunisation::ActiveModel> {
    let je = crate::services::immunisation::je_endemic(&place.desa);
    let mut given: Vec<schedule::GivenDose> = Vec::new();
    let mut rows = Vec::new();
    // A child who misses one visit tends to miss the next too.
    let diligence = if rng.random_bool(0.85) { 0.95 } else { 0.6 };
    for status in schedule::evaluate(birth, &[], today, je) {
        if status.due_on > today || !rng.random_bool(diligence) {
            continue;
        }
        let delay = if status.due_on == birth {
            0
        } else {
            rng.random_range(0..25)
        };
        let date = (status.due_on + Duration::days(delay)).min(today);
        let dose = schedule::GivenDose {
            antigen: status.antigen.clone(),
            dose: status.dose,
            given_on: date,
        };
        let Ok(check) = schedule::check_new_dose(birth, &given, &dose, today) else {
            continue;
        };
        given.push(dose);
        rows.push(immunisation::ActiveModel {
            id: Set(Uuid::now_v7()),
            child_id: Set(child),
            antigen: Set(status.antigen.clone()),
            dose: Set(i32::from(status.dose)),
            given_on: Set(date),
            age_days: Set((date - birth).num_days() as i32),
            batch: Set(None),
            place: Set(Some("Posyandu".into())),
            given_by: Set(Some("Bidan desa".into())),
            too_early: Set(check.too_early_for_age),
            too_soon: Set(check.too_soon_after_previous),
            previous_missing: Set(check.previous_dose_missing),
            too_late: Set(check.past_max_age),
            schedule: Set(schedule::SCHEDULE_VERSION.into()),
            recorded_by: Set("system:demo".into()),
            province_code: Set(place.province.clone()),
            kabupaten_code: Set(place.kabupaten.clone()),
            kecamatan_code: Set(place.kecamatan.clone()),
            desa_code: Set(place.desa.clone()),
            puskesmas_id: Set(post.puskesmas_id),
            posyandu_id: Set(post.id),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            deleted_by: Set(None),
        });
    }
    rows
}

/// Vitamin A capsules in the February and August rounds of the last year.
pub fn vitamin_a(
    child: Uuid,
    birth: NaiveDate,
    place: &Place,
    today: NaiveDate,
    now: Now,
    rng: &mut StdRng,
) -> Vec<vitamin_a_dose::ActiveModel> {
    let mut rows = Vec::new();
    let mut previous: Vec<NaiveDate> = Vec::new();
    for back in 0..3 {
        let Some(round_day) = rounds_back(today, back) else {
            continue;
        };
        if round_day > today || !rng.random_bool(0.82) {
            continue;
        }
        let Some(capsule) = vitamin_a::capsule_for(birth, round_day) else {
            continue;
        };
        if vitamin_a::check_dose(birth, capsule, round_day, &previous).is_err() {
            continue;
        }
        previous.push(round_day);
        rows.push(vitamin_a_dose::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(child),
            capsule: Set(match capsule {
                vitamin_a::Capsule::Blue => "blue",
                vitamin_a::Capsule::Red => "red",
            }
            .into()),
            given_on: Set(round_day),
            round: Set(Some(format!(
                "{}-{:02}",
                round_day.year(),
                round_day.month()
            ))),
            postpartum: Set(false),
            recorded_by: Set("system:demo".into()),
            province_code: Set(place.province.clone()),
            kabupaten_code: Set(place.kabupaten.clone()),
            kecamatan_code: Set(place.kecamatan.clone()),
            desa_code: Set(place.desa.clone()),
            puskesmas_id: Set(place.puskesmas),
            posyandu_id: Set(place.posyandu),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            deleted_by: Set(None),
        });
    }
    rows
}

/// The 15th of the `back`-th February/August round before or at `today`,
/// oldest last.
fn rounds_back(today: NaiveDate, back: u32) -> Option<NaiveDate> {
    let mut year = today.year();
    let mut month = if today.month() >= 8 {
        8
    } else if today.month() >= 2 {
        2
    } else {
        year -= 1;
        8
    };
    for _ in 0..back {
        if month == 8 {
            month = 2;
        } else {
            month = 8;
            year -= 1;
        }
    }
    NaiveDate::from_ymd_opt(year, month, 15)
}
