//! WHO Child Growth Standards (2006) z-scores, computed the way WHO's own
//! `anthro` software computes them, from the same LMS tables (embedded from
//! `api/data/who-growth-2006/`).
//!
//! - Age in whole days; z-scores for 0–1826 days (MUAC-for-age from 91).
//! - Length/height: measured standing under 731 days → +0.7 cm; measured
//!   lying from 731 days → −0.7 cm. Standing under 9 months is implausible:
//!   flagged, and not adjusted.
//! - Weight-for-length (45–110 cm) under 731 days, weight-for-height
//!   (65–120 cm) from 731 days; L, M and S interpolated linearly between the
//!   0.1 cm rows.
//! - BMI from the adjusted length.
//! - Beyond ±3 SD the weight-based indicators (weight-for-age, -for-length/
//!   height, BMI-for-age, MUAC-for-age) use WHO's restricted formula.
//! - With oedema, weight-for-age, weight-for-length/height and BMI-for-age
//!   are not computed.
//!
//! Pure and allocation-free per record: the tables are arrays indexed by day
//! or by tenth of a centimetre.
use std::sync::LazyLock;

use openapi::growth::{Implausible, Position, Sex, ZScores};

/// The edition of the standards recorded on every result.
pub const STANDARD_VERSION: &str = "who-2006";

/// Last day of the standards (60 months).
pub const MAX_AGE_DAYS: i64 = 1826;
/// MUAC-for-age starts at 3 months.
pub const MUAC_FROM_DAYS: i64 = 91;
/// Under this age, measuring standing is implausible (9 months).
pub const STANDING_FROM_DAYS: i64 = 274;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lms {
    pub l: f64,
    pub m: f64,
    pub s: f64,
}

/// One sex's table: rows from `first` key upward, one per day or per 0.1 cm.
struct Table {
    first: i64,
    rows: Vec<Lms>,
}

impl Table {
    fn row(&self, key: i64) -> Option<&Lms> {
        usize::try_from(key - self.first)
            .ok()
            .and_then(|i| self.rows.get(i))
    }
}

/// Both sexes of one indicator.
struct Indicator {
    male: Table,
    female: Table,
}

impl Indicator {
    fn for_sex(&self, sex: Sex) -> &Table {
        match sex {
            Sex::L => &self.male,
            Sex::P => &self.female,
        }
    }
}

/// Reads a WHO table: `sex key l m s [loh]`, sex 1 male, 2 female. Length
/// keys are in cm with one decimal and are stored as tenths.
fn parse(text: &str, key_in_tenths: bool) -> Indicator {
    let mut tables = [Vec::<(i64, Lms)>::new(), Vec::new()];
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let number =
            |i: usize| -> f64 { fields[i].trim().parse().expect("a number in a WHO table") };
        let sex = fields[0].trim();
        let key = if key_in_tenths {
            (number(1) * 10.0).round() as i64
        } else {
            number(1) as i64
        };
        let lms = Lms {
            l: number(2),
            m: number(3),
            s: number(4),
        };
        tables[if sex == "1" { 0 } else { 1 }].push((key, lms));
    }
    let [male, female] = tables.map(|mut rows| {
        rows.sort_by_key(|(k, _)| *k);
        let first = rows.first().map(|(k, _)| *k).unwrap_or(0);
        debug_assert!(
            rows.windows(2).all(|w| w[1].0 == w[0].0 + 1),
            "contiguous keys"
        );
        Table {
            first,
            rows: rows.into_iter().map(|(_, lms)| lms).collect(),
        }
    });
    Indicator { male, female }
}

struct Standards {
    wfa: Indicator,
    lhfa: Indicator,
    bmi: Indicator,
    hcfa: Indicator,
    acfa: Indicator,
    wfl: Indicator,
    wfh: Indicator,
}

static STANDARDS: LazyLock<Standards> = LazyLock::new(|| Standards {
    wfa: parse(
        include_str!("../../data/who-growth-2006/weianthro.tsv"),
        false,
    ),
    lhfa: parse(
        include_str!("../../data/who-growth-2006/lenanthro.tsv"),
        false,
    ),
    bmi: parse(
        include_str!("../../data/who-growth-2006/bmianthro.tsv"),
        false,
    ),
    hcfa: parse(
        include_str!("../../data/who-growth-2006/hcanthro.tsv"),
        false,
    ),
    acfa: parse(
        include_str!("../../data/who-growth-2006/acanthro.tsv"),
        false,
    ),
    wfl: parse(
        include_str!("../../data/who-growth-2006/wflanthro.tsv"),
        true,
    ),
    wfh: parse(
        include_str!("../../data/who-growth-2006/wfhanthro.tsv"),
        true,
    ),
});

/// Loads the tables now rather than on the first request.
pub fn preload() {
    LazyLock::force(&STANDARDS);
}

/// The LMS z-score, `((y/M)^L − 1) / (S·L)`.
pub fn z_lms(y: f64, lms: &Lms) -> f64 {
    ((y / lms.m).powf(lms.l) - 1.0) / (lms.s * lms.l)
}

/// The measurement at `k` standard deviations, `M·(1 + L·S·k)^(1/L)`.
pub fn sd(lms: &Lms, k: f64) -> f64 {
    lms.m * (1.0 + lms.l * lms.s * k).powf(1.0 / lms.l)
}

/// The z-score with WHO's restriction beyond ±3 SD (weight-based
/// indicators): distances past ±3 SD are measured in units of the 2–3 SD
/// interval, because the LMS curve's tails are not reliable there.
pub fn z_restricted(y: f64, lms: &Lms) -> f64 {
    let z = z_lms(y, lms);
    if z > 3.0 {
        let sd3 = sd(lms, 3.0);
        let sd2 = sd(lms, 2.0);
        3.0 + (y - sd3) / (sd3 - sd2)
    } else if z < -3.0 {
        let sd3 = sd(lms, -3.0);
        let sd2 = sd(lms, -2.0);
        -3.0 + (y - sd3) / (sd2 - sd3)
    } else {
        z
    }
}

/// L, M and S at a length between two 0.1 cm rows, interpolated linearly.
fn interpolated(table: &Table, length_cm: f64) -> Option<Lms> {
    let tenths = length_cm * 10.0;
    let low_key = tenths.floor() as i64;
    let low = table.row(low_key)?;
    let fraction = tenths - low_key as f64;
    if fraction == 0.0 {
        return Some(*low);
    }
    let high = table.row(low_key + 1)?;
    Some(Lms {
        l: low.l + fraction * (high.l - low.l),
        m: low.m + fraction * (high.m - low.m),
        s: low.s + fraction * (high.s - low.s),
    })
}

/// One child's measurements on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub sex: Sex,
    pub age_days: i64,
    pub weight_kg: Option<f64>,
    pub length_cm: Option<f64>,
    pub position: Option<Position>,
    pub head_cm: Option<f64>,
    pub muac_cm: Option<f64>,
    pub oedema: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Assessment {
    pub z: ZScores,
    pub implausible: Implausible,
    /// Length/height after the position adjustment.
    pub length_adjusted: Option<f64>,
    pub bmi: Option<f64>,
    /// Measured standing before 9 months: implausible, not adjusted.
    pub standing_too_young: bool,
}

/// Applies the 0.7 cm rule: the tables assume lying length under 731 days
/// and standing height from 731 days.
pub fn adjust_length(age_days: i64, length_cm: f64, position: Option<Position>) -> (f64, bool) {
    match position {
        Some(Position::Standing) if age_days < STANDING_FROM_DAYS => (length_cm, true),
        Some(Position::Standing) if age_days < 731 => (length_cm + 0.7, false),
        Some(Position::Lying) if age_days >= 731 => (length_cm - 0.7, false),
        _ => (length_cm, false),
    }
}

/// Every z-score WHO defines for these measurements.
pub fn assess(m: &Measurement) -> Assessment {
    let standards = &*STANDARDS;
    let mut out = Assessment::default();
    let in_range = (0..=MAX_AGE_DAYS).contains(&m.age_days);
    let weight = m.weight_kg.filter(|_| !m.oedema);

    let adjusted = m
        .length_cm
        .map(|length| adjust_length(m.age_days, length, m.position));
    out.length_adjusted = adjusted.map(|(l, _)| l);
    out.standing_too_young = adjusted.is_some_and(|(_, flag)| flag);
    out.bmi = match (m.weight_kg, out.length_adjusted) {
        (Some(w), Some(l)) if l > 0.0 => Some(w / ((l / 100.0) * (l / 100.0))),
        _ => None,
    };

    if in_range {
        let age = m.age_days;
        if let (Some(w), Some(lms)) = (weight, standards.wfa.for_sex(m.sex).row(age)) {
            out.z.wfa = Some(z_restricted(w, lms));
        }
        if let (Some(l), Some(lms)) = (out.length_adjusted, standards.lhfa.for_sex(m.sex).row(age))
        {
            out.z.lhfa = Some(z_lms(l, lms));
        }
        if let (Some(bmi), Some(lms), false) =
            (out.bmi, standards.bmi.for_sex(m.sex).row(age), m.oedema)
        {
            out.z.bmi = Some(z_restricted(bmi, lms));
        }
        if let (Some(h), Some(lms)) = (m.head_cm, standards.hcfa.for_sex(m.sex).row(age)) {
            out.z.hcfa = Some(z_lms(h, lms));
        }
        if age >= MUAC_FROM_DAYS
            && let (Some(a), Some(lms)) = (m.muac_cm, standards.acfa.for_sex(m.sex).row(age))
        {
            out.z.acfa = Some(z_restricted(a, lms));
        }
        if let (Some(w), Some(l)) = (weight, out.length_adjusted) {
            let table = if age < 731 {
                &standards.wfl
            } else {
                &standards.wfh
            };
            if let Some(lms) = interpolated(table.for_sex(m.sex), l) {
                out.z.wflh = Some(z_restricted(w, &lms));
            }
        }
    }

    out.implausible = Implausible {
        wfa: out.z.wfa.is_some_and(|z| !(-6.0..=5.0).contains(&z)),
        lhfa: out.z.lhfa.is_some_and(|z| z.abs() > 6.0) || out.standing_too_young,
        wflh: out.z.wflh.is_some_and(|z| z.abs() > 5.0),
        bmi: out.z.bmi.is_some_and(|z| z.abs() > 5.0),
        hcfa: out.z.hcfa.is_some_and(|z| z.abs() > 5.0),
        acfa: out.z.acfa.is_some_and(|z| z.abs() > 5.0),
    };
    out
}

/// The curves of a growth chart: the measurement at −3…+3 SD for each key
/// (day of age, or tenth of a centimetre) in `keys`.
pub fn reference_curves(
    indicator: ChartIndicator,
    sex: Sex,
    keys: impl Iterator<Item = i64>,
) -> Vec<(i64, [f64; 7])> {
    keys.filter_map(|key| {
        reference_lms(indicator, sex, key).map(|lms| {
            let mut values = [0.0; 7];
            for (i, k) in (-3..=3).enumerate() {
                values[i] = sd(&lms, k as f64);
            }
            (key, values)
        })
    })
    .collect()
}

/// The measurement at z-score `z` for a day of age (weight or
/// length/height), e.g. to draw a curve or to simulate a child.
pub fn value_at(indicator: ChartIndicator, sex: Sex, key: i64, z: f64) -> Option<f64> {
    reference_lms(indicator, sex, key).map(|lms| sd(&lms, z))
}

fn reference_lms(indicator: ChartIndicator, sex: Sex, key: i64) -> Option<Lms> {
    let standards = &*STANDARDS;
    let table = match indicator {
        ChartIndicator::WeightForAge => &standards.wfa,
        ChartIndicator::LengthForAge => &standards.lhfa,
        ChartIndicator::WeightForLength => &standards.wfl,
        ChartIndicator::WeightForHeight => &standards.wfh,
    };
    table.for_sex(sex).row(key).copied()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartIndicator {
    WeightForAge,
    LengthForAge,
    WeightForLength,
    WeightForHeight,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measurement(sex: Sex, age_days: i64) -> Measurement {
        Measurement {
            sex,
            age_days,
            weight_kg: None,
            length_cm: None,
            position: None,
            head_cm: None,
            muac_cm: None,
            oedema: false,
        }
    }

    #[test]
    fn the_median_is_zero_and_each_sd_curve_is_its_z() {
        // Boys at birth: weight-for-age M = 3.3464 kg.
        let m = Measurement {
            weight_kg: Some(3.3464),
            ..measurement(Sex::L, 0)
        };
        assert!(assess(&m).z.wfa.unwrap().abs() < 1e-12);
        let lms = STANDARDS.wfa.for_sex(Sex::P).row(400).copied().unwrap();
        for k in [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0] {
            let m = Measurement {
                weight_kg: Some(sd(&lms, k)),
                ..measurement(Sex::P, 400)
            };
            assert!((assess(&m).z.wfa.unwrap() - k).abs() < 1e-9, "{k}");
        }
    }

    #[test]
    fn beyond_three_sd_the_restricted_formula_applies() {
        let lms = STANDARDS.wfa.for_sex(Sex::L).row(365).copied().unwrap();
        let (sd2, sd3) = (sd(&lms, 2.0), sd(&lms, 3.0));
        // Half an SD2–SD3 interval above +3 SD is z = 3.5, whatever the LMS says.
        let m = Measurement {
            weight_kg: Some(sd3 + 0.5 * (sd3 - sd2)),
            ..measurement(Sex::L, 365)
        };
        assert!((assess(&m).z.wfa.unwrap() - 3.5).abs() < 1e-12);
        let (sdm2, sdm3) = (sd(&lms, -2.0), sd(&lms, -3.0));
        let m = Measurement {
            weight_kg: Some(sdm3 - (sdm2 - sdm3)),
            ..measurement(Sex::L, 365)
        };
        assert!((assess(&m).z.wfa.unwrap() + 4.0).abs() < 1e-12);
        // Length-for-age is not restricted.
        let lms = STANDARDS.lhfa.for_sex(Sex::L).row(365).copied().unwrap();
        let m = Measurement {
            length_cm: Some(lms.m * (1.0 + 4.0 * lms.s)),
            position: Some(Position::Lying),
            ..measurement(Sex::L, 365)
        };
        assert!((assess(&m).z.lhfa.unwrap() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn the_position_rule() {
        assert_eq!(
            adjust_length(500, 75.0, Some(Position::Standing)),
            (75.7, false)
        );
        assert_eq!(adjust_length(731, 87.0, Some(Position::Lying)).0, 86.3);
        assert_eq!(
            adjust_length(730, 87.0, Some(Position::Lying)),
            (87.0, false)
        );
        assert_eq!(
            adjust_length(731, 87.0, Some(Position::Standing)),
            (87.0, false)
        );
        assert_eq!(
            adjust_length(200, 65.0, Some(Position::Standing)),
            (65.0, true)
        );
        let m = Measurement {
            length_cm: Some(65.0),
            position: Some(Position::Standing),
            ..measurement(Sex::P, 200)
        };
        let a = assess(&m);
        assert!(a.standing_too_young && a.implausible.lhfa);
    }

    #[test]
    fn weight_for_length_interpolates_between_rows() {
        // Halfway between 60.0 and 60.1 cm the LMS are the mean of both rows.
        let table = STANDARDS.wfl.for_sex(Sex::L);
        let (a, b) = (*table.row(600).unwrap(), *table.row(601).unwrap());
        let mid = interpolated(table, 60.05).unwrap();
        assert!((mid.m - (a.m + b.m) / 2.0).abs() < 1e-12);
        assert_eq!(interpolated(table, 60.0).unwrap(), a);
        // Outside 45–110 cm there is no z-score.
        let m = Measurement {
            weight_kg: Some(2.0),
            length_cm: Some(44.9),
            position: Some(Position::Lying),
            ..measurement(Sex::L, 10)
        };
        assert!(assess(&m).z.wflh.is_none());
        // From 731 days the height table applies (65–120 cm).
        let m = Measurement {
            weight_kg: Some(20.0),
            length_cm: Some(115.0),
            position: Some(Position::Standing),
            ..measurement(Sex::L, 1500)
        };
        assert!(assess(&m).z.wflh.is_some());
    }

    #[test]
    fn oedema_removes_weight_based_scores() {
        let m = Measurement {
            weight_kg: Some(8.0),
            length_cm: Some(72.0),
            position: Some(Position::Lying),
            muac_cm: Some(13.0),
            oedema: true,
            ..measurement(Sex::L, 365)
        };
        let a = assess(&m);
        assert!(a.z.wfa.is_none() && a.z.wflh.is_none() && a.z.bmi.is_none());
        assert!(a.z.lhfa.is_some() && a.z.acfa.is_some());
    }

    #[test]
    fn ages_outside_the_standards_give_nothing() {
        let m = Measurement {
            weight_kg: Some(18.0),
            muac_cm: Some(16.0),
            ..measurement(Sex::L, 1827)
        };
        assert_eq!(assess(&m).z, ZScores::default());
        let m = Measurement {
            muac_cm: Some(13.0),
            ..measurement(Sex::L, 90)
        };
        assert!(assess(&m).z.acfa.is_none());
        let m = Measurement {
            muac_cm: Some(13.0),
            ..measurement(Sex::L, 91)
        };
        assert!(assess(&m).z.acfa.is_some());
    }

    #[test]
    fn the_tables_are_complete() {
        assert_eq!(STANDARDS.wfa.male.rows.len(), 1827);
        assert_eq!(STANDARDS.acfa.female.first, 91);
        assert_eq!(STANDARDS.acfa.female.rows.len(), 1736);
        assert_eq!(STANDARDS.wfl.male.first, 450);
        assert_eq!(STANDARDS.wfl.male.rows.len(), 651);
        assert_eq!(STANDARDS.wfh.female.first, 650);
        assert_eq!(STANDARDS.wfh.female.rows.len(), 551);
    }
}
