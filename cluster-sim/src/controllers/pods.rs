//! Pods as instances: every live Pod has an ActualLRP, and its status (phase, conditions,
//! container states) follows the instance's lifecycle.

use serde_json::{Map, Value, json};

use crate::cluster::Cluster;
use crate::lrp::{ActualLrp, ActualLrpKey, InstanceKey, NetInfo, PodRef, Presence, State};
use crate::objects::{self, Sub};
use crate::ops::{self, Fields};
use crate::resources::keys;
use crate::store::ObjKey;

pub const DOMAIN: &str = "cluster-sim";

pub fn lrp_key(uid: &str) -> ActualLrpKey {
    ActualLrpKey {
        process_guid: uid.to_string(),
        index: 0,
        domain: DOMAIN.to_string(),
    }
}

pub fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or_default()
}

pub fn is_terminal(pod: &Value) -> bool {
    matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    )
}

pub fn is_active(pod: &Value) -> bool {
    !is_terminal(pod) && pod["metadata"]["deletionTimestamp"].is_null()
}

pub fn condition_true(obj: &Value, ty: &str) -> bool {
    obj["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == ty && c["status"] == "True"))
}

pub fn is_ready(pod: &Value) -> bool {
    is_active(pod) && condition_true(pod, "Ready")
}

/// The controller owner's uid of an object, if any.
pub fn controller_uid(obj: &Value) -> Option<&str> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true))
        .and_then(|r| r["uid"].as_str())
}

/// Objects of one resource in a namespace whose controller is `owner_uid`.
pub fn owned(c: &Cluster, res: &str, ns: &str, owner_uid: &str) -> Vec<Value> {
    c.store
        .list(&std::sync::Arc::from(res), Some(ns))
        .1
        .iter()
        .filter(|(_, j)| j.contains(owner_uid))
        .filter_map(|(_, j)| serde_json::from_str::<Value>(j).ok())
        .filter(|v| controller_uid(v) == Some(owner_uid))
        .collect()
}

pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"], "kind": owner["kind"],
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true,
    })
}

/// A Pod from a template, owned by `owner`, with extra labels and an optional pinned node.
pub fn new_pod(
    owner: &Value,
    name: &str,
    template: &Value,
    extra_labels: &Map<String, Value>,
    node: Option<&str>,
) -> Value {
    let mut labels = template["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    labels.extend(extra_labels.clone());
    let mut meta = json!({"name": name, "labels": labels, "ownerReferences": [owner_ref(owner)]});
    if let Some(a) = template["metadata"]["annotations"].as_object() {
        meta["annotations"] = Value::Object(a.clone());
    }
    let mut spec = template["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    if let Some(n) = node {
        spec["nodeName"] = json!(n);
    }
    if spec["restartPolicy"].is_null() {
        spec["restartPolicy"] = json!("Always");
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

/// Short stable hash of a template (the `pod-template-hash` / revision label).
pub fn template_hash(template: &Value) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(template.to_string().as_bytes());
    hex::encode(&digest[..5])
}

fn rfc3339(nanos: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(nanos)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Keeps each condition's lastTransitionTime while its status does not change.
pub fn carry_times(old: &Value, new: &mut Value) {
    let now = objects::now();
    let Some(conds) = new.as_array_mut() else {
        return;
    };
    for c in conds {
        let prev = old.as_array().and_then(|o| {
            o.iter()
                .find(|p| p["type"] == c["type"] && p["status"] == c["status"])
        });
        c["lastTransitionTime"] = prev
            .map(|p| p["lastTransitionTime"].clone())
            .unwrap_or_else(|| json!(now));
    }
}

fn cond(ty: &str, ok: bool, reason: Option<&str>, message: Option<&str>) -> Value {
    let mut c = json!({"type": ty, "status": if ok { "True" } else { "False" }});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        c["message"] = json!(m);
    }
    c
}

/// The Pod status that the instance records imply.
pub fn status_for(pod: &Value, group: &[ActualLrp]) -> Value {
    let ordinary = group.iter().find(|l| l.presence == Presence::Ordinary);
    let serving = ordinary
        .filter(|l| l.state == State::Running)
        .or_else(|| group.iter().find(|l| l.state == State::Running));
    let ready = serving.is_some();
    let crashes = ordinary.map(|o| o.crash_count).unwrap_or(0);
    let placement_error = ordinary.map(|o| o.placement_error.as_str()).unwrap_or("");
    let scheduled = placement_error.is_empty();
    let phase = if ready || crashes > 0 {
        "Running"
    } else {
        "Pending"
    };
    let (reason, message) = match (serving, ordinary) {
        (Some(_), _) => (None, None),
        (None, Some(o)) if o.state == State::Crashed => {
            (Some("CrashLoopBackOff"), Some(o.crash_reason.clone()))
        }
        _ => (Some("ContainerCreating"), None),
    };
    let old = &pod["status"];
    let state = match (serving, reason) {
        (Some(s), _) => json!({"running": {"startedAt": rfc3339(s.since)}}),
        (None, Some(r)) => {
            let mut w = json!({"reason": r});
            if let Some(m) = message.as_deref().filter(|m| !m.is_empty()) {
                w["message"] = json!(m);
            }
            json!({"waiting": w})
        }
        (None, None) => json!({"waiting": {"reason": "ContainerCreating"}}),
    };
    let last_state = match ordinary.filter(|o| o.crash_count > 0) {
        Some(o) => {
            json!({"terminated": {"exitCode": 1, "reason": "Error", "message": o.crash_reason}})
        }
        None => json!({}),
    };
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|ct| {
                    let mut s = json!({
                        "name": ct["name"], "image": ct["image"], "imageID": "",
                        "ready": ready, "started": ready, "restartCount": crashes,
                        "state": state, "lastState": last_state,
                    });
                    if let Some(l) = serving {
                        s["containerID"] =
                            json!(format!("containerd://{}", l.instance_key.instance_guid));
                    }
                    s
                })
                .collect()
        })
        .unwrap_or_default();
    let mut conditions = json!([
        cond(
            "PodScheduled",
            scheduled,
            (!scheduled).then_some("Unschedulable"),
            Some(placement_error)
        ),
        cond("Initialized", true, None, None),
        cond(
            "ContainersReady",
            ready,
            (!ready).then_some("ContainersNotReady"),
            None
        ),
        cond(
            "Ready",
            ready,
            (!ready).then_some("ContainersNotReady"),
            None
        ),
    ]);
    carry_times(&old["conditions"], &mut conditions);
    let mut st = json!({
        "phase": phase,
        "conditions": conditions,
        "containerStatuses": containers,
        "qosClass": "BestEffort",
        "startTime": old["startTime"].as_str().map(str::to_string).unwrap_or_else(objects::now),
    });
    if let Some(l) = serving {
        st["hostIP"] = json!(l.net_info.address);
        st["podIP"] = json!(l.net_info.instance_address);
        st["podIPs"] = json!([{"ip": l.net_info.instance_address}]);
        st["hostIPs"] = json!([{"ip": l.net_info.address}]);
    }
    st
}

/// A run-to-completion Pod whose process exited 0.
pub fn set_succeeded(pod: &mut Value, cell: &str) {
    let old = pod["status"].clone();
    let mut conditions = json!([
        cond("PodScheduled", true, None, None),
        cond("Initialized", true, None, None),
        cond("ContainersReady", false, Some("PodCompleted"), None),
        cond("Ready", false, Some("PodCompleted"), None),
    ]);
    carry_times(&old["conditions"], &mut conditions);
    let now = objects::now();
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|ct| json!({"name": ct["name"], "image": ct["image"], "imageID": "", "ready": false, "started": false,
                    "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": now}}}))
                .collect()
        })
        .unwrap_or_default();
    pod["status"] = json!({
        "phase": "Succeeded", "conditions": conditions, "containerStatuses": containers, "qosClass": "BestEffort",
        "startTime": old["startTime"].as_str().map(str::to_string).unwrap_or_else(|| now.clone()),
        "hostIP": old["hostIP"].as_str().map(str::to_string).unwrap_or_else(|| format!("{cell}.local")),
    });
}

/// Brings one Pod's instance and status in line; called on Pod and instance changes.
pub fn sync(c: &Cluster, key: &ObjKey) {
    let Some((_, json)) = c.store.get(key) else {
        return;
    };
    let Ok(pod) = serde_json::from_str::<Value>(&json) else {
        return;
    };
    let uid = uid(&pod).to_string();
    if !is_active(&pod) {
        if pod["metadata"]["deletionTimestamp"].is_string() {
            c.lrps.remove_process(&uid);
        }
        return;
    }
    let lk = lrp_key(&uid);
    let group = c.lrps.group(&uid, 0);
    if group.is_empty() {
        let restart = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always");
        let pod_ref = PodRef {
            namespace: key.ns.clone(),
            name: key.name.clone(),
            run_to_completion: restart != "Always",
            node: pod["spec"]["nodeName"].as_str().map(str::to_string),
        };
        c.lrps.desire(lk, Some(pod_ref));
        return;
    }
    let status = status_for(&pod, &group);
    if status == pod["status"] {
        return;
    }
    let Some(rt) = c.registry.by_key(keys::PODS) else {
        return;
    };
    let _ = ops::update_with(
        c,
        &rt,
        &key.ns,
        &key.name,
        Sub::Status,
        Fields::Keep,
        None,
        |live| {
            let mut p = live.clone();
            p["status"] = status.clone();
            Ok(p)
        },
    );
}

/// After a restart: Pods that were running get their instance back, running on the same cell.
pub fn restore(c: &Cluster, key: &ObjKey, pod: &Value) {
    if !is_ready(pod) {
        return;
    }
    let (Some(host), Some(ip)) = (
        pod["status"]["hostIP"].as_str(),
        pod["status"]["podIP"].as_str(),
    ) else {
        return;
    };
    let cell_no: Option<u32> = host
        .strip_prefix("10.0.0.")
        .and_then(|n| n.parse::<u32>().ok())
        .map(|n| n.saturating_sub(10));
    let Some(cell) = cell_no
        .map(|n| format!("cell-{n}"))
        .filter(|c2| c.cells.mode(c2).is_some())
    else {
        return;
    };
    let guid = pod["status"]["containerStatuses"][0]["containerID"]
        .as_str()
        .and_then(|id| id.strip_prefix("containerd://"))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let restart = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always");
    c.lrps.restore_running(
        lrp_key(uid(pod)),
        Some(PodRef {
            namespace: key.ns.clone(),
            name: key.name.clone(),
            run_to_completion: restart != "Always",
            node: pod["spec"]["nodeName"].as_str().map(str::to_string),
        }),
        InstanceKey {
            instance_guid: guid,
            cell_id: cell,
        },
        NetInfo {
            address: host.to_string(),
            ports: vec![],
            instance_address: ip.to_string(),
        },
    );
}
