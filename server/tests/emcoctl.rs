//! emcoctl against the real orchestrator, clm and dcm processes: EMCO's GMS example applies
//! unchanged, reads back and deletes; a SIGKILLed orchestrator mid-file loses nothing; bad
//! input gets a clear error and writes nothing.

mod support;

use std::path::{Path, PathBuf};

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::gms::{APPS, file, gms_workdir};
use support::{Proc, Stack, http, wait_for, workspace_bin};

fn get_json(url: &str) -> Value {
    http()
        .get(url)
        .send()
        .ok()
        .and_then(|r| r.json().ok())
        .unwrap_or(Value::Null)
}

fn count(v: &Value) -> usize {
    v.as_array().map(Vec::len).unwrap_or(0)
}

const CA: &str = "v2/projects/gmsproj1/composite-apps/gms-collection-composite-app/v1";

#[test]
fn gms_example_applies_reads_back_and_deletes_unchanged() {
    let stack = Stack::start();
    let work = gms_workdir(stack.path());
    let order = [
        "controllers.yaml",
        "projects.yaml",
        "clusters.yaml",
        "logicalclouds.yaml",
        "apps.yaml",
        "intents.yaml",
    ];
    for f in order {
        let out = stack.emcoctl(&work, &["apply", "-f", &file(f), "-v", "values.yaml"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "apply {f} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !stdout.contains("Response Code: 4") && !stdout.contains("Response Code: 5"),
            "{f}:\n{stdout}"
        );
    }
    let o = stack.orchestrator.url();
    let dig = format!("{o}/{CA}/deployment-intent-groups/gms-collection-deployment-intent-group");
    assert_eq!(count(&get_json(&format!("{o}/{CA}/apps"))), 12);
    assert_eq!(
        count(&get_json(&format!(
            "{o}/{CA}/composite-profiles/gms-collection-composite-profile/profiles"
        ))),
        12
    );
    assert_eq!(
        count(&get_json(&format!(
            "{dig}/generic-placement-intents/gms-collection-placement-intent/app-intents"
        ))),
        12
    );
    assert_eq!(
        count(&get_json(&format!(
            "{dig}/traffic-group-intents/gmstestdtc/inbound-intents"
        ))),
        4
    );
    assert_eq!(
        get_json(&format!(
            "{}/v2/cluster-providers/gmsprovider1/clusters?label=edge-cluster",
            stack.clm.url()
        )),
        serde_json::json!(["gmscluster1"])
    );

    for f in order {
        let out = stack.emcoctl(&work, &["get", "-f", &file(f), "-v", "values.yaml"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "get {f}:\n{stdout}");
        assert!(stdout.contains("Response Code: 200"), "get {f}:\n{stdout}");
    }

    for f in order.iter().rev() {
        let out = stack.emcoctl(&work, &["delete", "-f", &file(f), "-v", "values.yaml"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "delete {f} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(get_json(&format!("{o}/v2/projects")), Value::Null);
    assert_eq!(get_json(&format!("{o}/v2/controllers")), Value::Null);
    assert_eq!(
        get_json(&format!("{}/v2/cluster-providers", stack.clm.url())),
        serde_json::json!([])
    );
}

#[test]
fn orchestrator_killed_mid_apply_loses_and_duplicates_nothing() {
    let mut stack = Stack::start();
    let work = gms_workdir(stack.path());
    let projects = stack.emcoctl(
        &work,
        &["apply", "-f", &file("projects.yaml"), "-v", "values.yaml"],
    );
    assert!(projects.status.success());
    let child = Command::new(workspace_bin("emcoctl"))
        .current_dir(&work)
        .arg("--config")
        .arg(&stack.cfg)
        .args(["apply", "-f", &file("apps.yaml"), "-v", "values.yaml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn emcoctl");
    let apps = format!("{}/{CA}/apps", stack.orchestrator.url());
    wait_for("a few apps created", Duration::from_secs(30), || {
        (count(&get_json(&apps)) >= 3).then_some(())
    });
    stack.orchestrator.kill();
    std::thread::sleep(Duration::from_secs(2)); // the outage the scenario asks for
    stack.orchestrator.restart();
    let out = child.wait_with_output().expect("emcoctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "emcoctl failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("retry"),
        "expected retry lines on stderr:\n{stderr}"
    );
    let listed = get_json(&apps);
    let mut names: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["metadata"]["name"].as_str())
        .collect();
    names.sort_unstable();
    let mut expected = APPS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "each app exactly once");
    let profiles = get_json(&format!(
        "{}/{CA}/composite-profiles/gms-collection-composite-profile/profiles",
        stack.orchestrator.url()
    ));
    assert_eq!(count(&profiles), 12);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let stack = Stack::start();
    let dir = stack.path();
    let run = |f: &Path| stack.emcoctl(dir, &["apply", "-f", &f.display().to_string()]);
    let project = "version: emco/v2\nresourceContext:\n  anchor: projects\nmetadata:\n  name: p1\n";
    assert!(run(&write(dir, "p.yaml", project)).status.success());

    let cases = [
        (
            "malformed YAML",
            "version: emco/v2\nresourceContext: [unclosed\n",
            "Invalid input Yaml",
        ),
        (
            "missing file",
            "resourceContext:\n  anchor: projects/p1/composite-apps/ca/v1/apps\nmetadata:\n  name: a1\nfile: /nonexistent/chart.tgz\n",
            "chart.tgz",
        ),
        (
            "unknown anchor",
            "resourceContext:\n  anchor: no-such-service/x\nmetadata:\n  name: a\n",
            "Invalid baseUrl",
        ),
        (
            "invalid name",
            "resourceContext:\n  anchor: projects\nmetadata:\n  name: -bad-\n",
            "Response Code: 400",
        ),
        (
            "wrong JSON type",
            "resourceContext:\n  anchor: controllers\nmetadata:\n  name: c1\nspec:\n  host: h\n  port: \"ninety\"\n",
            "Response Code: 422",
        ),
    ];
    for (what, text, expect) in cases {
        let out = run(&write(dir, "bad.yaml", text));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "{what}: expected a non-zero exit\n{all}"
        );
        assert!(
            all.contains(expect),
            "{what}: expected {expect:?} in\n{all}"
        );
        assert!(!all.contains("panicked"), "{what}: panic\n{all}");
    }
    assert_eq!(
        get_json(&format!("{}/v2/controllers", stack.orchestrator.url())),
        Value::Null,
        "nothing half-written"
    );
    // Malformed and oversized archives: 422, nothing stored.
    let ca = "resourceContext:\n  anchor: projects/p1/composite-apps\nmetadata:\n  name: ca\nspec:\n  compositeAppVersion: v1\n";
    assert!(run(&write(dir, "ca.yaml", ca)).status.success());
    write(dir, "junk.tgz", "this is not a chart");
    let app = |f: &str| {
        format!(
            "resourceContext:\n  anchor: projects/p1/composite-apps/ca/v1/apps\nmetadata:\n  name: a1\nfile: {}\n",
            dir.join(f).display()
        )
    };
    let out = run(&write(dir, "app.yaml", &app("junk.tgz")));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Error in file format"));
    let apps_url = format!(
        "{}/v2/projects/p1/composite-apps/ca/v1/apps",
        stack.orchestrator.url()
    );
    assert_eq!(get_json(&apps_url), Value::Null, "nothing half-written");

    std::fs::create_dir_all(dir.join("small")).expect("mkdir");
    let small = Proc::start(
        "orchestrator",
        &stack.store_url,
        &dir.join("small"),
        "127.0.0.1:0",
        &[("EMCO_MAX_UPLOAD_MB", "1")],
    );
    let big = reqwest::blocking::multipart::Form::new()
        .text("metadata", r#"{"metadata":{"name":"a1"}}"#)
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(vec![7u8; 2 * 1024 * 1024])
                .file_name("big.tgz"),
        );
    let r = http()
        .post(format!(
            "{}/v2/projects/p1/composite-apps/ca/v1/apps",
            small.url()
        ))
        .multipart(big)
        .send()
        .expect("post");
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap_or_default().contains("File Size Exceeds"));
    assert_eq!(get_json(&apps_url), Value::Null, "nothing half-written");
}
