//! Mothers and babies: pregnancies, antenatal contacts, births,
//! immunisation, vitamin A, newcomers and BPJS coverage.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::registry::{BpjsSegment, Child, NewPerson, Person};

/// Trimester: I up to 13 weeks 6 days, II 14w0d–27w6d, III from 28w0d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trimester {
    First,
    Second,
    Third,
}

/// A pregnancy risk ("4 terlalu" and short stature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskFlag {
    /// Terlalu muda: under 20 at HPHT.
    #[serde(rename = "age_under_20")]
    AgeUnder20,
    /// Terlalu tua: over 35 at HPHT.
    #[serde(rename = "age_over_35")]
    AgeOver35,
    /// Terlalu dekat: under 2 years since the last birth.
    #[serde(rename = "birth_interval_under_2_years")]
    BirthIntervalUnder2Years,
    /// Terlalu banyak: more than 3 children.
    #[serde(rename = "more_than_3_children")]
    MoreThan3Children,
    /// Height under 145 cm.
    #[serde(rename = "height_under_145")]
    HeightUnder145,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PregnancyOutcome {
    LiveBirth,
    Stillbirth,
    Miscarriage,
}

/// Gestational age in completed weeks and days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GestationalAge {
    pub weeks: i64,
    pub days: i64,
}

/// Where the antenatal care of a pregnancy stands (Permenkes 21/2021:
/// at least 6 contacts, 1-2-3 by trimester, 2 by a doctor in I and III).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AncSummary {
    pub contacts: u32,
    /// Contacts in trimester I, II, III.
    pub by_trimester: [u32; 3],
    pub doctor_first_trimester: bool,
    pub doctor_third_trimester: bool,
    pub iron_tablets_total: i32,
    pub k1: bool,
    pub k1_first_trimester: bool,
    /// 1-1-2 (the older K4 rule).
    pub k4: bool,
    /// 1-2-3 with a doctor in I and III.
    pub k6: bool,
    /// The contacts so far are as many as the 1-2-3 pattern needs by today.
    pub on_track_123: bool,
    pub doctors_on_track: bool,
    pub iron_on_track: bool,
    /// The next recommended contact.
    pub next_due: Option<NaiveDate>,
    pub next_due_overdue: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Pregnancy {
    pub id: Uuid,
    pub mother_id: Uuid,
    pub mother_name: String,
    /// First day of the last menstrual period.
    pub hpht: NaiveDate,
    /// HPHT was derived from a gestational age given at registration.
    pub hpht_estimated: bool,
    /// HPL: HPHT + 280 days.
    pub due_date: NaiveDate,
    pub registered_on: NaiveDate,
    pub gravida: Option<i32>,
    pub para: Option<i32>,
    pub abortus: Option<i32>,
    pub living_children: Option<i32>,
    pub last_birth_date: Option<NaiveDate>,
    pub height_cm: Option<f64>,
    pub risk_flags: Vec<RiskFlag>,
    /// Today (or at the outcome, once closed).
    pub gestational_age: Option<GestationalAge>,
    pub trimester: Option<Trimester>,
    pub outcome: Option<PregnancyOutcome>,
    pub outcome_date: Option<NaiveDate>,
    pub outcome_note: Option<String>,
    pub anc: AncSummary,
    pub posyandu_id: Uuid,
    pub desa_code: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Register a pregnancy: HPHT, or the gestational age found at registration
/// when the mother does not remember her HPHT.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPregnancy {
    pub mother_id: Uuid,
    /// The posyandu she attends; her own when omitted.
    #[serde(default)]
    pub posyandu_id: Option<Uuid>,
    #[serde(default)]
    pub hpht: Option<NaiveDate>,
    /// Weeks (with `gestational_age_days`) at `registered_on`, instead of HPHT.
    #[serde(default)]
    #[schema(maximum = 45)]
    pub gestational_age_weeks: Option<u32>,
    #[serde(default)]
    #[schema(maximum = 6)]
    pub gestational_age_days: Option<u32>,
    /// Today when omitted.
    #[serde(default)]
    pub registered_on: Option<NaiveDate>,
    #[serde(default)]
    pub gravida: Option<i32>,
    #[serde(default)]
    pub para: Option<i32>,
    #[serde(default)]
    pub abortus: Option<i32>,
    #[serde(default)]
    pub living_children: Option<i32>,
    #[serde(default)]
    pub last_birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub height_cm: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PregnancyPatch {
    #[serde(default)]
    pub hpht: Option<NaiveDate>,
    #[serde(default)]
    pub gravida: Option<i32>,
    #[serde(default)]
    pub para: Option<i32>,
    #[serde(default)]
    pub abortus: Option<i32>,
    #[serde(default)]
    pub living_children: Option<i32>,
    #[serde(default)]
    pub last_birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub height_cm: Option<f64>,
}

/// Close a pregnancy that did not end in a recorded birth (for a live birth,
/// record the birth: it closes the pregnancy and registers the baby).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePregnancy {
    pub outcome: PregnancyOutcome,
    pub date: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AncProvider {
    Bidan,
    Doctor,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AntenatalContact {
    pub id: Uuid,
    pub pregnancy_id: Uuid,
    /// K number: the contact's place in date order.
    pub number: u32,
    pub date: NaiveDate,
    pub provider: AncProvider,
    pub place: Option<String>,
    pub gestational_age: GestationalAge,
    pub trimester: Trimester,
    pub weight_kg: Option<f64>,
    /// Mid-upper arm circumference (LILA).
    pub lila_cm: Option<f64>,
    pub hb_g_dl: Option<f64>,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// Iron tablets (TTD) given at this contact.
    pub iron_tablets: i32,
    pub td_given: bool,
    pub notes: Option<String>,
    /// Kurang energi kronis: LILA under 23.5 cm.
    pub kek: bool,
    /// Hb under 11 g/dL (trimester II: under 10.5).
    pub anaemia: bool,
    /// 140/90 mmHg or higher.
    pub hypertension: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAntenatalContact {
    pub date: NaiveDate,
    pub provider: AncProvider,
    #[serde(default)]
    pub place: Option<String>,
    /// 25–200 kg.
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// 10–60 cm.
    #[serde(default)]
    pub lila_cm: Option<f64>,
    /// 3–20 g/dL.
    #[serde(default)]
    pub hb_g_dl: Option<f64>,
    /// 60–260 mmHg, with `diastolic` 30–160.
    #[serde(default)]
    pub systolic: Option<i32>,
    #[serde(default)]
    pub diastolic: Option<i32>,
    /// 0–180.
    #[serde(default)]
    pub iron_tablets: i32,
    #[serde(default)]
    pub td_given: bool,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Record a birth against the mother's pregnancy: the pregnancy closes as a
/// live birth and the baby is registered at the posyandu. For twins, record
/// each baby; the second finds the pregnancy closed by the first, same day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBirth {
    #[schema(example = "Bayi Ny. Ayu")]
    pub name: String,
    pub sex: crate::growth::Sex,
    pub birth_date: NaiveDate,
    /// 300–6,000 g.
    pub weight_g: i32,
    /// 25–65 cm.
    #[serde(default)]
    pub length_cm: Option<f64>,
    /// Where the baby was born (puskesmas, home, hospital …).
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub nik: Option<String>,
    /// The mother was given the baby's Buku KIA.
    #[serde(default)]
    pub buku_kia_held: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Birth {
    pub pregnancy: Pregnancy,
    pub child: Child,
    /// Berat badan lahir rendah: under 2,500 g.
    pub low_birth_weight: bool,
    /// The first doses the baby is due for.
    pub immunisation_due: Vec<DoseStatus>,
}

// ------------------------------------------------------------ immunisation

/// Where one dose of the schedule stands for a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DoseStateKind {
    Given,
    NotYet,
    Due,
    Overdue,
    TooLate,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DoseStatus {
    #[schema(example = "DPT-HB-Hib")]
    pub antigen: String,
    pub dose: u8,
    pub due_on: NaiveDate,
    pub state: DoseStateKind,
    pub given_on: Option<NaiveDate>,
    /// Given before the earliest valid age or interval.
    pub too_early: bool,
    /// Given after the latest valid age.
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdlStatus {
    /// Imunisasi dasar lengkap: every dose due by 9 months given before the
    /// first birthday.
    pub complete: bool,
    pub completed_on: Option<NaiveDate>,
    pub missing: Vec<String>,
    pub still_possible: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImmunisationStatus {
    pub child_id: Uuid,
    pub birth_date: NaiveDate,
    pub on: NaiveDate,
    /// The schedule edition used.
    pub schedule: String,
    pub doses: Vec<DoseStatus>,
    pub idl: IdlStatus,
    pub given: Vec<Immunisation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Immunisation {
    pub id: Uuid,
    pub child_id: Uuid,
    pub antigen: String,
    pub dose: u8,
    pub given_on: NaiveDate,
    pub age_days: i32,
    pub batch: Option<String>,
    pub place: Option<String>,
    pub given_by: Option<String>,
    /// Before the earliest valid age.
    pub too_early: bool,
    /// Less than the minimum interval after the previous dose.
    pub too_soon: bool,
    /// The previous dose of the antigen is not recorded.
    pub previous_missing: bool,
    /// After the latest valid age.
    pub too_late: bool,
    pub schedule: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImmunisation {
    /// Antigen code (`HB0`, `BCG`, `OPV`, `DPT-HB-Hib`, `PCV`, `RV`, `IPV`,
    /// `MR`, `JE`) or a common name (`Pentabio`, `Polio`, `Campak`).
    #[schema(example = "DPT-HB-Hib")]
    pub antigen: String,
    /// The dose's number for the antigen in the schedule.
    #[schema(maximum = 255)]
    pub dose: u8,
    pub given_on: NaiveDate,
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub given_by: Option<String>,
}

/// A child due for doses at a posyandu day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChildDue {
    pub child_id: Uuid,
    pub name: String,
    pub code: String,
    pub birth_date: NaiveDate,
    pub mother_id: Option<Uuid>,
    pub doses: Vec<DoseStatus>,
    /// The vitamin A capsule due, in February and August.
    pub vitamin_a: Option<Capsule>,
}

// --------------------------------------------------------------- vitamin A

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capsule {
    /// 100,000 IU, once, for 6–11 months.
    Blue,
    /// 200,000 IU, twice a year for 12–59 months, and for mothers after birth.
    Red,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VitaminADose {
    pub id: Uuid,
    pub person_id: Uuid,
    pub capsule: Capsule,
    pub given_on: NaiveDate,
    /// `2026-08`; none for a mother's capsule after birth.
    pub round: Option<String>,
    pub postpartum: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVitaminADose {
    pub capsule: Capsule,
    pub given_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundStateKind {
    NotEligible,
    Given,
    Due,
    Missed,
}

/// A child in a vitamin A round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VitaminARoundEntry {
    pub child_id: Uuid,
    pub name: String,
    pub code: String,
    pub birth_date: NaiveDate,
    pub capsule: Capsule,
    pub state: RoundStateKind,
    pub given_on: Option<NaiveDate>,
}

// ---------------------------------------------------- population and BPJS

/// A newcomer (pendatang) of a desa.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Newcomer {
    pub person: Person,
    pub arrived_on: NaiveDate,
    pub origin: Option<String>,
    /// Attached to a posyandu yet.
    pub attached: bool,
}

/// A person the village should help keep insured.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CoverageGap {
    pub person: Person,
    pub family_id: Option<Uuid>,
    pub desil: Option<i16>,
    pub segment: Option<BpjsSegment>,
    /// When PBI was lost (for the lost-PBI list).
    pub lost_pbi_on: Option<NaiveDate>,
}

/// Register a person who arrived from elsewhere (form F-103).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNewcomer {
    pub person: NewPerson,
    pub arrived_on: NaiveDate,
    /// Where from: a region code or a free description.
    #[serde(default)]
    pub origin: Option<String>,
}
