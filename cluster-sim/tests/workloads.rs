//! Controllers, cells and the monitor together: workloads become ready, a crashed instance
//! shows up as NotReady in the ResourceBundleState and recovers, and cells can be evacuated.

mod common;

use std::time::Duration;

use base64::Engine;
use futures::TryStreamExt;
use kube::api::{Api, DynamicObject, Patch, PatchParams, WatchEvent, WatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

fn ar(g: &str, v: &str, k: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(g, v, k), plural)
}

async fn apply(
    client: &kube::Client,
    res: &ApiResource,
    ns: Option<&str>,
    obj: Value,
) -> DynamicObject {
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, res),
        None => Api::all_with(client.clone(), res),
    };
    let o: DynamicObject = serde_json::from_value(obj).expect("object");
    let name = o.metadata.name.clone().expect("name");
    api.patch(
        &name,
        &PatchParams::apply("test").force(),
        &Patch::Apply(&o),
    )
    .await
    .expect("apply")
}

async fn get(client: &kube::Client, res: &ApiResource, ns: &str, name: &str) -> Option<Value> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, res);
    api.get_opt(name)
        .await
        .ok()
        .flatten()
        .map(|o| serde_json::to_value(o).unwrap_or_default())
}

const ID: &str = "42-web";

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps", "labels": {"emco/deployment-id": ID}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web", "emco/deployment-id": ID}},
                              "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
    })
}

fn rbs_ready(rbs: &Value) -> Option<bool> {
    rbs["status"]["ready"].as_bool()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_readiness_follows_instances_through_a_crash() {
    let s = common::start_with(|o| o.start_delay = Duration::from_millis(400)).await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    apply(
        &client,
        &ar("", "v1", "Namespace", "namespaces"),
        None,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
    )
    .await;
    apply(
        &client,
        &ar("apps", "v1", "Deployment", "deployments"),
        Some("apps"),
        deployment(),
    )
    .await;
    apply(
        &client,
        &ar("", "v1", "Service", "services"),
        Some("apps"),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "apps", "labels": {"emco/deployment-id": ID}},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        }),
    )
    .await;
    apply(&client, &ar("", "v1", "ConfigMap", "configmaps"), Some("apps"), json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": "apps", "labels": {"emco/deployment-id": ID}}, "data": {"a": "b"},
    }))
    .await;
    let rbs_res = ar(
        "k8splugin.io",
        "v1alpha1",
        "ResourceBundleState",
        "resourcebundlestates",
    );
    apply(
        &client,
        &rbs_res,
        Some("apps"),
        json!({
            "apiVersion": "k8splugin.io/v1alpha1", "kind": "ResourceBundleState",
            "metadata": {"name": ID, "namespace": "apps", "labels": {"emco/deployment-id": ID}},
            "spec": {"selector": {"matchLabels": {"emco/deployment-id": ID}}},
        }),
    )
    .await;

    let rbs = common::eventually("RBS ready", Duration::from_secs(20), || {
        let client = client.clone();
        let res = rbs_res.clone();
        async move {
            get(&client, &res, "apps", ID)
                .await
                .filter(|r| rbs_ready(r) == Some(true))
        }
    })
    .await;
    let st = &rbs["status"];
    assert_eq!(st["podStatuses"].as_array().map(Vec::len), Some(3));
    assert_eq!(st["deploymentStatuses"][0]["status"]["readyReplicas"], 3);
    assert!(
        st["serviceStatuses"][0]["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|ip| !ip.is_empty())
    );
    assert_eq!(st["configMapStatuses"].as_array().map(Vec::len), Some(1));
    let generic = st["resourceStatuses"].as_array().expect("resourceStatuses");
    assert!(
        generic.iter().any(|r| r["kind"] == "ReplicaSet"),
        "the ReplicaSet carries the label too"
    );
    let res = base64::engine::general_purpose::STANDARD
        .decode(generic[0]["res"].as_str().expect("res"))
        .expect("base64");
    assert!(serde_json::from_slice::<Value>(&res).is_ok());
    let total: usize = [
        "podStatuses",
        "serviceStatuses",
        "configMapStatuses",
        "deploymentStatuses",
        "resourceStatuses",
    ]
    .iter()
    .map(|f| st[*f].as_array().map(Vec::len).unwrap_or(0))
    .sum();
    assert_eq!(st["resourceCount"].as_u64(), Some(total as u64));

    // Crash one instance: the RBS must report NotReady, then Ready again after the restart.
    let rbs_api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "apps", &rbs_res);
    let rv = rbs["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_string();
    let mut events = Box::pin(
        rbs_api
            .watch(&WatchParams::default(), &rv)
            .await
            .expect("watch"),
    );
    let pod = st["podStatuses"][0]["metadata"]["name"]
        .as_str()
        .expect("pod name")
        .to_string();
    let r = common::http()
        .post(format!("{}/admin/instances/crash", s.sim.url()))
        .json(&json!({"namespace": "apps", "name": pod}))
        .send()
        .await
        .expect("crash");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // The monitor reads kinds one after another, so the Deployment may show the loss before the
    // Pod does in one snapshot; both must show it before the bundle is ready again.
    let (mut saw_not_ready, mut saw_pod_down, mut recovered) = (false, false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !recovered {
        let ev = tokio::time::timeout_at(deadline, events.try_next())
            .await
            .expect("RBS events in time");
        let Ok(Some(WatchEvent::Modified(o))) = ev else {
            continue;
        };
        let v = serde_json::to_value(o).expect("json");
        let pod_down = v["status"]["podStatuses"]
            .as_array()
            .expect("pods")
            .iter()
            .any(|p| {
                p["metadata"]["name"] == pod.as_str()
                    && p["status"]["containerStatuses"][0]["ready"] == false
            });
        match rbs_ready(&v) {
            Some(false) => {
                saw_not_ready = true;
                saw_pod_down |= pod_down;
            }
            Some(true) if saw_not_ready => {
                assert!(saw_pod_down, "the crashed pod never showed as not ready");
                assert!(!pod_down, "ready while the pod is down");
                recovered = true;
            }
            _ => {}
        }
    }
    let pod_res = ar("", "v1", "Pod", "pods");
    let p = get(&client, &pod_res, "apps", &pod).await.expect("pod");
    assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 1);
    assert_eq!(p["status"]["phase"], "Running");
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_daemonset_and_job_complete() {
    let s = common::start_with(|o| o.cells = 2).await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let tmpl = |app: &str| json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    apply(&client, &ar("apps", "v1", "StatefulSet", "statefulsets"), Some("default"), json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": tmpl("db")},
    }))
    .await;
    apply(
        &client,
        &ar("apps", "v1", "DaemonSet", "daemonsets"),
        Some("default"),
        json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": tmpl("agent")},
        }),
    )
    .await;
    let mut job_tmpl = tmpl("job");
    job_tmpl["spec"]["restartPolicy"] = json!("Never");
    apply(
        &client,
        &ar("batch", "v1", "Job", "jobs"),
        Some("default"),
        json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
            "spec": {"completions": 2, "parallelism": 1, "template": job_tmpl},
        }),
    )
    .await;
    let sts = ar("apps", "v1", "StatefulSet", "statefulsets");
    let ds = ar("apps", "v1", "DaemonSet", "daemonsets");
    let job = ar("batch", "v1", "Job", "jobs");
    let pods = ar("", "v1", "Pod", "pods");
    common::eventually("statefulset ready", Duration::from_secs(20), || {
        let (client, res) = (client.clone(), sts.clone());
        async move {
            get(&client, &res, "default", "db")
                .await
                .filter(|o| o["status"]["readyReplicas"] == 2)
                .map(|_| ())
        }
    })
    .await;
    assert!(
        get(&client, &pods, "default", "db-0").await.is_some()
            && get(&client, &pods, "default", "db-1").await.is_some()
    );
    common::eventually("daemonset on every cell", Duration::from_secs(20), || {
        let (client, res) = (client.clone(), ds.clone());
        async move {
            get(&client, &res, "default", "agent")
                .await
                .filter(|o| {
                    o["status"]["numberReady"] == 2 && o["status"]["desiredNumberScheduled"] == 2
                })
                .map(|_| ())
        }
    })
    .await;
    let done = common::eventually("job complete", Duration::from_secs(20), || {
        let (client, res) = (client.clone(), job.clone());
        async move {
            get(&client, &res, "default", "once")
                .await
                .filter(|o| o["status"]["succeeded"] == 2)
        }
    })
    .await;
    assert!(
        done["status"]["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .any(|c| c["type"] == "Complete" && c["status"] == "True")
    );
    s.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evacuating_a_cell_moves_its_instances() {
    let s = common::start_with(|o| o.cells = 2).await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let mut d = deployment();
    d["metadata"]["namespace"] = json!("default");
    apply(
        &client,
        &ar("apps", "v1", "Deployment", "deployments"),
        Some("default"),
        d,
    )
    .await;
    let dep = ar("apps", "v1", "Deployment", "deployments");
    let ready3 = || {
        let (client, res) = (client.clone(), dep.clone());
        async move {
            get(&client, &res, "default", "web")
                .await
                .filter(|o| o["status"]["readyReplicas"] == 3)
                .map(|_| ())
        }
    };
    common::eventually("deployment ready", Duration::from_secs(20), ready3).await;
    let r = common::http()
        .post(format!("{}/admin/cells/cell-0/evacuate", s.sim.url()))
        .send()
        .await
        .expect("evacuate");
    assert_eq!(r.status(), 200);
    let lrps = s.sim.cluster.lrps.clone();
    common::eventually(
        "no instance left on cell-0",
        Duration::from_secs(20),
        || {
            let lrps = lrps.clone();
            async move {
                let all = lrps.list(&Default::default());
                (all.len() == 3 && all.iter().all(|l| l.instance_key.cell_id == "cell-1"))
                    .then_some(())
            }
        },
    )
    .await;
    common::eventually("deployment still ready", Duration::from_secs(20), ready3).await;
    let cells: Value = common::http()
        .get(format!("{}/admin/cells", s.sim.url()))
        .send()
        .await
        .expect("cells")
        .json()
        .await
        .expect("json");
    assert_eq!(cells["cells"][0]["mode"], "evacuating");
    s.sim.shutdown().await;
}
