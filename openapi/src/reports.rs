//! Reports for the posyandu, the puskesmas lokakarya mini, the village and
//! the district: SKDN, nutrition status, maternal care, immunisation,
//! population and insurance, the posyandu institution, the lokmin pack,
//! targets and the follow-up plan (RTL).
//!
//! Every report answers for one area (the caller's own by default) and
//! breaks it down one level (`by`): kabupaten → kecamatan → puskesmas →
//! desa → posyandu. Each row carries a `drill` link: the same report for
//! that row's area. Ratios are fractions (0.853 = 85.3 %), each with its
//! numerator, denominator, target and whether the target is met.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::access::AreaKind;
use crate::areas::SpmField;
use crate::growth::Sex;

/// An area a report row stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportArea {
    pub kind: AreaKind,
    /// Region code, puskesmas code or posyandu registration number.
    #[schema(example = "51.08.06")]
    pub code: String,
    #[schema(example = "Buleleng")]
    pub name: String,
    /// The same report for this area, one level further down; absent for a
    /// posyandu.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drill: Option<String>,
}

/// A programme indicator. `higher_is_better` says which way its target
/// points: coverage should reach the target, prevalence stay under it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// K/S: children with a KMS or Buku KIA among all children (coverage).
    Ks,
    /// D/S: children weighed among all children (participation).
    Ds,
    /// N/D: children whose weight went up among those weighed (success).
    Nd,
    /// D/K: children weighed among those with a KMS.
    Dk,
    /// Stunting (length/height-for-age z < −2) among children measured.
    Stunting,
    /// Wasting (weight-for-length/height z < −2).
    Wasting,
    /// Underweight (weight-for-age z < −2).
    Underweight,
    /// Overweight (weight-for-length/height z > +2).
    Overweight,
    /// K1: pregnancies with at least one antenatal contact.
    K1,
    /// K1 in trimester I (K1 murni).
    K1FirstTrimester,
    /// K4 (1-1-2) among pregnancies completed in the period.
    K4,
    /// K6 (1-2-3, a doctor in I and III) among pregnancies completed.
    K6,
    /// Chronic energy deficiency (LILA < 23.5 cm) among pregnancies seen.
    Kek,
    /// Anaemia among pregnancies seen.
    Anaemia,
    /// Low birth weight (< 2500 g) among births weighed.
    LowBirthWeight,
    /// Imunisasi dasar lengkap among children aged 12–23 months.
    Idl,
    /// Dropout DPT-HB-Hib 1 → MR 1: (DPT1 − MR1) / DPT1.
    DropoutDptMr,
    /// Vitamin A in the last February/August round among children 6–59 months.
    VitaminA,
    /// Posyandu aktif (strata Purnama or Mandiri) among posyandu.
    PosyanduAktif,
}

impl Indicator {
    pub const ALL: [Indicator; 19] = [
        Indicator::Ks,
        Indicator::Ds,
        Indicator::Nd,
        Indicator::Dk,
        Indicator::Stunting,
        Indicator::Wasting,
        Indicator::Underweight,
        Indicator::Overweight,
        Indicator::K1,
        Indicator::K1FirstTrimester,
        Indicator::K4,
        Indicator::K6,
        Indicator::Kek,
        Indicator::Anaemia,
        Indicator::LowBirthWeight,
        Indicator::Idl,
        Indicator::DropoutDptMr,
        Indicator::VitaminA,
        Indicator::PosyanduAktif,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Ks => "ks",
            Indicator::Ds => "ds",
            Indicator::Nd => "nd",
            Indicator::Dk => "dk",
            Indicator::Stunting => "stunting",
            Indicator::Wasting => "wasting",
            Indicator::Underweight => "underweight",
            Indicator::Overweight => "overweight",
            Indicator::K1 => "k1",
            Indicator::K1FirstTrimester => "k1_first_trimester",
            Indicator::K4 => "k4",
            Indicator::K6 => "k6",
            Indicator::Kek => "kek",
            Indicator::Anaemia => "anaemia",
            Indicator::LowBirthWeight => "low_birth_weight",
            Indicator::Idl => "idl",
            Indicator::DropoutDptMr => "dropout_dpt_mr",
            Indicator::VitaminA => "vitamin_a",
            Indicator::PosyanduAktif => "posyandu_aktif",
        }
    }

    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// Whether reaching the target means being at or above it.
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Indicator::Stunting
                | Indicator::Wasting
                | Indicator::Underweight
                | Indicator::Overweight
                | Indicator::Kek
                | Indicator::Anaemia
                | Indicator::LowBirthWeight
                | Indicator::DropoutDptMr
        )
    }

    /// The name the lokakarya mini uses.
    pub fn label(self) -> &'static str {
        match self {
            Indicator::Ks => "K/S (cakupan KMS)",
            Indicator::Ds => "D/S (partisipasi penimbangan)",
            Indicator::Nd => "N/D (berat badan naik)",
            Indicator::Dk => "D/K",
            Indicator::Stunting => "Prevalensi stunting",
            Indicator::Wasting => "Prevalensi wasting",
            Indicator::Underweight => "Prevalensi underweight",
            Indicator::Overweight => "Prevalensi overweight",
            Indicator::K1 => "Cakupan K1",
            Indicator::K1FirstTrimester => "Cakupan K1 trimester I",
            Indicator::K4 => "Cakupan K4",
            Indicator::K6 => "Cakupan K6",
            Indicator::Kek => "Ibu hamil KEK",
            Indicator::Anaemia => "Ibu hamil anemia",
            Indicator::LowBirthWeight => "BBLR",
            Indicator::Idl => "Imunisasi dasar lengkap",
            Indicator::DropoutDptMr => "Drop out DPT-HB-Hib1 → MR1",
            Indicator::VitaminA => "Vitamin A",
            Indicator::PosyanduAktif => "Posyandu aktif",
        }
    }
}

/// A ratio with what it is made of and how it stands against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Measure {
    pub indicator: Indicator,
    pub numerator: i64,
    pub denominator: i64,
    /// numerator / denominator; absent when the denominator is 0.
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// Absent when there is no value or no target.
    pub met: Option<bool>,
}

/// Age groups of the F1 gizi form, in completed months.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum AgeGroup {
    #[serde(rename = "0-5")]
    M0To5,
    #[serde(rename = "6-11")]
    M6To11,
    #[serde(rename = "12-23")]
    M12To23,
    #[serde(rename = "24-59")]
    M24To59,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 4] = [
        AgeGroup::M0To5,
        AgeGroup::M6To11,
        AgeGroup::M12To23,
        AgeGroup::M24To59,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::M0To5 => "0-5",
            AgeGroup::M6To11 => "6-11",
            AgeGroup::M12To23 => "12-23",
            AgeGroup::M24To59 => "24-59",
        }
    }

    /// The first completed month of the group.
    pub fn from_months(self) -> u32 {
        match self {
            AgeGroup::M0To5 => 0,
            AgeGroup::M6To11 => 6,
            AgeGroup::M12To23 => 12,
            AgeGroup::M24To59 => 24,
        }
    }
}

/// The SKDN counts of one area and month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkdnCounts {
    /// Children 0–59 months living in the area.
    pub s: i64,
    /// Of them, with a KMS or Buku KIA.
    pub k: i64,
    /// Weighed this month.
    pub d: i64,
    /// Weighed this and last month, weight up by at least the KBM.
    pub n: i64,
    /// Weighed, weight not up enough.
    pub t: i64,
    /// Weighed, not weighed the month before.
    pub o: i64,
    /// Weighed for the first time at this posyandu.
    pub b: i64,
    /// Two T in a row.
    pub two_t: i64,
    /// Below the red line (weight-for-age z < −3).
    pub bgm: i64,
    /// K − D: registered but not weighed this month.
    pub absent: i64,
}

/// SKDN counts of one age group and sex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkdnGroup {
    pub age_group: AgeGroup,
    pub sex: Sex,
    pub counts: SkdnCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkdnRow {
    pub area: ReportArea,
    pub counts: SkdnCounts,
    /// K/S, D/S, N/D, D/K.
    pub measures: Vec<Measure>,
    /// D = N + T + O + B holds.
    pub balanced: bool,
    /// The counts by age group and sex (the F1 gizi breakdown).
    pub groups: Vec<SkdnGroup>,
}

/// SKDN / F1 gizi of an area for a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkdnReport {
    pub area: ReportArea,
    #[schema(example = "2026-11")]
    pub month: String,
    /// The level of the rows.
    pub by: AreaKind,
    pub total: SkdnRow,
    pub rows: Vec<SkdnRow>,
}

/// Nutrition counts among the children weighed in a month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NutritionCounts {
    pub weighed: i64,
    /// With a length/height-for-age z-score (the stunting denominator).
    pub measured_length: i64,
    /// With a weight-for-length/height z-score (wasting, overweight).
    pub measured_wflh: i64,
    /// With a weight-for-age z-score (underweight).
    pub measured_wfa: i64,
    pub stunting: i64,
    pub wasting: i64,
    pub underweight: i64,
    pub overweight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NutritionRow {
    pub area: ReportArea,
    pub counts: NutritionCounts,
    /// Stunting, wasting, underweight, overweight prevalence.
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NutritionMonth {
    pub month: String,
    pub counts: NutritionCounts,
    pub measures: Vec<Measure>,
}

/// Nutrition status of an area: the month's prevalence by sub-area and the
/// whole area's trend over the 12 months ending with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NutritionReport {
    pub area: ReportArea,
    pub month: String,
    pub by: AreaKind,
    pub total: NutritionRow,
    pub rows: Vec<NutritionRow>,
    /// Oldest first, the report's month last.
    pub trend: Vec<NutritionMonth>,
}

/// Which children a named list is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Stunting,
    Wasting,
    Underweight,
    Overweight,
    Bgm,
    TwoT,
    /// Registered (K) but not weighed this month.
    Absent,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Stunting => "stunting",
            CaseKind::Wasting => "wasting",
            CaseKind::Underweight => "underweight",
            CaseKind::Overweight => "overweight",
            CaseKind::Bgm => "bgm",
            CaseKind::TwoT => "two_t",
            CaseKind::Absent => "absent",
        }
    }
}

/// A child behind a number of the nutrition or SKDN report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NutritionCase {
    pub child_id: Uuid,
    pub code: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub posyandu: ReportArea,
    pub desa_code: String,
    /// The month's (last) weighing; absent for `absent`.
    pub measured_on: Option<NaiveDate>,
    pub weight_kg: Option<f64>,
    pub length_cm: Option<f64>,
    pub z_wfa: Option<f64>,
    pub z_lhfa: Option<f64>,
    pub z_wflh: Option<f64>,
    pub kms_status: Option<String>,
}

/// Maternal care counts of an area and month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaternalCounts {
    /// Pregnancies ongoing at some time in the month.
    pub pregnancies: i64,
    /// Ongoing at the end of the month, by trimester then.
    pub trimester_1: i64,
    pub trimester_2: i64,
    pub trimester_3: i64,
    pub k1: i64,
    pub k1_first_trimester: i64,
    /// Pregnancies completed in the month (outcome recorded, or HPL reached).
    pub completed: i64,
    pub k4: i64,
    pub k6: i64,
    /// Pregnancies with at least one contact by the month's end.
    pub seen: i64,
    pub kek: i64,
    pub anaemia: i64,
    /// With a risk flag (4 terlalu, height, blood pressure).
    pub high_risk: i64,
    /// Children born in the month.
    pub births: i64,
    pub births_weighed: i64,
    pub low_birth_weight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MaternalRow {
    pub area: ReportArea,
    pub counts: MaternalCounts,
    /// K1, K1 in trimester I, K4, K6, KEK, anaemia, low birth weight.
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MaternalReport {
    pub area: ReportArea,
    pub month: String,
    pub by: AreaKind,
    pub total: MaternalRow,
    pub rows: Vec<MaternalRow>,
}

/// How many children of the cohort had one dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AntigenCoverage {
    #[schema(example = "DPT-HB-Hib")]
    pub antigen: String,
    pub dose: u8,
    pub given: i64,
    pub coverage: Option<f64>,
}

/// Immunisation counts: the cohort is the children aged 12–23 months at
/// the end of the month (their first birthday in the 12 months before).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImmunisationCounts {
    pub cohort: i64,
    pub idl: i64,
    pub dpt_hb_hib_1: i64,
    pub mr_1: i64,
    /// The vitamin A round reported (`2026-08`).
    pub vitamin_a_round: String,
    /// Children 6–59 months at the round.
    pub vitamin_a_eligible: i64,
    pub vitamin_a_given: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImmunisationRow {
    pub area: ReportArea,
    pub counts: ImmunisationCounts,
    pub antigens: Vec<AntigenCoverage>,
    /// IDL, dropout DPT1 → MR1, vitamin A.
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImmunisationReport {
    pub area: ReportArea,
    pub month: String,
    pub by: AreaKind,
    pub total: ImmunisationRow,
    pub rows: Vec<ImmunisationRow>,
}

/// Population events of a month and insurance gaps now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PopulationCounts {
    /// Newcomers (pendatang) who arrived in the month.
    pub arrived: i64,
    pub moved: i64,
    pub deceased: i64,
    /// People born in the month.
    pub born: i64,
    /// People of families in desil 1–5 without BPJS Kesehatan (today).
    pub uninsured_poor: i64,
    /// People who left PBI in the month.
    pub lost_pbi: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PopulationRow {
    pub area: ReportArea,
    pub counts: PopulationCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PopulationReport {
    pub area: ReportArea,
    pub month: String,
    pub by: AreaKind,
    pub total: PopulationRow,
    pub rows: Vec<PopulationRow>,
}

/// Posyandu strata (Kemenkes 2011).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strata {
    Pratama,
    Madya,
    Purnama,
    Mandiri,
}

impl Strata {
    pub fn as_str(self) -> &'static str {
        match self {
            Strata::Pratama => "pratama",
            Strata::Madya => "madya",
            Strata::Purnama => "purnama",
            Strata::Mandiri => "mandiri",
        }
    }

    /// Purnama and Mandiri are "posyandu aktif".
    pub fn is_aktif(self) -> bool {
        matches!(self, Strata::Purnama | Strata::Mandiri)
    }
}

/// The activities recorded for one SPM field in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpmFieldActivity {
    pub field: SpmField,
    /// Whether the posyandu serves this field.
    pub served: bool,
    pub activities: i64,
    pub people: i64,
}

/// One posyandu's year, its strata and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PosyanduInstitution {
    pub posyandu: ReportArea,
    pub desa: ReportArea,
    pub puskesmas: ReportArea,
    /// Months of the year in which the posyandu opened (weighings recorded).
    pub openings: i64,
    /// Average number of active kader over the year's months.
    pub kader_on_duty: f64,
    /// Average D/S over the months it opened.
    pub ds: Option<f64>,
    /// The lower of K4 and IDL coverage of the year (KIA and immunisation).
    pub coverage: Option<f64>,
    /// SPM fields other than health with an activity in the year.
    pub extra_programmes: i64,
    /// Households in the health fund (dana sehat) among households.
    pub health_fund: Option<f64>,
    pub strata: Strata,
    /// Why it is at this level and not the next, in Indonesian.
    pub reasons: Vec<String>,
    pub active_kader: i64,
    /// Active kader with a training tier (purwa, madya, utama).
    pub trained_kader: i64,
    pub sk_number: Option<String>,
    pub sk_date: Option<NaiveDate>,
    /// An SK exists and is younger than five years.
    pub sk_valid: bool,
    pub desa_has_bidan: Option<bool>,
    pub spm: Vec<SpmFieldActivity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StrataSummary {
    pub posyandu: i64,
    pub pratama: i64,
    pub madya: i64,
    pub purnama: i64,
    pub mandiri: i64,
    pub aktif: Option<Measure>,
    pub active_kader: i64,
    pub trained_kader: i64,
    pub sk_invalid: i64,
}

/// The posyandu institution report: a year of data ending with `month`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InstitutionReport {
    pub area: ReportArea,
    /// The last month of the year looked at.
    pub month: String,
    pub summary: StrataSummary,
    pub posyandu: Vec<PosyanduInstitution>,
    /// Desa of the area recorded as having no bidan desa.
    pub desa_without_bidan: Vec<ReportArea>,
}

/// Which way an indicator moved since the previous quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Better,
    Worse,
    Same,
    Unknown,
}

/// A sub-area's value of an indicator (the "where" of a gap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AreaValue {
    pub area: ReportArea,
    pub value: Option<f64>,
    pub numerator: i64,
    pub denominator: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LokminIndicator {
    pub indicator: Indicator,
    pub label: String,
    pub higher_is_better: bool,
    /// The quarter's three months.
    pub months: Vec<Option<f64>>,
    /// The quarter pooled (Σ numerators / Σ denominators of its months).
    pub quarter: Measure,
    pub previous_quarter: Option<f64>,
    pub trend: Trend,
    /// How far the quarter is from its target, in ratio points; positive when
    /// missed, absent without value or target.
    pub gap: Option<f64>,
    /// The posyandu furthest from the target, worst first (at most 5).
    pub worst: Vec<AreaValue>,
}

/// The state of an RTL item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RtlStatus {
    Planned,
    InProgress,
    Done,
    Dropped,
}

impl RtlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RtlStatus::Planned => "planned",
            RtlStatus::InProgress => "in_progress",
            RtlStatus::Done => "done",
            RtlStatus::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<RtlStatus> {
        [
            RtlStatus::Planned,
            RtlStatus::InProgress,
            RtlStatus::Done,
            RtlStatus::Dropped,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The sector that owns a follow-up action (the lokmin is cross-sector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Puskesmas,
    Desa,
    Kecamatan,
    /// TP-PKK.
    Pkk,
    /// Kader posyandu.
    Kader,
    /// Babinsa (army).
    Tni,
    /// Bhabinkamtibmas (police).
    Polri,
    /// KUA and religious leaders.
    Agama,
    /// Schools and PAUD.
    Pendidikan,
    Lainnya,
}

impl Sector {
    pub const ALL: [Sector; 10] = [
        Sector::Puskesmas,
        Sector::Desa,
        Sector::Kecamatan,
        Sector::Pkk,
        Sector::Kader,
        Sector::Tni,
        Sector::Polri,
        Sector::Agama,
        Sector::Pendidikan,
        Sector::Lainnya,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Puskesmas => "puskesmas",
            Sector::Desa => "desa",
            Sector::Kecamatan => "kecamatan",
            Sector::Pkk => "pkk",
            Sector::Kader => "kader",
            Sector::Tni => "tni",
            Sector::Polri => "polri",
            Sector::Agama => "agama",
            Sector::Pendidikan => "pendidikan",
            Sector::Lainnya => "lainnya",
        }
    }

    pub fn parse(s: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A follow-up action agreed at a lokakarya mini (rencana tindak lanjut).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RtlItem {
    pub id: Uuid,
    pub puskesmas_id: Uuid,
    /// The quarter of the meeting that agreed it.
    #[schema(example = "2026-Q3")]
    pub quarter: String,
    pub indicator: Option<Indicator>,
    pub problem: String,
    pub action: String,
    pub owner_sector: Sector,
    pub deadline: NaiveDate,
    pub status: RtlStatus,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRtlItem {
    #[schema(example = "2026-Q3")]
    pub quarter: String,
    #[serde(default)]
    pub indicator: Option<Indicator>,
    #[schema(example = "D/S Posyandu Mawar 41%, jauh di bawah target 85%")]
    pub problem: String,
    #[schema(example = "Kunjungan rumah oleh kader dan pengumuman di banjar")]
    pub action: String,
    pub owner_sector: Sector,
    pub deadline: NaiveDate,
    #[serde(default)]
    pub status: Option<RtlStatus>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RtlPatch {
    #[serde(default)]
    pub problem: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub owner_sector: Option<Sector>,
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    #[serde(default)]
    pub status: Option<RtlStatus>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The lokakarya mini pack of a puskesmas for a quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LokminPack {
    pub puskesmas: ReportArea,
    #[schema(example = "2026-Q4")]
    pub quarter: String,
    pub months: Vec<String>,
    pub previous_quarter: String,
    pub indicators: Vec<LokminIndicator>,
    /// Indicators that missed their target, the largest gap first.
    pub gaps: Vec<Indicator>,
    /// The follow-up plan agreed at the previous quarter's meeting.
    pub previous_rtl: Vec<RtlItem>,
    /// Items already agreed for this quarter.
    pub rtl: Vec<RtlItem>,
    /// SVG charts for the slides.
    pub charts: LokminCharts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LokminCharts {
    pub skdn: String,
    pub stunting_trend: String,
    pub coverage: String,
}

/// Where a target value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// The national default built in.
    Default,
    /// Set by the district.
    District,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub indicator: Indicator,
    /// A fraction: 0.85 is 85 %.
    pub value: f64,
    pub higher_is_better: bool,
    pub source: TargetSource,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The targets of a district for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TargetSet {
    #[schema(example = "51.08")]
    pub kabupaten_code: String,
    pub year: i32,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetValue {
    pub indicator: Indicator,
    /// A fraction 0–1; `null` returns the indicator to the national default.
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetUpdate {
    pub targets: Vec<TargetValue>,
}

/// Something a posyandu did for one of its SPM fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: Uuid,
    pub posyandu_id: Uuid,
    pub field: SpmField,
    pub activity_date: NaiveDate,
    #[schema(example = "Kelas ibu balita: MPASI lokal")]
    pub description: String,
    /// People reached.
    pub people: i32,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    pub field: SpmField,
    pub activity_date: NaiveDate,
    pub description: String,
    #[serde(default)]
    pub people: i32,
}

/// A posyandu's health fund (dana sehat) for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthFund {
    pub year: i32,
    /// Households in the posyandu's area.
    pub households: i32,
    /// Of them, contributing to the health fund.
    pub households_covered: i32,
}
