//! `emcoctl chaos soak`: instantiate/terminate cycles of the example with random kills of
//! random services at random moments (and, with a failpoints build, exits in the middle of
//! calls), the invariants checked after every instantiate and every terminate.
//!
//! The fault plan of cycle `i` is drawn from the seed and `i` alone, so a failing seed
//! replays the same faults (the moments are offsets from the start of the cycle).

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use super::checks::{Checker, ScenarioResult};
use super::faults::Faults;
use super::history::Outcome;
use super::runner::{Run, RunOptions, scenario_seed};
use super::scenario::{DEFAULT_CLUSTERS, Expect, Scenario};
use super::step::{Proc, SERVICES, parse_step};

/// What one cycle instantiates and terminates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Dig,
    Lc,
}

/// Settings of a soak run.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    pub run: RunOptions,
    pub duration: Duration,
    pub flow: Flow,
    /// Mean time between two faults within a cycle.
    pub fault_every: Duration,
}

/// One planned fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL, start again after `down`.
    Kill { service: String, down: Duration },
    /// The process exits the next time the point is reached.
    Exit { service: String, point: String },
}

/// Faults are planned within this long after the start of a cycle.
const WINDOW: Duration = Duration::from_secs(8);

/// The failpoints a cycle of `flow` passes through: (service, point).
fn points(flow: Flow) -> Vec<(String, String)> {
    let (svc, ops) = match flow {
        Flow::Dig => ("orchestrator", ["dig_instantiate", "dig_terminate"]),
        Flow::Lc => ("dcm", ["lc_instantiate", "lc_terminate"]),
    };
    let mut out = Vec::new();
    for op in ops {
        for when in ["before_commit", "after_commit"] {
            out.push((svc.to_string(), format!("{svc}.{op}.{when}")));
        }
    }
    for p in [
        "rsync.apply.before_cluster_write",
        "rsync.apply.after_cluster_write",
        "rsync.status.before_write",
    ] {
        out.push(("rsync".to_string(), p.to_string()));
    }
    out
}

/// The fault plan of cycle `cycle`: (offset from the cycle's start, fault).
pub fn plan(
    seed: u64,
    cycle: u64,
    every: Duration,
    flow: Flow,
    failpoints: bool,
) -> Vec<(Duration, Fault)> {
    let mut rng = StdRng::seed_from_u64(seed ^ cycle.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mean = every.as_secs_f64().max(0.05);
    let mut at = 0.0;
    let mut out = Vec::new();
    loop {
        // Exponential gaps: faults arrive as a Poisson process.
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        at += -u.ln() * mean;
        if at >= WINDOW.as_secs_f64() {
            return out;
        }
        let fault = if failpoints && rng.random_bool(0.4) {
            let mut choices = points(flow);
            let (service, point) = choices.swap_remove(rng.random_range(0..choices.len()));
            Fault::Exit { service, point }
        } else {
            Fault::Kill {
                service: SERVICES[rng.random_range(0..SERVICES.len())].to_string(),
                down: Duration::from_millis(rng.random_range(100..=2000)),
            }
        };
        out.push((Duration::from_secs_f64(at), fault));
    }
}

/// Injects a cycle's plan until told to stop; then brings every service back.
async fn inject(
    faults: Faults,
    plan: Vec<(Duration, Fault)>,
    mut stop: watch::Receiver<bool>,
) -> usize {
    let start = tokio::time::Instant::now();
    let mut restarts = Vec::new();
    let mut armed = Vec::new();
    let mut injected = 0;
    for (at, fault) in plan {
        tokio::select! {
            _ = tokio::time::sleep_until(start + at) => {}
            _ = stop.changed() => break,
        }
        let done = match &fault {
            Fault::Kill { service, down } => match faults
                .restart_after(&Proc::One(service.clone()), *down)
                .await
            {
                Ok(task) => {
                    restarts.push(task);
                    true
                }
                Err(_) => false,
            },
            Fault::Exit { service, point } => {
                let ok = faults
                    .failpoint(service, point, "1*return(exit)")
                    .await
                    .is_ok();
                if ok {
                    armed.push((service.clone(), point.clone()));
                }
                ok
            }
        };
        injected += usize::from(done);
    }
    for task in restarts {
        let _ = task.await;
    }
    for (service, point) in armed {
        let _ = faults.failpoint(&service, &point, "off").await;
    }
    injected
}

async fn all_up(faults: &Faults) {
    for s in SERVICES {
        let _ = faults.start(&Proc::One(s.to_string())).await;
    }
}

/// Runs the soak; the result holds the history and the last (or first failing) check.
pub async fn soak(opts: &SoakOptions) -> ScenarioResult {
    let (name, files) = match opts.flow {
        Flow::Dig => ("soak-dig", ("instantiate.yaml", "dig")),
        Flow::Lc => ("soak-lc", ("instantiate-lc.yaml", "lc")),
    };
    let scenario = Scenario {
        path: std::env::current_dir()
            .unwrap_or_default()
            .join("soak.yaml"),
        name: name.to_string(),
        case: "soak".to_string(),
        description: "random kills during instantiate/terminate cycles".to_string(),
        clusters: DEFAULT_CLUSTERS.iter().map(|c| c.to_string()).collect(),
        values: Default::default(),
        timeout: opts.duration + Duration::from_secs(600),
        autorestart: Some(Duration::from_millis(500)),
        example: None,
        steps: Vec::new(),
        expect: Expect::default(),
    };
    let seed = scenario_seed(opts.run.seed, name);
    let mut result = ScenarioResult::new(&scenario, opts.run.seed);
    let tmp = match tempfile::Builder::new()
        .prefix("emco-chaos-soak-")
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => return result.error(format!("creating a temp dir: {e}")),
    };
    let mut run = match Run::start(&scenario, &opts.run, tmp.path()).await {
        Ok(run) => run,
        Err(e) => return result.error(e.to_string()),
    };
    let failpoints = run
        .faults
        .has_failpoints("orchestrator")
        .await
        .unwrap_or(false);
    if !failpoints {
        eprintln!("emcoctl chaos soak: the server has no failpoints; injecting kills only");
    }
    let watcher = run.autorestart(Duration::from_millis(500));
    let mut setup = vec!["apply prerequisites.yaml"];
    if opts.flow == Flow::Dig {
        setup.extend([
            "apply instantiate-lc.yaml",
            "status lc --wait-for Instantiated",
            "apply app.yaml",
        ]);
    }
    let mut stopped = None;
    for text in setup {
        let step = parse_step(text).unwrap_or(super::step::Step::Heal { cluster: None });
        if let Err(e) = run.step(text, &step).await {
            stopped = Some(format!("setup `{text}`: {e}"));
        }
    }
    let end = tokio::time::Instant::now() + opts.duration;
    let (mut cycles, mut injected) = (0u64, 0usize);
    let mut settled = None;
    let mut slowest_converge = 0u64;
    'cycles: while stopped.is_none() && tokio::time::Instant::now() < end {
        let cycle_plan = plan(seed, cycles, opts.fault_every, opts.flow, failpoints);
        for (at, f) in &cycle_plan {
            eprintln!(
                "emcoctl chaos soak: cycle {cycles} +{}ms {f:?}",
                at.as_millis()
            );
        }
        let (tx, rx) = watch::channel(false);
        let injector = tokio::spawn(inject(run.faults.clone(), cycle_plan, rx));
        for (verb, state) in [("apply", "Instantiated"), ("delete", "Terminated")] {
            let op = format!("{verb} {}", files.0);
            let wait = format!("status {} --wait-for {state} --timeout 3m", files.1);
            for text in [op.as_str(), wait.as_str()] {
                let Ok(step) = parse_step(text) else { continue };
                if let Err(e) = run.step(text, &step).await {
                    stopped = Some(format!("cycle {cycles} `{text}`: {e}"));
                }
            }
            if verb == "delete" || stopped.is_some() {
                let _ = tx.send(true);
            }
            if stopped.is_some() {
                break;
            }
            run.scenario.expect = Expect {
                dig: (opts.flow == Flow::Dig).then(|| state.to_string()),
                lc: Some(
                    if opts.flow == Flow::Dig {
                        "Instantiated"
                    } else {
                        state
                    }
                    .to_string(),
                ),
                objects: None,
            };
            let checker = Checker::new(&run);
            let s = checker
                .settle(tokio::time::Instant::now() + Duration::from_secs(120), &run)
                .await;
            let e = super::invariants::check(&s.expectation, &s.observation);
            let failed = e.iter().any(|v| !v.ok());
            settled = Some(s);
            if failed {
                stopped = Some(format!("cycle {cycles}: invariants failed after {state}"));
                break 'cycles;
            }
        }
        let _ = tx.send(true);
        injected += injector.await.unwrap_or(0);
        all_up(&run.faults).await;
        let t = run.history.snapshot();
        if let (Some(s), Some(f)) = (&settled, t.last_fault_end())
            && let Some(at) = s.converged_at
        {
            slowest_converge = slowest_converge.max(at.saturating_sub(f));
        }
        cycles += 1;
    }
    watcher.abort();
    let settled = match settled {
        Some(s) => s,
        None => {
            Checker::new(&run)
                .settle(tokio::time::Instant::now(), &run)
                .await
        }
    };
    run.sup.stop_all().await;
    result.finish(&run, settled, stopped);
    print_summary(&result, cycles, injected, slowest_converge);
    if let Some(dir) = &opts.run.report_dir {
        result.keep_logs(&run.sup, &dir.join(name));
    }
    result
}

fn print_summary(r: &ScenarioResult, cycles: u64, injected: usize, slowest_converge: u64) {
    let t = &r.timeline;
    let slowest_lag = r.recovery.iter().map(|l| l.lag_ms).max();
    eprintln!(
        "emcoctl chaos soak: seed {} cycles {cycles} faults injected {injected} operations {} (ok {}, fail {}, info {}) retries {} reissues {}",
        r.seed,
        t.ops.len(),
        t.count(Outcome::Ok),
        t.count(Outcome::Fail),
        t.count(Outcome::Info),
        t.ops.iter().map(|o| o.retries()).sum::<usize>(),
        t.ops.iter().map(|o| o.reissues()).sum::<usize>(),
    );
    eprintln!(
        "emcoctl chaos soak: slowest recovery: convergence {slowest_converge} ms after a cycle's last fault, client lag {} ms; {:?}",
        slowest_lag.map_or("-".to_string(), |l| l.to_string()),
        r.status
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_plans_the_same_faults() {
        let a = plan(7, 3, Duration::from_secs(2), Flow::Dig, true);
        let b = plan(7, 3, Duration::from_secs(2), Flow::Dig, true);
        assert_eq!(a, b);
        let other = plan(8, 3, Duration::from_secs(2), Flow::Dig, true);
        assert_ne!(a, other);
        assert!(a.iter().all(|(at, _)| *at < WINDOW));
        assert!(a.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn without_failpoints_only_kills_are_planned() {
        for cycle in 0..20 {
            for (_, f) in plan(1, cycle, Duration::from_millis(500), Flow::Lc, false) {
                assert!(matches!(f, Fault::Kill { .. }), "{f:?}");
            }
        }
    }

    #[test]
    fn exit_points_exist_for_both_flows() {
        let has = |flow, s: &str, p: &str| points(flow).contains(&(s.to_string(), p.to_string()));
        assert!(has(Flow::Lc, "dcm", "dcm.lc_terminate.after_commit"));
        assert!(has(
            Flow::Dig,
            "orchestrator",
            "orchestrator.dig_instantiate.before_commit"
        ));
    }
}
