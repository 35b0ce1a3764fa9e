//! The KMS (Kartu Menuju Sehat) reading of a weighing: N (naik), T (tidak
//! naik), O (not weighed last month), B (baru), with 2T, BGM and the reasons
//! to refer a child to the health worker.
//!
//! The minimum weight gains (KBM) are versioned reference data, embedded from
//! `api/data/kbm/`; every result records the version that produced it.
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
pub use openapi::growth::KmsStatus;
use uuid::Uuid;

/// The KBM edition in use.
pub const KBM_VERSION: &str = "kbm-permenkes-155-2010";

static KBM: LazyLock<[u32; 61]> =
    LazyLock::new(|| parse_kbm(include_str!("../../data/kbm/permenkes-155-2010.tsv")));

/// Reads a KBM table: `months<TAB>grams` rows; the last row's value holds
/// for every older age up to 60 months.
fn parse_kbm(text: &str) -> [u32; 61] {
    let mut table = [0u32; 61];
    let mut last = (0usize, 0u32);
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut parts = line.split('\t');
        let months: usize = parts
            .next()
            .and_then(|m| m.trim().parse().ok())
            .expect("KBM months");
        let grams: u32 = parts
            .next()
            .and_then(|g| g.trim().parse().ok())
            .expect("KBM grams");
        table[months] = grams;
        last = (months, grams);
    }
    for entry in table.iter_mut().skip(last.0 + 1) {
        *entry = last.1;
    }
    // Under one month, the first month's gain applies.
    table[0] = table[1];
    table
}

/// Minimum gain in grams for a child of `months` completed months.
pub fn kbm_grams(months: u32) -> u32 {
    KBM[months.min(60) as usize]
}

/// Completed calendar months between birth and `date`.
pub fn completed_months(birth: NaiveDate, date: NaiveDate) -> u32 {
    let mut months = (date.year() - birth.year()) * 12 + date.month() as i32 - birth.month() as i32;
    if date.day() < birth.day() {
        months -= 1;
    }
    months.max(0) as u32
}

/// An earlier weighing of the same child.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Earlier {
    pub date: NaiveDate,
    pub weight_kg: f64,
    pub posyandu_id: Uuid,
    pub status: KmsStatus,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmsReading {
    pub status: KmsStatus,
    /// Gain since the last weighing of the previous month, grams.
    pub gain_g: Option<i32>,
    /// The minimum gain that applied, grams.
    pub kbm_g: Option<u32>,
    /// The second T in a row (months without a weighing are skipped).
    pub two_t: bool,
}

fn previous_month(date: NaiveDate) -> (i32, u32) {
    if date.month() == 1 {
        (date.year() - 1, 12)
    } else {
        (date.year(), date.month() - 1)
    }
}

/// Reads a weighing against the child's earlier ones (any order), in the
/// order the rules are evaluated: B, then O, then N or T.
pub fn read(
    birth: NaiveDate,
    date: NaiveDate,
    weight_kg: f64,
    posyandu_id: Uuid,
    earlier: &[Earlier],
) -> KmsReading {
    let before: Vec<&Earlier> = earlier.iter().filter(|e| e.date < date).collect();
    if !before.iter().any(|e| e.posyandu_id == posyandu_id) {
        return KmsReading {
            status: KmsStatus::B,
            gain_g: None,
            kbm_g: None,
            two_t: false,
        };
    }
    let (year, month) = previous_month(date);
    let last_month = before
        .iter()
        .filter(|e| e.date.year() == year && e.date.month() == month)
        .max_by_key(|e| e.date);
    let Some(last_month) = last_month else {
        return KmsReading {
            status: KmsStatus::O,
            gain_g: None,
            kbm_g: None,
            two_t: false,
        };
    };
    let gain_g = ((weight_kg - last_month.weight_kg) * 1000.0).round() as i32;
    let kbm = kbm_grams(completed_months(birth, date));
    let status = if gain_g >= kbm as i32 {
        KmsStatus::N
    } else {
        KmsStatus::T
    };
    // 2T: this T follows a T at the child's previous weighing.
    let previous = before.iter().max_by_key(|e| e.date);
    let two_t = status == KmsStatus::T && previous.is_some_and(|p| p.status == KmsStatus::T);
    KmsReading {
        status,
        gain_g: Some(gain_g),
        kbm_g: Some(kbm),
        two_t,
    }
}

/// The one-letter code stored for a status.
pub fn code(status: KmsStatus) -> &'static str {
    match status {
        KmsStatus::N => "N",
        KmsStatus::T => "T",
        KmsStatus::O => "O",
        KmsStatus::B => "B",
    }
}

pub fn parse_code(code: &str) -> Option<KmsStatus> {
    match code {
        "N" => Some(KmsStatus::N),
        "T" => Some(KmsStatus::T),
        "O" => Some(KmsStatus::O),
        "B" => Some(KmsStatus::B),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_kbm_table_follows_the_kms() {
        assert_eq!(kbm_grams(0), 800);
        assert_eq!(kbm_grams(1), 800);
        assert_eq!(kbm_grams(2), 900);
        assert_eq!(kbm_grams(6), 400);
        assert_eq!(kbm_grams(7), 300);
        assert_eq!(kbm_grams(10), 300);
        assert_eq!(kbm_grams(11), 200);
        assert_eq!(kbm_grams(60), 200);
        assert_eq!(kbm_grams(75), 200);
    }

    #[test]
    fn completed_months_count_whole_months() {
        let birth = d(2025, 1, 31);
        assert_eq!(completed_months(birth, d(2025, 2, 28)), 0);
        assert_eq!(completed_months(birth, d(2025, 3, 31)), 2);
        assert_eq!(completed_months(d(2024, 2, 29), d(2025, 2, 28)), 11);
        assert_eq!(completed_months(d(2024, 2, 29), d(2025, 3, 1)), 12);
    }

    #[test]
    fn b_then_o_then_n_or_t() {
        let birth = d(2025, 6, 15);
        let here = Uuid::from_u128(1);
        let elsewhere = Uuid::from_u128(2);
        // First weighing here: B, even with weighings at another posyandu.
        let moved = [Earlier {
            date: d(2026, 1, 10),
            weight_kg: 7.0,
            posyandu_id: elsewhere,
            status: KmsStatus::N,
        }];
        assert_eq!(
            read(birth, d(2026, 2, 10), 7.5, here, &moved).status,
            KmsStatus::B
        );
        // Weighed in December but not January: O.
        let gap = [Earlier {
            date: d(2025, 12, 10),
            weight_kg: 7.0,
            posyandu_id: here,
            status: KmsStatus::N,
        }];
        assert_eq!(
            read(birth, d(2026, 2, 10), 7.5, here, &gap).status,
            KmsStatus::O
        );
        // Age 7 completed months on 2026-01-20: KBM 300 g.
        let last = [Earlier {
            date: d(2025, 12, 18),
            weight_kg: 7.0,
            posyandu_id: here,
            status: KmsStatus::N,
        }];
        let reading = read(birth, d(2026, 1, 20), 7.3, here, &last);
        assert_eq!(
            (reading.status, reading.gain_g, reading.kbm_g),
            (KmsStatus::N, Some(300), Some(300))
        );
        let reading = read(birth, d(2026, 1, 20), 7.299, here, &last);
        assert_eq!((reading.status, reading.gain_g), (KmsStatus::T, Some(299)));
    }

    #[test]
    fn two_t_in_a_row() {
        let birth = d(2025, 1, 1);
        let here = Uuid::from_u128(1);
        let history = [
            Earlier {
                date: d(2026, 1, 10),
                weight_kg: 9.0,
                posyandu_id: here,
                status: KmsStatus::N,
            },
            Earlier {
                date: d(2026, 2, 10),
                weight_kg: 9.1,
                posyandu_id: here,
                status: KmsStatus::T,
            },
        ];
        let reading = read(birth, d(2026, 3, 10), 9.15, here, &history);
        assert_eq!(reading.status, KmsStatus::T);
        assert!(reading.two_t);
        // After an O (a skipped month), a T is the first T again.
        let history = [
            Earlier {
                date: d(2026, 1, 10),
                weight_kg: 9.0,
                posyandu_id: here,
                status: KmsStatus::T,
            },
            Earlier {
                date: d(2026, 3, 10),
                weight_kg: 9.1,
                posyandu_id: here,
                status: KmsStatus::O,
            },
        ];
        let reading = read(birth, d(2026, 4, 10), 9.15, here, &history);
        assert_eq!(reading.status, KmsStatus::T);
        assert!(!reading.two_t);
    }

    #[test]
    fn the_last_weighing_of_last_month_counts() {
        let birth = d(2025, 1, 1);
        let here = Uuid::from_u128(1);
        let history = [
            Earlier {
                date: d(2026, 1, 3),
                weight_kg: 9.0,
                posyandu_id: here,
                status: KmsStatus::N,
            },
            Earlier {
                date: d(2026, 1, 28),
                weight_kg: 9.3,
                posyandu_id: here,
                status: KmsStatus::N,
            },
        ];
        let reading = read(birth, d(2026, 2, 10), 9.4, here, &history);
        assert_eq!(reading.gain_g, Some(100));
        assert_eq!(reading.status, KmsStatus::T);
    }
}
