//! Readiness of one tracked object, by EMCO's rules (emco-api.md 6.6).

use serde_json::Value;

use crate::controllers::deployment::int_or_percent;

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

pub fn pod(p: &Value) -> bool {
    let ready = p["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    });
    let finished = matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
    let run_to_completion = p["spec"]["restartPolicy"]
        .as_str()
        .is_some_and(|r| r != "Always")
        || p["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r["kind"] == "Job"));
    ready || (finished && run_to_completion)
}

pub fn service(s: &Value) -> bool {
    let spec = &s["spec"];
    if spec["type"] == "ExternalName" {
        return true;
    }
    let has_ip = spec["clusterIP"].as_str().is_some_and(|ip| !ip.is_empty());
    if spec["type"] == "LoadBalancer" {
        let ingress = s["status"]["loadBalancer"]["ingress"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        let external = spec["externalIPs"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        return has_ip && (ingress || external);
    }
    has_ip
}

pub fn deployment(d: &Value) -> bool {
    if d["spec"]["paused"].as_bool() == Some(true) {
        return true;
    }
    let replicas = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let max_unavailable = if d["spec"]["strategy"]["type"] == "Recreate" {
        0
    } else {
        int_or_percent(
            &d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
            replicas,
            25,
        )
    };
    i(&d["status"]["readyReplicas"]) >= replicas - max_unavailable
}

pub fn daemonset(d: &Value) -> bool {
    let strategy = d["spec"]["updateStrategy"]["type"]
        .as_str()
        .unwrap_or("RollingUpdate");
    if strategy != "RollingUpdate" {
        return true;
    }
    let desired = i(&d["status"]["desiredNumberScheduled"]);
    let max_unavailable = match &d["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] {
        Value::Null => 1,
        v => int_or_percent(v, desired, 0),
    };
    i(&d["status"]["updatedNumberScheduled"]) == desired
        && i(&d["status"]["numberReady"]) >= desired - max_unavailable
}

pub fn statefulset(s: &Value) -> bool {
    let strategy = s["spec"]["updateStrategy"]["type"]
        .as_str()
        .unwrap_or("RollingUpdate");
    if strategy != "RollingUpdate" {
        return true;
    }
    let replicas = s["spec"]["replicas"].as_i64().unwrap_or(1);
    let partition = i(&s["spec"]["updateStrategy"]["rollingUpdate"]["partition"]);
    i(&s["status"]["updatedReplicas"]) == replicas - partition
        && i(&s["status"]["readyReplicas"]) == replicas
}

pub fn job(j: &Value) -> bool {
    let backoff = j["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let completions = j["spec"]["completions"].as_i64().unwrap_or(1);
    i(&j["status"]["failed"]) <= backoff && i(&j["status"]["succeeded"]) >= completions
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules() {
        assert!(deployment(
            &json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 3}})
        ));
        assert!(!deployment(
            &json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 2}})
        ));
        assert!(deployment(
            &json!({"spec": {"replicas": 4}, "status": {"readyReplicas": 3}})
        ));
        assert!(deployment(
            &json!({"spec": {"replicas": 3, "paused": true}, "status": {}})
        ));
        assert!(service(
            &json!({"spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1"}})
        ));
        assert!(!service(
            &json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.1"}, "status": {}})
        ));
        assert!(service(&json!({"spec": {"type": "ExternalName"}})));
        assert!(job(&json!({"spec": {}, "status": {"succeeded": 1}})));
        assert!(!job(
            &json!({"spec": {"completions": 2}, "status": {"succeeded": 1}})
        ));
        assert!(statefulset(
            &json!({"spec": {"replicas": 2}, "status": {"updatedReplicas": 2, "readyReplicas": 2}})
        ));
        assert!(!statefulset(
            &json!({"spec": {"replicas": 2}, "status": {"updatedReplicas": 2, "readyReplicas": 1}})
        ));
        assert!(statefulset(
            &json!({"spec": {"replicas": 2, "updateStrategy": {"type": "OnDelete"}}, "status": {}})
        ));
        assert!(daemonset(
            &json!({"spec": {}, "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberReady": 2}})
        ));
        assert!(!daemonset(
            &json!({"spec": {}, "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": 2, "numberReady": 3}})
        ));
        let done_job_pod = json!({"metadata": {"ownerReferences": [{"kind": "Job"}]}, "spec": {"restartPolicy": "Never"}, "status": {"phase": "Succeeded"}});
        assert!(pod(&done_job_pod));
        assert!(!pod(
            &json!({"spec": {"restartPolicy": "Always"}, "status": {"phase": "Pending"}})
        ));
    }
}
