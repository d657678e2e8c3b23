//! Reissues refused as duplicates: the 409 comparison, the lifecycle status check, and DELETE.

mod common;

use std::time::Duration;

use common::{Action, TestServer, write};
use emcoctl::output::Captured;
use emcoctl::{
    ApplyOptions, ClientOptions, Config, RetryPolicy, Session, Summary, run_apply, run_delete,
};

const PROJECT: &str = "version: emco/v2\nresourceContext:\n  anchor: projects\nmetadata:\n  name: p1\n  description: first\n";
const DIG: &str = "projects/p1/composite-apps/ca/v1/deployment-intent-groups/dig";

fn session(config: Config) -> Session {
    let options = ClientOptions {
        retry: RetryPolicy {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    };
    Session::new(config, options).expect("client")
}

async fn apply_text(session: &Session, text: &str) -> (Summary, Captured) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "r.yaml", text);
    let mut out = Captured::default();
    let summary = run_apply(session, &ApplyOptions::file(file), &mut out)
        .await
        .expect("apply runs");
    (summary, out)
}

fn reissue_then_409(stored: &'static str) -> TestServer {
    TestServer::start(move |r, i| match (r.method.as_str(), i) {
        ("POST", 0) => Action::Reset,
        ("POST", _) => Action::text(409, "Project already exists"),
        ("GET", _) if r.path == "/v2/projects/p1" => Action::json(200, stored),
        _ => Action::text(404, "404 page not found"),
    })
}

#[tokio::test]
async fn reissued_create_answering_409_is_confirmed_by_comparison() {
    let server = reissue_then_409(
        r#"{"metadata":{"name":"p1","description":"first","userData1":"","userData2":""}}"#,
    );
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    let seq: Vec<_> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        seq,
        [
            "POST /v2/projects",
            "POST /v2/projects",
            "GET /v2/projects/p1"
        ]
    );
    assert!(out.stdout.contains("Response Code: 409"));
    assert!(
        out.stderr.contains("emcoctl: POST projects: reissued call answered 409; the stored resource equals what was sent, counted as success"),
        "{}",
        out.stderr
    );
    assert!(summary.records[0].ok);
}

#[tokio::test]
async fn reissued_create_answering_409_with_different_content_is_an_error() {
    let server = reissue_then_409(r#"{"metadata":{"name":"p1","description":"someone else's"}}"#);
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(!summary.ok());
    assert!(
        out.stderr.contains(
            r#"the stored resource differs from what was sent: metadata.description: stored "someone else's", sent "first""#
        ),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn a_first_attempt_409_is_a_plain_api_error() {
    let server = TestServer::start(|_, _| Action::text(409, "Project already exists"));
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(!summary.ok());
    assert_eq!(server.requests().len(), 1, "no retry, no verification GET");
    assert!(!out.stderr.contains("emcoctl: retry"));
    assert!(
        out.stdout
            .contains("Response Code: 409\nResponse: Project already exists\n")
    );
}

fn dig_server(conflict: Action, last_state: &'static str) -> TestServer {
    TestServer::start(move |r, i| match (r.method.as_str(), i) {
        ("POST", 0) => Action::Reset,
        ("POST", _) => conflict.clone(),
        ("GET", _) => Action::json(
            200,
            &format!(
                r#"{{"name":"dig","states":{{"statusctxid":"1","actions":[{{"state":"Approved"}},{{"state":"{last_state}"}}]}},"deployedStatus":"Instantiating"}}"#
            ),
        ),
        _ => Action::empty(405),
    })
}

#[tokio::test]
async fn reissued_instantiate_in_conflict_is_confirmed_by_the_status() {
    let server = dig_server(
        Action::text(
            500,
            "DeploymentIntentGroup has already been instantiateddig",
        ),
        "Instantiated",
    );
    let mut out = Captured::default();
    let options = ApplyOptions::anchor(format!("{DIG}/instantiate"));
    let summary = run_apply(&session(server.config()), &options, &mut out)
        .await
        .expect("apply");
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].path, format!("/v2/{DIG}/status?status=deployed"));
    assert!(
        out.stderr.contains("the status shows Instantiated"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn reissued_instantiate_in_conflict_with_another_state_is_an_error() {
    let server = dig_server(
        Action::text(409, "DeploymentIntentGroup must be Approved"),
        "Terminated",
    );
    let mut out = Captured::default();
    let options = ApplyOptions::anchor(format!("{DIG}/instantiate"));
    let summary = run_apply(&session(server.config()), &options, &mut out)
        .await
        .expect("apply");
    assert!(!summary.ok());
    assert!(
        out.stderr
            .contains("the status shows Terminated, not Instantiated"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn reissued_logical_cloud_terminate_is_confirmed() {
    let server = TestServer::start(|r, i| match (r.method.as_str(), i) {
        ("POST", 0) => Action::Close,
        ("POST", _) => Action::text(409, "The Logical Cloud has already been terminated"),
        ("GET", _) if r.path == "/v2/projects/p1/logical-clouds/lc/status" => Action::json(
            200,
            r#"{"project":"p1","name":"lc","states":{},"deployedStatus":"Terminated"}"#,
        ),
        _ => Action::text(404, "404 page not found"),
    });
    let mut out = Captured::default();
    let options = ApplyOptions::anchor("projects/p1/logical-clouds/lc/terminate");
    let summary = run_apply(&session(server.config()), &options, &mut out)
        .await
        .expect("apply");
    assert!(summary.ok(), "{out:?}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn reissued_delete_answering_404_is_confirmed() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::Reset,
        _ => Action::text(404, "The requested resource not found"),
    });
    let mut out = Captured::default();
    let summary = run_delete(
        &session(server.config()),
        &ApplyOptions::anchor("projects/p1"),
        &mut out,
    )
    .await
    .expect("delete");
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs[0].method, "DELETE");
    assert_eq!(
        reqs[0].header("Idempotency-Key"),
        reqs[1].header("Idempotency-Key")
    );
}
