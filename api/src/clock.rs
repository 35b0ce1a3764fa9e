//! The one place the server reads the time.
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps microseconds, so a value
/// read back equals the value written on both databases.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
