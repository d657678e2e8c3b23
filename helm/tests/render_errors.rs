//! What `render_app` refuses, with messages that say why: hostile or broken
//! archives, charts that cannot be installed, template and release-name errors.

mod common;

use common::Raw;
use emco_helm::{RenderError, RenderRequest, render_app};

const CHART: &str = "apiVersion: v2\nname: app\nversion: 0.1.0\n";

fn run(tgz: &[u8], release: &str) -> Result<emco_helm::Rendered, RenderError> {
    render_app(&RenderRequest {
        app: "app",
        chart_tgz: tgz,
        profile_tgz: None,
        overrides: &[],
        release,
        namespace: "default",
    })
}

fn err(tgz: &[u8]) -> String {
    match run(tgz, "rel") {
        Ok(r) => panic!("rendered unexpectedly: {:?}", r.resources),
        Err(e) => e.to_string(),
    }
}

fn chart(template: &str) -> Vec<u8> {
    common::raw_tgz(&[
        Raw::File("app/Chart.yaml", CHART.as_bytes()),
        Raw::File("app/templates/t.yaml", template.as_bytes()),
    ])
}

#[test]
fn hostile_archives_are_refused() {
    let abs = err(&common::raw_tgz(&[Raw::File(
        "/etc/app/Chart.yaml",
        CHART.as_bytes(),
    )]));
    assert!(abs.contains("absolute path"), "{abs}");
    let parent = err(&common::raw_tgz(&[
        Raw::File("app/Chart.yaml", CHART.as_bytes()),
        Raw::File("app/../../evil.yaml", b"x"),
    ]));
    assert!(parent.contains("parent directory"), "{parent}");
    let link = err(&common::raw_tgz(&[
        Raw::File("app/Chart.yaml", CHART.as_bytes()),
        Raw::Symlink("app/templates/link.yaml", "/etc/passwd"),
    ]));
    assert!(link.contains("links are not allowed"), "{link}");
    let huge = err(&common::raw_tgz(&[
        Raw::File("app/Chart.yaml", CHART.as_bytes()),
        Raw::Huge("app/templates/big.yaml", 6 * 1024 * 1024),
    ]));
    assert!(huge.contains("larger than the maximum file size"), "{huge}");
    let garbage = err(b"\x1f\x8bnot really gzip");
    assert!(
        garbage.contains("not a valid gzip-compressed tar"),
        "{garbage}"
    );
}

#[test]
fn charts_that_cannot_be_installed() {
    let missing = err(&common::raw_tgz(&[Raw::File("app/values.yaml", b"a: 1\n")]));
    assert_eq!(missing, "Chart.yaml file is missing");
    let library = err(&common::raw_tgz(&[Raw::File(
        "app/Chart.yaml",
        b"apiVersion: v2\nname: app\nversion: 0.1.0\ntype: library\n",
    )]));
    assert_eq!(library, "library charts are not installable");
    let bad_values = err(&common::raw_tgz(&[
        Raw::File("app/Chart.yaml", CHART.as_bytes()),
        Raw::File("app/values.yaml", b"a: [1\n"),
    ]));
    assert!(
        bad_values.starts_with("cannot load values.yaml: "),
        "{bad_values}"
    );
}

#[test]
fn template_errors_name_file_and_line() {
    let syntax = err(&chart("a: 1\nb: {{ .Values.x | nofunc }}\n"));
    assert_eq!(
        syntax,
        "parse error at (app/templates/t.yaml:2): function \"nofunc\" not defined"
    );
    let unclosed = err(&chart("a: 1\nb: {{ if .Values.x }}\n"));
    assert!(
        unclosed.starts_with("parse error at (app/templates/t.yaml:"),
        "{unclosed}"
    );
    let required = err(&chart(
        "a: 1\n\nb: {{ required \"b is required\" .Values.b }}\n",
    ));
    assert_eq!(
        required,
        "execution error at (app/templates/t.yaml:3:6): b is required"
    );
    let nil = err(&chart("a: {{ .Values.x.y }}\n"));
    assert_eq!(
        nil,
        "template: app/templates/t.yaml:1:13: executing \"app/templates/t.yaml\" at <.Values.x.y>: nil pointer evaluating interface {}.y"
    );
    let fail = err(&chart("{{ fail \"stop here\" }}"));
    assert_eq!(
        fail,
        "execution error at (app/templates/t.yaml:1:3): stop here"
    );
}

#[test]
fn release_names_must_be_dns_labels() {
    let tgz = chart("a: 1\n");
    let e = run(&tgz, "Not_Valid")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.starts_with("release name \"Not_Valid\": invalid release name, must match regex"),
        "{e}"
    );
    let e = run(&tgz, &"x".repeat(54))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("must not be longer than 53"), "{e}");
    assert!(run(&tgz, "ok-name").is_ok());
}

#[test]
fn documents_without_identity_are_skipped_and_duplicates_collapse() {
    let r = run(
        &chart("kind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\ndata: {v: \"1\"}\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\ndata: {v: \"2\"}\n"),
        "rel",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.resources.len(), 1);
    assert_eq!(r.resources[0].name, "dup+ConfigMap");
    assert!(r.resources[0].text.contains("v: \"2\""));
}
