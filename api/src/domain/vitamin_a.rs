//! Vitamin A capsules: the February and August rounds for children 6–59
//! months (blue 100,000 IU once at 6–11 months, red 200,000 IU twice a year
//! at 12–59 months), and the two red capsules for a mother after a birth.
//!
//! Conventions, stated once:
//! - Age is in completed months, counted as the KMS counts it
//!   ([`kms::completed_months`]): a month is complete on the same day of a
//!   later month.
//! - A capsule counts for the round of its half-year: February's round runs
//!   February–July (the *sweeping* after the round month catches up the
//!   children it missed), August's runs August–January. One capsule per
//!   round.
//! - Eligibility for a round is by age on the round's first day (1 February
//!   or 1 August): the day the lists for the round are drawn up.
use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Serialize, Serializer};

use crate::domain::kms;

/// A vitamin A round: February or August of a year, written `2026-08`.
///
/// Only valid rounds exist: the constructors check the month and that the
/// round's dates are on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Round {
    year: i32,
    month: u32,
}

impl Round {
    /// The round of February (2) or August (8) of `year`.
    pub fn new(year: i32, month: u32) -> Option<Round> {
        if month != 2 && month != 8 {
            return None;
        }
        let round = Round { year, month };
        // The period's last day (31 July or 31 January) must exist too.
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|first| first.checked_add_months(Months::new(6)))?;
        Some(round)
    }

    /// The round whose month `date` is in; None outside February and August.
    pub fn containing(date: NaiveDate) -> Option<Round> {
        match date.month() {
            2 | 8 => Round::new(date.year(), date.month()),
            _ => None,
        }
    }

    /// The round a capsule given on `date` counts for: February's for
    /// February–July, August's for August–January (January belongs to the
    /// previous year's August). None only at the calendar's ends.
    pub fn covering(date: NaiveDate) -> Option<Round> {
        match date.month() {
            1 => Round::new(date.year().checked_sub(1)?, 8),
            2..=7 => Round::new(date.year(), 2),
            _ => Round::new(date.year(), 8),
        }
    }

    /// Reads `2026-02` or `2026-08`.
    pub fn parse(text: &str) -> Option<Round> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        if !(year.bytes().all(|b| b.is_ascii_digit()) && month.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        Round::new(year.parse().ok()?, month.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// 1 February or 1 August.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("checked when the round was made")
    }

    /// 28 or 29 February, or 31 August.
    pub fn last_day(self) -> NaiveDate {
        self.first_day()
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .expect("checked when the round was made")
    }

    /// The last day a capsule counts for this round: 31 July or 31 January.
    pub fn period_last_day(self) -> NaiveDate {
        self.first_day()
            .checked_add_months(Months::new(6))
            .and_then(|d| d.pred_opt())
            .expect("checked when the round was made")
    }
}

impl fmt::Display for Round {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Round {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The two capsules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capsule {
    /// 100,000 IU, once, for 6–11 months.
    Blue,
    /// 200,000 IU, twice a year for 12–59 months, and for mothers after birth.
    Red,
}

impl Capsule {
    fn describe(self) -> &'static str {
        match self {
            Capsule::Blue => "the blue capsule (100,000 IU)",
            Capsule::Red => "the red capsule (200,000 IU)",
        }
    }
}

/// The capsule for a child's age on `on`: blue at 6–11 completed months,
/// red at 12–59; None under 6 months, from 60 months, or before birth.
pub fn capsule_for(birth: NaiveDate, on: NaiveDate) -> Option<Capsule> {
    if on < birth {
        return None;
    }
    match kms::completed_months(birth, on) {
        6..=11 => Some(Capsule::Blue),
        12..=59 => Some(Capsule::Red),
        _ => None,
    }
}

/// What is unusual about a capsule that is nevertheless recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VitaminACheck {
    /// A blue capsule for a child who already had one (the blue is once).
    pub second_blue: bool,
}

/// Why a child's capsule cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VitaminAError {
    BeforeBirth,
    TooYoung {
        months: u32,
    },
    TooOld,
    WrongCapsule {
        given: Capsule,
        expected: Capsule,
        months: u32,
    },
    SameRound {
        round: Round,
        on: NaiveDate,
    },
}

impl fmt::Display for VitaminAError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VitaminAError::BeforeBirth => write!(f, "The date is before the child's birth."),
            VitaminAError::TooYoung { months } => write!(
                f,
                "Vitamin A capsules start at 6 months; the child was {months} months old."
            ),
            VitaminAError::TooOld => write!(
                f,
                "Vitamin A capsules are for children under five (up to 59 months)."
            ),
            VitaminAError::WrongCapsule {
                given,
                expected,
                months,
            } => write!(
                f,
                "A child of {months} months gets {}, not {}.",
                expected.describe(),
                given.describe()
            ),
            VitaminAError::SameRound { round, on } => write!(
                f,
                "A capsule is already recorded for the {round} round, given on {on}."
            ),
        }
    }
}

impl std::error::Error for VitaminAError {}

/// Checks a child's capsule given on `given_on`, against the dates of the
/// child's earlier capsules (`previous`, any order). Refused: before birth,
/// under 6 or from 60 months, the wrong colour for the age, a second
/// capsule in the same round (see [`Round::covering`]). Flagged: a blue
/// capsule after an earlier blue one; an earlier capsule is taken to have
/// been blue when the child was 6–11 months old then, which is what the
/// rules allowed.
pub fn check_dose(
    birth: NaiveDate,
    capsule: Capsule,
    given_on: NaiveDate,
    previous: &[NaiveDate],
) -> Result<VitaminACheck, VitaminAError> {
    if given_on < birth {
        return Err(VitaminAError::BeforeBirth);
    }
    let months = kms::completed_months(birth, given_on);
    let expected = match months {
        ..6 => return Err(VitaminAError::TooYoung { months }),
        6..=11 => Capsule::Blue,
        12..=59 => Capsule::Red,
        _ => return Err(VitaminAError::TooOld),
    };
    if capsule != expected {
        return Err(VitaminAError::WrongCapsule {
            given: capsule,
            expected,
            months,
        });
    }
    if let Some(round) = Round::covering(given_on)
        && let Some(&on) = previous
            .iter()
            .filter(|&&p| Round::covering(p) == Some(round))
            .min()
    {
        return Err(VitaminAError::SameRound { round, on });
    }
    Ok(VitaminACheck {
        second_blue: capsule == Capsule::Blue
            && previous
                .iter()
                .any(|&p| capsule_for(birth, p) == Some(Capsule::Blue)),
    })
}

/// Where a child stands in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RoundState {
    /// Not 6–59 months on the round's first day, or 6–11 months and the
    /// (once-only) blue capsule already given.
    NotEligible,
    /// A capsule counted for this round, the first given on `on`.
    Given { on: NaiveDate },
    /// Eligible, no capsule yet, and the round's month is not over.
    Due,
    /// Eligible, and the round's month ended without a capsule (a capsule
    /// in the sweeping months still turns it into Given).
    Missed,
}

/// A child's state in `round` on `today`, from the child's capsules (date
/// and colour, any order). A capsule counted for the round is reported
/// whatever the child's eligibility, since it was given.
pub fn round_state(
    birth: NaiveDate,
    doses: &[(NaiveDate, Capsule)],
    round: Round,
    today: NaiveDate,
) -> RoundState {
    if let Some(on) = doses
        .iter()
        .map(|&(date, _)| date)
        .filter(|&date| Round::covering(date) == Some(round))
        .min()
    {
        return RoundState::Given { on };
    }
    let first_day = round.first_day();
    let Some(capsule) = capsule_for(birth, first_day) else {
        return RoundState::NotEligible;
    };
    let had_blue = doses
        .iter()
        .any(|&(date, c)| c == Capsule::Blue && date < first_day);
    if capsule == Capsule::Blue && had_blue {
        return RoundState::NotEligible;
    }
    if today <= round.last_day() {
        RoundState::Due
    } else {
        RoundState::Missed
    }
}

// ------------------------------------------------------ mothers after birth

/// The days after a birth within which a mother gets her capsules (masa
/// nifas): the birth day is day 0, day 42 the last.
pub const POSTPARTUM_DAYS: u64 = 42;

/// Where a mother stands with her two red capsules after a birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PostpartumState {
    /// No capsule yet: the first is due, at the latest on `until`.
    FirstDue { until: NaiveDate },
    /// The first given on `first`; the second is due from `from` (24 hours
    /// later, i.e. the next day) until `until`.
    SecondDue {
        first: NaiveDate,
        from: NaiveDate,
        until: NaiveDate,
    },
    /// Both given.
    Complete { first: NaiveDate, second: NaiveDate },
    /// The first came on the last day: no day is left for the second.
    Incomplete { first: NaiveDate },
}

impl PostpartumState {
    /// Whether a capsule that should have been given by `today` was not.
    pub fn missed(&self, today: NaiveDate) -> bool {
        match *self {
            PostpartumState::FirstDue { until } | PostpartumState::SecondDue { until, .. } => {
                today > until
            }
            PostpartumState::Complete { .. } => false,
            PostpartumState::Incomplete { .. } => true,
        }
    }
}

/// The mother's capsules after the birth on `birth_of_baby`, from the dates
/// of her red capsules (any order). Capsules outside the 42 days do not
/// count; two on one day count once, since the second must come at least
/// 24 hours after the first — on a later day.
pub fn postpartum_due(birth_of_baby: NaiveDate, given: &[NaiveDate]) -> PostpartumState {
    let until = birth_of_baby
        .checked_add_days(Days::new(POSTPARTUM_DAYS))
        .unwrap_or(NaiveDate::MAX);
    let mut days: Vec<NaiveDate> = given
        .iter()
        .copied()
        .filter(|&d| birth_of_baby <= d && d <= until)
        .collect();
    days.sort_unstable();
    days.dedup();
    match days[..] {
        [] => PostpartumState::FirstDue { until },
        [first] => match first.succ_opt().filter(|&from| from <= until) {
            Some(from) => PostpartumState::SecondDue { first, from, until },
            None => PostpartumState::Incomplete { first },
        },
        [first, second, ..] => PostpartumState::Complete { first, second },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn round(text: &str) -> Round {
        Round::parse(text).unwrap()
    }

    // ----------------------------------------------------------- rounds

    #[test]
    fn rounds_are_february_and_august() {
        assert_eq!(Round::containing(d(2026, 8, 31)), Some(round("2026-08")));
        assert_eq!(Round::containing(d(2024, 2, 29)), Some(round("2024-02")));
        assert_eq!(Round::containing(d(2026, 3, 1)), None);
        assert_eq!(Round::containing(d(2026, 7, 31)), None);
        assert_eq!(Round::new(2026, 5), None);
        let feb = round("2024-02");
        assert_eq!((feb.year(), feb.month()), (2024, 2));
        assert_eq!(feb.first_day(), d(2024, 2, 1));
        assert_eq!(feb.last_day(), d(2024, 2, 29));
        assert_eq!(round("2025-02").last_day(), d(2025, 2, 28));
        assert_eq!(round("2025-08").last_day(), d(2025, 8, 31));
        assert_eq!(feb.period_last_day(), d(2024, 7, 31));
        assert_eq!(round("2025-08").period_last_day(), d(2026, 1, 31));
        assert!(round("2025-08") < round("2026-02"));
    }

    #[test]
    fn rounds_parse_and_print() {
        let r = round("2026-08");
        assert_eq!(r.to_string(), "2026-08");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"2026-08\"");
        assert_eq!(round("0999-02").to_string(), "0999-02");
        for bad in [
            "",
            "2026-8",
            "2026-03",
            "2026-13",
            "26-08",
            "2026/08",
            "2026-08-01",
            "+026-08",
            "2026-0a",
            "abcd-08",
        ] {
            assert_eq!(Round::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_capsule_counts_for_its_half_year() {
        assert_eq!(Round::covering(d(2026, 2, 1)), Some(round("2026-02")));
        assert_eq!(Round::covering(d(2026, 7, 31)), Some(round("2026-02")));
        assert_eq!(Round::covering(d(2026, 8, 1)), Some(round("2026-08")));
        assert_eq!(Round::covering(d(2026, 12, 31)), Some(round("2026-08")));
        assert_eq!(Round::covering(d(2027, 1, 31)), Some(round("2026-08")));
        assert_eq!(Round::covering(NaiveDate::MIN), None);
    }

    // --------------------------------------------------------- capsules

    #[test]
    fn the_capsule_follows_completed_months() {
        let birth = d(2024, 2, 29);
        assert_eq!(capsule_for(birth, d(2024, 8, 28)), None);
        assert_eq!(capsule_for(birth, d(2024, 8, 29)), Some(Capsule::Blue));
        // Completed months count like the KMS: 11 on 28 February 2025.
        assert_eq!(capsule_for(birth, d(2025, 2, 28)), Some(Capsule::Blue));
        assert_eq!(capsule_for(birth, d(2025, 3, 1)), Some(Capsule::Red));
        assert_eq!(capsule_for(birth, d(2029, 2, 28)), Some(Capsule::Red));
        assert_eq!(capsule_for(birth, d(2029, 3, 1)), None);
        assert_eq!(capsule_for(birth, d(2024, 2, 28)), None);
        assert_eq!(capsule_for(birth, birth), None);
        // A month-end birth: 6 months complete on the 31st, or the 1st after.
        let end = d(2025, 8, 31);
        assert_eq!(capsule_for(end, d(2026, 2, 28)), None);
        assert_eq!(capsule_for(end, d(2026, 3, 1)), Some(Capsule::Blue));
    }

    #[test]
    fn a_dose_of_the_right_colour_is_accepted() {
        let birth = d(2025, 1, 15);
        assert_eq!(
            check_dose(birth, Capsule::Blue, d(2025, 8, 15), &[]),
            Ok(VitaminACheck::default())
        );
        assert_eq!(
            check_dose(birth, Capsule::Red, d(2026, 2, 10), &[d(2025, 8, 15)]),
            Ok(VitaminACheck { second_blue: false })
        );
    }

    #[test]
    fn wrong_colour_and_age_are_refused() {
        let birth = d(2025, 1, 15);
        let err = check_dose(birth, Capsule::Red, d(2025, 8, 15), &[]).unwrap_err();
        assert_eq!(
            err,
            VitaminAError::WrongCapsule {
                given: Capsule::Red,
                expected: Capsule::Blue,
                months: 7
            }
        );
        assert_eq!(
            err.to_string(),
            "A child of 7 months gets the blue capsule (100,000 IU), not the red capsule (200,000 IU)."
        );
        assert!(matches!(
            check_dose(birth, Capsule::Blue, d(2026, 2, 15), &[]),
            Err(VitaminAError::WrongCapsule {
                expected: Capsule::Red,
                months: 13,
                ..
            })
        ));
        assert_eq!(
            check_dose(birth, Capsule::Blue, d(2025, 7, 14), &[]),
            Err(VitaminAError::TooYoung { months: 5 })
        );
        assert_eq!(
            check_dose(birth, Capsule::Red, d(2030, 1, 15), &[]),
            Err(VitaminAError::TooOld)
        );
        assert!(check_dose(birth, Capsule::Red, d(2030, 1, 14), &[]).is_ok());
        assert_eq!(
            check_dose(birth, Capsule::Blue, d(2025, 1, 14), &[]),
            Err(VitaminAError::BeforeBirth)
        );
        assert!(
            VitaminAError::TooYoung { months: 5 }
                .to_string()
                .contains("6 months")
        );
    }

    #[test]
    fn one_capsule_per_round() {
        let birth = d(2023, 1, 1);
        // Given in February; the sweeping in July is the same round.
        let err = check_dose(birth, Capsule::Red, d(2025, 7, 31), &[d(2025, 2, 10)]).unwrap_err();
        assert_eq!(
            err,
            VitaminAError::SameRound {
                round: round("2025-02"),
                on: d(2025, 2, 10)
            }
        );
        assert_eq!(
            err.to_string(),
            "A capsule is already recorded for the 2025-02 round, given on 2025-02-10."
        );
        // Same day again.
        assert!(check_dose(birth, Capsule::Red, d(2025, 2, 10), &[d(2025, 2, 10)]).is_err());
        // January belongs to August's round.
        assert!(check_dose(birth, Capsule::Red, d(2026, 1, 5), &[d(2025, 8, 20)]).is_err());
        assert!(check_dose(birth, Capsule::Red, d(2025, 8, 1), &[d(2025, 7, 31)]).is_ok());
    }

    #[test]
    fn a_second_blue_is_flagged() {
        // Blue at 6 months in March (sweeping); in August, at 11 months,
        // another blue is recorded but flagged.
        let birth = d(2024, 9, 10);
        let check = check_dose(birth, Capsule::Blue, d(2025, 8, 5), &[d(2025, 3, 10)]);
        assert_eq!(check, Ok(VitaminACheck { second_blue: true }));
        // A capsule before 6 months (not a blue one) does not count.
        let birth = d(2025, 1, 1);
        let check = check_dose(birth, Capsule::Blue, d(2025, 8, 5), &[d(2025, 2, 3)]);
        assert_eq!(check, Ok(VitaminACheck { second_blue: false }));
    }

    // ------------------------------------------------------ round state

    #[test]
    fn eligibility_is_by_age_on_the_first_day() {
        let r = round("2026-02");
        // 6 months on 1 February: blue.
        let birth = d(2025, 8, 1);
        assert_eq!(round_state(birth, &[], r, d(2026, 2, 10)), RoundState::Due);
        // 6 months only on 2 February: not in this round.
        let birth = d(2025, 8, 2);
        assert_eq!(
            round_state(birth, &[], r, d(2026, 2, 10)),
            RoundState::NotEligible
        );
        // 59 months on 1 February: red, even if 60 by the end of the month.
        let birth = d(2021, 2, 2);
        assert_eq!(round_state(birth, &[], r, d(2026, 2, 10)), RoundState::Due);
        let birth = d(2021, 2, 1);
        assert_eq!(
            round_state(birth, &[], r, d(2026, 2, 10)),
            RoundState::NotEligible
        );
    }

    #[test]
    fn due_until_the_month_ends_then_missed() {
        let birth = d(2023, 5, 5);
        let r = round("2024-02");
        assert_eq!(round_state(birth, &[], r, d(2024, 1, 20)), RoundState::Due);
        assert_eq!(round_state(birth, &[], r, d(2024, 2, 29)), RoundState::Due);
        assert_eq!(
            round_state(birth, &[], r, d(2024, 3, 1)),
            RoundState::Missed
        );
        // A sweeping capsule in April turns it into Given.
        let doses = [(d(2024, 4, 2), Capsule::Blue)];
        assert_eq!(
            round_state(birth, &doses, r, d(2024, 5, 1)),
            RoundState::Given { on: d(2024, 4, 2) }
        );
        // The next round does not count that capsule.
        let next = round("2024-08");
        assert_eq!(
            round_state(birth, &doses, next, d(2024, 8, 1)),
            RoundState::Due
        );
    }

    #[test]
    fn the_blue_capsule_is_once_only() {
        // A blue in the March sweeping at 6 months; 10 months on 1 August:
        // no second blue in the August round.
        let birth = d(2024, 9, 20);
        let doses = [(d(2025, 3, 25), Capsule::Blue)];
        let aug = round("2025-08");
        assert_eq!(capsule_for(birth, aug.first_day()), Some(Capsule::Blue));
        assert_eq!(
            round_state(birth, &doses, aug, d(2025, 8, 10)),
            RoundState::NotEligible
        );
        // Without that blue, the August round is due.
        assert_eq!(
            round_state(birth, &[], aug, d(2025, 8, 10)),
            RoundState::Due
        );
        // From 12 months the red capsules start.
        let feb = round("2026-02");
        assert_eq!(
            round_state(birth, &doses, feb, d(2026, 2, 10)),
            RoundState::Due
        );
    }

    #[test]
    fn round_states_serialise_with_a_tag() {
        assert_eq!(
            serde_json::to_value(RoundState::Given { on: d(2026, 8, 3) }).unwrap(),
            serde_json::json!({"state": "given", "on": "2026-08-03"})
        );
        assert_eq!(
            serde_json::to_value(RoundState::NotEligible).unwrap(),
            serde_json::json!({"state": "not_eligible"})
        );
        assert_eq!(serde_json::to_string(&Capsule::Blue).unwrap(), "\"blue\"");
    }

    // --------------------------------------------------------- mothers

    #[test]
    fn two_red_capsules_within_42_days() {
        let born = d(2024, 2, 29);
        let until = d(2024, 4, 11);
        assert_eq!(
            postpartum_due(born, &[]),
            PostpartumState::FirstDue { until }
        );
        assert_eq!(
            postpartum_due(born, &[born]),
            PostpartumState::SecondDue {
                first: born,
                from: d(2024, 3, 1),
                until
            }
        );
        // Twice the same day counts once.
        assert!(matches!(
            postpartum_due(born, &[born, born]),
            PostpartumState::SecondDue { .. }
        ));
        assert_eq!(
            postpartum_due(born, &[d(2024, 3, 1), born]),
            PostpartumState::Complete {
                first: born,
                second: d(2024, 3, 1)
            }
        );
        // Day 42 counts, day 43 and the day before the birth do not.
        assert_eq!(
            postpartum_due(born, &[born, until]),
            PostpartumState::Complete {
                first: born,
                second: until
            }
        );
        assert_eq!(
            postpartum_due(born, &[d(2024, 2, 28), d(2024, 4, 12)]),
            PostpartumState::FirstDue { until }
        );
        // The first on day 42 leaves no day for the second.
        assert_eq!(
            postpartum_due(born, &[until]),
            PostpartumState::Incomplete { first: until }
        );
    }

    #[test]
    fn missed_postpartum_capsules() {
        let born = d(2025, 12, 31);
        let state = postpartum_due(born, &[]);
        assert_eq!(
            state,
            PostpartumState::FirstDue {
                until: d(2026, 2, 11)
            }
        );
        assert!(!state.missed(d(2026, 2, 11)));
        assert!(state.missed(d(2026, 2, 12)));
        let state = postpartum_due(born, &[born, d(2026, 1, 1)]);
        assert!(!state.missed(d(2030, 1, 1)));
        assert!(postpartum_due(born, &[d(2026, 2, 11)]).missed(d(2026, 2, 11)));
        assert_eq!(
            serde_json::to_value(postpartum_due(born, &[])).unwrap(),
            serde_json::json!({"state": "first_due", "until": "2026-02-11"})
        );
    }
}
