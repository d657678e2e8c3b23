//! The resource list of one app on one cluster: the AppContext's resources with their rsync
//! status or `NotPresent`, merged with the live objects the cluster reported (emco-api.md 7.2
//! step 3).

use base64::Engine;
use serde_json::Value;

use super::observed::Observed;
use super::query::{Mode, Output};
use super::ready::{TRACKED, is_tracked};
use super::shape::{Counts, Gvk, ResourceStatus};
use crate::deploy::context::{ClusterSpec, resource_status};

pub const NOT_PRESENT: &str = "NotPresent";
const READY: &str = "Ready";
const NOT_READY: &str = "NotReady";

/// Counts gathered while listing: rsync statuses and readiness values.
#[derive(Debug, Default)]
pub struct Tally {
    pub deployed: Counts,
    pub ready: Counts,
}

fn bump(counts: &mut Counts, key: &str) {
    *counts.entry(key.to_string()).or_insert(0) += 1;
}

fn unbump(counts: &mut Counts, key: &str) {
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

/// Parses a stored manifest (YAML or JSON) into a JSON object.
pub fn parse_manifest(text: &str) -> Option<Value> {
    let object = |v: Value| v.is_object().then_some(v);
    if text.trim_start().starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        return object(v);
    }
    let options = serde_saphyr::options! { strict_booleans: true };
    match serde_saphyr::from_str_with_options::<Value>(text, options.clone()) {
        Ok(v) => object(v),
        // A rendered template may carry a stray document separator: take the first object.
        Err(_) => serde_saphyr::from_multiple_with_options::<Value>(text, options)
            .ok()?
            .into_iter()
            .find(Value::is_object),
    }
}

/// The per-resource field this mode writes: `rsyncStatus`, `clusterStatus`,
/// `deployedStatus` or `readyStatus`.
fn field(r: &mut ResourceStatus, mode: Mode) -> &mut String {
    match mode {
        Mode::Rsync => &mut r.rsync_status,
        Mode::Cluster => &mut r.cluster_status,
        Mode::Deployed => &mut r.deployed_status,
        Mode::Ready => &mut r.ready_status,
    }
}

/// What to list and how.
pub struct Listing<'a> {
    pub mode: Mode,
    pub output: Output,
    /// Resource name filter (empty: all).
    pub names: &'a [String],
}

impl Listing<'_> {
    fn keep(&self, name: &str) -> bool {
        self.names.is_empty() || self.names.iter().any(|n| n == name)
    }
}

/// Lists the resources of `app` on `cluster`: the context's own (sorted by `name+Kind`, byte
/// order), then, in readiness modes, the objects the cluster reported that the context does not
/// hold. Resources whose manifest cannot be read are skipped, as EMCO skips them.
pub fn list(
    app: &str,
    cluster: &ClusterSpec,
    observed: &Observed,
    how: &Listing<'_>,
    tally: &mut Tally,
) -> Vec<ResourceStatus> {
    let key = cluster.key();
    // Hooks and CRDs are applied around the resources and get no rsync status of their own,
    // so only the resources in install order are listed (see docs/compatibility.md).
    let mut specs: Vec<_> = cluster.resources.iter().collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rows = Vec::new();
    for spec in specs {
        // The identity recorded at build time spares a parse of every manifest; `detail`
        // needs the whole object anyway.
        let (api_version, kind, name, obj) = match (&spec.head, how.output == Output::Detail) {
            (Some(h), false) => (h.api_version.clone(), h.kind.clone(), h.name.clone(), None),
            _ => {
                let Some(obj) = parse_manifest(&spec.manifest) else {
                    tracing::warn!(app, cluster = %key, resource = %spec.name, "unreadable manifest left out of status");
                    continue;
                };
                let s = |p: &str| {
                    obj.pointer(p)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                (s("/apiVersion"), s("/kind"), s("/metadata/name"), Some(obj))
            }
        };
        if !how.keep(&name) {
            continue;
        }
        let mut row = ResourceStatus {
            gvk: Gvk::from_parts(&api_version, &kind),
            name,
            ..Default::default()
        };
        if how.mode.readiness() {
            if is_tracked(&api_version, &row.gvk.kind) {
                *field(&mut row, how.mode) = NOT_PRESENT.into();
                bump(&mut tally.ready, NOT_PRESENT);
            }
        } else {
            let status = observed
                .resource_status(app, &key, &spec.name)
                .unwrap_or(resource_status::PENDING)
                .to_string();
            bump(&mut tally.deployed, &status);
            *field(&mut row, how.mode) = status;
        }
        if how.output == Output::Detail {
            row.detail = obj;
        }
        rows.push(row);
    }
    if how.mode.readiness()
        && let Some(rbs) = observed.rbs(app, &key)
    {
        merge_rbs(&mut rows, rbs, how, tally);
    }
    rows
}

/// Merges the live objects of a ResourceBundleState `.status` into `rows`.
fn merge_rbs(rows: &mut Vec<ResourceStatus>, rbs: &Value, how: &Listing<'_>, tally: &mut Tally) {
    for tracked in &TRACKED {
        for obj in rbs[tracked.field].as_array().into_iter().flatten() {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !how.keep(name) {
                continue;
            }
            let mut gvk = Gvk::from_object(obj);
            // A monitor may leave out the type fields; the array says what the object is.
            if gvk.kind.is_empty() {
                gvk = Gvk::from_object(
                    &serde_json::json!({"apiVersion": tracked.api_version, "kind": tracked.kind}),
                );
            }
            let ready = (tracked.ready)(obj);
            let detail = (how.output == Output::Detail).then(|| obj.clone());
            upsert(rows, name, gvk, detail, ready, how.mode, tally);
        }
    }
    for entry in rbs["resourceStatuses"].as_array().into_iter().flatten() {
        let name = entry["name"].as_str().unwrap_or("");
        if !how.keep(name) {
            continue;
        }
        let s = |k: &str| entry[k].as_str().unwrap_or("").to_string();
        let gvk = Gvk {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
        };
        let detail = if how.output == Output::Detail {
            decode_res(&entry["res"])
        } else {
            None
        };
        upsert(rows, name, gvk, detail, true, how.mode, tally);
    }
}

/// `res` is the object as base64-encoded JSON.
fn decode_res(res: &Value) -> Option<Value> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(res.as_str()?)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Updates the context's entry for the same name and GVK, or appends a cluster-only entry.
fn upsert(
    rows: &mut Vec<ResourceStatus>,
    name: &str,
    gvk: Gvk,
    detail: Option<Value>,
    ready: bool,
    mode: Mode,
    tally: &mut Tally,
) {
    let value = if ready { READY } else { NOT_READY };
    bump(&mut tally.ready, value);
    match rows.iter_mut().find(|r| r.name == name && r.gvk == gvk) {
        Some(row) => {
            row.detail = detail;
            let previous = std::mem::replace(field(row, mode), value.to_string());
            if previous == NOT_PRESENT {
                unbump(&mut tally.ready, NOT_PRESENT);
            }
        }
        None => {
            let mut row = ResourceStatus {
                gvk,
                name: name.to_string(),
                detail,
                ..Default::default()
            };
            *field(&mut row, mode) = value.to_string();
            rows.push(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::context::ResourceSpec;
    use serde_json::json;

    fn res(name: &str, manifest: &str) -> ResourceSpec {
        ResourceSpec::new(name.into(), manifest.into())
    }

    fn cluster(resources: Vec<ResourceSpec>) -> ClusterSpec {
        ClusterSpec {
            provider: "p".into(),
            cluster: "c".into(),
            group: 0,
            resources,
            crds: vec![],
            hooks: Default::default(),
        }
    }

    const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: collectd\n";
    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: collectd-config\n";
    const ROLE: &str =
        r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"}}"#;

    #[test]
    fn manifests_parse_from_yaml_or_json() {
        let y =
            parse_manifest("# Source: x\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
        assert_eq!(
            y.as_ref().map(|v| v["metadata"]["name"].clone()),
            Some(json!("p"))
        );
        assert_eq!(
            parse_manifest(ROLE).map(|v| v["kind"].clone()),
            Some(json!("Role"))
        );
        assert_eq!(parse_manifest("just text"), None);
        assert_eq!(parse_manifest("- a\n- b\n"), None);
    }

    #[test]
    fn context_resources_sort_by_key_and_rbs_only_objects_follow_in_rbs_order() {
        // `collectd+Service` sorts before `collectd-config+ConfigMap` ('+' < '-').
        let c = cluster(vec![
            res("collectd-config+ConfigMap", CM),
            res("collectd+Service", SVC),
            res("r+Role", ROLE),
        ]);
        let mut observed = Observed::default();
        observed.rbs.insert(("a".into(), "p+c".into()), json!({
            "podStatuses": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "zz-pod"},
                "status": {"conditions": [{"type": "Ready", "status": "False"}]}}],
            "configMapStatuses": [{"metadata": {"name": "collectd-config"}}],
            "resourceStatuses": [{"group": "rbac.authorization.k8s.io", "version": "v1", "kind": "Role", "name": "r",
                "res": base64::engine::general_purpose::STANDARD.encode(br#"{"live":true}"#)}]
        }));
        let mut tally = Tally::default();
        let how = Listing {
            mode: Mode::Ready,
            output: Output::Detail,
            names: &[],
        };
        let rows = list("a", &c, &observed, &how, &mut tally);
        let names: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.name.as_str(), r.ready_status.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("collectd", "NotPresent"),
                ("collectd-config", "Ready"),
                ("r", "Ready"),
                ("zz-pod", "NotReady")
            ]
        );
        // The matched ConfigMap un-counts its NotPresent; the Role was never counted.
        assert_eq!(
            tally.ready,
            Counts::from([
                ("NotPresent".into(), 1),
                ("Ready".into(), 2),
                ("NotReady".into(), 1)
            ])
        );
        assert_eq!(
            rows[1].detail,
            Some(json!({"metadata": {"name": "collectd-config"}}))
        );
        assert_eq!(rows[2].detail, Some(json!({"live": true})));
        assert_eq!(
            rows[0].detail.as_ref().map(|d| d["kind"].clone()),
            Some(json!("Service"))
        );
    }

    #[test]
    fn rsync_modes_count_statuses_with_pending_as_default() {
        let c = cluster(vec![
            res("collectd+Service", SVC),
            res("collectd-config+ConfigMap", CM),
            res("bad+Pod", ": :"),
        ]);
        let mut observed = Observed::default();
        observed.resources.insert(
            ("a".into(), "p+c".into(), "collectd+Service".into()),
            "Applied".into(),
        );
        let mut tally = Tally::default();
        let how = Listing {
            mode: Mode::Rsync,
            output: Output::All,
            names: &[],
        };
        let rows = list("a", &c, &observed, &how, &mut tally);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].rsync_status, "Applied");
        assert_eq!(rows[1].rsync_status, "Pending");
        assert!(
            rows.iter()
                .all(|r| r.detail.is_none() && r.deployed_status.is_empty())
        );
        assert_eq!(
            tally.deployed,
            Counts::from([("Applied".into(), 1), ("Pending".into(), 1)])
        );
        assert!(tally.ready.is_empty());
    }

    #[test]
    fn the_name_filter_applies_to_context_and_cluster_objects() {
        let c = cluster(vec![
            res("collectd+Service", SVC),
            res("collectd-config+ConfigMap", CM),
        ]);
        let mut observed = Observed::default();
        observed.rbs.insert(("a".into(), "p+c".into()), json!({
            "serviceStatuses": [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "collectd"},
                "spec": {"clusterIP": "10.1.1.1"}}],
            "podStatuses": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other"}}]
        }));
        let names = ["collectd".to_string()];
        let mut tally = Tally::default();
        let how = Listing {
            mode: Mode::Cluster,
            output: Output::All,
            names: &names,
        };
        let rows = list("a", &c, &observed, &how, &mut tally);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].cluster_status, "Ready");
        assert_eq!(tally.ready, Counts::from([("Ready".into(), 1)]));
    }
}
