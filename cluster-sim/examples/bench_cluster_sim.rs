//! Benchmark of one simulator process: server-side applies per second, watch event latency
//! with 10,000 stored objects, and resident memory at 10,000 and 100,000 objects.
//!
//! `bench` runs the benchmark; it starts the simulator as a child (`bench serve DIR`) so that
//! the memory measured is the simulator's alone.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use serde_json::json;

const CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(PathBuf::from(args.get(1).context("serve DIR")?)).await,
        _ => run().await,
    }
}

async fn serve(dir: PathBuf) -> anyhow::Result<()> {
    let opts = emco_cluster_sim::SimOptions {
        name: "bench".into(),
        kubeconfig_out: dir.join("kubeconfig"),
        ..Default::default()
    };
    emco_cluster_sim::serve(opts, std::future::pending()).await
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("VmRSS not found")
}

fn server_url(kubeconfig: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(kubeconfig)?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .map(str::to_string)
        .context("no server in kubeconfig")
}

fn configmap(name: &str, round: usize) -> String {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "bench", "shard": (round % 8).to_string()}},
        "data": {"round": round.to_string(), "greeting": "hello", "config.yaml": "key: value\nlist: [a, b, c]\n"},
    })
    .to_string()
}

async fn apply(http: &reqwest::Client, url: &str, name: &str, round: usize) -> anyhow::Result<()> {
    let r = http
        .patch(format!(
            "{url}/api/v1/namespaces/default/configmaps/{name}?fieldManager=bench&force=true"
        ))
        .header("content-type", "application/apply-patch+yaml")
        .body(configmap(name, round))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("apply {name}: {}", r.status());
    }
    Ok(())
}

/// Applies objects `from..to` with a fixed number of requests in flight; returns applies/s.
async fn apply_range(
    http: &reqwest::Client,
    url: &str,
    from: usize,
    to: usize,
    round: usize,
) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicUsize::new(from));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (http, url, next) = (http.clone(), url.to_string(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= to {
                        return Ok::<(), anyhow::Error>(());
                    }
                    apply(&http, &url, &format!("cm-{i}"), round).await?;
                }
            })
        })
        .collect();
    for w in workers {
        w.await??;
    }
    Ok((to - from) as f64 / start.elapsed().as_secs_f64())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn watch_latency(
    http: &reqwest::Client,
    url: &str,
    samples: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let list: serde_json::Value = http
        .get(format!(
            "{url}/api/v1/namespaces/default/configmaps?limit=1"
        ))
        .send()
        .await?
        .json()
        .await?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .context("list rv")?
        .to_string();
    let resp = http
        .get(format!(
            "{url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}"
        ))
        .send()
        .await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        let mut body = resp.bytes_stream();
        let mut buf = Vec::new();
        while let Some(Ok(chunk)) = body.next().await {
            let now = Instant::now();
            buf.extend_from_slice(&chunk);
            while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                if let Ok(ev) = serde_json::from_slice::<serde_json::Value>(&line)
                    && let Some(round) = ev["object"]["data"]["round"].as_str()
                {
                    let name = ev["object"]["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default();
                    let _ = tx.send((format!("{name}/{round}"), now));
                }
            }
        }
    });
    let mut lat = Vec::with_capacity(samples);
    for i in 0..samples {
        let name = format!("cm-{}", i * 7 % 10_000);
        let round = 1_000_000 + i;
        let sent = Instant::now();
        apply(http, url, &name, round).await?;
        let want = format!("{name}/{round}");
        loop {
            let (got, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .context("watch event timed out")?
                .context("watch ended")?;
            if got == want {
                lat.push(at.duration_since(sent));
                break;
            }
        }
    }
    lat.sort();
    Ok((percentile(&lat, 0.50), percentile(&lat, 0.99)))
}

async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .arg("serve")
        .arg(dir.path())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().context("child pid")?;
    let kc = dir.path().join("kubeconfig");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kc.exists() {
        if Instant::now() > deadline {
            bail!("simulator did not start");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = server_url(&kc)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let base = rss_kib(pid)?;

    let create_rate = apply_range(&http, &url, 0, 10_000, 0).await?;
    let update_rate = apply_range(&http, &url, 0, 10_000, 1).await?;
    let noop_rate = apply_range(&http, &url, 0, 10_000, 1).await?;
    let rss_10k = rss_kib(pid)?;
    let (p50, p99) = watch_latency(&http, &url, 2_000).await?;
    apply_range(&http, &url, 10_000, 100_000, 0).await?;
    let rss_100k = rss_kib(pid)?;
    child.kill().await?;

    let per_obj = |rss: u64, n: u64| (rss.saturating_sub(base)) as f64 * 1024.0 / n as f64;
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!(
        "| server-side applies/s, creating 10,000 ConfigMaps ({CONCURRENCY} in flight) | {create_rate:.0} | >= 5,000 |"
    );
    println!("| server-side applies/s, changing 10,000 ConfigMaps | {update_rate:.0} | >= 5,000 |");
    println!(
        "| server-side applies/s, re-applying unchanged (no-op) | {noop_rate:.0} | >= 5,000 |"
    );
    println!(
        "| watch event latency p50 (apply sent -> event received, 10,000 objects) | {:.2} ms | |",
        p50.as_secs_f64() * 1000.0
    );
    println!(
        "| watch event latency p99 | {:.2} ms | < 10 ms |",
        p99.as_secs_f64() * 1000.0
    );
    println!("| RSS empty simulator | {} KiB | |", base);
    println!(
        "| RSS at 10,000 objects | {} KiB ({:.0} B/object above empty) | < 2 KiB/object |",
        rss_10k,
        per_obj(rss_10k, 10_000)
    );
    println!(
        "| RSS at 100,000 objects | {} KiB ({:.0} B/object above empty) | < 2 KiB/object |",
        rss_100k,
        per_obj(rss_100k, 100_000)
    );
    Ok(())
}
