//! The state one simulated cluster shares between its API server, controllers, cells and monitor.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use crate::cells::CellSet;
use crate::csr::Ca;
use crate::faults::Faults;
use crate::lrp::{Clock, LrpDb, SystemClock};
use crate::ops::{self, Fields};
use crate::persist::Persist;
use crate::resources::{Registry, keys};
use crate::store::Store;

/// What a cluster is built from (a subset of the public options).
pub struct ClusterConfig {
    pub name: String,
    pub data_dir: Option<PathBuf>,
    pub cells: usize,
    pub start_delay: Duration,
    pub watch_history: usize,
    pub bookmark_interval: Duration,
    pub clock: Option<Arc<dyn Clock>>,
}

pub struct Cluster {
    pub name: String,
    pub store: Store,
    pub registry: Registry,
    pub lrps: Arc<LrpDb>,
    pub faults: Faults,
    pub ca: Ca,
    pub cells: CellSet,
    pub start_delay: Duration,
    pub bookmark_interval: Duration,
}

impl Cluster {
    pub fn new(cfg: ClusterConfig) -> anyhow::Result<Arc<Cluster>> {
        let (store, restored) = match &cfg.data_dir {
            Some(dir) => {
                let (p, loaded) = Persist::open(dir)
                    .with_context(|| format!("loading objects from {}", dir.display()))?;
                let n = loaded.objects.len();
                (
                    Store::new(loaded.rv, loaded.objects, Some(p), cfg.watch_history),
                    n,
                )
            }
            None => (Store::new(0, Vec::new(), None, cfg.watch_history), 0),
        };
        let ca = Ca::load_or_create(cfg.data_dir.as_deref(), &cfg.name)
            .context("setting up the cluster CA")?;
        let clock = cfg.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let cluster = Cluster {
            name: cfg.name,
            store,
            registry: Registry::default(),
            lrps: Arc::new(LrpDb::new(clock)),
            faults: Faults::default(),
            ca,
            cells: CellSet::new(cfg.cells.max(1)),
            start_delay: cfg.start_delay,
            bookmark_interval: cfg.bookmark_interval,
        };
        for (_, json) in cluster.store.list(&Arc::from(keys::CRDS), None).1 {
            if let Ok(v) = serde_json::from_str(&json)
                && let Err(e) = cluster.registry.register_crd(&v)
            {
                tracing::warn!("stored CRD not served: {e}");
            }
        }
        cluster.bootstrap()?;
        tracing::info!(cluster = %cluster.name, restored, "cluster state ready");
        Ok(Arc::new(cluster))
    }

    /// The system namespaces and one Node per cell exist from the start.
    fn bootstrap(&self) -> anyhow::Result<()> {
        let ns_type = self
            .registry
            .by_key(keys::NAMESPACES)
            .context("namespaces type")?;
        for ns in crate::objects::SYSTEM_NAMESPACES {
            if ops::get_raw(self, &ns_type, "", ns).is_err() {
                ops::create(
                    self,
                    &ns_type,
                    "",
                    json!({"metadata": {"name": ns}}),
                    Fields::Keep,
                )
                .with_context(|| format!("creating namespace {ns}"))?;
            }
        }
        let node_type = self.registry.by_key(keys::NODES).context("nodes type")?;
        for (i, cell) in self.cells.names().iter().enumerate() {
            if ops::get_raw(self, &node_type, "", cell).is_err() {
                let node = json!({
                    "metadata": {"name": cell, "labels": {"kubernetes.io/hostname": cell, "kubernetes.io/os": "linux"}},
                    "spec": {},
                });
                ops::create(self, &node_type, "", node, Fields::Keep)
                    .with_context(|| format!("creating node {cell}"))?;
            }
            let _ = ops::update_with(
                self,
                &node_type,
                "",
                cell,
                crate::objects::Sub::Status,
                Fields::Keep,
                None,
                |live| {
                    let mut n = live.clone();
                    n["status"] = json!({
                        "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", i + 10)}, {"type": "Hostname", "address": cell}],
                        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                        "nodeInfo": {"kubeletVersion": "v1.30.0", "architecture": "amd64", "operatingSystem": "linux"},
                    });
                    Ok(n)
                },
            );
        }
        Ok(())
    }
}
