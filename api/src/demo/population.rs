//! Demo children with a year of monthly weighings, their mothers and
//! families: generated from WHO curves with a realistic spread (about one
//! child in five stunted, some weight faltering, some missed months), and
//! evaluated by the same rules as real weighings.
//!
//! Rows are written in large batches, not through the per-request
//! services, so a kabupaten-sized population (40,000 children) loads in
//! seconds. Each weighing is still evaluated by `domain::assessment`.
use chrono::{Datelike, Duration, NaiveDate};
use entity::{
    antenatal_contact, child, family, immunisation, person, posyandu, pregnancy, vitamin_a_dose,
    weighing,
};
use openapi::growth::{Position, Sex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::maternal;
use crate::clock;
use crate::db::begin_write;
use crate::domain::assessment::{self, History};
use crate::domain::growth::{ChartIndicator, Measurement, value_at};
use crate::domain::{public_code, schedule};
use crate::services::people::{Place, fold_name, reserve_codes, sex_code};
use crate::services::posyandu::opening_rule;
use crate::services::weighings::{code_of, write_evaluation};

const FIRST_NAMES_GIRL: [&str; 12] = [
    "Ayu", "Sari", "Dewi", "Wulan", "Indah", "Ratna", "Lestari", "Puspa", "Mirah", "Sekar",
    "Intan", "Kartika",
];
const FIRST_NAMES_BOY: [&str; 12] = [
    "Agus", "Arya", "Bagus", "Krisna", "Adi", "Dharma", "Surya", "Yoga", "Eka", "Bayu", "Rama",
    "Wira",
];
const BIRTH_ORDER: [&str; 4] = ["Putu", "Made", "Nyoman", "Ketut"];

/// A standard normal draw (Box–Muller).
pub(super) fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rows waiting to be written.
#[derive(Default)]
struct Batch {
    families: Vec<family::ActiveModel>,
    people: Vec<person::ActiveModel>,
    children: Vec<child::ActiveModel>,
    weighings: Vec<weighing::ActiveModel>,
    pregnancies: Vec<pregnancy::ActiveModel>,
    contacts: Vec<antenatal_contact::ActiveModel>,
    doses: Vec<immunisation::ActiveModel>,
    capsules: Vec<vitamin_a_dose::ActiveModel>,
}

impl Batch {
    fn len(&self) -> usize {
        self.families.len()
            + self.people.len()
            + self.children.len()
            + self.weighings.len()
            + self.pregnancies.len()
            + self.contacts.len()
            + self.doses.len()
            + self.capsules.len()
    }

    /// Writes everything in one transaction, in chunks that stay under
    /// SQLite's limit on bound parameters.
    async fn flush(&mut self, db: &DatabaseConnection) -> anyhow::Result<()> {
        let tx = begin_write(db).await?;
        insert_chunks(&tx, std::mem::take(&mut self.families), 400).await?;
        insert_chunks(&tx, std::mem::take(&mut self.people), 400).await?;
        insert_chunks(&tx, std::mem::take(&mut self.children), 400).await?;
        insert_chunks(&tx, std::mem::take(&mut self.weighings), 300).await?;
        insert_chunks(&tx, std::mem::take(&mut self.pregnancies), 300).await?;
        insert_chunks(&tx, std::mem::take(&mut self.contacts), 300).await?;
        insert_chunks(&tx, std::mem::take(&mut self.doses), 300).await?;
        insert_chunks(&tx, std::mem::take(&mut self.capsules), 400).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_chunks<C, A>(db: &C, rows: Vec<A>, chunk: usize) -> anyhow::Result<()>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(chunk).collect();
        <A::Entity as EntityTrait>::insert_many(part)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub struct Generated {
    pub children: usize,
    pub mothers: usize,
    pub weighings: usize,
    pub pregnancies: usize,
    pub doses: usize,
}

/// Generates `total` children spread evenly over the posyandu, with a year
/// of weighings up to `today`.
pub async fn generate(
    db: &DatabaseConnection,
    posyandu: &[posyandu::Model],
    total: usize,
    seed: u64,
    today: NaiveDate,
) -> anyhow::Result<Generated> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Mothers and children each take a public code.
    let last = reserve_codes(db, 2 * total as i64)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut next_code = last - 2 * total as i64 + 1;
    let mut code = move || {
        let c = public_code::encode(next_code as u64);
        next_code += 1;
        c
    };
    let now = clock::now();
    let actor = "system:demo".to_owned();
    let mut batch = Batch::default();
    let mut generated = Generated {
        children: 0,
        mothers: 0,
        weighings: 0,
        pregnancies: 0,
        doses: 0,
    };
    let mut phone_serial: u64 = 10_000_000 + rng.random_range(0..1_000_000);

    for (index, post) in posyandu.iter().enumerate() {
        let share = total / posyandu.len() + usize::from(index < total % posyandu.len());
        let place = Place::of_posyandu(post);
        let rule =
            opening_rule(post).unwrap_or(openapi::areas::OpeningRule::DayOfMonth { day: 10 });
        for _ in 0..share {
            // The family and the mother.
            let family_id = Uuid::now_v7();
            batch.families.push(family::ActiveModel {
                id: Set(family_id),
                no_kk: Set(Some(format!(
                    "5108{:012}",
                    rng.random_range(0..1_000_000_000_000u64)
                ))),
                desil: Set(Some(rng.random_range(1..=10))),
                address: Set(Some(format!("Banjar Dinas {}", rng.random_range(1..=6)))),
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
            let age_days = rng.random_range(20..=1800);
            let birth = today - Duration::days(age_days);
            let mother_birth = birth - Duration::days(rng.random_range(19 * 365..40 * 365));
            let mother_name = format!(
                "Ni {} {}",
                ["Luh", "Made", "Nyoman", "Ketut", "Kadek", "Komang"][rng.random_range(0..6)],
                FIRST_NAMES_GIRL[rng.random_range(0..FIRST_NAMES_GIRL.len())]
            );
            let mother_id = Uuid::now_v7();
            let phone = rng.random_bool(0.7).then(|| {
                phone_serial += 1;
                format!("+62815{phone_serial:08}")
            });
            batch.people.push(new_person(
                mother_id,
                code(),
                &mother_name,
                Sex::P,
                mother_birth,
                phone,
                family_id,
                &place,
                now,
                &mut rng,
            ));
            generated.mothers += 1;

            // The child.
            let sex = if rng.random_bool(0.5) { Sex::L } else { Sex::P };
            let given = match sex {
                Sex::L => FIRST_NAMES_BOY[rng.random_range(0..FIRST_NAMES_BOY.len())],
                Sex::P => FIRST_NAMES_GIRL[rng.random_range(0..FIRST_NAMES_GIRL.len())],
            };
            let name = format!(
                "{} {given}",
                BIRTH_ORDER[rng.random_range(0..BIRTH_ORDER.len())]
            );
            let child_id = Uuid::now_v7();
            batch.people.push(new_person(
                child_id,
                code(),
                &name,
                sex,
                birth,
                None,
                family_id,
                &place,
                now,
                &mut rng,
            ));
            batch.children.push(child::ActiveModel {
                person_id: Set(child_id),
                mother_id: Set(Some(mother_id)),
                birth_weight_g: Set(Some(
                    (3100.0 + 450.0 * normal(&mut rng)).clamp(1800.0, 4500.0) as i32,
                )),
                birth_length_cm: Set(Some(round1(
                    (49.0 + 2.0 * normal(&mut rng)).clamp(42.0, 55.0),
                ))),
                pregnancy_id: Set(None),
                birth_place: Set(None),
                kms_held: Set(rng.random_bool(0.85)),
                buku_kia_held: Set(rng.random_bool(0.9)),
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
            generated.children += 1;

            // A year of monthly weighings on the posyandu's days.
            // Length and weight go together: a short child is mostly light
            // too, which keeps weight-for-length realistic.
            let mut z_length = -1.0 + normal(&mut rng);
            let mut z_weight = 0.7 * z_length + 0.1 + 0.6 * normal(&mut rng);
            let mut history: Vec<History> = Vec::new();
            for months_back in (0..12).rev() {
                let total_months = today.year() * 12 + today.month() as i32 - 1 - months_back;
                let day = schedule::date_in(
                    &rule,
                    total_months.div_euclid(12),
                    total_months.rem_euclid(12) as u32 + 1,
                );
                if day > today || day < birth || !rng.random_bool(0.88) {
                    continue;
                }
                // Growth wanders a little; sometimes a child falters.
                z_weight += 0.03 * normal(&mut rng) - if rng.random_bool(0.05) { 0.3 } else { 0.0 };
                z_length += 0.02 * normal(&mut rng);
                let age = (day - birth).num_days();
                let (Some(weight), Some(length)) = (
                    value_at(ChartIndicator::WeightForAge, sex, age, z_weight),
                    value_at(ChartIndicator::LengthForAge, sex, age, z_length),
                ) else {
                    continue;
                };
                let position = if age < 731 {
                    Position::Lying
                } else {
                    Position::Standing
                };
                let measurement = Measurement {
                    sex,
                    age_days: age,
                    weight_kg: Some(round1(weight)),
                    length_cm: Some(round1(length)),
                    position: Some(position),
                    head_cm: None,
                    muac_cm: None,
                    oedema: false,
                };
                let evaluation = assessment::evaluate(birth, day, post.id, &measurement, &history);
                history.push(History {
                    date: day,
                    weight_kg: round1(weight),
                    posyandu_id: post.id,
                    status: evaluation.kms.status,
                    lhfa: evaluation.z.lhfa,
                });
                let mut row = weighing::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    child_id: Set(child_id),
                    measured_on: Set(day),
                    age_days: Set(age as i32),
                    weight_kg: Set(round1(weight)),
                    length_cm: Set(Some(round1(length))),
                    position: Set(Some(code_of(&position))),
                    head_cm: Set(None),
                    muac_cm: Set(None),
                    oedema: Set(false),
                    measured_by: Set(Some("Kader (demo)".into())),
                    recorded_by: Set(actor.clone()),
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
                    ..Default::default()
                };
                write_evaluation(&mut row, &evaluation);
                batch.weighings.push(row);
                generated.weighings += 1;
            }
            // Immunisation and vitamin A so far; and one mother in eight
            // (of a child past its first year) pregnant again.
            let doses =
                maternal::immunisations(child_id, birth, post, &place, today, now, &mut rng);
            generated.doses += doses.len();
            batch.doses.extend(doses);
            batch.capsules.extend(maternal::vitamin_a(
                child_id, birth, &place, today, now, &mut rng,
            ));
            if age_days > 400 && rng.random_bool(0.125) {
                let (pregnancy, contacts) = maternal::pregnancy(
                    mother_id,
                    mother_birth,
                    post,
                    &place,
                    today,
                    now,
                    &mut rng,
                );
                batch.pregnancies.push(pregnancy);
                batch.contacts.extend(contacts);
                generated.pregnancies += 1;
            }
            if batch.len() > 20_000 {
                batch.flush(db).await?;
            }
        }
    }
    batch.flush(db).await?;
    Ok(generated)
}

#[allow(clippy::too_many_arguments)]
fn new_person(
    id: Uuid,
    code: String,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
    phone: Option<String>,
    family_id: Uuid,
    place: &Place,
    now: chrono::DateTime<chrono::Utc>,
    rng: &mut StdRng,
) -> person::ActiveModel {
    let segment = match rng.random_range(0..10) {
        0..=4 => Some("pbi"),
        5..=7 => Some("non_pbi"),
        _ => Some("none"),
    };
    person::ActiveModel {
        id: Set(id),
        code: Set(code),
        nik: Set(None),
        name: Set(name.to_owned()),
        name_folded: Set(fold_name(name)),
        sex: Set(sex_code(sex).to_owned()),
        birth_date: Set(birth),
        phone: Set(phone),
        family_id: Set(Some(family_id)),
        bpjs_segment: Set(segment.map(str::to_owned)),
        bpjs_number: Set(None),
        status: Set("active".into()),
        status_date: Set(None),
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
    }
}
