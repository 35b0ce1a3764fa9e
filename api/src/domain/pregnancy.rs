//! Pregnancy: the due date (HPL) from the last period (HPHT), gestational
//! age and trimester, the "4 terlalu" risk flags, the flags of one antenatal
//! contact, and where the antenatal care stands against Permenkes 21/2021
//! (at least 6 contacts: 1 in trimester I, 2 in II, 3 in III, a doctor in I
//! and in III).
//!
//! Conventions, stated once:
//! - Gestational age is counted in whole days from the HPHT (the HPHT is
//!   day 0, 0 weeks 0 days); weeks = floor(days / 7).
//! - Trimester I is up to 13 weeks 6 days (days 0–97), II is 14w0d–27w6d
//!   (days 98–195), III from 28w0d (day 196).
//! - A pregnancy is over 44 weeks (308 days) after the HPHT: registration
//!   and contacts later than that are refused.
//! - Ages and intervals in years are completed years, counted like a
//!   birthday: someone born on 29 February completes a year on 1 March in
//!   common years.
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days from the HPHT to the due date (Naegele: 40 weeks).
pub const TERM_DAYS: i64 = 280;
/// The longest a pregnancy is taken to last: 44 weeks.
pub const MAX_GESTATION_DAYS: i64 = 44 * 7;
/// First day of trimester II: 14 weeks 0 days.
const SECOND_TRIMESTER_DAY: i64 = 14 * 7;
/// First day of trimester III: 28 weeks 0 days.
const THIRD_TRIMESTER_DAY: i64 = 28 * 7;

/// HPL (hari perkiraan lahir): HPHT + 280 days. Days, not "9 months and 7
/// days", so the due date never depends on month lengths.
pub fn due_date(hpht: NaiveDate) -> NaiveDate {
    hpht.checked_add_signed(Duration::days(TERM_DAYS))
        .unwrap_or(NaiveDate::MAX)
}

/// The HPHT implied by a gestational age found on `on` (by the bidan's
/// examination or an ultrasound) when the mother does not remember her last
/// period. None for an impossible age: more than 45 weeks, or days not 0–6.
pub fn hpht_from_gestational_age(on: NaiveDate, weeks: u32, days: u32) -> Option<NaiveDate> {
    if weeks > 45 || days > 6 {
        return None;
    }
    on.checked_sub_signed(Duration::days(i64::from(weeks) * 7 + i64::from(days)))
}

/// Gestational age in completed weeks and days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GestationalAge {
    pub weeks: i64,
    pub days: i64,
}

impl GestationalAge {
    pub fn total_days(&self) -> i64 {
        self.weeks * 7 + self.days
    }
}

/// Days since the HPHT; negative before it.
fn days_since(hpht: NaiveDate, on: NaiveDate) -> i64 {
    (on - hpht).num_days()
}

/// Gestational age on `on`; None before the HPHT.
pub fn gestational_age(hpht: NaiveDate, on: NaiveDate) -> Option<GestationalAge> {
    let days = days_since(hpht, on);
    (days >= 0).then_some(GestationalAge {
        weeks: days / 7,
        days: days % 7,
    })
}

/// Trimester I up to 13 weeks 6 days, II 14w0d–27w6d, III from 28w0d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trimester {
    First,
    Second,
    Third,
}

impl Trimester {
    /// 1, 2 or 3, as written on the Buku KIA.
    pub fn number(self) -> u8 {
        match self {
            Trimester::First => 1,
            Trimester::Second => 2,
            Trimester::Third => 3,
        }
    }

    fn index(self) -> usize {
        usize::from(self.number() - 1)
    }

    fn of_days(days: i64) -> Option<Trimester> {
        match days {
            ..0 => None,
            0..SECOND_TRIMESTER_DAY => Some(Trimester::First),
            SECOND_TRIMESTER_DAY..THIRD_TRIMESTER_DAY => Some(Trimester::Second),
            _ => Some(Trimester::Third),
        }
    }
}

/// The trimester on `on`; None before the HPHT.
pub fn trimester(hpht: NaiveDate, on: NaiveDate) -> Option<Trimester> {
    Trimester::of_days(days_since(hpht, on))
}

/// Why a date of a pregnancy is refused. The messages reach the user (the
/// API turns them into problem+json details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PregnancyError {
    #[error("The HPHT (first day of the last period) is after the day of registration.")]
    HphtInFuture,
    #[error(
        "The HPHT is more than 44 weeks before the day of registration: that pregnancy is over."
    )]
    HphtTooLongAgo,
    #[error("The date is before the pregnancy began (HPHT).")]
    BeforeHpht,
    #[error("The date is in the future.")]
    InFuture,
    #[error("The date is more than 44 weeks after the HPHT: the pregnancy is over.")]
    AfterPregnancy,
}

/// An HPHT can be registered on `registered_on` if it is not later than
/// that day and not more than 44 weeks (308 days) before it: 44w0d is
/// accepted, 44w1d is not.
pub fn check_hpht(hpht: NaiveDate, registered_on: NaiveDate) -> Result<(), PregnancyError> {
    let days = days_since(hpht, registered_on);
    if days < 0 {
        Err(PregnancyError::HphtInFuture)
    } else if days > MAX_GESTATION_DAYS {
        Err(PregnancyError::HphtTooLongAgo)
    } else {
        Ok(())
    }
}

/// An antenatal contact's date: not before the HPHT, not after `today`, not
/// after 44 weeks 0 days.
pub fn check_contact_date(
    hpht: NaiveDate,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), PregnancyError> {
    let days = days_since(hpht, date);
    if days < 0 {
        Err(PregnancyError::BeforeHpht)
    } else if date > today {
        Err(PregnancyError::InFuture)
    } else if days > MAX_GESTATION_DAYS {
        Err(PregnancyError::AfterPregnancy)
    } else {
        Ok(())
    }
}

// ------------------------------------------------------------- risk flags

/// What the risk flags are computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskInput {
    pub mother_birth_date: NaiveDate,
    pub hpht: NaiveDate,
    /// Births so far, before this pregnancy.
    pub para: Option<i32>,
    pub living_children: Option<i32>,
    pub last_birth_date: Option<NaiveDate>,
    pub height_cm: Option<f64>,
}

/// A pregnancy risk: the "4 terlalu" of the Buku KIA (too young, too old,
/// too close, too many) and short stature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskFlag {
    /// Terlalu muda: under 20 completed years at the HPHT.
    #[serde(rename = "age_under_20")]
    AgeUnder20,
    /// Terlalu tua: over 35 completed years (36 or more) at the HPHT.
    #[serde(rename = "age_over_35")]
    AgeOver35,
    /// Terlalu dekat: under 2 completed years from the last birth to the HPHT.
    #[serde(rename = "birth_interval_under_2_years")]
    BirthIntervalUnder2Years,
    /// Terlalu banyak: more than 3 living children (para when unknown).
    #[serde(rename = "more_than_3_children")]
    MoreThan3Children,
    /// Height under 145 cm (risk of a narrow pelvis).
    #[serde(rename = "height_under_145")]
    HeightUnder145,
}

/// Completed years from `from` to `to`, birthday style; negative when `to`
/// is before `from`.
fn completed_years(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// The flags of a pregnancy, in the order of [`RiskFlag`].
///
/// The Buku KIA speaks of the mother's age "when pregnant"; the HPHT is the
/// one date every pregnancy has (the due date moves with corrections and
/// the conception date is unknown), so age is the completed years on the
/// HPHT. The birth interval runs from the last birth to this pregnancy's
/// HPHT (when the pregnancy began); a last birth on or after the HPHT is
/// inconsistent data and raises no flag. Living children count the mother's
/// children today; para stands in when they are not recorded.
pub fn risk_flags(input: &RiskInput) -> Vec<RiskFlag> {
    let mut flags = Vec::new();
    let age = completed_years(input.mother_birth_date, input.hpht);
    if age < 20 {
        flags.push(RiskFlag::AgeUnder20);
    }
    if age > 35 {
        flags.push(RiskFlag::AgeOver35);
    }
    if input
        .last_birth_date
        .is_some_and(|last| last < input.hpht && completed_years(last, input.hpht) < 2)
    {
        flags.push(RiskFlag::BirthIntervalUnder2Years);
    }
    if input.living_children.or(input.para).is_some_and(|n| n > 3) {
        flags.push(RiskFlag::MoreThan3Children);
    }
    if input.height_cm.is_some_and(|h| h < 145.0) {
        flags.push(RiskFlag::HeightUnder145);
    }
    flags
}

// ------------------------------------------------------ antenatal contacts

/// One antenatal contact (kunjungan antenatal), as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contact {
    pub date: NaiveDate,
    pub by_doctor: bool,
    /// Mid-upper arm circumference (LILA), cm.
    pub lila_cm: Option<f64>,
    pub hb_g_dl: Option<f64>,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// Iron tablets (TTD) handed out at this contact.
    pub iron_tablets: i32,
}

/// What a contact's measurements show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContactFlags {
    /// Kurang energi kronis: LILA under 23.5 cm.
    pub kek: bool,
    /// Hb under 11 g/dL; in trimester II under 10.5, because the blood's
    /// volume grows faster than its red cells then.
    pub anaemia: bool,
    /// Systolic 140 or more, or diastolic 90 or more (mmHg).
    pub hypertension: bool,
}

/// LILA under this is KEK, cm.
pub const KEK_LILA_CM: f64 = 23.5;
/// Hb under this is anaemia, g/dL.
pub const ANAEMIA_HB: f64 = 11.0;
/// Hb under this is anaemia in trimester II, g/dL.
pub const ANAEMIA_HB_SECOND_TRIMESTER: f64 = 10.5;

/// The flags of one contact. A contact dated before the HPHT (refused by
/// [`check_contact_date`]) is read with the non-trimester-II Hb threshold.
pub fn contact_flags(hpht: NaiveDate, contact: &Contact) -> ContactFlags {
    let hb_limit = if trimester(hpht, contact.date) == Some(Trimester::Second) {
        ANAEMIA_HB_SECOND_TRIMESTER
    } else {
        ANAEMIA_HB
    };
    ContactFlags {
        kek: contact.lila_cm.is_some_and(|l| l < KEK_LILA_CM),
        anaemia: contact.hb_g_dl.is_some_and(|hb| hb < hb_limit),
        hypertension: contact.systolic.is_some_and(|s| s >= 140)
            || contact.diastolic.is_some_and(|d| d >= 90),
    }
}

/// K numbers (K1, K2, …) of contacts: their place in date order, 1-based,
/// returned in the input's order. Contacts on the same day are numbered in
/// the order given.
pub fn number_contacts(dates: &[NaiveDate]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..dates.len()).collect();
    // A stable sort keeps same-day contacts in input order.
    order.sort_by_key(|&i| dates[i]);
    let mut numbers = vec![0u32; dates.len()];
    for (rank, index) in order.into_iter().enumerate() {
        numbers[index] = u32::try_from(rank + 1).unwrap_or(u32::MAX);
    }
    numbers
}

/// Contacts each trimester needs under Permenkes 21/2021 (1-2-3).
pub const CONTACTS_PER_TRIMESTER: [u32; 3] = [1, 2, 3];
/// Contacts each trimester needs under the older K4 rule (1-1-2).
pub const K4_PER_TRIMESTER: [u32; 3] = [1, 1, 2];
/// Iron tablets (TTD) a pregnancy needs by term.
pub const IRON_TABLETS_TARGET: i32 = 90;

/// The recommended weeks of the six contacts, with their trimester: one in
/// I (by 12 weeks), two in II (20, 26), three in III (30, 34, 38), spread
/// like WHO's 2016 contact schedule thinned to Permenkes 21/2021's six.
pub const TARGET_WEEKS: [(i64, Trimester); 6] = [
    (12, Trimester::First),
    (20, Trimester::Second),
    (26, Trimester::Second),
    (30, Trimester::Third),
    (34, Trimester::Third),
    (38, Trimester::Third),
];

/// Where the antenatal care of a pregnancy stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AncSummary {
    pub contacts: u32,
    /// Contacts in trimester I, II, III.
    pub by_trimester: [u32; 3],
    pub doctor_first_trimester: bool,
    pub doctor_third_trimester: bool,
    pub iron_tablets_total: i32,
    /// At least one contact.
    pub k1: bool,
    /// The first contact was in trimester I.
    pub k1_first_trimester: bool,
    /// The older 1-1-2 rule: ≥ 1 in I, ≥ 1 in II, ≥ 2 in III.
    pub k4: bool,
    /// Permenkes 21/2021: ≥ 1 in I, ≥ 2 in II, ≥ 3 in III, and a doctor in
    /// I and in III.
    pub k6: bool,
    /// Every trimester that has ended has its full 1-2-3 count.
    pub on_track_123: bool,
    /// A doctor was seen in trimester I once it ended, and in III once term
    /// was reached.
    pub doctors_on_track: bool,
    /// Iron tablets so far keep up with one a day (see [`summarize`]).
    pub iron_on_track: bool,
    /// The next recommended contact, `today` when one is overdue.
    pub next_due: Option<NaiveDate>,
    pub next_due_overdue: bool,
}

/// How far a pregnancy has come on `today`, for the "has this trimester
/// ended" questions. Trimester III ends at term (HPL): from then on its
/// three contacts are due in full.
struct Progress {
    days: i64,
}

impl Progress {
    fn ended(&self, trimester: Trimester) -> bool {
        let end = match trimester {
            Trimester::First => SECOND_TRIMESTER_DAY,
            Trimester::Second => THIRD_TRIMESTER_DAY,
            Trimester::Third => TERM_DAYS,
        };
        self.days >= end
    }
}

/// Summarises the contacts of a pregnancy (any order) on `today` (the day
/// the pregnancy is looked at: today while it lasts, the outcome date once
/// closed). Contacts before the HPHT cannot be placed in a trimester and are
/// left out.
///
/// - `on_track_123`: each trimester that has ended (I at 14w0d, II at
///   28w0d, III at term, 40w0d) has its 1, 2, 3 contacts; the trimester in
///   progress is never late yet, since its contacts may still come.
/// - `doctors_on_track`: a doctor in I once I has ended; in III once term
///   is reached.
/// - `iron_on_track`: from the first contact on, at least one tablet for
///   every day from that contact to today (both included), capped at 90;
///   from term on, 90. Before any contact nothing is owed yet.
/// - `next_due`: the first of [`TARGET_WEEKS`] not yet covered, where the
///   n-th target of a trimester is covered by an n-th contact in that
///   trimester. Targets of trimesters that have ended are skipped (a missed
///   trimester I contact cannot be made up in II; `on_track_123` already
///   says it was missed). A target whose week has passed makes the next
///   contact due `today`, overdue. None from term on, or once all six are
///   covered.
pub fn summarize(hpht: NaiveDate, contacts: &[Contact], today: NaiveDate) -> AncSummary {
    let mut sorted: Vec<(Trimester, &Contact)> = contacts
        .iter()
        .filter_map(|c| trimester(hpht, c.date).map(|t| (t, c)))
        .collect();
    sorted.sort_by_key(|(_, c)| c.date);

    let mut by_trimester = [0u32; 3];
    for (t, _) in &sorted {
        by_trimester[t.index()] += 1;
    }
    let doctor_in = |t: Trimester| sorted.iter().any(|(ct, c)| *ct == t && c.by_doctor);
    let doctor_first_trimester = doctor_in(Trimester::First);
    let doctor_third_trimester = doctor_in(Trimester::Third);
    let iron_tablets_total = sorted
        .iter()
        .fold(0i32, |sum, (_, c)| sum.saturating_add(c.iron_tablets));
    let meets = |need: [u32; 3]| by_trimester.iter().zip(need).all(|(&n, need)| n >= need);

    let progress = Progress {
        days: days_since(hpht, today),
    };
    let on_track_123 = [Trimester::First, Trimester::Second, Trimester::Third]
        .into_iter()
        .all(|t| {
            !progress.ended(t) || by_trimester[t.index()] >= CONTACTS_PER_TRIMESTER[t.index()]
        });
    let doctors_on_track = (!progress.ended(Trimester::First) || doctor_first_trimester)
        && (!progress.ended(Trimester::Third) || doctor_third_trimester);
    let first_contact = sorted.first().map(|(_, c)| c.date);
    let iron_on_track = iron_tablets_total >= iron_owed(&progress, first_contact, today);
    let (next_due, next_due_overdue) = match next_contact(hpht, &progress, by_trimester, today) {
        Some((date, overdue)) => (Some(date), overdue),
        None => (None, false),
    };

    AncSummary {
        contacts: u32::try_from(sorted.len()).unwrap_or(u32::MAX),
        by_trimester,
        doctor_first_trimester,
        doctor_third_trimester,
        iron_tablets_total,
        k1: !sorted.is_empty(),
        k1_first_trimester: sorted.first().is_some_and(|(t, _)| *t == Trimester::First),
        k4: meets(K4_PER_TRIMESTER),
        k6: meets(CONTACTS_PER_TRIMESTER) && doctor_first_trimester && doctor_third_trimester,
        on_track_123,
        doctors_on_track,
        iron_on_track,
        next_due,
        next_due_overdue,
    }
}

/// Tablets that should have been handed out by `today`: one a day from the
/// first contact (both days counted), at most 90; 90 from term on.
fn iron_owed(progress: &Progress, first_contact: Option<NaiveDate>, today: NaiveDate) -> i32 {
    if progress.days >= TERM_DAYS {
        return IRON_TABLETS_TARGET;
    }
    match first_contact {
        Some(first) if first <= today => {
            let days = (today - first).num_days() + 1;
            i32::try_from(days.min(i64::from(IRON_TABLETS_TARGET))).unwrap_or(IRON_TABLETS_TARGET)
        }
        _ => 0,
    }
}

/// The next recommended contact and whether it is overdue.
fn next_contact(
    hpht: NaiveDate,
    progress: &Progress,
    by_trimester: [u32; 3],
    today: NaiveDate,
) -> Option<(NaiveDate, bool)> {
    if progress.days >= TERM_DAYS {
        return None;
    }
    let mut rank_in_trimester = [0u32; 3];
    for (weeks, t) in TARGET_WEEKS {
        rank_in_trimester[t.index()] += 1;
        let covered = by_trimester[t.index()] >= rank_in_trimester[t.index()];
        if covered || progress.ended(t) {
            continue;
        }
        let target = hpht.checked_add_signed(Duration::days(weeks * 7))?;
        return Some(if target < today {
            (today, true)
        } else {
            (target, false)
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// `hpht` + weeks and days.
    fn at(hpht: NaiveDate, weeks: i64, days: i64) -> NaiveDate {
        hpht + Duration::days(weeks * 7 + days)
    }

    fn contact(date: NaiveDate) -> Contact {
        Contact {
            date,
            by_doctor: false,
            lila_cm: None,
            hb_g_dl: None,
            systolic: None,
            diastolic: None,
            iron_tablets: 0,
        }
    }

    fn doctor(date: NaiveDate) -> Contact {
        Contact {
            by_doctor: true,
            ..contact(date)
        }
    }

    fn with_iron(date: NaiveDate, tablets: i32) -> Contact {
        Contact {
            iron_tablets: tablets,
            ..contact(date)
        }
    }

    // ------------------------------------------------------------ dates

    #[test]
    fn the_due_date_is_280_days_after_hpht() {
        assert_eq!(due_date(d(2025, 1, 1)), d(2025, 10, 8));
        // Across a leap day: 2024 has 29 February.
        assert_eq!(due_date(d(2023, 12, 1)), d(2024, 9, 6));
        assert_eq!(due_date(d(2024, 2, 29)), d(2024, 12, 5));
        assert_eq!(due_date(d(2023, 5, 31)), d(2024, 3, 6));
        // Not Naegele's rule (+7 days −3 months +1 year: 17 February).
        assert_eq!(due_date(d(2025, 5, 10)), d(2026, 2, 14));
        assert_eq!(due_date(NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn hpht_from_a_gestational_age() {
        let on = d(2024, 3, 1);
        assert_eq!(hpht_from_gestational_age(on, 0, 0), Some(on));
        assert_eq!(hpht_from_gestational_age(on, 0, 1), Some(d(2024, 2, 29)));
        assert_eq!(hpht_from_gestational_age(on, 12, 3), Some(d(2023, 12, 5)));
        assert_eq!(hpht_from_gestational_age(on, 45, 6), Some(d(2023, 4, 15)));
        assert_eq!(hpht_from_gestational_age(on, 46, 0), None);
        assert_eq!(hpht_from_gestational_age(on, 12, 7), None);
        assert_eq!(hpht_from_gestational_age(NaiveDate::MIN, 1, 0), None);
        // Round trip with the gestational age.
        let hpht = hpht_from_gestational_age(on, 20, 5).unwrap();
        assert_eq!(
            gestational_age(hpht, on),
            Some(GestationalAge { weeks: 20, days: 5 })
        );
    }

    #[test]
    fn gestational_age_in_completed_weeks() {
        let hpht = d(2024, 2, 29);
        assert_eq!(
            gestational_age(hpht, hpht),
            Some(GestationalAge { weeks: 0, days: 0 })
        );
        assert_eq!(
            gestational_age(hpht, d(2024, 3, 6)),
            Some(GestationalAge { weeks: 0, days: 6 })
        );
        assert_eq!(
            gestational_age(hpht, d(2024, 3, 7)),
            Some(GestationalAge { weeks: 1, days: 0 })
        );
        let age = gestational_age(hpht, due_date(hpht)).unwrap();
        assert_eq!((age.weeks, age.days, age.total_days()), (40, 0, 280));
        assert_eq!(gestational_age(hpht, d(2024, 2, 28)), None);
    }

    #[test]
    fn trimester_boundaries() {
        let hpht = d(2024, 2, 29);
        assert_eq!(trimester(hpht, d(2024, 2, 28)), None);
        assert_eq!(trimester(hpht, hpht), Some(Trimester::First));
        assert_eq!(trimester(hpht, at(hpht, 13, 6)), Some(Trimester::First));
        assert_eq!(trimester(hpht, at(hpht, 14, 0)), Some(Trimester::Second));
        assert_eq!(trimester(hpht, at(hpht, 27, 6)), Some(Trimester::Second));
        assert_eq!(trimester(hpht, at(hpht, 28, 0)), Some(Trimester::Third));
        assert_eq!(trimester(hpht, at(hpht, 44, 0)), Some(Trimester::Third));
        assert_eq!(
            [Trimester::First, Trimester::Second, Trimester::Third].map(Trimester::number),
            [1, 2, 3]
        );
        assert!(Trimester::First < Trimester::Third);
        assert_eq!(
            serde_json::to_string(&Trimester::Second).unwrap(),
            "\"second\""
        );
    }

    #[test]
    fn an_hpht_is_checked_against_the_registration() {
        let registered = d(2025, 3, 1);
        assert_eq!(check_hpht(registered, registered), Ok(()));
        assert_eq!(
            check_hpht(d(2025, 3, 2), registered),
            Err(PregnancyError::HphtInFuture)
        );
        // 44 weeks 0 days is the last accepted day.
        assert_eq!(check_hpht(at(d(2024, 4, 27), 0, 0), registered), Ok(()));
        assert_eq!(
            gestational_age(d(2024, 4, 27), registered),
            Some(GestationalAge { weeks: 44, days: 0 })
        );
        assert_eq!(
            check_hpht(d(2024, 4, 26), registered),
            Err(PregnancyError::HphtTooLongAgo)
        );
        assert!(
            PregnancyError::HphtTooLongAgo
                .to_string()
                .contains("44 weeks")
        );
    }

    #[test]
    fn a_contact_date_is_within_the_pregnancy_and_not_in_the_future() {
        let hpht = d(2024, 2, 29);
        let today = d(2024, 9, 1);
        assert_eq!(check_contact_date(hpht, hpht, today), Ok(()));
        assert_eq!(check_contact_date(hpht, today, today), Ok(()));
        assert_eq!(
            check_contact_date(hpht, d(2024, 2, 28), today),
            Err(PregnancyError::BeforeHpht)
        );
        assert_eq!(
            check_contact_date(hpht, d(2024, 9, 2), today),
            Err(PregnancyError::InFuture)
        );
        let late_today = d(2025, 6, 1);
        assert_eq!(
            check_contact_date(hpht, at(hpht, 44, 0), late_today),
            Ok(())
        );
        assert_eq!(
            check_contact_date(hpht, at(hpht, 44, 1), late_today),
            Err(PregnancyError::AfterPregnancy)
        );
        assert_eq!(
            PregnancyError::InFuture.to_string(),
            "The date is in the future."
        );
    }

    // ------------------------------------------------------- risk flags

    fn risk(mother_birth_date: NaiveDate, hpht: NaiveDate) -> RiskInput {
        RiskInput {
            mother_birth_date,
            hpht,
            para: None,
            living_children: None,
            last_birth_date: None,
            height_cm: None,
        }
    }

    #[test]
    fn age_is_completed_years_at_hpht() {
        let hpht = d(2025, 6, 15);
        // Turns 20 on the HPHT: no longer under 20.
        assert_eq!(risk_flags(&risk(d(2005, 6, 15), hpht)), vec![]);
        assert_eq!(
            risk_flags(&risk(d(2005, 6, 16), hpht)),
            vec![RiskFlag::AgeUnder20]
        );
        // 35 years and a day is not over 35; 36 is.
        assert_eq!(risk_flags(&risk(d(1990, 6, 14), hpht)), vec![]);
        assert_eq!(risk_flags(&risk(d(1989, 6, 16), hpht)), vec![]);
        assert_eq!(
            risk_flags(&risk(d(1989, 6, 15), hpht)),
            vec![RiskFlag::AgeOver35]
        );
    }

    #[test]
    fn a_mother_born_on_a_leap_day_completes_her_year_on_1_march() {
        let leap = d(2004, 2, 29);
        assert_eq!(
            risk_flags(&risk(leap, d(2024, 2, 28))),
            vec![RiskFlag::AgeUnder20]
        );
        assert_eq!(risk_flags(&risk(leap, d(2024, 2, 29))), vec![]);
        let leap = d(1988, 2, 29);
        assert_eq!(risk_flags(&risk(leap, d(2024, 2, 28))), vec![]);
        assert_eq!(
            risk_flags(&risk(leap, d(2024, 2, 29))),
            vec![RiskFlag::AgeOver35]
        );
        // In a common year the birthday is 1 March.
        assert_eq!(completed_years(leap, d(2025, 2, 28)), 36);
        assert_eq!(completed_years(leap, d(2025, 3, 1)), 37);
        assert_eq!(completed_years(d(2025, 3, 1), d(2025, 2, 28)), -1);
    }

    #[test]
    fn birth_interval_under_two_years() {
        let hpht = d(2026, 3, 1);
        let input = |last| RiskInput {
            last_birth_date: Some(last),
            ..risk(d(1995, 1, 1), hpht)
        };
        assert_eq!(
            risk_flags(&input(d(2024, 3, 2))),
            vec![RiskFlag::BirthIntervalUnder2Years]
        );
        assert_eq!(risk_flags(&input(d(2024, 3, 1))), vec![]);
        // A last birth on 29 February: two years complete on 1 March.
        assert_eq!(
            risk_flags(&RiskInput {
                hpht: d(2026, 2, 28),
                ..input(d(2024, 2, 29))
            }),
            vec![RiskFlag::BirthIntervalUnder2Years]
        );
        assert_eq!(risk_flags(&input(d(2024, 2, 29))), vec![]);
        // A last birth on or after the HPHT is inconsistent: no flag.
        assert_eq!(risk_flags(&input(hpht)), vec![]);
        assert_eq!(risk_flags(&input(d(2026, 4, 1))), vec![]);
    }

    #[test]
    fn more_than_three_children_prefers_living_children() {
        let base = risk(d(1995, 1, 1), d(2025, 1, 1));
        let with = |para, living| RiskInput {
            para,
            living_children: living,
            ..base
        };
        assert_eq!(risk_flags(&with(Some(3), None)), vec![]);
        assert_eq!(
            risk_flags(&with(Some(4), None)),
            vec![RiskFlag::MoreThan3Children]
        );
        // Four births, three alive: not "too many".
        assert_eq!(risk_flags(&with(Some(4), Some(3))), vec![]);
        assert_eq!(
            risk_flags(&with(Some(3), Some(4))),
            vec![RiskFlag::MoreThan3Children]
        );
        assert_eq!(risk_flags(&with(None, None)), vec![]);
    }

    #[test]
    fn height_under_145() {
        let base = risk(d(1995, 1, 1), d(2025, 1, 1));
        let tall = |h| RiskInput {
            height_cm: Some(h),
            ..base
        };
        assert_eq!(risk_flags(&tall(145.0)), vec![]);
        assert_eq!(risk_flags(&tall(144.9)), vec![RiskFlag::HeightUnder145]);
        assert_eq!(risk_flags(&tall(f64::NAN)), vec![]);
    }

    #[test]
    fn every_flag_at_once_in_order() {
        let input = RiskInput {
            mother_birth_date: d(2008, 1, 1),
            hpht: d(2025, 1, 1),
            para: Some(4),
            living_children: Some(4),
            last_birth_date: Some(d(2024, 1, 1)),
            height_cm: Some(140.0),
        };
        assert_eq!(
            risk_flags(&input),
            vec![
                RiskFlag::AgeUnder20,
                RiskFlag::BirthIntervalUnder2Years,
                RiskFlag::MoreThan3Children,
                RiskFlag::HeightUnder145,
            ]
        );
        assert_eq!(
            serde_json::to_string(&RiskFlag::BirthIntervalUnder2Years).unwrap(),
            "\"birth_interval_under_2_years\""
        );
        assert_eq!(
            serde_json::to_string(&RiskFlag::AgeOver35).unwrap(),
            "\"age_over_35\""
        );
    }

    // --------------------------------------------------- contact flags

    #[test]
    fn kek_and_hypertension_thresholds() {
        let hpht = d(2025, 1, 1);
        let flags = |lila, sys, dia| {
            contact_flags(
                hpht,
                &Contact {
                    lila_cm: lila,
                    systolic: sys,
                    diastolic: dia,
                    ..contact(d(2025, 3, 1))
                },
            )
        };
        assert!(flags(Some(23.4), None, None).kek);
        assert!(!flags(Some(23.5), None, None).kek);
        assert_eq!(flags(None, None, None), ContactFlags::default());
        assert!(flags(None, Some(140), Some(80)).hypertension);
        assert!(flags(None, Some(120), Some(90)).hypertension);
        assert!(!flags(None, Some(139), Some(89)).hypertension);
        assert!(flags(None, Some(150), None).hypertension);
    }

    #[test]
    fn anaemia_is_under_10_5_in_the_second_trimester_only() {
        let hpht = d(2024, 2, 29);
        let hb = |weeks, days, value| {
            contact_flags(
                hpht,
                &Contact {
                    hb_g_dl: Some(value),
                    ..contact(at(hpht, weeks, days))
                },
            )
            .anaemia
        };
        assert!(hb(13, 6, 10.7));
        assert!(!hb(13, 6, 11.0));
        assert!(!hb(14, 0, 10.7));
        assert!(!hb(14, 0, 10.5));
        assert!(hb(14, 0, 10.4));
        assert!(!hb(27, 6, 10.5));
        assert!(hb(28, 0, 10.7));
        assert!(!hb(28, 0, 11.0));
        // Before the HPHT (a refused date), the general threshold.
        assert!(hb(0, -1, 10.7));
    }

    #[test]
    fn contacts_are_numbered_in_date_order() {
        let dates = [d(2025, 3, 1), d(2025, 1, 10), d(2025, 2, 1), d(2025, 1, 10)];
        assert_eq!(number_contacts(&dates), vec![4, 1, 3, 2]);
        assert_eq!(number_contacts(&[]), Vec::<u32>::new());
        assert_eq!(number_contacts(&[d(2024, 2, 29)]), vec![1]);
    }

    // ---------------------------------------------------------- summary

    /// Six contacts on the 1-2-3 pattern, a doctor in I and III, 30 tablets
    /// each.
    fn complete_care(hpht: NaiveDate) -> Vec<Contact> {
        vec![
            Contact {
                iron_tablets: 30,
                ..doctor(at(hpht, 10, 0))
            },
            with_iron(at(hpht, 20, 0), 30),
            with_iron(at(hpht, 26, 0), 30),
            with_iron(at(hpht, 30, 0), 30),
            Contact {
                iron_tablets: 30,
                ..doctor(at(hpht, 34, 0))
            },
            with_iron(at(hpht, 38, 0), 30),
        ]
    }

    #[test]
    fn complete_care_meets_k1_k4_and_k6() {
        let hpht = d(2024, 2, 29);
        let mut contacts = complete_care(hpht);
        contacts.reverse();
        let summary = summarize(hpht, &contacts, at(hpht, 39, 0));
        assert_eq!(
            summary,
            AncSummary {
                contacts: 6,
                by_trimester: [1, 2, 3],
                doctor_first_trimester: true,
                doctor_third_trimester: true,
                iron_tablets_total: 180,
                k1: true,
                k1_first_trimester: true,
                k4: true,
                k6: true,
                on_track_123: true,
                doctors_on_track: true,
                iron_on_track: true,
                next_due: None,
                next_due_overdue: false,
            }
        );
    }

    #[test]
    fn k6_needs_the_doctors() {
        let hpht = d(2025, 1, 1);
        let mut contacts = complete_care(hpht);
        contacts[4].by_doctor = false;
        let summary = summarize(hpht, &contacts, at(hpht, 40, 0));
        assert!(summary.k4 && !summary.k6);
        assert!(summary.on_track_123);
        assert!(!summary.doctors_on_track);
        assert!(summary.doctor_first_trimester && !summary.doctor_third_trimester);
    }

    #[test]
    fn k4_is_the_old_1_1_2_rule() {
        let hpht = d(2025, 1, 1);
        let contacts = [
            contact(at(hpht, 13, 6)),
            contact(at(hpht, 14, 0)),
            contact(at(hpht, 27, 6)),
            contact(at(hpht, 28, 0)),
        ];
        let summary = summarize(hpht, &contacts, at(hpht, 30, 0));
        assert_eq!(summary.by_trimester, [1, 2, 1]);
        assert!(!summary.k4);
        let mut more = contacts.to_vec();
        more.push(contact(at(hpht, 29, 0)));
        let summary = summarize(hpht, &more, at(hpht, 30, 0));
        assert_eq!(summary.by_trimester, [1, 2, 2]);
        assert!(summary.k4 && !summary.k6);
    }

    #[test]
    fn k1_in_the_first_trimester_or_later() {
        let hpht = d(2025, 1, 1);
        let none = summarize(hpht, &[], at(hpht, 8, 0));
        assert!(!none.k1 && !none.k1_first_trimester);
        assert_eq!(none.contacts, 0);
        let late = summarize(hpht, &[contact(at(hpht, 14, 0))], at(hpht, 15, 0));
        assert!(late.k1 && !late.k1_first_trimester);
        let early = summarize(hpht, &[contact(at(hpht, 13, 6))], at(hpht, 15, 0));
        assert!(early.k1 && early.k1_first_trimester);
        // A contact before the HPHT is left out.
        let odd = summarize(hpht, &[contact(at(hpht, 0, -1))], at(hpht, 2, 0));
        assert_eq!((odd.contacts, odd.k1), (0, false));
    }

    #[test]
    fn a_trimester_in_progress_is_not_late_yet() {
        let hpht = d(2025, 1, 1);
        // No contact at 13w6d: trimester I has not ended.
        let summary = summarize(hpht, &[], at(hpht, 13, 6));
        assert!(summary.on_track_123);
        assert!(summary.doctors_on_track);
        // At 14w0d it has, without its contact.
        let summary = summarize(hpht, &[], at(hpht, 14, 0));
        assert!(!summary.on_track_123);
        assert!(!summary.doctors_on_track);
        // One contact in II at 27w6d is enough for now, not at 28w0d.
        let contacts = [doctor(at(hpht, 10, 0)), contact(at(hpht, 20, 0))];
        assert!(summarize(hpht, &contacts, at(hpht, 27, 6)).on_track_123);
        assert!(!summarize(hpht, &contacts, at(hpht, 28, 0)).on_track_123);
        // Trimester III is judged at term.
        let mut contacts = contacts.to_vec();
        contacts.push(contact(at(hpht, 21, 0)));
        contacts.push(contact(at(hpht, 30, 0)));
        let at_39 = summarize(hpht, &contacts, at(hpht, 39, 6));
        assert!(at_39.on_track_123 && at_39.doctors_on_track);
        let at_term = summarize(hpht, &contacts, at(hpht, 40, 0));
        assert!(!at_term.on_track_123 && !at_term.doctors_on_track);
    }

    #[test]
    fn iron_one_tablet_a_day_from_the_first_contact() {
        let hpht = d(2025, 1, 1);
        let first = at(hpht, 12, 0);
        let contacts = [with_iron(first, 30)];
        // Days 1..=30 covered; day 31 not.
        assert!(summarize(hpht, &contacts, first).iron_on_track);
        assert!(summarize(hpht, &contacts, first + Duration::days(29)).iron_on_track);
        assert!(!summarize(hpht, &contacts, first + Duration::days(30)).iron_on_track);
        // A first contact without tablets is behind at once.
        assert!(!summarize(hpht, &[contact(first)], first).iron_on_track);
        // Nothing is owed before the first contact.
        assert!(summarize(hpht, &[], at(hpht, 20, 0)).iron_on_track);
        // The cap is 90: 90 tablets keep up however long.
        let contacts = [with_iron(first, 90)];
        assert!(summarize(hpht, &contacts, at(hpht, 39, 6)).iron_on_track);
        // At term 90 are needed even with a late first contact.
        let late = [with_iron(at(hpht, 36, 0), 60)];
        assert!(summarize(hpht, &late, at(hpht, 39, 6)).iron_on_track);
        assert!(!summarize(hpht, &late, at(hpht, 40, 0)).iron_on_track);
        assert_eq!(
            summarize(hpht, &late, at(hpht, 40, 0)).iron_tablets_total,
            60
        );
    }

    #[test]
    fn next_due_follows_the_target_weeks() {
        let hpht = d(2024, 2, 29);
        // Nothing yet at 8 weeks: the 12-week contact.
        let summary = summarize(hpht, &[], at(hpht, 8, 0));
        assert_eq!(summary.next_due, Some(at(hpht, 12, 0)));
        assert!(!summary.next_due_overdue);
        // On the target day itself it is due, not overdue.
        let summary = summarize(hpht, &[], at(hpht, 12, 0));
        assert_eq!(
            (summary.next_due, summary.next_due_overdue),
            (Some(at(hpht, 12, 0)), false)
        );
        // The day after: overdue, due today.
        let today = at(hpht, 12, 1);
        let summary = summarize(hpht, &[], today);
        assert_eq!(
            (summary.next_due, summary.next_due_overdue),
            (Some(today), true)
        );
        // After K1 at 10 weeks: the 20-week contact.
        let contacts = [doctor(at(hpht, 10, 0))];
        let summary = summarize(hpht, &contacts, at(hpht, 13, 0));
        assert_eq!(summary.next_due, Some(at(hpht, 20, 0)));
        // In trimester II without a trimester I contact: that one is lost,
        // the next is the 20-week one.
        let summary = summarize(hpht, &[], at(hpht, 15, 0));
        assert_eq!(
            (summary.next_due, summary.next_due_overdue),
            (Some(at(hpht, 20, 0)), false)
        );
        assert!(!summary.on_track_123);
    }

    #[test]
    fn next_due_counts_contacts_per_trimester() {
        let hpht = d(2025, 1, 31);
        // Two early contacts in II cover both of its targets.
        let contacts = [
            contact(at(hpht, 10, 0)),
            contact(at(hpht, 15, 0)),
            contact(at(hpht, 16, 0)),
        ];
        let summary = summarize(hpht, &contacts, at(hpht, 17, 0));
        assert_eq!(summary.next_due, Some(at(hpht, 30, 0)));
        // At 31 weeks with nothing in III: overdue.
        let today = at(hpht, 31, 0);
        let summary = summarize(hpht, &contacts, today);
        assert_eq!(
            (summary.next_due, summary.next_due_overdue),
            (Some(today), true)
        );
        // Two in III: the 38-week one.
        let mut more = contacts.to_vec();
        more.push(contact(at(hpht, 30, 0)));
        more.push(contact(at(hpht, 33, 0)));
        let summary = summarize(hpht, &more, at(hpht, 35, 0));
        assert_eq!(summary.next_due, Some(at(hpht, 38, 0)));
        // Past 38 weeks without it: overdue until term, then nothing.
        let summary = summarize(hpht, &more, at(hpht, 39, 6));
        assert!(summary.next_due_overdue);
        let summary = summarize(hpht, &more, at(hpht, 40, 0));
        assert_eq!((summary.next_due, summary.next_due_overdue), (None, false));
    }

    #[test]
    fn six_contacts_before_term_need_no_more() {
        let hpht = d(2025, 1, 1);
        let contacts = [
            doctor(at(hpht, 10, 0)),
            contact(at(hpht, 15, 0)),
            contact(at(hpht, 16, 0)),
            contact(at(hpht, 28, 0)),
            doctor(at(hpht, 29, 0)),
            contact(at(hpht, 30, 0)),
        ];
        let summary = summarize(hpht, &contacts, at(hpht, 31, 0));
        assert!(summary.k6);
        assert_eq!(summary.next_due, None);
    }

    #[test]
    fn the_e2e_scenario_two_contacts_at_28_weeks() {
        // HPHT 200 days ago; contacts on day 60 (doctor) and day 99.
        let today = d(2026, 3, 1);
        let hpht = today - Duration::days(200);
        let contacts = [
            Contact {
                hb_g_dl: Some(10.7),
                iron_tablets: 30,
                ..contact(hpht + Duration::days(99))
            },
            Contact {
                iron_tablets: 30,
                ..doctor(hpht + Duration::days(60))
            },
        ];
        let summary = summarize(hpht, &contacts, today);
        assert_eq!(summary.by_trimester, [1, 1, 0]);
        assert!(summary.k1 && summary.k1_first_trimester && summary.doctor_first_trimester);
        assert!(!summary.k4 && !summary.k6 && !summary.on_track_123);
        assert_eq!(summary.iron_tablets_total, 60);
        assert_eq!(summary.next_due, Some(at(hpht, 30, 0)));
    }

    #[test]
    fn the_summary_serialises_with_its_field_names() {
        let hpht = d(2025, 1, 1);
        let value = serde_json::to_value(summarize(hpht, &[], at(hpht, 5, 0))).unwrap();
        assert_eq!(value["by_trimester"], serde_json::json!([0, 0, 0]));
        assert_eq!(value["next_due"], "2025-03-26");
        assert_eq!(value["next_due_overdue"], false);
    }
}
