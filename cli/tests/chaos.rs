//! `emcoctl chaos run` end to end: the real emcoctl binary starts the real `emco-server`
//! processes and simulated clusters on loopback, injects the faults of a scenario and checks
//! the invariants. Scenarios with failpoints need a server built with `--features failpoints`
//! and are skipped (with a message) otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The directory of `emcoctl`, where `emco-server` must be built too.
fn bin_dir() -> PathBuf {
    let emcoctl = PathBuf::from(env!("CARGO_BIN_EXE_emcoctl"));
    let dir = emcoctl.parent().map(Path::to_path_buf).unwrap_or_default();
    assert!(
        dir.join("emco-server").is_file(),
        "{} is not built: run `cargo build -p emco-server` (or scripts/test) first",
        dir.join("emco-server").display()
    );
    dir
}

fn chaos(args: &[&str], report: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emcoctl"))
        .current_dir(root())
        .args(["chaos", "run"])
        .args(args)
        .arg("--report-dir")
        .arg(report)
        .arg("--bin-dir")
        .arg(bin_dir())
        .output()
        .expect("run emcoctl chaos")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

#[test]
fn s6_dcm_killed_after_lc_instantiate_converges_and_is_reported() {
    let report = tempfile::tempdir().expect("tempdir");
    let out = chaos(
        &[
            &scenario("s6-lc-instantiate-then-dcm-dies.yaml"),
            "--seed",
            "6",
        ],
        report.path(),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let row = stdout
        .lines()
        .find(|l| l.contains("s6-lc-instantiate-then-dcm-dies"))
        .unwrap_or_default();
    assert!(row.contains("S6") && row.contains("PASS"), "{stdout}");

    let junit = std::fs::read_to_string(report.path().join("junit.xml")).expect("junit.xml");
    assert!(
        junit.contains("tests=\"1\" failures=\"0\" errors=\"0\""),
        "{junit}"
    );
    let timeline: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            report
                .path()
                .join("s6-lc-instantiate-then-dcm-dies/timeline.json"),
        )
        .expect("timeline"),
    )
    .expect("timeline JSON");
    // The kill of dcm is a closed fault window, and the status wait retried through it.
    let faults = timeline["timeline"]["faults"].as_array().expect("faults");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["kind"], "kill");
    assert_eq!(faults[0]["target"], "dcm");
    assert!(faults[0]["end_ms"].as_u64() > faults[0]["start_ms"].as_u64());
    let ops = timeline["timeline"]["ops"].as_array().expect("ops");
    assert!(ops.iter().all(|o| o["outcome"] == "ok"), "{ops:?}");
    let wait = ops.last().expect("the status wait");
    let retried = wait["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .any(|c| !c["retries"].as_array().expect("retries").is_empty());
    assert!(retried, "the status wait never met the outage: {wait}");
    assert!(
        !timeline["recovery"]
            .as_array()
            .expect("recovery")
            .is_empty(),
        "no recovery measured: {timeline}"
    );
    let verdicts = timeline["invariants"].as_array().expect("invariants");
    assert_eq!(verdicts.len(), 5);
    assert!(
        report
            .path()
            .join("s6-lc-instantiate-then-dcm-dies/logs/dcm.log")
            .is_file()
    );
}

#[test]
fn s8_terminate_in_flight_is_reissued_when_failpoints_are_built_in() {
    let report = tempfile::tempdir().expect("tempdir");
    let out = chaos(
        &[&scenario("s8-lc-terminate-in-flight.yaml"), "--seed", "8"],
        report.path(),
    );
    let (stdout, stderr) = text(&out);
    if stdout.contains("has no failpoints") || stderr.contains("has no failpoints") {
        eprintln!(
            "skipped: {} was built without failpoints; run `cargo build -p emco-server --features failpoints` to include S8",
            bin_dir().join("emco-server").display()
        );
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let timeline: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            report
                .path()
                .join("s8-lc-terminate-in-flight/timeline.json"),
        )
        .expect("timeline"),
    )
    .expect("timeline JSON");
    // The terminate call was cut by the kill and sent again with its key.
    let terminate = timeline["timeline"]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .find(|o| o["step"].as_str().is_some_and(|s| s.starts_with("delete")))
        .expect("the terminate operation")
        .clone();
    assert_eq!(terminate["outcome"], "ok", "{terminate}");
    let call = &terminate["calls"][0];
    assert!(call["attempts"].as_u64() >= Some(2), "{terminate}");
    let reasons: Vec<&str> = call["retries"]
        .as_array()
        .expect("retries")
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert!(
        reasons.iter().any(|r| !r.contains("refused")),
        "no in-doubt failure before the reissue: {reasons:?}"
    );
}

#[test]
fn a_wrong_expectation_fails_naming_the_invariant() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("wrong.yaml");
    let example = root().join("testdata/example");
    std::fs::write(
        &file,
        format!(
            "name: wrong\ncase: planted\nexample: {}\nclusters: 1\ntimeout: 15s\nsteps:\n  - apply prerequisites.yaml\n  - apply instantiate-lc.yaml\n  - status lc --wait-for Instantiated --timeout 1m\nexpect:\n  lc: Terminated\n",
            example.display()
        ),
    )
    .expect("write scenario");
    let out = chaos(&[&file.display().to_string()], &dir.path().join("report"));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAIL: invariant 1 (expected states)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("logical cloud: last recorded action is Instantiated, expected Terminated"),
        "{stderr}"
    );
    let junit = std::fs::read_to_string(dir.path().join("report/junit.xml")).expect("junit.xml");
    assert!(junit.contains("failures=\"1\""), "{junit}");
}

#[test]
fn bad_scenario_files_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "name: bad\ncase: X\nsteps:\n  - kil dcm\n",
    )
    .expect("write");
    let out = chaos(&[&dir.path().display().to_string()], &dir.path().join("r"));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("bad.yaml: step 1 `kil dcm`: unknown step \"kil\""),
        "{stderr}"
    );
    assert!(!dir.path().join("r").exists());
}

#[test]
fn a_missing_server_binary_says_how_to_build_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_emcoctl"))
        .current_dir(root())
        .args([
            "chaos",
            "run",
            &scenario("s6-lc-instantiate-then-dcm-dies.yaml"),
        ])
        .arg("--bin-dir")
        .arg(dir.path())
        .output()
        .expect("run emcoctl chaos");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ERROR")
            && stderr.contains("cargo build -p emco-server --features failpoints"),
        "{stdout}\n{stderr}"
    );
}
