//! App dependencies (5.6): an app waits until each app it depends on is `Deployed` (applied
//! on all its clusters) or `Ready` (the clusters report its resources ready), then `wait` s.
//!
//! The conditions are read from the store, not from memory, so a restarted rsync re-derives
//! them instead of losing in-flight waits.

use std::time::Duration;

use serde_json::Value;

use super::record::Recorder;
use crate::deploy::context::{ContextSpec, Dependency, keys, resource_status};

async fn satisfied(spec: &ContextSpec, dep: &Dependency, recorder: &Recorder) -> bool {
    let Some(app) = spec.app(&dep.app) else {
        return true;
    };
    let store = recorder.store.as_ref();
    for cluster in &app.clusters {
        let key = cluster.key();
        match dep.op_status.as_str() {
            "Ready" => {
                let rbs = store
                    .get(&keys::rbs(&recorder.status_ctx, &app.name, &key))
                    .await
                    .ok()
                    .flatten();
                let ready = rbs
                    .and_then(|kv| serde_json::from_slice::<Value>(&kv.value).ok())
                    .is_some_and(|s| s["ready"].as_bool() == Some(true));
                if !ready {
                    return false;
                }
            }
            // EMCO honours only the exact spellings; anything else does not wait.
            "Deployed" => {
                for r in &cluster.resources {
                    let k = keys::resource_status(&recorder.status_ctx, &app.name, &key, &r.name);
                    let applied = store
                        .get(&k)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|kv| serde_json::from_slice::<Value>(&kv.value).ok())
                        .is_some_and(|v| v["Status"] == resource_status::APPLIED);
                    if !applied {
                        return false;
                    }
                }
            }
            _ => {}
        }
    }
    true
}

/// Waits (until cancelled) for `dep`, then its extra `wait` seconds.
pub async fn wait_for(spec: &ContextSpec, dep: &Dependency, recorder: &Recorder) {
    while !satisfied(spec, dep, recorder).await {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if dep.wait > 0 && matches!(dep.op_status.as_str(), "Ready" | "Deployed") {
        tokio::time::sleep(Duration::from_secs(dep.wait)).await;
    }
}
