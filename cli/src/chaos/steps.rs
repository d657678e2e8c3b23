//! Carrying out a scenario's steps on a running system: operations (in the foreground or in
//! the background), faults, and waiting for what is still under way.

use std::time::Duration;

use rand::Rng;
use tokio::task::JoinHandle;

use super::faults::FaultError;
use super::history::Outcome;
use super::ops::OpSpec;
use super::runner::Run;
use super::step::{Delay, Proc, SERVICES, Step, Subject};

impl Run {
    fn delay(&mut self, d: Delay) -> Duration {
        match d {
            Delay::Fixed(d) => d,
            Delay::Between(a, b) => {
                let ms = self
                    .rng
                    .random_range(a.as_millis() as u64..=b.as_millis() as u64);
                Duration::from_millis(ms)
            }
        }
    }

    fn anchor(&self, subject: &Subject) -> Result<String, String> {
        match subject {
            Subject::Dig => self
                .pkg
                .dig_anchor()
                .ok_or("the values name no DIG".to_string()),
            Subject::Lc => self
                .pkg
                .lc_anchor()
                .ok_or("the values name no logical cloud".to_string()),
            Subject::Anchor(a) => Ok(a.clone()),
        }
    }

    /// Runs `spec` now, or in the background under `name`.
    async fn op(
        &mut self,
        text: &str,
        spec: OpSpec,
        background: Option<&str>,
    ) -> Option<(Outcome, usize)> {
        match background {
            Some(name) => {
                let ops = self.ops.clone();
                let text = text.to_string();
                let task = tokio::spawn(async move { ops.run(&text, spec).await });
                self.background.insert(name.to_string(), task);
                None
            }
            None => Some(self.ops.run(text, spec).await),
        }
    }

    /// Runs one step. An operation that does not end `ok` stops the scenario (its record
    /// explains why); the invariants are still checked.
    pub async fn step(&mut self, text: &str, step: &Step) -> Result<(), String> {
        let outcome = match step {
            Step::Apply { file, background } => {
                let spec = self.ops.apply(self.pkg.file(file));
                self.op(text, spec, background.as_deref()).await
            }
            Step::Delete { file, background } => {
                let spec = self.ops.delete(self.pkg.file(file));
                self.op(text, spec, background.as_deref()).await
            }
            Step::Get { subject } => {
                let spec = OpSpec::Get(self.anchor(subject)?);
                self.op(text, spec, None).await
            }
            Step::Status {
                subject,
                goal,
                timeout,
                background,
            } => {
                let spec = OpSpec::Wait {
                    anchor: self.anchor(subject)?,
                    goal: goal.clone(),
                    timeout: *timeout,
                };
                self.op(text, spec, background.as_deref()).await
            }
            Step::Join { name } => {
                let task = self
                    .background
                    .remove(name)
                    .ok_or_else(|| format!("{name:?} was already joined"))?;
                Some(task.await.map_err(|e| format!("{name}: {e}"))?)
            }
            _ => {
                self.fault(step).await.map_err(|e| e.to_string())?;
                None
            }
        };
        match outcome {
            Some((Outcome::Ok, _)) | None => Ok(()),
            Some((other, id)) => Err(self.describe(other, id)),
        }
    }

    /// Why an operation did not end `ok`: its error, or its first failed call.
    fn describe(&self, outcome: Outcome, id: usize) -> String {
        let t = self.history.lock();
        let Some(op) = t.ops.get(id) else {
            return format!("the operation ended {outcome:?}");
        };
        let why = op.error.clone().or_else(|| {
            op.calls.iter().find(|c| !c.ok).map(|c| {
                let answer = match (c.status, &c.error) {
                    (Some(code), _) => match &c.answer {
                        Some(text) => format!("HTTP {code}: {text}"),
                        None => format!("HTTP {code}"),
                    },
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no answer".to_string(),
                };
                let note = c
                    .note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                format!("{} {}: {answer}{note}", c.method, c.anchor)
            })
        });
        format!(
            "the operation ended {outcome:?}: {}",
            why.unwrap_or_else(|| "see the timeline".to_string())
        )
    }

    async fn fault(&mut self, step: &Step) -> Result<(), FaultError> {
        match step {
            Step::Kill { target } => self.faults.kill(target).await,
            Step::Start { target } => self.faults.start(target).await,
            Step::Restart { target, after } => {
                let delay = self.delay(*after);
                let task = self.faults.restart_after(target, delay).await?;
                self.pending.push(task);
                Ok(())
            }
            Step::Failpoint {
                service,
                name,
                action,
            } => {
                if action.contains("exit") {
                    self.may_exit.insert(service.clone());
                }
                if action.contains("panic") {
                    self.may_panic.insert(service.clone());
                }
                self.faults.failpoint(service, name, action).await
            }
            Step::AwaitFailpoint {
                service,
                name,
                timeout,
            } => self.faults.await_failpoint(service, name, *timeout).await,
            Step::AwaitExit { service, timeout } => self.faults.await_exit(service, *timeout).await,
            Step::Partition { cluster } => self.faults.partition(cluster).await,
            Step::Heal { cluster } => {
                let clusters = match cluster {
                    Some(c) => vec![c.clone()],
                    None => self.scenario.clusters.clone(),
                };
                self.faults.heal(&clusters).await
            }
            Step::Sleep { delay } => {
                let d = self.delay(*delay);
                tokio::time::sleep(d).await;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Waits for pending restarts and unjoined background operations.
    pub async fn settle(&mut self) -> Result<(), String> {
        for task in std::mem::take(&mut self.pending) {
            task.await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
        let mut names: Vec<String> = self.background.keys().cloned().collect();
        names.sort();
        for name in names {
            if let Some(task) = self.background.remove(&name) {
                let _ = task.await;
            }
        }
        Ok(())
    }

    /// Restarts, after `delay`, services that ended by themselves (as Kubernetes would).
    pub fn autorestart(&self, delay: Duration) -> JoinHandle<()> {
        let (sup, faults) = (self.sup.clone(), self.faults.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                for name in sup.crashed().await {
                    if SERVICES.contains(&name.as_str()) {
                        tokio::time::sleep(delay).await;
                        let _ = faults.start(&Proc::One(name)).await;
                    }
                }
            }
        })
    }
}
