//! The client's recovery lag: from the moment a restarted service accepts connections again
//! to the moment a call that was retrying against it succeeds.

use serde::Serialize;

use super::history::Timeline;

/// One measured recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lag {
    pub process: String,
    /// When the process accepted connections again (ms since the start).
    pub up_ms: u64,
    /// The call that recovered (`METHOD anchor`).
    pub call: String,
    pub lag_ms: u64,
}

/// Every recovery in a timeline: for each restart of a process, each call that retried
/// against it before the restart and succeeded after.
pub fn lags(t: &Timeline) -> Vec<Lag> {
    let mut found = Vec::new();
    for (i, up) in t.processes.iter().enumerate() {
        let restarted = up.event == "up"
            && t.processes[..i]
                .iter()
                .any(|e| e.process == up.process && e.event == "exit");
        if !restarted {
            continue;
        }
        // The previous up of the same process bounds the outage this restart ends.
        let since = t.processes[..i]
            .iter()
            .rev()
            .find(|e| e.process == up.process && e.event == "up")
            .map_or(0, |e| e.at_ms);
        for op in &t.ops {
            let call = op.calls.iter().find(|c| {
                c.ok && c.done_ms >= up.at_ms
                    && c.retries
                        .iter()
                        .any(|r| r.service == up.process && r.at_ms < up.at_ms && r.at_ms >= since)
            });
            if let Some(c) = call {
                found.push(Lag {
                    process: up.process.clone(),
                    up_ms: up.at_ms,
                    call: format!("{} {}", c.method, c.anchor),
                    lag_ms: c.done_ms - up.at_ms,
                });
            }
        }
    }
    found
}

/// The median and the maximum of some lags, in ms.
pub fn p50_max(lags: &[u64]) -> Option<(u64, u64)> {
    if lags.is_empty() {
        return None;
    }
    let mut sorted = lags.to_vec();
    sorted.sort_unstable();
    Some((sorted[(sorted.len() - 1) / 2], sorted[sorted.len() - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::history::{CallLog, OpLog, ProcEvent, Retry};

    fn event(at_ms: u64, process: &str, event: &str) -> ProcEvent {
        ProcEvent {
            at_ms,
            process: process.into(),
            event: event.into(),
            detail: String::new(),
        }
    }

    fn call(done_ms: u64, retries: &[(u64, &str)]) -> CallLog {
        CallLog {
            method: "POST".into(),
            anchor: "a".into(),
            status: Some(202),
            attempts: retries.len() as u32 + 1,
            ok: true,
            done_ms,
            retries: retries
                .iter()
                .map(|(at, s)| Retry {
                    at_ms: *at,
                    service: s.to_string(),
                    reason: "connection refused".into(),
                    attempt: 1,
                    next_ms: 100,
                })
                .collect(),
            note: None,
            error: None,
            answer: None,
        }
    }

    #[test]
    fn a_retried_call_after_a_restart_is_measured() {
        let t = Timeline {
            ops: vec![OpLog {
                id: 0,
                step: "apply x".into(),
                invoke_ms: 0,
                complete_ms: Some(2300),
                outcome: None,
                calls: vec![call(50, &[]), call(2250, &[(1100, "dcm"), (1300, "dcm")])],
                quiet_calls: 0,
                error: None,
                resolution: None,
            }],
            faults: vec![],
            processes: vec![
                event(10, "dcm", "up"),
                event(1000, "dcm", "exit"),
                event(2000, "dcm", "up"),
                event(2100, "clm", "up"),
            ],
        };
        assert_eq!(
            lags(&t),
            [Lag {
                process: "dcm".into(),
                up_ms: 2000,
                call: "POST a".into(),
                lag_ms: 250
            }]
        );
    }

    #[test]
    fn percentiles() {
        assert_eq!(p50_max(&[]), None);
        assert_eq!(p50_max(&[300, 100, 200]), Some((200, 300)));
        assert_eq!(p50_max(&[1, 2, 3, 4]), Some((2, 4)));
    }
}
