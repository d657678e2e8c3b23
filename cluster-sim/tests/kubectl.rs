//! The simulator through real kubectl 1.30 (fetched once by scripts/fetch-tools).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// kubectl from the tools cache, or `None` (with a message) when it cannot be downloaded.
fn kubectl() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/fetch-tools");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run scripts/fetch-tools");
    if !out.status.success() {
        eprintln!(
            "SKIPPED: kubectl could not be downloaded: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(PathBuf::from)?;
    first.exists().then_some(first)
}

fn run(kubectl: &Path, kubeconfig: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("run kubectl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const MANIFEST: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
  labels:
    app: demo
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_get_watch_delete() {
    let Some(kubectl) = kubectl() else { return };
    let s = common::start().await;
    let kc = s.sim.kubeconfig.clone();
    let file = s.dir.path().join("x.yaml");
    std::fs::write(&file, MANIFEST).expect("write manifest");
    let file = file.to_string_lossy().to_string();

    let (ok, out) = run(&kubectl, &kc, &["apply", "--server-side", "-f", &file]);
    assert!(ok, "{out}");
    assert!(
        out.contains("configmap/settings serverside-applied"),
        "{out}"
    );
    let (ok, out) = run(&kubectl, &kc, &["apply", "--server-side", "-f", &file]);
    assert!(ok, "second apply: {out}");

    let (ok, out) = run(
        &kubectl,
        &kc,
        &[
            "get",
            "configmap",
            "settings",
            "-n",
            "demo",
            "-o",
            "jsonpath={.data.greeting}",
        ],
    );
    assert!(ok && out == "hello", "{out}");
    let (ok, out) = run(
        &kubectl,
        &kc,
        &["get", "cm", "-n", "demo", "-l", "app=demo", "-o", "name"],
    );
    assert!(ok && out.trim() == "configmap/settings", "{out}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (ok, out) = run(
            &kubectl,
            &kc,
            &[
                "get",
                "deploy",
                "web",
                "-n",
                "demo",
                "-o",
                "jsonpath={.status.readyReplicas}",
            ],
        );
        if ok && out == "2" {
            break;
        }
        assert!(Instant::now() < deadline, "deployment not ready: {out}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // `get -w`: start watching, change the object, read the events, stop the watcher.
    let mut watcher = std::process::Command::new(&kubectl)
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["get", "configmaps", "-n", "demo", "-w", "-o", "name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kubectl get -w");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (ok, out) = run(
        &kubectl,
        &kc,
        &["label", "configmap", "settings", "-n", "demo", "tier=x"],
    );
    assert!(ok, "{out}");
    let (ok, out) = run(
        &kubectl,
        &kc,
        &["delete", "configmap", "settings", "-n", "demo"],
    );
    assert!(ok && out.contains("deleted"), "{out}");
    tokio::time::sleep(Duration::from_millis(700)).await;
    watcher.kill().expect("stop watcher");
    let out = watcher.wait_with_output().expect("watcher output");
    let events = String::from_utf8_lossy(&out.stdout);
    assert!(
        events.matches("configmap/settings").count() >= 3,
        "watch saw: {events:?} / {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (ok, out) = run(
        &kubectl,
        &kc,
        &["get", "configmap", "settings", "-n", "demo"],
    );
    assert!(!ok && out.contains("NotFound"), "{out}");
    let (ok, out) = run(&kubectl, &kc, &["delete", "namespace", "demo"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&kubectl, &kc, &["get", "pods", "-A", "-o", "name"]);
    assert!(ok && out.trim().is_empty(), "pods left: {out}");
    s.sim.shutdown().await;
}
