//! Raw store benchmark: N create transactions (a put guarded by a Missing compare, as an API
//! create does) on a fresh SQLite store, reported as one JSON line.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use emco_store::{Compare, Op, Store, Txn, sqlite::SqliteStore};

#[derive(Parser)]
#[command(about = "Measure the raw create-transaction rate of a fresh SQLite store")]
struct Args {
    /// Store file to create; must not exist yet.
    path: PathBuf,
    /// Number of transactions.
    #[arg(short = 'n', long, default_value_t = 10_000)]
    txns: u64,
    /// Transactions in flight at once (tasks sharing the store).
    #[arg(short, long, default_value_t = 1)]
    concurrency: u64,
    /// Bytes per value (a small JSON resource is a few hundred).
    #[arg(long, default_value_t = 256)]
    value_size: usize,
    /// Also run GETs in a loop while the transactions run and report their latency
    /// (`get_p50_ms`, `get_p99_ms`, `gets`).
    #[arg(long)]
    get_latency: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.txns > 0, "--txns must be at least 1");
    ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    if args.path.exists() {
        bail!(
            "{} exists; store-bench needs a path for a fresh store",
            args.path.display()
        );
    }
    let store = SqliteStore::open(&args.path)
        .await
        .with_context(|| format!("opening a store at {}", args.path.display()))?;
    let store: Arc<dyn Store> = Arc::new(store);
    let value = Arc::new(vec![b'x'; args.value_size]);

    let done = Arc::new(AtomicBool::new(false));
    let reader = args
        .get_latency
        .then(|| tokio::spawn(read_loop(Arc::clone(&store), Arc::clone(&done))));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        let (store, value) = (Arc::clone(&store), Arc::clone(&value));
        let (txns, step) = (args.txns, args.concurrency);
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while i < txns {
                let key = format!("/bench/{i:010}");
                let txn = Txn::new()
                    .when(Compare::Missing(key.clone()))
                    .then(Op::put(key.clone(), value.as_slice()));
                let resp = store
                    .txn(txn)
                    .await
                    .with_context(|| format!("create {key}"))?;
                ensure!(resp.succeeded, "{key} existed already");
                i += step;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("a benchmark task failed")??;
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let mut line = serde_json::json!({
        "txns": args.txns,
        "seconds": seconds,
        "txn_per_sec": args.txns as f64 / seconds,
    });
    if let Some(reader) = reader {
        let mut latencies = reader.await.context("the GET loop failed")??;
        latencies.sort_unstable();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        line["gets"] = latencies.len().into();
        line["get_p50_ms"] = at(0.5).into();
        line["get_p99_ms"] = at(0.99).into();
    }
    println!("{line}");
    Ok(())
}

/// GETs of the first key (missing until the first create) until `done`; returns each latency.
async fn read_loop(store: Arc<dyn Store>, done: Arc<AtomicBool>) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    while !done.load(Ordering::Relaxed) {
        let started = Instant::now();
        store.get("/bench/0000000000").await.context("get")?;
        latencies.push(started.elapsed());
    }
    Ok(latencies)
}
