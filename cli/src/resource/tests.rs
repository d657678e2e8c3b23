//! Tests of resource file parsing and body building.

use super::*;
use serde_json::json;

fn body_text(doc: &Document) -> String {
    String::from_utf8(doc.body_bytes()).unwrap()
}

#[test]
fn basic_document_and_body() {
    let docs = parse_documents(
        "version: emco/v2\nresourceContext:\n  anchor: projects\nmetadata:\n  name: p1\n  description: first\n",
    )
    .unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].anchor, "projects");
    assert_eq!(
        body_text(&docs[0]),
        r#"{"metadata":{"name":"p1","description":"first"}}"#
    );
    assert_eq!(docs[0].item_anchor(), "projects/p1");
}

#[test]
fn empty_and_comment_only_documents_are_skipped() {
    let text = "# header only\n---\n---\nresourceContext:\n  anchor: projects\nmetadata:\n  name: a\n---\n# trailing comment\n";
    let docs = parse_documents(text).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].metadata.name, "a");
    assert!(parse_documents("").unwrap().is_empty());
}

#[test]
fn metadata_absent_sends_empty_name() {
    let docs = parse_documents("resourceContext:\n  anchor: projects/p/x/instantiate\n").unwrap();
    assert_eq!(body_text(&docs[0]), r#"{"metadata":{"name":""}}"#);
    assert_eq!(docs[0].item_anchor(), "projects/p/x/instantiate");
}

#[test]
fn keys_are_case_sensitive() {
    let docs =
        parse_documents("resourceContext:\n  anchor: projects\nMetadata:\n  Name: p1\n").unwrap();
    assert_eq!(docs[0].metadata.name, "");
    assert_eq!(body_text(&docs[0]), r#"{"metadata":{"name":""}}"#);
}

#[test]
fn key_with_space_before_colon_as_in_emco_examples() {
    let docs = parse_documents(
        "resourceContext:\n  anchor: cluster-providers\nmetadata :\n   name: cp1\n",
    )
    .unwrap();
    assert_eq!(docs[0].metadata.name, "cp1");
}

#[test]
fn spec_types_survive_and_keys_are_sorted() {
    let text = "resourceContext:\n  anchor: a\nmetadata:\n  name: n\nspec:\n  zeta: 1\n  alpha: true\n  quoted: \"0\"\n  ratio: 1.5\n  nested:\n    b: [1, two, false]\n    a: ~\n  word: yes\n";
    let docs = parse_documents(text).unwrap();
    let body: Value = serde_json::from_slice(&docs[0].body_bytes()).unwrap();
    assert_eq!(
        body["spec"],
        json!({"alpha": true, "nested": {"a": null, "b": [1, "two", false]}, "quoted": "0",
               "ratio": 1.5, "word": "yes", "zeta": 1})
    );
    assert_eq!(
        body_text(&docs[0]),
        r#"{"metadata":{"name":"n"},"spec":{"alpha":true,"nested":{"a":null,"b":[1,"two",false]},"quoted":"0","ratio":1.5,"word":"yes","zeta":1}}"#
    );
}

#[test]
fn empty_spec_is_omitted() {
    let docs =
        parse_documents("resourceContext:\n  anchor: a\nmetadata:\n  name: n\nspec: {}\n").unwrap();
    assert_eq!(body_text(&docs[0]), r#"{"metadata":{"name":"n"}}"#);
}

#[test]
fn cluster_label_document() {
    let docs = parse_documents(
        "resourceContext:\n  anchor: cluster-providers/cp/clusters/c1/labels\nclusterLabel: edge\n",
    )
    .unwrap();
    assert_eq!(
        body_text(&docs[0]),
        r#"{"metadata":{"name":""},"clusterLabel":"edge"}"#
    );
    assert_eq!(
        docs[0].item_anchor(),
        "cluster-providers/cp/clusters/c1/labels/edge"
    );
}

#[test]
fn composite_app_item_carries_version() {
    let docs = parse_documents(
        "resourceContext:\n  anchor: projects/p/composite-apps\nmetadata:\n  name: ca\nspec:\n  compositeAppVersion: v1\n",
    )
    .unwrap();
    assert_eq!(docs[0].item_anchor(), "projects/p/composite-apps/ca/v1");
}

#[test]
fn file_becomes_multipart_with_fixed_filename() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kube.conf"), b"apiVersion: v1\n").unwrap();
    let docs = parse_documents(
        "resourceContext:\n  anchor: cluster-providers/cp/clusters\nmetadata:\n  name: c1\nfile:\n   kube.conf \n",
    )
    .unwrap();
    let payload = docs[0].payload(dir.path()).unwrap();
    assert_eq!(
        payload,
        Payload::Multipart {
            metadata: r#"{"metadata":{"name":"c1"}}"#.into(),
            parts: vec![FilePart {
                field: "file".into(),
                filename: "filename".into(),
                content: b"apiVersion: v1\n".to_vec(),
            }],
        }
    );
}

#[test]
fn files_become_parts_named_by_base_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.yaml"), b"A").unwrap();
    std::fs::write(dir.path().join("b.yaml"), b"B").unwrap();
    let docs = parse_documents(
        "resourceContext:\n  anchor: x\nmetadata:\n  name: n\nfiles:\n  - sub/a.yaml\n  - b.yaml\n",
    )
    .unwrap();
    let Payload::Multipart { parts, .. } = docs[0].payload(dir.path()).unwrap() else {
        panic!("expected multipart");
    };
    let got: Vec<_> = parts
        .iter()
        .map(|p| (p.field.as_str(), p.filename.as_str(), p.content.as_slice()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("files", "a.yaml", &b"A"[..]),
            ("files", "b.yaml", &b"B"[..])
        ]
    );
}

#[test]
fn missing_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let docs = parse_documents(
        "resourceContext:\n  anchor: x\nmetadata:\n  name: n\nfile: output/app.tgz\n",
    )
    .unwrap();
    let err = docs[0].payload(dir.path()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("output/app.tgz"), "{text}");
    assert!(!text.contains('\n'));
}

#[test]
fn json_payload_without_files() {
    let docs =
        parse_documents("resourceContext:\n  anchor: projects\nmetadata:\n  name: p\n").unwrap();
    assert_eq!(
        docs[0].payload(Path::new(".")).unwrap(),
        Payload::Json(br#"{"metadata":{"name":"p"}}"#.to_vec())
    );
}

#[test]
fn invalid_yaml_is_one_line() {
    for bad in [
        "resourceContext: [\n",
        "a: b\n  c: d\n e",
        "- just\n- a list\n",
        "metadata: [1]\n",
        "spec: 3\n",
        "files: one\n",
    ] {
        let err = parse_documents(bad).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("Invalid input Yaml! Exiting.."), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}

#[test]
fn documents_keep_file_order() {
    let text = "resourceContext:\n  anchor: a\n---\nresourceContext:\n  anchor: b\n---\nresourceContext:\n  anchor: c\n";
    let anchors: Vec<_> = parse_documents(text)
        .unwrap()
        .into_iter()
        .map(|d| d.anchor)
        .collect();
    assert_eq!(anchors, ["a", "b", "c"]);
}

#[test]
fn one_line_joins_lines() {
    assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
}
