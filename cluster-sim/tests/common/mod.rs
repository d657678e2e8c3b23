//! Shared helpers of the integration tests: start a simulator on loopback, build clients, and
//! wait for conditions with deadlines.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use emco_cluster_sim::{RunningSim, SimOptions};

pub struct Sim {
    pub sim: RunningSim,
    pub dir: tempfile::TempDir,
}

pub async fn start_with(f: impl FnOnce(&mut SimOptions)) -> Sim {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = SimOptions {
        name: "test".into(),
        kubeconfig_out: dir.path().join("kubeconfig"),
        start_delay: Duration::from_millis(100),
        ..Default::default()
    };
    f(&mut opts);
    let sim = emco_cluster_sim::start(opts)
        .await
        .expect("start simulator");
    Sim { sim, dir }
}

pub async fn start() -> Sim {
    start_with(|_| {}).await
}

pub async fn kube_client(kubeconfig: &std::path::Path) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("read kubeconfig");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .expect("kube config");
    kube::Client::try_from(cfg).expect("kube client")
}

/// Polls `check` until it returns `Some`, failing the test after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().build().expect("http client")
}
