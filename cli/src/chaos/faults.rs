//! How faults are injected: SIGKILL and restart of processes, failpoints through a service's
//! loopback admin endpoint, and partitions through a simulated cluster's admin endpoint.
//! Every fault opens a window in the history that closes when the fault is over.

use std::time::Duration;

use serde_json::{Value, json};

use super::history::History;
use super::step::{Proc, SERVICES};
use super::supervisor::{Supervisor, SupervisorError};

/// A fault could not be injected or awaited.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error(transparent)]
    Supervisor(#[from] SupervisorError),
    #[error(
        "{service} has no failpoints (GET /admin/failpoints answered 404): build the server with \
         `cargo build -p emco-server --features failpoints`"
    )]
    NoFailpoints { service: String },
    #[error("{what}: {reason}")]
    Admin { what: String, reason: String },
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout { what: String, timeout: Duration },
}

/// Injects faults into a run's processes.
#[derive(Clone)]
pub struct Faults {
    sup: Supervisor,
    history: History,
    http: reqwest::Client,
}

fn names(target: &Proc) -> Vec<String> {
    match target {
        Proc::One(name) => vec![name.clone()],
        Proc::AllServices => SERVICES.iter().map(|s| s.to_string()).collect(),
    }
}

impl Faults {
    pub fn new(sup: Supervisor, history: History) -> Faults {
        Faults {
            sup,
            history,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    pub fn supervisor(&self) -> &Supervisor {
        &self.sup
    }

    /// SIGKILLs the target; its window closes when it accepts connections again.
    pub async fn kill(&self, target: &Proc) -> Result<(), FaultError> {
        for name in names(target) {
            if self.sup.is_running(&name).await? {
                self.history.fault("kill", &name, "SIGKILL");
                // A killed process loses its failpoints.
                self.history.end_faults(&["failpoint"], &name);
                self.sup.kill(&name).await?;
            }
        }
        Ok(())
    }

    pub async fn start(&self, target: &Proc) -> Result<(), FaultError> {
        for name in names(target) {
            self.sup.start(&name).await?;
        }
        Ok(())
    }

    /// Kills now and starts again after `delay`, in the background; the task is returned so
    /// the runner can wait for it before checking the end state.
    pub async fn restart_after(
        &self,
        target: &Proc,
        delay: Duration,
    ) -> Result<tokio::task::JoinHandle<Result<(), FaultError>>, FaultError> {
        self.kill(target).await?;
        let this = self.clone();
        let target = target.clone();
        Ok(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            this.start(&target).await
        }))
    }

    async fn admin(&self, service: &str) -> Result<String, FaultError> {
        Ok(format!(
            "http://{}/admin/failpoints",
            self.sup.addr(service).await?
        ))
    }

    /// Whether `service` was built with failpoints (its admin endpoint exists).
    pub async fn has_failpoints(&self, service: &str) -> Result<bool, FaultError> {
        let url = self.admin(service).await?;
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| FaultError::Admin {
                what: format!("GET {url}"),
                reason: e.to_string(),
            })?;
        Ok(response.status().is_success())
    }

    /// Sets failpoint `name` of `service` to `action` (`off` clears it).
    pub async fn failpoint(
        &self,
        service: &str,
        name: &str,
        action: &str,
    ) -> Result<(), FaultError> {
        let url = format!("{}/{name}", self.admin(service).await?);
        let response = self
            .http
            .post(&url)
            .body(action.to_string())
            .send()
            .await
            .map_err(|e| FaultError::Admin {
                what: format!("POST {url}"),
                reason: e.to_string(),
            })?;
        match response.status().as_u16() {
            200 => {}
            404 => {
                return Err(FaultError::NoFailpoints {
                    service: service.to_string(),
                });
            }
            code => {
                let text = response.text().await.unwrap_or_default();
                return Err(FaultError::Admin {
                    what: format!("POST {url} {action}"),
                    reason: format!("HTTP {code}: {}", text.trim()),
                });
            }
        }
        self.history.end_faults(&["failpoint"], service);
        if action.trim() != "off" {
            self.history
                .fault("failpoint", service, &format!("{name}={}", action.trim()));
        }
        Ok(())
    }

    /// The failpoint listing of `service`.
    async fn listing(&self, service: &str) -> Result<Value, FaultError> {
        let url = self.admin(service).await?;
        let what = || format!("GET {url}");
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| FaultError::Admin {
                what: what(),
                reason: e.to_string(),
            })?;
        if response.status().as_u16() == 404 {
            return Err(FaultError::NoFailpoints {
                service: service.to_string(),
            });
        }
        response.json().await.map_err(|e| FaultError::Admin {
            what: what(),
            reason: e.to_string(),
        })
    }

    /// Waits until a request is held by the paused point `name` of `service`.
    pub async fn await_failpoint(
        &self,
        service: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<(), FaultError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let listing = self.listing(service).await?;
            let reached = listing["reached"]
                .as_array()
                .is_some_and(|r| r.iter().any(|n| n == name));
            if reached {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(FaultError::Timeout {
                    what: format!("a request to reach failpoint {name} of {service}"),
                    timeout,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `service` has ended by itself (an `exit` failpoint).
    pub async fn await_exit(&self, service: &str, timeout: Duration) -> Result<(), FaultError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.sup.reap().await;
            if !self.sup.is_running(service).await? {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(FaultError::Timeout {
                    what: format!("{service} to exit"),
                    timeout,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn sim_faults(&self, cluster: &str, body: Option<Value>) -> Result<(), FaultError> {
        let url = format!("http://{}/admin/faults", self.sup.addr(cluster).await?);
        let request = match &body {
            Some(b) => self.http.put(&url).json(b),
            None => self.http.delete(&url),
        };
        let response = request.send().await.map_err(|e| FaultError::Admin {
            what: url.clone(),
            reason: e.to_string(),
        })?;
        if !response.status().is_success() {
            return Err(FaultError::Admin {
                what: url,
                reason: format!("HTTP {}", response.status()),
            });
        }
        Ok(())
    }

    /// Makes a simulated cluster unreachable: every connection is reset (state is kept).
    pub async fn partition(&self, cluster: &str) -> Result<(), FaultError> {
        self.sim_faults(cluster, Some(json!({"unreachable": true})))
            .await?;
        self.history.fault("partition", cluster, "unreachable");
        Ok(())
    }

    /// Clears the faults of one cluster, or of every cluster given.
    pub async fn heal(&self, clusters: &[String]) -> Result<(), FaultError> {
        for cluster in clusters {
            self.sim_faults(cluster, None).await?;
            self.history.end_faults(&["partition"], cluster);
        }
        Ok(())
    }
}
