//! A level-1 logical cloud's user kubeconfig: once a cluster signed the cloud user's CSR,
//! build a kubeconfig with that certificate and the cloud's key, and store it where DIGs on
//! the cloud will find it (cloud config level "1", the cloud's namespace) (8.3 step 6).

use std::time::Duration;

use base64::Engine;
use emco_store::{Op, Txn};
use serde_json::{Value, json};

use super::cluster::{ClusterClient, parse_manifest};
use super::record::{Recorder, kubeconfig};
use crate::deploy::cloud::user_key;
use crate::deploy::context::{ClusterSpec, ContextSpec};
use crate::resources::engine::parse;
use crate::resources::keys;

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// For every cluster of a level-1 cloud context: wait for the certificate, store the
/// kubeconfig. Level-0 contexts (no CSR) have nothing to do.
pub async fn store_user_kubeconfigs(spec: &ContextSpec, recorder: &Recorder) -> bool {
    let Some(app) = spec.apps.first() else {
        return true;
    };
    for cluster in &app.clusters {
        let Some(csr) = cluster
            .resources
            .iter()
            .find(|r| r.name.ends_with("+CertificateSigningRequest"))
        else {
            continue;
        };
        match one_cluster(spec, cluster, &csr.manifest, recorder).await {
            Ok(()) => {}
            Err(err) => {
                tracing::warn!(cluster = %cluster.key(), %err, "logical cloud user kubeconfig not stored");
                return false;
            }
        }
    }
    true
}

async fn one_cluster(
    spec: &ContextSpec,
    cluster: &ClusterSpec,
    csr_manifest: &str,
    recorder: &Recorder,
) -> anyhow::Result<()> {
    let store = recorder.store.as_ref();
    let admin = kubeconfig(store, &cluster.provider, &cluster.cluster, "0", "default")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no admin kubeconfig"))?;
    let client = ClusterClient::from_kubeconfig(&admin).await?;
    let csr = parse_manifest(csr_manifest)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let certificate = loop {
        if let Some(live) = client.get(&csr, "default").await?
            && let Some(cert) = live.data["status"]["certificate"]
                .as_str()
                .filter(|c| !c.is_empty())
        {
            break cert.to_string();
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the CSR was not signed in time"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let lc_item = format!(
        "projects/{}/logical-clouds/{}",
        spec.meta.project, spec.meta.logical_cloud
    );
    let lc = store
        .get(&keys::res(&lc_item))
        .await?
        .ok_or_else(|| anyhow::anyhow!("logical cloud is gone"))?;
    let lc: Value = parse(&lc).map_err(|e| anyhow::anyhow!(e.message))?;
    let ns = lc
        .pointer("/spec/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let user = lc
        .pointer("/spec/user/userName")
        .and_then(Value::as_str)
        .unwrap_or("user");
    let key = store
        .get(&user_key(&lc_item))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user key"))?;
    let admin_cfg = kube::config::Kubeconfig::from_yaml(&admin)?;
    let first = admin_cfg
        .clusters
        .first()
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| anyhow::anyhow!("admin kubeconfig has no cluster"))?;
    let reference = format!("{}-{}", cluster.provider, cluster.cluster);
    let mut cluster_entry = json!({"server": first.server});
    if let Some(ca) = first.certificate_authority_data {
        cluster_entry["certificate-authority-data"] = json!(ca);
    }
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": reference, "cluster": cluster_entry}],
        "users": [{"name": user, "user": {"client-certificate-data": certificate, "client-key-data": b64(&key.value)}}],
        "contexts": [{"name": format!("{user}@{reference}"), "context": {"cluster": reference, "user": user, "namespace": ns}}],
        "current-context": format!("{user}@{reference}")
    });
    let record = json!({ "kubeconfig": kubeconfig.to_string() });
    let cfg_key = keys::cloud_config(&cluster.provider, &cluster.cluster, "1", ns);
    store
        .txn(Txn::new().then(Op::Put {
            key: cfg_key,
            value: record.to_string().into_bytes(),
        }))
        .await?;
    Ok(())
}
