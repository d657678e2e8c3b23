//! Logical clouds deployed by the real rsync process to simulated clusters: a level-1 cloud
//! gets its namespace, a signed user certificate, roles and quota on every cluster, and a
//! user kubeconfig; terminate removes them again.

mod support;

use std::time::Duration;

use reqwest::blocking::multipart::{Form, Part};
use serde_json::{Value, json};
use support::{Sim, Stack, http, open_store, store_get, wait_for};

fn post(base: &str, path: &str, body: Value) -> (u16, String) {
    let r = http()
        .post(format!("{base}/v2/{path}"))
        .body(body.to_string())
        .send()
        .expect("post");
    let code = r.status().as_u16();
    (code, r.text().unwrap_or_default())
}

fn register_cluster(clm: &str, sim: &Sim) {
    let form = Form::new()
        .text(
            "metadata",
            json!({"metadata": {"name": sim.name}}).to_string(),
        )
        .part(
            "file",
            Part::bytes(std::fs::read(&sim.kubeconfig).expect("kubeconfig"))
                .file_name("kubeconfig"),
        );
    let r = http()
        .post(format!("{clm}/v2/cluster-providers/p/clusters"))
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status().as_u16(), 201);
}

/// The logical cloud's current AppContext status, read from the store.
fn lc_status(stack: &Stack, store: &std::sync::Arc<dyn emco_store::Store>) -> Option<String> {
    let state: Value = serde_json::from_slice(&store_get(
        store,
        "/emco/state/projects/p1/logical-clouds/lc1",
    )?)
    .ok()?;
    let id = state["statusctxid"].as_str()?.to_string();
    let _ = stack;
    let status: Value =
        serde_json::from_slice(&store_get(store, &format!("/emco/context/{id}/status/"))?).ok()?;
    status["Status"].as_str().map(str::to_string)
}

#[test]
fn level1_logical_cloud_is_created_and_removed_on_every_cluster() {
    let stack = Stack::start();
    let _rsync = stack.rsync();
    let sims = [
        Sim::start("edge01", stack.path()),
        Sim::start("edge02", stack.path()),
    ];
    let (o, clm, dcm) = (stack.orchestrator.url(), stack.clm.url(), stack.dcm.url());
    assert_eq!(
        post(&o, "projects", json!({"metadata": {"name": "p1"}})).0,
        201
    );
    assert_eq!(
        post(
            &clm,
            "cluster-providers",
            json!({"metadata": {"name": "p"}})
        )
        .0,
        201
    );
    for sim in &sims {
        register_cluster(&clm, sim);
    }
    let lc = "projects/p1/logical-clouds";
    let body = json!({"metadata": {"name": "lc1"}, "spec": {"namespace": "ns1", "level": "1", "user": {"userName": "alice", "type": "certificate"}}});
    assert_eq!(post(&dcm, lc, body).0, 201);
    // Instantiating needs a cluster reference and a permission on the cloud's namespace.
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/instantiate"), json!({})),
        (400, "No Cluster References associated\n".into())
    );
    for sim in &sims {
        let r = json!({"metadata": {"name": format!("{}-ref", sim.name)}, "spec": {"clusterProvider": "p", "cluster": sim.name}});
        assert_eq!(
            post(&dcm, &format!("{lc}/lc1/cluster-references"), r).0,
            201
        );
    }
    let perm = |ns: &str| json!({"metadata": {"name": format!("perm-{ns}")}, "spec": {"namespace": ns, "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}});
    assert_eq!(
        post(
            &dcm,
            &format!("{lc}/lc1/user-permissions"),
            perm("kube-system")
        )
        .0,
        201
    );
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/instantiate"), json!({})),
        (
            409,
            "Level-1 Logical Clouds require a User Permission assigned to its primary namespace\n"
                .into()
        )
    );
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/user-permissions"), perm("ns1")).0,
        201
    );
    assert_eq!(
        post(
            &dcm,
            &format!("{lc}/lc1/cluster-quotas"),
            json!({"metadata": {"name": "q1"}, "spec": {"pods": "10"}})
        )
        .0,
        201
    );
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/instantiate"), json!({})).0,
        202
    );
    // Again while rsync works on it (or just finished): a state conflict.
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/instantiate"), json!({})).0,
        409
    );

    let store = open_store(stack.path());
    let status = wait_for(
        "logical cloud instantiated",
        Duration::from_secs(60),
        || lc_status(&stack, &store).filter(|s| s != "Instantiating"),
    );
    assert_eq!(status, "Instantiated", "rsync log:\n{}", _rsync.log());
    for sim in &sims {
        assert!(
            sim.get("/api/v1/namespaces/ns1").is_some(),
            "namespace on {}",
            sim.name
        );
        let csr = sim
            .get("/apis/certificates.k8s.io/v1/certificatesigningrequests/lc1-ns1-user-csr")
            .expect("csr");
        assert!(
            csr["status"]["certificate"]
                .as_str()
                .is_some_and(|c| !c.is_empty()),
            "signed certificate on {}",
            sim.name
        );
        assert_eq!(
            sim.names("/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/roles"),
            ["lc1-role1"]
        );
        assert_eq!(
            sim.names("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles"),
            ["lc1-role0"]
        );
        assert_eq!(sim.names("/api/v1/namespaces/ns1/resourcequotas"), ["q1"]);
        // The user kubeconfig a DIG on this cloud will use.
        let cfg = store_get(&store, &format!("/emco/cloudconfig/p+{}/1/ns1", sim.name))
            .expect("user kubeconfig");
        let cfg: Value = serde_json::from_slice(&cfg).unwrap_or_default();
        assert!(
            cfg["kubeconfig"]
                .as_str()
                .is_some_and(|k| k.contains("alice"))
        );
    }

    assert_eq!(post(&dcm, &format!("{lc}/lc1/terminate"), json!({})).0, 202);
    let status = wait_for("logical cloud terminated", Duration::from_secs(60), || {
        lc_status(&stack, &store).filter(|s| s != "Terminating")
    });
    assert_eq!(status, "Terminated");
    for sim in &sims {
        assert!(
            sim.get("/api/v1/namespaces/ns1").is_none(),
            "namespace left on {}",
            sim.name
        );
        assert!(
            sim.names("/api/v1/namespaces/ns1/resourcequotas")
                .is_empty()
        );
    }
    assert_eq!(
        post(&dcm, &format!("{lc}/lc1/terminate"), json!({})),
        (
            409,
            "The Logical Cloud has already been terminated\n".into()
        )
    );
}

#[test]
fn logical_cloud_update_adds_a_cluster() {
    let stack = Stack::start();
    let _rsync = stack.rsync();
    let sims = [
        Sim::start("edge01", stack.path()),
        Sim::start("edge02", stack.path()),
    ];
    let (o, clm, dcm) = (stack.orchestrator.url(), stack.clm.url(), stack.dcm.url());
    assert_eq!(
        post(&o, "projects", json!({"metadata": {"name": "p1"}})).0,
        201
    );
    assert_eq!(
        post(
            &clm,
            "cluster-providers",
            json!({"metadata": {"name": "p"}})
        )
        .0,
        201
    );
    for sim in &sims {
        register_cluster(&clm, sim);
    }
    let lc = "projects/p1/logical-clouds/lc1";
    let body = json!({"metadata": {"name": "lc1"}, "spec": {"namespace": "ns1", "level": "1", "user": {"userName": "bob"}}});
    assert_eq!(post(&dcm, "projects/p1/logical-clouds", body).0, 201);
    let reference = |c: &str| json!({"metadata": {"name": format!("{c}-ref")}, "spec": {"clusterProvider": "p", "cluster": c}});
    assert_eq!(
        post(
            &dcm,
            &format!("{lc}/cluster-references"),
            reference("edge01")
        )
        .0,
        201
    );
    let perm = json!({"metadata": {"name": "perm"}, "spec": {"namespace": "ns1", "apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}});
    assert_eq!(post(&dcm, &format!("{lc}/user-permissions"), perm).0, 201);
    // Update before instantiation does nothing.
    assert_eq!(post(&dcm, &format!("{lc}/update"), json!({})).0, 202);
    assert_eq!(post(&dcm, &format!("{lc}/instantiate"), json!({})).0, 202);
    let store = open_store(stack.path());
    let settled = || lc_status(&stack, &store).filter(|s| !s.ends_with("ing"));
    assert_eq!(
        wait_for("instantiated", Duration::from_secs(60), settled),
        "Instantiated"
    );
    assert!(sims[1].get("/api/v1/namespaces/ns1").is_none());

    assert_eq!(
        post(
            &dcm,
            &format!("{lc}/cluster-references"),
            reference("edge02")
        )
        .0,
        201
    );
    assert_eq!(post(&dcm, &format!("{lc}/update"), json!({})).0, 202);
    let latest = || {
        let state: Value = serde_json::from_slice(&store_get(
            &store,
            "/emco/state/projects/p1/logical-clouds/lc1",
        )?)
        .ok()?;
        let id = state["actions"].as_array()?.last()?["instance"]
            .as_str()?
            .to_string();
        let status: Value =
            serde_json::from_slice(&store_get(&store, &format!("/emco/context/{id}/status/"))?)
                .ok()?;
        status["Status"]
            .as_str()
            .filter(|s| !s.ends_with("ing"))
            .map(str::to_string)
    };
    assert_eq!(
        wait_for("updated", Duration::from_secs(60), latest),
        "Instantiated",
        "rsync log:\n{}",
        _rsync.log()
    );
    for sim in &sims {
        assert!(
            sim.get("/api/v1/namespaces/ns1").is_some(),
            "namespace on {}",
            sim.name
        );
        assert!(store_get(&store, &format!("/emco/cloudconfig/p+{}/1/ns1", sim.name)).is_some());
    }
}
