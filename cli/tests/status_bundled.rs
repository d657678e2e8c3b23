//! `status`, `watch`, `status --wait-for` and `apply --wait` against the real bundled server
//! (`target/debug/emco-server`), with a logical cloud on a simulated cluster as the subject.

mod stack;

use std::time::Duration;

use serde_json::Value;
use stack::{Sim, Stack, logical_cloud_file};

const LC: &str = "projects/p1/logical-clouds/lc1";

/// The table's resource rows as (kind, name, deployed, ready) for a logical cloud.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip_while(|l| !l.starts_with("CLUSTER"))
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// The top-level keys of pretty JSON, in order.
fn top_keys(pretty: &str) -> Vec<String> {
    pretty
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once("\":").map(|(k, _)| k.to_string()))
        .collect()
}

#[test]
fn logical_cloud_status_table_json_yaml_watch_and_waits() {
    let stack = Stack::start();
    let _sim = Sim::start("edge01", stack.path());
    std::fs::write(stack.path().join("lc.yaml"), logical_cloud_file(true)).expect("write file");

    let run = stack.emcoctl(&["apply", "-f", "lc.yaml", "--wait", "--timeout", "60s"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("emcoctl: projects/p1/logical-clouds/lc1 reached Instantiated ("),
        "{}",
        run.stderr
    );
    // Not a terminal: one line per change, no progress bar drawing.
    assert!(
        run.stderr.contains("emcoctl: lc1 Instantiat"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\r') && !run.stderr.contains("\x1b["));
    // stdout is still EMCO's per-call output.
    assert!(
        run.stdout
            .ends_with("Response Code: 202\nAPI Response code 202. Waiting...\n")
    );

    let run = stack.emcoctl(&["status", LC]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "Logical cloud:  lc1 (project p1)");
    assert!(
        lines[1].starts_with("State:          Instantiated (instance "),
        "{}",
        run.stdout
    );
    assert_eq!(lines[2], "Deployed:       Instantiated (Applied 5)");
    assert!(lines[3].starts_with("Ready:          "), "{}", run.stdout);
    assert_eq!(
        lines[5].split_whitespace().collect::<Vec<_>>(),
        [
            "CLUSTER",
            "CONNECTIVITY",
            "KIND",
            "NAME",
            "DEPLOYED",
            "READY"
        ]
    );
    let mut got: Vec<(String, String, String)> = rows(&run.stdout)
        .into_iter()
        .map(|r| {
            assert_eq!(r[..2], ["p+edge01", "Available"], "{r:?}");
            (r[2].clone(), r[3].clone(), r[4].clone())
        })
        .collect();
    got.sort();
    let want = [
        ("CertificateSigningRequest", "lc1-ns1-user-csr"),
        ("Namespace", "ns1"),
        ("ResourceQuota", "q1"),
        ("Role", "lc1-role0"),
        ("RoleBinding", "lc1-roleBinding0"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(k, n)| (k.to_string(), n.to_string(), "Applied".to_string()))
        .collect();
    assert_eq!(got, want, "{}", run.stdout);

    // A filter, and one status mode: one column.
    let run = stack.emcoctl(&["status", LC, "--resource", "q1", "--status", "deployed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        rows(&run.stdout),
        [["p+edge01", "Available", "ResourceQuota", "q1", "Applied"]]
    );

    // Already there: the wait ends at once and shows the status.
    let run = stack.emcoctl(&["status", LC, "--wait-for", "Ready", "--output", "summary"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("reached Ready ("), "{}", run.stderr);
    assert!(
        run.stdout.contains("\nReady:          Ready ("),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("CLUSTER"), "{}", run.stdout);

    // -o json is the server's document as it sent it; -o yaml the same data.
    let raw = stack.emcoctl(&["get", &format!("{LC}/status?status=deployed")]);
    let body = raw
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Response: "))
        .expect("a body");
    let raw_value: Value = serde_json::from_str(body).expect("raw status is JSON");
    let json = stack.emcoctl(&["status", LC, "--status", "deployed", "-o", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let value: Value = serde_json::from_str(&json.stdout).expect("json output");
    assert_eq!(value, raw_value);
    assert_eq!(
        top_keys(&json.stdout),
        [
            "project",
            "name",
            "states",
            "deployedStatus",
            "deployedCounts",
            "clusters"
        ]
    );
    let yaml = stack.emcoctl(&[
        "status",
        &format!("{LC}/status"),
        "--status",
        "deployed",
        "-o",
        "yaml",
    ]);
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    let value: Value = serde_saphyr::from_str(&yaml.stdout).expect("yaml output");
    assert_eq!(value, raw_value);

    // watch: the current document at once, then every change, one JSON line each.
    let mut watch =
        stack.emcoctl_spawn(&["watch", LC, "--status", "deployed", "--output", "summary"]);
    watch.stdout_line(Duration::from_secs(30), |l| {
        l.contains("\"deployedStatus\":\"Instantiated\"")
    });
    let run = stack.emcoctl(&["apply", &format!("{LC}/terminate")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    watch.stdout_line(Duration::from_secs(60), |l| {
        l.contains("\"deployedStatus\":\"Terminated\"")
    });
    watch.interrupt();
    let ended = watch.finish(Duration::from_secs(10));
    assert_eq!(ended.code, 0, "{}", ended.stderr);
    for line in ended.stdout.lines() {
        let doc: Value = serde_json::from_str(line).expect("each line is a JSON document");
        assert_eq!(doc["name"], "lc1");
    }

    let run = stack.emcoctl(&[
        "status",
        LC,
        "--wait-for",
        "terminated",
        "--status",
        "deployed",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Deployed:       Terminated (Deleted 5)"),
        "{}",
        run.stdout
    );
}

#[test]
fn waits_time_out_on_an_unreachable_cluster_and_ride_through_a_dcm_restart() {
    let stack = Stack::start();
    let mut dcm = stack.separate_dcm();
    let mut sim = Sim::start("edge01", stack.path());
    std::fs::write(stack.path().join("lc.yaml"), logical_cloud_file(false)).expect("write file");
    let run = stack.emcoctl(&["apply", "-f", "lc.yaml"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // With the cluster down the cloud cannot finish instantiating.
    sim.kill();
    let run = stack.emcoctl(&["apply", &format!("{LC}/instantiate")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = stack.emcoctl(&[
        "status",
        LC,
        "--wait-for",
        "Instantiated",
        "--timeout",
        "1s",
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "waiting for projects/p1/logical-clouds/lc1 to reach Instantiated (last state: Instantiating)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let run = stack.emcoctl(&["status", LC, "--status", "deployed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let table = rows(&run.stdout);
    assert_eq!(table.len(), 5, "{}", run.stdout);
    assert!(table.iter().all(|r| r[4] == "Pending"), "{}", run.stdout);

    // A wait that is running when dcm dies, and when it comes back.
    let mut wait = stack.emcoctl_spawn(&[
        "status",
        LC,
        "--wait-for",
        "Instantiated",
        "--timeout",
        "120s",
    ]);
    wait.stderr_line(Duration::from_secs(30), |l| {
        l.starts_with("emcoctl: lc1 Instantiating")
    });
    dcm.kill();
    // The outage: until the wait has been refused a connection at least twice.
    wait.stderr_line(Duration::from_secs(30), |l| {
        l.starts_with("emcoctl: retry dcm projects/p1/logical-clouds/lc1/status")
            && l.contains("(connection refused)")
    });
    wait.stderr_line(Duration::from_secs(30), |l| {
        l.contains("(connection refused)") && !l.contains("attempt 1,")
    });
    dcm.restart();
    sim.restart();
    let run = wait.finish(Duration::from_secs(90));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("emcoctl: projects/p1/logical-clouds/lc1 reached Instantiated ("),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("\nDeployed:       Instantiated (Applied 5)\n"),
        "{}",
        run.stdout
    );
}
