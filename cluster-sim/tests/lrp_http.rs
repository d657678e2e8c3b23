//! The BBS lifecycle API over HTTP: BBS field names, `error` objects on refusal.

mod common;

use std::time::Duration;

use emco_cluster_sim::lrp::ActualLrpKey;
use serde_json::{Value, json};

const GUID: &str = "proc-1";

fn key() -> ActualLrpKey {
    ActualLrpKey {
        process_guid: GUID.into(),
        index: 0,
        domain: "d".into(),
    }
}

async fn bbs(url: &str, op: &str, body: Value) -> Value {
    common::http()
        .post(format!("{url}/v1/actual_lrps/{op}"))
        .json(&body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn http_endpoints_use_bbs_fields_and_errors() {
    let s = common::start_with(|o| o.start_delay = Duration::from_secs(3600)).await;
    let url = s.sim.url();
    s.sim.cluster.lrps.desire(key(), None);
    let k = json!({"process_guid": GUID, "index": 0, "domain": "d"});
    let a = json!({"instance_guid": "ig-a", "cell_id": "cell-0"});
    let b = json!({"instance_guid": "ig-b", "cell_id": "cell-1"});
    let r = bbs(
        &url,
        "claim",
        json!({"process_guid": GUID, "index": 0, "actual_lrp_instance_key": a}),
    )
    .await;
    assert!(r.get("error").is_none(), "{r}");
    let r = bbs(
        &url,
        "claim",
        json!({"process_guid": GUID, "index": 0, "actual_lrp_instance_key": b}),
    )
    .await;
    assert_eq!(r["error"]["type"], "ActualLRPCannotBeClaimed");
    let net = json!({"address": "10.0.0.10", "ports": [{"container_port": 8080, "host_port": 61001}], "instance_address": "10.244.0.5"});
    for op in ["start.r1", "start"] {
        let r = bbs(
            &url,
            op,
            json!({"actual_lrp_key": k, "actual_lrp_instance_key": a, "actual_lrp_net_info": net}),
        )
        .await;
        assert!(r.get("error").is_none(), "{op}: {r}");
    }
    let list = bbs(&url, "list", json!({"process_guid": GUID})).await;
    let lrp = &list["actual_lrps"][0];
    assert_eq!(
        (
            lrp["state"].as_str(),
            lrp["presence"].as_str(),
            lrp["cell_id"].as_str()
        ),
        (Some("RUNNING"), Some("ORDINARY"), Some("cell-0"))
    );
    assert_eq!(lrp["instance_address"], "10.244.0.5");
    for op in ["evacuate_running.r1", "evacuate_running"] {
        let r = bbs(
            &url,
            op,
            json!({"actual_lrp_key": k, "actual_lrp_instance_key": a, "actual_lrp_net_info": net}),
        )
        .await;
        assert_eq!(r["keep_container"], true, "{op}: {r}");
    }
    let r = bbs(
        &url,
        "remove_evacuating",
        json!({"actual_lrp_key": k, "actual_lrp_instance_key": b}),
    )
    .await;
    assert_eq!(r["error"]["type"], "ActualLRPCannotBeRemoved");
    let r = bbs(
        &url,
        "evacuate_stopped",
        json!({"actual_lrp_key": k, "actual_lrp_instance_key": a}),
    )
    .await;
    assert_eq!(r["keep_container"], false);
    let r = bbs(
        &url,
        "evacuate_claimed",
        json!({"actual_lrp_key": k, "actual_lrp_instance_key": a}),
    )
    .await;
    assert_eq!(r["keep_container"], false);
    let r = bbs(
        &url,
        "evacuate_crashed",
        json!({"actual_lrp_key": k, "actual_lrp_instance_key": b, "error_message": "x"}),
    )
    .await;
    assert_eq!(r["error"]["type"], "ResourceNotFound");
    let r = bbs(
        &url,
        "fail",
        json!({"actual_lrp_key": k, "error_message": "no cell"}),
    )
    .await;
    assert!(r.get("error").is_none(), "{r}");
    let r = bbs(
        &url,
        "crash",
        json!({"actual_lrp_key": k, "actual_lrp_instance_key": a, "error_message": "x"}),
    )
    .await;
    assert_eq!(r["error"]["type"], "ActualLRPCannotBeCrashed");
    let r = bbs(&url, "remove", json!({"process_guid": GUID, "index": 0})).await;
    assert!(r.get("error").is_none(), "{r}");
    let r = bbs(&url, "remove", json!({"process_guid": GUID, "index": 0})).await;
    assert_eq!(r["error"]["type"], "ResourceNotFound");
    let r = common::http()
        .post(format!("{url}/v1/actual_lrps/claim"))
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let r: Value = r.json().await.expect("json");
    assert_eq!(r["error"]["type"], "InvalidRequest");
    s.sim.shutdown().await;
}
