//! `render_app` as the orchestrator calls it: chart and profile archives,
//! DIG overrides, and the grouping into resources, CRDs and hooks.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use emco_helm::{RenderRequest, Rendered, TemplateArgs, render_app};

fn example() -> std::path::PathBuf {
    common::workspace().join("testdata/example")
}

fn names(list: &[emco_helm::Manifest]) -> Vec<&str> {
    list.iter().map(|m| m.name.as_str()).collect()
}

fn render(app: &str, chart: &Path, profile: &[u8], overrides: &[(&str, &str)]) -> Rendered {
    let tgz = common::package(chart, app);
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    render_app(&RenderRequest {
        app,
        chart_tgz: &tgz,
        profile_tgz: Some(profile),
        overrides: &overrides,
        release: "r1",
        namespace: "edge",
    })
    .unwrap_or_else(|e| panic!("{app}: {e}"))
}

#[test]
fn example_apps_render_in_install_order() {
    let profile = common::package(&example().join("profile"), ".");
    let web = render(
        "web",
        &example().join("charts/web"),
        &profile,
        &[("replicaCount", "4")],
    );
    assert_eq!(
        names(&web.resources),
        vec![
            "r1-web-config+ConfigMap",
            "web+Service",
            "r1-web+Deployment"
        ]
    );
    assert!(web.crds.is_empty() && web.hooks.is_empty());
    assert!(
        web.resources[0]
            .text
            .contains("greeting: \"hello from the profile\"")
    );
    assert!(web.resources[2].text.contains("replicas: 4"));
    assert_eq!(web.resources[2].kind, "Deployment");
    assert!(!web.resources[0].text.starts_with("---"));

    let worker = render("worker", &example().join("charts/worker"), &profile, &[]);
    assert_eq!(
        names(&worker.resources),
        vec!["r1-worker+Deployment", "r1-migrate+Job"]
    );
    let cache = render(
        "cache",
        &example().join("charts/cache"),
        &profile,
        &[("maxMemory", "1gb")],
    );
    assert_eq!(
        names(&cache.resources),
        vec!["cache+Service", "r1-cache+StatefulSet"]
    );
    assert!(cache.resources[1].text.contains("\"1gb\""));
}

#[test]
fn profile_config_resources_values_and_overrides() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let prof = common::write_chart(
        dir.path(),
        "profile",
        &[
            (
                "manifest.yaml",
                "version: v1\ntype:\n  values: \"values/override.yaml\"\n  configresource:\n  - filepath: extra/hook.yaml\n    chartpath: web/templates/hook.yaml\n  - filepath: extra/quota.yaml\n    chartpath: web/templates/quota.yaml\n",
            ),
            (
                "values/override.yaml",
                "greeting: profiled\nservice:\n  type: NodePort\n",
            ),
            (
                "extra/hook.yaml",
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-init\n  annotations:\n    helm.sh/hook: pre-install\nspec: {}\n",
            ),
            (
                "extra/quota.yaml",
                "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: quota\nspec: {}\n",
            ),
        ],
    );
    let profile = common::package(&prof, ".");
    let web = render(
        "web",
        &example().join("charts/web"),
        &profile,
        &[
            ("service.port", "9000"),
            ("image.tag", "2.0"),
            ("greeting", "a,extra=1"),
        ],
    );
    assert_eq!(
        names(&web.resources),
        vec![
            "quota+ResourceQuota",
            "r1-web-config+ConfigMap",
            "web+Service",
            "r1-web+Deployment"
        ]
    );
    let svc = &web.resources[2].text;
    assert!(
        svc.contains("type: NodePort") && svc.contains("port: 9000"),
        "{svc}"
    );
    assert!(web.resources[3].text.contains("registry.example/web:2.0"));
    // A comma splits an override into two assignments, as `--set` does.
    assert!(web.resources[1].text.contains("greeting: \"a\""));
    let hooks: BTreeMap<&str, Vec<&str>> = web
        .hooks
        .iter()
        .map(|(k, v)| (k.as_str(), names(v)))
        .collect();
    assert_eq!(
        hooks,
        BTreeMap::from([("pre-install", vec!["r1-init+Job"])])
    );
}

#[test]
fn showcase_groups_crds_and_hooks() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let chart = common::showcase(dir.path());
    let empty = common::write_chart(dir.path(), "p", &[("manifest.yaml", "version: v1\n")]);
    let r = render("showcase", &chart, &common::package(&empty, "."), &[]);
    assert_eq!(
        names(&r.crds),
        vec![
            "gadgets.example.invalid+CustomResourceDefinition",
            "widgets.example.invalid+CustomResourceDefinition"
        ]
    );
    let hooks: BTreeMap<&str, Vec<&str>> = r
        .hooks
        .iter()
        .map(|(k, v)| (k.as_str(), names(v)))
        .collect();
    assert_eq!(
        hooks,
        BTreeMap::from([
            ("post-delete", vec!["r1-cleanup+Pod"]),
            ("post-install", vec!["r1-cleanup+Pod"]),
            (
                "pre-install",
                vec!["r1-early+Secret", "r1-seed+ConfigMap", "r1-migrate+Job"]
            ),
            ("pre-upgrade", vec!["r1-migrate+Job"]),
        ])
    );
    assert!(
        !r.resources
            .iter()
            .any(|m| m.kind == "CustomResourceDefinition")
    );
    assert!(r.resources.iter().any(|m| m.name == "r1-showcase+Widget"));
    // The resources are helm's manifests minus CRDs, in helm's order.
    let args = TemplateArgs {
        chart: chart.clone(),
        release: "r1".into(),
        namespace: "edge".into(),
        ..TemplateArgs::default()
    };
    let ours = emco_helm::template(&args).unwrap_or_else(|e| panic!("{e}"));
    let kinds_in_text: Vec<String> = common::documents(&ours)
        .iter()
        .filter(|(_, d)| !d.contains("helm.sh/hook"))
        .filter_map(|(_, d)| {
            d.lines()
                .find_map(|l| l.strip_prefix("kind: "))
                .filter(|k| *k != "CustomResourceDefinition")
                .map(str::to_string)
        })
        .collect();
    let kinds: Vec<&str> = r.resources.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, kinds_in_text);
    if let Some(helm) = common::helm() {
        let theirs = common::helm_template(&helm, &args).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ours, theirs);
    }
}

#[test]
fn app_directory_must_exist_in_the_archive() {
    let tgz = common::package(&example().join("charts/web"), "web");
    let err = render_app(&RenderRequest {
        app: "cache",
        chart_tgz: &tgz,
        profile_tgz: None,
        overrides: &[],
        release: "r1",
        namespace: "default",
    })
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("no directory \"cache\""), "{err}");
}

#[test]
fn template_with_a_profile_equals_helm_with_its_values_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let profile = dir.path().join("profile.tgz");
    std::fs::write(&profile, common::package(&example().join("profile"), "."))
        .unwrap_or_else(|e| panic!("{e}"));
    let chart_tgz = dir.path().join("web.tgz");
    std::fs::write(
        &chart_tgz,
        common::package(&example().join("charts/web"), "web"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ours = emco_helm::template(&TemplateArgs {
        chart: chart_tgz.clone(),
        profile: Some(profile),
        set: vec!["replicaCount=6".into()],
        ..TemplateArgs::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(ours.contains("greeting: \"hello from the profile\""));
    assert!(ours.contains("replicas: 6"));
    if let Some(helm) = common::helm() {
        let theirs = common::helm_template(
            &helm,
            &TemplateArgs {
                chart: chart_tgz,
                values: vec![example().join("profile/override_values.yaml")],
                set: vec!["replicaCount=6".into()],
                ..TemplateArgs::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ours, theirs);
    }
}
