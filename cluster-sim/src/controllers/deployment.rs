//! Deployments roll their template out through one ReplicaSet per template revision and report
//! replicas, readiness and the Available/Progressing conditions.

use serde_json::{Value, json};

use super::pods::{self, owned};
use super::{create_obj, write_status};
use crate::cluster::Cluster;
use crate::objects::Sub;
use crate::ops::{self, Fields};
use crate::resources::keys;
use crate::store::ObjKey;

/// An int-or-percent of `total` (percentages round down, as for maxUnavailable).
pub fn int_or_percent(v: &Value, total: i64, default_percent: i64) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) => total * p / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => total * default_percent / 100,
    }
}

fn set_replicas(c: &Cluster, ns: &str, name: &str, replicas: i64) {
    let Some(rt) = c.registry.by_key(keys::REPLICASETS) else {
        return;
    };
    let _ = ops::update_with(c, &rt, ns, name, Sub::Main, Fields::Keep, None, |live| {
        let mut o = live.clone();
        o["spec"]["replicas"] = json!(replicas);
        Ok(o)
    });
}

fn num(v: &Value, field: &str) -> i64 {
    v["status"][field].as_i64().unwrap_or(0)
}

pub fn reconcile(c: &Cluster, key: &ObjKey, d: &Value) {
    let uid = pods::uid(d);
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let template = &d["spec"]["template"];
    let hash = pods::template_hash(template);
    let rss = owned(c, keys::REPLICASETS, &key.ns, uid);
    let is_new = |rs: &Value| rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str();
    match rss.iter().find(|rs| is_new(rs)) {
        None => {
            let mut tmpl = template.clone();
            tmpl["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let revision = rss.len() + 1;
            let rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "name": format!("{}-{hash}", key.name),
                    "labels": tmpl["metadata"]["labels"],
                    "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
                    "ownerReferences": [pods::owner_ref(d)],
                },
                "spec": {"replicas": desired, "selector": selector, "template": tmpl},
            });
            create_obj(c, keys::REPLICASETS, &key.ns, rs);
        }
        Some(rs) if rs["spec"]["replicas"].as_i64() != Some(desired) => {
            set_replicas(
                c,
                &key.ns,
                rs["metadata"]["name"].as_str().unwrap_or_default(),
                desired,
            );
        }
        Some(_) => {}
    }
    let recreate = d["spec"]["strategy"]["type"] == "Recreate";
    let new_ready = rss
        .iter()
        .find(|rs| is_new(rs))
        .is_some_and(|rs| num(rs, "availableReplicas") >= desired);
    for old in rss.iter().filter(|rs| !is_new(rs)) {
        if (recreate || new_ready) && old["spec"]["replicas"].as_i64() != Some(0) {
            set_replicas(
                c,
                &key.ns,
                old["metadata"]["name"].as_str().unwrap_or_default(),
                0,
            );
        }
    }

    let rss = owned(c, keys::REPLICASETS, &key.ns, uid);
    let sum = |f: &str| rss.iter().map(|rs| num(rs, f)).sum::<i64>();
    let updated = rss
        .iter()
        .find(|rs| is_new(rs))
        .map(|rs| num(rs, "replicas"))
        .unwrap_or(0);
    let available = sum("availableReplicas");
    let max_unavailable = int_or_percent(
        &d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        desired,
        25,
    );
    let min_ok = available >= desired - max_unavailable;
    let complete = updated == desired && available >= desired && sum("replicas") == desired;
    write_status(
        c,
        keys::DEPLOYMENTS,
        &key.ns,
        &key.name,
        json!({
            "observedGeneration": d["metadata"]["generation"],
            "replicas": sum("replicas"),
            "updatedReplicas": updated,
            "readyReplicas": sum("readyReplicas"),
            "availableReplicas": available,
            "unavailableReplicas": (desired - available).max(0),
            "conditions": [
                {"type": "Available", "status": if min_ok { "True" } else { "False" },
                 "reason": if min_ok { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                 "message": if min_ok { "Deployment has minimum availability." } else { "Deployment does not have minimum availability." }},
                {"type": "Progressing", "status": "True",
                 "reason": if complete { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" },
                 "message": format!("ReplicaSet \"{}-{hash}\" {}", key.name, if complete { "has successfully progressed." } else { "is progressing." })},
            ],
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_unavailable_rounds_down() {
        assert_eq!(int_or_percent(&json!("25%"), 3, 25), 0);
        assert_eq!(int_or_percent(&json!("25%"), 8, 25), 2);
        assert_eq!(int_or_percent(&json!(1), 3, 25), 1);
        assert_eq!(int_or_percent(&Value::Null, 4, 25), 1);
    }
}
