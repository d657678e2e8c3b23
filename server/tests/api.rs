//! EMCO REST API behaviour of the real orchestrator, clm and dcm processes: bodies, codes,
//! error texts, PUT rules, referential integrity and idempotency keys.

mod support;

use reqwest::blocking::multipart::{Form, Part};
use serde_json::{Value, json};
use support::{Stack, http};

fn tgz(top: &str) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    let data = format!("apiVersion: v2\nname: {top}\nversion: 0.1.0\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, format!("{top}/Chart.yaml"), data.as_bytes())
        .expect("append");
    b.into_inner().and_then(|e| e.finish()).expect("tgz")
}

struct Api {
    base: String,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let url = format!("{}/v2/{path}", self.base);
        let c = http();
        let req = match method {
            "POST" => c.post(&url),
            "PUT" => c.put(&url),
            "DELETE" => c.delete(&url),
            "PATCH" => c.patch(&url),
            _ => c.get(&url),
        };
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(b.to_string()),
            None => req,
        };
        let resp = req.send().expect("request");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
    fn raw(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let url = format!("{}/v2/{path}", self.base);
        let c = http();
        let req = if method == "PUT" {
            c.put(&url)
        } else {
            c.post(&url)
        };
        let resp = req.body(body.to_string()).send().expect("request");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
    fn upload(&self, path: &str, metadata: Value, file: Option<Vec<u8>>) -> (u16, String) {
        let mut form = Form::new().text("metadata", metadata.to_string());
        if let Some(f) = file {
            form = form.part("file", Part::bytes(f).file_name("filename"));
        }
        let resp = http()
            .post(format!("{}/v2/{path}", self.base))
            .multipart(form)
            .send()
            .expect("upload");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

const CA: &str = "projects/p1/composite-apps/ca/v1";

#[test]
fn orchestrator_resources_follow_emco() {
    let stack = Stack::start();
    let o = Api {
        base: stack.orchestrator.url(),
    };

    // Projects: create, duplicate, list, name rules, PUT rules.
    assert_eq!(o.call("GET", "projects", None), (200, "null\n".into()));
    let (code, body) = o.call(
        "POST",
        "projects",
        Some(json!({"metadata": {"name": "p1"}})),
    );
    assert_eq!(code, 201);
    assert_eq!(
        json(&body),
        json!({"metadata": {"name": "p1", "description": "", "userData1": "", "userData2": ""}})
    );
    assert_eq!(
        o.call(
            "POST",
            "projects",
            Some(json!({"metadata": {"name": "p1"}}))
        ),
        (409, "Project already exists\n".into())
    );
    let (code, body) = o.call(
        "POST",
        "projects",
        Some(json!({"metadata": {"name": "-bad"}})),
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.starts_with("Invalid Input:"));
    assert_eq!(o.raw("POST", "projects", ""), (400, "Empty body\n".into()));
    assert_eq!(o.raw("POST", "projects", "{\"metadata\":").0, 422);
    assert_eq!(
        o.raw("POST", "projects", r#"{"metadata":{"name":7}}"#).0,
        422
    );
    // Go matches field names case-insensitively.
    assert_eq!(
        o.raw("POST", "projects", r#"{"Metadata":{"Name":"p2"}}"#).0,
        201
    );
    assert_eq!(
        o.call(
            "PUT",
            "projects/p2",
            Some(json!({"metadata": {"name": "other"}}))
        ),
        (400, "Mismatched name in PUT request\n".into())
    );
    assert_eq!(
        o.call(
            "PUT",
            "projects/p2",
            Some(json!({"metadata": {"name": "p2", "description": "d"}}))
        )
        .0,
        200
    );
    assert_eq!(
        o.call("GET", "projects/nope", None),
        (404, "Project not found\n".into())
    );
    assert_eq!(
        o.call("GET", "projects/", None),
        (404, "404 page not found\n".into())
    );
    assert_eq!(o.call("PATCH", "projects/p1", None).0, 405);
    let list = json(&o.call("GET", "projects", None).1);
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    // Composite apps: parent-409, the (sic) texts, version key.
    let ca = json!({"metadata": {"name": "ca"}, "spec": {"compositeAppVersion": "v1"}});
    assert_eq!(
        o.call("POST", "projects/zz/composite-apps", Some(ca.clone())),
        (
            409,
            "Cannot perform requested operation. Parent resource not found\n".into()
        )
    );
    assert_eq!(
        o.call("POST", "projects/p1/composite-apps", Some(ca.clone()))
            .0,
        201
    );
    assert_eq!(
        o.call("POST", "projects/p1/composite-apps", Some(ca.clone())),
        (409, "App already exists\n".into())
    );
    assert_eq!(
        o.call("GET", "projects/p1/composite-apps/nope/v1", None),
        (404, "App not found\n".into())
    );
    assert_eq!(
        o.call("GET", "projects/zz/composite-apps", None),
        (404, "Project not found\n".into())
    );
    assert_eq!(
        o.call("GET", &format!("{CA}/apps"), None),
        (200, "null\n".into())
    );

    // Apps: multipart with archive checks.
    let app = json!({"metadata": {"name": "a1"}});
    assert_eq!(
        o.upload(
            &format!("{CA}/apps"),
            app.clone(),
            Some(b"not a tgz".to_vec())
        ),
        (422, "Error in file format\n".into())
    );
    assert_eq!(
        o.upload(&format!("{CA}/apps"), app.clone(), None),
        (422, "Unable to process file\n".into())
    );
    assert_eq!(
        o.upload(&format!("{CA}/apps"), app.clone(), Some(tgz("a1")))
            .0,
        201
    );
    assert_eq!(
        o.upload(
            &format!("{CA}/apps"),
            json!({"metadata": {"name": "a2"}}),
            Some(tgz("a2"))
        )
        .0,
        201
    );
    let got = http()
        .get(format!("{}/v2/{CA}/apps/a1", o.base))
        .header("accept", "application/octet-stream")
        .send()
        .expect("get");
    assert_eq!(
        got.bytes().map(|b| b.to_vec()).unwrap_or_default(),
        tgz("a1")
    );

    // Dependencies: [] when empty, Invalid Body, 409 duplicate (our decision).
    assert_eq!(
        o.call("GET", &format!("{CA}/apps/a1/dependency"), None),
        (200, "[]\n".into())
    );
    assert_eq!(
        o.raw("POST", &format!("{CA}/apps/a1/dependency"), "{x"),
        (422, "Invalid Body\n".into())
    );
    let dep =
        json!({"metadata": {"name": "d1"}, "spec": {"app": "a2", "opStatus": "Ready", "wait": 10}});
    assert_eq!(
        o.call(
            "POST",
            &format!("{CA}/apps/a1/dependency"),
            Some(dep.clone())
        )
        .0,
        201
    );
    assert_eq!(
        o.call("POST", &format!("{CA}/apps/a1/dependency"), Some(dep)),
        (409, "AppDependency already exists\n".into())
    );

    // Profiles: one per app.
    assert_eq!(
        o.call(
            "POST",
            &format!("{CA}/composite-profiles"),
            Some(json!({"metadata": {"name": "cp"}}))
        )
        .0,
        201
    );
    let prof = |name: &str, app: &str| json!({"metadata": {"name": name}, "spec": {"app": app}});
    assert_eq!(
        o.upload(
            &format!("{CA}/composite-profiles/nope/profiles"),
            prof("x", "a1"),
            Some(tgz("x"))
        ),
        (404, "CompositeProfile not found\n".into())
    );
    assert_eq!(
        o.upload(
            &format!("{CA}/composite-profiles/cp/profiles"),
            prof("a1-p", "a1"),
            Some(tgz("x"))
        )
        .0,
        201
    );
    assert_eq!(
        o.upload(
            &format!("{CA}/composite-profiles/cp/profiles"),
            prof("a1-q", "a1"),
            Some(tgz("x"))
        ),
        (409, "App already has an AppProfile\n".into())
    );
    let by_app = json(
        &o.call(
            "GET",
            &format!("{CA}/composite-profiles/cp/profiles?app=a1"),
            None,
        )
        .1,
    );
    assert_eq!(by_app["metadata"]["name"], "a1-p");
    // The app is referenced by its profile and has a dependency record: not deletable.
    assert_eq!(
        o.call("DELETE", &format!("{CA}/apps/a1"), None),
        (
            409,
            "Cannot delete parent without deleting child references first\n".into()
        )
    );

    // Controllers and DIGs.
    assert_eq!(
        o.call(
            "POST",
            "controllers",
            Some(json!({"metadata": {"name": "rsync"}, "spec": {"host": "h", "port": 9031}}))
        )
        .0,
        201
    );
    let dig = json!({"metadata": {"name": "dig"}, "spec": {"compositeProfile": "cp", "version": "r1", "logicalCloud": "lc"}});
    let digs = format!("{CA}/deployment-intent-groups");
    let (code, body) = o.call("POST", &digs, Some(dig.clone()));
    assert_eq!(code, 201, "{body}");
    assert_eq!(json(&body)["spec"]["overrideValues"], Value::Null);
    assert_eq!(
        o.call("POST", &digs, Some(dig.clone())),
        (409, "Intent already exists\n".into())
    );
    assert_eq!(
        o.call("PUT", &format!("{digs}/dig"), Some(dig.clone())).0,
        200
    );
    assert_eq!(o.call("POST", &format!("{digs}/dig/approve"), None).0, 202);
    assert_eq!(
        o.call("PUT", &format!("{digs}/dig"), Some(dig)),
        (
            409,
            "The specified DeploymentIntentGroup is not in Created status\n".into()
        )
    );
    assert_eq!(
        o.call("POST", &format!("{digs}/nope/approve"), None),
        (404, "DeploymentIntentGroup not found\n".into())
    );
    // The composite profile is referenced by the DIG.
    assert_eq!(
        o.call(
            "DELETE",
            &format!("{CA}/composite-profiles/cp/profiles/a1-p"),
            None
        )
        .0,
        204
    );
    assert_eq!(
        o.call("DELETE", &format!("{CA}/composite-profiles/cp"), None),
        (
            409,
            "Cannot delete without deleting or updating referencing resources first\n".into()
        )
    );

    // Placement intents and their fixed validation texts.
    let gpi = format!("{digs}/dig/generic-placement-intents");
    assert_eq!(
        o.call(
            "POST",
            &gpi,
            Some(json!({"metadata": {"name": "g"}, "spec": {"logicalCloud": "x"}}))
        )
        .0,
        201
    );
    let ai = |intent: Value| json!({"metadata": {"name": "ai"}, "spec": {"app": "a1", "intent": intent}});
    assert_eq!(
        o.call(
            "POST",
            &format!("{gpi}/g/app-intents"),
            Some(ai(json!({"allOf": [{"cluster": "c"}]})))
        ),
        (400, "Missing clusterProvider in an intent\n".into())
    );
    assert_eq!(
        o.call(
            "POST",
            &format!("{gpi}/g/app-intents"),
            Some(ai(
                json!({"allOf": [{"clusterProvider": "p", "cluster": "c", "clusterLabel": "l"}]})
            ))
        ),
        (
            400,
            "Only one of cluster name or cluster label allowed\n".into()
        )
    );
    let (code, body) = o.call(
        "POST",
        &format!("{gpi}/g/app-intents"),
        Some(ai(
            json!({"allOf": [{"clusterProvider": "p", "clusterLabel": "edge"}]}),
        )),
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(
        json(&body),
        json!({"metadata": {"name": "ai"}, "spec": {"app": "a1", "intent": {"allOf": [{"clusterProvider": "p", "clusterLabel": "edge"}]}}})
    );
    let q = json(
        &o.call(
            "GET",
            &format!("{gpi}/g/app-intents/?app=a1&app-name=a1"),
            None,
        )
        .1,
    );
    assert_eq!(q["app"], "a1");

    // Intents map and its list shape; the controller it names is referenced.
    let intents = format!("{digs}/dig/intents");
    assert_eq!(
        o.call("GET", &intents, None),
        (200, "{\"intent\":null}\n".into())
    );
    assert_eq!(o.call("POST", &intents, Some(json!({"metadata": {"name": "i"}, "spec": {"intent": {"genericPlacementIntent": "g", "rsync": "x"}}}))).0, 201);
    assert_eq!(
        json(&o.call("GET", &intents, None).1),
        json!({"intent": [{"genericPlacementIntent": "g", "rsync": "x"}]})
    );
    assert_eq!(
        o.call("DELETE", "controllers/rsync", None),
        (
            409,
            "Cannot delete without deleting or updating referencing resources first\n".into()
        )
    );
    // The DIG still has children.
    assert_eq!(
        o.call("DELETE", &format!("{digs}/dig"), None),
        (
            409,
            "Cannot delete parent without deleting child references first\n".into()
        )
    );
}

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
