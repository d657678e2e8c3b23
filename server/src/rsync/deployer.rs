//! Applies one app to one cluster, or deletes it, through the Kubernetes API (6.3).
//!
//! Every step is idempotent (server-side apply, delete-if-present), so an interrupted run is
//! simply run again from the start: after a crash, after a cancellation, or after the cluster
//! came back from being unreachable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};

use super::cluster::{ClusterClient, ClusterError, add_deployment_label, parse_manifest};
use super::record::{Recorder, kubeconfig};
use crate::deploy::context::{
    AppSpec, ClusterSpec, ContextSpec, ResourceSpec, resource_status as rs,
};
use crate::http::failpoint;

/// What one app-on-cluster job needs.
pub struct Target<'a> {
    pub spec: &'a ContextSpec,
    pub app: &'a AppSpec,
    pub cluster: &'a ClusterSpec,
    pub recorder: &'a Recorder,
}

impl Target<'_> {
    fn key(&self) -> String {
        self.cluster.key()
    }
    /// `emco/deployment-id`: `<status context id>-<app>`.
    pub fn deployment_id(&self) -> String {
        format!("{}-{}", self.spec.meta.status_context, self.app.name)
    }
    fn namespace(&self) -> &str {
        &self.spec.meta.namespace
    }
}

/// Backoff while a cluster is unreachable: 250 ms doubling to 4 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(4)))
}

/// Clients by kubeconfig text: jobs on the same cluster share connections and discovery.
fn client_for(
    text: &str,
) -> impl std::future::Future<Output = Result<Arc<ClusterClient>, ClusterError>> + '_ {
    static CLIENTS: OnceLock<Mutex<HashMap<String, Arc<ClusterClient>>>> = OnceLock::new();
    async move {
        let cache = CLIENTS.get_or_init(Default::default);
        if let Some(c) = cache.lock().ok().and_then(|m| m.get(text).cloned()) {
            return Ok(c);
        }
        let client = Arc::new(ClusterClient::from_kubeconfig(text).await?);
        if let Ok(mut m) = cache.lock() {
            m.insert(text.to_string(), client.clone());
        }
        Ok(client)
    }
}

/// Connects, marking connectivity `Available`, or `Retrying` (with every pending resource)
/// and retrying until the cluster answers. Only cancellation (drop) ends the wait.
async fn connect(t: &Target<'_>) -> Result<Arc<ClusterClient>, ClusterError> {
    let meta = &t.spec.meta;
    let mut attempt = 0;
    loop {
        let text = kubeconfig(
            t.recorder.store.as_ref(),
            &t.cluster.provider,
            &t.cluster.cluster,
            &meta.level,
            &meta.namespace,
        )
        .await
        .map_err(|e| ClusterError::Unreachable(e.to_string()))?;
        let Some(text) = text else {
            return Err(ClusterError::Kubeconfig(format!(
                "no kubeconfig stored for cluster {}",
                t.key()
            )));
        };
        let client = client_for(&text).await?;
        match client.reachable().await {
            Ok(()) => {
                let _ = t
                    .recorder
                    .connectivity(&t.app.name, &t.key(), "Available")
                    .await;
                return Ok(client);
            }
            Err(err) => {
                tracing::warn!(cluster = %t.key(), %err, "cluster unreachable, retrying");
                let _ = t
                    .recorder
                    .connectivity(&t.app.name, &t.key(), "Retrying")
                    .await;
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    }
}

fn prepared(t: &Target<'_>, r: &ResourceSpec) -> Result<Value, ClusterError> {
    let mut obj = parse_manifest(&r.manifest)?;
    add_deployment_label(&mut obj, &t.deployment_id());
    Ok(obj)
}

/// The cluster-side status object the monitor fills for this app (6.4).
fn bundle_state(t: &Target<'_>) -> Value {
    let id = t.deployment_id();
    json!({
        "apiVersion": "k8splugin.io/v1alpha1",
        "kind": "ResourceBundleState",
        "metadata": {"name": id, "namespace": t.namespace(), "labels": {"emco/deployment-id": id}},
        "spec": {"selector": {"matchLabels": {"emco/deployment-id": id}}}
    })
}

/// Applies and waits for the hooks of `event` (Jobs/Pods finish, workloads become ready).
async fn run_hooks(
    t: &Target<'_>,
    client: &ClusterClient,
    event: &str,
) -> Result<(), ClusterError> {
    for hook in t.cluster.hooks.get(event).into_iter().flatten() {
        let obj = prepared(t, hook)?;
        client.apply(&obj, t.namespace()).await?;
        wait_done(client, &obj, t.namespace()).await?;
    }
    Ok(())
}

/// Waits until a hook object has finished (Job/Pod) or is ready (workloads); others at once.
async fn wait_done(client: &ClusterClient, obj: &Value, ns: &str) -> Result<(), ClusterError> {
    let kind = obj["kind"].as_str().unwrap_or("");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
    loop {
        let Some(live) = client.get(obj, ns).await? else {
            return Ok(());
        };
        let status = &live.data["status"];
        let done = match kind {
            "Job" => {
                status["succeeded"].as_i64().unwrap_or(0) > 0
                    || status["failed"].as_i64().unwrap_or(0) > 0
            }
            "Pod" => matches!(status["phase"].as_str(), Some("Succeeded") | Some("Failed")),
            "Deployment" | "StatefulSet" => {
                status["readyReplicas"].as_i64().unwrap_or(0)
                    >= live.data["spec"]["replicas"].as_i64().unwrap_or(1)
            }
            "DaemonSet" => {
                status["numberReady"].as_i64().unwrap_or(0)
                    >= status["desiredNumberScheduled"].as_i64().unwrap_or(1)
            }
            _ => true,
        };
        if done {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(ClusterError::Rejected(format!(
                "hook {} did not finish",
                obj["metadata"]["name"]
            )));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Instantiates the app on the cluster. Unreachability restarts the whole list after a
/// backoff; a refusal by the cluster fails the resource and the job.
pub async fn instantiate(t: &Target<'_>) -> Result<(), ClusterError> {
    let (app, key) = (&t.app.name, t.key());
    let mut attempt = 0;
    'connect: loop {
        let client = connect(t).await?;
        let step = async {
            for crd in &t.cluster.crds {
                client
                    .apply(&parse_manifest(&crd.manifest)?, t.namespace())
                    .await?;
            }
            run_hooks(t, &client, "pre-install").await?;
            for r in &t.cluster.resources {
                let obj = prepared(t, r)?;
                let _ = failpoint::hit("rsync.apply.before_cluster_write").await;
                match client.apply(&obj, t.namespace()).await {
                    Ok(_) => {
                        let _ = failpoint::hit("rsync.apply.after_cluster_write").await;
                        let _ = t.recorder.resource(app, &key, &r.name, rs::APPLIED).await;
                        if obj["kind"] == "CertificateSigningRequest" {
                            client
                                .approve_csr(obj["metadata"]["name"].as_str().unwrap_or(""))
                                .await?;
                        }
                    }
                    Err(e) if e.is_unreachable() => {
                        let _ = t.recorder.resource(app, &key, &r.name, rs::RETRYING).await;
                        return Err(e);
                    }
                    Err(e) => {
                        let _ = t.recorder.resource(app, &key, &r.name, rs::FAILED).await;
                        return Err(e);
                    }
                }
            }
            if !t.cluster.resources.is_empty() {
                client.apply(&bundle_state(t), t.namespace()).await?;
            }
            run_hooks(t, &client, "post-install").await
        };
        match step.await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_unreachable() => {
                let _ = t.recorder.connectivity(app, &key, "Retrying").await;
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue 'connect;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Deletes the app from the cluster in reverse install order. A refused delete marks the
/// resource `Failed` without failing the job; unreachability retries.
pub async fn terminate(t: &Target<'_>) -> Result<(), ClusterError> {
    let (app, key) = (&t.app.name, t.key());
    let mut attempt = 0;
    loop {
        let client = connect(t).await?;
        let step = async {
            run_hooks(t, &client, "pre-delete").await?;
            for r in t.cluster.resources.iter().rev() {
                let obj = prepared(t, r)?;
                match client.delete(&obj, t.namespace()).await {
                    Ok(()) => {
                        let _ = t.recorder.resource(app, &key, &r.name, rs::DELETED).await;
                    }
                    Err(e) if e.is_unreachable() => return Err(e),
                    Err(e) => {
                        tracing::warn!(resource = %r.name, %e, "delete refused");
                        let _ = t.recorder.resource(app, &key, &r.name, rs::FAILED).await;
                    }
                }
            }
            run_hooks(t, &client, "post-delete").await?;
            let extras = t
                .cluster
                .hooks
                .values()
                .flatten()
                .chain(t.cluster.crds.iter());
            for r in extras {
                if let Ok(obj) = parse_manifest(&r.manifest) {
                    let _ = client.delete(&obj, t.namespace()).await;
                }
            }
            client.delete(&bundle_state(t), t.namespace()).await
        };
        match step.await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_unreachable() => {
                let _ = t.recorder.connectivity(app, &key, "Retrying").await;
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Deletes `names` (resources of an older context) from the cluster, in reverse order of
/// `t`'s list; with `drop_bundle`, the app left the cluster, so its status object goes too.
pub async fn remove(
    t: &Target<'_>,
    names: &[String],
    drop_bundle: bool,
) -> Result<(), ClusterError> {
    let (app, key) = (&t.app.name, t.key());
    let mut attempt = 0;
    loop {
        let client = connect(t).await?;
        let step = async {
            for r in t
                .cluster
                .resources
                .iter()
                .rev()
                .filter(|r| names.contains(&r.name))
            {
                match client.delete(&prepared(t, r)?, t.namespace()).await {
                    Ok(()) => {
                        let _ = t.recorder.resource(app, &key, &r.name, rs::DELETED).await;
                    }
                    Err(e) if e.is_unreachable() => return Err(e),
                    Err(e) => tracing::warn!(resource = %r.name, %e, "delete refused"),
                }
            }
            if drop_bundle {
                client.delete(&bundle_state(t), t.namespace()).await?;
            }
            Ok(())
        };
        match step.await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_unreachable() => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
