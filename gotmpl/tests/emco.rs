//! EMCO's own resource files (the GMS example) rendered with the values its
//! setup script writes, as `emcoctl apply -v values.yaml -f FILE` does.

use serde_json::json;

fn example(name: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/emco-gms/test/"
    )
    .to_string()
        + name;
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The values document of the example's setup.sh.
fn values() -> serde_json::Value {
    json!({
        "ClusterProvider": "gmsprovider1",
        "Cluster1": "gmscluster1",
        "KubeConfig1": "/tmp/kube1",
        "ProjectName": "gmsproj1",
        "LogicalCloud1RefName": "gms-lc-cl-1",
        "Cluster1Label": "edge-cluster",
        "AdminCloud": "default",
        "CompositeApp": "gms-collection-composite-app",
        "CompositeAppVersion": "v1",
        "Applist": ["adservice", "checkoutservice", "currencyservice", "emailservice", "paymentservice",
            "recommendationservice", "frontend", "productcatalogservice", "cartservice", "redis",
            "shippingservice", "loadgenerator"],
        "CompositeProfile": "gms-collection-composite-profile",
        "DeploymentIntentGroup": "gms-collection-deployment-intent-group",
        "DeploymentIntent": "gms-collection-deployment-intent",
        "GenericPlacementIntent": "gms-collection-placement-intent",
        "DtcIntent": "gmstestdtc",
        "DtcProductcatalogServerIntent": "productcatalogserver",
        "DtcCartserviceServerIntent": "cartserviceserver",
        "DtcRediscartServerIntent": "rediscartserver",
        "DtcShippingServerIntent": "shippingserver",
        "Intent": "gmsintent",
        "RsyncPort": 30431,
        "DtcPort": 30448,
        "ItsPort": 30440,
        "HostIP": "10.0.0.5"
    })
}

fn separators(s: &str) -> usize {
    s.lines().filter(|l| *l == "---").count()
}

#[test]
fn apps_file_expands_one_document_per_app() {
    let out = gotmpl::render("apps.yaml", &example("apps.yaml"), &values()).expect("renders");
    // composite app + 12 apps + composite profile + 12 app profiles.
    assert_eq!(separators(&out), 26);
    assert!(!out.contains("{{") && !out.contains("<no value>"));
    assert!(out.contains("\nmetadata :\n  name: gms-collection-composite-app\nspec:\n  compositeAppVersion: v1\n---\n"));
    assert!(out.contains(
        "  anchor: projects/gmsproj1/composite-apps/gms-collection-composite-app/v1/apps\nmetadata :\n  name: adservice\nfile:\n  output/adservice.tgz\n---\n"
    ));
    assert!(out.contains("  name: loadgenerator-profile\nspec:\n  app: loadgenerator\nfile:\n  output/gms-profile.tar.gz"));
    assert!(
        out.ends_with("output/gms-profile.tar.gz\n"),
        "{:?}",
        &out[out.len() - 60..]
    );
}

#[test]
fn every_example_file_renders_completely() {
    for name in [
        "apps.yaml",
        "clusters.yaml",
        "controllers.yaml",
        "instantiate.yaml",
        "instantiatelc.yaml",
        "intents.yaml",
        "logicalclouds.yaml",
        "projects.yaml",
        "terminate.yaml",
        "terminatelc.yaml",
    ] {
        let out = gotmpl::render(name, &example(name), &values())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!out.contains("{{"), "{name} kept an action");
        assert!(!out.contains("<no value>"), "{name} has a missing value");
    }
    let intents =
        gotmpl::render("intents.yaml", &example("intents.yaml"), &values()).expect("renders");
    assert!(intents.contains("  name: frontend-placement-intent\nspec:\n  app: frontend\n"));
    assert!(
        intents.contains("    - clusterProvider: gmsprovider1\n      clusterLabel: edge-cluster\n")
    );
}

#[test]
fn missing_values_render_as_no_value() {
    let out = gotmpl::render(
        "apps.yaml",
        &example("apps.yaml"),
        &json!({"ProjectName": "p"}),
    )
    .expect("renders");
    // No Applist: both ranges are empty, the remaining documents keep <no value>.
    assert_eq!(separators(&out), 2);
    assert!(out.contains("  anchor: projects/p/composite-apps\nmetadata :\n  name: <no value>\n"));
}
