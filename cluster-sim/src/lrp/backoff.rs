//! BBS's crash restart policy: the first crashes restart at once, later ones wait 30 s doubling
//! up to 16 minutes, and after 200 crashes an instance is not restarted.

use std::time::Duration;

pub const IMMEDIATE_RESTARTS: i32 = 3;
pub const MAX_BACKOFF: Duration = Duration::from_secs(16 * 60);
pub const MAX_RESTARTS: i32 = 200;
pub const MIN_BACKOFF: Duration = Duration::from_secs(30);
/// A crash after this long running starts the crash count again from one.
pub const CRASH_RESET_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Largest doubling exponent below the maximum wait (BBS: log2(ceil(max / min))).
fn max_backoff_count() -> i32 {
    let total = MAX_BACKOFF.as_secs().div_ceil(MIN_BACKOFF.as_secs());
    (u64::BITS - 1 - total.leading_zeros()) as i32
}

/// How long an instance with this crash count waits before its restart, or `None` if never.
pub fn restart_delay(crash_count: i32) -> Option<Duration> {
    if crash_count < IMMEDIATE_RESTARTS {
        return Some(Duration::ZERO);
    }
    if crash_count >= MAX_RESTARTS {
        return None;
    }
    let exponent = (crash_count - IMMEDIATE_RESTARTS).min(max_backoff_count());
    Some((MIN_BACKOFF * (1u32 << exponent)).min(MAX_BACKOFF))
}

/// BBS `ShouldRestart`: whether a crash at `crashed_at` may restart at `now` (nanoseconds).
pub fn should_restart(now: i64, crashed_at: i64, crash_count: i32) -> bool {
    match restart_delay(crash_count) {
        Some(d) => {
            crashed_at.saturating_add(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)) <= now
        }
        None => false,
    }
}

pub fn should_restart_immediately(crash_count: i32) -> bool {
    should_restart(0, 0, crash_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_matches_bbs() {
        let secs = |c| restart_delay(c).map(|d| d.as_secs());
        assert_eq!(secs(0), Some(0));
        assert_eq!(secs(1), Some(0));
        assert_eq!(secs(2), Some(0));
        assert_eq!(secs(3), Some(30));
        assert_eq!(secs(4), Some(60));
        assert_eq!(secs(5), Some(120));
        assert_eq!(secs(8), Some(960));
        assert_eq!(secs(9), Some(960));
        assert_eq!(secs(199), Some(960));
        assert_eq!(secs(200), None);
        assert!(should_restart_immediately(2));
        assert!(!should_restart_immediately(3));
        let s = 1_000_000_000i64;
        assert!(!should_restart(29 * s, 0, 3));
        assert!(should_restart(30 * s, 0, 3));
    }
}
