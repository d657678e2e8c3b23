//! The `emcoctl` binary: EMCO's output and messages, our exit codes, command rules.

mod common;

use common::{Action, TestServer, emcoctl, project, setup, write};

const DIG: &str = "projects/p1/composite-apps/ca/v1/deployment-intent-groups/dig";

#[test]
fn defaults_banner_and_usage() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = emcoctl(home.path(), &["apply"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout,
        "Warning: No Configuration File found. Using defaults\n"
    );
    assert_eq!(run.stderr, "Use: 'emcoctl apply --help'\n");
}

#[test]
fn missing_service_is_fatal() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = write(
        home.path(),
        "cfg.yaml",
        "  clm:\n    host: 127.0.0.1\n    port: 1\n",
    );
    let cfg = cfg.display().to_string();
    let run = emcoctl(home.path(), &["--config", &cfg, "apply", "projects"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, format!("Using config file: {cfg}\n"));
    assert_eq!(
        run.stderr,
        "Fatal: No Orchestrator Information in Config File\n"
    );
}

#[test]
fn home_config_is_found() {
    let server = TestServer::start(|_, _| Action::json(200, "[]"));
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = write(home.path(), ".emco.yaml", &server.config_yaml());
    let run = emcoctl(home.path(), &["get", "projects"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("Using config file: {}\n", cfg.display())),
        "{}",
        run.stdout
    );
}

#[test]
fn successful_apply_prints_exactly_what_emco_prints() {
    let server = TestServer::start(|r, _| match r.path.as_str() {
        "/v2/projects" => Action::json(
            201,
            "{\"metadata\":{\"name\":\"p1\",\"description\":\"\",\"userData1\":\"\",\"userData2\":\"\"}}\n",
        ),
        _ => Action::empty(202),
    });
    let (dir, cfg) = setup(&server);
    let text = format!(
        "{}---\nresourceContext:\n  anchor: {DIG}/instantiate\n",
        project("p1")
    );
    let file = write(dir.path(), "r.yaml", &text).display().to_string();
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "-f", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let base = format!("http://127.0.0.1:{}/v2", server.addr.port());
    assert_eq!(
        run.stdout,
        format!(
            "Using config file: {cfg}\n---\nPOST  --> URL: {base}/projects\nResponse Code: 201\nResponse: {{\"metadata\":{{\"name\":\"p1\",\"description\":\"\",\"userData1\":\"\",\"userData2\":\"\"}}}}\n---\nPOST  --> URL: {base}/{DIG}/instantiate\nResponse Code: 202\nAPI Response code 202. Waiting...\n"
        )
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn api_errors_give_a_non_zero_exit_and_stop_with_s() {
    let server = TestServer::start(|_, _| Action::text(400, "Invalid Input:"));
    let (dir, cfg) = setup(&server);
    let text = format!("{}---\n{}", project("p1"), project("p2"));
    let file = write(dir.path(), "r.yaml", &text).display().to_string();
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "-f", &file]);
    assert_eq!(run.code, 1);
    assert_eq!(
        server.requests().len(),
        2,
        "without -s every document is sent"
    );
    assert!(
        run.stdout
            .contains("Response Code: 400\nResponse: Invalid Input:\n")
    );

    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "-s", "-f", &file]);
    assert_eq!(run.code, 1);
    assert_eq!(
        server.requests().len(),
        3,
        "-s stops after the first API error"
    );
}

#[test]
fn invalid_yaml_is_one_line_and_exit_1() {
    let server = TestServer::start(|_, _| Action::json(201, "{}"));
    let (dir, cfg) = setup(&server);
    let file = write(
        dir.path(),
        "bad.yaml",
        &format!("{}---\nmetadata: [\n", project("p1")),
    );
    let file = file.display().to_string();
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "-f", &file]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Invalid input Yaml! Exiting.."),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        server.requests().is_empty(),
        "nothing is sent from an invalid file"
    );
}

#[test]
fn missing_file_is_named_and_nothing_is_sent_for_it() {
    let server = TestServer::start(|_, _| Action::json(201, "{}"));
    let (dir, cfg) = setup(&server);
    let text = format!(
        "{}---\nresourceContext:\n  anchor: projects/p1/composite-apps/ca/v1/apps\nmetadata:\n  name: a1\nfile: output/missing.tgz\n---\n{}",
        project("p1"),
        project("p2")
    );
    let file = write(dir.path(), "r.yaml", &text).display().to_string();
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "-f", &file]);
    assert_ne!(run.code, 0);
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/v2/projects"],
        "stops at the document with the missing file"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "Apply:  projects/p1/composite-apps/ca/v1/apps Error:  cannot read file output/missing.tgz: "
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn get_with_output_prints_only_the_body() {
    let server = TestServer::start(|_, _| {
        Action::json(
            200,
            "{\"name\":\"dig\",\"deployedStatus\":\"Instantiated\"}\n",
        )
    });
    let (dir, cfg) = setup(&server);
    let anchor = format!("{DIG}/status?status=deployed");
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "get", &anchor, "-o", "json"],
    );
    assert_eq!(run.code, 0);
    // Pretty JSON of the body alone (key order follows serde_json's map).
    let body: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(
        body,
        serde_json::json!({"name": "dig", "deployedStatus": "Instantiated"})
    );
    assert_eq!(run.stdout.lines().count(), 4, "{}", run.stdout);
    assert!(
        run.stdout.contains("\n  \"name\": \"dig\""),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, format!("Using config file: {cfg}\n"));

    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "get", &anchor, "-o", "yaml"],
    );
    assert_eq!(run.code, 0);
    let mut lines: Vec<_> = run.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["deployedStatus: Instantiated", "name: dig"]);
}

#[test]
fn get_failure_exits_non_zero() {
    let server = TestServer::start(|_, _| Action::text(404, "Project not found"));
    let (dir, cfg) = setup(&server);
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "get", "projects/nope", "-o", "json"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .ends_with("Get:  projects/nope Error:  HTTP 404: Project not found\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn retries_are_reported_on_stderr_and_quiet_hides_them() {
    let server = TestServer::start(|_, i| match i % 2 {
        0 => Action::Reset,
        _ => Action::json(201, "{}"),
    });
    let (dir, cfg) = setup(&server);
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "projects"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "emcoctl: retry orchestrator projects (connection reset by peer) attempt 1, next in "
        ),
        "{}",
        run.stderr
    );
    let run = emcoctl(dir.path(), &["--config", &cfg, "-q", "apply", "projects"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
}

#[test]
fn retry_timeout_zero_reports_the_refusal_at_once() {
    let addr = common::free_port();
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = write(
        home.path(),
        "cfg.yaml",
        &format!("clm:\n  host: 127.0.0.1\n  port: {}\n", addr.port()),
    );
    let cfg = cfg.display().to_string();
    let run = emcoctl(
        home.path(),
        &[
            "--config",
            &cfg,
            "--retry-timeout",
            "0",
            "apply",
            "cluster-providers",
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "Apply:  cluster-providers Error:  POST http://127.0.0.1:{}/v2/cluster-providers: connection refused\n",
            addr.port()
        )
    );
}

#[test]
fn unknown_anchor_root_is_invalid_base_url() {
    let server = TestServer::start(|_, _| Action::json(201, "{}"));
    let (dir, cfg) = setup(&server);
    let run = emcoctl(dir.path(), &["--config", &cfg, "apply", "widgets"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "Apply:  widgets Error:  Invalid baseUrl\n");
    assert!(server.requests().is_empty());
}

#[test]
fn values_render_the_file_and_a_missing_values_file_is_an_error() {
    let server = TestServer::start(|_, _| Action::json(201, "{}"));
    let (dir, cfg) = setup(&server);
    let file = write(
        dir.path(),
        "r.yaml",
        "{{- range $i, $p := .Projects }}\n---\nresourceContext:\n  anchor: projects\nmetadata:\n  name: {{ $p }}\n  description: {{ $.Owner }}\n{{- end }}\n",
    );
    let file = file.display().to_string();
    let values = write(dir.path(), "values.yaml", "  Projects:\n    - a\n    - b\n");
    let values = values.display().to_string();
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "apply", "-f", &file, "-v", &values],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bodies: Vec<_> = server.requests().iter().map(|r| r.body_text()).collect();
    assert_eq!(
        bodies,
        [
            r#"{"metadata":{"name":"a","description":"<no value>"}}"#,
            r#"{"metadata":{"name":"b","description":"<no value>"}}"#,
        ]
    );

    let missing = dir.path().join("nope.yaml").display().to_string();
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "apply", "-f", &file, "-v", &missing],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with(&format!("Error reading file {missing}: ")),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 2, "nothing more was sent");
}
