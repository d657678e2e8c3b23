//! The `emcoctl` binary: which calls update, get -f and delete -f make, and in which order.

mod common;

use std::path::Path;

use common::{Action, TestServer, emcoctl, project, setup, write};

const DIG: &str = "projects/p1/composite-apps/ca/v1/deployment-intent-groups/dig";

/// A file that creates a project, a composite app and a DIG, approves and instantiates it.
fn deployment_file(dir: &Path) -> String {
    let text = format!(
        "{}---\nresourceContext:\n  anchor: projects/p1/composite-apps\nmetadata:\n  name: ca\nspec:\n  compositeAppVersion: v1\n---\nresourceContext:\n  anchor: projects/p1/composite-apps/ca/v1/deployment-intent-groups\nmetadata:\n  name: dig\n---\nresourceContext:\n  anchor: {DIG}/approve\n---\nresourceContext:\n  anchor: {DIG}/instantiate\n",
        project("p1")
    );
    write(dir, "deploy.yaml", &text).display().to_string()
}

fn sequence(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn delete_goes_in_reverse_and_terminates_instead_of_deleting_instantiate() {
    let server = TestServer::start(|r, _| match r.method.as_str() {
        "POST" => Action::empty(202),
        _ => Action::empty(204),
    });
    let (dir, cfg) = setup(&server);
    let file = deployment_file(dir.path());
    let run = emcoctl(dir.path(), &["--config", &cfg, "delete", "-f", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        sequence(&server),
        [
            format!("POST /v2/{DIG}/terminate"),
            format!("DELETE /v2/{DIG}"),
            "DELETE /v2/projects/p1/composite-apps/ca/v1".to_string(),
            "DELETE /v2/projects/p1".to_string(),
        ]
    );
    assert!(server.requests()[0].body.is_empty());
}

#[test]
fn update_puts_items_and_skips_lifecycle_documents() {
    let server = TestServer::start(|_, _| Action::json(200, "{}"));
    let (dir, cfg) = setup(&server);
    let file = deployment_file(dir.path());
    let run = emcoctl(dir.path(), &["--config", &cfg, "update", "-f", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        sequence(&server),
        [
            "PUT /v2/projects/p1",
            "PUT /v2/projects/p1/composite-apps/ca/v1",
            &format!("PUT /v2/{DIG}"),
        ]
    );
    let run = emcoctl(dir.path(), &["--config", &cfg, "update", "projects"]);
    assert_eq!(run.code, 2);
}

#[test]
fn get_fetches_items_and_skips_lifecycle_documents() {
    let server = TestServer::start(|_, _| Action::json(200, "{}"));
    let (dir, cfg) = setup(&server);
    let file = deployment_file(dir.path());
    let run = emcoctl(dir.path(), &["--config", &cfg, "get", "-f", &file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        sequence(&server),
        [
            "GET /v2/projects/p1",
            "GET /v2/projects/p1/composite-apps/ca/v1",
            &format!("GET /v2/{DIG}"),
        ]
    );
}
