//! Faults from the admin endpoint: latency, errors (500 or dropped connection), unreachability.

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

async fn set(url: &str, body: Value) -> Value {
    let r = common::http()
        .put(format!("{url}/admin/faults"))
        .json(&body)
        .send()
        .await
        .expect("admin");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

/// A fresh connection per call, so connection-level faults are seen.
fn fresh() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_errors_and_unreachability() {
    let s = common::start().await;
    let url = s.sim.url();
    let version = format!("{url}/version");

    let state = set(&url, json!({"latency_ms": 300})).await;
    assert_eq!(state["latency_ms"], 300);
    let t = Instant::now();
    assert_eq!(
        fresh().get(&version).send().await.expect("slow").status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    common::http()
        .get(format!("{url}/admin/faults"))
        .send()
        .await
        .expect("admin");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "the admin endpoint is never slowed"
    );

    set(
        &url,
        json!({"latency_ms": 0, "error_rate": 1.0, "error_kind": "status500"}),
    )
    .await;
    let r = fresh().get(&version).send().await.expect("500");
    assert_eq!(r.status(), 500);
    let v: Value = r.json().await.expect("status");
    assert_eq!(
        (v["kind"].as_str(), v["reason"].as_str()),
        (Some("Status"), Some("InternalError"))
    );

    set(&url, json!({"error_kind": "reset"})).await;
    assert!(
        fresh().get(&version).send().await.is_err(),
        "connection dropped without a response"
    );

    set(&url, json!({"error_rate": 0.0, "unreachable": true})).await;
    assert!(fresh().get(&version).send().await.is_err(), "unreachable");
    let state: Value = common::http()
        .get(format!("{url}/admin/faults"))
        .send()
        .await
        .expect("admin")
        .json()
        .await
        .expect("json");
    assert_eq!(state["unreachable"], true);
    assert!(s.sim.cluster.store.current_rv() > 0, "state is kept");

    let r = common::http()
        .delete(format!("{url}/admin/faults"))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    assert_eq!(
        fresh()
            .get(&version)
            .send()
            .await
            .expect("reachable again")
            .status(),
        200
    );

    let bad = common::http()
        .put(format!("{url}/admin/faults"))
        .json(&json!({"error_rate": 3}))
        .send()
        .await
        .expect("admin");
    assert_eq!(bad.status(), 400);
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cuts_open_watches() {
    let s = common::start().await;
    let url = s.sim.url();
    let mut watch = fresh()
        .get(format!(
            "{url}/api/v1/namespaces/default/configmaps?watch=true"
        ))
        .send()
        .await
        .expect("watch");
    set(&url, json!({"unreachable": true})).await;
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match watch.chunk().await {
                Ok(Some(_)) => continue,
                other => return other.map(|_| ()),
            }
        }
    })
    .await
    .expect("watch ends in time");
    let _ = end;
    common::http()
        .delete(format!("{url}/admin/faults"))
        .send()
        .await
        .expect("reset");
    s.sim.shutdown().await;
}

/// A local address other than loopback (the outgoing interface), if the machine has one.
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoint_refuses_non_loopback_clients() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("SKIPPED: this machine has no non-loopback address to connect from");
        return;
    };
    let s = common::start_with(|o| o.listen = "0.0.0.0:0".parse().expect("addr")).await;
    let base = format!("http://{ip}:{}", s.sim.addr.port());
    let r = fresh()
        .get(format!("{base}/admin/faults"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 403);
    let r = fresh()
        .get(format!("{base}/version"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    s.sim.shutdown().await;
}
