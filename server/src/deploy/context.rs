//! The AppContext: what one instantiation deploys where, and how far it got.
//!
//! The desired part ([`ContextSpec`]) is written once, in the same store transaction as the
//! lifecycle call that created it; rsync writes the observed part (statuses, connectivity,
//! cluster-reported ResourceBundleState) under the same prefix. Keys:
//!
//! ```text
//! /emco/context/<id>/spec                              ContextSpec (JSON)
//! /emco/context/<id>/status/                           {"Status": "Instantiating"}  (AppContext status, 6.1)
//! /emco/context/<id>/stopflag                          true | false
//! /emco/context/<id>/res/<app>/<p+c>/<name+Kind>       {"Status": "Applied"}        (rsync resource status, 6.2)
//! /emco/context/<id>/conn/<app>/<p+c>                  "Available" | "Retrying"     (cluster connectivity)
//! /emco/context/<id>/rbs/<app>/<p+c>                   ResourceBundleState .status  (JSON, from the cluster)
//! /emco/rsync/work/<id>                                WorkItem: what rsync must do with the context
//! /emco/rsync/lease/<id>                               Lease: which rsync process works it
//! ```
//! Resource statuses, connectivity and RBS data are written into the *status* context
//! (`ContextSpec::status_context`), which differs from the context itself only for updates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What kind of owner created the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Owner {
    DeploymentIntentGroup,
    LogicalCloud,
}

/// EMCO's CompositeAppMeta (5.4) plus what rsync needs to find kubeconfigs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextMeta {
    pub owner: Owner,
    pub project: String,
    #[serde(default)]
    pub composite_app: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub composite_profile: String,
    /// Helm release name (DIG `spec.version`).
    #[serde(default)]
    pub release: String,
    #[serde(default)]
    pub deployment_intent_group: String,
    #[serde(default)]
    pub logical_cloud: String,
    /// Namespace resources without one are applied into.
    pub namespace: String,
    /// Kubeconfig level rsync connects with: "0" admin, "1" the logical cloud's user.
    pub level: String,
    /// The context whose statuses this one reports into (itself unless created by an update).
    pub status_context: String,
}

/// One resource of an app on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSpec {
    /// `<metadata.name>+<Kind>`, EMCO's resource key.
    pub name: String,
    /// The rendered manifest (YAML or JSON text), without EMCO labels.
    pub manifest: String,
    /// The manifest's identity, read once when the context is built so that status queries
    /// over thousands of resources need not parse every manifest again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
}

/// apiVersion, kind and name of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

impl ResourceSpec {
    /// A resource with its identity read from the manifest (None when unreadable).
    pub fn new(name: String, manifest: String) -> ResourceSpec {
        let head = crate::status::resources::parse_manifest(&manifest).map(|obj| {
            let s = |p: &str| {
                obj.pointer(p)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            Head {
                api_version: s("/apiVersion"),
                kind: s("/kind"),
                name: s("/metadata/name"),
            }
        });
        ResourceSpec {
            name,
            manifest,
            head,
        }
    }
}

/// An app's placement on one cluster and what to apply there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    pub provider: String,
    pub cluster: String,
    /// Placement group number (5.2).
    pub group: u32,
    /// Resources in install order (no hooks, no CRDs).
    pub resources: Vec<ResourceSpec>,
    /// CustomResourceDefinitions, created before anything else.
    #[serde(default)]
    pub crds: Vec<ResourceSpec>,
    /// Hooks by Helm event (`pre-install`, `post-install`, `pre-delete`, `post-delete`).
    #[serde(default)]
    pub hooks: BTreeMap<String, Vec<ResourceSpec>>,
}

impl ClusterSpec {
    /// EMCO's cluster key, `provider+cluster`.
    pub fn key(&self) -> String {
        format!("{}+{}", self.provider, self.cluster)
    }
}

/// An app dependency: wait for `app` to reach `op_status` (`Ready`/`Deployed`), then `wait` s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub app: String,
    pub op_status: String,
    #[serde(default)]
    pub wait: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSpec {
    pub name: String,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    pub clusters: Vec<ClusterSpec>,
}

/// The desired part of an AppContext, immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextSpec {
    pub id: String,
    pub meta: ContextMeta,
    /// Apps in processing order.
    pub apps: Vec<AppSpec>,
}

impl ContextSpec {
    pub fn app(&self, name: &str) -> Option<&AppSpec> {
        self.apps.iter().find(|a| a.name == name)
    }
}

/// AppContext status values (6.1); `UpdatedFailed` is EMCO's spelling.
pub mod status {
    pub const CREATED: &str = "Created";
    pub const INSTANTIATING: &str = "Instantiating";
    pub const INSTANTIATED: &str = "Instantiated";
    pub const INSTANTIATE_FAILED: &str = "InstantiateFailed";
    pub const TERMINATING: &str = "Terminating";
    pub const TERMINATED: &str = "Terminated";
    pub const TERMINATE_FAILED: &str = "TerminateFailed";
    pub const UPDATING: &str = "Updating";
    pub const UPDATED: &str = "Updated";
    pub const UPDATE_FAILED: &str = "UpdatedFailed";
}

/// Per-resource rsync status values (6.2), plus `Retrying` which we do write.
pub mod resource_status {
    pub const PENDING: &str = "Pending";
    pub const APPLIED: &str = "Applied";
    pub const FAILED: &str = "Failed";
    pub const DELETED: &str = "Deleted";
    pub const RETRYING: &str = "Retrying";
}

/// What rsync must do with a context. Lifecycle calls write it in their transaction; rsync
/// deletes it when done, so a crash anywhere leaves the work recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum WorkItem {
    Instantiate,
    Terminate,
    /// Move from the context `from` to this one (DIG update/rollback, LC update).
    Update {
        from: String,
    },
}

pub mod keys {
    pub fn prefix(id: &str) -> String {
        format!("/emco/context/{id}/")
    }
    pub fn spec(id: &str) -> String {
        format!("/emco/context/{id}/spec")
    }
    pub fn status(id: &str) -> String {
        format!("/emco/context/{id}/status/")
    }
    pub fn stop_flag(id: &str) -> String {
        format!("/emco/context/{id}/stopflag")
    }
    pub fn resource_status(id: &str, app: &str, cluster: &str, resource: &str) -> String {
        format!("/emco/context/{id}/res/{app}/{cluster}/{resource}")
    }
    pub fn resource_statuses(id: &str) -> String {
        format!("/emco/context/{id}/res/")
    }
    pub fn connectivity(id: &str, app: &str, cluster: &str) -> String {
        format!("/emco/context/{id}/conn/{app}/{cluster}")
    }
    pub fn rbs(id: &str, app: &str, cluster: &str) -> String {
        format!("/emco/context/{id}/rbs/{app}/{cluster}")
    }
    pub fn rbs_all(id: &str) -> String {
        format!("/emco/context/{id}/rbs/")
    }
    /// The compact copy of the RBS status (status/compact.rs).
    pub fn rbs_compact(id: &str, app: &str, cluster: &str) -> String {
        format!("/emco/context/{id}/rbsc/{app}/{cluster}")
    }
    pub fn rbs_compact_all(id: &str) -> String {
        format!("/emco/context/{id}/rbsc/")
    }
    pub const WORK: &str = "/emco/rsync/work/";
    pub fn work(id: &str) -> String {
        format!("{WORK}{id}")
    }
    pub fn lease(id: &str) -> String {
        format!("/emco/rsync/lease/{id}")
    }
}

/// A new AppContext id: a random 63-bit number as a decimal string, as EMCO makes them.
pub fn new_id() -> String {
    (rand::random::<u64>() >> 1).max(1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_items_serialize_as_tagged_events() {
        let w = WorkItem::Update { from: "12".into() };
        let text = serde_json::to_string(&w).unwrap_or_default();
        assert_eq!(text, r#"{"event":"update","from":"12"}"#);
        assert_eq!(serde_json::from_str::<WorkItem>(&text).ok(), Some(w));
    }

    #[test]
    fn ids_are_positive_63_bit_decimals() {
        let id = new_id();
        let n: u64 = id.parse().unwrap_or(0);
        assert!(n > 0 && n < (1 << 63));
    }
}
