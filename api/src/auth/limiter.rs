//! In-memory limits on token requests per client address and per username.
//!
//! This is the fast first line, per process. The per-account lockout after
//! repeated failures is kept in the database (`app_user.locked_until`), so
//! it holds across replicas.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fixed-window counter per key.
struct Window {
    started: Instant,
    count: u32,
}

pub struct LoginLimiter {
    per_address: u32,
    per_username: u32,
    window: Duration,
    addresses: Mutex<HashMap<IpAddr, Window>>,
    usernames: Mutex<HashMap<String, Window>>,
}

impl LoginLimiter {
    /// `per_address` attempts per address and `per_username` failed attempts
    /// per username, each per `window`.
    pub fn new(per_address: u32, per_username: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            per_address,
            per_username,
            window,
            addresses: Mutex::new(HashMap::new()),
            usernames: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `address`; `Err(seconds)` when over the limit.
    pub fn check_address(&self, address: IpAddr) -> Result<(), u64> {
        let mut map = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        hit(&mut map, address, self.per_address, self.window)
    }

    /// Whether `address` is over its limit now, without counting this
    /// request (for callers whose successes should not use up the limit).
    pub fn peek_address(&self, address: IpAddr) -> Result<(), u64> {
        let map = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&address) {
            Some(window)
                if window.started.elapsed() < self.window && window.count >= self.per_address =>
            {
                Err(retry_after(window, self.window))
            }
            _ => Ok(()),
        }
    }

    /// Whether `username` may try now (without counting).
    pub fn check_username(&self, username: &str) -> Result<(), u64> {
        let map = self.usernames.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(username) {
            Some(window)
                if window.started.elapsed() < self.window && window.count >= self.per_username =>
            {
                Err(retry_after(window, self.window))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt on `username`.
    pub fn record_failure(&self, username: &str) {
        let mut map = self.usernames.lock().unwrap_or_else(|e| e.into_inner());
        let _ = hit(&mut map, username.to_owned(), u32::MAX, self.window);
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, w| w.started.elapsed() < window);
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut map = self.usernames.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(username);
    }
}

fn retry_after(window: &Window, length: Duration) -> u64 {
    length
        .saturating_sub(window.started.elapsed())
        .as_secs()
        .max(1)
}

fn hit<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Window>,
    key: K,
    limit: u32,
    length: Duration,
) -> Result<(), u64> {
    if map.len() > 100_000 {
        map.retain(|_, w| w.started.elapsed() < length);
    }
    let window = map.entry(key).or_insert(Window {
        started: Instant::now(),
        count: 0,
    });
    if window.started.elapsed() >= length {
        *window = Window {
            started: Instant::now(),
            count: 0,
        };
    }
    if window.count >= limit {
        return Err(retry_after(window, length));
    }
    window.count += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_limited_per_window() {
        let limiter = LoginLimiter::new(3, 5, Duration::from_secs(60));
        let address: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check_address(address).is_ok());
        }
        let retry = limiter.check_address(address).unwrap_err();
        assert!((1..=60).contains(&retry));
        // Another address is not affected.
        assert!(limiter.check_address("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn usernames_lock_after_failures_and_unlock_on_success() {
        let limiter = LoginLimiter::new(100, 2, Duration::from_secs(60));
        assert!(limiter.check_username("kader").is_ok());
        limiter.record_failure("kader");
        assert!(limiter.check_username("kader").is_ok());
        limiter.record_failure("kader");
        assert!(limiter.check_username("kader").is_err());
        limiter.record_success("kader");
        assert!(limiter.check_username("kader").is_ok());
    }

    #[test]
    fn windows_expire() {
        let limiter = LoginLimiter::new(1, 1, Duration::from_millis(20));
        let address: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(limiter.check_address(address).is_ok());
        assert!(limiter.check_address(address).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check_address(address).is_ok());
    }
}
