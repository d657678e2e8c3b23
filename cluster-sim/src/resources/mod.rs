//! The resource types the API server serves: the built-in kinds plus those added by CRDs.

use std::sync::{Arc, RwLock};

use serde_json::Value;

mod crd;
pub use crd::crd_types;

/// Key of a resource type in the store: `group/plural` (the core group is empty).
pub type ResKey = Arc<str>;

/// One served resource type (one group/version/plural).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// Has a `/status` subresource: writes to the main resource keep the stored status.
    pub status: bool,
    /// Defined by a CustomResourceDefinition (removed with it).
    pub custom: bool,
    pub key: ResKey,
}

impl ResourceType {
    fn builtin(
        gv: &str,
        kind: &str,
        plural: &str,
        namespaced: bool,
        short: &[&str],
        status: bool,
    ) -> Self {
        let (group, version) = split_api_version(gv);
        ResourceType {
            key: res_key(&group, plural),
            group,
            version,
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: kind.to_lowercase(),
            namespaced,
            short_names: short.iter().map(|s| s.to_string()).collect(),
            status,
            custom: false,
        }
    }

    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

pub fn res_key(group: &str, plural: &str) -> ResKey {
    Arc::from(format!("{group}/{plural}"))
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// Well-known store keys of the kinds the controllers and the monitor work on.
pub mod keys {
    pub const NAMESPACES: &str = "/namespaces";
    pub const PODS: &str = "/pods";
    pub const SERVICES: &str = "/services";
    pub const CONFIGMAPS: &str = "/configmaps";
    pub const NODES: &str = "/nodes";
    pub const DEPLOYMENTS: &str = "apps/deployments";
    pub const REPLICASETS: &str = "apps/replicasets";
    pub const STATEFULSETS: &str = "apps/statefulsets";
    pub const DAEMONSETS: &str = "apps/daemonsets";
    pub const JOBS: &str = "batch/jobs";
    pub const CSRS: &str = "certificates.k8s.io/certificatesigningrequests";
    pub const CRDS: &str = "apiextensions.k8s.io/customresourcedefinitions";
    pub const RBS: &str = "k8splugin.io/resourcebundlestates";
}

fn builtins() -> Vec<ResourceType> {
    use ResourceType as R;
    vec![
        R::builtin("v1", "Namespace", "namespaces", false, &["ns"], true),
        R::builtin("v1", "ConfigMap", "configmaps", true, &["cm"], false),
        R::builtin("v1", "Secret", "secrets", true, &[], false),
        R::builtin("v1", "Service", "services", true, &["svc"], true),
        R::builtin(
            "v1",
            "ServiceAccount",
            "serviceaccounts",
            true,
            &["sa"],
            false,
        ),
        R::builtin("v1", "Pod", "pods", true, &["po"], true),
        R::builtin(
            "v1",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            true,
            &["pvc"],
            true,
        ),
        R::builtin(
            "v1",
            "ResourceQuota",
            "resourcequotas",
            true,
            &["quota"],
            true,
        ),
        R::builtin("v1", "LimitRange", "limitranges", true, &["limits"], false),
        R::builtin("v1", "Event", "events", true, &["ev"], false),
        R::builtin("v1", "Endpoints", "endpoints", true, &["ep"], false),
        R::builtin("v1", "Node", "nodes", false, &["no"], true),
        R::builtin(
            "apps/v1",
            "Deployment",
            "deployments",
            true,
            &["deploy"],
            true,
        ),
        R::builtin(
            "apps/v1",
            "StatefulSet",
            "statefulsets",
            true,
            &["sts"],
            true,
        ),
        R::builtin("apps/v1", "DaemonSet", "daemonsets", true, &["ds"], true),
        R::builtin("apps/v1", "ReplicaSet", "replicasets", true, &["rs"], true),
        R::builtin(
            "apps/v1",
            "ControllerRevision",
            "controllerrevisions",
            true,
            &[],
            false,
        ),
        R::builtin("batch/v1", "Job", "jobs", true, &[], true),
        R::builtin("batch/v1", "CronJob", "cronjobs", true, &["cj"], true),
        R::builtin(
            "networking.k8s.io/v1",
            "Ingress",
            "ingresses",
            true,
            &["ing"],
            true,
        ),
        R::builtin(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "networkpolicies",
            true,
            &["netpol"],
            false,
        ),
        R::builtin(
            "rbac.authorization.k8s.io/v1",
            "Role",
            "roles",
            true,
            &[],
            false,
        ),
        R::builtin(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            "rolebindings",
            true,
            &[],
            false,
        ),
        R::builtin(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "clusterroles",
            false,
            &[],
            false,
        ),
        R::builtin(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            "clusterrolebindings",
            false,
            &[],
            false,
        ),
        R::builtin(
            "certificates.k8s.io/v1",
            "CertificateSigningRequest",
            "certificatesigningrequests",
            false,
            &["csr"],
            true,
        ),
        R::builtin(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
            &["crd", "crds"],
            true,
        ),
        R::builtin(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            true,
            &["hpa"],
            true,
        ),
        R::builtin(
            "k8splugin.io/v1alpha1",
            "ResourceBundleState",
            "resourcebundlestates",
            true,
            &["rbs"],
            true,
        ),
    ]
}

/// All served resource types; CRDs add and remove entries at run time.
pub struct Registry {
    types: RwLock<Vec<Arc<ResourceType>>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            types: RwLock::new(builtins().into_iter().map(Arc::new).collect()),
        }
    }
}

impl Registry {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<ResourceType>>> {
        self.types.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<Arc<ResourceType>> {
        self.read().clone()
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.read()
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
    }

    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceType>> {
        let (group, version) = split_api_version(api_version);
        self.read()
            .iter()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
            .cloned()
    }

    /// The first served version of a stored resource.
    pub fn by_key(&self, key: &str) -> Option<Arc<ResourceType>> {
        self.read().iter().find(|t| &*t.key == key).cloned()
    }

    /// Groups with their versions, in registration order (the first version is preferred).
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for t in self.read().iter() {
            match out.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, vs)) if !vs.contains(&t.version) => vs.push(t.version.clone()),
                Some(_) => {}
                None => out.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        out
    }

    /// Registers (or re-registers) the served versions of a CRD; returns the types now served.
    pub fn register_crd(&self, crd: &Value) -> Result<Vec<Arc<ResourceType>>, String> {
        let types = crd_types(crd)?;
        let mut all = self.types.write().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = types.first() {
            all.retain(|t| !(t.custom && t.key == first.key));
            // A CRD may redefine a built-in-like kind (the ResourceBundleState CRD of EMCO's monitor).
            all.retain(|t| !(t.key == first.key && types.iter().any(|n| n.version == t.version)));
        }
        let types: Vec<Arc<ResourceType>> = types.into_iter().map(Arc::new).collect();
        all.extend(types.iter().cloned());
        Ok(types)
    }

    /// Stops serving the resource of a deleted CRD (built-in kinds stay).
    pub fn unregister_crd(&self, key: &str) {
        let mut all = self.types.write().unwrap_or_else(|e| e.into_inner());
        all.retain(|t| !(t.custom && &*t.key == key));
        if !all.iter().any(|t| &*t.key == key)
            && let Some(b) = builtins().into_iter().find(|b| &*b.key == key)
        {
            all.push(Arc::new(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_adds_and_removes_a_type() {
        let reg = Registry::default();
        let crd = json!({"spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}});
        let types = reg.register_crd(&crd).expect("valid crd");
        assert_eq!(types.len(), 1);
        assert!(types[0].status);
        assert!(reg.find("example.com", "v1", "widgets").is_some());
        assert!(
            reg.groups()
                .iter()
                .any(|(g, v)| g == "example.com" && v == &["v1"])
        );
        reg.unregister_crd("example.com/widgets");
        assert!(reg.find("example.com", "v1", "widgets").is_none());
    }

    #[test]
    fn crd_without_group_is_refused() {
        let reg = Registry::default();
        assert!(reg.register_crd(&json!({"spec": {"names": {}}})).is_err());
    }

    #[test]
    fn rbs_is_built_in() {
        let reg = Registry::default();
        let t = reg
            .find("k8splugin.io", "v1alpha1", "resourcebundlestates")
            .expect("rbs");
        assert!(t.namespaced);
        assert_eq!(&*t.key, keys::RBS);
    }
}
