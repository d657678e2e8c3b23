//! One watcher per cluster over its ResourceBundleState objects: the status the cluster's
//! monitor reports is copied into the AppContext named by each object's label (6.4).
//!
//! Watchers start when rsync starts, for every cluster of every context that is not
//! terminated, so ready status keeps updating after a restart (EMCO restarts them lazily).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emco_store::{Op, Store, Txn};
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::core::GroupVersionKind;
use kube::runtime::watcher;
use serde_json::Value;

use super::cluster::ClusterClient;
use super::record::kubeconfig;
use crate::deploy::context::{ContextSpec, keys, status};
use crate::http::failpoint;

pub struct Watchers {
    store: Arc<dyn Store>,
    started: Mutex<HashSet<String>>,
}

impl Watchers {
    pub fn new(store: Arc<dyn Store>) -> Arc<Watchers> {
        Arc::new(Watchers {
            store,
            started: Mutex::new(HashSet::new()),
        })
    }

    /// Starts watching `provider+cluster` unless already watching.
    pub fn ensure(self: &Arc<Self>, provider: &str, cluster: &str) {
        let key = format!("{provider}+{cluster}");
        let fresh = self
            .started
            .lock()
            .map(|mut s| s.insert(key.clone()))
            .unwrap_or(false);
        if fresh {
            let this = self.clone();
            let (p, c) = (provider.to_string(), cluster.to_string());
            tokio::spawn(async move { this.watch_forever(p, c).await });
        }
    }

    /// Starts watchers for every cluster of every context not yet terminated.
    pub async fn start_existing(self: &Arc<Self>) {
        let Ok(range) = self.store.range("/emco/context/").await else {
            return;
        };
        for kv in range.kvs.iter().filter(|kv| kv.key.ends_with("/spec")) {
            let Ok(spec) = serde_json::from_slice::<ContextSpec>(&kv.value) else {
                continue;
            };
            let current = self.store.get(&keys::status(&spec.id)).await.ok().flatten();
            let terminated = current
                .and_then(|kv| serde_json::from_slice::<Value>(&kv.value).ok())
                .is_some_and(|v| v["Status"] == status::TERMINATED);
            if terminated {
                continue;
            }
            for app in &spec.apps {
                for c in &app.clusters {
                    self.ensure(&c.provider, &c.cluster);
                }
            }
        }
    }

    async fn watch_forever(self: Arc<Self>, provider: String, cluster: String) {
        let key = format!("{provider}+{cluster}");
        loop {
            if let Err(err) = self.watch_once(&provider, &cluster, &key).await {
                tracing::debug!(cluster = %key, %err, "status watch interrupted");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn watch_once(&self, provider: &str, cluster: &str, key: &str) -> anyhow::Result<()> {
        let text = kubeconfig(self.store.as_ref(), provider, cluster, "0", "default")
            .await?
            .ok_or_else(|| anyhow::anyhow!("no kubeconfig"))?;
        let client = ClusterClient::from_kubeconfig(&text).await?;
        let gvk = GroupVersionKind::gvk("k8splugin.io", "v1alpha1", "ResourceBundleState");
        let (ar, _) = kube::discovery::pinned_kind(&client.client, &gvk).await?;
        let api: Api<DynamicObject> = Api::all_with(client.client.clone(), &ar);
        let mut events = watcher(api, watcher::Config::default()).boxed();
        while let Some(event) = events.next().await {
            match event? {
                watcher::Event::Apply(obj) | watcher::Event::InitApply(obj) => {
                    self.record(key, &obj).await
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Stores the object's `.status` under the context and app its label names.
    async fn record(&self, cluster: &str, obj: &DynamicObject) {
        let label = obj
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("emco/deployment-id"));
        let Some((id, app)) = label.and_then(|l| l.split_once('-')) else {
            return;
        };
        let Some(status) = obj.data.get("status") else {
            return;
        };
        if !matches!(self.store.get(&keys::spec(id)).await, Ok(Some(_))) {
            return;
        }
        if failpoint::hit("rsync.status.before_write").await.is_err() {
            return;
        }
        let key = keys::rbs(id, app, cluster);
        let value = status.to_string().into_bytes();
        if matches!(self.store.get(&key).await, Ok(Some(kv)) if kv.value == value) {
            return;
        }
        let compact = crate::status::compact::compact(status)
            .to_string()
            .into_bytes();
        let txn = Txn::new().then(Op::Put { key, value }).then(Op::Put {
            key: keys::rbs_compact(id, app, cluster),
            value: compact,
        });
        let _ = self.store.txn(txn).await;
    }
}
