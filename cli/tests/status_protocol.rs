//! Status reads, waits and watches against servers the bundled one cannot imitate: an EMCO that
//! has no status stream, answers that are not JSON or come from a gateway, a stream that drops,
//! a failed instantiation, and a subject that does not exist.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Action, Recorded, TestServer, emcoctl, setup};
use emcoctl::output::Captured;
use emcoctl::status::follow::{Event, Follow};
use emcoctl::status::{StatusError, StatusQuery, Subject, WaitOutcome, WaitRequest, WaitTarget};
use emcoctl::{ClientOptions, RetryPolicy, Session};
use serde_json::{Value, json};

const LC: &str = "projects/p1/logical-clouds/lc1";

fn session(server: &TestServer) -> Session {
    let options = ClientOptions {
        retry: RetryPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        request_timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    };
    Session::new(server.config(), options).expect("client")
}

fn lc_doc(deployed: &str, counts: Value) -> String {
    json!({"project": "p1", "name": "lc1",
        "states": {"statusctxid": "7", "actions": [
            {"state": "Created", "instance": "", "time": "t0", "revision": 0},
            {"state": "Instantiated", "instance": "7", "time": "t1", "revision": 1}]},
        "deployedStatus": deployed, "deployedCounts": counts})
    .to_string()
}

fn failed_detail() -> String {
    json!({"project": "p1", "name": "lc1", "deployedStatus": "InstantiateFailed",
        "deployedCounts": {"Applied": 1, "Failed": 1},
        "clusters": [{"clusterProvider": "p", "cluster": "edge01", "connectivity": "Available", "resources": [
            {"GVK": {"Group": "", "Version": "v1", "Kind": "Namespace"}, "name": "ns1", "deployedStatus": "Applied"},
            {"GVK": {"Group": "", "Version": "v1", "Kind": "ResourceQuota"}, "name": "q1", "deployedStatus": "Failed"}]}]})
    .to_string()
}

fn query(r: &Recorded) -> &str {
    r.path.split_once('?').map_or("", |(_, q)| q)
}

/// An EMCO without a status stream: `watch=true` is ignored and a plain document comes back.
/// The deployed status goes Instantiating, then a text body, an HTML gateway page, then
/// InstantiateFailed.
fn emco_without_stream() -> (TestServer, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let seen = polls.clone();
    let server = TestServer::start(move |r, _| {
        let q = query(r);
        if q.contains("status=ready") {
            return Action::json(200, &json!({"name": "lc1", "deployedStatus": "Instantiating", "readyStatus": "NotReady", "readyCounts": {"NotPresent": 2}}).to_string());
        }
        if q.contains("output=all") {
            return Action::json(200, &failed_detail());
        }
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => Action::json(200, &lc_doc("Instantiating", json!({"Pending": 2}))),
            1 => Action::text(200, "Internal Server Error"),
            2 => Action::html(502, "<html><body>502 Bad Gateway</body></html>"),
            3 => Action::json(
                200,
                &lc_doc("Instantiating", json!({"Applied": 1, "Pending": 1})),
            ),
            _ => Action::json(
                200,
                &lc_doc("InstantiateFailed", json!({"Applied": 1, "Failed": 1})),
            ),
        }
    });
    (server, polls)
}

#[tokio::test]
async fn polling_rides_through_bad_answers_to_a_failed_state() {
    let (server, _) = emco_without_stream();
    let session = session(&server);
    let request = WaitRequest {
        poll: Duration::from_millis(20),
        ..WaitRequest::new(
            Subject::parse(LC).expect("anchor"),
            WaitTarget::State("Instantiated"),
            Duration::from_secs(30),
        )
    };
    let mut out = Captured::default();
    let mut progress = emcoctl::status::LineProgress::new("lc1");
    let outcome = emcoctl::wait(&session, &request, &mut out, &mut progress)
        .await
        .expect("wait runs");
    let WaitOutcome::Failed {
        state,
        failing,
        retries,
        ..
    } = outcome
    else {
        panic!("not failed: {outcome:?}\n{}", out.stderr);
    };
    assert_eq!(state, "InstantiateFailed");
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(
        (failing[0].kind.as_str(), failing[0].name.as_str()),
        ("ResourceQuota", "q1")
    );
    assert_eq!(retries, 2, "{}", out.stderr);
    let notices: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("emcoctl: retry"))
        .collect();
    assert_eq!(notices.len(), 2, "{}", out.stderr);
    assert!(notices[0].starts_with("emcoctl: retry dcm projects/p1/logical-clouds/lc1/status?status=deployed&output=summary (answer is not JSON"), "{}", notices[0]);
    assert!(
        notices[0].contains(" attempt 1, next in "),
        "{}",
        notices[0]
    );
    assert!(
        notices[1].contains("(HTTP 502 with an HTML body) attempt 2"),
        "{}",
        notices[1]
    );
    assert!(
        out.stderr.contains("emcoctl: lc1 Instantiating  Pending 2"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("  Ready 0/2 ["), "{}", out.stderr);
    // Each follower asked for the stream once, then polled.
    let requests = server.requests();
    let watches = requests
        .iter()
        .filter(|r| query(r).contains("watch=true"))
        .count();
    assert_eq!(
        watches,
        2,
        "{:?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

#[test]
fn cli_exits_1_on_a_failed_state_and_lists_the_failing_resources() {
    let server = TestServer::start(|r, _| {
        if query(r).contains("output=all") {
            Action::json(200, &failed_detail())
        } else {
            Action::json(
                200,
                &lc_doc("InstantiateFailed", json!({"Applied": 1, "Failed": 1})),
            )
        }
    });
    let (dir, cfg) = setup(&server);
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "status", LC, "--wait-for", "Instantiated"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("emcoctl: projects/p1/logical-clouds/lc1 is InstantiateFailed ("),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 resource failed:"), "{}", run.stderr);
    let cells: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        cells,
        [
            vec!["CLUSTER", "KIND", "NAME", "STATUS"],
            vec!["p+edge01", "ResourceQuota", "q1", "Failed"]
        ]
    );
}

#[test]
fn a_subject_that_does_not_exist_ends_the_wait_at_once() {
    let server = TestServer::start(|_, _| Action::text(400, "Logical Cloud not found"));
    let (dir, cfg) = setup(&server);
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "status", LC, "--wait-for", "Instantiated"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Wait:  projects/p1/logical-clouds/lc1 Error:  GET http://127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with("HTTP 400: Logical Cloud not found\n"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("retry"), "{}", run.stderr);
}

#[test]
fn bad_command_lines_exit_2() {
    let server = TestServer::start(|_, _| Action::json(200, "{}"));
    let (dir, cfg) = setup(&server);
    let run = emcoctl(dir.path(), &["--config", &cfg, "status", "projects/p1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("is not a deployment intent group or logical cloud"),
        "{}",
        run.stderr
    );
    let run = emcoctl(
        dir.path(),
        &["--config", &cfg, "status", LC, "--wait-for", "Deployed"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown state \"Deployed\": use Ready or one of"),
        "{}",
        run.stderr
    );
    let run = emcoctl(
        dir.path(),
        &[
            "--config",
            &cfg,
            "status",
            LC,
            "--wait-for",
            "Ready",
            "--timeout",
            "0",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the wait timeout must be more than 0"),
        "{}",
        run.stderr
    );
    let run = emcoctl(
        dir.path(),
        &[
            "--config",
            &cfg,
            "status",
            LC,
            "--wait-for",
            "Ready",
            "--timeout",
            "5x",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid duration \"5x\""),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_dropped_stream_is_opened_again() {
    // Each stream answer carries two documents (the second cut off mid-line by the close),
    // so the follower must reconnect to see the end.
    let opened = Arc::new(AtomicUsize::new(0));
    let count = opened.clone();
    let server = TestServer::start(move |r, _| {
        assert!(query(r).contains("watch=true"), "polled: {}", r.path);
        let body = match count.fetch_add(1, Ordering::SeqCst) {
            0 => format!(
                "{}\n{{\"name\":",
                lc_doc("Instantiating", json!({"Pending": 2}))
            ),
            _ => format!(
                "{}\n{}\n",
                lc_doc("Instantiating", json!({"Pending": 2})),
                lc_doc("Instantiated", json!({"Applied": 2}))
            ),
        };
        Action::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), "application/x-ndjson".into())],
            body,
        }
    });
    let session = session(&server);
    let subject = Subject::parse(LC).expect("anchor");
    let follow = Follow::new(&session, &subject, &StatusQuery::default(), true).expect("follow");
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let task = tokio::spawn(follow.run((), tx));
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("events within the deadline")
            .expect("follower running");
        let done =
            matches!(&event.1, Event::Doc { doc, .. } if doc["deployedStatus"] == "Instantiated");
        events.push(event.1);
        if done {
            break;
        }
    }
    task.abort();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Doc { doc, .. } => {
                format!("doc {}", doc["deployedStatus"].as_str().unwrap_or("?"))
            }
            Event::Retry(line) => format!("retry {line}"),
            Event::Fatal(e) => format!("fatal {e}"),
        })
        .collect();
    // The repeated Instantiating document after the reconnect is not reported again.
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[0], "doc Instantiating");
    assert!(
        kinds[1].starts_with("retry emcoctl: retry dcm projects/p1/logical-clouds/lc1/status (the status stream ended) attempt 1"),
        "{kinds:?}"
    );
    assert_eq!(kinds[2], "doc Instantiated");
    assert!(opened.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn fetch_reports_refusals_and_bodies_that_are_not_json() {
    let server = TestServer::start(|r, _| {
        if query(r).contains("instance=") {
            Action::text(400, "Invalid query instance")
        } else {
            Action::text(200, "not json")
        }
    });
    let session = session(&server);
    let mut out = Captured::default();
    let query = StatusQuery {
        instance: Some(String::new()),
        ..StatusQuery::default()
    };
    let err = emcoctl::fetch_status(&session, LC, &query, &mut out)
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::Api { status: 400, .. }), "{err}");
    let err = emcoctl::fetch_status(&session, LC, &StatusQuery::default(), &mut out)
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::NotJson { .. }), "{err}");
    let err = emcoctl::fetch_status(&session, "projects/p1", &StatusQuery::default(), &mut out)
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::Subject(_)), "{err}");
}
