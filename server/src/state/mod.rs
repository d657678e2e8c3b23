//! StateInfo: the append-only history of lifecycle actions kept beside a DIG, a logical cloud
//! or a cluster (emco-api.md 4.1). The current state is the state of the last action.

use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub state: String,
    pub instance: String,
    pub time: String,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StateInfo {
    pub statusctxid: String,
    pub actions: Vec<Action>,
}

/// RFC 3339 with milliseconds in UTC, as EMCO's timestamps come back from MongoDB.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl StateInfo {
    /// A fresh history with one `Created` action.
    pub fn created() -> StateInfo {
        StateInfo {
            statusctxid: String::new(),
            actions: vec![Action {
                state: "Created".into(),
                instance: String::new(),
                time: now(),
                revision: 0,
            }],
        }
    }

    pub fn current(&self) -> Option<&Action> {
        self.actions.last()
    }

    pub fn current_state(&self) -> &str {
        self.current().map(|a| a.state.as_str()).unwrap_or("")
    }

    /// The instance (AppContext id) of the last action, or "".
    pub fn current_instance(&self) -> String {
        self.current()
            .map(|a| a.instance.clone())
            .unwrap_or_default()
    }

    /// The instance of the most recent action that has one.
    pub fn latest_instance(&self) -> Option<String> {
        self.actions
            .iter()
            .rev()
            .find(|a| !a.instance.is_empty())
            .map(|a| a.instance.clone())
    }

    /// The revision of the last action, or 0.
    pub fn current_revision(&self) -> i64 {
        self.current().map(|a| a.revision).unwrap_or(0)
    }

    pub fn push(&mut self, state: &str, instance: &str, revision: i64) {
        self.actions.push(Action {
            state: state.into(),
            instance: instance.into(),
            time: now(),
            revision,
        });
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<StateInfo, ApiError> {
        serde_json::from_slice(bytes).map_err(|err| {
            tracing::error!(%err, "unreadable StateInfo");
            ApiError::generic()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_history_and_time_format() {
        let mut s = StateInfo::created();
        assert_eq!(s.current_state(), "Created");
        s.push("Approved", "", 0);
        assert_eq!(s.current_state(), "Approved");
        let t = &s.actions[0].time;
        assert!(t.ends_with('Z') && t.len() == 24, "{t}");
        assert_eq!(StateInfo::from_bytes(&s.to_bytes()).ok(), Some(s));
    }
}
