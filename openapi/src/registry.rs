//! The registry: families, people, children (balita), kader.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::growth::{Categories, KmsStatus, ReferralReason, Sex, ZScores};

/// BPJS Kesehatan membership segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BpjsSegment {
    /// Premium paid by the government (Penerima Bantuan Iuran).
    Pbi,
    /// Paid by self or employer.
    NonPbi,
    /// Not insured.
    None,
}

/// Whether a person still lives in the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    Active,
    Moved,
    Deceased,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Family {
    pub id: Uuid,
    /// No. KK (family card), 16 digits.
    pub no_kk: Option<String>,
    /// National socio-economic ranking (DTSEN) 1–10; 1–5 are the poor.
    pub desil: Option<i16>,
    pub address: Option<String>,
    pub desa_code: String,
    pub posyandu_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFamily {
    #[serde(default)]
    pub no_kk: Option<String>,
    #[serde(default)]
    pub desil: Option<i16>,
    #[serde(default)]
    pub address: Option<String>,
    /// Where the family lives; the posyandu's desa when omitted.
    #[serde(default)]
    #[schema(example = "51.08.06.2004")]
    pub desa_code: Option<String>,
    /// The posyandu the family's children and mothers attend, so its kader
    /// see the family.
    #[serde(default)]
    pub posyandu_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyPatch {
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub no_kk: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i16>)]
    pub desil: Option<Option<i16>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: Uuid,
    /// Short public code with a check digit, for chat and the Buku KIA.
    #[schema(example = "48213")]
    pub code: String,
    pub nik: Option<String>,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub family_id: Option<Uuid>,
    pub bpjs_segment: Option<BpjsSegment>,
    pub bpjs_number: Option<String>,
    pub status: PersonStatus,
    /// When the status last changed.
    pub status_date: Option<NaiveDate>,
    pub desa_code: String,
    /// The posyandu the person is attached to.
    pub posyandu_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// 16 digits; must agree with the birth date and sex.
    #[serde(default)]
    pub nik: Option<String>,
    #[schema(example = "Putu Ayu")]
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub family_id: Option<Uuid>,
    #[serde(default)]
    pub bpjs_segment: Option<BpjsSegment>,
    #[serde(default)]
    pub bpjs_number: Option<String>,
    /// Where the person lives; the posyandu's desa when a posyandu is given.
    #[serde(default)]
    pub desa_code: Option<String>,
    #[serde(default)]
    pub posyandu_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub nik: Option<Option<String>>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub family_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub bpjs_segment: Option<BpjsSegment>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub bpjs_number: Option<Option<String>>,
}

/// A dated change in a person's life as the registry sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonEvent {
    pub id: Uuid,
    pub person_id: Uuid,
    /// `registered`, `arrived`, `moved`, `deceased`, `returned`.
    pub kind: String,
    pub event_date: NaiveDate,
    pub note: Option<String>,
    /// Where a newcomer came from (`arrived`).
    pub origin: Option<String>,
    /// Where the person moved to (`moved`).
    pub destination: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Record that a person arrived, moved away, died or came back (their status
/// follows; nothing is deleted).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonEvent {
    /// `arrived` (a newcomer, with `origin`), `moved` (away, with
    /// `destination`), `deceased` or `returned` (back to active).
    pub kind: String,
    pub event_date: NaiveDate,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
}

/// The latest growth status of a child.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LatestStatus {
    pub weighing_id: Uuid,
    pub measured_on: NaiveDate,
    pub weight_kg: f64,
    pub length_cm: Option<f64>,
    pub z: ZScores,
    pub categories: Categories,
    pub kms_status: KmsStatus,
    pub two_t: bool,
    pub bgm: bool,
    pub stunting: bool,
    pub referral: Vec<ReferralReason>,
}

/// A child under five (balita).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Child {
    /// The person id.
    pub id: Uuid,
    pub person: Person,
    pub mother_id: Option<Uuid>,
    pub posyandu_id: Uuid,
    pub birth_weight_g: Option<i32>,
    pub birth_length_cm: Option<f64>,
    /// Holds a KMS card.
    pub kms_held: bool,
    /// Holds a Buku KIA.
    pub buku_kia_held: bool,
    /// The latest weighing, if any.
    pub latest: Option<LatestStatus>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Register a child: a new person, or an existing one (`person_id`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChild {
    /// An already registered person (under five).
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// Or a new person.
    #[serde(default)]
    pub person: Option<NewPerson>,
    #[serde(default)]
    pub mother_id: Option<Uuid>,
    pub posyandu_id: Uuid,
    /// 300–6,000 g.
    #[serde(default)]
    pub birth_weight_g: Option<i32>,
    /// 25–65 cm.
    #[serde(default)]
    pub birth_length_cm: Option<f64>,
    #[serde(default)]
    pub kms_held: bool,
    #[serde(default)]
    pub buku_kia_held: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildPatch {
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub mother_id: Option<Option<Uuid>>,
    /// Move the child to another posyandu (inside your area).
    #[serde(default)]
    pub posyandu_id: Option<Uuid>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i32>)]
    pub birth_weight_g: Option<Option<i32>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<f64>)]
    pub birth_length_cm: Option<Option<f64>>,
    #[serde(default)]
    pub kms_held: Option<bool>,
    #[serde(default)]
    pub buku_kia_held: Option<bool>,
}

/// Training tier of a kader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrainingTier {
    Purwa,
    Madya,
    Utama,
}

/// A post in the posyandu's organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KaderPost {
    Ketua,
    Sekretaris,
    Bendahara,
    /// Head of one of the six SPM fields.
    KepalaBidang,
    Anggota,
}

impl KaderPost {
    /// Board posts (pengurus) fall under the no-double-posts rule.
    pub fn is_board(self) -> bool {
        !matches!(self, KaderPost::Anggota)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Kader {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub posyandu_id: Uuid,
    pub post: KaderPost,
    pub sk_number: Option<String>,
    pub sk_date: Option<NaiveDate>,
    pub training_tier: Option<TrainingTier>,
    /// The registered phone (E.164): how the chat bot knows the kader.
    pub phone: Option<String>,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    /// A login account of the kader, if any.
    pub user_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKader {
    /// An existing person, or `person` for a new one.
    #[serde(default)]
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub person: Option<NewPerson>,
    pub posyandu_id: Uuid,
    #[serde(default = "default_post")]
    pub post: KaderPost,
    #[serde(default)]
    pub sk_number: Option<String>,
    #[serde(default)]
    pub sk_date: Option<NaiveDate>,
    #[serde(default)]
    pub training_tier: Option<TrainingTier>,
    /// Unique among active kader.
    #[serde(default)]
    pub phone: Option<String>,
    pub active_from: NaiveDate,
    #[serde(default)]
    pub active_to: Option<NaiveDate>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

fn default_post() -> KaderPost {
    KaderPost::Anggota
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KaderPatch {
    #[serde(default)]
    pub post: Option<KaderPost>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub sk_number: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>)]
    pub sk_date: Option<Option<NaiveDate>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<TrainingTier>)]
    pub training_tier: Option<Option<TrainingTier>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>)]
    pub active_to: Option<Option<NaiveDate>>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub user_id: Option<Option<Uuid>>,
}

/// A post in another village community institution (LKD), for the
/// no-double-posts rule (Permendagri 18/2018).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InstitutionPost {
    pub id: Uuid,
    pub person_id: Uuid,
    /// e.g. `pkk`, `lpm`, `karang_taruna`.
    pub institution: String,
    pub post: String,
    /// A board post (pengurus).
    pub board: bool,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInstitutionPost {
    pub institution: String,
    pub post: String,
    #[serde(default)]
    pub board: bool,
    pub active_from: NaiveDate,
    #[serde(default)]
    pub active_to: Option<NaiveDate>,
}

/// An incentive paid to a kader.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Incentive {
    pub id: Uuid,
    pub kader_id: Uuid,
    /// The month it is for, `YYYY-MM`.
    pub period: String,
    pub amount_rupiah: i64,
    /// Who paid: `dana_desa`, `apbd`, …
    pub source: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncentive {
    #[schema(example = "2026-11")]
    pub period: String,
    pub amount_rupiah: i64,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub paid_on: Option<NaiveDate>,
}
