//! A compact copy of a ResourceBundleState status: what readiness rules and listings read,
//! without the bulk (pod templates, managed fields, ConfigMap data, encoded objects) that only
//! `output=detail` shows. rsync stores it beside the full status so that summary and listing
//! queries over thousands of resources read and parse a fraction of the data.

use serde_json::Value;

/// The compact form of an RBS `.status`.
pub fn compact(status: &Value) -> Value {
    let mut out = status.clone();
    if let Some(map) = out.as_object_mut() {
        for (key, list) in map.iter_mut() {
            let Some(items) = list.as_array_mut() else {
                continue;
            };
            for item in items {
                if key == "resourceStatuses" {
                    // `res` (the whole object, encoded) is read only for `detail`.
                    if let Some(entry) = item.as_object_mut() {
                        entry.remove("res");
                    }
                } else {
                    trim(item);
                }
            }
        }
    }
    out
}

fn trim(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["managedFields", "annotations", "ownerReferences"] {
            meta.remove(k);
        }
    }
    if let Some(o) = obj.as_object_mut() {
        o.remove("data");
        o.remove("binaryData");
    }
    if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
        for k in [
            "template",
            "containers",
            "initContainers",
            "volumes",
            "request",
            "selector",
        ] {
            spec.remove(k);
        }
    }
    if let Some(status) = obj.get_mut("status").and_then(Value::as_object_mut) {
        for k in ["containerStatuses", "initContainerStatuses", "certificate"] {
            status.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ready;
    use serde_json::json;

    #[test]
    fn keeps_what_readiness_reads_and_drops_the_bulk() {
        let status = json!({
            "ready": true, "resourceCount": 3,
            "deploymentStatuses": [{"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "labels": {"a": "b"}, "managedFields": [{"manager": "m"}]},
                "spec": {"replicas": 2, "paused": false, "strategy": {"rollingUpdate": {"maxUnavailable": 1}},
                         "template": {"spec": {"containers": [{"name": "c"}]}}},
                "status": {"readyReplicas": 1, "replicas": 2}}],
            "podStatuses": [{"metadata": {"name": "p", "labels": {"job-name": "j"}},
                "status": {"phase": "Succeeded", "containerStatuses": [{"name": "c"}]}}],
            "resourceStatuses": [{"group": "apps", "version": "v1", "kind": "ReplicaSet", "name": "rs", "res": "eyJ9"}]
        });
        let small = compact(&status);
        assert_eq!(small["deploymentStatuses"][0]["spec"]["replicas"], 2);
        assert!(
            small["deploymentStatuses"][0]["spec"]
                .get("template")
                .is_none()
        );
        assert!(
            small["deploymentStatuses"][0]["metadata"]
                .get("managedFields")
                .is_none()
        );
        assert_eq!(
            small["podStatuses"][0]["metadata"]["labels"]["job-name"],
            "j"
        );
        assert!(small["resourceStatuses"][0].get("res").is_none());
        assert_eq!(small["resourceStatuses"][0]["name"], "rs");
        // Readiness judged on the compact copy is the same as on the full one.
        let (full_dep, small_dep) = (
            &status["deploymentStatuses"][0],
            &small["deploymentStatuses"][0],
        );
        assert_eq!(
            ready::deployment_ready(full_dep),
            ready::deployment_ready(small_dep)
        );
        let (full_pod, small_pod) = (&status["podStatuses"][0], &small["podStatuses"][0]);
        assert_eq!(
            ready::pod_counts_ready(full_pod),
            ready::pod_counts_ready(small_pod)
        );
        assert!(small.to_string().len() < status.to_string().len());
    }
}
