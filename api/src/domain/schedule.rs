//! When a posyandu opens: its rule ("every 10th", "second Tuesday"), the days
//! moved or cancelled, and Indonesia's time zones.
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Weekday};

use crate::error::FieldProblem;

pub use openapi::areas::{OpeningRule, WeekdayName};

fn weekday_of(name: WeekdayName) -> Weekday {
    match name {
        WeekdayName::Monday => Weekday::Mon,
        WeekdayName::Tuesday => Weekday::Tue,
        WeekdayName::Wednesday => Weekday::Wed,
        WeekdayName::Thursday => Weekday::Thu,
        WeekdayName::Friday => Weekday::Fri,
        WeekdayName::Saturday => Weekday::Sat,
        WeekdayName::Sunday => Weekday::Sun,
    }
}

fn indonesian(name: WeekdayName) -> &'static str {
    match name {
        WeekdayName::Monday => "Senin",
        WeekdayName::Tuesday => "Selasa",
        WeekdayName::Wednesday => "Rabu",
        WeekdayName::Thursday => "Kamis",
        WeekdayName::Friday => "Jumat",
        WeekdayName::Saturday => "Sabtu",
        WeekdayName::Sunday => "Minggu",
    }
}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_next.expect("valid month") - Duration::days(1)
}

/// Checks a rule's numbers.
pub fn validate(rule: &OpeningRule) -> Result<(), FieldProblem> {
    match rule {
        OpeningRule::DayOfMonth { day } if !(1..=31).contains(day) => Err(FieldProblem::new(
            "out_of_range",
            "The day of the month is 1 to 31.",
        )),
        OpeningRule::NthWeekday { nth, .. } if !matches!(nth, 1..=4 | -1) => {
            Err(FieldProblem::new(
                "out_of_range",
                "nth is 1 to 4 (first to fourth) or -1 (the last).",
            ))
        }
        _ => Ok(()),
    }
}

/// The rule's date in a month.
pub fn date_in(rule: &OpeningRule, year: i32, month: u32) -> NaiveDate {
    match *rule {
        OpeningRule::DayOfMonth { day } => NaiveDate::from_ymd_opt(year, month, day as u32)
            .unwrap_or_else(|| last_day_of_month(year, month)),
        OpeningRule::NthWeekday { nth, weekday } => {
            let weekday = weekday_of(weekday);
            if nth > 0 {
                NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth as u8)
                    .expect("the 1st to 4th weekday exists in every month")
            } else {
                let last = last_day_of_month(year, month);
                let back = (7 + last.weekday().num_days_from_monday() as i64
                    - weekday.num_days_from_monday() as i64)
                    % 7;
                last - Duration::days(back)
            }
        }
    }
}

/// The rule in Indonesian, for chat replies: "setiap tanggal 10",
/// "setiap Selasa kedua", "setiap Jumat terakhir".
pub fn describe(rule: &OpeningRule) -> String {
    match *rule {
        OpeningRule::DayOfMonth { day } => format!("setiap tanggal {day}"),
        OpeningRule::NthWeekday { nth, weekday } => {
            let ordinal = match nth {
                1 => "pertama",
                2 => "kedua",
                3 => "ketiga",
                4 => "keempat",
                _ => "terakhir",
            };
            format!("setiap {} {ordinal} tiap bulan", indonesian(weekday))
        }
    }
}

/// A posyandu day moved to another date, or cancelled (`to = None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayChange {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// One opening in the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PosyanduDay {
    pub date: NaiveDate,
    /// The date the rule gave, when the day was moved.
    pub moved_from: Option<NaiveDate>,
}

/// The posyandu days from `start` to `end` inclusive: the rule's date each
/// month, with moves applied and cancellations left out.
pub fn calendar(
    rule: &OpeningRule,
    changes: &[DayChange],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<PosyanduDay> {
    let mut days = Vec::new();
    // Moves may carry a day across a month boundary, so look a month wider.
    let (mut year, mut month) = {
        let before = start - Duration::days(31);
        (before.year(), before.month())
    };
    let last = end + Duration::days(31);
    while NaiveDate::from_ymd_opt(year, month, 1).expect("valid") <= last {
        let planned = date_in(rule, year, month);
        let day = match changes.iter().find(|c| c.from == planned) {
            Some(DayChange { to: None, .. }) => None,
            Some(DayChange { to: Some(to), .. }) => Some(PosyanduDay {
                date: *to,
                moved_from: Some(planned),
            }),
            None => Some(PosyanduDay {
                date: planned,
                moved_from: None,
            }),
        };
        if let Some(day) = day.filter(|d| d.date >= start && d.date <= end) {
            days.push(day);
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    days.sort_by_key(|d| d.date);
    days
}

/// Indonesia's time zones (no daylight saving).
pub const TIME_ZONES: [(&str, i32); 4] = [
    ("Asia/Jakarta", 7),
    ("Asia/Pontianak", 7),
    ("Asia/Makassar", 8),
    ("Asia/Jayapura", 9),
];

/// The fixed offset of one of Indonesia's zones.
pub fn offset(zone: &str) -> Option<FixedOffset> {
    TIME_ZONES
        .iter()
        .find(|(name, _)| *name == zone)
        .and_then(|(_, hours)| FixedOffset::east_opt(hours * 3600))
}

pub fn check_zone(zone: &str) -> Result<String, FieldProblem> {
    offset(zone).map(|_| zone.to_owned()).ok_or_else(|| {
        FieldProblem::new(
            "invalid",
            "Use Asia/Jakarta or Asia/Pontianak (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT).",
        )
    })
}

/// The zone of a province: WIT in Maluku and Papua, WITA in Bali, Nusa
/// Tenggara, Kalimantan Selatan/Timur/Utara and Sulawesi, WIB elsewhere
/// (Pontianak's name for Kalimantan Barat and Tengah).
pub fn default_zone(province: &str) -> &'static str {
    match province {
        "81" | "82" | "91" | "92" | "93" | "94" | "95" | "96" => "Asia/Jayapura",
        "51" | "52" | "53" | "63" | "64" | "65" | "71" | "72" | "73" | "74" | "75" | "76" => {
            "Asia/Makassar"
        }
        "61" | "62" => "Asia/Pontianak",
        _ => "Asia/Jakarta",
    }
}

/// Today's date in a posyandu's zone.
pub fn today_in(zone: &str, now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let offset = offset(zone).unwrap_or_else(|| FixedOffset::east_opt(7 * 3600).expect("valid"));
    now.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_10th_and_the_31st_in_short_months() {
        let rule = OpeningRule::DayOfMonth { day: 10 };
        assert_eq!(date_in(&rule, 2026, 2), d(2026, 2, 10));
        let rule = OpeningRule::DayOfMonth { day: 31 };
        assert_eq!(date_in(&rule, 2026, 4), d(2026, 4, 30));
        assert_eq!(date_in(&rule, 2028, 2), d(2028, 2, 29));
        assert_eq!(date_in(&rule, 2026, 2), d(2026, 2, 28));
    }

    #[test]
    fn second_tuesday_and_last_friday() {
        let second_tuesday = OpeningRule::NthWeekday {
            nth: 2,
            weekday: WeekdayName::Tuesday,
        };
        assert_eq!(date_in(&second_tuesday, 2026, 11), d(2026, 11, 10));
        assert_eq!(date_in(&second_tuesday, 2026, 12), d(2026, 12, 8));
        let last_friday = OpeningRule::NthWeekday {
            nth: -1,
            weekday: WeekdayName::Friday,
        };
        assert_eq!(date_in(&last_friday, 2026, 11), d(2026, 11, 27));
        assert_eq!(date_in(&last_friday, 2026, 7), d(2026, 7, 31));
        assert_eq!(describe(&second_tuesday), "setiap Selasa kedua tiap bulan");
        assert_eq!(
            describe(&OpeningRule::DayOfMonth { day: 10 }),
            "setiap tanggal 10"
        );
    }

    #[test]
    fn rules_are_validated_and_read_from_json() {
        let rule: OpeningRule =
            serde_json::from_str(r#"{"kind":"nth_weekday","nth":2,"weekday":"tuesday"}"#).unwrap();
        assert!(validate(&rule).is_ok());
        assert!(validate(&OpeningRule::DayOfMonth { day: 0 }).is_err());
        assert!(
            validate(&OpeningRule::NthWeekday {
                nth: 5,
                weekday: WeekdayName::Monday
            })
            .is_err()
        );
        assert!(serde_json::from_str::<OpeningRule>(r#"{"kind":"weekly"}"#).is_err());
    }

    #[test]
    fn moved_and_cancelled_days() {
        let rule = OpeningRule::DayOfMonth { day: 10 };
        let changes = [
            DayChange {
                from: d(2026, 12, 10),
                to: Some(d(2026, 12, 12)),
            },
            DayChange {
                from: d(2027, 1, 10),
                to: None,
            },
            // Moved across the month boundary into the window.
            DayChange {
                from: d(2026, 10, 10),
                to: Some(d(2026, 11, 2)),
            },
        ];
        let days = calendar(&rule, &changes, d(2026, 11, 1), d(2027, 2, 28));
        let dates: Vec<NaiveDate> = days.iter().map(|x| x.date).collect();
        assert_eq!(
            dates,
            [
                d(2026, 11, 2),
                d(2026, 11, 10),
                d(2026, 12, 12),
                d(2027, 2, 10)
            ]
        );
        assert_eq!(days[2].moved_from, Some(d(2026, 12, 10)));
    }

    #[test]
    fn zones_by_province() {
        assert_eq!(default_zone("51"), "Asia/Makassar");
        assert_eq!(default_zone("64"), "Asia/Makassar");
        assert_eq!(default_zone("91"), "Asia/Jayapura");
        assert_eq!(default_zone("61"), "Asia/Pontianak");
        assert_eq!(default_zone("32"), "Asia/Jakarta");
        assert!(check_zone("Asia/Tokyo").is_err());
        // 23:30 UTC is already tomorrow in Bali.
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T23:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(today_in("Asia/Makassar", now), d(2026, 11, 23));
        assert_eq!(today_in("Asia/Jakarta", now), d(2026, 11, 23));
        let evening = chrono::DateTime::parse_from_rfc3339("2026-11-22T16:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(today_in("Asia/Jakarta", evening), d(2026, 11, 22));
        assert_eq!(today_in("Asia/Jayapura", evening), d(2026, 11, 23));
    }
}
