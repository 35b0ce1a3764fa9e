//! Nutritional status categories of Permenkes 2/2020 (Standar Antropometri
//! Anak), from unrounded z-scores.
use openapi::growth::{Categories, HeightForAge, Nutrition, WeightForAge};

/// The edition of the category rules recorded on every result.
pub const CATEGORIES_VERSION: &str = "permenkes-2-2020";

/// BB/U: < −3 sangat kurang; −3 ≤ z < −2 kurang; −2 ≤ z ≤ +1 normal; > +1 risiko lebih.
pub fn weight_for_age(z: f64) -> WeightForAge {
    if z < -3.0 {
        WeightForAge::SangatKurang
    } else if z < -2.0 {
        WeightForAge::Kurang
    } else if z <= 1.0 {
        WeightForAge::Normal
    } else {
        WeightForAge::RisikoLebih
    }
}

/// PB/U, TB/U: < −3 sangat pendek; −3 ≤ z < −2 pendek; −2 ≤ z ≤ +3 normal; > +3 tinggi.
pub fn height_for_age(z: f64) -> HeightForAge {
    if z < -3.0 {
        HeightForAge::SangatPendek
    } else if z < -2.0 {
        HeightForAge::Pendek
    } else if z <= 3.0 {
        HeightForAge::Normal
    } else {
        HeightForAge::Tinggi
    }
}

/// BB/PB, BB/TB and IMT/U: < −3 gizi buruk; −3 ≤ z < −2 gizi kurang;
/// −2 ≤ z ≤ +1 gizi baik; +1 < z ≤ +2 berisiko gizi lebih; +2 < z ≤ +3 gizi
/// lebih; > +3 obesitas.
pub fn nutrition(z: f64) -> Nutrition {
    if z < -3.0 {
        Nutrition::GiziBuruk
    } else if z < -2.0 {
        Nutrition::GiziKurang
    } else if z <= 1.0 {
        Nutrition::GiziBaik
    } else if z <= 2.0 {
        Nutrition::BerisikoGiziLebih
    } else if z <= 3.0 {
        Nutrition::GiziLebih
    } else {
        Nutrition::Obesitas
    }
}

/// All four categories of a set of z-scores.
pub fn categorise(
    wfa: Option<f64>,
    lhfa: Option<f64>,
    wflh: Option<f64>,
    bmi: Option<f64>,
) -> Categories {
    let bbu = wfa.map(weight_for_age);
    let tbu = lhfa.map(height_for_age);
    let bbtb = wflh.map(nutrition);
    let imtu = bmi.map(nutrition);
    Categories {
        bbu_label: bbu.map(|c| c.label().to_owned()),
        bbu,
        tbu_label: tbu.map(|c| c.label().to_owned()),
        tbu,
        bbtb_label: bbtb.map(|c| c.label().to_owned()),
        bbtb,
        imtu_label: imtu.map(|c| c.label().to_owned()),
        imtu,
    }
}

/// Stunting: length/height-for-age z < −2.
pub fn is_stunted(lhfa: Option<f64>) -> bool {
    lhfa.is_some_and(|z| z < -2.0)
}

/// Wasting: weight-for-length/height z < −2.
pub fn is_wasted(wflh: Option<f64>) -> bool {
    wflh.is_some_and(|z| z < -2.0)
}

/// Underweight: weight-for-age z < −2.
pub fn is_underweight(wfa: Option<f64>) -> bool {
    wfa.is_some_and(|z| z < -2.0)
}

/// BGM (bawah garis merah, below the KMS red line): weight-for-age z < −3.
pub fn is_bgm(wfa: Option<f64>) -> bool {
    wfa.is_some_and(|z| z < -3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_follow_the_regulation() {
        assert_eq!(weight_for_age(-3.0001), WeightForAge::SangatKurang);
        assert_eq!(weight_for_age(-3.0), WeightForAge::Kurang);
        assert_eq!(weight_for_age(-2.0), WeightForAge::Normal);
        assert_eq!(weight_for_age(1.0), WeightForAge::Normal);
        assert_eq!(weight_for_age(1.0001), WeightForAge::RisikoLebih);
        assert_eq!(height_for_age(-2.0001), HeightForAge::Pendek);
        assert_eq!(height_for_age(3.0), HeightForAge::Normal);
        assert_eq!(height_for_age(3.01), HeightForAge::Tinggi);
        assert_eq!(nutrition(-3.5), Nutrition::GiziBuruk);
        assert_eq!(nutrition(-2.5), Nutrition::GiziKurang);
        assert_eq!(nutrition(1.0), Nutrition::GiziBaik);
        assert_eq!(nutrition(1.5), Nutrition::BerisikoGiziLebih);
        assert_eq!(nutrition(2.0), Nutrition::BerisikoGiziLebih);
        assert_eq!(nutrition(2.5), Nutrition::GiziLebih);
        assert_eq!(nutrition(3.0), Nutrition::GiziLebih);
        assert_eq!(nutrition(3.1), Nutrition::Obesitas);
    }

    #[test]
    fn categories_carry_indonesian_labels() {
        let c = categorise(Some(-2.5), Some(-3.2), Some(0.0), None);
        assert_eq!(c.bbu_label.as_deref(), Some("Berat badan kurang"));
        assert_eq!(c.tbu_label.as_deref(), Some("Sangat pendek"));
        assert_eq!(c.bbtb_label.as_deref(), Some("Gizi baik"));
        assert!(c.imtu.is_none() && c.imtu_label.is_none());
    }

    #[test]
    fn flags() {
        assert!(is_stunted(Some(-2.3)));
        assert!(!is_stunted(Some(-2.0)));
        assert!(!is_stunted(None));
        assert!(is_bgm(Some(-3.2)));
        assert!(!is_bgm(Some(-3.0)));
        assert!(is_wasted(Some(-2.01)));
        assert!(is_underweight(Some(-2.5)));
    }
}
