//! What "correct" means at the end of a scenario: the five invariants of the resilience
//! specification, checked over an [`Observation`] against an [`Expectation`]. Pure functions,
//! so each rule is tested with planted faults.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::observe::{ClusterObject, StatusView};
use super::scenario::ObjectRef;
use super::supervisor::Exit;

/// The exit code of a server process ended by an `exit` failpoint.
pub const FAILPOINT_EXIT: i32 = 86;

/// What the end state must be.
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    pub dig: Option<String>,
    pub lc: Option<String>,
    /// Objects each cluster must hold (and nothing else labelled `emco/deployment-id`).
    pub objects: BTreeMap<String, BTreeSet<ObjectRef>>,
    /// Label values the objects may carry (`<context id>-<app>`); `None`: not checked.
    pub deployment_ids: Option<BTreeSet<String>>,
    /// Allowed number of `Instantiated` actions of the DIG and of the logical cloud
    /// (successful instantiate calls, plus those whose outcome is unknown).
    pub dig_instantiations: (usize, usize),
    pub lc_instantiations: (usize, usize),
    /// Created resources: collection anchor, name, how many must exist.
    pub created: Vec<(String, String, usize)>,
    /// Processes a failpoint asked to panic or to exit.
    pub may_panic: BTreeSet<String>,
    pub may_exit: BTreeSet<String>,
}

/// What was found at the end.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub dig: Option<Result<StatusView, String>>,
    pub lc: Option<Result<StatusView, String>>,
    pub clusters: BTreeMap<String, Result<Vec<ClusterObject>, String>>,
    /// Collection anchor, name, how many the list holds.
    pub created: Vec<(String, String, Result<usize, String>)>,
    /// Process and the log line of each panic.
    pub panics: Vec<(String, String)>,
    pub exits: Vec<Exit>,
    /// Every `info` operation: its step and how it was resolved (`None`: unresolved).
    pub info_ops: Vec<(String, Option<String>)>,
}

/// The verdict on one invariant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub id: u8,
    pub name: &'static str,
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks all five invariants.
pub fn check(e: &Expectation, o: &Observation) -> Vec<Verdict> {
    vec![
        Verdict {
            id: 1,
            name: "expected states",
            problems: states(e, o),
        },
        Verdict {
            id: 2,
            name: "cluster objects exact",
            problems: cluster_objects(e, &o.clusters),
        },
        Verdict {
            id: 3,
            name: "store holds each resource once",
            problems: store(e, o),
        },
        Verdict {
            id: 4,
            name: "no unexpected panic or exit",
            problems: processes(e, o),
        },
        Verdict {
            id: 5,
            name: "every unknown outcome resolved",
            problems: o
                .info_ops
                .iter()
                .filter(|(_, r)| r.is_none())
                .map(|(step, _)| {
                    format!("`{step}` ended with an unknown outcome that was never resolved")
                })
                .collect(),
        },
    ]
}

/// Invariants 1 and 2 only: what the convergence wait polls.
pub fn converged(e: &Expectation, o: &Observation) -> bool {
    states(e, o).is_empty() && cluster_objects(e, &o.clusters).is_empty()
}

fn state_problems(
    what: &str,
    want: &Option<String>,
    seen: &Option<Result<StatusView, String>>,
) -> Vec<String> {
    let Some(want) = want else {
        return Vec::new();
    };
    let view = match seen {
        None => return vec![format!("{what}: status not read")],
        Some(Err(e)) => return vec![format!("{what}: {e}")],
        Some(Ok(v)) if !v.exists => {
            return vec![format!("{what}: does not exist, expected {want}")];
        }
        Some(Ok(v)) => v,
    };
    let mut problems = Vec::new();
    if view.last_action.as_deref() != Some(want.as_str()) {
        problems.push(format!(
            "{what}: last recorded action is {}, expected {want}",
            view.last_action.as_deref().unwrap_or("none")
        ));
    }
    // Only instantiate and terminate drive a deployed status.
    if ["Instantiated", "Terminated"].contains(&want.as_str())
        && view.deployed.as_deref() != Some(want.as_str())
    {
        problems.push(format!(
            "{what}: deployed status is {}, expected {want}",
            view.deployed.as_deref().unwrap_or("none")
        ));
    }
    problems
}

fn states(e: &Expectation, o: &Observation) -> Vec<String> {
    let mut p = state_problems("DIG", &e.dig, &o.dig);
    p.extend(state_problems("logical cloud", &e.lc, &o.lc));
    p
}

/// Invariant 2 for every cluster: none missing, none duplicated, none left over.
pub fn cluster_objects(
    e: &Expectation,
    seen: &BTreeMap<String, Result<Vec<ClusterObject>, String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = BTreeSet::new();
    for (cluster, found) in seen {
        let found = match found {
            Ok(f) => f,
            Err(err) => {
                problems.push(format!("{cluster}: cannot list objects: {err}"));
                continue;
            }
        };
        let expected = e.objects.get(cluster).unwrap_or(&empty);
        let mut copies: BTreeMap<&ObjectRef, usize> = BTreeMap::new();
        for o in found {
            *copies.entry(&o.obj).or_default() += 1;
        }
        for (obj, n) in &copies {
            if *n > 1 {
                problems.push(format!("{cluster}: {obj} duplicated ({n} copies)"));
            }
        }
        if let Some(ids) = &e.deployment_ids {
            for o in found {
                if expected.contains(&o.obj) && !ids.contains(&o.deployment_id) {
                    problems.push(format!(
                        "{cluster}: {} duplicated by another instance (label emco/deployment-id={})",
                        o.obj, o.deployment_id
                    ));
                }
            }
        }
        for obj in expected {
            if !copies.contains_key(obj) {
                problems.push(format!("{cluster}: {obj} missing"));
            }
        }
        for obj in copies.keys() {
            if !expected.contains(*obj) {
                let what = if expected.is_empty() {
                    "left over"
                } else {
                    "unexpected"
                };
                problems.push(format!("{cluster}: {obj} {what}"));
            }
        }
    }
    problems
}

fn store(e: &Expectation, o: &Observation) -> Vec<String> {
    let mut problems = Vec::new();
    for (anchor, name, want) in &e.created {
        let seen = o
            .created
            .iter()
            .find(|(a, n, _)| a == anchor && n == name)
            .map(|(_, _, r)| r);
        match seen {
            None => problems.push(format!("{anchor}/{name}: not read")),
            Some(Err(err)) => problems.push(format!("{anchor}/{name}: {err}")),
            Some(Ok(n)) if n != want => problems.push(format!(
                "{anchor}/{name}: stored {n} times, expected {want}"
            )),
            Some(Ok(_)) => {}
        }
    }
    let count = |what: &str, range: (usize, usize), seen: &Option<Result<StatusView, String>>| {
        let Some(Ok(view)) = seen else {
            return None;
        };
        let n = view.count("Instantiated");
        (n < range.0 || n > range.1).then(|| {
            let want = if range.0 == range.1 {
                range.0.to_string()
            } else {
                format!("{} to {}", range.0, range.1)
            };
            format!(
                "{what}: {n} Instantiated actions recorded for {want} successful instantiate calls"
            )
        })
    };
    problems.extend(count("DIG", e.dig_instantiations, &o.dig));
    problems.extend(count("logical cloud", e.lc_instantiations, &o.lc));
    problems
}

fn processes(e: &Expectation, o: &Observation) -> Vec<String> {
    let mut problems: Vec<String> = o
        .panics
        .iter()
        .filter(|(p, _)| !e.may_panic.contains(p))
        .map(|(p, line)| format!("{p} panicked: {line}"))
        .collect();
    for x in o.exits.iter().filter(|x| !x.by_harness) {
        let asked = x.code == Some(FAILPOINT_EXIT) && e.may_exit.contains(&x.process);
        let panicked = x.code == Some(101) && e.may_panic.contains(&x.process);
        if !asked && !panicked {
            let how = match (x.code, x.signal) {
                (Some(c), _) => format!("exit code {c}"),
                (_, Some(s)) => format!("signal {s}"),
                _ => "unknown status".to_string(),
            };
            problems.push(format!(
                "{} ended by itself ({how}) at {} ms",
                x.process, x.at_ms
            ));
        }
    }
    problems
}

/// Lines of a process log that report a panic.
pub fn panic_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("panicked"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests;
