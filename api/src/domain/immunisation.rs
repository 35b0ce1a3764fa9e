//! Childhood immunisation against the national schedule: checking a dose
//! before it is recorded, where every dose stands for a child on a day, what
//! a child should get at a posyandu day, and "imunisasi dasar lengkap".
//!
//! The schedule is versioned reference data, embedded from
//! `api/data/immunisation/`; every result records [`SCHEDULE_VERSION`].
//! Doses are stored as antigen code + dose number, never as a label.
//!
//! Conventions, stated once:
//! - Ages are calendar months added to the birth date, then days (a child
//!   born on 31 January is 1 month old on 28 or 29 February: chrono clamps
//!   to the month's end). `6w` is 42 days.
//! - A dose's *due date* is the birth date + its due age; for a later dose
//!   of an antigen it is pushed back to the previous dose's date + the
//!   minimum interval when that is later (the previous dose's given date,
//!   or, while it is not given, its own due date).
//! - A dose is *due* from its due date until one calendar month after it
//!   (inclusive), *overdue* after that, and *too late* after its maximum
//!   age (inclusive last day) — or as soon as it can no longer be given
//!   validly by then: its due date falls after the maximum age, or, while
//!   the previous dose is still not given, `on` + the interval does.
//! - A dose whose previous dose is not given yet is *not yet* due, whatever
//!   the date: the previous dose comes first. Its due date is the projected
//!   one (from the previous dose's due date, not from `on`, so that it stays
//!   put from day to day).
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use chrono::{Days, Months, NaiveDate};
use serde::{Serialize, Serializer};

/// The schedule edition in use.
pub const SCHEDULE_VERSION: &str = "kemenkes-2024";

/// The programme's antigen codes.
pub const ANTIGENS: [&str; 9] = [
    "HB0",
    "BCG",
    "OPV",
    "DPT-HB-Hib",
    "PCV",
    "RV",
    "IPV",
    "MR",
    "JE",
];

static SCHEDULE: LazyLock<Vec<ScheduleEntry>> = LazyLock::new(|| {
    parse_schedule(include_str!("../../data/immunisation/kemenkes-2024.tsv"))
        .expect("the embedded immunisation schedule is valid")
});

// ------------------------------------------------------------------ ages

/// An age as the schedule writes it: calendar months, then days
/// (`0d`, `1m`, `6w`, `6m29d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Age {
    pub months: u32,
    pub days: u32,
}

impl Age {
    /// Reads `18m`, `7d`, `6w` (42 days), `6m29d`: months, weeks, days in
    /// that order, each at most once.
    pub fn parse(text: &str) -> Option<Age> {
        let mut age = Age { months: 0, days: 0 };
        let mut number = String::new();
        let mut last_unit = 0u8;
        for c in text.trim().chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let value: u32 = number.parse().ok()?;
            number.clear();
            let rank = match c {
                'm' => 1,
                'w' => 2,
                'd' => 3,
                _ => return None,
            };
            if rank <= last_unit {
                return None;
            }
            last_unit = rank;
            match c {
                'm' => age.months = value,
                'w' => age.days = value.checked_mul(7)?,
                _ => age.days = age.days.checked_add(value)?,
            }
        }
        (number.is_empty() && last_unit > 0).then_some(age)
    }

    /// The day a child born on `birth` reaches this age; the latest date
    /// when it would overflow the calendar.
    pub fn from_birth(self, birth: NaiveDate) -> NaiveDate {
        birth
            .checked_add_months(Months::new(self.months))
            .and_then(|d| d.checked_add_days(Days::new(u64::from(self.days))))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.months, self.days) {
            (0, days) => write!(f, "{days}d"),
            (months, 0) => write!(f, "{months}m"),
            (months, days) => write!(f, "{months}m{days}d"),
        }
    }
}

impl Serialize for Age {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

// -------------------------------------------------------------- schedule

/// One dose of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleEntry {
    pub antigen: String,
    pub dose: u8,
    /// The age the dose is scheduled at.
    pub due_age: Age,
    /// Earliest valid age.
    pub min_age: Age,
    /// Least days after the previous dose of the antigen; None for a first
    /// dose.
    pub min_interval_days: Option<u32>,
    /// Last valid age (inclusive); None when there is none.
    pub max_age: Option<Age>,
    /// Only where the disease is endemic (JE).
    pub endemic_only: bool,
}

impl ScheduleEntry {
    fn due_date(&self, birth: NaiveDate) -> NaiveDate {
        self.due_age.from_birth(birth)
    }

    fn min_date(&self, birth: NaiveDate) -> NaiveDate {
        self.min_age.from_birth(birth)
    }

    fn max_date(&self, birth: NaiveDate) -> Option<NaiveDate> {
        self.max_age.map(|age| age.from_birth(birth))
    }

    /// The earliest valid date after a previous dose given on `previous`.
    fn after(&self, previous: NaiveDate) -> NaiveDate {
        previous
            .checked_add_days(Days::new(u64::from(self.min_interval_days.unwrap_or(0))))
            .unwrap_or(NaiveDate::MAX)
    }
}

const HEADER: &str = "antigen\tdose\tdue_age\tmin_age\tmin_interval_days\tmax_age\tendemic_only";

/// Reads a schedule table (see the data file's header comment). Checks what
/// the rules rely on: known antigen codes, doses of an antigen numbered
/// 1, 2, … in file order, an interval for every later dose and none for a
/// first, and min age ≤ due age ≤ max age.
pub fn parse_schedule(text: &str) -> Result<Vec<ScheduleEntry>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    match lines.next() {
        Some((_, header)) if header.trim_end() == HEADER => {}
        _ => return Err(format!("the header must be: {HEADER}")),
    }
    let mut entries: Vec<ScheduleEntry> = Vec::new();
    for (index, line) in lines {
        let entry = parse_row(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        let previous = entries
            .iter()
            .filter(|e| e.antigen == entry.antigen)
            .map(|e| e.dose)
            .max()
            .unwrap_or(0);
        if u32::from(entry.dose) != u32::from(previous) + 1 {
            return Err(format!(
                "line {}: {} dose {} follows dose {previous}",
                index + 1,
                entry.antigen,
                entry.dose
            ));
        }
        if (entry.dose == 1) != entry.min_interval_days.is_none() {
            return Err(format!(
                "line {}: a first dose has no interval, a later dose has one",
                index + 1
            ));
        }
        // Compared on a month-end birth date, where month lengths bite.
        let birth = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or(NaiveDate::MIN);
        let max = entry.max_date(birth).unwrap_or(NaiveDate::MAX);
        if !(entry.min_date(birth) <= entry.due_date(birth) && entry.due_date(birth) <= max) {
            return Err(format!(
                "line {}: min age ≤ due age ≤ max age does not hold",
                index + 1
            ));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_row(line: &str) -> Result<ScheduleEntry, String> {
    let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
    let [antigen, dose, due, min, interval, max, endemic] = fields[..] else {
        return Err(format!("7 columns expected, found {}", fields.len()));
    };
    if !ANTIGENS.contains(&antigen) {
        return Err(format!("unknown antigen code {antigen}"));
    }
    let dose: u8 = dose.parse().map_err(|_| format!("bad dose {dose}"))?;
    let age = |text: &str| Age::parse(text).ok_or_else(|| format!("bad age {text}"));
    Ok(ScheduleEntry {
        antigen: antigen.to_owned(),
        dose,
        due_age: age(due)?,
        min_age: age(min)?,
        min_interval_days: match interval {
            "-" => None,
            days => Some(days.parse().map_err(|_| format!("bad interval {days}"))?),
        },
        max_age: match max {
            "-" => None,
            text => Some(age(text)?),
        },
        endemic_only: match endemic {
            "yes" => true,
            "no" => false,
            other => return Err(format!("endemic_only is yes or no, not {other}")),
        },
    })
}

/// Every dose of the schedule, ordered by due age (each antigen's doses in
/// number order).
pub fn schedule() -> &'static [ScheduleEntry] {
    &SCHEDULE
}

/// The schedule's entry for a dose; the antigen may be any spelling
/// [`normalise_antigen`] understands.
pub fn entry(antigen: &str, dose: u8) -> Option<&'static ScheduleEntry> {
    let code = normalise_antigen(antigen)?;
    entry_of(code, dose)
}

fn entry_of(code: &str, dose: u8) -> Option<&'static ScheduleEntry> {
    schedule()
        .iter()
        .find(|e| e.antigen == code && e.dose == dose)
}

/// The programme code for an antigen as kader and bidan write it: the code
/// in any case, with or without spaces, dashes and dots ("dpt-hb-hib",
/// "HB 0"), brand and common names ("Pentabio", "DPT" → DPT-HB-Hib;
/// "Polio" → OPV, the drops; "Polio suntik" → IPV; "Campak" → MR;
/// "Hep B 0" → HB0; "Rotavirus" → RV). None when unknown.
pub fn normalise_antigen(text: &str) -> Option<&'static str> {
    let key: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(match key.as_str() {
        "hb0" | "hbo" | "hepb0" | "hepbo" | "hepatitisb0" | "hepatitisbo" => "HB0",
        "bcg" => "BCG",
        "opv" | "bopv" | "polio" | "poliotetes" | "tetespolio" => "OPV",
        "dpthbhib" | "dpt" | "dpthb" | "pentabio" | "penta" | "pentavalen" | "pentavalent" => {
            "DPT-HB-Hib"
        }
        "pcv" | "pneumokokus" | "pneumokokal" | "pneumococcal" => "PCV",
        "rv" | "rota" | "rotavirus" => "RV",
        "ipv" | "poliosuntik" | "suntikpolio" => "IPV",
        "mr" | "campak" | "campakrubela" | "campakrubella" | "measlesrubella" | "measles" => "MR",
        "je" | "japaneseencephalitis" => "JE",
        _ => return None,
    })
}

// ------------------------------------------------------- recording doses

/// A dose a child has had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GivenDose {
    pub antigen: String,
    pub dose: u8,
    pub given_on: NaiveDate,
}

/// The earliest recorded date of a dose (antigens compared by code), among
/// those given on or before `by`.
fn given_on(given: &[GivenDose], code: &str, dose: u8, by: NaiveDate) -> Option<NaiveDate> {
    given
        .iter()
        .filter(|g| g.dose == dose && g.given_on <= by)
        .filter(|g| normalise_antigen(&g.antigen) == Some(code))
        .map(|g| g.given_on)
        .min()
}

/// What is unusual about a dose that is nevertheless recorded: the child
/// did get it, and the record must say so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DoseCheck {
    /// Before the dose's earliest valid age.
    pub too_early_for_age: bool,
    /// Less than the minimum interval after the previous dose.
    pub too_soon_after_previous: bool,
    /// The previous dose of the antigen is not recorded on or before this
    /// one's date.
    pub previous_dose_missing: bool,
    /// After the dose's last valid age: too late.
    pub past_max_age: bool,
}

/// Why a dose cannot be recorded at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoseError {
    UnknownAntigen {
        antigen: String,
    },
    UnknownDose {
        antigen: &'static str,
        dose: u8,
        doses: u8,
    },
    BeforeBirth,
    InFuture,
    AlreadyGiven {
        antigen: &'static str,
        dose: u8,
        on: NaiveDate,
    },
}

impl fmt::Display for DoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoseError::UnknownAntigen { antigen } => write!(
                f,
                "Unknown antigen \"{antigen}\": use HB0, BCG, OPV, DPT-HB-Hib, PCV, RV, IPV, MR or JE."
            ),
            DoseError::UnknownDose {
                antigen,
                dose,
                doses: 1,
            } => write!(f, "{antigen} has a single dose (1), not dose {dose}."),
            DoseError::UnknownDose {
                antigen,
                dose,
                doses,
            } => write!(
                f,
                "{antigen} has doses 1 to {doses} in the schedule, not dose {dose}."
            ),
            DoseError::BeforeBirth => write!(f, "The date is before the child's birth."),
            DoseError::InFuture => write!(f, "The date is in the future."),
            DoseError::AlreadyGiven { antigen, dose, on } => {
                write!(
                    f,
                    "{antigen} dose {dose} is already recorded, given on {on}."
                )
            }
        }
    }
}

impl std::error::Error for DoseError {}

/// Checks a dose about to be recorded for a child born on `birth` who had
/// `given`. Refused: an unknown antigen or dose, a date before birth or
/// after `today`, a dose already recorded (on any day). Flagged: the rest.
pub fn check_new_dose(
    birth: NaiveDate,
    given: &[GivenDose],
    new: &GivenDose,
    today: NaiveDate,
) -> Result<DoseCheck, DoseError> {
    let code = normalise_antigen(&new.antigen).ok_or_else(|| DoseError::UnknownAntigen {
        antigen: new.antigen.clone(),
    })?;
    let entry = entry_of(code, new.dose).ok_or_else(|| DoseError::UnknownDose {
        antigen: code,
        dose: new.dose,
        doses: schedule()
            .iter()
            .filter(|e| e.antigen == code)
            .map(|e| e.dose)
            .max()
            .unwrap_or(0),
    })?;
    if new.given_on < birth {
        return Err(DoseError::BeforeBirth);
    }
    if new.given_on > today {
        return Err(DoseError::InFuture);
    }
    if let Some(on) = given_on(given, code, new.dose, NaiveDate::MAX) {
        return Err(DoseError::AlreadyGiven {
            antigen: code,
            dose: new.dose,
            on,
        });
    }
    let previous = (new.dose > 1)
        .then(|| given_on(given, code, new.dose - 1, new.given_on))
        .flatten();
    Ok(DoseCheck {
        too_early_for_age: new.given_on < entry.min_date(birth),
        too_soon_after_previous: previous.is_some_and(|p| new.given_on < entry.after(p)),
        previous_dose_missing: new.dose > 1 && previous.is_none(),
        past_max_age: entry.max_date(birth).is_some_and(|max| new.given_on > max),
    })
}

// ---------------------------------------------------------------- status

/// Where one dose stands for a child on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DoseState {
    /// Given on `on`; `too_early` before its earliest valid age or interval,
    /// `late` after its last valid age.
    Given {
        on: NaiveDate,
        too_early: bool,
        late: bool,
    },
    /// Not due yet (or waiting for the previous dose).
    NotYet { due_on: NaiveDate },
    /// Due: from the due date until a month after it.
    Due { due_on: NaiveDate },
    /// More than a month past the due date, still before the last valid age.
    Overdue { due_on: NaiveDate },
    /// Past the last valid age: no longer given.
    TooLate,
}

/// One dose of the schedule for a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseStatus {
    pub antigen: String,
    pub dose: u8,
    /// The date the dose is (or was) due for this child: the scheduled age,
    /// pushed back by a late previous dose.
    pub due_on: NaiveDate,
    pub state: DoseState,
}

/// The previous dose of an antigen, as the next dose sees it.
#[derive(Clone, Copy)]
struct Prior {
    given: Option<NaiveDate>,
    due_on: NaiveDate,
}

/// Every dose of the schedule for a child born on `birth`, on `on`, in
/// schedule order. Doses recorded after `on` count as not given yet. JE is
/// listed where it is endemic, or when the child has had a JE dose (given
/// elsewhere); given doses with unknown antigens are ignored.
pub fn evaluate(
    birth: NaiveDate,
    given: &[GivenDose],
    on: NaiveDate,
    je_endemic: bool,
) -> Vec<DoseStatus> {
    let mut priors: HashMap<&str, Prior> = HashMap::new();
    let mut out = Vec::new();
    for entry in schedule() {
        let code = entry.antigen.as_str();
        let given_here = given_on(given, code, entry.dose, on);
        if entry.endemic_only && !je_endemic && given_on(given, code, 1, NaiveDate::MAX).is_none() {
            continue;
        }
        let prior = priors.get(code).copied();
        let status = dose_status(birth, entry, prior, given_here, on);
        priors.insert(
            code,
            Prior {
                given: given_here,
                due_on: status.due_on,
            },
        );
        out.push(status);
    }
    out
}

fn dose_status(
    birth: NaiveDate,
    entry: &ScheduleEntry,
    prior: Option<Prior>,
    given_here: Option<NaiveDate>,
    on: NaiveDate,
) -> DoseStatus {
    let scheduled = entry.due_date(birth);
    let due_on = match prior {
        None => scheduled,
        Some(p) => scheduled.max(entry.after(p.given.unwrap_or(p.due_on))),
    };
    let max = entry.max_date(birth);
    // The previous dose is not given: it could be given on `on` at the
    // earliest, and this one an interval later.
    let waiting = prior.is_some_and(|p| p.given.is_none());
    let state = if let Some(date) = given_here {
        let previous = prior.and_then(|p| p.given).filter(|&p| p <= date);
        DoseState::Given {
            on: date,
            too_early: date < entry.min_date(birth)
                || previous.is_some_and(|p| date < entry.after(p)),
            late: max.is_some_and(|m| date > m),
        }
    } else if max.is_some_and(|m| on > m || due_on > m || (waiting && entry.after(on) > m)) {
        DoseState::TooLate
    } else if on < due_on || waiting {
        DoseState::NotYet { due_on }
    } else if on
        <= due_on
            .checked_add_months(Months::new(1))
            .unwrap_or(NaiveDate::MAX)
    {
        DoseState::Due { due_on }
    } else {
        DoseState::Overdue { due_on }
    };
    DoseStatus {
        antigen: entry.antigen.clone(),
        dose: entry.dose,
        due_on,
        state,
    }
}

/// The doses a child should get at a posyandu day: due or overdue on that
/// day (too-late doses are no longer given).
pub fn due_at(
    birth: NaiveDate,
    given: &[GivenDose],
    day: NaiveDate,
    je_endemic: bool,
) -> Vec<(String, u8)> {
    evaluate(birth, given, day, je_endemic)
        .into_iter()
        .filter(|s| matches!(s.state, DoseState::Due { .. } | DoseState::Overdue { .. }))
        .map(|s| (s.antigen, s.dose))
        .collect()
}

// ------------------------------------------------ imunisasi dasar lengkap

/// Imunisasi dasar lengkap: every dose due by 9 months given before the
/// first birthday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdlStatus {
    pub complete: bool,
    /// The day the last of those doses was given, once complete.
    pub completed_on: Option<NaiveDate>,
    /// The doses not given (before the first birthday, by `on`).
    pub missing: Vec<(String, u8)>,
    /// Not complete yet, but the missing doses can all still be given
    /// validly before the first birthday.
    pub still_possible: bool,
}

/// The IDL doses: due by 9 months (not endemic-only ones; JE is at 10).
fn idl_entries(birth: NaiveDate) -> impl Iterator<Item = &'static ScheduleEntry> {
    let nine_months = Age { months: 9, days: 0 }.from_birth(birth);
    schedule()
        .iter()
        .filter(move |e| !e.endemic_only && e.due_date(birth) <= nine_months)
}

/// IDL on `on`. A dose counts when given on or after the birth, before the
/// first birthday, and by `on`, whatever its flags (a late HB0 was still
/// given). `still_possible` plays the missing doses forward from `on`:
/// each at the earliest valid day (its minimum age and interval after the
/// previous dose), and all must fall before both the first birthday and
/// their last valid age.
pub fn idl(birth: NaiveDate, given: &[GivenDose], on: NaiveDate) -> IdlStatus {
    let first_birthday = Age {
        months: 12,
        days: 0,
    }
    .from_birth(birth);
    let last_day = first_birthday.pred_opt().unwrap_or(first_birthday);
    let counted = |entry: &ScheduleEntry| {
        given
            .iter()
            .filter(|g| g.dose == entry.dose && g.given_on >= birth)
            .filter(|g| g.given_on < first_birthday && g.given_on <= on)
            .filter(|g| normalise_antigen(&g.antigen) == Some(entry.antigen.as_str()))
            .map(|g| g.given_on)
            .min()
    };
    let mut missing = Vec::new();
    let mut completed_on: Option<NaiveDate> = None;
    let mut feasible = on < first_birthday;
    let mut last_of: HashMap<&str, NaiveDate> = HashMap::new();
    for entry in idl_entries(birth) {
        let code = entry.antigen.as_str();
        if let Some(date) = counted(entry) {
            completed_on = completed_on.max(Some(date));
            last_of.insert(code, date);
            continue;
        }
        missing.push((entry.antigen.clone(), entry.dose));
        let mut earliest = on.max(entry.min_date(birth));
        if let (Some(&previous), Some(_)) = (last_of.get(code), entry.min_interval_days) {
            earliest = earliest.max(entry.after(previous));
        }
        let limit = entry.max_date(birth).map_or(last_day, |m| m.min(last_day));
        feasible &= earliest <= limit;
        last_of.insert(code, earliest);
    }
    let complete = missing.is_empty();
    IdlStatus {
        complete,
        completed_on: if complete { completed_on } else { None },
        missing,
        still_possible: !complete && feasible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dose(antigen: &str, dose: u8, given_on: NaiveDate) -> GivenDose {
        GivenDose {
            antigen: antigen.into(),
            dose,
            given_on,
        }
    }

    fn state_of(statuses: &[DoseStatus], antigen: &str, dose: u8) -> DoseStatus {
        statuses
            .iter()
            .find(|s| s.antigen == antigen && s.dose == dose)
            .cloned()
            .unwrap_or_else(|| panic!("{antigen} {dose} not listed"))
    }

    /// Every dose due by 9 months, given on its due day.
    fn on_time(birth: NaiveDate) -> Vec<GivenDose> {
        evaluate(birth, &[], birth, false)
            .into_iter()
            .filter(|s| s.due_on <= Age::parse("9m").unwrap().from_birth(birth))
            .map(|s| dose(&s.antigen, s.dose, s.due_on))
            .collect()
    }

    // ------------------------------------------------------ the schedule

    #[test]
    fn ages_parse_and_print() {
        assert_eq!(Age::parse("0d"), Some(Age { months: 0, days: 0 }));
        assert_eq!(
            Age::parse("18m"),
            Some(Age {
                months: 18,
                days: 0
            })
        );
        assert_eq!(
            Age::parse("6w"),
            Some(Age {
                months: 0,
                days: 42
            })
        );
        assert_eq!(
            Age::parse("6m29d"),
            Some(Age {
                months: 6,
                days: 29
            })
        );
        assert_eq!(
            Age::parse("1m2w3d"),
            Some(Age {
                months: 1,
                days: 17
            })
        );
        for bad in ["", "m", "6", "6x", "29d6m", "1m1m", "-1m", "6m 29"] {
            assert_eq!(Age::parse(bad), None, "{bad}");
        }
        assert_eq!(Age::parse("6m29d").unwrap().to_string(), "6m29d");
        assert_eq!(Age::parse("0d").unwrap().to_string(), "0d");
        assert_eq!(Age::parse("6w").unwrap().to_string(), "42d");
        assert_eq!(
            serde_json::to_string(&Age::parse("9m").unwrap()).unwrap(),
            "\"9m\""
        );
    }

    #[test]
    fn ages_are_calendar_months_then_days() {
        let one_month = Age { months: 1, days: 0 };
        assert_eq!(one_month.from_birth(d(2024, 1, 31)), d(2024, 2, 29));
        assert_eq!(one_month.from_birth(d(2025, 1, 31)), d(2025, 2, 28));
        assert_eq!(one_month.from_birth(d(2024, 2, 29)), d(2024, 3, 29));
        let twelve = Age {
            months: 12,
            days: 0,
        };
        assert_eq!(twelve.from_birth(d(2024, 2, 29)), d(2025, 2, 28));
        let rv_max = Age {
            months: 6,
            days: 29,
        };
        assert_eq!(rv_max.from_birth(d(2024, 1, 31)), d(2024, 8, 29));
        // Months first, clamped to February's end, then the days.
        assert_eq!(rv_max.from_birth(d(2024, 8, 31)), d(2025, 3, 29));
        assert_eq!(one_month.from_birth(NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn the_embedded_schedule_is_the_national_table() {
        let table: Vec<(String, u8, String)> = schedule()
            .iter()
            .map(|e| (e.antigen.clone(), e.dose, e.due_age.to_string()))
            .collect();
        let expect = |a: &str, n: u8, age: &str| (a.to_owned(), n, age.to_owned());
        for row in [
            expect("HB0", 1, "0d"),
            expect("BCG", 1, "1m"),
            expect("OPV", 1, "1m"),
            expect("DPT-HB-Hib", 1, "2m"),
            expect("OPV", 2, "2m"),
            expect("PCV", 1, "2m"),
            expect("RV", 1, "2m"),
            expect("DPT-HB-Hib", 3, "4m"),
            expect("OPV", 4, "4m"),
            expect("IPV", 1, "4m"),
            expect("RV", 3, "4m"),
            expect("MR", 1, "9m"),
            expect("IPV", 2, "9m"),
            expect("JE", 1, "10m"),
            expect("PCV", 3, "12m"),
            expect("DPT-HB-Hib", 4, "18m"),
            expect("MR", 2, "18m"),
        ] {
            assert!(table.contains(&row), "{row:?}");
        }
        assert_eq!(schedule().len(), 21);
        assert_eq!(SCHEDULE_VERSION, "kemenkes-2024");
        // Rotavirus: no dose after 6 months 29 days, 4 weeks apart.
        for n in 1..=3 {
            let rv = entry("RV", n).unwrap();
            assert_eq!(
                rv.max_age,
                Some(Age {
                    months: 6,
                    days: 29
                })
            );
        }
        assert_eq!(entry("RV", 2).unwrap().min_interval_days, Some(28));
        assert_eq!(
            entry("HB0", 1).unwrap().max_age,
            Some(Age { months: 0, days: 7 })
        );
        assert!(entry("JE", 1).unwrap().endemic_only);
        assert_eq!(schedule().iter().filter(|e| e.endemic_only).count(), 1);
        // Ordered by due age.
        let birth = d(2024, 1, 31);
        assert!(
            schedule()
                .windows(2)
                .all(|w| w[0].due_date(birth) <= w[1].due_date(birth))
        );
    }

    #[test]
    fn a_broken_schedule_is_refused() {
        let header = format!("# comment\n{HEADER}\n");
        let ok = format!("{header}HB0\t1\t0d\t0d\t-\t7d\tno\n");
        assert_eq!(parse_schedule(&ok).unwrap().len(), 1);
        for bad in [
            "HBX\t1\t0d\t0d\t-\t7d\tno",
            "HB0\t2\t0d\t0d\t-\t7d\tno",
            "HB0\t1\t0d\t0d\t28\t7d\tno",
            "HB0\t1\t0d\t0d\t-\t7d\tmaybe",
            "HB0\t1\t0d\t0q\t-\t7d\tno",
            "HB0\t1\t1m\t0d\t-\t7d\tno",
            "HB0\t1\t0d\t0d\t-\t7d",
        ] {
            assert!(
                parse_schedule(&format!("{header}{bad}\n")).is_err(),
                "{bad}"
            );
        }
        let gap = format!("{header}OPV\t1\t1m\t0d\t-\t-\tno\nOPV\t3\t3m\t0d\t28\t-\tno\n");
        assert!(parse_schedule(&gap).unwrap_err().contains("follows dose 1"));
        let later_without_interval =
            format!("{header}OPV\t1\t1m\t0d\t-\t-\tno\nOPV\t2\t2m\t0d\t-\t-\tno\n");
        assert!(parse_schedule(&later_without_interval).is_err());
        assert!(parse_schedule("antigen\tdose\n").is_err());
    }

    #[test]
    fn antigens_are_understood_in_common_spellings() {
        for (text, code) in [
            ("HB0", "HB0"),
            ("hb-0", "HB0"),
            ("HB-O", "HB0"),
            ("Hep B 0", "HB0"),
            ("bcg", "BCG"),
            ("Polio", "OPV"),
            ("bOPV", "OPV"),
            ("polio tetes", "OPV"),
            ("DPT", "DPT-HB-Hib"),
            ("dpt-hb-hib", "DPT-HB-Hib"),
            ("Pentabio", "DPT-HB-Hib"),
            ("PCV", "PCV"),
            ("Rotavirus", "RV"),
            ("IPV", "IPV"),
            ("Polio suntik", "IPV"),
            ("Campak", "MR"),
            ("campak-rubela", "MR"),
            ("MR", "MR"),
            ("JE", "JE"),
        ] {
            assert_eq!(normalise_antigen(text), Some(code), "{text}");
        }
        for unknown in ["", "Vaksin X", "HB", "DT", "Td"] {
            assert_eq!(normalise_antigen(unknown), None, "{unknown}");
        }
        assert_eq!(entry("pentabio", 3).unwrap().antigen, "DPT-HB-Hib");
        assert!(entry("pentabio", 5).is_none());
        assert!(entry("nothing", 1).is_none());
    }

    // -------------------------------------------------- recording a dose

    #[test]
    fn a_dose_on_time_has_no_flags() {
        let birth = d(2025, 1, 31);
        let given = [dose("HB0", 1, birth)];
        let check = check_new_dose(birth, &[], &given[0], birth).unwrap();
        assert_eq!(check, DoseCheck::default());
        // DPT-HB-Hib 1 at 2 months: 31 March.
        let dpt = dose("Pentabio", 1, d(2025, 3, 31));
        assert_eq!(
            check_new_dose(birth, &given, &dpt, d(2025, 4, 1)),
            Ok(DoseCheck::default())
        );
    }

    #[test]
    fn refusals() {
        let birth = d(2024, 2, 29);
        let today = d(2024, 6, 1);
        let given = [dose("HB0", 1, birth), dose("BCG", 1, d(2024, 3, 29))];
        let check = |new: GivenDose| check_new_dose(birth, &given, &new, today);
        assert_eq!(
            check(dose("Vaksin X", 1, today)),
            Err(DoseError::UnknownAntigen {
                antigen: "Vaksin X".into()
            })
        );
        let unknown_dose = check(dose("HB0", 2, today)).unwrap_err();
        assert!(matches!(
            unknown_dose,
            DoseError::UnknownDose { dose: 2, .. }
        ));
        assert_eq!(
            unknown_dose.to_string(),
            "HB0 has a single dose (1), not dose 2."
        );
        assert_eq!(
            check(dose("OPV", 5, today)).unwrap_err().to_string(),
            "OPV has doses 1 to 4 in the schedule, not dose 5."
        );
        assert!(matches!(
            check(dose("OPV", 0, today)),
            Err(DoseError::UnknownDose { .. })
        ));
        assert_eq!(
            check(dose("OPV", 1, d(2024, 2, 28))),
            Err(DoseError::BeforeBirth)
        );
        assert_eq!(
            check(dose("OPV", 1, d(2024, 6, 2))),
            Err(DoseError::InFuture)
        );
        // Same dose again, on another day, under another spelling.
        let again = check(dose("bcg", 1, d(2024, 4, 1))).unwrap_err();
        assert_eq!(
            again,
            DoseError::AlreadyGiven {
                antigen: "BCG",
                dose: 1,
                on: d(2024, 3, 29)
            }
        );
        assert_eq!(
            again.to_string(),
            "BCG dose 1 is already recorded, given on 2024-03-29."
        );
        // A birth-day dose on the birth day is fine.
        assert!(check(dose("OPV", 1, birth)).is_ok());
    }

    #[test]
    fn too_early_for_age_is_before_the_minimum_age() {
        let birth = d(2025, 1, 1);
        let today = d(2025, 12, 31);
        // DPT-HB-Hib 1 from 6 weeks: day 41 early, day 42 not.
        let early = check_new_dose(birth, &[], &dose("DPT-HB-Hib", 1, d(2025, 2, 11)), today);
        assert!(early.unwrap().too_early_for_age);
        let ok = check_new_dose(birth, &[], &dose("DPT-HB-Hib", 1, d(2025, 2, 12)), today);
        assert!(!ok.unwrap().too_early_for_age);
        // MR 1 from 9 calendar months.
        let mr = |on| check_new_dose(birth, &[], &dose("MR", 1, on), today).unwrap();
        assert!(mr(d(2025, 9, 30)).too_early_for_age);
        assert!(!mr(d(2025, 10, 1)).too_early_for_age);
    }

    #[test]
    fn too_soon_and_previous_missing() {
        let birth = d(2025, 1, 1);
        let today = d(2025, 12, 31);
        let given = [dose("OPV", 1, d(2025, 2, 1)), dose("OPV", 2, d(2025, 3, 1))];
        // OPV 3 27 days after OPV 2: too soon; 28: fine.
        let opv3 = |on| check_new_dose(birth, &given, &dose("OPV", 3, on), today).unwrap();
        let soon = opv3(d(2025, 3, 28));
        assert!(soon.too_soon_after_previous && !soon.previous_dose_missing);
        assert!(!opv3(d(2025, 3, 29)).too_soon_after_previous);
        // OPV 4 without OPV 3.
        let skipped = check_new_dose(birth, &given, &dose("OPV", 4, d(2025, 6, 1)), today);
        let skipped = skipped.unwrap();
        assert!(skipped.previous_dose_missing && !skipped.too_soon_after_previous);
        // The previous dose recorded later than this one does not count.
        let out_of_order = [dose("RV", 1, d(2025, 4, 1))];
        let rv2 = check_new_dose(birth, &out_of_order, &dose("RV", 2, d(2025, 3, 15)), today);
        assert!(rv2.unwrap().previous_dose_missing);
        // First doses never miss a previous one.
        assert!(
            !check_new_dose(birth, &[], &dose("BCG", 1, d(2025, 2, 1)), today)
                .unwrap()
                .previous_dose_missing
        );
    }

    #[test]
    fn past_max_age_is_too_late() {
        let birth = d(2024, 1, 31);
        let today = d(2025, 12, 31);
        // HB0 within 7 days.
        let hb0 = |on| check_new_dose(birth, &[], &dose("HB0", 1, on), today).unwrap();
        assert!(!hb0(d(2024, 2, 7)).past_max_age);
        assert!(hb0(d(2024, 2, 8)).past_max_age);
        // Rotavirus: 6 months 29 days from 31 January is 29 August.
        let given = [dose("RV", 1, d(2024, 4, 1)), dose("RV", 2, d(2024, 5, 1))];
        let rv3 = |on| check_new_dose(birth, &given, &dose("RV", 3, on), today).unwrap();
        assert!(!rv3(d(2024, 8, 29)).past_max_age);
        assert!(rv3(d(2024, 8, 30)).past_max_age);
    }

    // --------------------------------------------------------- statuses

    #[test]
    fn a_newborn_is_due_hb0_only() {
        let birth = d(2024, 2, 29);
        let statuses = evaluate(birth, &[], birth, false);
        assert_eq!(
            state_of(&statuses, "HB0", 1).state,
            DoseState::Due { due_on: birth }
        );
        assert_eq!(
            state_of(&statuses, "BCG", 1).state,
            DoseState::NotYet {
                due_on: d(2024, 3, 29)
            }
        );
        assert!(statuses.iter().all(|s| s.antigen != "JE"));
        assert_eq!(statuses.len(), 20);
        assert_eq!(
            due_at(birth, &[], birth, false),
            vec![("HB0".to_owned(), 1)]
        );
        // On day 7 HB0 is still due, on day 8 too late.
        assert!(matches!(
            state_of(&evaluate(birth, &[], d(2024, 3, 7), false), "HB0", 1).state,
            DoseState::Due { .. }
        ));
        assert_eq!(
            state_of(&evaluate(birth, &[], d(2024, 3, 8), false), "HB0", 1).state,
            DoseState::TooLate
        );
        assert!(due_at(birth, &[], d(2024, 3, 8), false).is_empty());
    }

    #[test]
    fn due_for_a_month_then_overdue() {
        // Born 31 January 2025: BCG due 28 February, overdue from 29 March.
        let birth = d(2025, 1, 31);
        let bcg = |on| state_of(&evaluate(birth, &[], on, false), "BCG", 1).state;
        let due_on = d(2025, 2, 28);
        assert_eq!(bcg(d(2025, 2, 27)), DoseState::NotYet { due_on });
        assert_eq!(bcg(due_on), DoseState::Due { due_on });
        assert_eq!(bcg(d(2025, 3, 28)), DoseState::Due { due_on });
        assert_eq!(bcg(d(2025, 3, 29)), DoseState::Overdue { due_on });
        // BCG is valid until 11 months 29 days: 29 January 2026 (31 Dec + 29).
        assert_eq!(bcg(d(2026, 1, 29)), DoseState::Overdue { due_on });
        assert_eq!(bcg(d(2026, 1, 30)), DoseState::TooLate);
    }

    #[test]
    fn a_later_dose_waits_for_the_previous_one() {
        let birth = d(2025, 1, 1);
        let on = d(2025, 5, 15);
        // Nothing given at 4.5 months: dose 1 is overdue, doses 2 and 3 wait.
        let statuses = evaluate(birth, &[], on, false);
        assert_eq!(
            state_of(&statuses, "DPT-HB-Hib", 1).state,
            DoseState::Overdue {
                due_on: d(2025, 3, 1)
            }
        );
        assert_eq!(
            state_of(&statuses, "DPT-HB-Hib", 2).state,
            DoseState::NotYet {
                due_on: d(2025, 4, 1)
            }
        );
        assert!(matches!(
            state_of(&statuses, "DPT-HB-Hib", 3).state,
            DoseState::NotYet { .. }
        ));
        let due = due_at(birth, &[], on, false);
        assert!(due.contains(&("DPT-HB-Hib".to_owned(), 1)));
        assert!(!due.contains(&("DPT-HB-Hib".to_owned(), 2)));
        // Dose 1 given late, on 10 May: dose 2 is due 28 days later.
        let given = [dose("DPT-HB-Hib", 1, d(2025, 5, 10))];
        let statuses = evaluate(birth, &given, on, false);
        let second = state_of(&statuses, "DPT-HB-Hib", 2);
        assert_eq!(second.due_on, d(2025, 6, 7));
        assert_eq!(
            second.state,
            DoseState::NotYet {
                due_on: d(2025, 6, 7)
            }
        );
        assert!(matches!(
            state_of(
                &evaluate(birth, &given, d(2025, 6, 7), false),
                "DPT-HB-Hib",
                2
            )
            .state,
            DoseState::Due { .. }
        ));
        // Dose 3 projected from dose 2's due date.
        assert_eq!(state_of(&statuses, "DPT-HB-Hib", 3).due_on, d(2025, 7, 5));
    }

    #[test]
    fn rotavirus_started_late_runs_out_of_time() {
        let birth = d(2024, 1, 31);
        // RV 1 at 6 months 10 days: RV 2 would be due after 6 months 29 days.
        let given = [dose("RV", 1, d(2024, 8, 10))];
        let statuses = evaluate(birth, &given, d(2024, 8, 12), false);
        assert!(matches!(
            state_of(&statuses, "RV", 1).state,
            DoseState::Given { late: false, .. }
        ));
        assert_eq!(state_of(&statuses, "RV", 2).state, DoseState::TooLate);
        assert_eq!(state_of(&statuses, "RV", 3).state, DoseState::TooLate);
        // Never started: too late after 29 August.
        let none = evaluate(birth, &[], d(2024, 8, 29), false);
        assert!(matches!(
            state_of(&none, "RV", 1).state,
            DoseState::Overdue { .. }
        ));
        let none = evaluate(birth, &[], d(2024, 8, 30), false);
        assert_eq!(state_of(&none, "RV", 1).state, DoseState::TooLate);
        // None given at 6 months 10 days: dose 1 can still be given, but
        // dose 2 could only follow it after the last day.
        let none = evaluate(birth, &[], d(2024, 8, 10), false);
        assert!(matches!(
            state_of(&none, "RV", 1).state,
            DoseState::Overdue { .. }
        ));
        assert_eq!(state_of(&none, "RV", 2).state, DoseState::TooLate);
        // Its due date stays the projected one.
        assert_eq!(state_of(&none, "RV", 2).due_on, d(2024, 4, 30));
        // At 5 months, 28 days later is still in time: waiting.
        let none = evaluate(birth, &[], d(2024, 7, 1), false);
        assert!(matches!(
            state_of(&none, "RV", 2).state,
            DoseState::NotYet { .. }
        ));
    }

    #[test]
    fn given_doses_carry_their_flags() {
        let birth = d(2025, 1, 1);
        let given = [
            dose("HB0", 1, d(2025, 1, 20)),
            dose("Polio", 1, d(2025, 2, 1)),
            dose("Polio", 2, d(2025, 2, 20)),
            dose("DPT", 1, d(2025, 3, 1)),
        ];
        let statuses = evaluate(birth, &given, d(2025, 3, 10), false);
        assert_eq!(
            state_of(&statuses, "HB0", 1).state,
            DoseState::Given {
                on: d(2025, 1, 20),
                too_early: false,
                late: true
            }
        );
        // OPV 2 19 days after OPV 1 and before 6 weeks.
        assert_eq!(
            state_of(&statuses, "OPV", 2).state,
            DoseState::Given {
                on: d(2025, 2, 20),
                too_early: true,
                late: false
            }
        );
        assert_eq!(
            state_of(&statuses, "DPT-HB-Hib", 1).state,
            DoseState::Given {
                on: d(2025, 3, 1),
                too_early: false,
                late: false
            }
        );
        // A dose recorded after the day looked at is not given yet then.
        let before = evaluate(birth, &given, d(2025, 2, 25), false);
        assert!(matches!(
            state_of(&before, "DPT-HB-Hib", 1).state,
            DoseState::NotYet { .. }
        ));
        // Duplicates: the earliest record is the dose.
        let twice = [
            dose("BCG", 1, d(2025, 2, 10)),
            dose("bcg", 1, d(2025, 2, 5)),
        ];
        let statuses = evaluate(birth, &twice, d(2025, 3, 1), false);
        assert!(matches!(
            state_of(&statuses, "BCG", 1).state,
            DoseState::Given { on, .. } if on == d(2025, 2, 5)
        ));
    }

    #[test]
    fn je_only_where_endemic_or_given() {
        let birth = d(2025, 1, 1);
        let on = d(2025, 11, 5);
        let endemic = evaluate(birth, &[], on, true);
        assert_eq!(
            state_of(&endemic, "JE", 1).state,
            DoseState::Due {
                due_on: d(2025, 11, 1)
            }
        );
        assert!(due_at(birth, &[], on, true).contains(&("JE".to_owned(), 1)));
        assert!(!due_at(birth, &[], on, false).contains(&("JE".to_owned(), 1)));
        // Given in Bali, now living elsewhere: still shown.
        let given = [dose("JE", 1, d(2025, 11, 1))];
        let elsewhere = evaluate(birth, &given, on, false);
        assert!(matches!(
            state_of(&elsewhere, "JE", 1).state,
            DoseState::Given { .. }
        ));
    }

    #[test]
    fn before_birth_everything_is_not_yet() {
        let birth = d(2025, 6, 1);
        let statuses = evaluate(birth, &[], d(2025, 5, 1), false);
        assert!(
            statuses
                .iter()
                .all(|s| matches!(s.state, DoseState::NotYet { .. }))
        );
    }

    #[test]
    fn states_serialise_with_a_state_tag() {
        let value = serde_json::to_value(DoseState::NotYet {
            due_on: d(2025, 3, 1),
        })
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"state": "not_yet", "due_on": "2025-03-01"})
        );
        let value = serde_json::to_value(DoseState::TooLate).unwrap();
        assert_eq!(value, serde_json::json!({"state": "too_late"}));
    }

    // -------------------------------------------------------------- IDL

    #[test]
    fn idl_complete_on_the_day_of_the_last_dose() {
        let birth = d(2024, 2, 29);
        let given = on_time(birth);
        // The IDL doses: everything due by 9 months, 17 of them.
        assert_eq!(given.len(), 17);
        let nine_months = d(2024, 11, 29);
        let before = idl(birth, &given, nine_months.pred_opt().unwrap());
        assert!(!before.complete && before.still_possible);
        assert_eq!(
            before.missing,
            vec![("MR".to_owned(), 1), ("IPV".to_owned(), 2)]
        );
        let status = idl(birth, &given, nine_months);
        assert_eq!(
            status,
            IdlStatus {
                complete: true,
                completed_on: Some(nine_months),
                missing: vec![],
                still_possible: false,
            }
        );
    }

    #[test]
    fn idl_needs_the_doses_before_the_first_birthday() {
        let birth = d(2024, 2, 29);
        let mut given = on_time(birth);
        given.retain(|g| g.antigen != "MR");
        // First birthday in a common year: 28 February 2025.
        given.push(dose("MR", 1, d(2025, 2, 27)));
        assert!(idl(birth, &given, d(2025, 3, 1)).complete);
        given.pop();
        given.push(dose("MR", 1, d(2025, 2, 28)));
        let late = idl(birth, &given, d(2025, 3, 1));
        assert!(!late.complete && !late.still_possible);
        assert_eq!(late.missing, vec![("MR".to_owned(), 1)]);
        assert_eq!(late.completed_on, None);
    }

    #[test]
    fn idl_is_impossible_when_a_missing_dose_can_no_longer_be_given() {
        let birth = d(2025, 1, 1);
        let mut given = on_time(birth);
        given.retain(|g| g.antigen != "HB0");
        // HB0 missed: only valid in the first 7 days.
        let status = idl(birth, &given, d(2025, 10, 1));
        assert_eq!(status.missing, vec![("HB0".to_owned(), 1)]);
        assert!(!status.still_possible);
        let newborn = idl(birth, &[], d(2025, 1, 5));
        assert!(newborn.still_possible);
        assert_eq!(newborn.missing.len(), 17);
        assert!(!idl(birth, &[], d(2025, 1, 9)).still_possible);
    }

    #[test]
    fn idl_plays_the_missing_doses_forward() {
        let birth = d(2025, 1, 1);
        let mut given = on_time(birth);
        given.retain(|g| !(g.antigen == "OPV" && g.dose >= 3));
        // OPV 3 and 4 need 28 days between them, before 1 January 2026
        // (OPV's own limit is later).
        let missing = vec![("OPV".to_owned(), 3), ("OPV".to_owned(), 4)];
        let status = idl(birth, &given, d(2025, 12, 3));
        assert_eq!(status.missing, missing);
        assert!(status.still_possible);
        assert!(!idl(birth, &given, d(2025, 12, 4)).still_possible);
        // Rotavirus missing after 6 months 29 days cannot be made up.
        let mut given = on_time(birth);
        given.retain(|g| !(g.antigen == "RV" && g.dose == 3));
        // 1 July + 29 days: 30 July is the last day.
        assert!(idl(birth, &given, d(2025, 7, 30)).still_possible);
        assert!(!idl(birth, &given, d(2025, 7, 31)).still_possible);
    }

    #[test]
    fn idl_ignores_doses_recorded_after_the_day() {
        let birth = d(2025, 1, 1);
        let given = on_time(birth);
        let status = idl(birth, &given, d(2025, 5, 1));
        assert!(!status.complete);
        assert!(status.missing.contains(&("MR".to_owned(), 1)));
        assert!(!status.missing.contains(&("DPT-HB-Hib".to_owned(), 3)));
        // Spelling does not matter.
        let renamed: Vec<GivenDose> = given
            .iter()
            .map(|g| GivenDose {
                antigen: g.antigen.to_lowercase(),
                ..g.clone()
            })
            .collect();
        assert!(idl(birth, &renamed, d(2025, 12, 1)).complete);
    }
}
