//! Growth monitoring: measurements, WHO z-scores, Permenkes categories, KMS.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Sex as Indonesian forms write it: `L` (laki-laki) or `P` (perempuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Sex {
    L,
    P,
}

/// How length/height was measured: lying (length, PB) or standing (height, TB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Lying,
    Standing,
}

/// Weight-for-age (BB/U), Permenkes 2/2020.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightForAge {
    /// z < −3: berat badan sangat kurang.
    SangatKurang,
    /// −3 ≤ z < −2: berat badan kurang.
    Kurang,
    /// −2 ≤ z ≤ +1: berat badan normal.
    Normal,
    /// z > +1: risiko berat badan lebih.
    RisikoLebih,
}

/// Length/height-for-age (PB/U, TB/U), Permenkes 2/2020.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeightForAge {
    /// z < −3.
    SangatPendek,
    /// −3 ≤ z < −2.
    Pendek,
    /// −2 ≤ z ≤ +3.
    Normal,
    /// z > +3.
    Tinggi,
}

/// Weight-for-length/height (BB/PB, BB/TB) and BMI-for-age (IMT/U),
/// Permenkes 2/2020.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Nutrition {
    /// z < −3.
    GiziBuruk,
    /// −3 ≤ z < −2.
    GiziKurang,
    /// −2 ≤ z ≤ +1.
    GiziBaik,
    /// +1 < z ≤ +2.
    BerisikoGiziLebih,
    /// +2 < z ≤ +3.
    GiziLebih,
    /// z > +3.
    Obesitas,
}

impl WeightForAge {
    pub fn label(self) -> &'static str {
        match self {
            WeightForAge::SangatKurang => "Berat badan sangat kurang",
            WeightForAge::Kurang => "Berat badan kurang",
            WeightForAge::Normal => "Berat badan normal",
            WeightForAge::RisikoLebih => "Risiko berat badan lebih",
        }
    }
}

impl HeightForAge {
    pub fn label(self) -> &'static str {
        match self {
            HeightForAge::SangatPendek => "Sangat pendek",
            HeightForAge::Pendek => "Pendek",
            HeightForAge::Normal => "Normal",
            HeightForAge::Tinggi => "Tinggi",
        }
    }
}

impl Nutrition {
    pub fn label(self) -> &'static str {
        match self {
            Nutrition::GiziBuruk => "Gizi buruk",
            Nutrition::GiziKurang => "Gizi kurang",
            Nutrition::GiziBaik => "Gizi baik",
            Nutrition::BerisikoGiziLebih => "Berisiko gizi lebih",
            Nutrition::GiziLebih => "Gizi lebih",
            Nutrition::Obesitas => "Obesitas",
        }
    }
}

/// The KMS reading of a weighing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum KmsStatus {
    /// Naik: gained at least the minimum (KBM) since last month.
    N,
    /// Tidak naik.
    T,
    /// Not weighed last month.
    O,
    /// Baru: first weighing at this posyandu.
    B,
}

/// Why a child should see the health worker.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReferralReason {
    /// Weight did not rise enough (T).
    TidakNaik,
    /// Second T in a row.
    DuaT,
    /// Below the red line: weight-for-age z < −3.
    Bgm,
    /// Weight-for-length/height or BMI z < −3.
    GiziBuruk,
    /// Weight-for-length/height or BMI −3 ≤ z < −2.
    GiziKurang,
    /// Length/height-for-age z < −2 for the first time.
    StuntingBaru,
}

/// The six z-scores (unrounded). `null` when the indicator does not apply
/// (age or length out of range, missing measurement, oedema for
/// weight-based indicators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ZScores {
    /// Weight-for-age.
    pub wfa: Option<f64>,
    /// Length/height-for-age.
    pub lhfa: Option<f64>,
    /// Weight-for-length (under 731 days) or weight-for-height.
    pub wflh: Option<f64>,
    /// BMI-for-age.
    pub bmi: Option<f64>,
    /// Head circumference-for-age.
    pub hcfa: Option<f64>,
    /// MUAC-for-age (from 91 days).
    pub acfa: Option<f64>,
}

/// Indicators whose z-score is outside WHO's plausible range (kept, but
/// to be checked): weight-for-age < −6 or > 5, length/height-for-age beyond
/// ±6, the others beyond ±5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Implausible {
    pub wfa: bool,
    pub lhfa: bool,
    pub wflh: bool,
    pub bmi: bool,
    pub hcfa: bool,
    pub acfa: bool,
}

/// Permenkes 2/2020 categories, code and Indonesian label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Categories {
    /// BB/U.
    pub bbu: Option<WeightForAge>,
    pub bbu_label: Option<String>,
    /// PB/U or TB/U.
    pub tbu: Option<HeightForAge>,
    pub tbu_label: Option<String>,
    /// BB/PB or BB/TB.
    pub bbtb: Option<Nutrition>,
    pub bbtb_label: Option<String>,
    /// IMT/U.
    pub imtu: Option<Nutrition>,
    pub imtu_label: Option<String>,
}

/// Measurements for the z-score calculator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZScoreRequest {
    pub sex: Sex,
    /// With `measured_on`, gives the age in days; or send `age_days`.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub measured_on: Option<NaiveDate>,
    /// Age in days (0–1856), instead of the two dates.
    #[serde(default)]
    pub age_days: Option<i64>,
    #[serde(default)]
    pub weight_kg: Option<f64>,
    /// Length (lying) or height (standing), cm.
    #[serde(default)]
    pub length_cm: Option<f64>,
    /// Required with `length_cm`.
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(default)]
    pub head_cm: Option<f64>,
    /// Mid-upper arm circumference (LILA), cm.
    #[serde(default)]
    pub muac_cm: Option<f64>,
    /// Bilateral pitting oedema.
    #[serde(default)]
    pub oedema: bool,
}

/// Everything the calculator derives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ZScoreResult {
    pub age_days: i64,
    /// Age in months (days × 12 / 365.25).
    pub age_months: f64,
    /// Length/height after the 0.7 cm position adjustment.
    pub length_cm_adjusted: Option<f64>,
    pub bmi: Option<f64>,
    pub z: ZScores,
    pub implausible: Implausible,
    pub categories: Categories,
    /// Length/height-for-age z < −2.
    pub stunting: bool,
    /// Weight-for-length/height z < −2.
    pub wasting: bool,
    /// Weight-for-age z < −2.
    pub underweight: bool,
    /// Weight-for-age z < −3 (below the KMS red line).
    pub bgm: bool,
    /// Measured standing before 9 months of age: implausible; no adjustment made.
    pub standing_too_young: bool,
    /// Which edition of the standards produced this, e.g.
    /// `who-2006;permenkes-2-2020`.
    pub standard: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZScoreBatchRequest {
    /// Up to 10,000 records.
    pub records: Vec<ZScoreRequest>,
}

/// One record's answer in a batch: a result, or the problem with it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZScoreBatchItem {
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ZScoreResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::FieldError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ZScoreBatchResponse {
    pub items: Vec<ZScoreBatchItem>,
}

/// A new weighing (penimbangan) of a child.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWeighing {
    /// Defaults to today in the posyandu's time zone.
    #[serde(default)]
    pub measured_on: Option<NaiveDate>,
    /// 0.5–40 kg.
    pub weight_kg: f64,
    /// 35–130 cm.
    #[serde(default)]
    pub length_cm: Option<f64>,
    /// Required with `length_cm`.
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(default)]
    pub head_cm: Option<f64>,
    #[serde(default)]
    pub muac_cm: Option<f64>,
    #[serde(default)]
    pub oedema: bool,
    /// Who measured (name or kader code).
    #[serde(default)]
    pub measured_by: Option<String>,
    /// The posyandu where it was measured; the child's own by default.
    #[serde(default)]
    pub posyandu_id: Option<Uuid>,
}

/// A correction of a weighing; statuses that depend on it are recomputed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeighingPatch {
    #[serde(default)]
    pub measured_on: Option<NaiveDate>,
    #[serde(default)]
    pub weight_kg: Option<f64>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>)]
    pub length_cm: Option<Option<f64>>,
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>)]
    pub head_cm: Option<Option<f64>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>)]
    pub muac_cm: Option<Option<f64>>,
    #[serde(default)]
    pub oedema: Option<bool>,
}

/// A stored weighing with everything computed from it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Weighing {
    pub id: Uuid,
    pub child_id: Uuid,
    pub posyandu_id: Uuid,
    pub measured_on: NaiveDate,
    pub age_days: i64,
    pub age_months: u32,
    pub weight_kg: f64,
    pub length_cm: Option<f64>,
    pub position: Option<Position>,
    pub head_cm: Option<f64>,
    pub muac_cm: Option<f64>,
    pub oedema: bool,
    pub measured_by: Option<String>,
    pub z: ZScores,
    pub implausible: Implausible,
    pub categories: Categories,
    pub kms_status: KmsStatus,
    /// Gain since last month's weighing, grams.
    pub gain_g: Option<i32>,
    /// The minimum gain (KBM) that applied, grams.
    pub kbm_g: Option<u32>,
    pub two_t: bool,
    pub bgm: bool,
    pub stunting: bool,
    pub wasting: bool,
    pub underweight: bool,
    pub referral: Vec<ReferralReason>,
    /// Editions of the standards used, e.g.
    /// `who-2006;permenkes-2-2020;kbm-permenkes-155-2010`.
    pub standard: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Many weighings at once (an app syncing after an offline day).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkWeighingRequest {
    /// Up to 1,000.
    pub weighings: Vec<BulkWeighing>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkWeighing {
    pub child_id: Uuid,
    pub weighing: NewWeighing,
}

/// The outcome of one item: `created`, `unchanged` (the same weighing was
/// already recorded) or `rejected` with the reasons.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkWeighingItem {
    pub index: usize,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighing: Option<Weighing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::Problem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkWeighingResponse {
    pub created: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub items: Vec<BulkWeighingItem>,
}
