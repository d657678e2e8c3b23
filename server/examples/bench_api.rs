//! API load generator for `scripts/bench-api`: creates resources over loopback against a
//! running orchestrator, reads each back, and prints one JSON line of results.
//!
//! Usage: bench_api URL COUNT CONCURRENCY

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .ok_or("usage: bench_api URL COUNT CONCURRENCY")?
        .clone();
    let count: usize = args
        .get(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let workers: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(4);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(workers)
        .build()?;

    // 1% projects, the rest composite apps under them: creates check a parent, like most calls.
    let projects = (count / 100).max(1);
    let names: Arc<Vec<(String, String)>> = Arc::new(
        (0..count)
            .map(|i| {
                if i < projects {
                    (format!("{base}/v2/projects"), format!(r#"{{"metadata":{{"name":"p{i}"}}}}"#))
                } else {
                    let p = i % projects;
                    (
                        format!("{base}/v2/projects/p{p}/composite-apps"),
                        format!(r#"{{"metadata":{{"name":"ca{i}"}},"spec":{{"compositeAppVersion":"v1"}}}}"#),
                    )
                }
            })
            .collect(),
    );
    // Projects first (sequentially), so every composite app finds its parent.
    let start = Instant::now();
    for (url, body) in names.iter().take(projects) {
        let r = client.post(url).body(body.clone()).send().await?;
        if r.status().as_u16() != 201 {
            return Err(format!("create failed: {}", r.status()).into());
        }
    }
    let next = Arc::new(AtomicUsize::new(projects));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, names, next) = (client.clone(), names.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((url, body)) = names.get(i) else {
                    return Ok::<(), String>(());
                };
                let r = client
                    .post(url)
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if r.status().as_u16() != 201 {
                    return Err(format!("create failed: {}", r.status()));
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let create_secs = start.elapsed().as_secs_f64();

    let mut latencies: Vec<Duration> = Vec::with_capacity(count);
    for i in projects..count {
        let url = format!(
            "{base}/v2/projects/p{}/composite-apps/ca{i}/v1",
            i % projects
        );
        let t = Instant::now();
        let r = client.get(&url).send().await?;
        let status = r.status().as_u16();
        let _ = r.bytes().await?;
        latencies.push(t.elapsed());
        if status != 200 {
            return Err(format!("get failed: {status}").into());
        }
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "{{\"creates\":{count},\"create_seconds\":{create_secs:.3},\"creates_per_sec\":{:.0},\"get_p50_ms\":{:.3},\"get_p99_ms\":{:.3},\"concurrency\":{workers}}}",
        count as f64 / create_secs,
        pct(0.50),
        pct(0.99)
    );
    Ok(())
}
