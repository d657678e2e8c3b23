//! Waiting for a status through the client: polls `.../status?status=deployed` with the same
//! `get` code as `emcoctl get` (so refused connections and odd bodies are ridden through by
//! the client's retries) until a state or a resource status shows up.
//!
//! This is the harness's single entry point for status waits; `emcoctl status --wait-for`
//! can replace the loop here without changing any caller.

use std::time::Duration;

use serde_json::Value;

use super::step::Goal;
use crate::commands::{GetFormat, GetOptions, Session, Target, run_get};
use crate::output::Output;

/// How often the status is read.
const POLL: Duration = Duration::from_millis(200);

/// States that end a wait with a failure.
pub const FAILED_STATES: [&str; 2] = ["InstantiateFailed", "TerminateFailed"];

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitEnd {
    /// The goal was seen; the text says what was seen.
    Reached(String),
    /// A failed state was seen.
    Failed(String),
    /// The limit passed; the last state seen, if any.
    TimedOut(Option<String>),
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
        Goal::State(targets) => {
            let is_target = |s: Option<&str>| s.is_some_and(|s| targets.iter().any(|t| t == s));
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

/// Polls the status of `anchor` until `goal` or `timeout`.
pub async fn wait_for(
    session: &Session,
    anchor: &str,
    goal: &Goal,
    timeout: Duration,
    out: &mut dyn Output,
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
        let goal = Goal::State(vec!["Terminated".into()]);
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
        assert_eq!(status_anchor("projects/p/logical-clouds/l"), "projects/p/logical-clouds/l/status?status=deployed");
        assert_eq!(status_anchor("x/status?status=ready"), "x/status?status=ready");
    }
}
