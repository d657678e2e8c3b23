//! The record of one run: operations (invoke, then ok / fail / info), the calls inside them
//! with their retries, fault windows and process starts, all stamped in ms since the start.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Milliseconds since the start of a run.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    /// Wall-clock start, ms since the Unix epoch (for the reports).
    pub epoch_ms: u64,
}

impl Clock {
    pub fn start() -> Clock {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock {
            start: Instant::now(),
            epoch_ms,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
}

/// How an operation ended, in the vocabulary of history checkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It did what it asked.
    Ok,
    /// The server refused it: it had no effect.
    Fail,
    /// Unknown: it may or may not have taken effect.
    Info,
}

/// One retry notice of the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retry {
    pub at_ms: u64,
    pub service: String,
    pub reason: String,
    pub attempt: u32,
    /// The wait before the next attempt.
    pub next_ms: u64,
}

impl Retry {
    /// The request never reached the server (so resending it is a plain retry).
    pub fn was_refused(&self) -> bool {
        let r = self.reason.to_ascii_lowercase();
        [
            "refused",
            "connect timeout",
            "connect error",
            "trying to connect",
            "dns",
        ]
        .iter()
        .any(|s| r.contains(s))
    }
}

/// One logical HTTP call of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLog {
    pub method: String,
    pub anchor: String,
    pub status: Option<u16>,
    pub attempts: u32,
    pub ok: bool,
    pub done_ms: u64,
    pub retries: Vec<Retry>,
    pub note: Option<String>,
    pub error: Option<String>,
    /// The first line of the answer of a failed call.
    pub answer: Option<String>,
}

impl CallLog {
    /// Resends of a mutating call after an attempt that may have reached the server.
    pub fn reissues(&self) -> usize {
        if self.method == "GET" {
            return 0;
        }
        self.retries.iter().filter(|r| !r.was_refused()).count()
    }
}

/// One operation of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct OpLog {
    pub id: usize,
    /// The step text (`apply instantiate.yaml`).
    pub step: String,
    pub invoke_ms: u64,
    pub complete_ms: Option<u64>,
    pub outcome: Option<Outcome>,
    pub calls: Vec<CallLog>,
    /// Calls not kept in `calls` (status polls that went through at once).
    pub quiet_calls: usize,
    pub error: Option<String>,
    /// For `info` operations: how the outcome was settled at the end.
    pub resolution: Option<String>,
}

impl OpLog {
    pub fn retries(&self) -> usize {
        self.calls.iter().map(|c| c.retries.len()).sum()
    }

    pub fn reissues(&self) -> usize {
        self.calls.iter().map(CallLog::reissues).sum()
    }
}

/// A fault in force from `start_ms` until `end_ms` (the process accepts again, the point is
/// cleared, the cluster is healed).
#[derive(Debug, Clone, Serialize)]
pub struct FaultWindow {
    pub kind: String,
    pub target: String,
    pub detail: String,
    pub start_ms: u64,
    pub end_ms: Option<u64>,
}

/// A process event: `up` (accepting connections) or `exit` (with how it ended).
#[derive(Debug, Clone, Serialize)]
pub struct ProcEvent {
    pub at_ms: u64,
    pub process: String,
    pub event: String,
    pub detail: String,
}

/// Everything recorded in one run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Timeline {
    pub ops: Vec<OpLog>,
    pub faults: Vec<FaultWindow>,
    pub processes: Vec<ProcEvent>,
}

/// The timeline shared by the runner, background operations and the supervisor.
#[derive(Debug, Clone)]
pub struct History {
    pub clock: Clock,
    inner: Arc<Mutex<Timeline>>,
}

impl History {
    pub fn new(clock: Clock) -> History {
        History {
            clock,
            inner: Arc::default(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Timeline> {
        // Nothing panics while holding it; a poisoned lock still has whole records.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn snapshot(&self) -> Timeline {
        self.lock().clone()
    }

    /// Records the invocation of an operation; returns its id.
    pub fn invoke(&self, step: &str) -> usize {
        let at = self.clock.now_ms();
        let mut t = self.lock();
        let id = t.ops.len();
        t.ops.push(OpLog {
            id,
            step: step.to_string(),
            invoke_ms: at,
            complete_ms: None,
            outcome: None,
            calls: Vec::new(),
            quiet_calls: 0,
            error: None,
            resolution: None,
        });
        id
    }

    /// Records how an operation ended.
    pub fn complete(
        &self,
        id: usize,
        outcome: Outcome,
        calls: Vec<CallLog>,
        quiet: usize,
        error: Option<String>,
    ) {
        let at = self.clock.now_ms();
        if let Some(op) = self.lock().ops.get_mut(id) {
            op.complete_ms = Some(at);
            op.outcome = Some(outcome);
            op.calls = calls;
            op.quiet_calls = quiet;
            op.error = error;
        }
    }

    /// Opens a fault window.
    pub fn fault(&self, kind: &str, target: &str, detail: &str) {
        let at = self.clock.now_ms();
        self.lock().faults.push(FaultWindow {
            kind: kind.to_string(),
            target: target.to_string(),
            detail: detail.to_string(),
            start_ms: at,
            end_ms: None,
        });
    }

    /// Closes the open windows of `kinds` on `target`.
    pub fn end_faults(&self, kinds: &[&str], target: &str) {
        let at = self.clock.now_ms();
        for f in self.lock().faults.iter_mut() {
            if f.end_ms.is_none() && f.target == target && kinds.contains(&f.kind.as_str()) {
                f.end_ms = Some(at);
            }
        }
    }

    pub fn process(&self, process: &str, event: &str, detail: &str) {
        let at = self.clock.now_ms();
        self.lock().processes.push(ProcEvent {
            at_ms: at,
            process: process.to_string(),
            event: event.to_string(),
            detail: detail.to_string(),
        });
    }
}

impl Timeline {
    /// When the last fault ended (or started, if one is still open); `None` without faults.
    pub fn last_fault_end(&self) -> Option<u64> {
        self.faults
            .iter()
            .map(|f| f.end_ms.unwrap_or(f.start_ms))
            .max()
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.ops
            .iter()
            .filter(|o| o.outcome == Some(outcome))
            .count()
    }
}
