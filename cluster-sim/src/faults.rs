//! Faults the harness can switch on: per-request latency, an error rate (HTTP 500 or a dropped
//! connection), and unreachability (new and open connections are closed; state is kept).

use std::sync::RwLock;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// Answer `500 InternalError`.
    #[default]
    Status500,
    /// Drop the connection without an answer.
    Reset,
}

/// The faults in force (`GET /admin/faults`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultState {
    pub latency_ms: u64,
    /// Fraction of requests (0.0..=1.0) that fail.
    pub error_rate: f64,
    pub error_kind: ErrorKind,
    pub unreachable: bool,
}

/// A partial update (`PUT /admin/faults`): absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    pub latency_ms: Option<u64>,
    pub error_rate: Option<f64>,
    pub error_kind: Option<ErrorKind>,
    pub unreachable: Option<bool>,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub delay: Duration,
    pub error: Option<ErrorKind>,
}

pub struct Faults {
    state: RwLock<FaultState>,
    unreachable: watch::Sender<bool>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            state: RwLock::new(FaultState::default()),
            unreachable: watch::channel(false).0,
        }
    }
}

impl Faults {
    pub fn get(&self) -> FaultState {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, patch: FaultPatch) -> Result<FaultState, String> {
        if let Some(r) = patch.error_rate
            && !(0.0..=1.0).contains(&r)
        {
            return Err(format!("error_rate must be between 0 and 1, got {r}"));
        }
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = patch.latency_ms {
            s.latency_ms = v;
        }
        if let Some(v) = patch.error_rate {
            s.error_rate = v;
        }
        if let Some(v) = patch.error_kind {
            s.error_kind = v;
        }
        if let Some(v) = patch.unreachable {
            s.unreachable = v;
        }
        self.unreachable.send_replace(s.unreachable);
        Ok(s.clone())
    }

    pub fn reset(&self) -> FaultState {
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        *s = FaultState::default();
        self.unreachable.send_replace(false);
        s.clone()
    }

    pub fn is_unreachable(&self) -> bool {
        *self.unreachable.borrow()
    }

    /// Changes of reachability, so open connections can be cut when it goes away.
    pub fn watch_unreachable(&self) -> watch::Receiver<bool> {
        self.unreachable.subscribe()
    }

    pub fn decide(&self) -> Decision {
        let s = self.state.read().unwrap_or_else(|e| e.into_inner());
        let error = (s.error_rate > 0.0 && rand::rng().random_bool(s.error_rate.min(1.0)))
            .then_some(s.error_kind);
        Decision {
            delay: Duration::from_millis(s.latency_ms),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_merges_and_validates() {
        let f = Faults::default();
        f.set(FaultPatch {
            latency_ms: Some(5),
            ..Default::default()
        })
        .expect("set");
        let s = f
            .set(FaultPatch {
                error_rate: Some(1.0),
                error_kind: Some(ErrorKind::Reset),
                ..Default::default()
            })
            .expect("set");
        assert_eq!(s.latency_ms, 5);
        assert_eq!(f.decide().error, Some(ErrorKind::Reset));
        assert!(
            f.set(FaultPatch {
                error_rate: Some(2.0),
                ..Default::default()
            })
            .is_err()
        );
        f.set(FaultPatch {
            unreachable: Some(true),
            ..Default::default()
        })
        .expect("set");
        assert!(f.is_unreachable());
        assert_eq!(f.reset(), FaultState::default());
        assert!(!f.is_unreachable());
    }
}
