//! The rules of sending, without I/O: pacing a channel to its provider's
//! rate limit, waiting before a retry, when to give up, and when a failed
//! WhatsApp message falls back to SMS.
//!
//! Pacing is a shared schedule of send slots (the "generic cell rate
//! algorithm"): a channel limited to `r` messages a second has one slot
//! every `1/r` s, and the time of its next free slot is kept in the
//! database. A claim takes the free slots of the next second and hands
//! each claimed message its slot as `not_before`; the worker sends at that
//! moment. However many workers claim, no two messages get the same slot,
//! so together they stay within the limit without talking to each other.
use chrono::{DateTime, Duration, Utc};

/// How far ahead a claim may book slots: a second is enough to keep a
/// worker busy between two claims, and short enough that slots booked by a
/// worker that dies are few.
pub const PACE_HORIZON: Duration = Duration::seconds(1);

/// The first slot of a claim is this far after the claim, so that the
/// worker has the answer in hand before it: a slot already past when the
/// worker sees it is sent late, right before an on-time one.
pub const PACE_LEAD: Duration = Duration::milliseconds(50);

/// Slots are spaced for this share of the configured limit. A send a few
/// milliseconds late (a busy worker, a slow answer) then still leaves every
/// second within the limit: at 90 % and 10/s a send may be 100 ms late.
/// (At 95 % a CI run on PostgreSQL under load once put 11 sends in one
/// second at 10/s: a send 50 ms late is not rare on a busy machine.)
pub const PACE_HEADROOM: f64 = 0.9;

/// The gap between two slots of a channel limited to `per_second`, in
/// microseconds (the databases keep microseconds).
pub fn slot_interval_us(per_second: f64) -> f64 {
    1_000_000.0 / (per_second * PACE_HEADROOM)
}

fn first_slot(next_free: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    next_free.max(now + PACE_LEAD)
}

/// How many slots are free from the next free one until `now + horizon`.
pub fn free_slots(
    next_free: DateTime<Utc>,
    now: DateTime<Utc>,
    per_second: f64,
    horizon: Duration,
) -> usize {
    if per_second <= 0.0 {
        return usize::MAX;
    }
    let room = (now + horizon - first_slot(next_free, now))
        .num_microseconds()
        .unwrap_or(0);
    if room <= 0 {
        return 0;
    }
    (room as f64 / slot_interval_us(per_second)).ceil() as usize
}

/// The send times of `count` messages from the next free slot, and the
/// slot after the last of them (the new next free slot). Without a limit
/// every message goes now.
pub fn book_slots(
    next_free: DateTime<Utc>,
    now: DateTime<Utc>,
    per_second: f64,
    count: usize,
) -> (Vec<DateTime<Utc>>, DateTime<Utc>) {
    if per_second <= 0.0 {
        return (vec![now; count], now);
    }
    let start = first_slot(next_free, now);
    let step = slot_interval_us(per_second);
    let at = |k: usize| start + Duration::microseconds((k as f64 * step).round() as i64);
    ((0..count).map(at).collect(), at(count))
}

/// How retries are spaced and when they stop (the operator's settings).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait before the first retry; it doubles with every attempt.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub max_wait: Duration,
    /// A message still failing this long after its first attempt is given
    /// up (and falls back to SMS where it can).
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            first_wait: Duration::seconds(10),
            max_wait: Duration::hours(1),
            give_up_after: Duration::hours(3),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`: `first_wait`, twice that,
    /// four times, … up to `max_wait`, with up to 20 % jitter (`jitter` in
    /// 0..1) so that many messages failed together do not all come back
    /// together; never less than the provider's `Retry-After`.
    pub fn backoff(&self, attempts: i32, retry_after: Option<u32>, jitter: f64) -> Duration {
        let doublings = (attempts.clamp(1, 30) - 1) as u32;
        let first = self.first_wait.num_milliseconds().max(1);
        let base = first
            .saturating_mul(1i64 << doublings.min(20))
            .min(self.max_wait.num_milliseconds().max(first));
        let jittered = (base as f64 * (1.0 + 0.2 * jitter.clamp(0.0, 1.0))) as i64;
        let floor = retry_after.unwrap_or(0) as i64 * 1000;
        Duration::milliseconds(jittered.max(floor))
    }

    /// Whether a message that has just failed again is given up rather than
    /// retried at `next`: past its own expiry (a reminder after its
    /// posyandu day is worse than none), or failing for too long.
    pub fn gives_up(
        &self,
        first_attempt: DateTime<Utc>,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> bool {
        next > expires_at || now - first_attempt >= self.give_up_after
    }
}

/// The channel a failed message is sent on instead, if any: once, from
/// WhatsApp to the channel the worker offers (SMS), never from a fallback
/// itself, and only when there is text to send.
pub fn fallback_channel<'a>(
    channel: &str,
    is_fallback: bool,
    has_text: bool,
    offered: Option<&'a str>,
) -> Option<&'a str> {
    let offered = offered?;
    (channel == "whatsapp" && !is_fallback && has_text && offered != channel).then_some(offered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap() + Duration::milliseconds(ms)
    }

    #[test]
    fn an_idle_channel_has_a_seconds_worth_of_slots() {
        // The next free slot is in the past: the schedule starts just after
        // now, and fills the rest of the second at 90 % of the limit.
        assert_eq!(free_slots(t(-5000), t(0), 80.0, PACE_HORIZON), 69);
        assert_eq!(free_slots(t(0), t(0), 1.0, PACE_HORIZON), 1);
        assert_eq!(free_slots(t(0), t(0), 10.0, PACE_HORIZON), 9);
    }

    #[test]
    fn booked_slots_leave_only_the_rest_of_the_second() {
        let (slots, next) = book_slots(t(-5000), t(0), 80.0, 36);
        assert_eq!(slots.len(), 36);
        assert_eq!(slots[0], t(50));
        // 1 / (80 × 0.9) s apart.
        assert_eq!(slots[1] - slots[0], Duration::microseconds(13_889));
        assert_eq!(next, t(550));
        assert_eq!(free_slots(next, t(0), 80.0, PACE_HORIZON), 33);
        // A second claim 100 ms later gets the slots after the first's.
        let (more, next) = book_slots(next, t(100), 80.0, 42);
        assert_eq!(more[0], t(550));
        assert!(next >= t(1100));
        assert_eq!(free_slots(next, t(100), 80.0, PACE_HORIZON), 0);
    }

    #[test]
    fn slots_never_come_closer_than_the_rate_allows() {
        // Whatever the claims look like, any second holds fewer slots than
        // the limit, with room for sends up to 50 ms late.
        let rate = 80.0;
        let mut next = t(0);
        let mut all = Vec::new();
        for (i, wanted) in [80usize, 3, 17, 200, 1, 64, 90].iter().enumerate() {
            let now = t(i as i64 * 130);
            let n = free_slots(next, now, rate, PACE_HORIZON).min(*wanted);
            let (slots, after) = book_slots(next, now, rate, n);
            assert!(slots.iter().all(|s| *s < now + PACE_HORIZON));
            all.extend(slots);
            next = after;
        }
        all.sort();
        for (i, first) in all.iter().enumerate() {
            let within = all[i..]
                .iter()
                .take_while(|s| **s < *first + Duration::milliseconds(1050))
                .count();
            assert!(within <= 80, "{within} slots in 1.05 s from {first}");
        }
        assert!(all.len() > 100);
    }

    #[test]
    fn no_limit_means_every_message_goes_now() {
        assert_eq!(free_slots(t(0), t(0), 0.0, PACE_HORIZON), usize::MAX);
        let (slots, next) = book_slots(t(-10), t(0), 0.0, 3);
        assert_eq!(slots, vec![t(0); 3]);
        assert_eq!(next, t(0));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, None, 0.0), Duration::seconds(10));
        assert_eq!(policy.backoff(2, None, 0.0), Duration::seconds(20));
        assert_eq!(policy.backoff(4, None, 0.0), Duration::seconds(80));
        assert_eq!(policy.backoff(30, None, 0.0), Duration::seconds(3600));
        assert_eq!(policy.backoff(1, None, 1.0), Duration::seconds(12));
        assert_eq!(policy.backoff(1, Some(90), 0.5), Duration::seconds(90));
        let quick = RetryPolicy {
            first_wait: Duration::milliseconds(500),
            ..RetryPolicy::default()
        };
        assert_eq!(quick.backoff(3, None, 0.0), Duration::seconds(2));
    }

    #[test]
    fn retries_give_up_at_expiry_or_after_the_give_up_time() {
        let policy = RetryPolicy {
            give_up_after: Duration::hours(3),
            ..RetryPolicy::default()
        };
        let first = t(0);
        let hour = 3_600_000;
        assert!(!policy.gives_up(first, t(hour), t(hour + 20_000), t(10 * hour)));
        assert!(policy.gives_up(first, t(3 * hour), t(3 * hour + 1), t(10 * hour)));
        // The next attempt would come after the message expires.
        assert!(policy.gives_up(first, t(hour), t(hour + 20_000), t(hour + 10_000)));
    }

    #[test]
    fn only_whatsapp_falls_back_and_only_once() {
        assert_eq!(
            fallback_channel("whatsapp", false, true, Some("sms")),
            Some("sms")
        );
        assert_eq!(fallback_channel("whatsapp", true, true, Some("sms")), None);
        assert_eq!(
            fallback_channel("whatsapp", false, false, Some("sms")),
            None
        );
        assert_eq!(fallback_channel("whatsapp", false, true, None), None);
        assert_eq!(fallback_channel("sms", false, true, Some("sms")), None);
        assert_eq!(
            fallback_channel("whatsapp", false, true, Some("whatsapp")),
            None
        );
    }
}
