//! Reading the end state: status documents through the client, collections through the
//! client, and each simulated cluster's objects through its Kubernetes API.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

use super::scenario::{CLUSTER_SCOPED, ObjectRef};
use super::wait::{states, status_anchor};
use crate::commands::{GetFormat, GetOptions, Session, Target, run_get};
use crate::output::Captured;

/// What a status document says about a DIG or logical cloud.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusView {
    /// The status could be read and the resource exists.
    pub exists: bool,
    pub deployed: Option<String>,
    pub last_action: Option<String>,
    /// Every recorded action's state, in order.
    pub actions: Vec<String>,
    pub statusctxid: String,
    /// Per cluster (`provider+cluster` reduced to the cluster name), the planned objects.
    pub planned: Vec<(String, ObjectRef)>,
    /// Apps in the status.
    pub apps: Vec<String>,
}

impl StatusView {
    pub fn count(&self, state: &str) -> usize {
        self.actions.iter().filter(|a| *a == state).count()
    }
}

/// One labelled object on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterObject {
    pub obj: ObjectRef,
    /// The `emco/deployment-id` label: `<context id>-<app>`.
    pub deployment_id: String,
}

/// GETs `anchor` through the client (with its retries) and parses the body as JSON.
pub async fn get_json(session: &Session, anchor: &str, limit: Duration) -> Result<Value, String> {
    let mut out = Captured::default();
    let options = GetOptions {
        target: Target::Anchor(anchor.to_string()),
        format: GetFormat::Emco,
    };
    let summary = tokio::time::timeout(limit, run_get(session, &options, &mut out))
        .await
        .map_err(|_| format!("GET {anchor}: no answer within {limit:?}"))?
        .map_err(|e| format!("GET {anchor}: {e}"))?;
    let record = summary
        .records
        .last()
        .ok_or_else(|| format!("GET {anchor}: no call made"))?;
    match (record.status, record.ok) {
        (Some(_), true) => serde_json::from_str(&record.body)
            .map_err(|e| format!("GET {anchor}: body is not JSON: {e}")),
        (Some(code), false) => Err(format!("GET {anchor}: HTTP {code}: {}", record.body.trim())),
        (None, _) => Err(format!(
            "GET {anchor}: {}",
            record.error.as_deref().unwrap_or("no answer")
        )),
    }
}

/// Reads the deployed status of a DIG or logical cloud; a 404 means it does not exist.
pub async fn read_status(session: &Session, anchor: &str) -> Result<StatusView, String> {
    let doc = match get_json(session, &status_anchor(anchor), Duration::from_secs(60)).await {
        Ok(doc) => doc,
        Err(e) if e.contains("HTTP 404") => return Ok(StatusView::default()),
        Err(e) => return Err(e),
    };
    Ok(status_view(&doc))
}

/// The view of one status document.
pub fn status_view(doc: &Value) -> StatusView {
    let (deployed, last) = states(doc);
    let actions = doc["states"]["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["state"].as_str().map(str::to_string))
        .collect();
    let mut planned = Vec::new();
    let mut apps = Vec::new();
    for app in doc["apps"].as_array().into_iter().flatten() {
        apps.extend(app["name"].as_str().map(str::to_string));
        for c in app["clusters"].as_array().into_iter().flatten() {
            let cluster = c["cluster"].as_str().unwrap_or_default().to_string();
            for r in c["resources"].as_array().into_iter().flatten() {
                let kind = r["GVK"]["Kind"].as_str().unwrap_or_default();
                let name = r["name"].as_str().unwrap_or_default();
                let ns = if CLUSTER_SCOPED.contains(&kind) {
                    ""
                } else {
                    "default"
                };
                planned.push((
                    cluster.clone(),
                    ObjectRef {
                        kind: kind.to_string(),
                        namespace: ns.to_string(),
                        name: name.to_string(),
                    },
                ));
            }
        }
    }
    StatusView {
        exists: true,
        deployed: deployed.map(str::to_string),
        last_action: last.map(str::to_string),
        actions,
        statusctxid: doc["states"]["statusctxid"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        planned,
        apps,
    }
}

/// How many items of the collection `anchor` carry `name` (`metadata.name`, `clusterLabel`).
/// A collection that does not answer a list (EMCO's intents answer `{"intent": [...]}`) is
/// counted through its `item` instead: 1 if it exists, else 0.
pub async fn count_named(
    session: &Session,
    anchor: &str,
    name: &str,
    item: &str,
) -> Result<usize, String> {
    let limit = Duration::from_secs(60);
    let doc = get_json(session, anchor, limit).await?;
    if let Some(items) = doc.as_array() {
        return Ok(items
            .iter()
            .filter(|i| {
                i["metadata"]["name"] == name || i["clusterLabel"] == name || i["name"] == name
            })
            .count());
    }
    match get_json(session, item, limit).await {
        Ok(_) => Ok(1),
        Err(e) if e.contains("HTTP 404") => Ok(0),
        Err(e) => Err(e),
    }
}

/// The list endpoints read on every cluster, with the kind of their items.
const LISTS: [(&str, &str); 21] = [
    ("/api/v1/namespaces", "Namespace"),
    ("/api/v1/configmaps", "ConfigMap"),
    ("/api/v1/secrets", "Secret"),
    ("/api/v1/services", "Service"),
    ("/api/v1/serviceaccounts", "ServiceAccount"),
    ("/api/v1/persistentvolumeclaims", "PersistentVolumeClaim"),
    ("/api/v1/resourcequotas", "ResourceQuota"),
    ("/api/v1/pods", "Pod"),
    ("/apis/apps/v1/deployments", "Deployment"),
    ("/apis/apps/v1/statefulsets", "StatefulSet"),
    ("/apis/apps/v1/daemonsets", "DaemonSet"),
    ("/apis/batch/v1/jobs", "Job"),
    ("/apis/batch/v1/cronjobs", "CronJob"),
    ("/apis/networking.k8s.io/v1/ingresses", "Ingress"),
    ("/apis/rbac.authorization.k8s.io/v1/roles", "Role"),
    (
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        "RoleBinding",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "ClusterRole",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "ClusterRoleBinding",
    ),
    (
        "/apis/certificates.k8s.io/v1/certificatesigningrequests",
        "CertificateSigningRequest",
    ),
    (
        "/apis/autoscaling/v2/horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
    ),
    (
        "/apis/k8splugin.io/v1alpha1/resourcebundlestates",
        "ResourceBundleState",
    ),
];

/// The objects rsync put on a cluster: labelled `emco/deployment-id` and owned by nothing
/// (Pods and ReplicaSets of a Deployment are the cluster's own doing).
pub async fn cluster_objects(
    http: &reqwest::Client,
    addr: SocketAddr,
) -> Result<Vec<ClusterObject>, String> {
    let mut found = Vec::new();
    for (path, kind) in LISTS {
        let url = format!("http://{addr}{path}?labelSelector=emco%2Fdeployment-id");
        let response = http
            .get(&url)
            .bearer_auth("chaos")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        // A kind the cluster does not serve has nothing of ours.
        if response.status().as_u16() == 404 {
            continue;
        }
        if !response.status().is_success() {
            return Err(format!("GET {url}: HTTP {}", response.status()));
        }
        let list: Value = response
            .json()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        for item in list["items"].as_array().into_iter().flatten() {
            let meta = &item["metadata"];
            let owned = meta["ownerReferences"]
                .as_array()
                .is_some_and(|o| !o.is_empty());
            if owned {
                continue;
            }
            found.push(ClusterObject {
                obj: ObjectRef {
                    kind: kind.to_string(),
                    namespace: meta["namespace"].as_str().unwrap_or_default().to_string(),
                    name: meta["name"].as_str().unwrap_or_default().to_string(),
                },
                deployment_id: meta["labels"]["emco/deployment-id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
    }
    Ok(found)
}

/// The distinct objects of a list (for messages).
pub fn keys(objects: &[ClusterObject]) -> BTreeSet<ObjectRef> {
    objects.iter().map(|o| o.obj.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_status_document_is_read_into_a_view() {
        let doc = json!({"states": {"statusctxid": "42", "actions": [
            {"state": "Created"}, {"state": "Approved"}, {"state": "Instantiated"}]},
            "deployedStatus": "Instantiated",
            "apps": [{"name": "web", "clusters": [{"clusterProvider": "p", "cluster": "edge01",
              "resources": [{"GVK": {"Kind": "Service"}, "name": "web"},
                            {"GVK": {"Kind": "Namespace"}, "name": "ns"}]}]}]});
        let v = status_view(&doc);
        assert!(v.exists);
        assert_eq!(v.deployed.as_deref(), Some("Instantiated"));
        assert_eq!(v.count("Instantiated"), 1);
        assert_eq!(v.statusctxid, "42");
        assert_eq!(v.apps, ["web"]);
        assert_eq!(v.planned[0].1.to_string(), "Service/default/web");
        assert_eq!(v.planned[1].1.to_string(), "Namespace/ns");
    }
}
