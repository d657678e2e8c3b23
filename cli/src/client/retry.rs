//! The retry budget: exponential backoff with jitter, bounded by an overall deadline.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use tokio::time::Instant;

use super::classify::{Failure, FailureKind};

/// How long and how often a failed call is tried again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// First delay.
    pub min_delay: Duration,
    /// Growth of the delay per attempt.
    pub factor: f32,
    /// Cap of one delay (before jitter).
    pub max_delay: Duration,
    /// Overall time one logical call may take; zero disables retries.
    pub timeout: Duration,
    /// Adds up to 100% random jitter to each delay, so clients do not retry in lockstep.
    pub jitter: bool,
    /// Cap of one delay while connections are refused: a refused connect costs the server
    /// nothing, and a restarted service is found within this long of accepting again.
    pub refused_max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            min_delay: Duration::from_millis(100),
            factor: 2.0,
            max_delay: Duration::from_secs(2),
            timeout: Duration::from_secs(300),
            jitter: true,
            refused_max_delay: Duration::from_millis(500),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            timeout: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    pub(crate) fn schedule(&self) -> Schedule {
        Schedule {
            policy: self.clone(),
            backoff: self.backoff(),
            deadline: (!self.timeout.is_zero()).then(|| Instant::now() + self.timeout),
        }
    }

    /// The delays alone, without the overall deadline (for callers with their own).
    pub fn backoff(&self) -> ExponentialBackoff {
        let mut builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_factor(self.factor)
            .with_max_delay(self.max_delay)
            .without_max_times();
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// The delay after a failure of `kind`, given the backoff's `computed` delay. While
    /// connections are refused, the delay stays within `refused_max_delay` (drawn from its
    /// upper half, so clients still spread out); other failures keep the backoff.
    pub fn delay_for(&self, kind: FailureKind, computed: Duration) -> Duration {
        let cap = self.refused_max_delay;
        if kind != FailureKind::Refused || cap.is_zero() || computed <= cap {
            return computed;
        }
        if !self.jitter {
            return cap;
        }
        let half = cap / 2;
        half + Duration::from_millis(rand::random_range(0..=half.as_millis() as u64))
    }
}

/// The delays of one logical call.
pub(crate) struct Schedule {
    policy: RetryPolicy,
    backoff: ExponentialBackoff,
    deadline: Option<Instant>,
}

impl Schedule {
    /// The delay before the next attempt after `failure`, or `None` when the budget is
    /// spent. A server's `Retry-After` replaces the computed delay.
    pub(crate) fn next_delay(&mut self, failure: &Failure) -> Option<Duration> {
        let remaining = self.deadline?.checked_duration_since(Instant::now())?;
        if remaining.is_zero() {
            return None;
        }
        let computed = self.policy.delay_for(failure.kind, self.backoff.next()?);
        Some(failure.retry_after.unwrap_or(computed).min(remaining))
    }
}

/// A duration as Go prints it, in short form: `400ms`, `1.6s`, `2s`, `5m0s`, `1h2m3s`
/// (whole seconds from a minute up).
pub fn format_delay(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if d.as_secs() >= 60 {
        let secs = d.as_secs();
        return match (secs / 3600, secs % 3600 / 60, secs % 60) {
            (0, m, s) => format!("{m}m{s}s"),
            (h, m, s) => format!("{h}h{m}m{s}s"),
        };
    }
    let secs = format!("{:.3}", d.as_secs_f64());
    let secs = secs.trim_end_matches('0').trim_end_matches('.');
    format!("{secs}s")
}

/// Parses a duration flag: `0`, `30` (seconds), `500ms`, `30s`, `5m`, `1h`, or sums such as `1m30s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let bad = || format!("invalid duration {text:?} (use e.g. 500ms, 30s, 5m, 1h)");
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let rest_unit = &rest[digits..];
        let unit_len = rest_unit
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest_unit.len());
        let part = match &rest_unit[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value.saturating_mul(60)),
            "h" => Duration::from_secs(value.saturating_mul(3600)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(part);
        rest = &rest_unit[unit_len..];
    }
    if text.is_empty() {
        Err(bad())
    } else {
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure that may have reached the server (the backoff applies unchanged).
    fn in_doubt(retry_after: Option<Duration>) -> Failure {
        Failure {
            kind: FailureKind::InDoubt,
            reason: "connection reset by peer".into(),
            retry_after,
        }
    }

    fn refused() -> Failure {
        Failure {
            kind: FailureKind::Refused,
            reason: "connection refused".into(),
            retry_after: None,
        }
    }

    #[test]
    fn delays_grow_and_cap_without_jitter() {
        let policy = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let mut s = policy.schedule();
        let got: Vec<u128> = (0..7)
            .map(|_| s.next_delay(&in_doubt(None)).unwrap().as_millis())
            .collect();
        assert_eq!(got, [100, 200, 400, 800, 1600, 2000, 2000]);
    }

    #[test]
    fn jitter_stays_within_one_delay() {
        let mut s = RetryPolicy::default().schedule();
        for base in [100u128, 200, 400, 800, 1600, 2000, 2000] {
            let d = s.next_delay(&in_doubt(None)).unwrap().as_millis();
            assert!(
                (base..=2 * base).contains(&d),
                "{d} not in {base}..={}",
                2 * base
            );
        }
    }

    #[test]
    fn refused_connections_retry_within_the_refused_cap() {
        let mut s = RetryPolicy::default().schedule();
        let got: Vec<u128> = (0..12)
            .map(|_| s.next_delay(&refused()).unwrap().as_millis())
            .collect();
        // The backoff's own delays below the cap, then the cap's upper half.
        assert!((100..=200).contains(&got[0]), "{got:?}");
        for d in &got[3..] {
            assert!((250..=500).contains(d), "{got:?}");
        }
        let exact = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(
            exact.delay_for(FailureKind::Refused, Duration::from_secs(2)),
            Duration::from_millis(500)
        );
        assert_eq!(
            exact.delay_for(FailureKind::Transient, Duration::from_secs(2)),
            Duration::from_secs(2)
        );
        let uncapped = RetryPolicy {
            refused_max_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(
            uncapped.delay_for(FailureKind::Refused, Duration::from_secs(2)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn zero_timeout_disables_retries() {
        let mut s = RetryPolicy::disabled().schedule();
        assert_eq!(s.next_delay(&in_doubt(None)), None);
    }

    #[test]
    fn retry_after_replaces_the_delay_but_not_the_deadline() {
        let policy = RetryPolicy {
            timeout: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        let mut s = policy.schedule();
        let d = s
            .next_delay(&in_doubt(Some(Duration::from_secs(1))))
            .unwrap();
        assert_eq!(d, Duration::from_secs(1));
        let d = s
            .next_delay(&in_doubt(Some(Duration::from_secs(60))))
            .unwrap();
        assert!(d <= Duration::from_secs(2), "{d:?}");
    }

    #[test]
    fn spent_budget_stops() {
        let policy = RetryPolicy {
            timeout: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let mut s = policy.schedule();
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(5) {
            std::hint::spin_loop();
        }
        assert_eq!(s.next_delay(&in_doubt(None)), None);
    }

    #[test]
    fn duration_flags() {
        let p = |s| parse_duration(s).unwrap();
        assert_eq!(p("0"), Duration::ZERO);
        assert_eq!(p("30"), Duration::from_secs(30));
        assert_eq!(p("500ms"), Duration::from_millis(500));
        assert_eq!(p("5m"), Duration::from_secs(300));
        assert_eq!(p("1h"), Duration::from_secs(3600));
        assert_eq!(p("1m30s"), Duration::from_secs(90));
        for bad in ["", "m", "5x", "1.5s", "-1s", "s5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn delay_format() {
        assert_eq!(format_delay(Duration::from_millis(400)), "400ms");
        assert_eq!(format_delay(Duration::from_millis(1600)), "1.6s");
        assert_eq!(format_delay(Duration::from_secs(2)), "2s");
        assert_eq!(format_delay(Duration::from_millis(1234)), "1.234s");
        assert_eq!(format_delay(Duration::ZERO), "0ms");
        assert_eq!(format_delay(Duration::from_millis(300_400)), "5m0s");
        assert_eq!(format_delay(Duration::from_secs(3723)), "1h2m3s");
    }
}
