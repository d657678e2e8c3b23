//! Jobs run Pods to completion (`parallelism` at a time) until `completions` succeeded, and
//! report active/succeeded/failed with the Complete or Failed condition.

use serde_json::{Map, Value, json};

use super::pods::{self, is_active, is_ready, owned};
use super::{create_obj, write_status};
use crate::cluster::Cluster;
use crate::objects::{self, random_suffix};
use crate::resources::keys;
use crate::store::ObjKey;

pub fn reconcile(c: &Cluster, key: &ObjKey, job: &Value) {
    let uid = pods::uid(job);
    let spec = &job["spec"];
    let completions = spec["completions"].as_i64().unwrap_or(1);
    let parallelism = spec["parallelism"].as_i64().unwrap_or(1);
    let backoff_limit = spec["backoffLimit"].as_i64().unwrap_or(6);
    let all = owned(c, keys::PODS, &key.ns, uid);
    let phase_count = |ph: &str| all.iter().filter(|p| p["status"]["phase"] == ph).count() as i64;
    let (succeeded, failed) = (phase_count("Succeeded"), phase_count("Failed"));
    let mut active = all.iter().filter(|p| is_active(p)).count() as i64;
    let complete = succeeded >= completions;
    let failed_job = failed > backoff_limit;
    if !complete && !failed_job && spec["suspend"].as_bool() != Some(true) {
        let want = parallelism.min(completions - succeeded);
        let mut labels = Map::new();
        for k in ["job-name", "batch.kubernetes.io/job-name"] {
            labels.insert(k.into(), json!(key.name));
        }
        for k in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
            labels.insert(k.into(), json!(uid));
        }
        while active < want {
            let name = format!("{}-{}", key.name, random_suffix(5));
            let mut pod = pods::new_pod(job, &name, &spec["template"], &labels, None);
            if pod["spec"]["restartPolicy"] == "Always" {
                pod["spec"]["restartPolicy"] = json!("Never");
            }
            create_obj(c, keys::PODS, &key.ns, pod);
            active += 1;
        }
    }
    let old = &job["status"];
    let now = objects::now();
    let mut status = json!({
        "active": all.iter().filter(|p| is_active(p)).count(),
        "succeeded": succeeded,
        "failed": failed,
        "ready": all.iter().filter(|p| is_ready(p)).count(),
        "startTime": old["startTime"].as_str().map(str::to_string).unwrap_or_else(|| now.clone()),
    });
    if complete {
        status["completionTime"] = json!(
            old["completionTime"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| now.clone())
        );
        status["conditions"] = json!([
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
        ]);
    } else if failed_job {
        status["conditions"] = json!([
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
        ]);
    }
    write_status(c, keys::JOBS, &key.ns, &key.name, status);
}
