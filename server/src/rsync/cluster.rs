//! A connection to one edge cluster through the Kubernetes API (`kube`), built from the
//! kubeconfig clm stored. Nothing here knows whether the cluster is real or simulated.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value;

/// The field manager rsync applies with; a reissued apply by it changes nothing.
pub const FIELD_MANAGER: &str = "emco-rsync";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The API server could not be reached (refused, reset, timeout): retry later.
    #[error("cluster unreachable: {0}")]
    Unreachable(String),
    /// The cluster answered and refused the request.
    #[error("{0}")]
    Rejected(String),
    #[error("invalid kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("invalid manifest: {0}")]
    Manifest(String),
}

impl ClusterError {
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClusterError::Unreachable(_))
    }
}

fn classify(err: kube::Error) -> ClusterError {
    match err {
        kube::Error::Api(status) if status.code == 404 => {
            ClusterError::Rejected(format!("not found: {}", status.message))
        }
        kube::Error::Api(status) if status.code >= 500 => ClusterError::Unreachable(status.message),
        kube::Error::Api(status) => ClusterError::Rejected(status.message),
        other => ClusterError::Unreachable(other.to_string()),
    }
}

/// A kube client plus a discovery cache (kind -> resource and scope).
pub struct ClusterClient {
    pub client: kube::Client,
    discovered: Mutex<HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)>>,
}

impl ClusterClient {
    pub async fn from_kubeconfig(text: &str) -> Result<ClusterClient, ClusterError> {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(text)
            .map_err(|e| ClusterError::Kubeconfig(e.to_string()))?;
        let mut config = kube::Config::from_custom_kubeconfig(
            kubeconfig,
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .map_err(|e| ClusterError::Kubeconfig(e.to_string()))?;
        config.connect_timeout = Some(std::time::Duration::from_secs(3));
        config.read_timeout = Some(std::time::Duration::from_secs(30));
        let client =
            kube::Client::try_from(config).map_err(|e| ClusterError::Kubeconfig(e.to_string()))?;
        Ok(ClusterClient {
            client,
            discovered: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the API server answers (`GET /version`).
    pub async fn reachable(&self) -> Result<(), ClusterError> {
        self.client
            .apiserver_version()
            .await
            .map(|_| ())
            .map_err(|e| ClusterError::Unreachable(e.to_string()))
    }

    async fn resource(
        &self,
        gvk: &GroupVersionKind,
    ) -> Result<(ApiResource, ApiCapabilities), ClusterError> {
        if let Some(found) = self
            .discovered
            .lock()
            .ok()
            .and_then(|m| m.get(gvk).cloned())
        {
            return Ok(found);
        }
        let found = kube::discovery::pinned_kind(&self.client, gvk)
            .await
            .map_err(|e| match e {
                kube::Error::Discovery(d) => {
                    ClusterError::Rejected(format!("unknown kind {}: {d}", gvk.kind))
                }
                other => classify(other),
            })?;
        if let Ok(mut m) = self.discovered.lock() {
            m.insert(gvk.clone(), found.clone());
        }
        Ok(found)
    }

    /// The typed API for `obj`, namespaced into `default_ns` when it is namespaced and has none.
    async fn api_for(
        &self,
        obj: &Value,
        default_ns: &str,
    ) -> Result<(Api<DynamicObject>, String), ClusterError> {
        let (gvk, name) = gvk_and_name(obj)?;
        let (ar, caps) = self.resource(&gvk).await?;
        let api = if caps.scope == Scope::Namespaced {
            let ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or(default_ns);
            Api::namespaced_with(self.client.clone(), ns, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        };
        Ok((api, name))
    }

    /// Server-side apply (forced, field manager `emco-rsync`): idempotent by construction.
    pub async fn apply(
        &self,
        obj: &Value,
        default_ns: &str,
    ) -> Result<DynamicObject, ClusterError> {
        let (api, name) = self.api_for(obj, default_ns).await?;
        let params = PatchParams::apply(FIELD_MANAGER).force();
        api.patch(&name, &params, &Patch::Apply(obj))
            .await
            .map_err(classify)
    }

    /// Deletes `obj` in the background; an object that is already gone counts as deleted.
    pub async fn delete(&self, obj: &Value, default_ns: &str) -> Result<(), ClusterError> {
        let (api, name) = match self.api_for(obj, default_ns).await {
            Ok(found) => found,
            // The kind itself is gone (its CRD was deleted): so is the object.
            Err(ClusterError::Rejected(msg)) if msg.starts_with("unknown kind") => return Ok(()),
            Err(e) => return Err(e),
        };
        match api.delete(&name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    /// Reads `obj` back from the cluster, if present.
    pub async fn get(
        &self,
        obj: &Value,
        default_ns: &str,
    ) -> Result<Option<DynamicObject>, ClusterError> {
        let (api, name) = self.api_for(obj, default_ns).await?;
        api.get_opt(&name).await.map_err(classify)
    }

    /// Approves a CertificateSigningRequest (the logical cloud's user CSR).
    pub async fn approve_csr(&self, name: &str) -> Result<(), ClusterError> {
        use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
        let api: Api<CertificateSigningRequest> = Api::all(self.client.clone());
        let patch = serde_json::json!({"status": {"conditions": [{
            "type": "Approved", "status": "True", "reason": "LogicalCloud",
            "message": "Approved for Logical Cloud authentication"}]}});
        api.patch_approval(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

/// Group/version/kind and name of a manifest.
pub fn gvk_and_name(obj: &Value) -> Result<(GroupVersionKind, String), ClusterError> {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if api_version.is_empty() || kind.is_empty() || name.is_empty() {
        return Err(ClusterError::Manifest(
            "apiVersion, kind and metadata.name are required".into(),
        ));
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    Ok((
        GroupVersionKind::gvk(group, version, kind),
        name.to_string(),
    ))
}

/// Parses a stored manifest (YAML or JSON text).
pub fn parse_manifest(text: &str) -> Result<Value, ClusterError> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| ClusterError::Manifest(e.to_string()))
}

/// Adds `emco/deployment-id` to the object's labels and to its pod template's labels, so the
/// cluster's monitor can find everything an app deployed.
pub fn add_deployment_label(obj: &mut Value, deployment_id: &str) {
    fn label(target: &mut Value, id: &str) {
        if !target.is_object() {
            *target = Value::Object(Default::default());
        }
        if let Some(map) = target.as_object_mut() {
            let labels = map
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if !labels.is_object() {
                *labels = Value::Object(Default::default());
            }
            if let Some(l) = labels.as_object_mut() {
                l.insert("emco/deployment-id".into(), Value::from(id));
            }
        }
    }
    if let Some(meta) = obj.get_mut("metadata") {
        label(meta, deployment_id);
    }
    if let Some(template) = obj.pointer_mut("/spec/template")
        && template.is_object()
    {
        let meta = template.as_object_mut().map(|t| {
            t.entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()))
        });
        if let Some(meta) = meta {
            label(meta, deployment_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_object_and_pod_template() {
        let mut d = json!({"metadata": {"name": "x"}, "spec": {"template": {"spec": {}}}});
        add_deployment_label(&mut d, "1-app");
        assert_eq!(d["metadata"]["labels"]["emco/deployment-id"], "1-app");
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"]["emco/deployment-id"],
            "1-app"
        );
        let mut cm = json!({"metadata": {"name": "c", "labels": {"a": "b"}}});
        add_deployment_label(&mut cm, "1-app");
        assert_eq!(
            cm["metadata"]["labels"],
            json!({"a": "b", "emco/deployment-id": "1-app"})
        );
    }

    #[test]
    fn gvk_of_core_and_grouped_kinds() {
        let (gvk, name) = gvk_and_name(
            &json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}),
        )
        .unwrap_or_else(|_| (GroupVersionKind::gvk("", "", ""), String::new()));
        assert_eq!(
            (gvk.group.as_str(), gvk.version.as_str(), name.as_str()),
            ("", "v1", "s")
        );
        assert!(gvk_and_name(&json!({"kind": "X"})).is_err());
    }

    #[test]
    fn manifests_parse_from_yaml_and_json() {
        assert!(parse_manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n").is_ok());
        assert!(parse_manifest(r#"{"apiVersion":"v1"}"#).is_ok());
    }
}
