//! ReplicaSets keep `spec.replicas` Pods from their template and report them in `status`.

use serde_json::{Map, Value, json};

use super::pods::{self, is_active, is_ready, owned};
use super::{create_obj, delete_obj, write_status};
use crate::cluster::Cluster;
use crate::objects::random_suffix;
use crate::resources::keys;
use crate::store::ObjKey;

pub fn reconcile(c: &Cluster, key: &ObjKey, rs: &Value) {
    let uid = pods::uid(rs);
    let want = rs["spec"]["replicas"].as_u64().unwrap_or(1) as usize;
    let mut live: Vec<Value> = owned(c, keys::PODS, &key.ns, uid)
        .into_iter()
        .filter(is_active)
        .collect();
    if live.len() < want {
        for _ in live.len()..want {
            let name = format!("{}-{}", key.name, random_suffix(5));
            let pod = pods::new_pod(rs, &name, &rs["spec"]["template"], &Map::new(), None);
            create_obj(c, keys::PODS, &key.ns, pod);
        }
    } else if live.len() > want {
        // Give up the least useful Pods first: not ready, then the newest.
        live.sort_by(|a, b| {
            is_ready(a).cmp(&is_ready(b)).then_with(|| {
                b["metadata"]["creationTimestamp"]
                    .as_str()
                    .cmp(&a["metadata"]["creationTimestamp"].as_str())
            })
        });
        for p in &live[..live.len() - want] {
            delete_obj(
                c,
                keys::PODS,
                &key.ns,
                p["metadata"]["name"].as_str().unwrap_or_default(),
            );
        }
    }
    let now: Vec<Value> = owned(c, keys::PODS, &key.ns, uid)
        .into_iter()
        .filter(is_active)
        .collect();
    let ready = now.iter().filter(|p| is_ready(p)).count();
    write_status(
        c,
        keys::REPLICASETS,
        &key.ns,
        &key.name,
        json!({
            "replicas": now.len(),
            "fullyLabeledReplicas": now.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"]["generation"],
        }),
    );
}
