//! The deployment flow with real processes and simulated clusters: placement, update and
//! rollback, app dependencies, rsync killed mid-instantiate, an unreachable cluster, and
//! lifecycle calls in the wrong state.

mod support;

use std::time::Duration;

use serde_json::json;
use support::fixture::{DIG, Env, objects_of, post, put};
use support::{http, wait_for};

fn by_name(c: &str) -> serde_json::Value {
    json!({"allOf": [{"clusterProvider": "p", "cluster": c}]})
}

#[test]
fn placement_by_label_name_and_any_of_lands_exactly_where_it_says() {
    let env = Env::new(&[("c1", &["edge"]), ("c2", &["edge"]), ("c3", &[])]);
    env.composite_app(&["web", "cache", "worker"], &[]);
    env.dig(&[
        ("web", json!({"allOf": [{"clusterProvider": "p", "clusterLabel": "edge"}]})),
        // anyOf keeps the lexicographically first cluster: p+c2 before p+c3.
        ("cache", json!({"anyOf": [{"clusterProvider": "p", "cluster": "c3"}, {"clusterProvider": "p", "cluster": "c2"}]})),
        ("worker", by_name("c3")),
    ]);
    let o = env.o();
    assert_eq!(post(&o, &format!("{DIG}/instantiate"), json!({})).0, 202);
    env.wait_dig("Instantiated");
    assert_eq!(env.apps_on("c1"), ["web"]);
    assert_eq!(env.apps_on("c2"), ["web", "cache"]);
    assert_eq!(env.apps_on("c3"), ["worker"]);
    // Every object carries the deployment label rsync adds.
    let dep = env
        .sim("c3")
        .get("/apis/apps/v1/namespaces/default/deployments/r1-worker")
        .expect("worker deployment");
    let label = dep["metadata"]["labels"]["emco/deployment-id"]
        .as_str()
        .unwrap_or("");
    assert!(label.ends_with("-worker"), "{label}");
    // Status lists each app on its clusters, all Applied.
    let status = env.dig_status("status=deployed");
    let applied = status["deployedCounts"]["Applied"].as_u64().unwrap_or(0);
    assert_eq!(applied, 3 * 2 + 2 + 2, "{status}");

    assert_eq!(post(&o, &format!("{DIG}/terminate"), json!({})).0, 202);
    env.wait_dig("Terminated");
    for c in ["c1", "c2", "c3"] {
        assert!(env.apps_on(c).is_empty(), "objects left on {c}");
    }
    // Re-instantiation after terminate needs no new approve, and keeps the old instance queryable.
    let first = env.dig_status("status=deployed")["states"]["actions"][2]["instance"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(post(&o, &format!("{DIG}/instantiate"), json!({})).0, 202);
    env.wait_dig("Instantiated");
    assert_eq!(env.apps_on("c3"), ["worker"]);
    let old = env.dig_status(&format!("status=deployed&instance={first}"));
    assert_eq!(old["deployedStatus"], "Terminated", "{old}");
}

#[test]
fn update_moves_an_app_and_rollback_moves_it_back() {
    let env = Env::new(&[("c1", &[]), ("c2", &[])]);
    env.composite_app(&["web", "worker"], &[]);
    env.dig(&[("web", by_name("c1")), ("worker", by_name("c1"))]);
    let o = env.o();
    assert_eq!(post(&o, &format!("{DIG}/instantiate"), json!({})).0, 202);
    env.wait_dig("Instantiated");
    assert_eq!(env.apps_on("c1"), ["web", "worker"]);

    let ai = json!({"metadata": {"name": "worker-placement"}, "spec": {"app": "worker", "intent": by_name("c2")}});
    assert_eq!(
        put(
            &o,
            &format!("{DIG}/generic-placement-intents/gpi/app-intents/worker-placement"),
            ai
        )
        .0,
        200
    );
    let (code, body) = post(&o, &format!("{DIG}/update"), json!({}));
    assert_eq!((code, body.trim()), (202, "2"));
    env.wait_dig("Instantiated");
    wait_for("worker moved to c2", Duration::from_secs(60), || {
        (env.apps_on("c1") == ["web"] && env.apps_on("c2") == ["worker"]).then_some(())
    });

    let rb = json!({"metadata": {"description": "back"}, "spec": {"revision": "1"}});
    assert_eq!(post(&o, &format!("{DIG}/rollback"), rb).0, 202);
    env.wait_dig("Instantiated");
    wait_for("worker back on c1", Duration::from_secs(60), || {
        (env.apps_on("c1") == ["web", "worker"] && env.apps_on("c2").is_empty()).then_some(())
    });
    let states: Vec<String> = env.dig_status("status=deployed")["states"]["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["state"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        states,
        [
            "Created",
            "Approved",
            "Instantiated",
            "Updated",
            "Instantiated",
            "Updated",
            "Instantiated"
        ]
    );
}

#[test]
fn a_dependent_app_is_applied_only_after_its_dependency_is_ready() {
    let env = Env::new(&[("c1", &[])]);
    env.composite_app(&["web", "cache"], &[("web", "cache", "Ready")]);
    env.dig(&[("web", by_name("c1")), ("cache", by_name("c1"))]);
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    let sim = env.sim("c1");
    wait_for("web deployed", Duration::from_secs(60), || {
        // Read web first, then cache: readiness only grows, so this order cannot falsely fail.
        let web = sim
            .get("/apis/apps/v1/namespaces/default/deployments/r1-web")
            .is_some();
        let cache_ready = sim
            .get("/apis/apps/v1/namespaces/default/statefulsets/r1-cache")
            .is_some_and(|s| s["status"]["readyReplicas"].as_i64().unwrap_or(0) >= 1);
        assert!(
            !web || cache_ready,
            "web was applied before cache was ready"
        );
        web.then_some(())
    });
    env.wait_dig("Instantiated");
}

#[test]
fn rsync_killed_mid_instantiate_converges_with_each_object_once() {
    let mut env = Env::new(&[("c1", &[])]);
    env.composite_app(&["web", "cache", "worker"], &[]);
    env.dig(&[
        ("web", by_name("c1")),
        ("cache", by_name("c1")),
        ("worker", by_name("c1")),
    ]);
    // Slow the cluster down so the kill lands in the middle of the work.
    let admin = format!("{}/admin/faults", env.sim("c1").url);
    assert!(
        http()
            .put(&admin)
            .body(r#"{"latency_ms": 150}"#)
            .send()
            .is_ok_and(|r| r.status().is_success())
    );
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    wait_for("a first resource applied", Duration::from_secs(60), || {
        let s = env.dig_status("status=deployed");
        (s["deployedCounts"]["Applied"].as_u64().unwrap_or(0) >= 1).then_some(())
    });
    env.rsync.kill();
    let partial = env.dig_status("status=deployed");
    assert_eq!(partial["deployedStatus"], "Instantiating", "{partial}");
    let _ = http().delete(&admin).send();
    env.rsync.restart();
    env.wait_dig("Instantiated");
    assert_eq!(env.apps_on("c1"), ["web", "cache", "worker"]);
    let sim = env.sim("c1");
    let dep = sim
        .get("/apis/apps/v1/namespaces/default/deployments/r1-web")
        .expect("web");
    assert_eq!(
        dep["metadata"]["generation"], 1,
        "re-applied with a change: {dep}"
    );
    for app in ["web", "cache", "worker"] {
        for (path, name) in objects_of(app) {
            assert_eq!(
                sim.names(path).iter().filter(|n| *n == name).count(),
                1,
                "{name} once"
            );
        }
    }
}

#[test]
fn an_unreachable_cluster_shows_retrying_then_applied() {
    let env = Env::new(&[("c1", &[])]);
    env.composite_app(&["web"], &[]);
    env.dig(&[("web", by_name("c1"))]);
    let admin = format!("{}/admin/faults", env.sim("c1").url);
    assert!(
        http()
            .put(&admin)
            .body(r#"{"unreachable": true}"#)
            .send()
            .is_ok_and(|r| r.status().is_success())
    );
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    wait_for("connectivity Retrying", Duration::from_secs(30), || {
        let s = env.dig_status("status=deployed");
        (s["apps"][0]["clusters"][0]["connectivity"] == "Retrying").then_some(())
    });
    assert_eq!(
        env.dig_status("status=deployed")["deployedStatus"],
        "Instantiating"
    );
    assert!(
        http()
            .delete(&admin)
            .send()
            .is_ok_and(|r| r.status().is_success())
    );
    env.wait_dig("Instantiated");
    let s = env.dig_status("status=deployed");
    assert_eq!(
        s["apps"][0]["clusters"][0]["connectivity"], "Available",
        "{s}"
    );
    assert_eq!(s["deployedCounts"], json!({"Applied": 3}), "{s}");
}

#[test]
fn lifecycle_calls_in_the_wrong_state_are_conflicts() {
    let env = Env::new(&[("c1", &[])]);
    env.composite_app(&["web"], &[]);
    let o = env.o();
    let dig = json!({"metadata": {"name": "dig"}, "spec": {"compositeProfile": "cp", "version": "r1", "logicalCloud": "lc"}});
    assert_eq!(
        post(
            &o,
            "projects/p1/composite-apps/shop/v1/deployment-intent-groups",
            dig
        )
        .0,
        201
    );
    assert_eq!(
        post(&o, &format!("{DIG}/instantiate"), json!({})),
        (
            409,
            "DeploymentIntentGroup must be Approved before instantiatingdig\n".into()
        )
    );
    assert_eq!(
        post(&o, &format!("{DIG}/terminate"), json!({})),
        (
            409,
            "DeploymentIntentGroup is not instantiated :dig\n".into()
        )
    );
    assert_eq!(post(&o, &format!("{DIG}/approve"), json!({})).0, 202);
    // No placement intent yet.
    assert_eq!(
        post(&o, &format!("{DIG}/instantiate"), json!({})),
        (404, "Intent not found\n".into())
    );
    assert_eq!(post(&o, &format!("{DIG}/intents"), json!({"metadata": {"name": "i"}, "spec": {"intent": {"genericPlacementIntent": "gpi", "nosuch": "x"}}})).0, 201);
    assert_eq!(
        post(&o, &format!("{DIG}/instantiate"), json!({})),
        (404, "Controller not found\n".into())
    );
    let fixed =
        json!({"metadata": {"name": "i"}, "spec": {"intent": {"genericPlacementIntent": "gpi"}}});
    assert_eq!(put(&o, &format!("{DIG}/intents/i"), fixed).0, 200);
    assert_eq!(
        post(
            &o,
            &format!("{DIG}/generic-placement-intents"),
            json!({"metadata": {"name": "gpi"}})
        )
        .0,
        201
    );
    assert_eq!(
        post(&o, &format!("{DIG}/instantiate"), json!({})),
        (
            500,
            "No compatible clusters have been provided to the Deployment Intent Group\n".into()
        )
    );
    let ai = json!({"metadata": {"name": "w"}, "spec": {"app": "web", "intent": by_name("c1")}});
    assert_eq!(
        post(
            &o,
            &format!("{DIG}/generic-placement-intents/gpi/app-intents"),
            ai
        )
        .0,
        201
    );
    assert_eq!(post(&o, &format!("{DIG}/instantiate"), json!({})).0, 202);
    assert_eq!(
        post(&o, &format!("{DIG}/instantiate"), json!({})),
        (
            409,
            "DeploymentIntentGroup has already been instantiateddig\n".into()
        )
    );
    let del = http()
        .delete(format!("{o}/v2/{DIG}"))
        .send()
        .expect("delete");
    assert_eq!(del.status().as_u16(), 409);
    env.wait_dig("Instantiated");
    let bad = http()
        .get(format!("{o}/v2/{DIG}/status?status=bogus"))
        .send()
        .expect("status");
    assert_eq!(bad.status().as_u16(), 400);
    assert_eq!(bad.text().unwrap_or_default(), "Invalid query status\n");
}

#[test]
fn a_second_rsync_takes_over_when_the_lease_owner_dies() {
    let mut env = Env::new(&[("c1", &[])]);
    env.composite_app(&["web", "cache", "worker"], &[]);
    env.dig(&[
        ("web", by_name("c1")),
        ("cache", by_name("c1")),
        ("worker", by_name("c1")),
    ]);
    let admin = format!("{}/admin/faults", env.sim("c1").url);
    assert!(
        http()
            .put(&admin)
            .body(r#"{"latency_ms": 200}"#)
            .send()
            .is_ok_and(|r| r.status().is_success())
    );
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    wait_for("the first rsync at work", Duration::from_secs(60), || {
        let s = env.dig_status("status=deployed");
        (s["deployedCounts"]["Applied"].as_u64().unwrap_or(0) >= 1).then_some(())
    });
    // A replica on the same store: it must not touch the context while the owner lives.
    let std_dir = env.stack.path().join("replica");
    std::fs::create_dir_all(&std_dir).expect("mkdir");
    let replica = support::Proc::start("rsync", &env.stack.store_url, &std_dir, "127.0.0.1:0", &[]);
    env.rsync.kill();
    let _ = http().delete(&admin).send();
    env.wait_dig("Instantiated");
    assert_eq!(env.apps_on("c1"), ["web", "cache", "worker"]);
    assert!(
        replica.log().contains("work item done"),
        "the replica finished the work:\n{}",
        replica.log()
    );
}

#[test]
fn a_dig_on_a_level1_cloud_deploys_into_its_namespace_with_its_user() {
    let env = Env::new(&[("c1", &[])]);
    env.level1_cloud("team", "team-ns");
    env.composite_app(&["web"], &[]);
    env.dig_on("team", &[("web", by_name("c1"))]);
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    env.wait_dig("Instantiated");
    let sim = env.sim("c1");
    assert!(
        sim.get("/apis/apps/v1/namespaces/team-ns/deployments/r1-web")
            .is_some(),
        "web in the cloud's namespace"
    );
    assert!(
        sim.get("/apis/apps/v1/namespaces/default/deployments/r1-web")
            .is_none(),
        "nothing in default"
    );
    assert_eq!(
        sim.names("/api/v1/namespaces/team-ns/resourcequotas"),
        ["q"]
    );
}

/// A chart with a CRD, a custom resource, a ConfigMap and install hooks.
fn hooked_chart() -> Vec<u8> {
    let files = [
        (
            "hooked/Chart.yaml",
            "apiVersion: v2\nname: hooked\nversion: 0.1.0\n",
        ),
        (
            "hooked/crds/widget.yaml",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names:\n    plural: widgets\n    singular: widget\n    kind: Widget\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n",
        ),
        (
            "hooked/templates/widget.yaml",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}-widget\nspec:\n  size: 3\n",
        ),
        (
            "hooked/templates/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  k: v\n",
        ),
        (
            "hooked/templates/migrate.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    helm.sh/hook: pre-install\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: x\n",
        ),
        (
            "hooked/templates/notify.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-installed\n  annotations:\n    helm.sh/hook: post-install\ndata:\n  done: \"yes\"\n",
        ),
    ];
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, text.as_bytes())
            .expect("append");
    }
    b.into_inner().and_then(|e| e.finish()).expect("tgz")
}

#[test]
fn crds_and_hooks_run_around_the_resources_and_go_on_terminate() {
    let env = Env::new(&[("c1", &[])]);
    env.composite_app_from(&[("hooked", hooked_chart())]);
    env.dig(&[("hooked", by_name("c1"))]);
    assert_eq!(
        post(&env.o(), &format!("{DIG}/instantiate"), json!({})).0,
        202
    );
    env.wait_dig("Instantiated");
    let sim = env.sim("c1");
    assert!(
        sim.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
            .is_some(),
        "CRD"
    );
    assert!(
        sim.get("/apis/example.com/v1/namespaces/default/widgets/r1-widget")
            .is_some(),
        "custom resource"
    );
    let job = sim
        .get("/apis/batch/v1/namespaces/default/jobs/r1-migrate")
        .expect("pre-install hook Job");
    assert!(
        job["status"]["succeeded"].as_i64().unwrap_or(0) >= 1,
        "the hook finished before install went on: {job}"
    );
    assert!(
        sim.get("/api/v1/namespaces/default/configmaps/r1-installed")
            .is_some(),
        "post-install hook"
    );
    assert!(
        sim.get("/api/v1/namespaces/default/configmaps/r1-config")
            .is_some()
    );

    assert_eq!(
        post(&env.o(), &format!("{DIG}/terminate"), json!({})).0,
        202
    );
    env.wait_dig("Terminated");
    assert!(
        sim.get("/api/v1/namespaces/default/configmaps/r1-config")
            .is_none()
    );
    assert!(
        sim.get("/apis/batch/v1/namespaces/default/jobs/r1-migrate")
            .is_none(),
        "hooks are deleted"
    );
    assert!(
        sim.get("/api/v1/namespaces/default/configmaps/r1-installed")
            .is_none(),
        "hooks are deleted"
    );
    assert!(
        sim.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
            .is_none(),
        "CRDs are deleted"
    );
}
