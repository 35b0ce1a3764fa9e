//! The area tree: regions, puskesmas, posyandu.
use chrono::{DateTime, Utc};
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
    #[serde(default, with = "crate::users::double_option")]
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
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PosyanduPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, with = "crate::users::double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default)]
    pub puskesmas_id: Option<Uuid>,
}
