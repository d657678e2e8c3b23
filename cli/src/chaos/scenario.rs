//! Scenario files: what to start, which steps to run, and the end state to expect.
//!
//! ```yaml
//! name: s8-lc-terminate-in-flight
//! case: S8                    # the row of the user's report it reproduces
//! description: dcm dies while the terminate call is in flight
//! clusters: [edge01, edge02]  # simulated clusters (or a count); default: the example's two
//! values: {}                  # overrides of the example's values
//! timeout: 5m                 # the whole scenario, steps and convergence (default 5m)
//! autorestart: 1s             # restart services that end by themselves (exit failpoints)
//! steps:
//!   - apply prerequisites.yaml
//!   - failpoint dcm dcm.lc_terminate.after_commit pause
//! expect:
//!   dig: Instantiated         # or Terminated; absent = no DIG is checked
//!   lc: Terminated
//!   objects: [Service/web, Deployment/r1-web]   # per cluster while the DIG is deployed
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::step::{Proc, SERVICES, Step, parse_step};
use crate::client::retry::parse_duration;

/// A scenario that could not be read; the message names the file and the problem.
#[derive(Debug, thiserror::Error)]
#[error("scenario {path}: {message}")]
pub struct ScenarioError {
    pub path: PathBuf,
    pub message: String,
}

/// The example's clusters, used when a scenario names none.
pub const DEFAULT_CLUSTERS: [&str; 2] = ["edge01", "edge02"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    case: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    clusters: Option<RawClusters>,
    #[serde(default)]
    values: Option<Map<String, Value>>,
    #[serde(default)]
    timeout: Option<String>,
    #[serde(default)]
    autorestart: Option<String>,
    #[serde(default)]
    example: Option<String>,
    steps: Vec<String>,
    #[serde(default)]
    expect: RawExpect,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawClusters {
    Count(usize),
    Names(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    dig: Option<String>,
    lc: Option<String>,
    objects: Option<Vec<String>>,
}

/// The end state a scenario must reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    pub dig: Option<String>,
    pub lc: Option<String>,
    /// Objects every cluster holds while the DIG is deployed (`Kind/name` or
    /// `Kind/namespace/name`); `None`: what the server planned for the DIG.
    pub objects: Option<Vec<ObjectRef>>,
}

/// One Kubernetes object by kind, namespace (`""` when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// Kinds that live outside namespaces.
pub const CLUSTER_SCOPED: [&str; 6] = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CertificateSigningRequest",
    "CustomResourceDefinition",
    "Node",
];

impl ObjectRef {
    /// Parses `Kind/name` (namespaced kinds go to `default`) or `Kind/namespace/name`.
    pub fn parse(text: &str) -> Result<ObjectRef, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [kind, name] if CLUSTER_SCOPED.contains(kind) => (*kind, "", *name),
            [kind, name] => (*kind, "default", *name),
            [kind, ns, name] => (*kind, *ns, *name),
            _ => {
                return Err(format!(
                    "object {text:?} is not Kind/name or Kind/namespace/name"
                ));
            }
        };
        if kind.is_empty() || name.is_empty() {
            return Err(format!("object {text:?} has an empty kind or name"));
        }
        Ok(ObjectRef {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One parsed, checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub name: String,
    pub case: String,
    pub description: String,
    pub clusters: Vec<String>,
    pub values: Map<String, Value>,
    pub timeout: Duration,
    pub autorestart: Option<Duration>,
    /// The example directory (charts, profile, resource files, values template).
    pub example: Option<PathBuf>,
    /// Each step with its source text.
    pub steps: Vec<(String, Step)>,
    pub expect: Expect,
}

/// The DIG and LC states a scenario may expect.
const STATES: [&str; 4] = ["Instantiated", "Terminated", "Approved", "Created"];

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        Scenario::parse(path, &text)
    }

    /// Parses scenario text; `path` names it in errors and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let fail = |message: String| ScenarioError {
            path: path.to_path_buf(),
            message,
        };
        let options = crate::resource::yaml_options();
        let raw: RawScenario = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| fail(crate::resource::one_line(&e.to_string())))?;
        let check_name = |what: &str, v: &str| {
            if v.trim().is_empty() || v.contains(char::is_whitespace) || v.contains('/') {
                Err(fail(format!("{what} {v:?} must be one word without '/'")))
            } else {
                Ok(())
            }
        };
        check_name("name", &raw.name)?;
        check_name("case", &raw.case)?;
        let clusters = match raw.clusters {
            None => DEFAULT_CLUSTERS.iter().map(|c| c.to_string()).collect(),
            Some(RawClusters::Count(0)) => return Err(fail("clusters: at least one".into())),
            Some(RawClusters::Count(n)) => (1..=n).map(|i| format!("edge{i:02}")).collect(),
            Some(RawClusters::Names(names)) => names,
        };
        let mut seen = HashSet::new();
        for c in &clusters {
            check_name("cluster", c)?;
            if SERVICES.contains(&c.as_str()) || c == "all" || !seen.insert(c.as_str()) {
                return Err(fail(format!("cluster name {c:?} is reserved or repeated")));
            }
        }
        let duration =
            |what: &str, v: &Option<String>| -> Result<Option<Duration>, ScenarioError> {
                v.as_deref()
                    .map(|t| parse_duration(t).map_err(|e| fail(format!("{what}: {e}"))))
                    .transpose()
            };
        let timeout = duration("timeout", &raw.timeout)?.unwrap_or(Duration::from_secs(300));
        let autorestart = duration("autorestart", &raw.autorestart)?;
        if raw.steps.is_empty() {
            return Err(fail("steps: at least one step".into()));
        }
        let mut steps = Vec::new();
        for (i, text) in raw.steps.iter().enumerate() {
            let step =
                parse_step(text).map_err(|e| fail(format!("step {} `{text}`: {e}", i + 1)))?;
            steps.push((text.clone(), step));
        }
        check_steps(&steps, &clusters).map_err(fail)?;
        let expect = check_expect(raw.expect).map_err(fail)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(Scenario {
            path: path.to_path_buf(),
            name: raw.name,
            case: raw.case,
            description: raw.description,
            clusters,
            values: raw.values.unwrap_or_default(),
            timeout,
            autorestart,
            example: raw.example.map(|e| base.join(e)),
            steps,
            expect,
        })
    }

    /// Whether any step needs failpoints in the server.
    pub fn needs_failpoints(&self) -> bool {
        self.steps.iter().any(|(_, s)| s.needs_failpoints())
    }
}

/// Cross-step rules: names exist, background names are unique and joined after they start.
fn check_steps(steps: &[(String, Step)], clusters: &[String]) -> Result<(), String> {
    let mut started: HashSet<&str> = HashSet::new();
    let known_proc = |name: &str| SERVICES.contains(&name) || clusters.iter().any(|c| c == name);
    for (i, (text, step)) in steps.iter().enumerate() {
        let at = |m: String| format!("step {} `{text}`: {m}", i + 1);
        if let Some(name) = step.background()
            && !started.insert(name)
        {
            return Err(at(format!("background name {name:?} is used twice")));
        }
        match step {
            Step::Join { name } if !started.contains(name.as_str()) => {
                return Err(at(format!("no earlier background operation {name:?}")));
            }
            Step::Kill { target } | Step::Start { target } | Step::Restart { target, .. } => {
                if let Proc::One(name) = target
                    && !known_proc(name)
                {
                    return Err(at(format!(
                        "unknown process {name:?} (services: {}; clusters: {})",
                        SERVICES.join(", "),
                        clusters.join(", ")
                    )));
                }
            }
            Step::Partition { cluster }
            | Step::Heal {
                cluster: Some(cluster),
            } if !clusters.contains(cluster) => {
                return Err(at(format!(
                    "unknown cluster {cluster:?} (clusters: {})",
                    clusters.join(", ")
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_expect(raw: RawExpect) -> Result<Expect, String> {
    for (what, state) in [("dig", &raw.dig), ("lc", &raw.lc)] {
        if let Some(s) = state
            && !STATES.contains(&s.as_str())
        {
            return Err(format!(
                "expect.{what}: {s:?} is not one of {}",
                STATES.join(", ")
            ));
        }
    }
    let objects = raw
        .objects
        .map(|list| {
            list.iter()
                .map(|o| ObjectRef::parse(o).map_err(|e| format!("expect.objects: {e}")))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(Expect {
        dig: raw.dig,
        lc: raw.lc,
        objects,
    })
}

/// The scenario files of `path`: the file itself, or every `*.yaml`/`*.yml` in the
/// directory, sorted by name.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let fail = |message: String| ScenarioError {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_dir() {
        if !path.exists() {
            return Err(fail("no such file or directory".into()));
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| fail(format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(fail("no scenario files (*.yaml) here".into()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests;
