//! EMCO REST API behaviour of the real orchestrator process: bodies, codes, error texts, PUT
//! rules, uploads, referential integrity and DIG approval.

mod support;

use serde_json::{Value, json};
use support::api::{Api, json, tgz};
use support::{Stack, http};

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
