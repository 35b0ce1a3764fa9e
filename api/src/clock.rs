//! The one place the server reads the time.
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps microseconds, so a value
/// read back equals the value written on both databases.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// The latest calendar date anywhere in Indonesia right now (WIT, UTC+9).
/// A date after it cannot have happened wherever the record was made, so
/// "not in the future" checks use it; checking against the UTC date would
/// refuse every same-day report made before 07:00–09:00 local time.
pub fn latest_date() -> chrono::NaiveDate {
    crate::domain::schedule::today_in("Asia/Jayapura", now())
}

/// Today where a record lives, by its province's zone (a posyandu's own
/// zone, where one is at hand, is exact).
pub fn today_at(province_code: &str) -> chrono::NaiveDate {
    crate::domain::schedule::today_in(crate::domain::schedule::default_zone(province_code), now())
}
