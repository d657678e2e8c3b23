//! What a wait waits for: an AppContext status (`Instantiated`, `Terminated`, ...) or `Ready`,
//! and how a status document is judged against it.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::doc::StatusDoc;
use super::query::StatusMode;

/// The AppContext status values (emco-api.md 6.1).
pub const CONTEXT_STATES: [&str; 10] = [
    "Created",
    "Instantiating",
    "Instantiated",
    "InstantiateFailed",
    "Terminating",
    "Terminated",
    "TerminateFailed",
    "Updating",
    "Updated",
    "UpdatedFailed",
];

/// The states in which rsync has given up on an operation.
pub const FAILED_STATES: [&str; 3] = ["InstantiateFailed", "TerminateFailed", "UpdatedFailed"];

/// The state a wait ends at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitTarget {
    /// An AppContext status, as reported in `deployedStatus` (`status=deployed`).
    State(&'static str),
    /// Instantiated and every resource ready: `readyStatus` `Ready` (`status=ready`).
    Ready,
}

/// A target name that is neither an AppContext status nor `Ready`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state {0:?}: use Ready or one of {states}", states = CONTEXT_STATES.join(", "))]
pub struct TargetError(pub String);

/// Where a status document stands with respect to a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The target is reached; the state reached.
    Reached(String),
    /// rsync gave up: the failed state.
    Failed(String),
    /// Not yet; the current state, if the document shows one.
    Pending(Option<String>),
}

impl FromStr for WaitTarget {
    type Err = TargetError;

    /// Case-insensitive: `instantiated` and `Instantiated` are the same target.
    fn from_str(s: &str) -> Result<WaitTarget, TargetError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("Ready") {
            return Ok(WaitTarget::Ready);
        }
        CONTEXT_STATES
            .iter()
            .find(|state| state.eq_ignore_ascii_case(s))
            .map(|state| WaitTarget::State(state))
            .ok_or_else(|| TargetError(s.to_string()))
    }
}

impl fmt::Display for WaitTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl WaitTarget {
    /// The target a lifecycle call leads to (`instantiate` -> `Instantiated`, `terminate` ->
    /// `Terminated`); `None` for other calls.
    pub fn after(operation: &str) -> Option<WaitTarget> {
        match operation {
            "instantiate" => Some(WaitTarget::State("Instantiated")),
            "terminate" => Some(WaitTarget::State("Terminated")),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            WaitTarget::State(s) => s,
            WaitTarget::Ready => "Ready",
        }
    }

    /// The status mode whose document decides.
    pub fn mode(&self) -> StatusMode {
        match self {
            WaitTarget::State(_) => StatusMode::Deployed,
            WaitTarget::Ready => StatusMode::Ready,
        }
    }

    /// The failed states that end a wait for this target. A terminate starts from
    /// `InstantiateFailed` or `UpdatedFailed`, so only `TerminateFailed` ends a wait for
    /// `Terminated`; a failed state asked for is a target, not a failure.
    pub fn failures(&self) -> &'static [&'static str] {
        match self {
            WaitTarget::State(s) if FAILED_STATES.contains(s) => &[],
            WaitTarget::State("Terminating" | "Terminated") => &["TerminateFailed"],
            _ => &FAILED_STATES,
        }
    }

    /// Judges a status document of this target's [`mode`](Self::mode).
    pub fn judge(&self, status: &Value) -> Judgement {
        let doc = StatusDoc(status);
        let deployed = doc.deployed_status();
        if let Some(state) = deployed.filter(|s| self.failures().contains(s)) {
            return Judgement::Failed(state.to_string());
        }
        let reached = match self {
            WaitTarget::State(target) => deployed == Some(*target),
            // Readiness counts only once rsync has applied everything.
            WaitTarget::Ready => {
                matches!(deployed, Some("Instantiated" | "Updated"))
                    && doc.ready_status() == Some("Ready")
            }
        };
        if reached {
            Judgement::Reached(self.name().to_string())
        } else {
            Judgement::Pending(doc.state())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> WaitTarget {
        s.parse().unwrap()
    }

    #[test]
    fn targets_parse_case_insensitively() {
        assert_eq!(t("Instantiated"), WaitTarget::State("Instantiated"));
        assert_eq!(t("terminated"), WaitTarget::State("Terminated"));
        assert_eq!(t(" READY "), WaitTarget::Ready);
        let err = "Deployed".parse::<WaitTarget>().unwrap_err();
        assert!(
            err.to_string()
                .contains("use Ready or one of Created, Instantiating"),
            "{err}"
        );
        assert_eq!(t("Ready").mode(), StatusMode::Ready);
        assert_eq!(t("Instantiated").mode(), StatusMode::Deployed);
    }

    #[test]
    fn lifecycle_operations_lead_to_targets() {
        assert_eq!(WaitTarget::after("instantiate"), Some(t("Instantiated")));
        assert_eq!(WaitTarget::after("terminate"), Some(t("Terminated")));
        assert_eq!(WaitTarget::after("approve"), None);
    }

    fn doc(deployed: Option<&str>, ready: Option<&str>) -> Value {
        let mut v = json!({"name": "x", "states": {"actions": [{"state": "Instantiated", "instance": "1"}]}});
        if let Some(d) = deployed {
            v["deployedStatus"] = json!(d);
        }
        if let Some(r) = ready {
            v["readyStatus"] = json!(r);
        }
        v
    }

    #[test]
    fn states_are_matched_on_the_deployed_status() {
        use Judgement::*;
        let inst = t("Instantiated");
        assert_eq!(
            inst.judge(&doc(Some("Instantiated"), None)),
            Reached("Instantiated".into())
        );
        assert_eq!(
            inst.judge(&doc(Some("Instantiating"), None)),
            Pending(Some("Instantiating".into()))
        );
        // Before rsync has seen the context, the lifecycle state is what there is to show.
        assert_eq!(
            inst.judge(&doc(None, None)),
            Pending(Some("Instantiated".into()))
        );
        for failed in FAILED_STATES {
            assert_eq!(inst.judge(&doc(Some(failed), None)), Failed(failed.into()));
        }
    }

    #[test]
    fn terminate_may_start_from_a_failed_instantiation() {
        use Judgement::*;
        let term = t("Terminated");
        assert_eq!(
            term.judge(&doc(Some("InstantiateFailed"), None)),
            Pending(Some("InstantiateFailed".into()))
        );
        assert_eq!(
            term.judge(&doc(Some("UpdatedFailed"), None)),
            Pending(Some("UpdatedFailed".into()))
        );
        assert_eq!(
            term.judge(&doc(Some("TerminateFailed"), None)),
            Failed("TerminateFailed".into())
        );
        assert_eq!(
            term.judge(&doc(Some("Terminated"), None)),
            Reached("Terminated".into())
        );
        // Asking for a failed state makes it a target.
        let f = t("InstantiateFailed");
        assert_eq!(
            f.judge(&doc(Some("InstantiateFailed"), None)),
            Reached("InstantiateFailed".into())
        );
    }

    #[test]
    fn ready_needs_instantiated_and_ready() {
        use Judgement::*;
        let ready = WaitTarget::Ready;
        assert_eq!(
            ready.judge(&doc(Some("Instantiated"), Some("Ready"))),
            Reached("Ready".into())
        );
        assert_eq!(
            ready.judge(&doc(Some("Updated"), Some("Ready"))),
            Reached("Ready".into())
        );
        assert_eq!(
            ready.judge(&doc(Some("Instantiating"), Some("Ready"))),
            Pending(Some("Instantiating".into()))
        );
        assert_eq!(
            ready.judge(&doc(Some("Instantiated"), Some("NotReady"))),
            Pending(Some("Instantiated".into()))
        );
        assert_eq!(
            ready.judge(&doc(Some("InstantiateFailed"), Some("Ready"))),
            Failed("InstantiateFailed".into())
        );
    }
}
