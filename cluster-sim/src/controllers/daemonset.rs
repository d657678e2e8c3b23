//! DaemonSets keep one Pod on every cell and report scheduling and readiness counts.

use serde_json::{Map, Value, json};

use super::pods::{self, is_active, is_ready, owned};
use super::{create_obj, delete_obj, write_status};
use crate::cluster::Cluster;
use crate::objects::random_suffix;
use crate::resources::keys;
use crate::store::ObjKey;

fn node(p: &Value) -> &str {
    p["spec"]["nodeName"].as_str().unwrap_or_default()
}

pub fn reconcile(c: &Cluster, key: &ObjKey, ds: &Value) {
    let uid = pods::uid(ds);
    let cells = c.cells.names();
    let hash = pods::template_hash(&ds["spec"]["template"]);
    let live: Vec<Value> = owned(c, keys::PODS, &key.ns, uid)
        .into_iter()
        .filter(is_active)
        .collect();
    for p in &live {
        let stale = !cells.iter().any(|n| n == node(p))
            || p["metadata"]["labels"]["controller-revision-hash"] != hash.as_str();
        if stale {
            delete_obj(
                c,
                keys::PODS,
                &key.ns,
                p["metadata"]["name"].as_str().unwrap_or_default(),
            );
        }
    }
    for cell in &cells {
        if live.iter().any(|p| node(p) == cell) {
            continue;
        }
        let mut labels = Map::new();
        labels.insert("controller-revision-hash".into(), json!(hash));
        labels.insert(
            "pod-template-generation".into(),
            json!(ds["metadata"]["generation"].to_string()),
        );
        let name = format!("{}-{}", key.name, random_suffix(5));
        create_obj(
            c,
            keys::PODS,
            &key.ns,
            pods::new_pod(ds, &name, &ds["spec"]["template"], &labels, Some(cell)),
        );
    }
    let now: Vec<Value> = owned(c, keys::PODS, &key.ns, uid)
        .into_iter()
        .filter(is_active)
        .collect();
    let on_cells: Vec<&Value> = now
        .iter()
        .filter(|p| cells.iter().any(|n| n == node(p)))
        .collect();
    let ready = on_cells.iter().filter(|p| is_ready(p)).count();
    let updated = on_cells
        .iter()
        .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == hash.as_str())
        .count();
    write_status(
        c,
        keys::DAEMONSETS,
        &key.ns,
        &key.name,
        json!({
            "observedGeneration": ds["metadata"]["generation"],
            "desiredNumberScheduled": cells.len(),
            "currentNumberScheduled": on_cells.len(),
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "numberUnavailable": cells.len().saturating_sub(ready),
            "updatedNumberScheduled": updated,
        }),
    );
}
