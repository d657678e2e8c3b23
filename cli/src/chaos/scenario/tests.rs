use super::*;
use crate::chaos::step::{Delay, Goal, Subject};

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(Path::new("scenarios/x.yaml"), text).map_err(|e| e.to_string())
}

const GOOD: &str = "
name: s8-lc-terminate-in-flight
case: S8
description: dcm dies while the terminate call is in flight
autorestart: 1s
values:
  LogicalCloud: other-cloud
steps:
  - apply prerequisites.yaml
  - failpoint dcm dcm.lc_terminate.after_commit pause
  - delete instantiate-lc.yaml --background term
  - await-failpoint dcm dcm.lc_terminate.after_commit
  - restart dcm after 1s
  - join term
  - status lc --wait-for Terminated --timeout 1m
expect:
  lc: Terminated
  objects: [Service/web, Namespace/ns1, Role/ns1/reader]
";

#[test]
fn a_full_scenario() {
    let s = parse(GOOD).unwrap();
    assert_eq!(s.name, "s8-lc-terminate-in-flight");
    assert_eq!(s.case, "S8");
    assert_eq!(s.clusters, ["edge01", "edge02"]);
    assert_eq!(s.values["LogicalCloud"], "other-cloud");
    assert_eq!(s.timeout, Duration::from_secs(300));
    assert_eq!(s.autorestart, Some(Duration::from_secs(1)));
    assert!(s.needs_failpoints());
    assert_eq!(s.steps.len(), 7);
    assert_eq!(
        s.steps[4].1,
        Step::Restart {
            target: Proc::One("dcm".into()),
            after: Delay::Fixed(Duration::from_secs(1))
        }
    );
    assert_eq!(
        s.steps[6].1,
        Step::Status {
            subject: Subject::Lc,
            goal: Goal::State("Terminated".into()),
            timeout: Duration::from_secs(60),
            background: None
        }
    );
    assert_eq!(s.expect.lc.as_deref(), Some("Terminated"));
    let objects: Vec<String> = s
        .expect
        .objects
        .unwrap()
        .iter()
        .map(|o| o.to_string())
        .collect();
    assert_eq!(
        objects,
        ["Service/default/web", "Namespace/ns1", "Role/ns1/reader"]
    );
}

#[test]
fn cluster_count_names_clusters() {
    let s = parse("name: a\ncase: S1\nclusters: 3\nsteps: [apply x.yaml]\n").unwrap();
    assert_eq!(s.clusters, ["edge01", "edge02", "edge03"]);
    assert!(!s.needs_failpoints());
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let cases = [
        ("name: a\ncase: S1\nsteps: []\n", "at least one step"),
        ("case: S1\nsteps: [sleep 1s]\n", "name"),
        ("name: a\ncase: S1\nsteps: [sleep 1s]\nstepz: []\n", "stepz"),
        (
            "name: a\ncase: S1\nsteps: [sleep 1s, kil dcm]\n",
            "step 2 `kil dcm`: unknown step",
        ),
        (
            "name: a\ncase: S1\nsteps: [join x]\n",
            "no earlier background operation \"x\"",
        ),
        (
            "name: a\ncase: S1\nsteps: [apply a.yaml --background x, apply b.yaml --background x]\n",
            "used twice",
        ),
        (
            "name: a\ncase: S1\nsteps: [kill edge09]\n",
            "unknown process \"edge09\"",
        ),
        (
            "name: a\ncase: S1\nsteps: [partition dcm]\n",
            "unknown cluster \"dcm\"",
        ),
        (
            "name: a\ncase: S1\nsteps: [sleep 1s]\nexpect: {dig: Running}\n",
            "expect.dig: \"Running\"",
        ),
        (
            "name: a\ncase: S1\nsteps: [sleep 1s]\nexpect: {objects: [web]}\n",
            "expect.objects",
        ),
        (
            "name: a b\ncase: S1\nsteps: [sleep 1s]\n",
            "must be one word",
        ),
        (
            "name: a\ncase: S1\ntimeout: forever\nsteps: [sleep 1s]\n",
            "timeout: invalid duration",
        ),
        (
            "name: a\ncase: S1\nclusters: [dcm]\nsteps: [sleep 1s]\n",
            "reserved",
        ),
        ("name: [\n", "scenarios/x.yaml"),
    ];
    for (text, wanted) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.starts_with("scenario scenarios/x.yaml: "), "{err}");
        assert!(err.contains(wanted), "{text:?}: {err}");
    }
}

#[test]
fn objects() {
    assert_eq!(
        ObjectRef::parse("Deployment/r1-web").unwrap().to_string(),
        "Deployment/default/r1-web"
    );
    assert_eq!(
        ObjectRef::parse("ClusterRole/admin").unwrap().to_string(),
        "ClusterRole/admin"
    );
    assert!(ObjectRef::parse("a/b/c/d").is_err());
    assert!(ObjectRef::parse("/x").is_err());
}

#[test]
fn discovery() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["b.yaml", "a.yml", "notes.txt"] {
        std::fs::write(dir.path().join(f), "x").unwrap();
    }
    let found = discover(dir.path()).unwrap();
    let names: Vec<_> = found
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.yml", "b.yaml"]);
    assert!(discover(&dir.path().join("missing")).is_err());
    let empty = tempfile::tempdir().unwrap();
    assert!(
        discover(empty.path())
            .unwrap_err()
            .to_string()
            .contains("no scenario files")
    );
}
