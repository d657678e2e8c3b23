//! Workload instances as Diego BBS ActualLRPs: the records, their lifecycle rules and the
//! restart policy, with the BBS field names on the wire.

pub mod api;
pub mod backoff;
pub mod clock;
pub mod db;
mod evacuation;
pub mod table;

use serde::{Deserialize, Serialize};

pub use clock::{Clock, FakeClock, SystemClock};
pub use db::LrpDb;

/// Which desired instance: the process (a Pod's uid here) and its index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ActualLrpKey {
    #[serde(default)]
    pub process_guid: String,
    #[serde(default)]
    pub index: i32,
    #[serde(default)]
    pub domain: String,
}

/// Which running copy, on which cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InstanceKey {
    #[serde(default)]
    pub instance_guid: String,
    #[serde(default)]
    pub cell_id: String,
}

impl InstanceKey {
    pub fn is_empty(&self) -> bool {
        self.instance_guid.is_empty() && self.cell_id.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    #[serde(default)]
    pub container_port: u32,
    #[serde(default)]
    pub host_port: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetInfo {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    #[serde(default)]
    pub instance_address: String,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    #[default]
    Unclaimed,
    Claimed,
    Running,
    Crashed,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Presence {
    #[default]
    Ordinary,
    Evacuating,
    Suspect,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModificationTag {
    pub epoch: String,
    pub index: u32,
}

/// The Pod an instance belongs to (a simulator addition to the BBS record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
    /// Job Pods run to completion instead of being kept running.
    #[serde(default)]
    pub run_to_completion: bool,
    /// The cell the Pod is pinned to (`spec.nodeName`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualLrp {
    #[serde(flatten)]
    pub key: ActualLrpKey,
    #[serde(flatten)]
    pub instance_key: InstanceKey,
    #[serde(flatten)]
    pub net_info: NetInfo,
    #[serde(default)]
    pub crash_count: i32,
    #[serde(default)]
    pub crash_reason: String,
    pub state: State,
    /// Nanoseconds since the epoch of the last state change.
    pub since: i64,
    #[serde(default)]
    pub modification_tag: ModificationTag,
    #[serde(default)]
    pub placement_error: String,
    #[serde(default)]
    pub presence: Presence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodRef>,
}

/// A refusal, named as BBS names it (`type`) with BBS's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct BbsError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl BbsError {
    fn new(kind: &str, message: &str) -> Self {
        BbsError {
            kind: kind.to_string(),
            message: message.to_string(),
        }
    }
    pub fn cannot_be_claimed() -> Self {
        Self::new("ActualLRPCannotBeClaimed", "cannot claim actual LRP")
    }
    pub fn cannot_be_started() -> Self {
        Self::new("ActualLRPCannotBeStarted", "cannot start actual LRP")
    }
    pub fn cannot_be_crashed() -> Self {
        Self::new("ActualLRPCannotBeCrashed", "cannot crash actual LRP")
    }
    pub fn cannot_be_failed() -> Self {
        Self::new("ActualLRPCannotBeFailed", "cannot fail actual LRP")
    }
    pub fn cannot_be_removed() -> Self {
        Self::new("ActualLRPCannotBeRemoved", "cannot remove actual LRP")
    }
    pub fn not_found() -> Self {
        Self::new(
            "ResourceNotFound",
            "the requested resource could not be found",
        )
    }
    pub fn invalid_request(message: &str) -> Self {
        Self::new("InvalidRequest", message)
    }
}
