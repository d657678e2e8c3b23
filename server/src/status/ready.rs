//! Whether a live Kubernetes object reported in a ResourceBundleState is ready (emco-api.md
//! 6.6), judged like Helm's ready checker with paused Deployments counted as ready.

use serde_json::Value;

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// `status.conditions[type=Ready].status == "True"`.
pub fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// A Job's pod (or a hook pod) is done once it ran to an end, successful or not.
pub fn pod_done(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

/// Pods created by a Job carry the `job-name` label.
pub fn is_job_pod(pod: &Value) -> bool {
    pod.pointer("/metadata/labels/job-name").is_some()
}

/// ExternalName services are ready; others need a cluster IP and, for load balancers, an
/// external IP or an ingress point.
pub fn service_ready(svc: &Value) -> bool {
    let spec = &svc["spec"];
    let kind = spec["type"].as_str().unwrap_or("ClusterIP");
    if kind == "ExternalName" {
        return true;
    }
    if spec["clusterIP"].as_str().unwrap_or("").is_empty() {
        return false;
    }
    if kind == "LoadBalancer" {
        let external = spec["externalIPs"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        let ingress = svc
            .pointer("/status/loadBalancer/ingress")
            .is_some_and(|i| !i.is_null());
        return external || ingress;
    }
    true
}

/// Kubernetes' int-or-percent scaling (`intstr.GetScaledValueFromIntOrPercent`).
fn scaled(v: &Value, total: i64, round_up: bool) -> Option<i64> {
    if let Some(n) = int(v) {
        return Some(n);
    }
    let pct: i64 = v.as_str()?.strip_suffix('%')?.parse().ok()?;
    let product = pct * total;
    Some(if round_up {
        (product + 99).div_euclid(100)
    } else {
        product.div_euclid(100)
    })
}

/// `deploymentutil.MaxUnavailable`: only rolling updates allow unavailable replicas.
fn deployment_max_unavailable(dep: &Value, replicas: i64) -> i64 {
    let strategy = &dep["spec"]["strategy"];
    if strategy["type"] != "RollingUpdate" || replicas == 0 {
        return 0;
    }
    let rolling = &strategy["rollingUpdate"];
    let zero = Value::from(0);
    let surge = scaled(rolling.get("maxSurge").unwrap_or(&zero), replicas, true).unwrap_or(0);
    let mut unavailable = scaled(
        rolling.get("maxUnavailable").unwrap_or(&zero),
        replicas,
        false,
    )
    .unwrap_or(0);
    // Kubernetes never lets both be zero: the rollout could not progress.
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    unavailable.min(replicas)
}

/// Paused counts as ready; otherwise enough replicas are ready for the rollout strategy.
pub fn deployment_ready(dep: &Value) -> bool {
    if dep["spec"]["paused"].as_bool() == Some(true) {
        return true;
    }
    let replicas = int(&dep["spec"]["replicas"]).unwrap_or(1);
    let ready = int(&dep["status"]["readyReplicas"]).unwrap_or(0);
    ready >= replicas - deployment_max_unavailable(dep, replicas)
}

/// Non-rolling updates are ready; else every pod is updated and enough of them are ready.
pub fn daemon_set_ready(ds: &Value) -> bool {
    let strategy = &ds["spec"]["updateStrategy"];
    if strategy["type"] != "RollingUpdate" {
        return true;
    }
    let status = &ds["status"];
    let desired = int(&status["desiredNumberScheduled"]).unwrap_or(0);
    if int(&status["updatedNumberScheduled"]).unwrap_or(0) != desired {
        return false;
    }
    let max_unavailable = strategy
        .pointer("/rollingUpdate/maxUnavailable")
        .and_then(|v| scaled(v, desired, true))
        .unwrap_or(desired);
    int(&status["numberReady"]).unwrap_or(0) >= desired - max_unavailable
}

/// Non-rolling updates are ready; else the pods below the partition are updated and all are
/// ready.
pub fn stateful_set_ready(sts: &Value) -> bool {
    let strategy = &sts["spec"]["updateStrategy"];
    if strategy["type"] != "RollingUpdate" {
        return true;
    }
    let partition = strategy
        .pointer("/rollingUpdate/partition")
        .and_then(int)
        .unwrap_or(0);
    let replicas = int(&sts["spec"]["replicas"]).unwrap_or(1);
    let status = &sts["status"];
    int(&status["updatedReplicas"]).unwrap_or(0) >= replicas - partition
        && int(&status["readyReplicas"]).unwrap_or(0) == replicas
}

/// Not failed beyond the back-off limit, and completed often enough.
pub fn job_ready(job: &Value) -> bool {
    let backoff = int(&job["spec"]["backoffLimit"]).unwrap_or(6);
    let completions = int(&job["spec"]["completions"]).unwrap_or(1);
    let status = &job["status"];
    int(&status["failed"]).unwrap_or(0) <= backoff
        && int(&status["succeeded"]).unwrap_or(0) >= completions
}

/// A kind the ResourceBundleState tracks: its array in the RBS `.status`, its API version and
/// kind, and its readiness rule.
pub struct Tracked {
    pub field: &'static str,
    pub api_version: &'static str,
    pub kind: &'static str,
    pub ready: fn(&Value) -> bool,
}

/// Pods of Jobs are judged by their end, other pods by their Ready condition.
pub fn pod_counts_ready(pod: &Value) -> bool {
    if is_job_pod(pod) {
        pod_done(pod)
    } else {
        pod_ready(pod)
    }
}

fn present(_: &Value) -> bool {
    true
}

/// The tracked kinds in the order EMCO merges them into a cluster's resources; the generic
/// `resourceStatuses` entries (ready when present) follow them.
pub const TRACKED: [Tracked; 8] = [
    Tracked {
        field: "podStatuses",
        api_version: "v1",
        kind: "Pod",
        ready: pod_counts_ready,
    },
    Tracked {
        field: "serviceStatuses",
        api_version: "v1",
        kind: "Service",
        ready: service_ready,
    },
    Tracked {
        field: "deploymentStatuses",
        api_version: "apps/v1",
        kind: "Deployment",
        ready: deployment_ready,
    },
    Tracked {
        field: "configMapStatuses",
        api_version: "v1",
        kind: "ConfigMap",
        ready: present,
    },
    Tracked {
        field: "daemonSetStatuses",
        api_version: "apps/v1",
        kind: "DaemonSet",
        ready: daemon_set_ready,
    },
    Tracked {
        field: "jobStatuses",
        api_version: "batch/v1",
        kind: "Job",
        ready: job_ready,
    },
    Tracked {
        field: "statefulSetStatuses",
        api_version: "apps/v1",
        kind: "StatefulSet",
        ready: stateful_set_ready,
    },
    Tracked {
        field: "csrStatuses",
        api_version: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        ready: present,
    },
];

/// Whether a resource of this API version and kind is tracked, so that its absence from the
/// ResourceBundleState means `NotPresent`.
pub fn is_tracked(api_version: &str, kind: &str) -> bool {
    TRACKED
        .iter()
        .any(|t| t.api_version == api_version && t.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pods_need_the_ready_condition_and_job_pods_need_an_end() {
        let ready = json!({"status": {"conditions": [
            {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}]}});
        let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}});
        assert!(pod_ready(&ready));
        assert!(!pod_ready(&not_ready));
        assert!(!pod_ready(&json!({})));
        let job_pod =
            json!({"metadata": {"labels": {"job-name": "j"}}, "status": {"phase": "Failed"}});
        assert!(is_job_pod(&job_pod) && pod_done(&job_pod));
        assert!(!is_job_pod(&ready));
        assert!(!pod_done(&json!({"status": {"phase": "Running"}})));
        assert!(pod_done(&json!({"status": {"phase": "Succeeded"}})));
    }

    #[test]
    fn services() {
        assert!(service_ready(&json!({"spec": {"type": "ExternalName"}})));
        assert!(service_ready(&json!({"spec": {"clusterIP": "10.0.0.1"}})));
        assert!(service_ready(&json!({"spec": {"clusterIP": "None"}})));
        // The fixture's Service: no cluster IP reported.
        assert!(!service_ready(
            &json!({"spec": {}, "status": {"loadBalancer": {}}})
        ));
        let lb = |status: Value, ips: Value| json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.2", "externalIPs": ips}, "status": status});
        assert!(!service_ready(&lb(json!({"loadBalancer": {}}), json!([]))));
        assert!(service_ready(&lb(
            json!({"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}),
            json!([])
        )));
        assert!(service_ready(&lb(json!({}), json!(["1.2.3.4"]))));
    }

    #[test]
    fn deployments() {
        let dep =
            |spec: Value, ready: i64| json!({"spec": spec, "status": {"readyReplicas": ready}});
        assert!(deployment_ready(&dep(
            json!({"replicas": 1, "strategy": {}}),
            1
        )));
        assert!(!deployment_ready(&dep(json!({"replicas": 2}), 1)));
        assert!(deployment_ready(&dep(
            json!({"replicas": 3, "paused": true}),
            0
        )));
        let rolling = |mu: Value| {
            json!({"replicas": 4, "strategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": mu}}})
        };
        // 25% of 4 is 1 unavailable allowed.
        assert!(deployment_ready(&dep(rolling(json!("25%")), 3)));
        assert!(!deployment_ready(&dep(rolling(json!("25%")), 2)));
        assert!(deployment_ready(&dep(rolling(json!(2)), 2)));
        // Both zero: Kubernetes allows one unavailable.
        let zero = json!({"replicas": 2, "strategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}});
        assert!(deployment_ready(&dep(zero, 1)));
        assert!(!deployment_ready(&json!({"spec": {"replicas": 1}})));
    }

    #[test]
    fn daemon_sets() {
        assert!(daemon_set_ready(
            &json!({"spec": {"updateStrategy": {"type": "OnDelete"}}})
        ));
        let ds = |updated: i64, ready: i64| {
            json!({
            "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}},
            "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": updated, "numberReady": ready}})
        };
        assert!(daemon_set_ready(&ds(3, 2)));
        assert!(!daemon_set_ready(&ds(3, 1)));
        assert!(!daemon_set_ready(&ds(2, 3)));
    }

    #[test]
    fn stateful_sets() {
        assert!(stateful_set_ready(
            &json!({"spec": {"updateStrategy": {"type": "OnDelete"}}})
        ));
        let sts = |partition: i64, updated: i64, ready: i64| {
            json!({
            "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}},
            "status": {"updatedReplicas": updated, "readyReplicas": ready}})
        };
        assert!(stateful_set_ready(&sts(0, 3, 3)));
        assert!(stateful_set_ready(&sts(1, 2, 3)));
        assert!(!stateful_set_ready(&sts(0, 2, 3)));
        assert!(!stateful_set_ready(&sts(0, 3, 2)));
    }

    #[test]
    fn tracked_kinds_are_exactly_emcos_eight() {
        assert!(is_tracked("v1", "ConfigMap") && is_tracked("batch/v1", "Job"));
        assert!(is_tracked(
            "certificates.k8s.io/v1",
            "CertificateSigningRequest"
        ));
        assert!(!is_tracked("rbac.authorization.k8s.io/v1", "Role"));
        assert!(!is_tracked("apps/v1beta1", "Deployment"));
        assert!(!is_tracked("v1", "Namespace"));
    }

    #[test]
    fn jobs() {
        let job = |failed: i64, succeeded: i64| {
            json!({"spec": {"backoffLimit": 1, "completions": 2},
            "status": {"failed": failed, "succeeded": succeeded}})
        };
        assert!(job_ready(&job(1, 2)));
        assert!(!job_ready(&job(2, 2)));
        assert!(!job_ready(&job(0, 1)));
        assert!(job_ready(&json!({"status": {"succeeded": 1}})));
        assert!(!job_ready(&json!({})));
    }
}
