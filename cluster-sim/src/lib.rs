//! A simulated edge Kubernetes cluster: a Kubernetes API subset (enough for `kube` and
//! `kubectl`), workload controllers, cells running instances with the Diego BBS ActualLRP
//! lifecycle, EMCO's ResourceBundleState monitor, CSR signing, injectable faults and optional
//! persistence.

pub mod admin;
pub mod api;
pub mod apply;
pub mod cells;
pub mod cluster;
pub mod controllers;
pub mod csr;
pub mod error;
pub mod faults;
pub mod kubeconfig;
pub mod lrp;
pub mod monitor;
pub mod objects;
pub mod ops;
pub mod persist;
pub mod resources;
pub mod selectors;
pub mod server;
pub mod shutdown;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

pub use cluster::Cluster;
pub use lrp::{Clock, FakeClock, SystemClock};

/// How to run one simulated cluster.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Cluster name (kubeconfig cluster/context name, CA common name).
    pub name: String,
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where to write the kubeconfig for this cluster.
    pub kubeconfig_out: PathBuf,
    /// With a directory, objects, the resourceVersion counter and the CA survive restarts.
    pub data_dir: Option<PathBuf>,
    /// Number of cells (nodes) running instances.
    pub cells: usize,
    /// How long a cell takes to claim and start an instance.
    pub start_delay: Duration,
    /// Watch events kept for resuming watches from a resourceVersion.
    pub watch_history: usize,
    /// Interval of BOOKMARK events on watches that allow them.
    pub bookmark_interval: Duration,
    /// Clock of the instance lifecycle (crash backoff); the system clock when `None`.
    pub clock: Option<Arc<dyn Clock>>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            name: "cluster-sim".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig_out: PathBuf::from("cluster-sim.kubeconfig"),
            data_dir: None,
            cells: 3,
            start_delay: Duration::from_millis(500),
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(30),
            clock: None,
        }
    }
}

/// A simulator running in this process.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub kubeconfig: PathBuf,
    pub cluster: Arc<Cluster>,
    trigger: shutdown::Trigger,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        kubeconfig::server_url(self.addr)
    }

    /// Stops accepting, ends open connections and background tasks, and waits for them.
    pub async fn shutdown(self) {
        self.trigger.trigger();
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

/// Binds, loads state, starts the controllers, cells and monitor, writes the kubeconfig, and
/// returns while the simulator keeps running in the background.
pub async fn start(opts: SimOptions) -> anyhow::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("binding {}", opts.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let cluster = Cluster::new(cluster::ClusterConfig {
        name: opts.name.clone(),
        data_dir: opts.data_dir.clone(),
        cells: opts.cells,
        start_delay: opts.start_delay,
        watch_history: opts.watch_history,
        bookmark_interval: opts.bookmark_interval,
        clock: opts.clock.clone(),
    })?;
    let (trigger, stop) = shutdown::channel();
    let tasks = vec![
        tokio::spawn(controllers::run(cluster.clone(), stop.clone())),
        tokio::spawn(cells::run(cluster.clone(), stop.clone())),
        tokio::spawn(monitor::run(cluster.clone(), stop.clone())),
        tokio::spawn(server::serve(listener, cluster.clone(), stop)),
    ];
    let token = uuid::Uuid::new_v4().simple().to_string();
    kubeconfig::write(&opts.kubeconfig_out, &opts.name, addr, &token)?;
    tracing::info!(cluster = %opts.name, %addr, kubeconfig = %opts.kubeconfig_out.display(), "cluster simulator listening");
    Ok(RunningSim {
        addr,
        kubeconfig: opts.kubeconfig_out,
        cluster,
        trigger,
        tasks,
    })
}

/// Runs a simulator until `shutdown` resolves.
pub async fn serve(
    opts: SimOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sim = start(opts).await?;
    shutdown.await;
    sim.shutdown().await;
    Ok(())
}
