//! Everything a weighing means, in one place: WHO z-scores, Permenkes
//! categories, the KMS reading and the reasons to refer the child. Pure.
use chrono::NaiveDate;
use openapi::growth::{Categories, Implausible, KmsStatus, ReferralReason, ZScores};
use uuid::Uuid;

use crate::domain::categories::{self, CATEGORIES_VERSION};
use crate::domain::growth::{self, Measurement, STANDARD_VERSION};
use crate::domain::kms::{self, Earlier, KBM_VERSION};

/// The editions of every standard a stored result was computed with.
pub fn standard() -> String {
    format!("{STANDARD_VERSION};{CATEGORIES_VERSION};{KBM_VERSION}")
}

/// An earlier weighing of the same child, as far as later readings need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    pub date: NaiveDate,
    pub weight_kg: f64,
    pub posyandu_id: Uuid,
    pub status: KmsStatus,
    /// Length/height-for-age z, when length was measured.
    pub lhfa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub z: ZScores,
    pub implausible: Implausible,
    pub categories: Categories,
    pub kms: kms::KmsReading,
    pub stunting: bool,
    pub wasting: bool,
    pub underweight: bool,
    pub bgm: bool,
    pub referral: Vec<ReferralReason>,
}

/// Evaluates a weighing against the child's earlier ones (any order; only
/// those before `date` count).
pub fn evaluate(
    birth: NaiveDate,
    date: NaiveDate,
    posyandu_id: Uuid,
    measurement: &Measurement,
    history: &[History],
) -> Evaluation {
    let assessment = growth::assess(measurement);
    let z = assessment.z;
    let weight = measurement.weight_kg.unwrap_or_default();
    let earlier: Vec<Earlier> = history
        .iter()
        .filter(|h| h.date < date)
        .map(|h| Earlier {
            date: h.date,
            weight_kg: h.weight_kg,
            posyandu_id: h.posyandu_id,
            status: h.status,
        })
        .collect();
    let reading = kms::read(birth, date, weight, posyandu_id, &earlier);
    let stunting = categories::is_stunted(z.lhfa);
    let previous_lhfa = history
        .iter()
        .filter(|h| h.date < date && h.lhfa.is_some())
        .max_by_key(|h| h.date)
        .and_then(|h| h.lhfa);
    let bgm = categories::is_bgm(z.wfa);
    let mut referral = Vec::new();
    match reading.status {
        KmsStatus::T if reading.two_t => referral.push(ReferralReason::DuaT),
        KmsStatus::T => referral.push(ReferralReason::TidakNaik),
        _ => {}
    }
    if bgm {
        referral.push(ReferralReason::Bgm);
    }
    let worst = [z.wflh, z.bmi]
        .into_iter()
        .flatten()
        .fold(f64::INFINITY, f64::min);
    if worst < -3.0 {
        referral.push(ReferralReason::GiziBuruk);
    } else if worst < -2.0 {
        referral.push(ReferralReason::GiziKurang);
    }
    if stunting && !categories::is_stunted(previous_lhfa) {
        referral.push(ReferralReason::StuntingBaru);
    }
    Evaluation {
        categories: categories::categorise(z.wfa, z.lhfa, z.wflh, z.bmi),
        implausible: assessment.implausible,
        kms: reading,
        stunting,
        wasting: categories::is_wasted(z.wflh),
        underweight: categories::is_underweight(z.wfa),
        bgm,
        referral,
        z,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openapi::growth::{Position, Sex};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn measure(age_days: i64, weight: f64, length: Option<f64>) -> Measurement {
        Measurement {
            sex: Sex::P,
            age_days,
            weight_kg: Some(weight),
            length_cm: length,
            position: length.map(|_| Position::Lying),
            head_cm: None,
            muac_cm: None,
            oedema: false,
        }
    }

    #[test]
    fn a_thin_short_child_who_did_not_gain_is_referred_for_every_reason() {
        let birth = d(2025, 3, 1);
        let here = Uuid::from_u128(7);
        let history = [
            History {
                date: d(2026, 1, 10),
                weight_kg: 6.0,
                posyandu_id: here,
                status: KmsStatus::N,
                lhfa: Some(-1.5),
            },
            History {
                date: d(2026, 2, 10),
                weight_kg: 6.05,
                posyandu_id: here,
                status: KmsStatus::T,
                lhfa: None,
            },
        ];
        let date = d(2026, 3, 10);
        let age = (date - birth).num_days();
        let e = evaluate(birth, date, here, &measure(age, 6.06, Some(66.0)), &history);
        assert_eq!(e.kms.status, KmsStatus::T);
        assert!(e.kms.two_t);
        assert!(e.stunting && e.bgm && e.underweight);
        assert!(e.referral.contains(&ReferralReason::DuaT));
        assert!(e.referral.contains(&ReferralReason::Bgm));
        assert!(e.referral.contains(&ReferralReason::StuntingBaru));
        assert!(!e.referral.contains(&ReferralReason::TidakNaik));
    }

    #[test]
    fn a_healthy_first_weighing_needs_nothing() {
        let birth = d(2025, 3, 1);
        let date = d(2026, 3, 1);
        let e = evaluate(
            birth,
            date,
            Uuid::from_u128(1),
            &measure(365, 8.9, Some(74.0)),
            &[],
        );
        assert_eq!(e.kms.status, KmsStatus::B);
        assert!(e.referral.is_empty(), "{:?}", e.referral);
        assert_eq!(
            e.categories.bbu_label.as_deref(),
            Some("Berat badan normal")
        );
    }

    #[test]
    fn stunting_already_known_is_not_new() {
        let birth = d(2025, 3, 1);
        let here = Uuid::from_u128(7);
        let history = [History {
            date: d(2026, 2, 10),
            weight_kg: 7.0,
            posyandu_id: here,
            status: KmsStatus::N,
            lhfa: Some(-2.6),
        }];
        let date = d(2026, 3, 10);
        let e = evaluate(
            birth,
            date,
            here,
            &measure((date - birth).num_days(), 7.4, Some(68.0)),
            &history,
        );
        assert!(e.stunting);
        assert!(!e.referral.contains(&ReferralReason::StuntingBaru));
    }
}
