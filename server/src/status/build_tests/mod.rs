//! Tests of the status builder: the examples of emco-api.md 7.4 (`examples`), and modes,
//! filters, history selection and omission rules (`rules`), over shared test data.

mod examples;
mod rules;

use serde_json::{Value, json};

use super::*;
use crate::deploy::context::{AppSpec, ContextMeta, Owner, ResourceSpec};
use crate::state::Action;
use crate::status::shape::Identity;

const ID: &str = "2033187047192820370";
const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: collectd\nspec:\n  ports:\n  - port: 25826\n";
const CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: collectd-config\ndata:\n  a: b\n";
const DS: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: r1-collectd\n";

fn action(state: &str, instance: &str, time: &str, revision: i64) -> Action {
    Action {
        state: state.into(),
        instance: instance.into(),
        time: time.into(),
        revision,
    }
}

fn instantiated() -> StateInfo {
    StateInfo {
        statusctxid: ID.into(),
        actions: vec![
            action("Created", "", "2022-03-15T03:11:23.591Z", 0),
            action("Approved", "", "2022-03-15T03:11:29.306Z", 0),
            action("Instantiated", ID, "2022-03-15T03:11:30.129Z", 1),
        ],
    }
}

fn states_json(state: &StateInfo) -> Value {
    serde_json::to_value(state).unwrap_or_default()
}

fn cluster(provider: &str, name: &str, resources: &[(&str, &str)]) -> ClusterSpec {
    ClusterSpec {
        provider: provider.into(),
        cluster: name.into(),
        group: 0,
        resources: resources
            .iter()
            .map(|(n, m)| ResourceSpec::new((*n).into(), (*m).into()))
            .collect(),
        crds: vec![],
        hooks: Default::default(),
    }
}

fn context(owner: Owner, apps: Vec<(&str, Vec<ClusterSpec>)>) -> ContextSpec {
    ContextSpec {
        id: ID.into(),
        meta: ContextMeta {
            owner,
            project: "proj1".into(),
            composite_app: "collection".into(),
            version: "v1".into(),
            composite_profile: "collection-profile".into(),
            release: "r1".into(),
            deployment_intent_group: "collection-dig".into(),
            logical_cloud: "lc1".into(),
            namespace: "default".into(),
            level: "0".into(),
            status_context: ID.into(),
        },
        apps: apps
            .into_iter()
            .map(|(name, clusters)| AppSpec {
                name: name.into(),
                dependencies: vec![],
                clusters,
            })
            .collect(),
    }
}

/// The collectd app of the examples: a Service, a ConfigMap and a DaemonSet on one cluster.
fn collection() -> ContextSpec {
    let resources = [
        ("r1-collectd+DaemonSet", DS),
        ("collectd+Service", SVC),
        ("collectd-config+ConfigMap", CM),
    ];
    context(
        Owner::DeploymentIntentGroup,
        vec![(
            "collectd",
            vec![cluster("provider1", "cluster1", &resources)],
        )],
    )
}

fn dig_id() -> Identity {
    Identity {
        project: "proj1".into(),
        composite_app: "collection".into(),
        composite_app_version: "v1".into(),
        composite_profile: "collection-profile".into(),
        name: "collection-dig".into(),
    }
}

fn applied(spec: &ContextSpec) -> Observed {
    let mut o = Observed::default();
    for app in &spec.apps {
        for c in &app.clusters {
            o.connectivity
                .insert((app.name.clone(), c.key()), "Available".into());
            for r in &c.resources {
                o.resources.insert(
                    (app.name.clone(), c.key(), r.name.clone()),
                    "Applied".into(),
                );
            }
        }
    }
    o
}

fn live_daemon_set() -> Value {
    json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
        "metadata": {"name": "r1-collectd", "labels": {"emco/deployment-id": format!("{ID}-collectd")}},
        "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}},
        "status": {"desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberReady": 1}})
}

/// The collectd cluster's ResourceBundleState: 4 ready objects and one pod not ready.
fn collectd_rbs(o: &mut Observed) {
    let pod = |name: &str, ready: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "status": {"conditions": [{"type": "Ready", "status": ready}]}})
    };
    o.rbs.insert(("collectd".into(), "provider1+cluster1".into()), json!({
        "ready": false, "resourceCount": 5,
        "podStatuses": [pod("r1-collectd-8xk2p", "True"), pod("r1-collectd-9abcd", "False")],
        "serviceStatuses": [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "collectd"},
            "spec": {"clusterIP": "10.96.0.10"}}],
        "configMapStatuses": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "collectd-config"}}],
        "daemonSetStatuses": [live_daemon_set()]
    }));
}

fn run(
    target: Target,
    id: Identity,
    state: &StateInfo,
    spec: Option<&ContextSpec>,
    status: Option<&str>,
    observed: &Observed,
    raw: &str,
) -> Result<StatusDoc, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = Query::parse(&pairs, target)?;
    build(
        &Input {
            target,
            id,
            state,
            spec,
            context_status: status,
            observed,
        },
        &query,
    )
}

/// The collection DIG, instantiated and all applied, with its cluster's RBS.
fn dig(raw: &str) -> Result<Value, ApiError> {
    let spec = collection();
    let mut o = applied(&spec);
    collectd_rbs(&mut o);
    let doc = run(
        Target::DeploymentIntentGroup,
        dig_id(),
        &instantiated(),
        Some(&spec),
        Some("Instantiated"),
        &o,
        raw,
    )?;
    Ok(doc.to_value())
}

fn ok(v: Result<Value, ApiError>) -> Value {
    v.unwrap_or_else(|e| panic!("{e}"))
}

fn gvk(group: &str, kind: &str) -> Value {
    json!({"Group": group, "Version": "v1", "Kind": kind})
}

fn head() -> Value {
    json!({"project": "proj1", "compositeApp": "collection", "compositeAppVersion": "v1",
        "compositeProfile": "collection-profile", "name": "collection-dig", "states": states_json(&instantiated())})
}

fn with(mut base: Value, more: Value) -> Value {
    if let (Some(b), Some(m)) = (base.as_object_mut(), more.as_object()) {
        b.extend(m.clone());
    }
    base
}

fn lc_id() -> Identity {
    Identity {
        project: "proj1".into(),
        name: "lc1".into(),
        ..Default::default()
    }
}
