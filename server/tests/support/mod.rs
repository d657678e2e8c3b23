//! Test support: real `emco-server` processes on loopback with a temp store, and the
//! `emcoctl` binary built in the same target directory.
#![allow(dead_code)]

pub mod api;
pub mod fixture;
pub mod gms;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A binary of this workspace, next to `emco-server` in the target directory.
pub fn workspace_bin(name: &str) -> PathBuf {
    let server = PathBuf::from(env!("CARGO_BIN_EXE_emco-server"));
    let path = server.with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` (or `cargo test --workspace`) first",
        path.display()
    );
    path
}

/// Polls `check` until it returns Some, or panics after `timeout` naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One running service process.
pub struct Proc {
    pub service: String,
    pub addr: String,
    child: Option<Child>,
    store: String,
    dir: PathBuf,
    extra_env: Vec<(String, String)>,
}

impl Proc {
    /// Starts `service` on `listen` (use `127.0.0.1:0` for a free port).
    pub fn start(
        service: &str,
        store: &str,
        dir: &Path,
        listen: &str,
        env: &[(&str, &str)],
    ) -> Proc {
        let mut p = Proc {
            service: service.to_string(),
            addr: String::new(),
            child: None,
            store: store.to_string(),
            dir: dir.to_path_buf(),
            extra_env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        p.spawn(listen);
        p
    }

    fn spawn(&mut self, listen: &str) {
        let addr_file = self.dir.join(format!("{}.addr", self.service));
        let _ = std::fs::remove_file(&addr_file);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{}.log", self.service)))
            .expect("open log file");
        let mut cmd = Command::new(workspace_bin("emco-server"));
        cmd.arg(&self.service)
            .arg("--store")
            .arg(&self.store)
            .arg("--listen")
            .arg(listen)
            .arg("--addr-file")
            .arg(&addr_file)
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("spawn emco-server"));
        self.addr = wait_for(
            &format!("{} to listen", self.service),
            Duration::from_secs(20),
            || {
                std::fs::read_to_string(&addr_file)
                    .ok()
                    .filter(|s| !s.is_empty())
            },
        );
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// SIGKILL, like a pod deletion.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits up to `timeout` for the exit; None if it did not exit.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let pid = i32::try_from(child.id()).ok()?;
        // SAFETY: kill(2) with a pid we own has no memory effects.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts again on the same address.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.addr.clone();
        self.spawn(&listen);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join(format!("{}.log", self.service))).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// orchestrator, clm and dcm as separate processes over one SQLite store, plus an
/// emcoctl config pointing at them.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub orchestrator: Proc,
    pub clm: Proc,
    pub dcm: Proc,
    pub cfg: PathBuf,
    pub store_url: String,
}

impl Stack {
    pub fn start() -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = format!("sqlite:{}", dir.path().join("emco.db").display());
        let orchestrator = Proc::start("orchestrator", &store, dir.path(), "127.0.0.1:0", &[]);
        let clm = Proc::start("clm", &store, dir.path(), "127.0.0.1:0", &[]);
        let dcm = Proc::start("dcm", &store, dir.path(), "127.0.0.1:0", &[]);
        let cfg = dir.path().join("emco-cfg.yaml");
        let entry =
            |name: &str, p: &Proc| format!("{name}:\n  host: 127.0.0.1\n  port: {}\n", p.port());
        let text = [
            entry("orchestrator", &orchestrator),
            entry("clm", &clm),
            entry("dcm", &dcm),
            // Traffic-group intents are stored by the orchestrator.
            entry("dtc", &orchestrator),
        ]
        .concat();
        std::fs::write(&cfg, text).expect("write emco-cfg.yaml");
        Stack {
            dir,
            orchestrator,
            clm,
            dcm,
            cfg,
            store_url: store,
        }
    }

    /// Starts an rsync process on this stack's store.
    pub fn rsync(&self) -> Proc {
        Proc::start(
            "rsync",
            &self.store_url,
            self.dir.path(),
            "127.0.0.1:0",
            &[],
        )
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs emcoctl with this stack's config in `cwd`.
    pub fn emcoctl(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(workspace_bin("emcoctl"))
            .current_dir(cwd)
            .arg("--config")
            .arg(&self.cfg)
            .args(args)
            .output()
            .expect("run emcoctl")
    }
}

/// A small blocking HTTP client for assertions.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// A simulated edge cluster process.
pub struct Sim {
    pub name: String,
    pub kubeconfig: PathBuf,
    pub url: String,
    child: Option<Child>,
    dir: PathBuf,
    listen: String,
}

impl Sim {
    pub fn start(name: &str, dir: &Path) -> Sim {
        let mut s = Sim {
            name: name.to_string(),
            kubeconfig: dir.join(format!("{name}.kubeconfig")),
            url: String::new(),
            child: None,
            dir: dir.to_path_buf(),
            listen: "127.0.0.1:0".into(),
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let _ = std::fs::remove_file(&self.kubeconfig);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("sim-{}.log", self.name)))
            .expect("open sim log");
        let child = Command::new(workspace_bin("emco-server"))
            .args([
                "cluster-sim",
                "--name",
                &self.name,
                "--listen",
                &self.listen,
                "--start-delay-ms",
                "50",
            ])
            .arg("--kubeconfig-out")
            .arg(&self.kubeconfig)
            .arg("--data-dir")
            .arg(self.dir.join(format!("sim-{}-data", self.name)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn cluster-sim");
        self.child = Some(child);
        let text = wait_for(
            &format!("cluster {} kubeconfig", self.name),
            Duration::from_secs(20),
            || {
                std::fs::read_to_string(&self.kubeconfig)
                    .ok()
                    .filter(|t| t.contains("server:"))
            },
        );
        let server = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("server:"))
            .map(|s| s.trim().trim_matches('"').to_string())
            .expect("server in kubeconfig");
        self.listen = server.trim_start_matches("http://").to_string();
        self.url = server;
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// GET on the cluster's Kubernetes API; None on 404.
    pub fn get(&self, path: &str) -> Option<serde_json::Value> {
        let r = http().get(format!("{}{path}", self.url)).send().ok()?;
        if r.status().as_u16() == 404 {
            return None;
        }
        r.json().ok()
    }

    /// Names of the objects a list path returns.
    pub fn names(&self, path: &str) -> Vec<String> {
        self.get(path)
            .and_then(|l| l["items"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Opens the stack's store directly, for invariant checks.
pub fn open_store(dir: &Path) -> std::sync::Arc<dyn emco_store::Store> {
    let url = format!("sqlite:{}", dir.join("emco.db").display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(emco_store::open(&url))
        .expect("open store")
}

/// Reads a key from the store (blocking).
pub fn store_get(store: &std::sync::Arc<dyn emco_store::Store>, key: &str) -> Option<Vec<u8>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(store.get(key))
        .ok()
        .flatten()
        .map(|kv| kv.value)
}
