//! Time as the lifecycle sees it, injectable so that tests of the restart policy never sleep.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Nanoseconds since the Unix epoch.
    fn now_nanos(&self) -> i64;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_nanos(&self) -> i64 {
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct FakeClock(AtomicI64);

impl FakeClock {
    pub fn new(start_nanos: i64) -> Self {
        FakeClock(AtomicI64::new(start_nanos))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(
            i64::try_from(by.as_nanos()).unwrap_or(i64::MAX),
            Ordering::SeqCst,
        );
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new(1_000_000_000_000)
    }
}

impl Clock for FakeClock {
    fn now_nanos(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
