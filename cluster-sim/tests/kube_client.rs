//! The simulator through `kube`'s dynamic API with discovery: server-side apply, selectors,
//! watches, cascading delete.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, WatchEvent, WatchParams,
};
use kube::core::GroupVersionKind;
use kube::discovery::Discovery;
use serde_json::json;

async fn api_for(client: &kube::Client, g: &str, v: &str, k: &str, ns: &str) -> Api<DynamicObject> {
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .expect("discovery");
    let (ar, _) = discovery
        .resolve_gvk(&GroupVersionKind::gvk(g, v, k))
        .expect("kind is discoverable");
    Api::namespaced_with(client.clone(), ns, &ar)
}

fn cm(name: &str, labels: serde_json::Value, data: serde_json::Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels}, "data": data,
    }))
    .expect("configmap")
}

#[tokio::test]
async fn server_side_apply_twice_is_a_no_op() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let api = api_for(&client, "", "v1", "ConfigMap", "default").await;
    let pp = PatchParams::apply("emco-rsync").force();
    let obj = cm("ssa", json!({"app": "a"}), json!({"k": "v"}));
    let first = api
        .patch("ssa", &pp, &Patch::Apply(&obj))
        .await
        .expect("first apply");
    let second = api
        .patch("ssa", &pp, &Patch::Apply(&obj))
        .await
        .expect("second apply");
    assert_eq!(
        first.metadata.resource_version,
        second.metadata.resource_version
    );
    assert_eq!(second.data["data"]["k"], "v");
    let managers: Vec<String> = second
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert_eq!(managers, vec!["emco-rsync".to_string()]);

    // A different value changes the object; another manager without force conflicts.
    let changed = api
        .patch(
            "ssa",
            &pp,
            &Patch::Apply(&cm("ssa", json!({"app": "a"}), json!({"k": "w"}))),
        )
        .await
        .expect("changed apply");
    assert_ne!(
        changed.metadata.resource_version,
        second.metadata.resource_version
    );
    let other = api
        .patch(
            "ssa",
            &PatchParams::apply("someone-else"),
            &Patch::Apply(&cm("ssa", json!({}), json!({"k": "x"}))),
        )
        .await
        .expect_err("conflict");
    match other {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
        e => panic!("unexpected error {e}"),
    }
    s.sim.shutdown().await;
}

#[tokio::test]
async fn list_with_label_selectors() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let api = api_for(&client, "", "v1", "ConfigMap", "default").await;
    let pp = PatchParams::apply("t");
    for (name, labels) in [
        ("a", json!({"app": "web", "tier": "front"})),
        ("b", json!({"app": "web", "tier": "back"})),
        ("c", json!({"app": "db"})),
    ] {
        api.patch(name, &pp, &Patch::Apply(&cm(name, labels, json!({}))))
            .await
            .expect("apply");
    }
    let names = |sel: &'static str| {
        let api = api.clone();
        async move {
            let mut n: Vec<String> = api
                .list(&ListParams::default().labels(sel))
                .await
                .expect("list")
                .items
                .into_iter()
                .filter_map(|o| o.metadata.name)
                .collect();
            n.sort();
            n
        }
    };
    assert_eq!(names("app=web").await, ["a", "b"]);
    assert_eq!(names("app==web,tier!=front").await, ["b"]);
    assert_eq!(names("tier in (front,back)").await, ["a", "b"]);
    assert_eq!(names("app notin (web)").await, ["c"]);
    assert_eq!(names("tier").await, ["a", "b"]);
    assert_eq!(names("!tier").await, ["c"]);
    let by_name = api
        .list(&ListParams::default().fields("metadata.name=c"))
        .await
        .expect("list");
    assert_eq!(by_name.items.len(), 1);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn watch_sees_changes_in_order_and_resumes() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let api = api_for(&client, "", "v1", "ConfigMap", "default").await;
    let start_rv = api
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    let mut stream = api
        .watch(&WatchParams::default(), &start_rv)
        .await
        .expect("watch")
        .boxed();
    let pp = PatchParams::apply("t");
    api.patch(
        "w",
        &pp,
        &Patch::Apply(&cm("w", json!({}), json!({"n": "1"}))),
    )
    .await
    .expect("create");
    let modified = api
        .patch(
            "w",
            &pp,
            &Patch::Apply(&cm("w", json!({}), json!({"n": "2"}))),
        )
        .await
        .expect("modify");
    api.delete("w", &DeleteParams::default())
        .await
        .expect("delete");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .expect("event in time")
            .expect("stream ok")
            .expect("stream open");
        match ev {
            WatchEvent::Added(o) => seen.push(("ADDED", o.data["data"]["n"].clone())),
            WatchEvent::Modified(o) => seen.push(("MODIFIED", o.data["data"]["n"].clone())),
            WatchEvent::Deleted(o) => seen.push(("DELETED", o.data["data"]["n"].clone())),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        }
    }
    assert_eq!(
        seen,
        vec![
            ("ADDED", json!("1")),
            ("MODIFIED", json!("2")),
            ("DELETED", json!("2"))
        ]
    );

    // Resuming from the modification's version replays only what came after it.
    let rv = modified.metadata.resource_version.expect("rv");
    let mut resumed = api
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    let ev = tokio::time::timeout(Duration::from_secs(5), resumed.try_next())
        .await
        .expect("event in time")
        .expect("stream ok")
        .expect("stream open");
    assert!(matches!(ev, WatchEvent::Deleted(_)), "{ev:?}");
    s.sim.shutdown().await;
}

#[tokio::test]
async fn too_old_resource_version_is_expired() {
    let s = common::start_with(|o| o.watch_history = 16).await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let api = api_for(&client, "", "v1", "ConfigMap", "default").await;
    let pp = PatchParams::apply("t");
    for i in 0..40 {
        let n = format!("c{i}");
        api.patch(&n, &pp, &Patch::Apply(&cm(&n, json!({}), json!({}))))
            .await
            .expect("apply");
    }
    let mut stream = api
        .watch(&WatchParams::default(), "2")
        .await
        .expect("watch")
        .boxed();
    let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .expect("in time");
    match ev {
        Ok(Some(WatchEvent::Error(e))) => assert_eq!(e.code, 410),
        Err(kube::Error::Api(e)) => assert_eq!(e.code, 410),
        other => panic!("expected 410, got {other:?}"),
    }
    s.sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_deployment_cascades_to_its_pods() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let deploys = api_for(&client, "apps", "v1", "Deployment", "default").await;
    let pods = api_for(&client, "", "v1", "Pod", "default").await;
    let d: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web", "emco/deployment-id": "1-app"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }))
    .expect("deployment");
    deploys
        .patch("web", &PatchParams::apply("t"), &Patch::Apply(&d))
        .await
        .expect("apply");
    let lp = ListParams::default().labels("app=web");
    common::eventually("2 pods", Duration::from_secs(10), || {
        let pods = pods.clone();
        let lp = lp.clone();
        async move { (pods.list(&lp).await.ok()?.items.len() == 2).then_some(()) }
    })
    .await;
    let pod = pods.list(&lp).await.expect("list").items.remove(0);
    let owner = &pod.metadata.owner_references.expect("owner refs")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.controller),
        ("ReplicaSet", Some(true))
    );
    assert_eq!(
        pod.metadata.labels.expect("labels")["emco/deployment-id"],
        "1-app"
    );

    deploys
        .delete("web", &DeleteParams::background())
        .await
        .expect("delete");
    common::eventually("pods gone", Duration::from_secs(10), || {
        let pods = pods.clone();
        let lp = lp.clone();
        async move { pods.list(&lp).await.ok()?.items.is_empty().then_some(()) }
    })
    .await;
    s.sim.shutdown().await;
}

#[tokio::test]
async fn foreground_delete_waits_for_dependents() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let rss = api_for(&client, "apps", "v1", "ReplicaSet", "default").await;
    let pods = api_for(&client, "", "v1", "Pod", "default").await;
    let rs: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "fg"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "fg"}},
                 "template": {"metadata": {"labels": {"app": "fg"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}},
    }))
    .expect("rs");
    rss.create(&Default::default(), &rs).await.expect("create");
    let lp = ListParams::default().labels("app=fg");
    common::eventually("pods", Duration::from_secs(10), || {
        let (pods, lp) = (pods.clone(), lp.clone());
        async move { (pods.list(&lp).await.ok()?.items.len() == 2).then_some(()) }
    })
    .await;
    rss.delete("fg", &DeleteParams::foreground())
        .await
        .expect("delete");
    common::eventually("owner and pods gone", Duration::from_secs(10), || {
        let (pods, rss, lp) = (pods.clone(), rss.clone(), lp.clone());
        async move {
            let none = pods.list(&lp).await.ok()?.items.is_empty();
            let gone = rss.get_opt("fg").await.ok()?.is_none();
            (none && gone).then_some(())
        }
    })
    .await;
    s.sim.shutdown().await;
}
