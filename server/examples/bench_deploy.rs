//! Deployment benchmark for `scripts/bench-deploy`: N simulated clusters (in this process)
//! x 12 apps x 3 resources, deployed by the real orchestrator, clm, dcm and rsync processes.
//!
//! Prints, per cluster count: time from the instantiate POST to `Instantiated`, the per-object
//! distribution latency (POST to the object's ADDED event on its cluster) p50/p90/p99, the
//! time to terminate, and for the largest case the status query latency (summary and all).
//!
//! Usage: bench_deploy SERVER_BIN CLUSTERS[,CLUSTERS...]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

type Error = Box<dyn std::error::Error + Send + Sync>;
const APPS: usize = 12;
const CA: &str = "projects/bench/composite-apps/bench/v1";
const DIG: &str = "projects/bench/composite-apps/bench/v1/deployment-intent-groups/dig";

struct Services {
    children: Vec<Child>,
    urls: HashMap<&'static str, String>,
}

impl Drop for Services {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start_services(bin: &Path, dir: &Path) -> Result<Services, Error> {
    let mut s = Services {
        children: Vec::new(),
        urls: HashMap::new(),
    };
    for svc in ["orchestrator", "clm", "dcm", "rsync"] {
        let addr = dir.join(format!("{svc}.addr"));
        let child = Command::new(bin)
            .args([
                svc,
                "--store",
                &format!("sqlite:{}", dir.join("emco.db").display()),
                "--listen",
                "127.0.0.1:0",
            ])
            .arg("--addr-file")
            .arg(&addr)
            .env("EMCO_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("{svc}.log")))?)
            .spawn()?;
        s.children.push(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(a) = std::fs::read_to_string(&addr)
                && !a.is_empty()
            {
                s.urls.insert(svc, format!("http://{a}"));
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("{svc} did not start").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Ok(s)
}

/// A chart named `name` with a ConfigMap, a Service and a Deployment.
fn chart(name: &str) -> Result<Vec<u8>, Error> {
    let files = [
        (
            "Chart.yaml",
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
        ),
        ("values.yaml", "replicas: 1\n".to_string()),
        (
            "templates/cm.yaml",
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n  k: v\n"
            ),
        ),
        (
            "templates/svc.yaml",
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n  - port: 80\n"
            ),
        ),
        (
            "templates/deploy.yaml",
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {{{{ .Values.replicas }}}}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: c\n        image: x\n"
            ),
        ),
    ];
    tgz(files
        .iter()
        .map(|(p, c)| (format!("{name}/{p}"), c.clone()))
        .collect())
}

fn tgz(files: Vec<(String, String)>) -> Result<Vec<u8>, Error> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, content.as_bytes())?;
    }
    Ok(b.into_inner()?.finish()?)
}

async fn call(
    c: &reqwest::Client,
    method: &str,
    url: String,
    body: Option<Value>,
) -> Result<u16, Error> {
    let req = match method {
        "PUT" => c.put(url),
        _ => c.post(url),
    };
    let r = req
        .body(body.unwrap_or(json!({})).to_string())
        .send()
        .await?;
    let code = r.status().as_u16();
    if code >= 300 {
        return Err(format!(
            "{method} failed: {code} {}",
            r.text().await.unwrap_or_default()
        )
        .into());
    }
    Ok(code)
}

async fn upload(c: &reqwest::Client, url: String, meta: Value, file: Vec<u8>) -> Result<(), Error> {
    let form = Form::new()
        .text("metadata", meta.to_string())
        .part("file", Part::bytes(file).file_name("f"));
    let r = c.post(url).multipart(form).send().await?;
    if r.status().as_u16() != 201 {
        return Err(format!("upload failed: {}", r.text().await.unwrap_or_default()).into());
    }
    Ok(())
}

async fn deployed_status(c: &reqwest::Client, url: &str) -> String {
    let v: Value = match c.get(url).send().await {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    v["deployedStatus"].as_str().unwrap_or("").to_string()
}

async fn wait_status(c: &reqwest::Client, url: &str, want: &str) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let s = deployed_status(c, url).await;
        if s == want {
            return Ok(());
        }
        if s.ends_with("Failed") || Instant::now() > deadline {
            return Err(format!("waiting for {want}, got {s:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Records when each labelled object first appears on a cluster (ADDED watch events).
fn watch_arrivals(url: String, arrivals: Arc<Mutex<Vec<Instant>>>) {
    for path in [
        "/api/v1/configmaps",
        "/api/v1/services",
        "/apis/apps/v1/deployments",
    ] {
        let (url, arrivals) = (
            format!("{url}{path}?watch=true&labelSelector=emco%2Fdeployment-id"),
            arrivals.clone(),
        );
        tokio::spawn(async move {
            let Ok(resp) = reqwest::get(&url).await else {
                return;
            };
            let mut stream = resp.bytes_stream();
            while let Some(Ok(chunk)) = stream.next().await {
                let added = String::from_utf8_lossy(&chunk).matches("\"ADDED\"").count();
                if let Ok(mut a) = arrivals.lock() {
                    a.extend(std::iter::repeat_n(Instant::now(), added));
                }
            }
        });
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run_case(bin: &Path, n: usize, last: bool) -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let services = start_services(bin, dir.path())?;
    let (o, clm, dcm) = (
        &services.urls["orchestrator"],
        &services.urls["clm"],
        &services.urls["dcm"],
    );
    let c = reqwest::Client::new();
    let mut sims = Vec::new();
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    call(
        &c,
        "POST",
        format!("{o}/v2/controllers"),
        Some(json!({"metadata": {"name": "rsync"}, "spec": {"host": "h", "port": 1}})),
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{o}/v2/projects"),
        Some(json!({"metadata": {"name": "bench"}})),
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{clm}/v2/cluster-providers"),
        Some(json!({"metadata": {"name": "p"}})),
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{dcm}/v2/projects/bench/logical-clouds"),
        Some(json!({"metadata": {"name": "lc"}, "spec": {"level": "0"}})),
    )
    .await?;
    for i in 0..n {
        let name = format!("c{i:03}");
        let kubeconfig: PathBuf = dir.path().join(format!("{name}.kubeconfig"));
        let sim = emco_cluster_sim::start(emco_cluster_sim::SimOptions {
            name: name.clone(),
            kubeconfig_out: kubeconfig.clone(),
            cells: 2,
            start_delay: Duration::from_millis(10),
            ..Default::default()
        })
        .await?;
        watch_arrivals(sim.url(), arrivals.clone());
        upload(
            &c,
            format!("{clm}/v2/cluster-providers/p/clusters"),
            json!({"metadata": {"name": name}}),
            std::fs::read(&kubeconfig)?,
        )
        .await?;
        call(
            &c,
            "POST",
            format!("{clm}/v2/cluster-providers/p/clusters/{name}/labels"),
            Some(json!({"clusterLabel": "bench"})),
        )
        .await?;
        call(&c, "POST", format!("{dcm}/v2/projects/bench/logical-clouds/lc/cluster-references"), Some(json!({"metadata": {"name": name}, "spec": {"clusterProvider": "p", "cluster": name}}))).await?;
        sims.push(sim);
    }
    call(
        &c,
        "POST",
        format!("{dcm}/v2/projects/bench/logical-clouds/lc/instantiate"),
        None,
    )
    .await?;
    wait_status(
        &c,
        &format!("{dcm}/v2/projects/bench/logical-clouds/lc/status?status=deployed"),
        "Instantiated",
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{o}/v2/projects/bench/composite-apps"),
        Some(json!({"metadata": {"name": "bench"}, "spec": {"compositeAppVersion": "v1"}})),
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{o}/v2/{CA}/composite-profiles"),
        Some(json!({"metadata": {"name": "cp"}})),
    )
    .await?;
    let profile = tgz(vec![
        (
            "manifest.yaml".into(),
            "version: v1\ntype:\n  values: values.yaml\n".into(),
        ),
        ("values.yaml".into(), "replicas: 1\n".into()),
    ])?;
    for a in 0..APPS {
        let app = format!("app{a:02}");
        upload(
            &c,
            format!("{o}/v2/{CA}/apps"),
            json!({"metadata": {"name": app}}),
            chart(&app)?,
        )
        .await?;
        upload(
            &c,
            format!("{o}/v2/{CA}/composite-profiles/cp/profiles"),
            json!({"metadata": {"name": app}, "spec": {"app": app}}),
            profile.clone(),
        )
        .await?;
    }
    call(&c, "POST", format!("{o}/v2/{CA}/deployment-intent-groups"), Some(json!({"metadata": {"name": "dig"}, "spec": {"compositeProfile": "cp", "version": "r1", "logicalCloud": "lc"}}))).await?;
    call(
        &c,
        "POST",
        format!("{o}/v2/{DIG}/intents"),
        Some(
            json!({"metadata": {"name": "i"}, "spec": {"intent": {"genericPlacementIntent": "g"}}}),
        ),
    )
    .await?;
    call(
        &c,
        "POST",
        format!("{o}/v2/{DIG}/generic-placement-intents"),
        Some(json!({"metadata": {"name": "g"}})),
    )
    .await?;
    for a in 0..APPS {
        let app = format!("app{a:02}");
        let ai = json!({"metadata": {"name": app}, "spec": {"app": app, "intent": {"allOf": [{"clusterProvider": "p", "clusterLabel": "bench"}]}}});
        call(
            &c,
            "POST",
            format!("{o}/v2/{DIG}/generic-placement-intents/g/app-intents"),
            Some(ai),
        )
        .await?;
    }
    call(&c, "POST", format!("{o}/v2/{DIG}/approve"), None).await?;
    let expected = n * APPS * 3;
    let t0 = Instant::now();
    call(&c, "POST", format!("{o}/v2/{DIG}/instantiate"), None).await?;
    let status_url = format!("{o}/v2/{DIG}/status?status=deployed&output=summary");
    wait_status(&c, &status_url, "Instantiated").await?;
    let instantiated = t0.elapsed();
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().map(|a| a.len()).unwrap_or(0) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat: Vec<f64> = arrivals
        .lock()
        .map(|a| {
            a.iter()
                .map(|t| t.duration_since(t0).as_secs_f64() * 1000.0)
                .collect()
        })
        .unwrap_or_default();
    lat.sort_by(f64::total_cmp);
    println!(
        "clusters {n:>3}: objects {}/{expected}  instantiate->Instantiated {:.2}s  distribution p50 {:.0}ms p90 {:.0}ms p99 {:.0}ms",
        lat.len(),
        instantiated.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99)
    );
    if last {
        for output in ["summary", "all"] {
            let mut times = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                let r = c
                    .get(format!("{o}/v2/{DIG}/status?status=ready&output={output}"))
                    .send()
                    .await?;
                let _ = r.bytes().await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "   status ready output={output:<7} ({} resources): p50 {:.1}ms max {:.1}ms",
                expected,
                pct(&times, 0.5),
                pct(&times, 1.0)
            );
        }
    }
    let t1 = Instant::now();
    call(&c, "POST", format!("{o}/v2/{DIG}/terminate"), None).await?;
    wait_status(&c, &status_url, "Terminated").await?;
    println!(
        "   terminate->Terminated {:.2}s",
        t1.elapsed().as_secs_f64()
    );
    for s in sims {
        s.shutdown().await;
    }
    drop(services);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let bin = PathBuf::from(
        args.get(1)
            .ok_or("usage: bench_deploy SERVER_BIN CLUSTERS[,CLUSTERS...]")?,
    );
    let counts: Vec<usize> = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("1,10,100")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    for (i, n) in counts.iter().enumerate() {
        run_case(&bin, *n, i + 1 == counts.len()).await?;
    }
    Ok(())
}
