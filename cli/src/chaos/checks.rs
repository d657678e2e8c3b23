//! The end of a scenario: waiting for convergence, turning the scenario's `expect` and the
//! recorded operations into an [`Expectation`], observing, and the scenario's result.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::history::{CallLog, Outcome, Timeline};
use super::invariants::{self, Expectation, Observation, Verdict, panic_lines};
use super::observe::{self, StatusView};
use super::ops::OpSpec;
use super::recovery::{Lag, lags};
use super::runner::Run;
use super::scenario::{Expect, ObjectRef, Scenario};
use super::supervisor::Supervisor;
use crate::commands::rules::{DeleteAction, delete_action};
use crate::commands::{Session, load_documents};

/// The end state after convergence (or after the deadline).
pub struct Settled {
    pub expectation: Expectation,
    pub observation: Observation,
    /// When invariants 1 and 2 first held (ms since the start).
    pub converged_at: Option<u64>,
}

/// Reads the end state of one run.
pub struct Checker {
    session: Session,
    http: reqwest::Client,
    expect: Expect,
    dig: Option<String>,
    lc: Option<String>,
    apps: Vec<String>,
    clusters: Vec<String>,
}

fn is_call(c: &CallLog, anchor: &Option<String>, op: &str) -> bool {
    c.method == "POST"
        && anchor
            .as_ref()
            .is_some_and(|a| c.anchor == format!("{a}/{op}"))
}

/// (successful calls, calls with an unknown outcome) to `anchor/instantiate`.
fn instantiations(t: &Timeline, anchor: &Option<String>) -> (usize, usize) {
    let calls = t.ops.iter().flat_map(|o| o.calls.iter());
    let ok = calls
        .clone()
        .filter(|c| c.ok && is_call(c, anchor, "instantiate"))
        .count();
    let unknown = t
        .ops
        .iter()
        .filter(|o| o.outcome == Some(Outcome::Info))
        .flat_map(|o| o.calls.iter())
        .filter(|c| !c.ok && c.status.is_none() && is_call(c, anchor, "instantiate"))
        .count();
    (ok, ok + unknown)
}

impl Checker {
    pub fn new(run: &Run) -> Checker {
        Checker {
            session: run.ops.session.clone(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            expect: run.scenario.expect.clone(),
            dig: run.pkg.dig_anchor(),
            lc: run.pkg.lc_anchor(),
            apps: run.pkg.apps(),
            clusters: run.scenario.clusters.clone(),
        }
    }

    async fn read(
        &self,
        want: &Option<String>,
        anchor: &Option<String>,
    ) -> Option<Result<StatusView, String>> {
        want.as_ref()?;
        let anchor = anchor.as_ref()?;
        Some(observe::read_status(&self.session, anchor).await)
    }

    /// Invariants 1 and 2's inputs.
    async fn observe(&self, sup: &Supervisor) -> Observation {
        let mut o = Observation {
            dig: self.read(&self.expect.dig, &self.dig).await,
            lc: self.read(&self.expect.lc, &self.lc).await,
            ..Observation::default()
        };
        for c in &self.clusters {
            let found = match sup.addr(c).await {
                Ok(addr) => observe::cluster_objects(&self.http, addr).await,
                Err(e) => Err(e.to_string()),
            };
            o.clusters.insert(c.clone(), found);
        }
        o
    }

    /// The objects each cluster must hold: while the DIG is deployed, the scenario's list (or
    /// what the server planned) plus one ResourceBundleState per app; otherwise nothing.
    fn objects(&self, e: &mut Expectation, o: &Observation) {
        let deployed = self.expect.dig.as_deref() == Some("Instantiated");
        let view = match &o.dig {
            Some(Ok(v)) if deployed && v.exists => v,
            _ => {
                e.objects = self
                    .clusters
                    .iter()
                    .map(|c| (c.clone(), BTreeSet::new()))
                    .collect();
                e.deployment_ids = None;
                return;
            }
        };
        let apps = if view.apps.is_empty() {
            self.apps.clone()
        } else {
            view.apps.clone()
        };
        // Never instantiated: no context, so no ResourceBundleStates to expect.
        let ids: BTreeSet<String> = match view.statusctxid.as_str() {
            "" => BTreeSet::new(),
            ctx => apps.iter().map(|a| format!("{ctx}-{a}")).collect(),
        };
        for c in &self.clusters {
            let mut set: BTreeSet<ObjectRef> = match &self.expect.objects {
                Some(list) => list.iter().cloned().collect(),
                None => view
                    .planned
                    .iter()
                    .filter(|(pc, _)| pc == c)
                    .map(|(_, o)| o.clone())
                    .collect(),
            };
            set.extend(ids.iter().map(|id| ObjectRef {
                kind: "ResourceBundleState".into(),
                namespace: "default".into(),
                name: id.clone(),
            }));
            e.objects.insert(c.clone(), set);
        }
        e.deployment_ids = Some(ids);
    }

    /// Polls until invariants 1 and 2 hold or `deadline`, then observes everything.
    pub async fn settle(&self, deadline: tokio::time::Instant, run: &Run) -> Settled {
        let base = self.expectation(run);
        let limit = deadline;
        let mut converged_at = None;
        let (mut e, mut o) = loop {
            let o = self.observe(&run.sup).await;
            let mut e = base.clone();
            self.objects(&mut e, &o);
            if invariants::converged(&e, &o) {
                converged_at = Some(run.history.clock.now_ms());
                break (e, o);
            }
            if tokio::time::Instant::now() > limit {
                break (e, o);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let t = run.history.snapshot();
        let created = self.created(&t, run);
        for (anchor, name, item, _) in &created {
            let n = observe::count_named(&self.session, anchor, name, item).await;
            o.created.push((anchor.clone(), name.clone(), n));
        }
        e.created = created.into_iter().map(|(a, n, _, k)| (a, n, k)).collect();
        run.sup.reap().await;
        o.exits = run.sup.exits();
        for (process, log) in run.sup.logs() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            o.panics
                .extend(panic_lines(&text).into_iter().map(|l| (process.clone(), l)));
        }
        for op in t.ops.iter().filter(|op| op.outcome == Some(Outcome::Info)) {
            let resolution = self.resolve(op.calls.iter().find(|c| !c.ok)).await;
            run.history.lock().ops[op.id].resolution = resolution.clone();
            o.info_ops.push((op.step.clone(), resolution));
        }
        Settled {
            expectation: e,
            observation: o,
            converged_at,
        }
    }

    fn expectation(&self, run: &Run) -> Expectation {
        let t = run.history.snapshot();
        Expectation {
            dig: self.expect.dig.clone(),
            lc: self.expect.lc.clone(),
            dig_instantiations: instantiations(&t, &self.dig),
            lc_instantiations: instantiations(&t, &self.lc),
            may_exit: run.may_exit.clone(),
            may_panic: run.may_panic.clone(),
            ..Expectation::default()
        }
    }

    /// Resources created by the run's files (collection, name, item) and how many of each
    /// must remain: one per successful create, none after a successful `delete -f` of its file.
    fn created(&self, t: &Timeline, run: &Run) -> Vec<(String, String, String, usize)> {
        let mut want: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
        for (id, spec) in run.files() {
            let op = &t.ops[id];
            let (input, keep) = match spec {
                OpSpec::Apply(input) if op.outcome == Some(Outcome::Ok) => (input, 1),
                OpSpec::Delete(input) if op.outcome == Some(Outcome::Ok) => (input, 0),
                _ => continue,
            };
            let Ok(docs) = load_documents(&input) else {
                continue;
            };
            for doc in docs {
                let name = match (&doc.cluster_label, doc.metadata.name.as_str()) {
                    (Some(label), "") => label.clone(),
                    (_, "") => continue,
                    (_, name) => name.to_string(),
                };
                if let DeleteAction::Delete(item) = delete_action(&doc) {
                    want.insert((doc.anchor.clone(), name), (item, keep));
                }
            }
        }
        want.into_iter()
            .map(|((a, n), (i, k))| (a, n, i, k))
            .collect()
    }

    /// Settles an operation whose outcome was unknown: a definite read of what it touched.
    async fn resolve(&self, call: Option<&CallLog>) -> Option<String> {
        let call = call?;
        let lifecycle = ["instantiate", "terminate", "approve"]
            .iter()
            .find_map(|op| call.anchor.strip_suffix(&format!("/{op}")));
        let target = lifecycle.unwrap_or(&call.anchor);
        match lifecycle {
            Some(parent) => observe::read_status(&self.session, parent)
                .await
                .ok()
                .map(|v| {
                    format!(
                        "{parent}: last action {}",
                        v.last_action.unwrap_or_default()
                    )
                }),
            None => match observe::get_json(&self.session, target, Duration::from_secs(60)).await {
                Ok(_) => Some(format!("{target} exists")),
                Err(e) if e.contains("HTTP 404") => Some(format!("{target} does not exist")),
                Err(_) => None,
            },
        }
    }
}

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Pass,
    Fail,
    Error,
}

/// One scenario's result, for the reports.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub case: String,
    pub description: String,
    pub seed: u64,
    /// Which repetition this is (0 for the first).
    pub round: u32,
    pub status: Status,
    /// Why the steps stopped early, or why the scenario could not run.
    pub error: Option<String>,
    pub invariants: Vec<Verdict>,
    pub faults: usize,
    /// From the end of the last fault to convergence, in ms.
    pub converge_ms: Option<u64>,
    pub duration_ms: u64,
    pub recovery: Vec<Lag>,
    pub timeline: Timeline,
    #[serde(skip)]
    started: std::time::Instant,
}

impl ScenarioResult {
    pub fn new(s: &Scenario, seed: u64) -> ScenarioResult {
        ScenarioResult {
            name: s.name.clone(),
            case: s.case.clone(),
            description: s.description.clone(),
            seed,
            round: 0,
            status: Status::Error,
            error: None,
            invariants: Vec::new(),
            faults: 0,
            converge_ms: None,
            duration_ms: 0,
            recovery: Vec::new(),
            timeline: Timeline::default(),
            started: std::time::Instant::now(),
        }
    }

    /// The scenario could not run.
    pub fn error(mut self, why: String) -> ScenarioResult {
        self.status = Status::Error;
        self.error = Some(why);
        self.duration_ms = self.started.elapsed().as_millis() as u64;
        self
    }

    pub fn finish(&mut self, run: &Run, settled: Settled, stopped: Option<String>) {
        self.invariants = invariants::check(&settled.expectation, &settled.observation);
        self.timeline = run.history.snapshot();
        self.faults = self.timeline.faults.len();
        self.converge_ms = match (settled.converged_at, self.timeline.last_fault_end()) {
            (Some(at), Some(end)) => Some(at.saturating_sub(end)),
            _ => None,
        };
        self.recovery = lags(&self.timeline);
        let failed = self.invariants.iter().any(|v| !v.ok());
        self.status = if stopped.is_some() || failed {
            Status::Fail
        } else {
            Status::Pass
        };
        self.error = stopped;
        self.duration_ms = self.started.elapsed().as_millis() as u64;
    }

    /// The failed invariants and the stop reason, one line each.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self.error.iter().cloned().collect();
        for v in self.invariants.iter().filter(|v| !v.ok()) {
            out.extend(
                v.problems
                    .iter()
                    .map(|p| format!("invariant {} ({}): {p}", v.id, v.name)),
            );
        }
        out
    }

    /// The report directory of this result: the name, with `.N` for repetition N > 0.
    pub fn dir_name(&self) -> String {
        match self.round {
            0 => self.name.clone(),
            n => format!("{}.{n}", self.name),
        }
    }

    /// Copies the process logs into `dir/logs`.
    pub fn keep_logs(&self, sup: &Supervisor, dir: &Path) {
        let logs = dir.join("logs");
        if std::fs::create_dir_all(&logs).is_err() {
            return;
        }
        for (name, path) in sup.logs() {
            let _ = std::fs::copy(path, logs.join(format!("{name}.log")));
        }
    }
}
