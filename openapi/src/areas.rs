//! The area tree: regions, puskesmas, posyandu.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A Kemendagri region (kode wilayah).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Region {
    #[schema(example = "51.08.06.2004")]
    pub code: String,
    #[schema(example = "Pemaron")]
    pub name: String,
    /// `provinsi`, `kabupaten`, `kota`, `kecamatan`, `desa` or `kelurahan`.
    #[schema(example = "desa")]
    pub kind: String,
    /// 1 province … 4 desa/kelurahan.
    pub level: i16,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Puskesmas {
    pub id: Uuid,
    /// Kemenkes puskesmas code.
    #[schema(example = "P5108060201")]
    pub kode: String,
    pub name: String,
    pub address: Option<String>,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    /// The desa this puskesmas covers.
    pub desa_codes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPuskesmas {
    /// `P` followed by 10 digits.
    #[schema(example = "P5108060201")]
    pub kode: String,
    #[schema(example = "Puskesmas Buleleng III")]
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    /// The kecamatan the puskesmas stands in.
    #[schema(example = "51.08.06")]
    pub kecamatan_code: String,
    /// The desa it covers (each in the same kabupaten).
    #[serde(default)]
    pub desa_codes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PuskesmasPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Replaces the list of covered desa.
    #[serde(default)]
    pub desa_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Posyandu {
    pub id: Uuid,
    /// Registration number `PP.KK.KC.DDDD.NNN`.
    #[schema(example = "51.08.06.2004.001")]
    pub kode: String,
    #[schema(example = "Posyandu Melati")]
    pub name: String,
    pub address: Option<String>,
    pub province_code: String,
    pub kabupaten_code: String,
    pub kecamatan_code: String,
    pub desa_code: String,
    pub puskesmas_id: Uuid,
    /// `Asia/Jakarta`, `Asia/Pontianak`, `Asia/Makassar` or `Asia/Jayapura`.
    pub time_zone: String,
    pub opening_rule: Option<OpeningRule>,
    /// The rule in Indonesian, e.g. "setiap tanggal 10".
    pub opening_rule_text: Option<String>,
    pub spm_fields: Vec<SpmField>,
    /// The village decree establishing the posyandu.
    pub sk_number: Option<String>,
    pub sk_date: Option<NaiveDate>,
    /// Whether the posyandu's desa has a bidan desa.
    pub desa_has_bidan: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPosyandu {
    /// Registration number; the next free number of the desa when omitted.
    #[serde(default)]
    pub kode: Option<String>,
    #[schema(example = "Posyandu Melati")]
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[schema(example = "51.08.06.2004")]
    pub desa_code: String,
    pub puskesmas_id: Uuid,
    /// Defaults to the province's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub opening_rule: Option<OpeningRule>,
    #[serde(default)]
    pub spm_fields: Vec<SpmField>,
    #[serde(default)]
    pub sk_number: Option<String>,
    #[serde(default)]
    pub sk_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PosyanduPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default)]
    pub puskesmas_id: Option<Uuid>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(
        default,
        with = "crate::users::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<OpeningRule>)]
    pub opening_rule: Option<Option<OpeningRule>>,
    #[serde(default)]
    pub spm_fields: Option<Vec<SpmField>>,
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
}

/// The locally agreed rule for the monthly posyandu day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpeningRule {
    /// The same date every month ("every 10th"); a day the month lacks
    /// (31 in April) falls on its last day.
    DayOfMonth {
        #[schema(minimum = 1, maximum = 31)]
        day: u8,
    },
    /// The nth weekday of the month ("second Tuesday"): `nth` 1–4, or -1 for
    /// the last.
    NthWeekday { nth: i8, weekday: WeekdayName },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WeekdayName {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// The six fields of basic service a posyandu serves (Permendagri 13/2024).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SpmField {
    Kesehatan,
    Pendidikan,
    PekerjaanUmum,
    PerumahanRakyat,
    /// Ketenteraman, ketertiban umum dan perlindungan masyarakat.
    Trantibumlinmas,
    Sosial,
}

impl SpmField {
    pub const ALL: [SpmField; 6] = [
        SpmField::Kesehatan,
        SpmField::Pendidikan,
        SpmField::PekerjaanUmum,
        SpmField::PerumahanRakyat,
        SpmField::Trantibumlinmas,
        SpmField::Sosial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpmField::Kesehatan => "kesehatan",
            SpmField::Pendidikan => "pendidikan",
            SpmField::PekerjaanUmum => "pekerjaan_umum",
            SpmField::PerumahanRakyat => "perumahan_rakyat",
            SpmField::Trantibumlinmas => "trantibumlinmas",
            SpmField::Sosial => "sosial",
        }
    }

    pub fn parse(s: &str) -> Option<SpmField> {
        SpmField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A posyandu day moved to another date, or cancelled.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayChange {
    pub id: Uuid,
    pub posyandu_id: Uuid,
    /// The date the rule gives.
    pub from_date: NaiveDate,
    /// The new date; `null` when cancelled.
    pub to_date: Option<NaiveDate>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One posyandu day of the calendar, in the posyandu's own time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScheduledDay {
    pub date: NaiveDate,
    /// The date the opening rule gave, when the day was moved.
    pub moved_from: Option<NaiveDate>,
}

/// The calendar of a posyandu: its opening days from a date on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PosyanduSchedule {
    pub posyandu_id: Uuid,
    pub time_zone: String,
    /// The opening rule in Indonesian, e.g. "setiap tanggal 10".
    pub opening_rule_text: Option<String>,
    /// Today in the posyandu's zone.
    pub today: NaiveDate,
    /// Empty when the posyandu has no opening rule.
    pub days: Vec<ScheduledDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDayChange {
    pub from_date: NaiveDate,
    /// Omit to cancel the day.
    #[serde(default)]
    pub to_date: Option<NaiveDate>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the registry knows about a desa beyond its code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DesaProfile {
    pub code: String,
    pub name: String,
    /// Whether the desa has a village midwife (bidan desa); `null` when
    /// nobody has said.
    pub has_bidan_desa: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesaProfileUpdate {
    pub has_bidan_desa: bool,
}
