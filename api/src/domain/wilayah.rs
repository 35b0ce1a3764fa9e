//! The national list of region codes (Kepmendagri 300.2.2-2138/2025),
//! embedded compressed in the binary so every installation knows every
//! province, kabupaten/kota, kecamatan and desa/kelurahan of the country.
//!
//! Data: cahyadsn/wilayah (MIT), compiled from Kepmendagri 300.2.2-2138/2025.
use std::collections::HashMap;
use std::io::Read;
use std::sync::LazyLock;

use crate::error::FieldProblem;

/// The edition recorded on region rows.
pub const SOURCE: &str = "kepmendagri-300.2.2-2138-2025";

static COMPRESSED: &[u8] = include_bytes!("../../data/kode_wilayah_2025.tsv.gz");

static INDEX: LazyLock<RegionIndex> = LazyLock::new(|| {
    let mut text = String::new();
    flate2::read::GzDecoder::new(COMPRESSED)
        .read_to_string(&mut text)
        .expect("the embedded region list is valid gzip text");
    RegionIndex::parse(&text)
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    Provinsi,
    Kabupaten,
    Kota,
    Kecamatan,
    Desa,
    Kelurahan,
}

impl RegionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::Provinsi => "provinsi",
            RegionKind::Kabupaten => "kabupaten",
            RegionKind::Kota => "kota",
            RegionKind::Kecamatan => "kecamatan",
            RegionKind::Desa => "desa",
            RegionKind::Kelurahan => "kelurahan",
        }
    }

    /// The kind a well-formed code names: kabupaten codes are 01–69 and kota
    /// 71–99; a desa part starting with 1 is a kelurahan, with 2 a desa.
    pub fn of_code(code: &str) -> RegionKind {
        let parts: Vec<&str> = code.split('.').collect();
        match parts.len() {
            1 => RegionKind::Provinsi,
            2 if parts[1].starts_with(['7', '8', '9']) => RegionKind::Kota,
            2 => RegionKind::Kabupaten,
            3 => RegionKind::Kecamatan,
            _ if parts[3].starts_with('1') => RegionKind::Kelurahan,
            _ => RegionKind::Desa,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RegionInfo {
    pub code: String,
    pub name: String,
    pub kind: RegionKind,
    /// 1 province … 4 desa/kelurahan.
    pub level: i16,
    pub parent: Option<String>,
}

pub struct RegionIndex {
    regions: HashMap<String, RegionInfo>,
    /// Children of each code in code order; provinces under `""`.
    children: HashMap<String, Vec<String>>,
}

impl RegionIndex {
    /// The embedded national list (decompressed on first use, ~50 ms).
    pub fn national() -> &'static RegionIndex {
        &INDEX
    }

    fn parse(text: &str) -> RegionIndex {
        let mut regions = HashMap::new();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines().skip(1) {
            let Some((code, name)) = line.split_once('\t') else {
                continue;
            };
            let level = code.split('.').count() as i16;
            let parent = code.rsplit_once('.').map(|(p, _)| p.to_owned());
            children
                .entry(parent.clone().unwrap_or_default())
                .or_default()
                .push(code.to_owned());
            regions.insert(
                code.to_owned(),
                RegionInfo {
                    code: code.to_owned(),
                    name: name.trim().to_owned(),
                    kind: RegionKind::of_code(code),
                    level,
                    parent,
                },
            );
        }
        for list in children.values_mut() {
            list.sort();
        }
        RegionIndex { regions, children }
    }

    pub fn get(&self, code: &str) -> Option<&RegionInfo> {
        self.regions.get(code)
    }

    /// The children of `parent` (provinces when `None`), in code order.
    pub fn children(&self, parent: Option<&str>) -> &[String] {
        self.children
            .get(parent.unwrap_or(""))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The region and its ancestors, from the province down.
    pub fn lineage(&self, code: &str) -> Vec<&RegionInfo> {
        let mut chain = Vec::new();
        let mut current = self.get(code);
        while let Some(region) = current {
            chain.push(region);
            current = region.parent.as_deref().and_then(|p| self.get(p));
        }
        chain.reverse();
        chain
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
}

/// Normalises a region code typed with or without dots (`5108062004` →
/// `51.08.06.2004`) and checks its shape (not that it exists).
pub fn normalise_code(input: &str) -> Result<String, FieldProblem> {
    let input = input.trim();
    let invalid = || {
        FieldProblem::new(
            "invalid",
            "A region code has 2, 4, 6 or 10 digits, e.g. 51.08.06.2004 or 5108062004.",
        )
    };
    let digits: String = input.chars().filter(|c| *c != '.').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let parts: Vec<&str> = match digits.len() {
        2 => vec![&digits[0..2]],
        4 => vec![&digits[0..2], &digits[2..4]],
        6 => vec![&digits[0..2], &digits[2..4], &digits[4..6]],
        10 => vec![&digits[0..2], &digits[2..4], &digits[4..6], &digits[6..10]],
        _ => return Err(invalid()),
    };
    let code = parts.join(".");
    if input.contains('.') && input != code {
        return Err(invalid());
    }
    Ok(code)
}

/// A region code that exists in the national list.
pub fn known_region(input: &str) -> Result<&'static RegionInfo, FieldProblem> {
    let code = normalise_code(input)?;
    RegionIndex::national().get(&code).ok_or_else(|| {
        FieldProblem::new(
            "unknown",
            format!("{code} is not in the national list of region codes (Kepmendagri 2025)."),
        )
    })
}

/// A desa or kelurahan code that exists in the national list.
pub fn known_desa(input: &str) -> Result<String, FieldProblem> {
    let region = known_region(input)?;
    if region.level != 4 {
        return Err(FieldProblem::new(
            "invalid",
            "This must be a desa or kelurahan code (10 digits, e.g. 51.08.06.2004).",
        ));
    }
    Ok(region.code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_list_is_complete() {
        let index = RegionIndex::national();
        assert_eq!(index.len(), 91_599);
        assert_eq!(index.children(None).len(), 38);
        assert_eq!(index.get("51.08.06.2003").unwrap().name, "Tukadmungga");
        assert_eq!(
            index.get("64.02").unwrap().name,
            "Kabupaten Kutai Kartanegara"
        );
    }

    #[test]
    fn kinds_follow_the_code_rules() {
        let index = RegionIndex::national();
        assert_eq!(index.get("51").unwrap().kind, RegionKind::Provinsi);
        assert_eq!(index.get("51.08").unwrap().kind, RegionKind::Kabupaten);
        assert_eq!(index.get("51.71").unwrap().kind, RegionKind::Kota);
        assert_eq!(index.get("51.08.06").unwrap().kind, RegionKind::Kecamatan);
        assert_eq!(index.get("51.08.06.2004").unwrap().kind, RegionKind::Desa);
        assert_eq!(
            index.get("51.08.06.1006").unwrap().kind,
            RegionKind::Kelurahan
        );
    }

    #[test]
    fn lineage_runs_from_province_down() {
        let names: Vec<&str> = RegionIndex::national()
            .lineage("51.08.06.2005")
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["Bali", "Kabupaten Buleleng", "Buleleng", "Baktiseraga"]
        );
    }

    #[test]
    fn codes_with_and_without_dots() {
        assert_eq!(normalise_code("5108062004").unwrap(), "51.08.06.2004");
        assert_eq!(normalise_code("51.08").unwrap(), "51.08");
        assert!(normalise_code("51.0806").is_err());
        assert!(normalise_code("510").is_err());
        assert!(normalise_code("51.08.x6").is_err());
        assert_eq!(known_region("99.99").unwrap_err().code, "unknown");
        assert_eq!(known_region("5108").unwrap().name, "Kabupaten Buleleng");
    }
}
