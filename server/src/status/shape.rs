//! The JSON documents a status query answers, with EMCO's field names and field order
//! (emco-api.md 7.3). Empty strings, maps and lists are left out as Go's `omitempty` does.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::state::StateInfo;

/// Counts by status value; sorted by key, as Go writes maps.
pub type Counts = BTreeMap<String, u64>;

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

/// Group, version and kind, with Go's capitalised field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Gvk {
    #[serde(rename = "Group")]
    pub group: String,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "Kind")]
    pub kind: String,
}

impl Gvk {
    /// From an object's `apiVersion` and `kind`; the core group is "".
    pub fn from_object(obj: &Value) -> Gvk {
        Gvk::from_parts(
            obj["apiVersion"].as_str().unwrap_or(""),
            obj["kind"].as_str().unwrap_or(""),
        )
    }

    pub fn from_parts(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }
}

/// The identity fields in front of every document: the DIG's four, or the cloud's project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(skip_serializing_if = "is_empty")]
    pub project: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub composite_app: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub composite_app_version: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub composite_profile: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub name: String,
}

/// One resource of one app on one cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatus {
    #[serde(rename = "GVK")]
    pub gvk: Gvk,
    #[serde(skip_serializing_if = "is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
    #[serde(skip_serializing_if = "is_empty")]
    pub rsync_status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub cluster_status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub deployed_status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub ready_status: String,
}

/// One cluster of an app. `readyStatus` is the deprecated name of `connectivity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    #[serde(skip_serializing_if = "is_empty")]
    pub cluster_provider: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub cluster: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub ready_status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub connectivity: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AppStatus {
    #[serde(skip_serializing_if = "is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterStatus>,
}

/// The full status. A DIG lists `apps`; a logical cloud flattens its one app into `clusters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FullStatus {
    #[serde(flatten)]
    pub id: Identity,
    pub states: StateInfo,
    #[serde(skip_serializing_if = "is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub deployed_status: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub ready_status: String,
    #[serde(skip_serializing_if = "Counts::is_empty")]
    pub rsync_status: Counts,
    #[serde(skip_serializing_if = "Counts::is_empty")]
    pub cluster_status: Counts,
    #[serde(skip_serializing_if = "Counts::is_empty")]
    pub deployed_counts: Counts,
    #[serde(skip_serializing_if = "Counts::is_empty")]
    pub ready_counts: Counts,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<AppStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterStatus>,
}

/// `?apps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppsList {
    #[serde(flatten)]
    pub id: Identity,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterEntry {
    pub cluster_provider: String,
    pub cluster: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClustersOfApp {
    pub app: String,
    pub clusters: Vec<ClusterEntry>,
}

/// `?clusters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClustersByApp {
    #[serde(flatten)]
    pub id: Identity,
    pub clusters_by_app: Vec<ClustersOfApp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceEntry {
    #[serde(skip_serializing_if = "is_empty")]
    pub name: String,
    #[serde(rename = "GVK")]
    pub gvk: Gvk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesOfApp {
    #[serde(skip_serializing_if = "is_empty")]
    pub app: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub cluster_provider: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub cluster: String,
    pub resources: Vec<ResourceEntry>,
}

/// `?resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesByApp {
    #[serde(flatten)]
    pub id: Identity,
    pub resources_by_app: Vec<ResourcesOfApp>,
}

/// Any status answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StatusDoc {
    Full(Box<FullStatus>),
    Apps(AppsList),
    Clusters(ClustersByApp),
    Resources(ResourcesByApp),
}

impl StatusDoc {
    /// The document as EMCO writes it: JSON in field order, then a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = serde_json::to_vec(self).unwrap_or_default();
        body.push(b'\n');
        body
    }

    /// The document as a JSON value (for comparisons; a value's keys are sorted).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gvk_splits_api_version_with_the_core_group_empty() {
        let core = Gvk::from_object(&json!({"apiVersion": "v1", "kind": "Pod"}));
        assert_eq!(
            (
                core.group.as_str(),
                core.version.as_str(),
                core.kind.as_str()
            ),
            ("", "v1", "Pod")
        );
        let apps = Gvk::from_object(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}));
        assert_eq!((apps.group.as_str(), apps.version.as_str()), ("apps", "v1"));
        assert_eq!(Gvk::from_object(&json!({})), Gvk::default());
    }

    #[test]
    fn fields_come_in_emcos_order_and_empty_ones_are_left_out() {
        let doc = StatusDoc::Full(Box::new(FullStatus {
            id: Identity {
                project: "p".into(),
                composite_app: "ca".into(),
                composite_app_version: "v1".into(),
                composite_profile: "prof".into(),
                name: "dig".into(),
            },
            deployed_status: "Instantiated".into(),
            deployed_counts: Counts::from([("Applied".to_string(), 1)]),
            apps: vec![AppStatus {
                name: "a".into(),
                clusters: vec![ClusterStatus {
                    cluster_provider: "p1".into(),
                    cluster: "c1".into(),
                    connectivity: "Available".into(),
                    resources: vec![ResourceStatus {
                        name: "r".into(),
                        deployed_status: "Applied".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            }],
            ..Default::default()
        }));
        let text = String::from_utf8(doc.to_bytes()).unwrap_or_default();
        assert_eq!(
            text,
            concat!(
                r#"{"project":"p","compositeApp":"ca","compositeAppVersion":"v1","compositeProfile":"prof","#,
                r#""name":"dig","states":{"statusctxid":"","actions":[]},"deployedStatus":"Instantiated","#,
                r#""deployedCounts":{"Applied":1},"apps":[{"name":"a","clusters":[{"clusterProvider":"p1","#,
                r#""cluster":"c1","connectivity":"Available","resources":[{"GVK":{"Group":"","Version":"","#,
                r#""Kind":""},"name":"r","deployedStatus":"Applied"}]}]}]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn listings_always_carry_their_list() {
        let id = Identity {
            project: "p".into(),
            name: "lc".into(),
            ..Default::default()
        };
        let doc = StatusDoc::Clusters(ClustersByApp {
            id: id.clone(),
            clusters_by_app: vec![],
        });
        assert_eq!(
            doc.to_value(),
            json!({"project": "p", "name": "lc", "clustersByApp": []})
        );
        let doc = StatusDoc::Apps(AppsList { id, apps: vec![] });
        assert_eq!(
            doc.to_value(),
            json!({"project": "p", "name": "lc", "apps": []})
        );
    }
}
