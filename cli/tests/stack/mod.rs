//! The real bundled server for emcoctl's tests: `emco-server all` (or single services) on
//! loopback with a temp SQLite store, simulated clusters, and emcoctl runs against them.
#![allow(dead_code)]

mod run;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use run::{Run, Running};

/// `emco-server`, built in the same target directory as emcoctl.
pub fn server_bin() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_emcoctl")).with_file_name("emco-server");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (these tests run the real server)",
        path.display()
    );
    path
}

pub fn emcoctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_emcoctl"))
}

/// Polls `check` until it returns Some, or panics after `timeout` naming `what`.
pub fn wait_until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process killed (SIGKILL) when dropped.
pub struct Proc {
    pub child: Option<Child>,
}

impl Proc {
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn log_file(dir: &Path, name: &str) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.log")))
        .expect("open log file")
}

/// `emco-server all --ephemeral` on a temp store, with the emcoctl config it writes.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub store: String,
    pub cfg: PathBuf,
    all: Proc,
}

impl Stack {
    pub fn start() -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = format!("sqlite:{}", dir.path().join("emco.db").display());
        let cfg = dir.path().join("cfg.yaml");
        let child = Command::new(server_bin())
            .args(["all", "--ephemeral", "--store", &store, "--emco-cfg-out"])
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(log_file(dir.path(), "all"))
            .spawn()
            .expect("spawn emco-server all");
        let all = Proc { child: Some(child) };
        wait_until(
            "emco-server all to write its config",
            Duration::from_secs(30),
            || {
                std::fs::read_to_string(&cfg)
                    .ok()
                    .filter(|t| t.contains("dcm:"))
            },
        );
        Stack {
            dir,
            store,
            cfg,
            all,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The port of `service` in the emcoctl config.
    pub fn port(&self, service: &str) -> u16 {
        let text = std::fs::read_to_string(&self.cfg).expect("read config");
        let mut lines = text
            .lines()
            .skip_while(|l| l.trim() != format!("{service}:"));
        lines
            .find_map(|l| l.trim().strip_prefix("port:"))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {service} port in {text}"))
    }

    /// Starts a separate dcm on the same store and points the config's dcm entry at it, so it
    /// can be killed and restarted alone.
    pub fn separate_dcm(&self) -> Service {
        let dcm = Service::start("dcm", &self.store, self.path(), "127.0.0.1:0");
        let text = std::fs::read_to_string(&self.cfg).expect("read config");
        let old = format!("port: {}", self.port("dcm"));
        let dcm_at = text.find("dcm:").expect("dcm entry");
        let port_at = dcm_at + text[dcm_at..].find(&old).expect("dcm port");
        let text = format!(
            "{}port: {}{}",
            &text[..port_at],
            dcm.port(),
            &text[port_at + old.len()..]
        );
        std::fs::write(&self.cfg, text).expect("write config");
        dcm
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(emcoctl_bin());
        cmd.current_dir(self.path())
            .env("HOME", self.path())
            .arg("--config")
            .arg(&self.cfg)
            .args(args);
        cmd
    }

    /// Runs emcoctl to the end (in the stack's directory).
    pub fn emcoctl(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run emcoctl"))
    }

    /// Starts emcoctl with piped output, read line by line on threads.
    pub fn emcoctl_spawn(&self, args: &[&str]) -> Running {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn emcoctl");
        Running::new(child)
    }
}

/// One emco-server service process, restartable on its address.
pub struct Service {
    name: String,
    store: String,
    dir: PathBuf,
    pub addr: String,
    proc: Proc,
}

impl Service {
    pub fn start(name: &str, store: &str, dir: &Path, listen: &str) -> Service {
        let mut s = Service {
            name: name.to_string(),
            store: store.to_string(),
            dir: dir.to_path_buf(),
            addr: String::new(),
            proc: Proc { child: None },
        };
        s.spawn(listen);
        s
    }

    fn spawn(&mut self, listen: &str) {
        let addr_file = self.dir.join(format!("{}.addr", self.name));
        let _ = std::fs::remove_file(&addr_file);
        let child = Command::new(server_bin())
            .args([
                &self.name,
                "--store",
                &self.store,
                "--listen",
                listen,
                "--addr-file",
            ])
            .arg(&addr_file)
            .stdout(Stdio::null())
            .stderr(log_file(&self.dir, &self.name))
            .spawn()
            .expect("spawn service");
        self.proc = Proc { child: Some(child) };
        self.addr = wait_until(
            &format!("{} to listen", self.name),
            Duration::from_secs(30),
            || {
                std::fs::read_to_string(&addr_file)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            },
        );
    }

    pub fn port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in address")
    }

    /// SIGKILL, like a pod deletion.
    pub fn kill(&mut self) {
        self.proc.kill();
    }

    /// Starts again on the same address.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.addr.clone();
        self.spawn(&listen);
    }
}

/// A simulated edge cluster, restartable on its address.
pub struct Sim {
    pub name: String,
    pub kubeconfig: PathBuf,
    dir: PathBuf,
    listen: String,
    proc: Proc,
}

impl Sim {
    pub fn start(name: &str, dir: &Path) -> Sim {
        let mut s = Sim {
            name: name.to_string(),
            kubeconfig: dir.join(format!("{name}.kc")),
            dir: dir.to_path_buf(),
            listen: "127.0.0.1:0".into(),
            proc: Proc { child: None },
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let _ = std::fs::remove_file(&self.kubeconfig);
        let child = Command::new(server_bin())
            .args([
                "cluster-sim",
                "--name",
                &self.name,
                "--listen",
                &self.listen,
            ])
            .arg("--kubeconfig-out")
            .arg(&self.kubeconfig)
            .stdout(Stdio::null())
            .stderr(log_file(&self.dir, &format!("sim-{}", self.name)))
            .spawn()
            .expect("spawn cluster-sim");
        self.proc = Proc { child: Some(child) };
        let text = wait_until(
            &format!("cluster {} kubeconfig", self.name),
            Duration::from_secs(30),
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
    }

    pub fn kill(&mut self) {
        self.proc.kill();
    }

    /// Starts again on the same address (the registered kubeconfig stays valid).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

/// A resource file that registers cluster `edge01` (kubeconfig `edge01.kc` in the working
/// directory) and creates the level-1 logical cloud `lc1` on it; with `instantiate`, also
/// instantiates it.
pub fn logical_cloud_file(instantiate: bool) -> String {
    let doc = |anchor: &str, rest: &str| {
        format!("version: emco/v2\nresourceContext:\n  anchor: {anchor}\n{rest}")
    };
    let mut docs = vec![
        doc("projects", "metadata:\n  name: p1\n"),
        doc("cluster-providers", "metadata:\n  name: p\n"),
        doc(
            "cluster-providers/p/clusters",
            "metadata:\n  name: edge01\nfile: edge01.kc\n",
        ),
        doc(
            "projects/p1/logical-clouds",
            "metadata:\n  name: lc1\nspec:\n  namespace: ns1\n  level: \"1\"\n  user:\n    userName: alice\n    type: certificate\n",
        ),
        doc(
            "projects/p1/logical-clouds/lc1/cluster-references",
            "metadata:\n  name: edge01-ref\nspec:\n  clusterProvider: p\n  cluster: edge01\n",
        ),
        doc(
            "projects/p1/logical-clouds/lc1/user-permissions",
            "metadata:\n  name: perm-ns1\nspec:\n  namespace: ns1\n  apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"list\"]\n",
        ),
        doc(
            "projects/p1/logical-clouds/lc1/cluster-quotas",
            "metadata:\n  name: q1\nspec:\n  pods: \"10\"\n",
        ),
    ];
    if instantiate {
        docs.push(doc("projects/p1/logical-clouds/lc1/instantiate", ""));
    }
    docs.join("---\n")
}
