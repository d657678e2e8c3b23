//! The processes of a run: the four services and the simulated clusters, each an `emco-server`
//! child on an ephemeral loopback port over one fresh store. A process can be SIGKILLed and
//! started again on the same port; everything is killed when the supervisor is dropped
//! (also on Ctrl-C, when the run's future is dropped).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::history::History;
use super::step::SERVICES;

/// How long a process may take to accept connections.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A process could not be started or found.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error(
        "{0} not found: build it with `cargo build -p emco-server --features failpoints` or pass --bin-dir"
    )]
    MissingBinary(PathBuf),
    #[error("no process named {0:?}")]
    Unknown(String),
    #[error("{name} did not start: {reason}\n--- last lines of {log} ---\n{tail}")]
    Start {
        name: String,
        reason: String,
        log: String,
        tail: String,
    },
    #[error("{0}")]
    Io(String),
}

/// How a process ended.
#[derive(Debug, Clone, Serialize)]
pub struct Exit {
    pub process: String,
    pub at_ms: u64,
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The harness killed it (SIGKILL), as opposed to the process ending by itself.
    pub by_harness: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Service,
    Cluster,
}

struct Proc {
    name: String,
    role: Role,
    addr: Option<SocketAddr>,
    child: Option<Child>,
    log: PathBuf,
    /// Stopped by the harness (not to be restarted automatically).
    held: bool,
}

struct Inner {
    bin: PathBuf,
    dir: PathBuf,
    store: String,
    history: History,
    procs: BTreeMap<String, Arc<Mutex<Proc>>>,
    exits: std::sync::Mutex<Vec<Exit>>,
}

/// The run's processes (cheap to clone).
#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

impl Supervisor {
    /// Prepares (does not start) the services and `clusters`, with the store and logs in `dir`.
    pub fn new(
        bin: &Path,
        dir: &Path,
        clusters: &[String],
        history: History,
    ) -> Result<Supervisor, SupervisorError> {
        if !bin.is_file() {
            return Err(SupervisorError::MissingBinary(bin.to_path_buf()));
        }
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs)
            .map_err(|e| SupervisorError::Io(format!("creating {}: {e}", logs.display())))?;
        let mut procs = BTreeMap::new();
        let roles = SERVICES
            .iter()
            .map(|s| (s.to_string(), Role::Service))
            .chain(clusters.iter().map(|c| (c.clone(), Role::Cluster)));
        for (name, role) in roles {
            let proc = Proc {
                log: logs.join(format!("{name}.log")),
                name: name.clone(),
                role,
                addr: None,
                child: None,
                held: true,
            };
            procs.insert(name, Arc::new(Mutex::new(proc)));
        }
        Ok(Supervisor {
            inner: Arc::new(Inner {
                bin: bin.to_path_buf(),
                dir: dir.to_path_buf(),
                store: format!("sqlite:{}", dir.join("emco.db").display()),
                history,
                procs,
                exits: std::sync::Mutex::default(),
            }),
        })
    }

    fn proc(&self, name: &str) -> Result<&Arc<Mutex<Proc>>, SupervisorError> {
        self.inner
            .procs
            .get(name)
            .ok_or_else(|| SupervisorError::Unknown(name.to_string()))
    }

    /// The clusters, then the services, in start order.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .procs
            .keys()
            .filter(|n| !SERVICES.contains(&n.as_str()))
            .cloned()
            .collect();
        names.extend(SERVICES.iter().map(|s| s.to_string()));
        names
    }

    /// Where `name` listens (known after its first start).
    pub async fn addr(&self, name: &str) -> Result<SocketAddr, SupervisorError> {
        self.proc(name)?
            .lock()
            .await
            .addr
            .ok_or_else(|| SupervisorError::Io(format!("{name} has not been started")))
    }

    /// The kubeconfig a simulated cluster wrote.
    pub fn kubeconfig(&self, cluster: &str) -> PathBuf {
        self.inner.dir.join(format!("{cluster}.kubeconfig"))
    }

    /// Log files by process name.
    pub fn logs(&self) -> Vec<(String, PathBuf)> {
        self.inner
            .procs
            .keys()
            .map(|n| {
                (
                    n.clone(),
                    self.inner.dir.join("logs").join(format!("{n}.log")),
                )
            })
            .collect()
    }

    /// Every exit seen so far.
    pub fn exits(&self) -> Vec<Exit> {
        self.inner
            .exits
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// Whether the process is running (as far as the supervisor knows).
    pub async fn is_running(&self, name: &str) -> Result<bool, SupervisorError> {
        Ok(self.proc(name)?.lock().await.child.is_some())
    }

    /// Starts `name` and waits until it accepts. The first start picks a free port; later
    /// starts reuse it, with the same `--listen` argument (rsync derives its lease owner from
    /// it, so a restarted rsync takes its work back at once, as a restarted container would).
    pub async fn start(&self, name: &str) -> Result<SocketAddr, SupervisorError> {
        let first = self.proc(name)?.lock().await.addr.is_none();
        // Another process may take the picked port before the child binds it: pick again.
        let mut tries = if first { 3 } else { 1 };
        loop {
            tries -= 1;
            match self.start_once(name).await {
                Err(e) if tries > 0 => tracing::debug!(%e, "starting again"),
                done => return done,
            }
        }
    }

    async fn start_once(&self, name: &str) -> Result<SocketAddr, SupervisorError> {
        let mut p = self.proc(name)?.lock().await;
        if let (Some(_), Some(addr)) = (&p.child, p.addr) {
            return Ok(addr);
        }
        let listen = match p.addr {
            Some(addr) => addr.to_string(),
            None => free_port()
                .map(|port| format!("127.0.0.1:{port}"))
                .map_err(|e| SupervisorError::Io(format!("finding a free port: {e}")))?,
        };
        let ready_file = match p.role {
            Role::Service => self.inner.dir.join(format!("{name}.addr")),
            Role::Cluster => self.kubeconfig(name),
        };
        let _ = std::fs::remove_file(&ready_file);
        let log = open_log(&p.log)?;
        let err_log = log
            .try_clone()
            .map_err(|e| SupervisorError::Io(e.to_string()))?;
        let mut cmd = Command::new(&self.inner.bin);
        match p.role {
            Role::Service => {
                cmd.arg(name)
                    .arg("--store")
                    .arg(&self.inner.store)
                    .arg("--listen")
                    .arg(&listen)
                    .arg("--addr-file")
                    .arg(&ready_file);
            }
            Role::Cluster => {
                cmd.args(["cluster-sim", "--name", name, "--listen", &listen])
                    .arg("--kubeconfig-out")
                    .arg(&ready_file)
                    .arg("--data-dir")
                    .arg(self.inner.dir.join(format!("{name}-data")));
            }
        }
        cmd.stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|e| SupervisorError::Start {
            name: name.to_string(),
            reason: format!("cannot run {}: {e}", self.inner.bin.display()),
            log: p.log.display().to_string(),
            tail: String::new(),
        })?;
        p.child = Some(child);
        let addr = self.wait_ready(&mut p, &ready_file).await?;
        p.addr = Some(addr);
        p.held = false;
        drop(p);
        self.inner.history.process(name, "up", &addr.to_string());
        self.inner.history.end_faults(&["kill", "exit"], name);
        Ok(addr)
    }

    async fn wait_ready(&self, p: &mut Proc, file: &Path) -> Result<SocketAddr, SupervisorError> {
        let deadline = tokio::time::Instant::now() + START_LIMIT;
        let fail = |p: &Proc, reason: String| SupervisorError::Start {
            name: p.name.clone(),
            reason,
            log: p.log.display().to_string(),
            tail: tail(&p.log, 20),
        };
        loop {
            if let Some(child) = p.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                p.child = None;
                return Err(fail(p, format!("it exited ({status})")));
            }
            let found = match p.role {
                Role::Service => std::fs::read_to_string(file)
                    .ok()
                    .and_then(|t| t.trim().parse().ok()),
                Role::Cluster => std::fs::read_to_string(file)
                    .ok()
                    .and_then(|t| kubeconfig_addr(&t)),
            };
            if let Some(addr) = found {
                return Ok(addr);
            }
            if tokio::time::Instant::now() > deadline {
                return Err(fail(p, format!("not ready within {START_LIMIT:?}")));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILLs `name` (like a pod deletion); nothing happens if it is not running.
    pub async fn kill(&self, name: &str) -> Result<(), SupervisorError> {
        let mut p = self.proc(name)?.lock().await;
        p.held = true;
        let Some(mut child) = p.child.take() else {
            return Ok(());
        };
        let _ = child.start_kill();
        let status = child.wait().await.ok();
        drop(p);
        self.record_exit(name, status, true);
        Ok(())
    }

    /// Collects processes that ended by themselves; returns their names.
    pub async fn reap(&self) -> Vec<String> {
        let mut ended = Vec::new();
        for (name, proc) in &self.inner.procs {
            let mut p = proc.lock().await;
            let status = match p.child.as_mut().map(|c| c.try_wait()) {
                Some(Ok(Some(status))) => status,
                _ => continue,
            };
            p.child = None;
            drop(p);
            self.record_exit(name, Some(status), false);
            self.inner
                .history
                .fault("exit", name, &describe(Some(status)));
            ended.push(name.clone());
        }
        ended
    }

    /// Processes that ended by themselves and were not started again.
    pub async fn crashed(&self) -> Vec<String> {
        self.reap().await;
        let mut down = Vec::new();
        for (name, proc) in &self.inner.procs {
            let p = proc.lock().await;
            if p.child.is_none() && !p.held {
                down.push(name.clone());
            }
        }
        down
    }

    fn record_exit(&self, name: &str, status: Option<std::process::ExitStatus>, by_harness: bool) {
        use std::os::unix::process::ExitStatusExt;
        let at_ms = self.inner.history.clock.now_ms();
        self.inner.history.process(name, "exit", &describe(status));
        if let Ok(mut exits) = self.inner.exits.lock() {
            exits.push(Exit {
                process: name.to_string(),
                at_ms,
                code: status.and_then(|s| s.code()),
                signal: status.and_then(|s| s.signal()),
                by_harness,
            });
        }
    }

    /// Kills every process.
    pub async fn stop_all(&self) {
        for name in self.names().iter().rev() {
            let _ = self.kill(name).await;
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn describe(status: Option<std::process::ExitStatus>) -> String {
    status.map_or_else(|| "unknown".to_string(), |s| s.to_string())
}

fn open_log(path: &Path) -> Result<std::fs::File, SupervisorError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| SupervisorError::Io(format!("opening {}: {e}", path.display())))
}

/// The last `n` lines of a log file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The address in a simulator kubeconfig's `server: http://HOST:PORT`.
pub fn kubeconfig_addr(text: &str) -> Option<SocketAddr> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("server:"))
        .map(|s| s.trim().trim_matches('"'))
        .filter_map(|s| {
            s.strip_prefix("http://")
                .or_else(|| s.strip_prefix("https://"))
        })
        .find_map(|s| s.trim_end_matches('/').parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_server_address() {
        let text = "apiVersion: v1\nclusters:\n- cluster:\n    server: http://127.0.0.1:40123\n  name: edge01\n";
        assert_eq!(
            kubeconfig_addr(text),
            Some("127.0.0.1:40123".parse().unwrap())
        );
        assert_eq!(
            kubeconfig_addr("server: \"https://127.0.0.1:1/\""),
            Some("127.0.0.1:1".parse().unwrap())
        );
        assert_eq!(kubeconfig_addr("clusters: []"), None);
    }

    #[test]
    fn a_missing_binary_says_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = Supervisor::new(
            &dir.path().join("emco-server"),
            dir.path(),
            &[],
            History::new(super::super::history::Clock::start()),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("--features failpoints"), "{err}");
    }
}
