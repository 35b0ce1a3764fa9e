//! Is a reported measurement believable? A careful clerk who reads "85" for
//! a 14-month-old asks "8,5?" instead of writing 85 kg in the book. The bot
//! does the same: an impossible value is not saved; the bot asks, and a YA
//! saves its suggestion.
//!
//! The bounds are deliberately wide (they catch slips of the finger, not
//! sick children): weight between WHO's −6 and +5 SD would need the tables,
//! so the bot uses ranges by age that hold every real child under five, and
//! a change since the last weighing that no child can gain or lose.
use chrono::NaiveDate;

/// The previous weighing of the child, when there is one.
#[derive(Debug, Clone, Copy)]
pub struct Previous {
    pub on: NaiveDate,
    pub weight_kg: f64,
    pub length_cm: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Plausible,
    /// Not believable; `suggestion` is a value the sender probably meant.
    Implausible {
        what: Doubt,
        suggestion: Option<f64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    Weight,
    Length,
}

/// Weight bounds (kg) for an age in days: a newborn from 0.5 kg, a
/// five-year-old up to 40 kg (the API's own limits), narrower for babies.
fn weight_bounds(age_days: i64) -> (f64, f64) {
    match age_days {
        ..=90 => (0.5, 9.0),
        91..=365 => (1.5, 16.0),
        366..=730 => (3.0, 22.0),
        _ => (4.0, 40.0),
    }
}

/// Length/height bounds (cm) for an age in days.
fn length_bounds(age_days: i64) -> (f64, f64) {
    match age_days {
        ..=90 => (35.0, 72.0),
        91..=365 => (45.0, 90.0),
        366..=730 => (55.0, 105.0),
        _ => (65.0, 130.0),
    }
}

fn weight_ok(age_days: i64, kg: f64, previous: Option<&Previous>, on: NaiveDate) -> bool {
    let (low, high) = weight_bounds(age_days);
    if !(low..=high).contains(&kg) {
        return false;
    }
    match previous {
        Some(p) if p.on < on => {
            // At most ~1.5 kg a month up, 25 % down, plus a kilogram of
            // scale, clothes and mood.
            let months = ((on - p.on).num_days() as f64 / 30.4).max(1.0);
            let gain = kg - p.weight_kg;
            gain <= 1.0 + 1.5 * months && gain >= -(1.0 + 0.25 * p.weight_kg)
        }
        _ => true,
    }
}

/// Judges a weighing of a child aged `age_days` on `on`.
pub fn check(
    age_days: i64,
    on: NaiveDate,
    weight_kg: f64,
    length_cm: Option<f64>,
    previous: Option<&Previous>,
) -> Verdict {
    if !weight_ok(age_days, weight_kg, previous, on) {
        // The usual slip: a missing decimal comma (85 for 8,5; 125 for 12,5).
        let suggestion = [10.0, 100.0]
            .into_iter()
            .map(|f| weight_kg / f)
            .chain([weight_kg * 10.0])
            .find(|&w| weight_ok(age_days, w, previous, on))
            .map(|w| (w * 10.0).round() / 10.0);
        return Verdict::Implausible {
            what: Doubt::Weight,
            suggestion,
        };
    }
    if let Some(length) = length_cm {
        let (low, high) = length_bounds(age_days);
        // Children do not shrink: more than 3 cm less than last time is a
        // misreading (a little less is the tape, or lying vs standing).
        let shrank = previous
            .and_then(|p| p.length_cm)
            .is_some_and(|before| length < before - 3.0);
        if !(low..=high).contains(&length) || shrank {
            let suggestion = Some(length / 10.0)
                .filter(|l| (low..=high).contains(l))
                .map(|l| (l * 10.0).round() / 10.0);
            return Verdict::Implausible {
                what: Doubt::Length,
                suggestion,
            };
        }
    }
    Verdict::Plausible
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_missing_comma_is_caught_and_corrected() {
        let on = d(2026, 12, 1);
        assert_eq!(
            check(425, on, 85.0, None, None),
            Verdict::Implausible {
                what: Doubt::Weight,
                suggestion: Some(8.5)
            }
        );
        assert_eq!(check(425, on, 8.5, Some(72.0), None), Verdict::Plausible);
    }

    #[test]
    fn a_jump_since_last_month_is_doubted() {
        let on = d(2026, 12, 1);
        let previous = Previous {
            on: d(2026, 11, 1),
            weight_kg: 8.0,
            length_cm: Some(72.0),
        };
        assert!(matches!(
            check(425, on, 12.5, None, Some(&previous)),
            Verdict::Implausible {
                what: Doubt::Weight,
                ..
            }
        ));
        assert_eq!(
            check(425, on, 8.3, Some(73.0), Some(&previous)),
            Verdict::Plausible
        );
        // Shrinking by more than 3 cm.
        assert_eq!(
            check(425, on, 8.3, Some(68.0), Some(&previous)),
            Verdict::Implausible {
                what: Doubt::Length,
                suggestion: None
            }
        );
        // A length of 720 (mm written as cm) for a one-year-old.
        assert_eq!(
            check(425, on, 8.3, Some(720.0), None),
            Verdict::Implausible {
                what: Doubt::Length,
                suggestion: Some(72.0)
            }
        );
    }
}
