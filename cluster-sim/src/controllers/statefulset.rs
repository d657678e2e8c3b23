//! StatefulSets keep Pods `{name}-{ordinal}` (in order unless Parallel), replace outdated ones
//! from the highest ordinal down, and report replicas and revisions.

use serde_json::{Map, Value, json};

use super::pods::{self, is_active, is_ready, owned};
use super::{create_obj, delete_obj, write_status};
use crate::cluster::Cluster;
use crate::resources::keys;
use crate::store::ObjKey;

fn ordinal(set: &str, pod: &Value) -> Option<usize> {
    pod["metadata"]["name"]
        .as_str()?
        .strip_prefix(set)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

pub fn reconcile(c: &Cluster, key: &ObjKey, sts: &Value) {
    let uid = pods::uid(sts);
    let desired = sts["spec"]["replicas"].as_u64().unwrap_or(1) as usize;
    let revision = format!(
        "{}-{}",
        key.name,
        pods::template_hash(&sts["spec"]["template"])
    );
    let parallel = sts["spec"]["podManagementPolicy"] == "Parallel";
    let live: Vec<Value> = owned(c, keys::PODS, &key.ns, uid)
        .into_iter()
        .filter(is_active)
        .collect();
    let by_ord = |i: usize| live.iter().find(|p| ordinal(&key.name, p) == Some(i));

    for i in 0..desired {
        if by_ord(i).is_some() {
            continue;
        }
        let ordered_ok = (0..i).all(|j| by_ord(j).is_some_and(is_ready));
        if !parallel && !ordered_ok {
            break;
        }
        let name = format!("{}-{i}", key.name);
        let mut labels = Map::new();
        labels.insert("controller-revision-hash".into(), json!(revision));
        labels.insert("statefulset.kubernetes.io/pod-name".into(), json!(name));
        labels.insert("apps.kubernetes.io/pod-index".into(), json!(i.to_string()));
        let mut pod = pods::new_pod(sts, &name, &sts["spec"]["template"], &labels, None);
        pod["spec"]["hostname"] = json!(name);
        if let Some(svc) = sts["spec"]["serviceName"].as_str() {
            pod["spec"]["subdomain"] = json!(svc);
        }
        create_obj(c, keys::PODS, &key.ns, pod);
        if !parallel {
            break;
        }
    }
    let mut extra: Vec<(usize, &Value)> = live
        .iter()
        .filter_map(|p| ordinal(&key.name, p).map(|o| (o, p)))
        .filter(|(o, _)| *o >= desired)
        .collect();
    extra.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, p) in extra.iter().take(if parallel { usize::MAX } else { 1 }) {
        delete_obj(
            c,
            keys::PODS,
            &key.ns,
            p["metadata"]["name"].as_str().unwrap_or_default(),
        );
    }
    let rolling = sts["spec"]["updateStrategy"]["type"] != "OnDelete";
    let all_ready = (0..desired).all(|i| by_ord(i).is_some_and(is_ready));
    if rolling && all_ready {
        let outdated = (0..desired)
            .rev()
            .filter_map(by_ord)
            .find(|p| p["metadata"]["labels"]["controller-revision-hash"] != revision.as_str());
        if let Some(p) = outdated {
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
    let updated = now
        .iter()
        .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str())
        .count();
    let current_revision = if updated == desired {
        revision.clone()
    } else {
        sts["status"]["currentRevision"]
            .as_str()
            .unwrap_or(&revision)
            .to_string()
    };
    let current = now
        .iter()
        .filter(|p| {
            p["metadata"]["labels"]["controller-revision-hash"] == current_revision.as_str()
        })
        .count();
    write_status(
        c,
        keys::STATEFULSETS,
        &key.ns,
        &key.name,
        json!({
            "observedGeneration": sts["metadata"]["generation"],
            "replicas": now.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }),
    );
}
