//! EMCO's own GMS example files (templates + values, as `setup.sh` writes them) applied and
//! deleted through the library, against scripted servers standing in for each service.

mod common;

use std::path::{Path, PathBuf};

use common::{Action, Recorded, TestServer, write};
use emcoctl::output::Captured;
use emcoctl::{
    ApplyOptions, ClientOptions, Endpoint, FileInput, Service, Session, Target, run_apply,
    run_delete,
};

const GMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/emco-gms/test"
);

const APPS: [&str; 12] = [
    "adservice",
    "checkoutservice",
    "currencyservice",
    "emailservice",
    "paymentservice",
    "recommendationservice",
    "frontend",
    "productcatalogservice",
    "cartservice",
    "redis",
    "shippingservice",
    "loadgenerator",
];

/// The values file of `setup.sh`, with its four-space indentation.
fn values(kubeconfig: &Path) -> String {
    let apps: String = APPS.iter().map(|a| format!("      - {a}\n")).collect();
    format!(
        "    ClusterProvider: gmsprovider1\n    Cluster1: gmscluster1\n    KubeConfig1: {}\n    ProjectName: gmsproj1\n    LogicalCloud1RefName: gms-lc-cl-1\n    Cluster1Label: edge-cluster\n    AdminCloud: default\n    CompositeApp: gms-collection-composite-app\n    CompositeAppVersion: v1\n    Applist: \n{apps}    CompositeProfile: gms-collection-composite-profile\n    DeploymentIntentGroup: gms-collection-deployment-intent-group\n    DeploymentIntent: gms-collection-deployment-intent\n    GenericPlacementIntent: gms-collection-placement-intent\n    DtcIntent: gmstestdtc\n    DtcProductcatalogServerIntent: productcatalogserver\n    DtcCartserviceServerIntent: cartserviceserver\n    DtcRediscartServerIntent: rediscartserver\n    DtcShippingServerIntent: shippingserver\n    Intent: gmsintent\n    RsyncPort: 30431\n    DtcPort: 30448\n    ItsPort: 30440\n    HostIP: 127.0.0.1\n",
        kubeconfig.display()
    )
}

struct Gms {
    dir: tempfile::TempDir,
    values: PathBuf,
    core: TestServer,
    dtc: TestServer,
}

fn answer(r: &Recorded) -> Action {
    match r.method.as_str() {
        "POST" if r.path.ends_with("/instantiate") || r.path.ends_with("/terminate") => {
            Action::empty(202)
        }
        "POST" => Action::json(201, "{}"),
        _ => Action::empty(204),
    }
}

fn gms() -> Gms {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("output")).expect("output dir");
    for app in APPS {
        let content = format!("chart {app}");
        std::fs::write(dir.path().join(format!("output/{app}.tgz")), content).expect("chart");
    }
    std::fs::write(dir.path().join("output/gms-profile.tar.gz"), "profile").expect("profile");
    let kube = write(dir.path(), "kubeconfig", "apiVersion: v1\nkind: Config\n");
    let values = write(dir.path(), "values.yaml", &values(&kube));
    Gms {
        dir,
        values,
        core: TestServer::start(|r, _| answer(r)),
        dtc: TestServer::start(|r, _| answer(r)),
    }
}

impl Gms {
    fn session(&self) -> Session {
        let core = Endpoint::new("127.0.0.1", self.core.addr.port());
        let config = [Service::Orchestrator, Service::Clm, Service::Dcm]
            .into_iter()
            .fold(emcoctl::Config::empty(), |c, s| {
                c.with_endpoint(s, core.clone())
            })
            .with_endpoint(
                Service::Dtc,
                Endpoint::new("127.0.0.1", self.dtc.addr.port()),
            );
        Session::new(config, ClientOptions::default())
            .expect("client")
            .with_base_dir(self.dir.path())
    }

    fn options(&self, file: &str) -> ApplyOptions {
        ApplyOptions {
            target: Target::File(FileInput {
                file: Path::new(GMS).join(file),
                values: Some(self.values.clone()),
            }),
            stop_on_error: true,
            wait: std::time::Duration::ZERO,
        }
    }
}

fn paths(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn gms_apply_sequence_reaches_the_right_services() {
    let g = gms();
    let s = g.session();
    for file in [
        "controllers.yaml",
        "projects.yaml",
        "clusters.yaml",
        "logicalclouds.yaml",
        "instantiatelc.yaml",
        "apps.yaml",
        "intents.yaml",
        "instantiate.yaml",
    ] {
        let mut out = Captured::default();
        let summary = run_apply(&s, &g.options(file), &mut out)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(summary.ok(), "{file}: {out:?}");
        assert!(!summary.stopped, "{file}");
    }
    let core = g.core.requests();
    let controllers: Vec<serde_json::Value> = core
        .iter()
        .filter(|r| r.path == "/v2/controllers")
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect();
    assert_eq!(controllers.len(), 2);
    assert_eq!(
        controllers[0],
        serde_json::json!({"metadata": {"name": "rsync"}, "spec": {"host": "127.0.0.1", "port": 30431}})
    );
    assert_eq!(controllers[1]["spec"]["priority"], 1);

    let cluster = core
        .iter()
        .find(|r| r.path == "/v2/cluster-providers/gmsprovider1/clusters")
        .expect("cluster upload");
    let body = cluster.body_text();
    assert!(
        body.contains("{\"metadata\":{\"name\":\"gmscluster1\"}}"),
        "{body}"
    );
    assert!(body.contains("kind: Config"), "{body}");
    let label = core
        .iter()
        .find(|r| r.path.ends_with("/clusters/gmscluster1/labels"))
        .expect("label");
    assert_eq!(
        label.body_text(),
        r#"{"metadata":{"name":""},"clusterLabel":"edge-cluster"}"#
    );

    let ca = "/v2/projects/gmsproj1/composite-apps/gms-collection-composite-app/v1";
    let apps: Vec<_> = core
        .iter()
        .filter(|r| r.path == format!("{ca}/apps"))
        .collect();
    assert_eq!(apps.len(), 12);
    assert!(apps[6].body_text().contains("chart frontend"));
    let profiles = core
        .iter()
        .filter(|r| {
            r.path
                .ends_with("/composite-profiles/gms-collection-composite-profile/profiles")
        })
        .count();
    assert_eq!(profiles, 12);

    let lc = core
        .iter()
        .find(|r| r.path == "/v2/projects/gmsproj1/logical-clouds/default/cluster-references")
        .expect("cluster reference");
    let lc: serde_json::Value = serde_json::from_slice(&lc.body).expect("json");
    assert_eq!(lc["spec"]["loadbalancerIp"], "0.0.0.0");

    // Traffic intents go to dtc, and only they do.
    let dtc = paths(&g.dtc);
    assert_eq!(dtc.len(), 13, "{dtc:#?}");
    assert!(dtc.iter().all(|p| p.contains("/traffic-group-intents")));
    assert!(
        !paths(&g.core)
            .iter()
            .any(|p| p.contains("traffic-group-intents"))
    );
    assert_eq!(
        paths(&g.core).last().map(String::as_str),
        Some(format!("POST {ca}/deployment-intent-groups/gms-collection-deployment-intent-group/instantiate").as_str())
    );
}

#[tokio::test]
async fn gms_teardown_as_delete_sh_runs_it() {
    let g = gms();
    let s = g.session();
    let steps = [
        ("apply", "terminate.yaml"),
        ("delete", "intents.yaml"),
        ("delete", "apps.yaml"),
        ("apply", "terminatelc.yaml"),
        ("delete", "logicalclouds.yaml"),
        ("delete", "clusters.yaml"),
        ("delete", "projects.yaml"),
        ("delete", "controllers.yaml"),
        // Deleting an instantiate file terminates instead.
        ("delete", "instantiate.yaml"),
    ];
    for (command, file) in steps {
        let mut out = Captured::default();
        let result = match command {
            "apply" => run_apply(&s, &g.options(file), &mut out).await,
            _ => run_delete(&s, &g.options(file), &mut out).await,
        };
        let summary = result.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(summary.ok(), "{file}: {out:?}");
    }
    let core = paths(&g.core);
    let ca = "/v2/projects/gmsproj1/composite-apps/gms-collection-composite-app/v1";
    let dig = format!("{ca}/deployment-intent-groups/gms-collection-deployment-intent-group");
    assert_eq!(core[0], format!("POST {dig}/terminate"));
    // intents.yaml in reverse: the dtc documents first (to dtc), then the app intents...
    assert_eq!(
        core[1],
        format!(
            "DELETE {dig}/generic-placement-intents/gms-collection-placement-intent/app-intents/loadgenerator-placement-intent"
        )
    );
    let dig_delete = core
        .iter()
        .position(|p| *p == format!("DELETE {dig}"))
        .expect("DIG deleted");
    assert_eq!(
        core[dig_delete + 1],
        format!(
            "DELETE {ca}/composite-profiles/gms-collection-composite-profile/profiles/loadgenerator-profile"
        )
    );
    assert!(core.contains(&format!("DELETE {ca}")));
    assert!(
        core.contains(&"POST /v2/projects/gmsproj1/logical-clouds/default/terminate".to_string())
    );
    assert!(
        core.contains(
            &"DELETE /v2/cluster-providers/gmsprovider1/clusters/gmscluster1/labels/edge-cluster"
                .to_string()
        )
    );
    let tail: Vec<_> = core[core.len() - 4..].to_vec();
    assert_eq!(
        tail,
        [
            "DELETE /v2/projects/gmsproj1",
            "DELETE /v2/controllers/dtc",
            "DELETE /v2/controllers/rsync",
            &format!("POST {dig}/terminate"),
        ]
    );
    let dtc = paths(&g.dtc);
    assert_eq!(dtc.len(), 13);
    assert!(
        dtc.iter()
            .all(|p| p.starts_with("DELETE ") && p.contains("/traffic-group-intents/gmstestdtc"))
    );
}
