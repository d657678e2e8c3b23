//! `emcoctl chaos soak`: instantiate/terminate cycles of the example with random kills of
//! random services at random moments (and, with a failpoints build, exits in the middle of
//! calls), the invariants checked after every instantiate and every terminate.
//!
//! Each phase of a cycle (instantiate, terminate) gets one fault: a kill at a random moment of
//! its first `--fault-window`, or an exit failpoint armed for the phase's calls; the fault of phase `p` of cycle `i` is drawn from the seed, `i` and
//! `p` alone, so a failing seed replays the same faults (moments are offsets from the phase's
//! start). Services that end by themselves are started again, as Kubernetes would.

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
    /// Each phase (instantiate, terminate) gets one fault within this long of its start.
    pub window: Duration,
}

/// One planned fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL, start again after `down`.
    Kill { service: String, down: Duration },
    /// The process exits the next time the point is reached.
    Exit { service: String, point: String },
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Kill { service, down } => {
                write!(
                    f,
                    "kill {service}, start again after {}ms",
                    down.as_millis()
                )
            }
            Fault::Exit { service, point } => write!(f, "{service} exits at {point}"),
        }
    }
}

/// The failpoints phase `phase` (0 instantiate, 1 terminate) of `flow` passes through:
/// (service, point).
fn points(flow: Flow, phase: u64) -> Vec<(String, String)> {
    let svc = match flow {
        Flow::Dig => "orchestrator",
        Flow::Lc => "dcm",
    };
    let op = match (flow, phase) {
        (Flow::Dig, 0) => "dig_instantiate",
        (Flow::Dig, _) => "dig_terminate",
        (Flow::Lc, 0) => "lc_instantiate",
        (Flow::Lc, _) => "lc_terminate",
    };
    let mut out: Vec<(String, String)> = ["before_commit", "after_commit"]
        .iter()
        .map(|when| (svc.to_string(), format!("{svc}.{op}.{when}")))
        .collect();
    // rsync writes to clusters only when instantiating; it records status in both phases.
    let rsync: &[&str] = match phase {
        0 => &[
            "rsync.apply.before_cluster_write",
            "rsync.apply.after_cluster_write",
            "rsync.status.before_write",
        ],
        _ => &["rsync.status.before_write"],
    };
    out.extend(rsync.iter().map(|p| ("rsync".to_string(), p.to_string())));
    out
}

/// The fault of phase `phase` (0 instantiate, 1 terminate) of cycle `cycle`: when, after the
/// phase starts, and what. Drawn from the seed, the cycle and the phase alone.
pub fn plan(
    seed: u64,
    cycle: u64,
    phase: u64,
    window: Duration,
    flow: Flow,
    failpoints: bool,
) -> (Duration, Fault) {
    let salt = (cycle * 2 + phase).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut rng = StdRng::seed_from_u64(seed ^ salt);
    let at = Duration::from_millis(rng.random_range(0..=window.as_millis() as u64));
    if failpoints && rng.random_bool(0.4) {
        let mut choices = points(flow, phase);
        let (service, point) = choices.swap_remove(rng.random_range(0..choices.len()));
        // Armed when the phase starts: the process exits inside the next call through it.
        return (Duration::ZERO, Fault::Exit { service, point });
    }
    let fault = {
        Fault::Kill {
            service: SERVICES[rng.random_range(0..SERVICES.len())].to_string(),
            down: Duration::from_millis(rng.random_range(100..=2000)),
        }
    };
    (at, fault)
}

/// Injects one planned fault and returns whether it took effect. A kill happens at its
/// moment even if the phase's calls are over (the phase then converges again); an exit point
/// is armed at once and disarmed when told to stop, so it fires only in the middle of a call.
async fn inject(
    faults: Faults,
    planned: (Duration, Fault),
    mut stop: watch::Receiver<bool>,
) -> bool {
    let (at, fault) = planned;
    match &fault {
        Fault::Kill { service, down } => {
            tokio::time::sleep(at).await;
            match faults
                .restart_after(&Proc::One(service.clone()), *down)
                .await
            {
                Ok(task) => matches!(task.await, Ok(Ok(()))),
                Err(_) => false,
            }
        }
        Fault::Exit { service, point } => {
            let exits = |f: &Faults| {
                f.supervisor()
                    .exits()
                    .iter()
                    .filter(|x| x.process == *service && !x.by_harness)
                    .count()
            };
            let before = exits(&faults);
            if faults
                .failpoint(service, point, "1*return(exit)")
                .await
                .is_err()
            {
                return false;
            }
            let _ = stop.changed().await;
            // A restarted process has no failpoints; this only disarms one not reached.
            let _ = faults.failpoint(service, point, "off").await;
            faults.supervisor().reap().await;
            exits(&faults) > before
        }
    }
}

async fn all_up(faults: &Faults) {
    for s in SERVICES {
        let _ = faults.start(&Proc::One(s.to_string())).await;
    }
}

/// Runs the soak; the result holds the history and the last (or first failing) check.
pub async fn soak(opts: &SoakOptions) -> ScenarioResult {
    let (name, file, subject) = match opts.flow {
        Flow::Dig => ("soak-dig", "instantiate.yaml", "dig"),
        Flow::Lc => ("soak-lc", "instantiate-lc.yaml", "lc"),
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
        autorestart: Some(AUTORESTART),
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
    if failpoints {
        // Exit failpoints end these processes on purpose.
        run.may_exit
            .extend(["orchestrator", "dcm", "rsync"].map(String::from));
    } else {
        eprintln!("emcoctl chaos soak: the server has no failpoints; injecting kills only");
    }
    let watcher = run.autorestart(AUTORESTART);
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
        if let Err(e) = step(&mut run, text).await {
            stopped = Some(format!("setup `{text}`: {e}"));
            break;
        }
    }
    let end = tokio::time::Instant::now() + opts.duration;
    let mut stats = Stats::default();
    let mut settled = None;
    let phases = [("apply", "Instantiated"), ("delete", "Terminated")];
    'cycles: while stopped.is_none() && tokio::time::Instant::now() < end {
        for (phase, (verb, state)) in phases.iter().enumerate() {
            let planned = plan(
                seed,
                stats.cycles,
                phase as u64,
                opts.window,
                opts.flow,
                failpoints,
            );
            eprintln!(
                "emcoctl chaos soak: cycle {} {state}: +{}ms {}",
                stats.cycles,
                planned.0.as_millis(),
                planned.1
            );
            let phase_start = run.history.clock.now_ms();
            let (tx, rx) = watch::channel(false);
            let injector = tokio::spawn(inject(run.faults.clone(), planned, rx));
            for text in [
                format!("{verb} {file}"),
                format!("status {subject} --wait-for {state} --timeout 3m"),
            ] {
                if let Err(e) = step(&mut run, &text).await {
                    stopped = Some(format!("cycle {} `{text}`: {e}", stats.cycles));
                    break;
                }
            }
            let _ = tx.send(true);
            stats.planned += 1;
            stats.injected += usize::from(injector.await.unwrap_or(false));
            all_up(&run.faults).await;
            if stopped.is_some() {
                break 'cycles;
            }
            run.scenario.expect = Expect {
                dig: (opts.flow == Flow::Dig).then(|| state.to_string()),
                lc: Some(match opts.flow {
                    Flow::Dig => "Instantiated".to_string(),
                    Flow::Lc => state.to_string(),
                }),
                objects: None,
            };
            let checker = Checker::new(&run);
            let s = checker
                .settle(tokio::time::Instant::now() + Duration::from_secs(120), &run)
                .await;
            if let Some(at) = s.converged_at {
                stats.slowest_ms = stats.slowest_ms.max(at.saturating_sub(phase_start));
            }
            let failed = super::invariants::check(&s.expectation, &s.observation)
                .iter()
                .any(|v| !v.ok());
            settled = Some(s);
            if failed {
                stopped = Some(format!(
                    "cycle {}: invariants failed after {state}",
                    stats.cycles
                ));
                break 'cycles;
            }
        }
        stats.cycles += 1;
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
    print_summary(&result, &stats);
    if let Some(dir) = &opts.run.report_dir {
        result.keep_logs(&run.sup, &dir.join(result.dir_name()));
    }
    result
}

/// How long a service that ended by itself stays down before it is started again.
const AUTORESTART: Duration = Duration::from_millis(500);

/// Counts of a soak run.
#[derive(Debug, Default)]
struct Stats {
    cycles: u64,
    planned: usize,
    injected: usize,
    /// The longest phase, from its start to convergence, in ms.
    slowest_ms: u64,
}

async fn step(run: &mut Run, text: &str) -> Result<(), String> {
    let step = parse_step(text)?;
    run.step(text, &step).await
}

fn print_summary(r: &ScenarioResult, stats: &Stats) {
    let t = &r.timeline;
    let slowest_lag = r.recovery.iter().map(|l| l.lag_ms).max();
    eprintln!(
        "emcoctl chaos soak: seed {} cycles {} faults injected {} of {} planned (an exit point the phase did not reach does nothing)",
        r.seed, stats.cycles, stats.injected, stats.planned
    );
    eprintln!(
        "emcoctl chaos soak: operations {} (ok {}, fail {}, info {}), retries {}, reissues {}",
        t.ops.len(),
        t.count(Outcome::Ok),
        t.count(Outcome::Fail),
        t.count(Outcome::Info),
        t.ops.iter().map(|o| o.retries()).sum::<usize>(),
        t.ops.iter().map(|o| o.reissues()).sum::<usize>(),
    );
    eprintln!(
        "emcoctl chaos soak: slowest recovery: a phase converged {} ms after it started; slowest client recovery lag {} ms; {:?}",
        stats.slowest_ms,
        slowest_lag.map_or("-".to_string(), |l| l.to_string()),
        r.status
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_plans_the_same_faults() {
        let w = Duration::from_secs(2);
        for cycle in 0..5 {
            for phase in 0..2 {
                let a = plan(7, cycle, phase, w, Flow::Dig, true);
                assert_eq!(a, plan(7, cycle, phase, w, Flow::Dig, true));
                assert!(a.0 <= w);
            }
        }
        let seven: Vec<_> = (0..8).map(|c| plan(7, c, 0, w, Flow::Dig, true)).collect();
        let eight: Vec<_> = (0..8).map(|c| plan(8, c, 0, w, Flow::Dig, true)).collect();
        assert_ne!(seven, eight);
    }

    #[test]
    fn without_failpoints_only_kills_are_planned() {
        for cycle in 0..20 {
            let (_, f) = plan(1, cycle, 1, Duration::from_millis(500), Flow::Lc, false);
            assert!(matches!(f, Fault::Kill { .. }), "{f:?}");
        }
    }

    #[test]
    fn exit_points_follow_the_phase() {
        let has = |flow, phase, s: &str, p: &str| {
            points(flow, phase).contains(&(s.to_string(), p.to_string()))
        };
        assert!(has(Flow::Lc, 1, "dcm", "dcm.lc_terminate.after_commit"));
        assert!(!has(Flow::Lc, 1, "dcm", "dcm.lc_instantiate.after_commit"));
        assert!(has(
            Flow::Dig,
            0,
            "orchestrator",
            "orchestrator.dig_instantiate.before_commit"
        ));
        assert!(has(
            Flow::Dig,
            0,
            "rsync",
            "rsync.apply.after_cluster_write"
        ));
        assert!(!has(
            Flow::Dig,
            1,
            "rsync",
            "rsync.apply.after_cluster_write"
        ));
    }
}
