//! NIK (Nomor Induk Kependudukan): 16 digits `PPKKCC DDMMYY NNNN` — the
//! region where the person was first registered, the date of birth (day + 40
//! for women), and a serial.
//!
//! The region part is *not* where the person lives now, and region codes
//! change as villages split, so it is checked for shape and a known province
//! only. The date part must be a real date; it is compared with the birth
//! date and sex given alongside, because a NIK typed one digit wrong usually
//! breaks exactly that.
use chrono::{Datelike, NaiveDate};

use crate::domain::wilayah::RegionIndex;
use crate::error::FieldProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `L` (laki-laki) or `P` (perempuan), as Indonesian forms write it.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim().to_ascii_uppercase().as_str() {
            "L" | "M" | "MALE" | "LAKI-LAKI" => Some(Sex::Male),
            "P" | "F" | "FEMALE" | "PEREMPUAN" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "L",
            Sex::Female => "P",
        }
    }
}

/// A NIK with a valid structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nik {
    digits: String,
    /// Day, month and two-digit year as encoded.
    day: u32,
    month: u32,
    year2: u32,
    sex: Sex,
}

impl Nik {
    pub fn parse(input: &str) -> Result<Nik, FieldProblem> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldProblem::new("invalid", "A NIK has exactly 16 digits."));
        }
        let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().expect("digits");
        if RegionIndex::national().get(&digits[0..2]).is_none() {
            return Err(FieldProblem::new(
                "invalid",
                format!(
                    "A NIK starts with a province code; {} is not one.",
                    &digits[0..2]
                ),
            ));
        }
        if number(2..4) == 0 || number(4..6) == 0 {
            return Err(FieldProblem::new(
                "invalid",
                "The region part of this NIK is not valid.",
            ));
        }
        let encoded_day = number(6..8);
        let (day, sex) = if encoded_day > 40 {
            (encoded_day - 40, Sex::Female)
        } else {
            (encoded_day, Sex::Male)
        };
        let (month, year2) = (number(8..10), number(10..12));
        // Any century works for the check: 2000 is a leap year like 1900
        // is not, so check both and accept if either is a real date.
        let real =
            |century: i32| NaiveDate::from_ymd_opt(century + year2 as i32, month, day).is_some();
        if !(real(1900) || real(2000)) {
            return Err(FieldProblem::new(
                "invalid",
                "The birth-date part of this NIK (digits 7–12, DDMMYY, day + 40 for women) is not a date.",
            ));
        }
        if number(12..16) == 0 {
            return Err(FieldProblem::new(
                "invalid",
                "The last four digits of a NIK are not 0000.",
            ));
        }
        Ok(Nik {
            digits,
            day,
            month,
            year2,
            sex,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.digits
    }

    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Checks the encoded birth date and sex against what was given.
    pub fn check_against(&self, birth_date: NaiveDate, sex: Sex) -> Result<(), FieldProblem> {
        if self.sex != sex {
            return Err(FieldProblem::new(
                "mismatch",
                format!(
                    "This NIK belongs to a {} (day {}), but the sex given is {}.",
                    if self.sex == Sex::Female {
                        "woman (day + 40)"
                    } else {
                        "man"
                    },
                    self.day + if self.sex == Sex::Female { 40 } else { 0 },
                    sex.code()
                ),
            ));
        }
        let same = birth_date.day() == self.day
            && birth_date.month() == self.month
            && birth_date.year().rem_euclid(100) as u32 == self.year2;
        if !same {
            return Err(FieldProblem::new(
                "mismatch",
                format!(
                    "This NIK encodes the birth date {:02}-{:02}-{:02}, but the birth date given is {}.",
                    self.day,
                    self.month,
                    self.year2,
                    birth_date.format("%d-%m-%Y")
                ),
            ));
        }
        Ok(())
    }
}

/// No. KK (family card number): 16 digits starting with a province code.
pub fn no_kk(input: &str) -> Result<String, FieldProblem> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldProblem::new(
            "invalid",
            "A No. KK has exactly 16 digits.",
        ));
    }
    if RegionIndex::national().get(&digits[0..2]).is_none() {
        return Err(FieldProblem::new(
            "invalid",
            "A No. KK starts with a province code.",
        ));
    }
    Ok(digits)
}

/// BPJS Kesehatan card number: 13 digits.
pub fn bpjs_number(input: &str) -> Result<String, FieldProblem> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldProblem::new(
            "invalid",
            "A BPJS Kesehatan card number has exactly 13 digits.",
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_womans_nik_adds_40_to_the_day() {
        let nik = Nik::parse("5108064512900003").unwrap();
        assert_eq!(nik.sex(), Sex::Female);
        assert!(nik.check_against(date(1990, 12, 5), Sex::Female).is_ok());
        assert_eq!(
            nik.check_against(date(1990, 12, 5), Sex::Male)
                .unwrap_err()
                .code,
            "mismatch"
        );
        assert_eq!(
            nik.check_against(date(1990, 12, 6), Sex::Female)
                .unwrap_err()
                .code,
            "mismatch"
        );
    }

    #[test]
    fn a_mans_nik() {
        // Day 71 is a woman born on the 31st.
        assert_eq!(Nik::parse("3201047101900001").unwrap().sex(), Sex::Female);
        let nik = Nik::parse("3201 0401 0190 0001").unwrap();
        assert_eq!(nik.as_str(), "3201040101900001");
        assert_eq!(nik.sex(), Sex::Male);
        assert!(nik.check_against(date(1990, 1, 1), Sex::Male).is_ok());
    }

    #[test]
    fn structure_errors() {
        for bad in [
            "320104010190000",   // 15 digits
            "32010401019000012", // 17
            "320104010190000a",
            "9901040101900001", // no province 99
            "3200040101900001", // kabupaten 00
            "3201043201900001", // day 32
            "3201043102900001", // 31 February
            "3201040113900001", // month 13
            "3201040101900000", // serial 0000
        ] {
            assert!(Nik::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn leap_days_are_dates_in_leap_years_only() {
        assert!(Nik::parse("3201042902000001").is_ok()); // 29-02-2000
        assert!(Nik::parse("3201042902010001").is_err()); // 29-02-2001
        assert!(Nik::parse("3201046902240001").is_ok()); // woman, 29-02-2024
    }

    #[test]
    fn family_and_bpjs_numbers() {
        assert_eq!(no_kk("5108 0612 3456 0001").unwrap(), "5108061234560001");
        assert!(no_kk("9908061234560001").is_err());
        assert_eq!(bpjs_number("0001234567890").unwrap(), "0001234567890");
        assert!(bpjs_number("123").is_err());
    }
}
