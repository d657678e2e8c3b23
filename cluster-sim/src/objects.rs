//! Object semantics the server owns: identity and timestamps on create, what a write to the
//! main resource or to a subresource may change, generation bumps, and per-kind defaults.

use rand::Rng;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::resources::{ResourceType, keys};

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    Main,
    Status,
    /// `certificatesigningrequests/{name}/approval`: only `status.conditions`.
    Approval,
}

impl Sub {
    pub fn parse(s: Option<&str>) -> Option<Sub> {
        match s {
            None => Some(Sub::Main),
            Some("status") => Some(Sub::Status),
            Some("approval") => Some(Sub::Approval),
            Some(_) => None,
        }
    }

    /// The `subresource` of a managedFields entry.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Sub::Main => None,
            Sub::Status => Some("status"),
            Sub::Approval => Some("approval"),
        }
    }
}

/// Namespaces that exist from the start and may not be deleted.
pub const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn random_suffix(n: usize) -> String {
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// RBAC objects only need a valid path segment as name (Kubernetes' ValidateRBACName), so
/// EMCO's `lc1-roleBinding0` is legal there.
fn valid_rbac_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.:".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj["metadata"][field].as_str()
}

/// Checks the body against the addressed resource and fills name, namespace, uid, timestamps.
pub fn prepare_create(rt: &ResourceType, ns: &str, obj: &mut Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON or YAML object",
        ));
    }
    check_type(rt, obj)?;
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    if meta_str(obj, "name").is_none_or(str::is_empty)
        && let Some(g) = meta_str(obj, "generateName").map(str::to_string)
    {
        obj["metadata"]["name"] = json!(format!("{g}{}", random_suffix(5)));
    }
    let name = meta_str(obj, "name").unwrap_or_default().to_string();
    if name.is_empty() {
        return Err(ApiError::invalid(format!(
            "{} is invalid: metadata.name: Required value: name or generateName is required",
            rt.kind
        )));
    }
    let name_ok = if rt.group == "rbac.authorization.k8s.io" {
        valid_rbac_name(&name)
    } else {
        valid_name(&name)
    };
    if !name_ok {
        return Err(ApiError::invalid(format!(
            "{} \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            rt.kind
        )));
    }
    check_namespace(rt, ns, obj)?;
    let meta = &mut obj["metadata"];
    meta["uid"] = json!(uuid::Uuid::new_v4().to_string());
    meta["creationTimestamp"] = json!(now());
    meta["generation"] = json!(1);
    if let Some(m) = meta.as_object_mut() {
        for k in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "selfLink",
        ] {
            m.remove(k);
        }
    }
    if rt.status
        && obj.get("status").is_some()
        && !keeps_status_on_create(rt)
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    Ok(())
}

/// CSRs may be created with their status (tests and some tools do); others start without one.
fn keeps_status_on_create(rt: &ResourceType) -> bool {
    rt.custom
}

fn check_type(rt: &ResourceType, obj: &mut Value) -> Result<(), ApiError> {
    let api_version = rt.api_version();
    match obj["apiVersion"].as_str() {
        None | Some("") => obj["apiVersion"] = json!(api_version),
        Some(v) if v == api_version => {}
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({api_version})"
            )));
        }
    }
    match obj["kind"].as_str() {
        None | Some("") => obj["kind"] = json!(rt.kind),
        Some(k) if k == rt.kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                rt.kind
            )));
        }
    }
    Ok(())
}

fn check_namespace(rt: &ResourceType, ns: &str, obj: &mut Value) -> Result<(), ApiError> {
    if !rt.namespaced {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        return Ok(());
    }
    match meta_str(obj, "namespace") {
        None | Some("") => obj["metadata"]["namespace"] = json!(ns),
        Some(n) if n == ns => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    Ok(())
}

/// The object a write produces: server-owned metadata from `live`, and only the part `sub` may touch.
pub fn finish_update(
    rt: &ResourceType,
    ns: &str,
    sub: Sub,
    live: &Value,
    body: Value,
) -> Result<Value, ApiError> {
    let mut new = match sub {
        Sub::Main => {
            let mut b = body;
            if !b.is_object() {
                return Err(ApiError::bad_request(
                    "the request body must be a JSON or YAML object",
                ));
            }
            check_type(rt, &mut b)?;
            check_namespace(rt, ns, &mut b)?;
            if rt.status {
                match live.get("status") {
                    Some(s) => b["status"] = s.clone(),
                    None => {
                        if let Some(m) = b.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
            }
            b
        }
        Sub::Status => {
            let mut n = live.clone();
            match body.get("status") {
                Some(s) => n["status"] = s.clone(),
                None => {
                    if let Some(m) = n.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            n
        }
        Sub::Approval => {
            let mut n = live.clone();
            n["status"]["conditions"] = body["status"]["conditions"].clone();
            n
        }
    };
    if sub == Sub::Main {
        let name = meta_str(&new, "name").unwrap_or_default();
        if !name.is_empty() && Some(name) != meta_str(live, "name") {
            return Err(ApiError::bad_request(
                "the name of the object does not match the name on the URL",
            ));
        }
        if !new["metadata"].is_object() {
            new["metadata"] = json!({});
        }
        for k in [
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match live["metadata"].get(k) {
                Some(v) => new["metadata"][k] = v.clone(),
                None => {
                    if let Some(m) = new["metadata"].as_object_mut() {
                        m.remove(k);
                    }
                }
            }
        }
    }
    let generation = live["metadata"]["generation"].as_i64().unwrap_or(1);
    let spec_changed = spec_part(live) != spec_part(&new);
    new["metadata"]["generation"] = json!(if spec_changed {
        generation + 1
    } else {
        generation
    });
    Ok(new)
}

/// Everything but metadata and status: what a generation counts.
fn spec_part(v: &Value) -> Vec<(&String, &Value)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status"))
                .collect()
        })
        .unwrap_or_default()
}

/// Per-kind defaults a real API server (or its admission) fills on create.
pub fn defaults_on_create(rt: &ResourceType, obj: &mut Value) -> Result<(), ApiError> {
    match &*rt.key {
        keys::NAMESPACES => obj["status"] = json!({"phase": "Active"}),
        keys::SERVICES => default_service(obj),
        keys::DEPLOYMENTS => {
            if obj["spec"]["replicas"].is_null() {
                obj["spec"]["replicas"] = json!(1);
            }
            if obj["spec"]["strategy"].is_null() {
                obj["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}});
            }
        }
        "/persistentvolumeclaims" => obj["status"] = json!({"phase": "Bound"}),
        keys::CRDS => {
            crate::resources::crd_types(obj).map_err(|e| {
                ApiError::invalid(format!("CustomResourceDefinition is invalid: {e}"))
            })?;
            let versions: Vec<Value> = obj["spec"]["versions"]
                .as_array()
                .map(|vs| {
                    vs.iter()
                        .filter(|v| v["storage"].as_bool() == Some(true))
                        .map(|v| v["name"].clone())
                        .collect()
                })
                .unwrap_or_default();
            let t = now();
            obj["status"] = json!({
                "acceptedNames": obj["spec"]["names"].clone(),
                "storedVersions": versions,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "lastTransitionTime": t, "message": "no conflicts found"},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "lastTransitionTime": t, "message": "the initial names have been accepted"},
                ],
            });
        }
        _ => {}
    }
    Ok(())
}

fn default_service(obj: &mut Value) {
    let spec = &mut obj["spec"];
    if spec["type"].is_null() {
        spec["type"] = json!("ClusterIP");
    }
    let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    if ty != "ExternalName" && spec["clusterIP"].is_null() {
        let mut rng = rand::rng();
        let ip = format!(
            "10.96.{}.{}",
            rng.random_range(0..=255),
            rng.random_range(1..=254)
        );
        spec["clusterIP"] = json!(ip);
        spec["clusterIPs"] = json!([ip]);
    }
    if ty == "LoadBalancer" {
        let mut rng = rand::rng();
        obj["status"] = json!({"loadBalancer": {"ingress": [{"ip": format!("172.18.{}.{}", rng.random_range(0..=255), rng.random_range(1..=254))}]}});
    } else {
        obj["status"] = json!({"loadBalancer": {}});
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Registry;

    #[test]
    fn create_fills_identity_and_refuses_bad_names() {
        let reg = Registry::default();
        let rt = reg.find("", "v1", "configmaps").expect("cm");
        let mut ok = json!({"metadata": {"generateName": "x-"}});
        prepare_create(&rt, "ns1", &mut ok).expect("create");
        assert_eq!(ok["kind"], "ConfigMap");
        assert_eq!(ok["metadata"]["namespace"], "ns1");
        assert!(ok["metadata"]["uid"].is_string());
        assert!(meta_str(&ok, "name").is_some_and(|n| n.starts_with("x-") && n.len() == 7));
        let mut bad = json!({"metadata": {"name": "Bad_Name"}});
        assert_eq!(
            prepare_create(&rt, "ns1", &mut bad).expect_err("bad").code,
            422
        );
        let mut wrong = json!({"kind": "Secret", "metadata": {"name": "a"}});
        assert_eq!(
            prepare_create(&rt, "ns1", &mut wrong)
                .expect_err("kind")
                .code,
            400
        );
    }

    #[test]
    fn generation_follows_spec_only() {
        let reg = Registry::default();
        let rt = reg.find("apps", "v1", "deployments").expect("deploy");
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "n", "uid": "u", "generation": 1}, "spec": {"replicas": 1}, "status": {"replicas": 1}});
        let mut body = live.clone();
        body["metadata"]["labels"] = json!({"a": "b"});
        body["status"] = json!({"replicas": 9});
        let same = finish_update(&rt, "n", Sub::Main, &live, body.clone()).expect("update");
        assert_eq!(same["metadata"]["generation"], 1);
        assert_eq!(same["status"]["replicas"], 1, "main writes keep the status");
        body["spec"]["replicas"] = json!(3);
        let bumped = finish_update(&rt, "n", Sub::Main, &live, body.clone()).expect("update");
        assert_eq!(bumped["metadata"]["generation"], 2);
        let status = finish_update(&rt, "n", Sub::Status, &live, body).expect("status");
        assert_eq!(status["status"]["replicas"], 9);
        assert_eq!(status["spec"]["replicas"], 1, "status writes keep the spec");
    }
}
