//! `.Capabilities`: Helm 3.17's built-in defaults for `helm template`
//! (Kubernetes v1.32.0, its API versions, Helm's own build information).

use gotmpl::{Object, Value};

use super::{json_fields, string_arg, want_args};
use crate::json::JSON_METHOD;

/// Helm 3.17's built-in Kubernetes version (`chartutil.DefaultCapabilities`).
pub const KUBE_VERSION: &str = "v1.32.0";
const KUBE_MAJOR: &str = "1";
const KUBE_MINOR: &str = "32";
/// `helm version` of the Helm release whose behaviour this crate follows.
const HELM_VERSION: [&str; 4] = [
    "v3.17.1",
    "980d8ac1939e39138101364400756af2bdee1da5",
    "clean",
    "go1.23.5",
];

/// Helm 3.17's default API versions, in its order.
pub const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// `.Capabilities.APIVersions` (`chartutil.VersionSet`).
struct VersionSet;

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "chartutil.VersionSet"
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        want_args(name, args, 1)?;
        let want = string_arg(args, 0)?;
        Ok(Value::Bool(API_VERSIONS.contains(&want)))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(API_VERSIONS.iter().map(|s| Value::from(*s))))
    }
}

/// `.Capabilities.KubeVersion`.
struct KubeVersion;

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "chartutil.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::from(KUBE_VERSION)),
            "Major" => Some(Value::from(KUBE_MAJOR)),
            "Minor" => Some(Value::from(KUBE_MINOR)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion" | JSON_METHOD)
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        want_args(name, args, 0)?;
        if name == JSON_METHOD {
            return Ok(json_fields(vec![
                ("Version", Value::from(KUBE_VERSION), false),
                ("Major", Value::from(KUBE_MAJOR), false),
                ("Minor", Value::from(KUBE_MINOR), false),
            ]));
        }
        Ok(Value::from(KUBE_VERSION))
    }
    fn display(&self) -> String {
        KUBE_VERSION.to_string()
    }
}

/// `.Capabilities.HelmVersion`.
struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let i = ["Version", "GitCommit", "GitTreeState", "GoVersion"]
            .iter()
            .position(|f| *f == name)?;
        Some(Value::from(HELM_VERSION[i]))
    }
    fn has_method(&self, name: &str) -> bool {
        name == JSON_METHOD
    }
    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        let names = ["version", "git_commit", "git_tree_state", "go_version"];
        Ok(json_fields(
            names
                .iter()
                .zip(HELM_VERSION)
                .map(|(k, v)| (*k, Value::from(v), true))
                .collect(),
        ))
    }
    fn display(&self) -> String {
        format!("{{{}}}", HELM_VERSION.join(" "))
    }
}

/// `.Capabilities`.
pub struct Capabilities;

impl Object for Capabilities {
    fn type_name(&self) -> &str {
        "*chartutil.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::object(KubeVersion)),
            "APIVersions" => Some(Value::object(VersionSet)),
            "HelmVersion" => Some(Value::object(HelmVersion)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        name == JSON_METHOD
    }
    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        Ok(json_fields(vec![
            ("KubeVersion", Value::object(KubeVersion), false),
            ("APIVersions", Value::object(VersionSet), false),
            ("HelmVersion", Value::object(HelmVersion), false),
        ]))
    }
    fn display(&self) -> String {
        format!(
            "{{{{{KUBE_VERSION} {KUBE_MAJOR} {KUBE_MINOR}}} [{}] {}}}",
            API_VERSIONS.join(" "),
            HelmVersion.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_like_helm() {
        let c = Capabilities;
        let Some(Value::Object(kv)) = c.field("KubeVersion") else {
            panic!("no KubeVersion")
        };
        assert_eq!(kv.display(), "v1.32.0");
        assert_eq!(kv.field("Minor"), Some(Value::from("32")));
        let Some(Value::Object(api)) = c.field("APIVersions") else {
            panic!("no APIVersions")
        };
        assert_eq!(
            api.call_method("Has", &[Value::from("apps/v1")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(API_VERSIONS.len(), 56);
    }
}
