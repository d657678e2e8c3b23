//! EMCO REST API behaviour of the real clm and dcm processes, idempotency keys, and the
//! services' health, metrics and shutdown.

mod support;

use serde_json::json;
use support::api::{Api, json};
use support::{Stack, http};

#[test]
fn clm_and_dcm_resources_follow_emco() {
    let stack = Stack::start();
    let o = Api {
        base: stack.orchestrator.url(),
    };
    let clm = Api {
        base: stack.clm.url(),
    };
    let dcm = Api {
        base: stack.dcm.url(),
    };

    assert_eq!(
        clm.call("GET", "cluster-providers", None),
        (200, "[]\n".into())
    );
    assert_eq!(
        clm.call(
            "POST",
            "cluster-providers",
            Some(json!({"metadata": {"name": "p"}}))
        )
        .0,
        201
    );
    assert_eq!(
        clm.call(
            "POST",
            "cluster-providers",
            Some(json!({"metadata": {"name": "p"}}))
        ),
        (409, "ClusterProvider already exists\n".into())
    );
    let kubeconfig = b"apiVersion: v1\nkind: Config\n".to_vec();
    assert_eq!(
        clm.upload(
            "cluster-providers/p/clusters",
            json!({"metadata": {"name": "c1"}}),
            None
        ),
        (422, "Unable to process file\n".into())
    );
    assert_eq!(
        clm.upload(
            "cluster-providers/nope/clusters",
            json!({"metadata": {"name": "c1"}}),
            Some(kubeconfig.clone())
        ),
        (
            409,
            "Cannot perform requested operation. Parent resource not found\n".into()
        )
    );
    let (code, body) = clm.upload(
        "cluster-providers/p/clusters",
        json!({"metadata": {"name": "c1"}}),
        Some(kubeconfig.clone()),
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(json(&body)["spec"]["gitOps"]["gitOpsType"], "");
    assert_eq!(
        clm.upload(
            "cluster-providers/p/clusters",
            json!({"metadata": {"name": "c2"}}),
            Some(kubeconfig.clone())
        )
        .0,
        201
    );
    assert_eq!(
        clm.call("PUT", "cluster-providers/p/clusters/c1", None).0,
        405
    );
    let raw = http()
        .get(format!("{}/v2/cluster-providers/p/clusters/c1", clm.base))
        .header("accept", "application/octet-stream")
        .send()
        .expect("get");
    assert_eq!(
        raw.bytes().map(|b| b.to_vec()).unwrap_or_default(),
        kubeconfig
    );
    assert_eq!(
        clm.call(
            "POST",
            "cluster-providers/p/clusters/c1/labels",
            Some(json!({"clusterLabel": "edge"}))
        )
        .0,
        201
    );
    assert_eq!(
        clm.call(
            "POST",
            "cluster-providers/p/clusters/c1/labels",
            Some(json!({"clusterLabel": "edge"}))
        ),
        (409, "Cluster Label already exists\n".into())
    );
    assert_eq!(
        json(
            &clm.call("GET", "cluster-providers/p/clusters?label=edge", None)
                .1
        ),
        json!(["c1"])
    );
    assert_eq!(
        clm.call("GET", "cluster-providers/p/clusters/zz/labels", None),
        (404, "Cluster not found\n".into())
    );
    assert_eq!(
        clm.call(
            "PUT",
            "cluster-providers/p/clusters/c1/labels/edge",
            Some(json!({"clusterLabel": "x"}))
        ),
        (400, "Mismatched label name in PUT request\n".into())
    );
    let kv = json!({"metadata": {"name": "kv1"}, "spec": {"kv": [{"k1": "v1"}, {"k2": "v2"}]}});
    assert_eq!(
        clm.call("POST", "cluster-providers/p/clusters/c1/kv-pairs", Some(kv))
            .0,
        201
    );
    assert_eq!(
        json(
            &clm.call(
                "GET",
                "cluster-providers/p/clusters/c1/kv-pairs/kv1?key=k2",
                None
            )
            .1
        ),
        json!({"value": "v2"})
    );
    assert_eq!(
        clm.call(
            "GET",
            "cluster-providers/p/clusters/c1/kv-pairs/kv1?key=zz",
            None
        ),
        (404, "Cluster KV pair key value not found\n".into())
    );
    assert_eq!(
        clm.call("DELETE", "cluster-providers/p/clusters/c1", None),
        (
            409,
            "Cannot delete parent without deleting child references first\n".into()
        )
    );

    // dcm: logical clouds under a project of the orchestrator (same store).
    assert_eq!(
        dcm.raw("POST", "projects/p1/logical-clouds", ""),
        (400, "EOF\n".into())
    );
    let lc = json!({"metadata": {"name": "lc"}, "spec": {"level": "0"}});
    assert_eq!(
        dcm.call("POST", "projects/p1/logical-clouds", Some(lc.clone())),
        (404, "Project not found\n".into())
    );
    assert_eq!(
        o.call(
            "POST",
            "projects",
            Some(json!({"metadata": {"name": "p1"}}))
        )
        .0,
        201
    );
    assert_eq!(
        dcm.call("POST", "projects/p1/logical-clouds", Some(lc.clone()))
            .0,
        201
    );
    assert_eq!(
        dcm.call(
            "PUT",
            "projects/p1/logical-clouds/lc",
            Some(json!({"metadata": {"name": "other"}}))
        ),
        (409, "Logical Cloud name mismatch\n".into())
    );
    assert_eq!(
        dcm.call(
            "GET",
            "projects/p1/logical-clouds/lc/cluster-references",
            None
        ),
        (400, "No Cluster References associated\n".into())
    );
    let cref = json!({"metadata": {"name": "r1"}, "spec": {"clusterProvider": "p", "cluster": "c2", "loadbalancerIp": "0.0.0.0"}});
    let (code, body) = dcm.call(
        "POST",
        "projects/p1/logical-clouds/lc/cluster-references",
        Some(cref),
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(json(&body)["spec"]["loadBalancerIP"], "0.0.0.0");
    assert_eq!(
        dcm.call(
            "POST",
            "projects/p1/logical-clouds/lc/cluster-quotas",
            Some(json!({"metadata": {"name": "q"}, "spec": {"pods": "5"}}))
        ),
        (
            400,
            "Cluster Quotas not allowed for Logical Cloud Level 0\n".into()
        )
    );
    // The cluster is referenced by the logical cloud; the project has the cloud under it.
    assert_eq!(
        clm.call("DELETE", "cluster-providers/p/clusters/c2", None),
        (
            409,
            "Cannot delete without deleting or updating referencing resources first\n".into()
        )
    );
    assert_eq!(
        o.call("DELETE", "projects/p1", None),
        (
            409,
            "Cannot delete parent without deleting child references first\n".into()
        )
    );
    assert_eq!(
        dcm.call(
            "DELETE",
            "projects/p1/logical-clouds/lc/cluster-references/r1",
            None
        )
        .0,
        204
    );
    assert_eq!(
        clm.call("DELETE", "cluster-providers/p/clusters/c2", None)
            .0,
        204
    );
    assert_eq!(
        dcm.call("DELETE", "projects/p1/logical-clouds/lc", None).0,
        204
    );
    assert_eq!(o.call("DELETE", "projects/p1", None).0, 204);
    assert_eq!(
        o.call("DELETE", "projects/p1", None),
        (404, "Project not found\n".into())
    );
}

#[test]
fn idempotency_key_replays_the_stored_response() {
    let stack = Stack::start();
    let url = format!("{}/v2/projects", stack.orchestrator.url());
    let send = |key: &str, name: &str| {
        let r = http()
            .post(&url)
            .header("Idempotency-Key", key)
            .body(json!({"metadata": {"name": name}}).to_string())
            .send()
            .expect("post");
        (r.status().as_u16(), r.text().unwrap_or_default())
    };
    let first = send("k-1", "p1");
    assert_eq!(first.0, 201);
    // The same call again answers what the first answered, not 409.
    assert_eq!(send("k-1", "p1"), first);
    // The same key for a different request is refused.
    assert_eq!(send("k-1", "p2").0, 422);
    // Without a key the server behaves like EMCO.
    let plain = http()
        .post(&url)
        .body(json!({"metadata": {"name": "p1"}}).to_string())
        .send()
        .expect("post");
    assert_eq!(plain.status().as_u16(), 409);
    // A replay survives a restart of the service: the record is in the store.
    let mut stack = stack;
    stack.orchestrator.restart();
    let url2 = format!("{}/v2/projects", stack.orchestrator.url());
    let again = http()
        .post(&url2)
        .header("Idempotency-Key", "k-1")
        .body(json!({"metadata": {"name": "p1"}}).to_string())
        .send()
        .expect("post");
    assert_eq!(again.status().as_u16(), 201);
}

#[test]
fn services_serve_health_and_metrics_and_stop_cleanly_on_sigterm() {
    let mut stack = Stack::start();
    let mut rsync = stack.rsync();
    for p in [&stack.orchestrator, &stack.clm, &stack.dcm, &rsync] {
        let health = http()
            .get(format!("{}/healthz", p.url()))
            .send()
            .expect("healthz");
        assert_eq!(health.status().as_u16(), 200);
    }
    assert_eq!(
        Api {
            base: stack.orchestrator.url()
        }
        .call(
            "POST",
            "projects",
            Some(json!({"metadata": {"name": "p1"}}))
        )
        .0,
        201
    );
    let metrics = http()
        .get(format!("{}/metrics", stack.orchestrator.url()))
        .send()
        .expect("metrics");
    let text = metrics.text().unwrap_or_default();
    assert!(
        text.contains(
            r#"emco_http_requests_total{service="orchestrator",method="POST",code="201"} 1"#
        ),
        "{text}"
    );
    let timeout = std::time::Duration::from_secs(10);
    for p in [
        &mut stack.orchestrator,
        &mut stack.clm,
        &mut stack.dcm,
        &mut rsync,
    ] {
        let status = p.terminate(timeout);
        assert!(
            status.is_some_and(|s| s.success()),
            "{} did not exit cleanly: {status:?}",
            p.service
        );
    }
}
