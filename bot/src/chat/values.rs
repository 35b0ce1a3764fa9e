//! The values of a report as kader write them: numbers with a decimal comma
//! and a unit, dates in a dozen forms, sexes, capsules, vaccines, phone
//! numbers, codes and NIKs.
//!
//! Every reader takes words that the grammar has already split and
//! normalised (ASCII digits, any case) and allocates nothing unless it
//! returns an owned value. Readers of several words take a slice starting at
//! the word to read and say how many words they used.
use chrono::{Datelike, Days, NaiveDate};
use openapi::growth::Sex;
use openapi::maternal::Capsule;

use super::command::VaccineDose;

// ------------------------------------------------------------------ numbers

/// A unit written after a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Kg,
    Gram,
    Cm,
}

/// A number with the unit written after it, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub value: f64,
    pub unit: Option<Unit>,
    /// Written with exactly three digits after the separator (`3.200`): in
    /// Indonesian writing the dot may be a thousands separator.
    pub thousands: bool,
}

/// `8,5` or `8.5` or `72`: digits with at most one decimal comma or dot.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (int, frac) = split_decimal(text)?;
    // Copy into a stack buffer with a dot so that `f64::from_str` does the
    // correctly rounded conversion without an allocation.
    let mut buf = [0u8; 40];
    let len = int.len() + frac.map_or(0, |f| f.len() + 1);
    if len > buf.len() {
        return None;
    }
    buf[..int.len()].copy_from_slice(int.as_bytes());
    if let Some(frac) = frac {
        buf[int.len()] = b'.';
        buf[int.len() + 1..len].copy_from_slice(frac.as_bytes());
    }
    std::str::from_utf8(&buf[..len]).ok()?.parse().ok()
}

/// The integer and fraction digits of a decimal number.
fn split_decimal(text: &str) -> Option<(&str, Option<&str>)> {
    let (int, frac) = match text.find([',', '.']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(int) && frac.is_none_or(digits)).then_some((int, frac))
}

/// A unit word, alone (`kg`) or after a number (`8,5kg`).
pub fn unit_of(word: &str) -> Option<Unit> {
    const UNITS: &[(&str, Unit)] = &[
        ("kg", Unit::Kg),
        ("kgs", Unit::Kg),
        ("kilo", Unit::Kg),
        ("g", Unit::Gram),
        ("gr", Unit::Gram),
        ("grm", Unit::Gram),
        ("gram", Unit::Gram),
        ("cm", Unit::Cm),
        ("senti", Unit::Cm),
    ];
    lookup(UNITS, word.strip_suffix('.').unwrap_or(word))
}

/// One word holding a number and maybe its unit: `8,5`, `8,5kg`, `3200gr`.
pub fn parse_measure(word: &str) -> Option<Measure> {
    let end = word
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b',' || b == b'.'))
        .unwrap_or(word.len());
    let (number, suffix) = word.split_at(end);
    let unit = match suffix {
        "" => None,
        s => Some(unit_of(s)?),
    };
    let (_, frac) = split_decimal(number)?;
    Some(Measure {
        value: parse_decimal(number)?,
        unit,
        thousands: frac.is_some_and(|f| f.len() == 3),
    })
}

/// A number with its unit in the same or the next word (`8,5 kg`).
pub fn read_measure(words: &[&str]) -> Option<(Measure, usize)> {
    let mut measure = parse_measure(words.first()?)?;
    if measure.unit.is_none()
        && let Some(unit) = words.get(1).and_then(|w| unit_of(w))
    {
        measure.unit = Some(unit);
        return Some((measure, 2));
    }
    Some((measure, 1))
}

/// A body weight in kilograms (`8,5`, `8,5 kg`, `8500 g`, `8.500 g`).
pub fn weight_kg(m: &Measure) -> Option<f64> {
    match m.unit {
        None | Some(Unit::Kg) => Some(m.value),
        // `8.500 g` is 8 500 g written with a thousands dot.
        Some(Unit::Gram) if m.thousands && m.value < 100.0 => Some(m.value),
        Some(Unit::Gram) => Some(m.value / 1000.0),
        Some(Unit::Cm) => None,
    }
}

/// A length in centimetres (`72`, `72cm`).
pub fn length_cm(m: &Measure) -> Option<f64> {
    matches!(m.unit, None | Some(Unit::Cm)).then_some(m.value)
}

/// A birth weight in grams. Grams when written with `g`/`gr` or above 100,
/// kilograms when written with `kg` or at most 10 (`3,2` or `3.200`);
/// anything else (`32`, `3,2 g`, `15 kg`) cannot be read without guessing.
pub fn birth_weight_grams(m: &Measure) -> Option<u32> {
    let grams = match m.unit {
        Some(Unit::Kg) if m.value <= 10.0 => m.value * 1000.0,
        Some(Unit::Gram) if m.value > 100.0 => m.value,
        Some(Unit::Gram) if m.thousands && m.value <= 10.0 => m.value * 1000.0,
        None if m.value > 100.0 => m.value,
        None if m.value <= 10.0 => m.value * 1000.0,
        _ => return None,
    };
    (1.0..100_000.0)
        .contains(&grams)
        .then(|| grams.round() as u32)
}

/// `120/80`: systolic and diastolic pressure, two or three digits each.
pub fn parse_blood_pressure(word: &str) -> Option<(u16, u16)> {
    let (sys, dia) = word.split_once('/')?;
    let part = |s: &str| (2..=3).contains(&s.len()) && is_digits(s);
    if !(part(sys) && part(dia)) {
        return None;
    }
    Some((sys.parse().ok()?, dia.parse().ok()?))
}

/// A small count (`TTD 30`).
pub fn parse_count(word: &str) -> Option<u16> {
    if word.is_empty() || word.len() > 4 || !is_digits(word) {
        return None;
    }
    word.parse().ok()
}

// ------------------------------------------------------------ who is named

pub fn is_digits(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// The public code of the Buku KIA: 3 to 12 digits.
pub fn is_code(word: &str) -> bool {
    (3..=12).contains(&word.len()) && is_digits(word)
}

/// A NIK: 16 digits.
pub fn is_nik(word: &str) -> bool {
    word.len() == 16 && is_digits(word)
}

/// Digits of an Indonesian mobile number without `+` or separators:
/// national `08…` (10–13 digits) or international `628…`.
fn is_phone_digits(digits: &[u8]) -> bool {
    match digits {
        [b'0', b'8', ..] => (10..=13).contains(&digits.len()),
        [b'6', b'2', b'8', ..] => (11..=14).contains(&digits.len()),
        _ => false,
    }
}

/// An Indonesian mobile number written in one or a few words:
/// `081234567890`, `+6281234567890`, `0812-3456-7890`, `0812 3456 7890`.
/// Returns the number as written and the words used.
pub fn read_phone(words: &[&str]) -> Option<(String, usize)> {
    let first = words.first()?;
    if !(first.starts_with('0') || first.starts_with('6') || first.starts_with("+6")) {
        return None;
    }
    let mut digits = [0u8; 16];
    let mut len = 0;
    let mut best = None;
    for (i, word) in words.iter().enumerate().take(4) {
        // Later words continue the number only as groups (`0812 3456 7890`).
        let body = match i {
            0 => word.strip_prefix('+').unwrap_or(word),
            _ if (2..=4).contains(&word.len()) && is_digits(word) => word,
            _ => break,
        };
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            break;
        }
        for b in body.bytes().filter(u8::is_ascii_digit) {
            if len == digits.len() {
                return best.map(|n| (words[..n].join(" "), n));
            }
            digits[len] = b;
            len += 1;
        }
        if is_phone_digits(&digits[..len]) {
            best = Some(i + 1);
        }
    }
    best.map(|n| (words[..n].join(" "), n))
}

// -------------------------------------------------------------------- dates

/// A date that is written as one but cannot exist (`31-02-2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImpossibleDate;

/// A date read from words, and how many words it took.
pub type DateRead = (Result<NaiveDate, ImpossibleDate>, usize);

/// Reads a date at the start of `words`: `10-02-2026`, `10/2/26`,
/// `10.02.2026`, `2026-02-10`, `10/2`, `10 feb 2026`, `10 Februari`,
/// `10-feb-26`, `kemarin`, `hari ini`, `tadi`, `3 hari lalu`, `besok`.
/// `None` when the words do not look like a date at all.
pub fn read_date(words: &[&str], today: NaiveDate) -> Option<DateRead> {
    let first = *words.first()?;
    if first.as_bytes().first()?.is_ascii_digit() {
        if let Some(date) = numeric_date(first, today) {
            return Some((date, 1));
        }
        return day_month_name(words, today).or_else(|| days_ago(words, today));
    }
    relative_date(words, today)
}

/// One word with `-`, `/` or `.` between day, month and year.
fn numeric_date(word: &str, today: NaiveDate) -> Option<Result<NaiveDate, ImpossibleDate>> {
    let sep = word.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
    let mut parts = [""; 3];
    let mut count = 0;
    for part in word.split(sep as char) {
        if count == 3 {
            return Some(Err(ImpossibleDate));
        }
        parts[count] = part;
        count += 1;
    }
    match count {
        // `8.5` is a number, and `120/80` a blood pressure, not dates.
        2 if sep == b'.' || looks_like_pressure(parts[0], parts[1]) => None,
        // `8,5-9`, `0812-3456-7890` and other digits that are no date.
        _ if word.contains(',') || !date_shaped(&parts[..count]) => None,
        2 => Some(day_month(parts[0], parts[1]).and_then(|(d, m)| most_recent(d, m, today))),
        _ if parts[0].len() == 4 => Some(ymd(parts[0], parts[1], parts[2])),
        _ => Some(dmy(parts[0], parts[1], parts[2])),
    }
}

/// Whether the parts have the lengths of day, month and year (in either
/// order), so that a wrong one is an impossible date rather than no date.
fn date_shaped(parts: &[&str]) -> bool {
    let short = |s: &str| (1..=2).contains(&s.len());
    let month = |s: &str| short(s) || month_of(s).is_some();
    match parts {
        [d, m] => short(d) && month(m),
        [y, m, d] if y.len() == 4 => month(m) && short(d),
        [d, m, y] => short(d) && month(m) && (1..=4).contains(&y.len()),
        _ => false,
    }
}

/// Two digits over two digits where the first cannot be a day: `90/60`.
fn looks_like_pressure(a: &str, b: &str) -> bool {
    is_digits(a) && is_digits(b) && (a.len() == 3 || a.parse::<u32>().is_ok_and(|v| v > 31))
}

fn ymd(y: &str, m: &str, d: &str) -> Result<NaiveDate, ImpossibleDate> {
    let year = parse_year(y)?;
    let (day, month) = day_month(d, m)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(ImpossibleDate)
}

fn dmy(d: &str, m: &str, y: &str) -> Result<NaiveDate, ImpossibleDate> {
    ymd(y, m, d)
}

/// Day (1–2 digits) and month (1–2 digits or a name).
fn day_month(d: &str, m: &str) -> Result<(u32, u32), ImpossibleDate> {
    let day = small_number(d).ok_or(ImpossibleDate)?;
    let month = small_number(m)
        .or_else(|| month_of(m))
        .ok_or(ImpossibleDate)?;
    Ok((day, month))
}

/// One or two digits.
fn small_number(s: &str) -> Option<u32> {
    ((1..=2).contains(&s.len()) && is_digits(s)).then(|| s.parse().ok())?
}

/// Two-digit years are 20xx; four-digit years are as written.
fn parse_year(y: &str) -> Result<i32, ImpossibleDate> {
    match y.len() {
        2 | 4 if is_digits(y) => {
            let year: i32 = y.parse().map_err(|_| ImpossibleDate)?;
            Ok(if y.len() == 2 { 2000 + year } else { year })
        }
        _ => Err(ImpossibleDate),
    }
}

/// A day and month without a year: the most recent such date not after
/// today (on 5 Jan 2027, `10 Des` is 10 Dec 2026; `29 Feb` is the last leap
/// day).
pub fn most_recent(day: u32, month: u32, today: NaiveDate) -> Result<NaiveDate, ImpossibleDate> {
    (0..8)
        .filter_map(|back| NaiveDate::from_ymd_opt(today.year() - back, month, day))
        .find(|date| *date <= today)
        .ok_or(ImpossibleDate)
}

/// `10 feb`, `10feb`, `10 Februari 2026`, `10 feb 26` (the year is always
/// its own word).
fn day_month_name(words: &[&str], today: NaiveDate) -> Option<DateRead> {
    let first = words[0];
    let digits = first.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 2 {
        return None;
    }
    let (day, month, mut used) = if digits < first.len() {
        // `10feb`; `8,5` and `72cm` are no dates and are rejected cheaply.
        let suffix = &first[digits..];
        if !suffix.as_bytes()[0].is_ascii_alphabetic() {
            return None;
        }
        (&first[..digits], month_of(suffix)?, 1)
    } else {
        (first, month_of(words.get(1)?)?, 2)
    };
    let day: u32 = day.parse().ok()?;
    if let Some(year) = words.get(used).and_then(|w| year_after_month(w, today)) {
        used += 1;
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(ImpossibleDate);
        return Some((date, used));
    }
    Some((most_recent(day, month, today), used))
}

/// A year after a month name, when it can be one: `10 feb 72` in a
/// weighing is a date and a length of 72 cm, not the year 2072, and
/// `20 nov 3200` in a birth is a date and a weight. So two digits count
/// only up to this year, four digits from 1900 to next year (a year after
/// this one is then reported as a future date).
fn year_after_month(word: &str, today: NaiveDate) -> Option<i32> {
    if !is_digits(word) {
        return None;
    }
    let year: i32 = word.parse().ok()?;
    match word.len() {
        4 => Some(year).filter(|y| (1900..=today.year() + 1).contains(y)),
        2 => Some(2000 + year).filter(|y| *y <= today.year()),
        _ => None,
    }
}

/// `3 hari lalu`, `3 hari yang lalu`, `3 hr yg lalu`.
fn days_ago(words: &[&str], today: NaiveDate) -> Option<DateRead> {
    let n: u64 = words[0].parse().ok().filter(|_| words[0].len() <= 3)?;
    if !is_any(words.get(1)?, &["hari", "hr"]) {
        return None;
    }
    let mut used = 2;
    if words.get(used).is_some_and(|w| is_any(w, &["yang", "yg"])) {
        used += 1;
    }
    if !words
        .get(used)
        .is_some_and(|w| is_any(w, &["lalu", "lalu."]))
    {
        return None;
    }
    Some((
        today.checked_sub_days(Days::new(n)).ok_or(ImpossibleDate),
        used + 1,
    ))
}

/// `kemarin`, `hari ini`, `tadi`, `sekarang`, `besok`, `lusa`.
fn relative_date(words: &[&str], today: NaiveDate) -> Option<DateRead> {
    let first = words[0];
    let (offset, used): (i64, usize) = if is_any(
        first,
        &["kemarin", "kemaren", "kmrn", "kmarin", "kmren", "kmrin"],
    ) {
        (-1, 1)
    } else if is_any(first, &["hari", "hr", "hri"])
        && words.get(1).is_some_and(|w| is_any(w, &["ini"]))
    {
        (0, 2)
    } else if is_any(first, &["hariini", "sekarang", "skrg", "skr"]) {
        (0, 1)
    } else if is_any(first, &["tadi"]) {
        // `tadi pagi`, `tadi siang`: earlier today.
        let part_of_day = words
            .get(1)
            .is_some_and(|w| is_any(w, &["pagi", "siang", "sore", "malam"]));
        (0, 1 + usize::from(part_of_day))
    } else if is_any(first, &["besok", "bsk", "besuk"]) {
        (1, 1)
    } else if is_any(first, &["lusa"]) {
        (2, 1)
    } else {
        return None;
    };
    let date = match offset {
        o if o < 0 => today.checked_sub_days(Days::new(o.unsigned_abs())),
        o => today.checked_add_days(Days::new(o as u64)),
    };
    Some((date.ok_or(ImpossibleDate), used))
}

/// Indonesian and English month names and their usual abbreviations.
pub fn month_of(word: &str) -> Option<u32> {
    const MONTHS: &[(&str, u32)] = &[
        ("jan", 1),
        ("januari", 1),
        ("january", 1),
        ("feb", 2),
        ("peb", 2),
        ("februari", 2),
        ("pebruari", 2),
        ("february", 2),
        ("mar", 3),
        ("mrt", 3),
        ("maret", 3),
        ("march", 3),
        ("apr", 4),
        ("april", 4),
        ("mei", 5),
        ("may", 5),
        ("jun", 6),
        ("juni", 6),
        ("june", 6),
        ("jul", 7),
        ("juli", 7),
        ("july", 7),
        ("agu", 8),
        ("agt", 8),
        ("ags", 8),
        ("agus", 8),
        ("agst", 8),
        ("agustus", 8),
        ("aug", 8),
        ("august", 8),
        ("sep", 9),
        ("sept", 9),
        ("september", 9),
        ("okt", 10),
        ("oktober", 10),
        ("oct", 10),
        ("october", 10),
        ("nov", 11),
        ("nop", 11),
        ("november", 11),
        ("nopember", 11),
        ("des", 12),
        ("desember", 12),
        ("dec", 12),
        ("december", 12),
    ];
    let word = word.strip_suffix('.').unwrap_or(word);
    // Most words the grammar asks about are no month: reject them cheaply.
    if !(3..=9).contains(&word.len()) || !word.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    lookup(MONTHS, word)
}

// ------------------------------------------------------- words with meaning

/// `L`/`P` and the ways people write them: `laki-laki`, `laki2`, `Lk`,
/// `Pr`, `perempuan`, `cowok`, `cewek`, `pria`, `wanita`. (`LK` means
/// head circumference in a weighing; the grammar reads sex only in `LAHIR`
/// and `DATANG`.) `laki laki` takes two words.
pub fn read_sex(words: &[&str]) -> Option<(Sex, usize)> {
    const SEXES: &[(&str, Sex)] = &[
        ("l", Sex::L),
        ("lk", Sex::L),
        ("laki", Sex::L),
        ("laki-laki", Sex::L),
        ("lakilaki", Sex::L),
        ("laki2", Sex::L),
        ("cowok", Sex::L),
        ("cowo", Sex::L),
        ("pria", Sex::L),
        ("p", Sex::P),
        ("pr", Sex::P),
        ("prp", Sex::P),
        ("perempuan", Sex::P),
        ("prempuan", Sex::P),
        ("cewek", Sex::P),
        ("cewe", Sex::P),
        ("wanita", Sex::P),
    ];
    let sex = lookup(SEXES, words.first()?)?;
    // `laki laki`, and `laki 2` from `laki2` split by the tokenizer.
    let doubled =
        is_any(words[0], &["laki"]) && words.get(1).is_some_and(|w| is_any(w, &["laki", "2"]));
    Some((sex, 1 + usize::from(doubled)))
}

/// The vitamin A capsule colour.
pub fn capsule_of(word: &str) -> Option<Capsule> {
    const CAPSULES: &[(&str, Capsule)] = &[
        ("biru", Capsule::Blue),
        ("blue", Capsule::Blue),
        ("merah", Capsule::Red),
        ("red", Capsule::Red),
    ];
    lookup(CAPSULES, word)
}

/// A vaccine that was named but cannot be read (`HB 1`, `DPT 12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadVaccine;

/// The antigen families of the national schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Antigen {
    Hb0,
    Bcg,
    Opv,
    Dpt,
    Pcv,
    Rv,
    Ipv,
    Mr,
    Je,
}

impl Antigen {
    fn code(self) -> &'static str {
        match self {
            Antigen::Hb0 => "HB0",
            Antigen::Bcg => "BCG",
            Antigen::Opv => "OPV",
            Antigen::Dpt => "DPT-HB-Hib",
            Antigen::Pcv => "PCV",
            Antigen::Rv => "RV",
            Antigen::Ipv => "IPV",
            Antigen::Mr => "MR",
            Antigen::Je => "JE",
        }
    }
}

/// Reads one vaccine with its dose: `BCG`, `polio2`, `polio 2`, `OPV-2`,
/// `DPT-HB-Hib 1`, `penta3`, `HB0`, `HB-0`, `hepatitis b0`, `campak`,
/// `MR 2`, `PCV13` (a valency, not a dose), `DPT ke-2`. `None` when the
/// first word names no vaccine.
pub fn read_vaccine(words: &[&str]) -> Option<(Result<VaccineDose, BadVaccine>, usize)> {
    let (stem, attached) = split_dose(words.first()?);
    let (antigen, mut used) = antigen_of(stem, &words[1..])?;
    let mut dose = attached;
    if used > 1 {
        // A dose attached to the last word of a multi-word name
        // (`hepatitis b0`).
        dose = split_dose(words[used - 1]).1;
    }
    if dose.is_none()
        && let Some((d, n)) = dose_after(&words[used..])
    {
        dose = Some(d);
        used += n;
    }
    if antigen == Antigen::Pcv && matches!(dose, Some("10" | "13")) {
        dose = None;
    }
    Some((vaccine_dose(antigen, dose), used))
}

/// The dose of the vaccine as written and checked: one digit; `HB` is only
/// ever the birth dose.
fn vaccine_dose(antigen: Antigen, dose: Option<&str>) -> Result<VaccineDose, BadVaccine> {
    let dose = match dose {
        None => None,
        Some(d) if d.len() == 1 && is_digits(d) => Some(d.as_bytes()[0] - b'0'),
        Some(_) => return Err(BadVaccine),
    };
    if antigen == Antigen::Hb0 {
        return match dose {
            None | Some(0) => Ok(VaccineDose {
                antigen: Antigen::Hb0.code().to_owned(),
                dose: None,
            }),
            Some(_) => Err(BadVaccine),
        };
    }
    Ok(VaccineDose {
        antigen: antigen.code().to_owned(),
        dose,
    })
}

/// A dose written after the vaccine: `2`, `ke-2`, `ke 2`, but not the
/// start of a following date (`BCG 10 nov`, `BCG 3 hari lalu`).
fn dose_after<'a>(words: &[&'a str]) -> Option<(&'a str, usize)> {
    let first = *words.first()?;
    let (dose, used) = if is_any(first, &["ke"]) {
        (*words.get(1)?, 2)
    } else if first
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("ke-"))
    {
        (&first[3..], 1)
    } else {
        (first, 1)
    };
    let starts_date = words
        .get(used)
        .is_some_and(|w| month_of(w).is_some() || is_any(w, &["hari", "hr"]));
    if !(is_digits(dose) && dose.len() <= 2) || starts_date {
        return None;
    }
    Some((dose, used))
}

/// A word split into its name and an attached dose: `polio2` → `polio`,
/// `2`; `OPV-2` → `OPV`, `2`; `DPT-HB-Hib` → itself, none.
fn split_dose(word: &str) -> (&str, Option<&str>) {
    let digits = word.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits == word.len() {
        return (word, None);
    }
    let (stem, dose) = word.split_at(word.len() - digits);
    (stem.strip_suffix('-').unwrap_or(stem), Some(dose))
}

/// The antigen a name means, with the words of a multi-word name.
fn antigen_of(stem: &str, next: &[&str]) -> Option<(Antigen, usize)> {
    const SINGLE: &[(&str, Antigen)] = &[
        ("hb", Antigen::Hb0),
        ("hepb", Antigen::Hb0),
        ("hep-b", Antigen::Hb0),
        ("bcg", Antigen::Bcg),
        ("polio", Antigen::Opv),
        ("opv", Antigen::Opv),
        ("bopv", Antigen::Opv),
        ("dpt", Antigen::Dpt),
        ("dpt-hb-hib", Antigen::Dpt),
        ("dpthbhib", Antigen::Dpt),
        ("dpt-hb", Antigen::Dpt),
        ("dpt-hib", Antigen::Dpt),
        ("penta", Antigen::Dpt),
        ("pentavalen", Antigen::Dpt),
        ("pentabio", Antigen::Dpt),
        ("pcv", Antigen::Pcv),
        ("pneumo", Antigen::Pcv),
        ("pneumokokus", Antigen::Pcv),
        ("pneumokokal", Antigen::Pcv),
        ("pneumokok", Antigen::Pcv),
        ("rv", Antigen::Rv),
        ("rota", Antigen::Rv),
        ("rotavirus", Antigen::Rv),
        ("ipv", Antigen::Ipv),
        ("mr", Antigen::Mr),
        ("campak", Antigen::Mr),
        ("measles", Antigen::Mr),
        ("rubella", Antigen::Mr),
        ("je", Antigen::Je),
    ];
    let word = |i: usize| next.get(i).map(|w| split_dose(w).0);
    let is = |i: usize, names: &[&str]| word(i).is_some_and(|w| is_any(w, names));
    if is_any(stem, &["hepatitis", "hep"]) {
        return is(0, &["b"]).then_some((Antigen::Hb0, 2));
    }
    if is_any(stem, &["japanese"]) {
        return Some((Antigen::Je, 1 + usize::from(is(0, &["encephalitis"]))));
    }
    let antigen = lookup(SINGLE, stem)?;
    let extra = match antigen {
        Antigen::Opv if is(0, &["suntik"]) => return Some((Antigen::Ipv, 2)),
        Antigen::Mr if is(0, &["rubella"]) => 1,
        Antigen::Dpt if is_any(stem, &["dpt"]) => dpt_tail(next),
        _ => 0,
    };
    Some((antigen, 1 + extra))
}

/// The rest of `DPT HB Hib` or `DPT/HB/Hib` written as separate words.
fn dpt_tail(next: &[&str]) -> usize {
    const TAILS: &[&[&str]] = &[
        &["/", "hb", "/", "hib"],
        &["hb", "hib"],
        &["hb-hib"],
        &["/", "hb-hib"],
    ];
    TAILS
        .iter()
        .find(|tail| {
            tail.len() <= next.len()
                && tail.iter().zip(next).enumerate().all(|(i, (t, w))| {
                    // The last word may carry the dose (`Hib1`).
                    let w = if i + 1 == tail.len() {
                        split_dose(w).0
                    } else {
                        w
                    };
                    w.eq_ignore_ascii_case(t)
                })
        })
        .map_or(0, |tail| tail.len())
}

// ------------------------------------------------------------------ helpers

/// Case-insensitive lookup in a small table.
fn lookup<T: Copy>(table: &[(&str, T)], word: &str) -> Option<T> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(word))
        .map(|(_, v)| *v)
}

/// Whether `word` is one of `names`, ignoring ASCII case.
pub fn is_any(word: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        day(2026, 12, 1)
    }

    fn date(text: &str) -> Option<DateRead> {
        let words: Vec<&str> = text.split(' ').collect();
        read_date(&words, today())
    }

    #[test]
    fn decimals_with_comma_or_dot() {
        assert_eq!(parse_decimal("8,5"), Some(8.5));
        assert_eq!(parse_decimal("8.5"), Some(8.5));
        assert_eq!(parse_decimal("72"), Some(72.0));
        assert_eq!(parse_decimal("11,2"), Some(11.2));
        assert_eq!(parse_decimal("8,5,3"), None);
        assert_eq!(parse_decimal("8,"), None);
        assert_eq!(parse_decimal(",5"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("8x"), None);
        assert_eq!(parse_decimal(&"9".repeat(60)), None);
    }

    #[test]
    fn measures_with_units() {
        let m = |v, u| {
            Some(Measure {
                value: v,
                unit: u,
                thousands: false,
            })
        };
        assert_eq!(parse_measure("8,5kg"), m(8.5, Some(Unit::Kg)));
        assert_eq!(parse_measure("8.5KG"), m(8.5, Some(Unit::Kg)));
        assert_eq!(parse_measure("3200g"), m(3200.0, Some(Unit::Gram)));
        assert_eq!(parse_measure("3200gr"), m(3200.0, Some(Unit::Gram)));
        assert_eq!(parse_measure("72cm"), m(72.0, Some(Unit::Cm)));
        assert_eq!(parse_measure("72"), m(72.0, None));
        assert_eq!(parse_measure("72cmm"), None);
        assert_eq!(unit_of("kg."), Some(Unit::Kg));
        assert_eq!(
            read_measure(&["8.5", "kg"]).map(|(m, n)| (m.unit, n)),
            Some((Some(Unit::Kg), 2))
        );
        assert_eq!(
            read_measure(&["72", "cm"]).map(|(m, n)| (m.value, n)),
            Some((72.0, 2))
        );
        assert_eq!(read_measure(&["72", "Ayu"]).map(|(_, n)| n), Some(1));
        assert!(parse_measure("3.200").unwrap().thousands);
    }

    #[test]
    fn weights_and_lengths() {
        let kg = |t: &str| {
            read_measure(&t.split(' ').collect::<Vec<_>>()).and_then(|(m, _)| weight_kg(&m))
        };
        assert_eq!(kg("8,5"), Some(8.5));
        assert_eq!(kg("8500 g"), Some(8.5));
        assert_eq!(kg("8.500 g"), Some(8.5));
        assert_eq!(kg("72 cm"), None);
        assert_eq!(length_cm(&parse_measure("72cm").unwrap()), Some(72.0));
        assert_eq!(length_cm(&parse_measure("7kg").unwrap()), None);
    }

    #[test]
    fn birth_weights_in_grams() {
        let g = |t: &str| {
            read_measure(&t.split(' ').collect::<Vec<_>>())
                .and_then(|(m, _)| birth_weight_grams(&m))
        };
        assert_eq!(g("3200"), Some(3200));
        assert_eq!(g("3200 gr"), Some(3200));
        assert_eq!(g("3200g"), Some(3200));
        assert_eq!(g("3,2kg"), Some(3200));
        assert_eq!(g("3,2"), Some(3200));
        assert_eq!(g("3.200 g"), Some(3200));
        assert_eq!(g("2,75 kg"), Some(2750));
        assert_eq!(g("800"), Some(800));
        assert_eq!(g("32"), None);
        assert_eq!(g("3,2 g"), None);
        assert_eq!(g("15 kg"), None);
        assert_eq!(g("0"), None);
    }

    #[test]
    fn blood_pressure_and_counts() {
        assert_eq!(parse_blood_pressure("120/80"), Some((120, 80)));
        assert_eq!(parse_blood_pressure("90/60"), Some((90, 60)));
        assert_eq!(parse_blood_pressure("120/8"), None);
        assert_eq!(parse_blood_pressure("120-80"), None);
        assert_eq!(parse_count("30"), Some(30));
        assert_eq!(parse_count("3x"), None);
    }

    #[test]
    fn codes_niks_and_phones() {
        assert!(is_code("48213"));
        assert!(!is_code("12"));
        assert!(!is_code("48a13"));
        assert!(is_nik("3201234567890123"));
        assert!(!is_nik("320123456789012"));
        let phone = |t: &str| read_phone(&t.split(' ').collect::<Vec<_>>());
        assert_eq!(phone("081234567890"), Some(("081234567890".into(), 1)));
        assert_eq!(phone("+6281234567890"), Some(("+6281234567890".into(), 1)));
        assert_eq!(phone("6281234567890"), Some(("6281234567890".into(), 1)));
        assert_eq!(phone("0812-3456-7890"), Some(("0812-3456-7890".into(), 1)));
        assert_eq!(
            phone("0812 3456 7890 Bandung"),
            Some(("0812 3456 7890".into(), 3))
        );
        assert_eq!(phone("0812345"), None);
        assert_eq!(phone("0212345678"), None);
        assert_eq!(phone("48213"), None);
    }

    #[test]
    fn numeric_dates() {
        let ok = |d: NaiveDate, n| Some((Ok(d), n));
        assert_eq!(date("10-02-2026"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("10/2/26"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("10.02.2026"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("2026-02-10"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("10/2"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("10-feb-2026"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("31-02-2026"), Some((Err(ImpossibleDate), 1)));
        assert_eq!(date("10-13-2026"), Some((Err(ImpossibleDate), 1)));
        assert_eq!(date("10-02-202"), Some((Err(ImpossibleDate), 1)));
        assert_eq!(date("8.5"), None);
        assert_eq!(date("120/80"), None);
        assert_eq!(date("90/60"), None);
        assert_eq!(date("72"), None);
    }

    #[test]
    fn dates_with_month_names() {
        let ok = |d: NaiveDate, n| Some((Ok(d), n));
        assert_eq!(date("10 feb 2026"), ok(day(2026, 2, 10), 3));
        assert_eq!(date("10 Februari"), ok(day(2026, 2, 10), 2));
        assert_eq!(date("10 februari 2026"), ok(day(2026, 2, 10), 3));
        assert_eq!(date("10 feb 26"), ok(day(2026, 2, 10), 3));
        assert_eq!(date("10 feb 72"), ok(day(2026, 2, 10), 2));
        assert_eq!(date("20 nov 3200"), ok(day(2026, 11, 20), 2));
        assert_eq!(date("20 nov 2027"), ok(day(2027, 11, 20), 3));
        assert_eq!(date("20 nov 1995"), ok(day(1995, 11, 20), 3));
        assert_eq!(date("10feb"), ok(day(2026, 2, 10), 1));
        assert_eq!(date("1 Agt"), ok(day(2026, 8, 1), 2));
        assert_eq!(date("1 Ags"), ok(day(2026, 8, 1), 2));
        assert_eq!(date("1 agu"), ok(day(2026, 8, 1), 2));
        assert_eq!(date("17 AUG"), ok(day(2026, 8, 17), 2));
        assert_eq!(date("5 mei"), ok(day(2026, 5, 5), 2));
        assert_eq!(date("5 May"), ok(day(2026, 5, 5), 2));
        assert_eq!(date("2 okt"), ok(day(2026, 10, 2), 2));
        assert_eq!(date("2 oct"), ok(day(2026, 10, 2), 2));
        assert_eq!(date("30 nov"), ok(day(2026, 11, 30), 2));
        // Not after today: 10 Dec is last year's.
        assert_eq!(date("10 des"), ok(day(2025, 12, 10), 2));
        assert_eq!(date("10 dec"), ok(day(2025, 12, 10), 2));
        assert_eq!(date("1 des"), ok(day(2026, 12, 1), 2));
        assert_eq!(date("31 apr"), Some((Err(ImpossibleDate), 2)));
        assert_eq!(date("10 kg"), None);
    }

    #[test]
    fn a_date_without_year_is_the_most_recent_one() {
        let jan5 = day(2027, 1, 5);
        assert_eq!(most_recent(10, 12, jan5), Ok(day(2026, 12, 10)));
        assert_eq!(most_recent(5, 1, jan5), Ok(day(2027, 1, 5)));
        assert_eq!(most_recent(29, 2, jan5), Ok(day(2024, 2, 29)));
        assert_eq!(most_recent(32, 1, jan5), Err(ImpossibleDate));
        assert_eq!(most_recent(1, 13, jan5), Err(ImpossibleDate));
    }

    #[test]
    fn relative_dates() {
        let ok = |d: NaiveDate, n| Some((Ok(d), n));
        assert_eq!(date("kemarin"), ok(day(2026, 11, 30), 1));
        assert_eq!(date("kmrn"), ok(day(2026, 11, 30), 1));
        assert_eq!(date("hari ini"), ok(today(), 2));
        assert_eq!(date("HARI INI"), ok(today(), 2));
        assert_eq!(date("tadi"), ok(today(), 1));
        assert_eq!(date("tadi pagi"), ok(today(), 2));
        assert_eq!(date("besok"), ok(day(2026, 12, 2), 1));
        assert_eq!(date("3 hari lalu"), ok(day(2026, 11, 28), 3));
        assert_eq!(date("3 hari yang lalu"), ok(day(2026, 11, 28), 4));
        assert_eq!(date("hari"), None);
        assert_eq!(date("Ayu"), None);
    }

    #[test]
    fn sexes_and_capsules() {
        assert_eq!(read_sex(&["L"]), Some((Sex::L, 1)));
        assert_eq!(read_sex(&["laki-laki"]), Some((Sex::L, 1)));
        assert_eq!(read_sex(&["laki", "laki"]), Some((Sex::L, 2)));
        assert_eq!(read_sex(&["Lk"]), Some((Sex::L, 1)));
        assert_eq!(read_sex(&["cewek"]), Some((Sex::P, 1)));
        assert_eq!(read_sex(&["Perempuan"]), Some((Sex::P, 1)));
        assert_eq!(read_sex(&["Ayu"]), None);
        assert_eq!(capsule_of("Biru"), Some(Capsule::Blue));
        assert_eq!(capsule_of("red"), Some(Capsule::Red));
        assert_eq!(capsule_of("hijau"), None);
    }

    fn vaccine(text: &str) -> Option<(Result<VaccineDose, BadVaccine>, usize)> {
        read_vaccine(&text.split(' ').collect::<Vec<_>>())
    }

    fn dose(
        antigen: &str,
        dose: Option<u8>,
        used: usize,
    ) -> Option<(Result<VaccineDose, BadVaccine>, usize)> {
        Some((
            Ok(VaccineDose {
                antigen: antigen.into(),
                dose,
            }),
            used,
        ))
    }

    #[test]
    fn vaccine_names_map_to_programme_codes() {
        assert_eq!(vaccine("HB0"), dose("HB0", None, 1));
        assert_eq!(vaccine("hb-0"), dose("HB0", None, 1));
        assert_eq!(vaccine("HB 0"), dose("HB0", None, 2));
        assert_eq!(vaccine("hepatitis b0"), dose("HB0", None, 2));
        assert_eq!(vaccine("hepatitis b 0"), dose("HB0", None, 3));
        assert_eq!(vaccine("BCG"), dose("BCG", None, 1));
        assert_eq!(vaccine("polio2"), dose("OPV", Some(2), 1));
        assert_eq!(vaccine("polio 2"), dose("OPV", Some(2), 2));
        assert_eq!(vaccine("OPV-2"), dose("OPV", Some(2), 1));
        assert_eq!(vaccine("bOPV3"), dose("OPV", Some(3), 1));
        assert_eq!(vaccine("polio suntik"), dose("IPV", None, 2));
        assert_eq!(vaccine("IPV"), dose("IPV", None, 1));
        assert_eq!(vaccine("DPT-HB-Hib 1"), dose("DPT-HB-Hib", Some(1), 2));
        assert_eq!(vaccine("DPT-HB-Hib1"), dose("DPT-HB-Hib", Some(1), 1));
        assert_eq!(vaccine("dpt hb hib 2"), dose("DPT-HB-Hib", Some(2), 4));
        assert_eq!(vaccine("DPT / HB / Hib3"), dose("DPT-HB-Hib", Some(3), 5));
        assert_eq!(vaccine("penta3"), dose("DPT-HB-Hib", Some(3), 1));
        assert_eq!(vaccine("pentavalen"), dose("DPT-HB-Hib", None, 1));
        assert_eq!(vaccine("DPT ke-2"), dose("DPT-HB-Hib", Some(2), 2));
        assert_eq!(vaccine("DPT ke 2"), dose("DPT-HB-Hib", Some(2), 3));
        assert_eq!(vaccine("PCV"), dose("PCV", None, 1));
        assert_eq!(vaccine("PCV13"), dose("PCV", None, 1));
        assert_eq!(vaccine("pneumokokus 2"), dose("PCV", Some(2), 2));
        assert_eq!(vaccine("rota"), dose("RV", None, 1));
        assert_eq!(vaccine("rotavirus1"), dose("RV", Some(1), 1));
        assert_eq!(vaccine("MR"), dose("MR", None, 1));
        assert_eq!(vaccine("campak"), dose("MR", None, 1));
        assert_eq!(vaccine("campak rubella 2"), dose("MR", Some(2), 3));
        assert_eq!(vaccine("JE"), dose("JE", None, 1));
        assert_eq!(vaccine("BCG 10 nov"), dose("BCG", None, 1));
    }

    #[test]
    fn unreadable_vaccines() {
        assert_eq!(vaccine("HB1"), Some((Err(BadVaccine), 1)));
        assert_eq!(vaccine("DPT12"), Some((Err(BadVaccine), 1)));
        assert_eq!(vaccine("DPT 12"), Some((Err(BadVaccine), 2)));
        assert_eq!(vaccine("hepatitis"), None);
        assert_eq!(vaccine("Ayu"), None);
        assert_eq!(vaccine("2"), None);
    }
}
