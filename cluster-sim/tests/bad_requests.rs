//! Bad input gets a Kubernetes Status error with the right reason and code, never a panic.

mod common;

use reqwest::Method;
use serde_json::{Value, json};

async fn call(url: &str, method: Method, path: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
    let r = common::http()
        .request(method, format!("{url}{path}"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("request");
    let code = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn assert_status(got: &(u16, Value), code: u16, reason: &str) {
    let (c, v) = got;
    assert_eq!(*c, code, "{v}");
    assert_eq!(v["kind"], "Status", "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["reason"], reason, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

#[tokio::test]
async fn bad_requests_are_status_errors() {
    let s = common::start().await;
    let url = s.sim.url();
    let json_ct = "application/json";
    let cms = "/api/v1/namespaces/default/configmaps";

    assert_status(
        &call(&url, Method::POST, cms, json_ct, b"{\"kind\": ".to_vec()).await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(&url, Method::POST, cms, json_ct, vec![0xff, 0xfe, 0x00]).await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(&url, Method::POST, cms, json_ct, Vec::new()).await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(&url, Method::POST, cms, json_ct, b"[1,2,3]".to_vec()).await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(
            &url,
            Method::PATCH,
            &format!("{cms}/x?fieldManager=m"),
            "application/apply-patch+yaml",
            b"a: [unclosed".to_vec(),
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(
            &url,
            Method::GET,
            "/apis/example.com/v1/widgets",
            json_ct,
            vec![],
        )
        .await,
        404,
        "NotFound",
    );
    assert_status(
        &call(&url, Method::GET, "/api/v1/nothings", json_ct, vec![]).await,
        404,
        "NotFound",
    );
    let kind_mismatch = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}});
    assert_status(
        &call(
            &url,
            Method::POST,
            cms,
            json_ct,
            kind_mismatch.to_string().into_bytes(),
        )
        .await,
        400,
        "BadRequest",
    );

    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}, "data": {"a": "1"}});
    let missing_ns = call(
        &url,
        Method::POST,
        "/api/v1/namespaces/nowhere/configmaps",
        json_ct,
        cm.to_string().into_bytes(),
    )
    .await;
    assert_status(&missing_ns, 404, "NotFound");
    assert!(
        missing_ns.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("namespaces \"nowhere\" not found"))
    );

    let (code, created) = call(
        &url,
        Method::POST,
        cms,
        json_ct,
        cm.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert_status(
        &call(
            &url,
            Method::POST,
            cms,
            json_ct,
            cm.to_string().into_bytes(),
        )
        .await,
        409,
        "AlreadyExists",
    );

    let mut stale = created.clone();
    stale["metadata"]["resourceVersion"] = json!("1");
    stale["data"]["a"] = json!("2");
    assert_status(
        &call(
            &url,
            Method::PUT,
            &format!("{cms}/c1"),
            json_ct,
            stale.to_string().into_bytes(),
        )
        .await,
        409,
        "Conflict",
    );
    let mut fresh = created.clone();
    fresh["data"]["a"] = json!("3");
    let (code, updated) = call(
        &url,
        Method::PUT,
        &format!("{cms}/c1"),
        json_ct,
        fresh.to_string().into_bytes(),
    )
    .await;
    assert_eq!(code, 200, "{updated}");
    assert_status(
        &call(
            &url,
            Method::PUT,
            &format!("{cms}/c1"),
            json_ct,
            fresh.to_string().into_bytes(),
        )
        .await,
        409,
        "Conflict",
    );

    let bad_name =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}});
    assert_status(
        &call(
            &url,
            Method::POST,
            cms,
            json_ct,
            bad_name.to_string().into_bytes(),
        )
        .await,
        422,
        "Invalid",
    );
    assert_status(
        &call(&url, Method::PUT, cms, json_ct, cm.to_string().into_bytes()).await,
        405,
        "MethodNotAllowed",
    );
    assert_status(
        &call(
            &url,
            Method::PATCH,
            &format!("{cms}/c1"),
            "text/plain",
            b"{}".to_vec(),
        )
        .await,
        415,
        "UnsupportedMediaType",
    );
    assert_status(
        &call(
            &url,
            Method::PATCH,
            &format!("{cms}/c1"),
            "application/apply-patch+yaml",
            b"kind: ConfigMap\napiVersion: v1\n".to_vec(),
        )
        .await,
        422,
        "Invalid",
    );
    assert_status(
        &call(
            &url,
            Method::GET,
            &format!("{cms}?labelSelector=a%20in%20b"),
            json_ct,
            vec![],
        )
        .await,
        400,
        "BadRequest",
    );
    assert_status(
        &call(
            &url,
            Method::DELETE,
            "/api/v1/namespaces/default",
            json_ct,
            vec![],
        )
        .await,
        403,
        "Forbidden",
    );
    assert_status(
        &call(
            &url,
            Method::DELETE,
            &format!("{cms}/c1"),
            json_ct,
            b"{\"propagationPolicy\":\"Sideways\"}".to_vec(),
        )
        .await,
        422,
        "Invalid",
    );
    assert_status(
        &call(&url, Method::GET, &format!("{cms}/absent"), json_ct, vec![]).await,
        404,
        "NotFound",
    );
    assert_status(
        &call(
            &url,
            Method::GET,
            &format!("{cms}/c1/status"),
            json_ct,
            vec![],
        )
        .await,
        404,
        "NotFound",
    );

    // Query strings as kubectl and kube send them.
    for q in [
        "?&",
        "?",
        "?timeout=32s",
        "?limit=500",
        "?&limit=500&resourceVersion=0",
    ] {
        let (code, v) = call(&url, Method::GET, &format!("{cms}{q}"), json_ct, vec![]).await;
        assert_eq!(code, 200, "{q}: {v}");
        assert_eq!(v["kind"], "ConfigMapList");
    }
    let (code, v) = call(&url, Method::GET, "/version", json_ct, vec![]).await;
    assert_eq!((code, v["major"].as_str()), (200, Some("1")));
    s.sim.shutdown().await;
}
