//! Waiting for a status through the client. A state goal runs `emcoctl status --wait-for`'s
//! own wait ([`crate::status::wait`]: the server's stream or polling, riding through refused
//! connections and odd bodies); a resource goal (`Retrying`) polls
//! `.../status?status=deployed` with `emcoctl get`'s code. Every successful read is timed,
//! so the harness can tell when a wait recovered from an outage.

use std::time::Duration;

use serde_json::Value;

use super::history::Clock;
use super::step::Goal;
use crate::commands::{GetFormat, GetOptions, Session, Target, run_get};
use crate::output::Output;
use crate::status::target::FAILED_STATES;
use crate::status::{Progress, Subject, WaitOutcome, WaitRequest, WaitTarget, wait};

/// How often a resource goal reads the status.
const POLL: Duration = Duration::from_millis(200);

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitEnd {
    /// The goal was seen; the text says what was seen.
    Reached(String),
    /// A failed state was seen, or the wait could not run.
    Failed(String),
    /// The limit passed; the last state seen, if any.
    TimedOut(Option<String>),
}

/// When each successful status read happened (ms since the run's start).
#[derive(Debug, Clone)]
pub struct Reads {
    clock: Clock,
    pub at_ms: Vec<u64>,
}

impl Reads {
    pub fn new(clock: Clock) -> Reads {
        Reads {
            clock,
            at_ms: Vec::new(),
        }
    }

    fn mark(&mut self) {
        self.at_ms.push(self.clock.now_ms());
    }
}

/// Every document the status wait judges is a successful read; notices go to the output.
impl Progress for Reads {
    fn update(&mut self, _line: &str, _out: &mut dyn Output) {
        self.mark();
    }

    fn note(&mut self, line: &str, out: &mut dyn Output) {
        out.err(line);
    }

    fn finish(&mut self) {}
}

/// The status anchor for a DIG or logical cloud anchor (`.../status?status=deployed`);
/// an anchor that already names a status is kept.
pub fn status_anchor(anchor: &str) -> String {
    if anchor.contains("/status") {
        anchor.to_string()
    } else {
        format!("{anchor}/status?status=deployed")
    }
}

/// The deployed status and the state of the last recorded action of a status document.
pub fn states(doc: &Value) -> (Option<&str>, Option<&str>) {
    let deployed = doc["deployedStatus"]
        .as_str()
        .or_else(|| doc["status"].as_str());
    let last = doc["states"]["actions"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a["state"].as_str());
    (deployed, last)
}

/// Every resource status and cluster connectivity in a status document.
pub fn resource_statuses(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut clusters: Vec<&Value> = doc["clusters"].as_array().into_iter().flatten().collect();
    for app in doc["apps"].as_array().into_iter().flatten() {
        clusters.extend(app["clusters"].as_array().into_iter().flatten());
    }
    for c in clusters {
        for key in ["connectivity", "readyStatus"] {
            if let Some(s) = c[key].as_str() {
                found.push(s.to_string());
            }
        }
        for r in c["resources"].as_array().into_iter().flatten() {
            for key in ["deployedStatus", "rsyncStatus"] {
                if let Some(s) = r[key].as_str() {
                    found.push(s.to_string());
                }
            }
        }
    }
    found
}

/// What one status document means for the goal.
pub fn judge(goal: &Goal, doc: &Value) -> Option<WaitEnd> {
    let (deployed, last) = states(doc);
    match goal {
        Goal::State(target) => {
            let is_target = |s: Option<&str>| s == Some(target.as_str());
            if is_target(deployed) && (last.is_none() || is_target(last)) {
                return Some(WaitEnd::Reached(deployed.unwrap_or_default().to_string()));
            }
            let failed = deployed.filter(|s| FAILED_STATES.contains(s));
            failed.map(|s| WaitEnd::Failed(format!("deployedStatus {s}")))
        }
        Goal::Resource(status) => resource_statuses(doc)
            .iter()
            .any(|s| s == status)
            .then(|| WaitEnd::Reached(format!("a resource or cluster shows {status}"))),
    }
}

/// Waits until `goal` or `timeout`; `reads` gets the time of every successful read.
pub async fn wait_for(
    session: &Session,
    anchor: &str,
    goal: &Goal,
    timeout: Duration,
    out: &mut dyn Output,
    reads: &mut Reads,
) -> WaitEnd {
    match goal {
        Goal::State(state) => wait_state(session, anchor, state, timeout, out, reads).await,
        Goal::Resource(_) => poll(session, anchor, goal, timeout, out, reads).await,
    }
}

async fn wait_state(
    session: &Session,
    anchor: &str,
    state: &str,
    timeout: Duration,
    out: &mut dyn Output,
    reads: &mut Reads,
) -> WaitEnd {
    let request = match (Subject::parse(anchor), state.parse::<WaitTarget>()) {
        (Ok(subject), Ok(target)) => WaitRequest::new(subject, target, timeout),
        (Err(e), _) => return WaitEnd::Failed(e.to_string()),
        (_, Err(e)) => return WaitEnd::Failed(e.to_string()),
    };
    match wait(session, &request, out, reads).await {
        Ok(WaitOutcome::Reached { state, .. }) => WaitEnd::Reached(state),
        Ok(WaitOutcome::Failed { state, failing, .. }) => {
            WaitEnd::Failed(format!("{state} ({} resources failed)", failing.len()))
        }
        Ok(WaitOutcome::TimedOut { last_state, .. }) => WaitEnd::TimedOut(last_state),
        Err(e) => WaitEnd::Failed(e.to_string()),
    }
}

/// Reads the status every [`POLL`] until the goal shows up.
async fn poll(
    session: &Session,
    anchor: &str,
    goal: &Goal,
    timeout: Duration,
    out: &mut dyn Output,
    reads: &mut Reads,
) -> WaitEnd {
    let deadline = tokio::time::Instant::now() + timeout;
    let options = GetOptions {
        target: Target::Anchor(status_anchor(anchor)),
        format: GetFormat::Emco,
    };
    let mut last_seen = None;
    loop {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let got = tokio::time::timeout(remaining, run_get(session, &options, out)).await;
        if let Ok(Ok(summary)) = got
            && let Some(record) = summary.records.last().filter(|r| r.ok)
            && let Ok(doc) = serde_json::from_str::<Value>(&record.body)
        {
            reads.mark();
            if let Some(end) = judge(goal, &doc) {
                return end;
            }
            last_seen = states(&doc).0.map(str::to_string);
        }
        if tokio::time::Instant::now() + POLL > deadline {
            return WaitEnd::TimedOut(last_seen);
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(deployed: &str, last: &str) -> Value {
        json!({"deployedStatus": deployed, "states": {"actions": [{"state": "Created"}, {"state": last}]}})
    }

    #[test]
    fn states_need_the_deployed_status_and_the_last_action() {
        let goal = Goal::State("Terminated".into());
        assert_eq!(judge(&goal, &doc("Terminating", "Terminated")), None);
        assert_eq!(
            judge(&goal, &doc("Terminated", "Terminated")),
            Some(WaitEnd::Reached("Terminated".into()))
        );
        // An old context that is Terminated does not count while a new instantiate is recorded.
        assert_eq!(judge(&goal, &doc("Terminated", "Instantiated")), None);
        assert!(matches!(
            judge(&goal, &doc("TerminateFailed", "Terminated")),
            Some(WaitEnd::Failed(_))
        ));
    }

    #[test]
    fn resource_statuses_are_found_in_apps_and_flat_clusters() {
        let dig = json!({"apps": [{"name": "web", "clusters": [{"connectivity": "Available",
            "resources": [{"name": "r", "deployedStatus": "Retrying"}]}]}]});
        assert!(judge(&Goal::Resource("Retrying".into()), &dig).is_some());
        let lc = json!({"clusters": [{"connectivity": "Retrying", "resources": []}]});
        assert!(judge(&Goal::Resource("Retrying".into()), &lc).is_some());
        assert!(judge(&Goal::Resource("Applied".into()), &lc).is_none());
    }

    #[test]
    fn status_anchors() {
        assert_eq!(
            status_anchor("projects/p/logical-clouds/l"),
            "projects/p/logical-clouds/l/status?status=deployed"
        );
        assert_eq!(
            status_anchor("x/status?status=ready"),
            "x/status?status=ready"
        );
    }
}
