//! Status queries against EMCO's own status test data (the vFW fixture of
//! `shared/conformance/status-fixture`), first through the builder, then through the real
//! orchestrator and dcm processes, including the NDJSON `watch` stream.

mod support;

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use emco_server::deploy::context::{
    AppSpec, ClusterSpec, ContextMeta, ContextSpec, Owner, ResourceSpec, keys as ctx_keys,
};
use emco_server::resources::keys;
use emco_server::state::{Action, StateInfo};
use emco_server::status::{Identity, Input, Observed, Query, Target, build};
use emco_store::Store;
use serde_json::{Value, json};
use support::{Proc, http, wait_for};

const ID: &str = "8754802609091293874";
const PROVIDER: &str = "vfw-cluster-provider";
const CLUSTERS: [&str; 2] = ["edge01", "edge02"];
const APPS: [&str; 3] = ["firewall", "packetgen", "sink"];

fn fixture(file: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/status-fixture/"
    );
    std::fs::read_to_string(format!("{path}{file}")).unwrap_or_else(|e| panic!("{path}{file}: {e}"))
}

fn state() -> StateInfo {
    let action = |state: &str, instance: &str, revision| Action {
        state: state.into(),
        instance: instance.into(),
        time: "2021-03-12T07:13:20.000Z".into(),
        revision,
    };
    StateInfo {
        statusctxid: ID.into(),
        actions: vec![
            action("Created", "", 0),
            action("Approved", "", 0),
            action("Instantiated", ID, 1),
        ],
    }
}

/// firewall, packetgen and sink on both edges, one Deployment each, release `fw0`.
fn spec() -> ContextSpec {
    let apps = APPS
        .iter()
        .map(|app| AppSpec {
            name: (*app).into(),
            dependencies: vec![],
            clusters: CLUSTERS
                .iter()
                .map(|c| ClusterSpec {
                    provider: PROVIDER.into(),
                    cluster: (*c).into(),
                    group: 0,
                    resources: vec![ResourceSpec::new(
                        format!("fw0-{app}+Deployment"),
                        fixture(&format!("{app}.yaml")),
                    )],
                    crds: vec![],
                    hooks: Default::default(),
                })
                .collect(),
        })
        .collect();
    let meta = ContextMeta {
        owner: Owner::DeploymentIntentGroup,
        project: "testvfw".into(),
        composite_app: "compositevfw".into(),
        version: "v1".into(),
        composite_profile: "vfw_composite-profile".into(),
        release: "fw0".into(),
        deployment_intent_group: "vfw_deployment_intent_group".into(),
        logical_cloud: String::new(),
        namespace: "default".into(),
        level: "0".into(),
        status_context: ID.into(),
    };
    ContextSpec {
        id: ID.into(),
        meta,
        apps,
    }
}

/// Every resource `Applied`, and packetgen's ResourceBundleState on both edges.
fn observed() -> Observed {
    let rbs: Value =
        serde_json::from_str(&fixture("packetgen-resourcebundlestate.json")).unwrap_or_default();
    let mut o = Observed::default();
    for app in APPS {
        for c in CLUSTERS {
            let key = format!("{PROVIDER}+{c}");
            o.resources.insert(
                (app.into(), key.clone(), format!("fw0-{app}+Deployment")),
                "Applied".into(),
            );
            if app == "packetgen" {
                o.rbs.insert((app.into(), key), rbs.clone());
            }
        }
    }
    o
}

fn identity() -> Identity {
    Identity {
        project: "testvfw".into(),
        composite_app: "compositevfw".into(),
        composite_app_version: "v1".into(),
        composite_profile: "vfw_composite-profile".into(),
        name: "vfw_deployment_intent_group".into(),
    }
}

fn status(raw: &str) -> Value {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query =
        Query::parse(&pairs, Target::DeploymentIntentGroup).unwrap_or_else(|e| panic!("{e}"));
    let (spec, observed, state) = (spec(), observed(), state());
    let input = Input {
        target: Target::DeploymentIntentGroup,
        id: identity(),
        state: &state,
        spec: Some(&spec),
        context_status: Some("Instantiated"),
        observed: &observed,
    };
    build(&input, &query)
        .map(|d| d.to_value())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn names(resources: &Value) -> Vec<(String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    resources
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| (s(&r["name"]), s(&r["GVK"]["Kind"])))
        .collect()
}

#[test]
fn emco_fixture_results() {
    assert_eq!(
        status("apps")["apps"],
        json!(["firewall", "packetgen", "sink"])
    );

    let edges = json!([{"clusterProvider": PROVIDER, "cluster": "edge01"}, {"clusterProvider": PROVIDER, "cluster": "edge02"}]);
    assert_eq!(
        status("clusters&app=sink")["clustersByApp"],
        json!([{"app": "sink", "clusters": edges}])
    );

    let all = status("resources");
    let entries = all["resourcesByApp"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(entries.len(), 6);
    for (entry, (app, cluster)) in entries
        .iter()
        .zip(APPS.iter().flat_map(|a| CLUSTERS.map(|c| (*a, c))))
    {
        assert_eq!(
            (entry["app"].as_str(), entry["cluster"].as_str()),
            (Some(app), Some(cluster))
        );
        assert_eq!(
            entry["resources"],
            json!([{"name": format!("fw0-{app}"), "GVK": {"Group": "apps", "Version": "v1", "Kind": "Deployment"}}])
        );
    }

    let cluster_view = status("resources&type=cluster&app=packetgen");
    let expected = [
        ("fw0-packetgen", "Deployment"),
        ("fw0-packetgen-67d8fb7b68-8g824", "Pod"),
        ("packetgen-service", "Service"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, k)| (n.to_string(), k.to_string()))
        .collect();
    for entry in cluster_view["resourcesByApp"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(names(&entry["resources"]), expected);
    }
    assert_eq!(
        cluster_view["resourcesByApp"].as_array().map(Vec::len),
        Some(2)
    );

    let cluster = status("type=cluster&app=packetgen");
    assert_eq!(cluster["status"], "Instantiated");
    assert_eq!(cluster["readyStatus"], "NotReady");
    assert_eq!(cluster["clusterStatus"], json!({"Ready": 4, "NotReady": 2}));
    let clusters = cluster["apps"][0]["clusters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(clusters.len(), 2);
    for c in &clusters {
        assert_eq!(c["readyStatus"], "Unknown");
        let rows = c["resources"].as_array().cloned().unwrap_or_default();
        let service = rows
            .iter()
            .find(|r| r["name"] == "packetgen-service")
            .cloned()
            .unwrap_or_default();
        assert_eq!(service["clusterStatus"], "NotReady");
        assert!(
            rows.iter()
                .filter(|r| r["name"] != "packetgen-service")
                .all(|r| r["clusterStatus"] == "Ready")
        );
    }

    let rsync = status("type=rsync&app=packetgen");
    assert_eq!(rsync["rsyncStatus"], json!({"Applied": 2}));
    assert_eq!(rsync["status"], "Instantiated");
}

/// Writes a DIG (record, StateInfo and AppContext) and a never-instantiated logical cloud.
async fn seed(store: &Arc<dyn Store>, dig: &str) -> Result<(), emco_store::StoreError> {
    let record = json!({"metadata": {"name": "vfw_deployment_intent_group"}, "spec": {"compositeProfile": "vfw_composite-profile"}});
    store.put(keys::res(dig), record.to_string()).await?;
    store.put(keys::state(dig), state().to_bytes()).await?;
    store
        .put(
            ctx_keys::spec(ID),
            serde_json::to_vec(&spec()).unwrap_or_default(),
        )
        .await?;
    store
        .put(ctx_keys::status(ID), r#"{"Status":"Instantiating"}"#)
        .await?;
    for app in APPS {
        for c in CLUSTERS {
            let key = format!("{PROVIDER}+{c}");
            let value = if app == "sink" { "Pending" } else { "Applied" };
            store
                .put(
                    ctx_keys::resource_status(ID, app, &key, &format!("fw0-{app}+Deployment")),
                    format!(r#"{{"Status":"{value}"}}"#),
                )
                .await?;
        }
    }
    let lc = "projects/testvfw/logical-clouds/lc0";
    store
        .put(
            keys::res(lc),
            json!({"metadata": {"name": "lc0"}, "spec": {"level": "0"}}).to_string(),
        )
        .await?;
    store
        .put(keys::state(lc), StateInfo::created().to_bytes())
        .await?;
    Ok(())
}

#[test]
fn status_routes_answer_and_stream_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("emco.db").display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let store = rt.block_on(emco_store::open(&url)).expect("open store");
    let dig = "projects/testvfw/composite-apps/compositevfw/v1/deployment-intent-groups/vfw_deployment_intent_group";
    rt.block_on(seed(&store, dig)).expect("seed");
    let orchestrator = Proc::start("orchestrator", &url, dir.path(), "127.0.0.1:0", &[]);
    let dcm = Proc::start("dcm", &url, dir.path(), "127.0.0.1:0", &[]);
    let base = format!("{}/v2/{dig}/status", orchestrator.url());

    let resp = http()
        .get(format!("{base}?status=deployed&output=summary"))
        .send()
        .expect("status");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let text = resp.text().unwrap_or_default();
    assert!(text.starts_with(r#"{"project":"testvfw","compositeApp":"compositevfw","compositeAppVersion":"v1","compositeProfile":"vfw_composite-profile","name":"vfw_deployment_intent_group","states":"#), "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(doc["deployedStatus"], "Instantiating");
    assert_eq!(doc["deployedCounts"], json!({"Applied": 4, "Pending": 2}));

    let resp = http()
        .get(format!("{base}?status=bogus"))
        .send()
        .expect("status");
    assert_eq!(
        (resp.status().as_u16(), resp.text().unwrap_or_default()),
        (400, "Invalid query status\n".into())
    );
    let missing = format!(
        "{}/v2/projects/testvfw/composite-apps/compositevfw/v1/deployment-intent-groups/nope/status",
        orchestrator.url()
    );
    let resp = http().get(missing).send().expect("status");
    let answer = (resp.status().as_u16(), resp.text().unwrap_or_default());
    assert_eq!(
        answer,
        (
            400,
            "Not finding the deploymentIntentGroup: DeploymentIntentGroup not found\n".into()
        )
    );

    let lc = http()
        .get(format!(
            "{}/v2/projects/testvfw/logical-clouds/lc0/status",
            dcm.url()
        ))
        .send()
        .expect("lc status");
    assert_eq!(lc.status().as_u16(), 200);
    let lc: Value = lc.json().unwrap_or_default();
    assert_eq!(
        lc.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["name".into(), "project".into(), "states".into()])
    );

    // The stream: the current document at once, then one line per change.
    let resp = http()
        .get(format!("{base}?status=deployed&output=summary&watch=true"))
        .send()
        .expect("watch");
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let mut lines = BufReader::new(resp);
    let mut next = || {
        let mut line = String::new();
        lines.read_line(&mut line).expect("read a streamed line");
        serde_json::from_str::<Value>(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    };
    assert_eq!(next()["deployedStatus"], "Instantiating");
    rt.block_on(async {
        for c in CLUSTERS {
            let key = ctx_keys::resource_status(
                ID,
                "sink",
                &format!("{PROVIDER}+{c}"),
                "fw0-sink+Deployment",
            );
            store.put(key, r#"{"Status":"Applied"}"#).await?;
        }
        store
            .put(ctx_keys::status(ID), r#"{"Status":"Instantiated"}"#)
            .await
    })
    .expect("update statuses");
    let last = wait_for(
        "the stream to show the new status",
        std::time::Duration::from_secs(10),
        || {
            let doc = next();
            (doc["deployedStatus"] == "Instantiated"
                && doc["deployedCounts"] == json!({"Applied": 6}))
            .then_some(doc)
        },
    );
    assert!(last.get("apps").is_none());
}
