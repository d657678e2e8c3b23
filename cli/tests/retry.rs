//! The retry/reissue contract against real sockets: refused, reset, HTML gateways,
//! transient errors, idempotency keys, and the 409 and state-conflict checks.

mod common;

use std::time::{Duration, Instant};

use common::{Action, TestServer, free_port, write};
use emcoctl::output::Captured;
use emcoctl::{
    ApplyOptions, ClientOptions, Config, Endpoint, GetFormat, GetOptions, RetryPolicy, Service,
    Session, Summary, Target, run_apply, run_get, run_update,
};

const PROJECT: &str = "version: emco/v2\nresourceContext:\n  anchor: projects\nmetadata:\n  name: p1\n  description: first\n";

fn fast_retries(timeout: Duration) -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            timeout,
            ..RetryPolicy::default()
        },
        request_timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    }
}

fn session(config: Config) -> Session {
    Session::new(config, fast_retries(Duration::from_secs(10))).expect("client")
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

fn retry_lines(out: &Captured) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("emcoctl: retry "))
        .collect()
}

#[tokio::test]
async fn refused_until_the_server_starts_then_succeeds() {
    let server = TestServer::start_later(Duration::from_secs(1), |_, _| {
        Action::json(201, r#"{"metadata":{"name":"p1"}}"#)
    });
    let started = Instant::now();
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    assert!(started.elapsed() >= Duration::from_millis(900));
    let lines = retry_lines(&out);
    assert!(lines.len() >= 2, "{out:?}");
    assert!(
        lines[0].starts_with(
            "emcoctl: retry orchestrator projects (connection refused) attempt 1, next in "
        ),
        "{}",
        lines[0]
    );
    assert_eq!(
        server.requests().len(),
        1,
        "refused attempts never reach the server"
    );
    assert_eq!(summary.records[0].attempts as usize, lines.len() + 1);
    assert!(out.stdout.contains("Response Code: 201"));
}

#[tokio::test]
async fn reset_after_read_is_reissued_with_the_same_key() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::Reset,
        _ => Action::json(201, r#"{"metadata":{"name":"p1"}}"#),
    });
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let key0 = reqs[0].header("Idempotency-Key").expect("key sent");
    assert_eq!(uuid::Uuid::parse_str(key0).map(|_| ()), Ok(()));
    assert_eq!(reqs[1].header("Idempotency-Key"), Some(key0));
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(
        reqs[0].body_text(),
        r#"{"metadata":{"name":"p1","description":"first"}}"#
    );
    let lines = retry_lines(&out);
    assert_eq!(lines.len(), 1, "{out:?}");
    assert!(
        lines[0].contains("(connection reset by peer) attempt 1, next in "),
        "{}",
        lines[0]
    );
}

#[tokio::test]
async fn early_close_is_in_doubt_and_reissued() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::Close,
        _ => Action::json(201, "{}"),
    });
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].header("Idempotency-Key"),
        reqs[1].header("Idempotency-Key")
    );
}

#[tokio::test]
async fn html_from_a_gateway_then_json() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::html(502, "<html><body>502 Bad Gateway</body></html>"),
        _ => Action::json(201, r#"{"metadata":{"name":"p1"}}"#),
    });
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    assert_eq!(server.requests().len(), 2);
    let lines = retry_lines(&out);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("(HTTP 502 with an HTML body) attempt 1"),
        "{}",
        lines[0]
    );
    // Only the final answer is printed.
    assert_eq!(out.stdout.matches("Response Code:").count(), 1);
}

#[tokio::test]
async fn every_logical_call_has_its_own_key_and_gets_have_none() {
    let server = TestServer::start(|r, _| match r.method.as_str() {
        "GET" => Action::json(200, "[]"),
        _ => Action::json(201, "{}"),
    });
    let s = session(server.config());
    let text = format!("{PROJECT}---\n{}", PROJECT.replace("p1", "p2"));
    let (summary, _) = apply_text(&s, &text).await;
    assert!(summary.ok());
    let mut out = Captured::default();
    let get = GetOptions {
        target: Target::Anchor("projects".into()),
        format: GetFormat::Emco,
    };
    run_get(&s, &get, &mut out).await.expect("get");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let k0 = reqs[0].header("Idempotency-Key").expect("key");
    let k1 = reqs[1].header("Idempotency-Key").expect("key");
    assert_ne!(k0, k1);
    assert_eq!(reqs[2].header("Idempotency-Key"), None);
}

#[tokio::test]
async fn transient_500_is_retried_and_other_500s_are_not() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::text(500, "store unavailable: database is locked"),
        _ => Action::json(201, "{}"),
    });
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    assert_eq!(server.requests().len(), 2);
    assert!(retry_lines(&out)[0].contains("(HTTP 500: store unavailable: database is locked)"));

    let server = TestServer::start(|_, _| {
        Action::text(
            500,
            "The server encountered an internal error and was unable to complete your request.",
        )
    });
    let (summary, _) = apply_text(&session(server.config()), PROJECT).await;
    assert!(!summary.ok());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::text(429, "slow down").header("Retry-After", "1"),
        _ => Action::json(201, "{}"),
    });
    let started = Instant::now();
    let (summary, out) = apply_text(&session(server.config()), PROJECT).await;
    assert!(summary.ok(), "{out:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        retry_lines(&out)[0].ends_with("(HTTP 429) attempt 1, next in 1s"),
        "{out:?}"
    );
}

#[tokio::test]
async fn multipart_bodies_are_rebuilt_for_every_attempt() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::Reset,
        _ => Action::json(201, "{}"),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.tgz"), b"\x1f\x8bchart-bytes").expect("write");
    let file = write(
        dir.path(),
        "apps.yaml",
        "resourceContext:\n  anchor: projects/p1/composite-apps/ca/v1/apps\nmetadata:\n  name: a1\nfile: app.tgz\n",
    );
    let s = session(server.config()).with_base_dir(dir.path());
    let mut out = Captured::default();
    let summary = run_apply(&s, &ApplyOptions::file(file), &mut out)
        .await
        .expect("apply");
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let ct = r.header("Content-Type").expect("content type");
        assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
        let body = r.body_text();
        assert!(
            body.contains("name=\"metadata\"\r\n\r\n{\"metadata\":{\"name\":\"a1\"}}\r\n"),
            "{body}"
        );
        assert!(
            body.contains("name=\"file\"; filename=\"filename\""),
            "{body}"
        );
        assert!(body.contains("chart-bytes"), "{body}");
    }
    // Byte for byte the same request (one boundary), so an idempotency record matches it.
    assert_eq!(
        reqs[0].header("Content-Type"),
        reqs[1].header("Content-Type")
    );
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(
        reqs[0].header("Idempotency-Key"),
        reqs[1].header("Idempotency-Key")
    );
}

#[tokio::test]
async fn zero_retry_timeout_fails_at_once() {
    let addr = free_port();
    let config = Config::empty().with_endpoint(
        Service::Orchestrator,
        Endpoint::new("127.0.0.1", addr.port()),
    );
    let s = Session::new(config, fast_retries(Duration::ZERO)).expect("client");
    let (summary, out) = apply_text(&s, PROJECT).await;
    assert!(!summary.ok());
    assert!(summary.stopped);
    assert!(retry_lines(&out).is_empty());
    assert_eq!(
        out.stderr.trim(),
        format!(
            "Apply:  projects Error:  POST http://127.0.0.1:{}/v2/projects: connection refused",
            addr.port()
        )
    );
}

#[tokio::test]
async fn the_budget_ends_with_a_clear_error() {
    let addr = free_port();
    let config = Config::empty().with_endpoint(
        Service::Orchestrator,
        Endpoint::new("127.0.0.1", addr.port()),
    );
    let s = Session::new(config, fast_retries(Duration::from_millis(300))).expect("client");
    let started = Instant::now();
    let (summary, out) = apply_text(&s, PROJECT).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!summary.ok());
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Apply:  projects Error:  POST http://127.0.0.1:"),
        "{last}"
    );
    assert!(
        last.contains(": connection refused (gave up after "),
        "{last}"
    );
}

#[tokio::test]
async fn quiet_silences_retry_notices_only() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::Reset,
        _ => Action::json(201, "{}"),
    });
    let options = ClientOptions {
        quiet: true,
        ..fast_retries(Duration::from_secs(10))
    };
    let s = Session::new(server.config(), options).expect("client");
    let (summary, out) = apply_text(&s, PROJECT).await;
    assert!(summary.ok());
    assert_eq!(out.stderr, "");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn put_in_doubt_is_retried_with_its_key() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::html(504, "<html>timeout</html>"),
        _ => Action::json(200, "{}"),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "p.yaml", PROJECT);
    let mut out = Captured::default();
    let summary = run_update(
        &session(server.config()),
        &ApplyOptions::file(file),
        &mut out,
    )
    .await
    .expect("update");
    assert!(summary.ok(), "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "PUT");
    assert_eq!(reqs[0].path, "/v2/projects/p1");
    assert_eq!(
        reqs[0].header("Idempotency-Key"),
        reqs[1].header("Idempotency-Key")
    );
}

#[tokio::test]
async fn status_polling_rides_through_non_json_answers() {
    let server = TestServer::start(|_, i| match i {
        0 => Action::html(503, "<html>Service Unavailable</html>"),
        1 => Action::Reset,
        _ => Action::json(200, r#"{"deployedStatus":"Instantiated"}"#),
    });
    let mut out = Captured::default();
    let get = GetOptions {
        target: Target::Anchor("projects/p1/logical-clouds/lc/status".into()),
        format: GetFormat::Json,
    };
    let summary = run_get(&session(server.config()), &get, &mut out)
        .await
        .expect("get");
    assert!(summary.ok(), "{out:?}");
    assert_eq!(out.stdout, "{\n  \"deployedStatus\": \"Instantiated\"\n}\n");
    assert_eq!(retry_lines(&out).len(), 2);
}

#[tokio::test]
async fn token_and_accept_headers() {
    let server = TestServer::start(|_, _| Action::json(200, "{}"));
    let options = ClientOptions {
        token: Some("s3cret".into()),
        ..fast_retries(Duration::from_secs(10))
    };
    let s = Session::new(server.config(), options).expect("client");
    for anchor in ["projects/p1/composite-apps/ca/v1/apps/a1", "projects/p1"] {
        let get = GetOptions {
            target: Target::Anchor(anchor.into()),
            format: GetFormat::Emco,
        };
        run_get(&s, &get, &mut Captured::default())
            .await
            .expect("get");
    }
    let reqs = server.requests();
    assert_eq!(reqs[0].header("Authorization"), Some("Bearer s3cret"));
    assert_eq!(reqs[0].header("Accept"), Some("application/json"));
    assert_ne!(reqs[1].header("Accept"), Some("application/json"));
}
