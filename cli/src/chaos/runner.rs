//! Running one scenario: start the processes, package the example, run the steps (operations
//! and faults), wait for convergence, check the invariants, stop everything.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::task::JoinHandle;

use super::checks::{Checker, Settled};
use super::example::{self, Package};
use super::faults::{FaultError, Faults};
use super::history::{Clock, History, Outcome};
use super::ops::{OpSpec, Ops};
use super::scenario::Scenario;
use super::step::SERVICES;
use super::supervisor::Supervisor;
use crate::client::{ClientOptions, RetryPolicy};
use crate::commands::Session;
use crate::config::Config;

/// How long the end state may take to converge once the steps are done.
const CONVERGE_LIMIT: Duration = Duration::from_secs(60);

/// Settings shared by every scenario of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where `emco-server` is.
    pub bin_dir: PathBuf,
    /// Logs and reports go under it; `None`: nothing is kept.
    pub report_dir: Option<PathBuf>,
    pub seed: u64,
    /// The example directory; `None`: found from the scenario file.
    pub example: Option<PathBuf>,
    /// The client's retry policy (the CLI's default unless measuring another one).
    pub retry: RetryPolicy,
    /// Which repetition of the scenarios this is (0 for the first).
    pub round: u32,
}

/// Why a scenario could not be carried out (as opposed to an invariant failing).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Fault(#[from] FaultError),
    #[error(transparent)]
    Supervisor(#[from] super::supervisor::SupervisorError),
    #[error("{0}")]
    Setup(String),
    #[error("step {index} `{step}`: {reason}")]
    Step {
        index: usize,
        step: String,
        reason: String,
    },
}

/// The result of one scenario, ready for the reports.
pub use super::checks::ScenarioResult;

/// Everything a running scenario works with.
pub struct Run {
    pub scenario: Scenario,
    pub history: History,
    pub sup: Supervisor,
    pub faults: Faults,
    pub ops: Ops,
    pub pkg: Package,
    pub rng: StdRng,
    /// Services a failpoint asked to exit or panic.
    pub may_exit: BTreeSet<String>,
    pub may_panic: BTreeSet<String>,
    pub(super) background: HashMap<String, JoinHandle<(Outcome, usize)>>,
    pub(super) pending: Vec<JoinHandle<Result<(), FaultError>>>,
}

/// A per-scenario seed from the run's seed and the scenario's name, so one scenario's faults
/// do not depend on which others run before it.
pub fn scenario_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes the emcoctl configuration for the running services; returns its path.
pub async fn write_config(sup: &Supervisor, dir: &Path) -> Result<PathBuf, RunError> {
    let mut text = String::new();
    for service in SERVICES {
        let addr = sup.addr(service).await?;
        text.push_str(&format!(
            "{service}:\n  host: {}\n  port: {}\n",
            addr.ip(),
            addr.port()
        ));
    }
    // Traffic-group intents are stored by the orchestrator.
    let o = sup.addr("orchestrator").await?;
    text.push_str(&format!("dtc:\n  host: {}\n  port: {}\n", o.ip(), o.port()));
    let path = dir.join("emco-cfg.yaml");
    std::fs::write(&path, text)
        .map_err(|e| RunError::Setup(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

impl Run {
    /// Starts the clusters and services of `scenario` in `dir` and packages the example.
    pub async fn start(
        scenario: &Scenario,
        opts: &RunOptions,
        dir: &Path,
    ) -> Result<Run, RunError> {
        let history = History::new(Clock::start());
        let bin = opts.bin_dir.join("emco-server");
        let sup = Supervisor::new(&bin, dir, &scenario.clusters, history.clone())?;
        for name in sup.names() {
            sup.start(&name).await?;
        }
        let faults = Faults::new(sup.clone(), history.clone());
        if scenario.needs_failpoints() && !faults.has_failpoints("orchestrator").await? {
            return Err(FaultError::NoFailpoints {
                service: format!("{} (needed by this scenario)", bin.display()),
            }
            .into());
        }
        let example = example::locate(
            scenario.example.as_deref().or(opts.example.as_deref()),
            scenario.path.parent().unwrap_or(Path::new(".")),
        )
        .map_err(RunError::Setup)?;
        let kubeconfigs: Vec<(String, PathBuf)> = scenario
            .clusters
            .iter()
            .map(|c| (c.clone(), sup.kubeconfig(c)))
            .collect();
        let rsync_port = sup.addr("rsync").await?.port();
        let pkg = example::package(
            &example,
            &dir.join("pkg"),
            &kubeconfigs,
            rsync_port,
            &scenario.values,
        )
        .map_err(RunError::Setup)?;
        let cfg = write_config(&sup, dir).await?;
        let config = Config::load(Some(&cfg)).map_err(|e| RunError::Setup(e.to_string()))?;
        let client = ClientOptions {
            retry: opts.retry.clone(),
            ..ClientOptions::default()
        };
        let session = Session::new(config, client)
            .map_err(|e| RunError::Setup(e.to_string()))?
            .with_base_dir(&pkg.dir);
        let ops = Ops {
            session,
            history: history.clone(),
            values: pkg.values_file.clone(),
            files: Default::default(),
        };
        Ok(Run {
            rng: StdRng::seed_from_u64(scenario_seed(opts.seed, &scenario.name)),
            scenario: scenario.clone(),
            history,
            sup,
            faults,
            ops,
            pkg,
            may_exit: BTreeSet::new(),
            may_panic: BTreeSet::new(),
            background: HashMap::new(),
            pending: Vec::new(),
        })
    }

    /// The file operations so far, by id.
    pub fn files(&self) -> Vec<(usize, OpSpec)> {
        self.ops.files.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

/// Runs one scenario to its result; never panics on bad input or failed steps.
pub async fn run_scenario(scenario: &Scenario, opts: &RunOptions) -> ScenarioResult {
    let mut result = ScenarioResult::new(scenario, opts.seed);
    result.round = opts.round;
    let tmp = match tempfile::Builder::new()
        .prefix(&format!("emco-chaos-{}-", scenario.name))
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => return result.error(format!("creating a temp dir: {e}")),
    };
    let deadline = tokio::time::Instant::now() + scenario.timeout;
    let mut run = match tokio::time::timeout(
        scenario.timeout,
        Run::start(scenario, opts, tmp.path()),
    )
    .await
    {
        Ok(Ok(run)) => run,
        Ok(Err(e)) => return result.error(e.to_string()),
        Err(_) => return result.error(format!("setup took longer than {:?}", scenario.timeout)),
    };
    let watcher = scenario.autorestart.map(|d| run.autorestart(d));
    let steps = async {
        for (i, (text, step)) in scenario.steps.iter().enumerate() {
            run.step(text, step)
                .await
                .map_err(|reason| RunError::Step {
                    index: i + 1,
                    step: text.clone(),
                    reason,
                })?;
        }
        run.settle().await.map_err(RunError::Setup)
    };
    let stopped = match tokio::time::timeout_at(deadline, steps).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!(
            "steps did not finish within {:?}",
            scenario.timeout
        )),
    };
    let checker = Checker::new(&run);
    // After a failed step there is nothing to wait for: observe once.
    let now = tokio::time::Instant::now();
    let until = if stopped.is_some() {
        now
    } else {
        deadline.min(now + CONVERGE_LIMIT)
    };
    let settled: Settled = checker.settle(until, &run).await;
    if let Some(w) = watcher {
        w.abort();
    }
    run.sup.stop_all().await;
    result.finish(&run, settled, stopped);
    if let Some(dir) = &opts.report_dir {
        result.keep_logs(&run.sup, &dir.join(result.dir_name()));
    }
    result
}
