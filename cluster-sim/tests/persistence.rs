//! A simulator killed with SIGKILL comes back with its objects and resourceVersions.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

const CHILD_ENV: &str = "CLUSTER_SIM_CHILD_DIR";

/// Not a test of its own: the body of the child process the persistence test kills.
#[tokio::test]
#[ignore = "runs only as the child process of kill_and_restart_keeps_objects"]
async fn child_simulator() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let opts = emco_cluster_sim::SimOptions {
        name: "persist".into(),
        kubeconfig_out: dir.join("kubeconfig"),
        data_dir: Some(dir.join("data")),
        start_delay: Duration::from_millis(50),
        ..Default::default()
    };
    emco_cluster_sim::serve(opts, std::future::pending())
        .await
        .expect("serve");
}

fn spawn(dir: &Path) -> Child {
    let _ = std::fs::remove_file(dir.join("kubeconfig"));
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "child_simulator", "--nocapture"])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child simulator")
}

async fn client_for(dir: &Path) -> kube::Client {
    let kc = dir.join("kubeconfig");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kc.exists() {
        assert!(
            Instant::now() < deadline,
            "child simulator did not write its kubeconfig"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    common::kube_client(&kc).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_and_restart_keeps_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = spawn(dir.path());
    let client = client_for(dir.path()).await;
    let cm_res = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "ConfigMap"),
        "configmaps",
    );
    let dep_res = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apps", "v1", "Deployment"),
        "deployments",
    );
    let cms: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &cm_res);
    let deps: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &dep_res);
    let pp = PatchParams::apply("t");
    let mut before = Vec::new();
    for i in 0..20 {
        let name = format!("cm{i}");
        let o: DynamicObject =
            serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"set": "p"}}, "data": {"i": i.to_string()}}))
            .expect("cm");
        let got = cms
            .patch(&name, &pp, &Patch::Apply(&o))
            .await
            .expect("apply");
        before.push((name, got.metadata.resource_version.expect("rv")));
    }
    cms.delete("cm0", &Default::default())
        .await
        .expect("delete");
    before.remove(0);
    let d: DynamicObject = serde_json::from_value(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}))
    .expect("deployment");
    deps.patch("web", &pp, &Patch::Apply(&d))
        .await
        .expect("deployment");
    common::eventually("deployment ready", Duration::from_secs(20), || {
        let deps = deps.clone();
        async move { (deps.get("web").await.ok()?.data["status"]["readyReplicas"] == 2).then_some(()) }
    })
    .await;
    let last_rv: u64 = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv")
        .parse()
        .expect("number");

    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let mut child = spawn(dir.path());
    let client = client_for(dir.path()).await;
    let cms: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &cm_res);
    let deps: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &dep_res);
    let after = cms
        .list(&ListParams::default().labels("set=p"))
        .await
        .expect("list after restart");
    let mut got: Vec<(String, String)> = after
        .items
        .into_iter()
        .map(|o| {
            (
                o.metadata.name.unwrap_or_default(),
                o.metadata.resource_version.unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    before.sort();
    assert_eq!(got, before, "same objects with the same resourceVersions");
    let created = cms
        .patch(
            "new",
            &pp,
            &Patch::Apply(
                &serde_json::from_value::<DynamicObject>(
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}}),
                )
                .expect("cm"),
            ),
        )
        .await
        .expect("create after restart");
    let new_rv: u64 = created
        .metadata
        .resource_version
        .expect("rv")
        .parse()
        .expect("number");
    assert!(
        new_rv > last_rv,
        "the counter continues: {new_rv} > {last_rv}"
    );
    common::eventually(
        "deployment ready after restart",
        Duration::from_secs(20),
        || {
            let deps = deps.clone();
            async move {
                (deps.get("web").await.ok()?.data["status"]["readyReplicas"] == 2).then_some(())
            }
        },
    )
    .await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}
