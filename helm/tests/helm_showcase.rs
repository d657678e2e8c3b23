//! Our own charts (testdata/charts) rendered by `template()` and by the real
//! `helm template` 3.17: every supported function and construct, subcharts as a
//! directory and as a nested archive, globals, hooks, CRDs, `.Files`.

mod common;

use emco_helm::{TemplateArgs, template};

fn check(helm: &std::path::Path, label: &str, args: &TemplateArgs) -> common::Comparison {
    let theirs =
        common::helm_template(helm, args).unwrap_or_else(|e| panic!("helm failed ({label}): {e}"));
    let ours = template(args).unwrap_or_else(|e| panic!("we failed ({label}): {e}"));
    match common::compare(&ours, &theirs) {
        Ok(c) => c,
        Err(e) => panic!("{label}: {e}"),
    }
}

#[test]
fn showcase_chart_matches_helm_template() {
    let Some(helm) = common::helm() else {
        eprintln!("SKIP: helm 3.17 is not available; showcase chart not compared");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let chart = common::showcase(dir.path());
    let values = dir.path().join("override.yaml");
    std::fs::write(
        &values,
        "replicas: 5\nimage: {tag: \"7.1\"}\nlocalsub: {greeting: overridden}\nglobal: {region: us-east}\nlabels: {extra: \"true\"}\ntags: {optional: true}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let archive = dir.path().join("showcase-1.2.3.tgz");
    std::fs::write(&archive, common::package(&chart, "showcase")).unwrap_or_else(|e| panic!("{e}"));

    let base = TemplateArgs {
        chart: chart.clone(),
        ..TemplateArgs::default()
    };
    let runs = [
        ("defaults", base.clone()),
        (
            "values file and namespace",
            TemplateArgs {
                values: vec![values.clone()],
                release: "prod".into(),
                namespace: "edge-ns".into(),
                ..base.clone()
            },
        ),
        (
            "--set",
            TemplateArgs {
                set: vec![
                    "replicas=7,enabled=false".into(),
                    "ports[0].name=web,ports[0].port=8081,ports[1].name=admin,ports[1].port=9191"
                        .into(),
                    "labels.new\\.key=v,nested.list[2]=null,quoting.extra={a,b,1}".into(),
                    "localsub.enabled=false".into(),
                ],
                ..base.clone()
            },
        ),
        (
            "archive",
            TemplateArgs {
                chart: archive,
                values: vec![values],
                ..base
            },
        ),
    ];
    let mut identical = 0;
    for (label, args) in &runs {
        let c = check(&helm, label, args);
        assert!(c.documents > 10, "{label}: only {} documents", c.documents);
        identical += usize::from(c.identical_text);
        if !c.identical_text {
            println!(
                "{label}: parsed documents equal, {}/{} byte-identical",
                c.identical_documents, c.documents
            );
        }
    }
    println!(
        "showcase: {identical}/{} outputs byte-identical",
        runs.len()
    );
    assert_eq!(
        identical,
        runs.len(),
        "some outputs differ from helm's in text"
    );
}

/// Both fail, with the same message.
fn check_error(helm: &std::path::Path, label: &str, args: &TemplateArgs) {
    let theirs = match common::helm_template(helm, args) {
        Ok(out) => panic!("{label}: helm succeeded:\n{out}"),
        Err(e) => common::helm_error(&e),
    };
    let ours = template(args).err().map(|e| e.to_string());
    assert_eq!(ours.as_deref(), Some(theirs.as_str()), "{label}");
}

/// An apiVersion v1 chart: `requirements.yaml`, nested subcharts, `define`
/// precedence, `block`, `break`/`continue`, dates, printf verbs.
#[test]
fn legacy_chart_matches_helm_template() {
    let Some(helm) = common::helm() else {
        eprintln!("SKIP: helm 3.17 is not available; legacy chart not compared");
        return;
    };
    let base = TemplateArgs {
        chart: common::testdata().join("charts/legacy"),
        ..TemplateArgs::default()
    };
    let c = check(&helm, "legacy defaults", &base);
    assert_eq!(c.documents, 3);
    assert!(
        c.identical_text,
        "legacy chart output differs from helm's in text"
    );
    let with_global = TemplateArgs {
        set: vec!["global.env=prod,middle.leaf.size=9".into()],
        release: "legacy-1".into(),
        ..base.clone()
    };
    assert!(check(&helm, "legacy --set", &with_global).identical_text);
    let disabled = TemplateArgs {
        set: vec!["middle.enabled=false".into()],
        ..base
    };
    check_error(&helm, "legacy without its subchart", &disabled);
}
