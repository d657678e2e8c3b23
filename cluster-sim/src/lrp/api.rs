//! The BBS internal ActualLRP lifecycle API over HTTP (`POST /v1/actual_lrps/...`, JSON bodies
//! with BBS's field names; refusals are 200 with an `error` object, as BBS answers).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::db::ListFilter;
use super::{ActualLrpKey, BbsError, InstanceKey, LrpDb, NetInfo};

#[derive(Deserialize)]
struct ClaimReq {
    #[serde(default)]
    process_guid: String,
    #[serde(default)]
    index: i32,
    #[serde(default)]
    actual_lrp_instance_key: InstanceKey,
}

#[derive(Deserialize)]
struct KeyedReq {
    #[serde(default)]
    actual_lrp_key: ActualLrpKey,
    #[serde(default)]
    actual_lrp_instance_key: InstanceKey,
    #[serde(default)]
    actual_lrp_net_info: NetInfo,
    #[serde(default)]
    error_message: String,
}

#[derive(Deserialize)]
struct RemoveReq {
    #[serde(default)]
    process_guid: String,
    #[serde(default)]
    index: i32,
    #[serde(default)]
    actual_lrp_instance_key: Option<InstanceKey>,
}

type Db = Arc<LrpDb>;

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, BbsError> {
    let text = if body.is_empty() {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text)
        .map_err(|e| BbsError::invalid_request(&format!("invalid request body: {e}")))
}

fn lifecycle(r: Result<(), BbsError>) -> Json<Value> {
    match r {
        Ok(()) => Json(json!({})),
        Err(e) => Json(json!({"error": e})),
    }
}

fn evacuation(r: Result<bool, BbsError>) -> Json<Value> {
    match r {
        Ok(keep) => Json(json!({"keep_container": keep})),
        Err(e) => Json(json!({"error": e, "keep_container": false})),
    }
}

fn keyed(body: &Bytes) -> Result<KeyedReq, BbsError> {
    let r: KeyedReq = parse(body)?;
    if r.actual_lrp_key.process_guid.is_empty() {
        return Err(BbsError::invalid_request(
            "actual_lrp_key.process_guid is required",
        ));
    }
    Ok(r)
}

async fn claim(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(
        parse::<ClaimReq>(&body)
            .and_then(|r| db.claim(&r.process_guid, r.index, &r.actual_lrp_instance_key)),
    )
}

async fn start(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(keyed(&body).and_then(|r| {
        db.start(
            &r.actual_lrp_key,
            &r.actual_lrp_instance_key,
            &r.actual_lrp_net_info,
        )
    }))
}

async fn crash(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(keyed(&body).and_then(|r| {
        db.crash(
            &r.actual_lrp_key,
            &r.actual_lrp_instance_key,
            &r.error_message,
        )
    }))
}

async fn fail(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(keyed(&body).and_then(|r| db.fail(&r.actual_lrp_key, &r.error_message)))
}

async fn remove(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(
        parse::<RemoveReq>(&body)
            .and_then(|r| db.remove(&r.process_guid, r.index, r.actual_lrp_instance_key.as_ref())),
    )
}

async fn evacuate_claimed(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    evacuation(
        keyed(&body)
            .and_then(|r| db.evacuate_claimed(&r.actual_lrp_key, &r.actual_lrp_instance_key)),
    )
}

async fn evacuate_crashed(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    evacuation(keyed(&body).and_then(|r| {
        db.evacuate_crashed(
            &r.actual_lrp_key,
            &r.actual_lrp_instance_key,
            &r.error_message,
        )
    }))
}

async fn evacuate_stopped(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    evacuation(
        keyed(&body)
            .and_then(|r| db.evacuate_stopped(&r.actual_lrp_key, &r.actual_lrp_instance_key)),
    )
}

async fn evacuate_running(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    evacuation(keyed(&body).and_then(|r| {
        db.evacuate_running(
            &r.actual_lrp_key,
            &r.actual_lrp_instance_key,
            &r.actual_lrp_net_info,
        )
    }))
}

async fn remove_evacuating(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    lifecycle(
        keyed(&body)
            .and_then(|r| db.remove_evacuating(&r.actual_lrp_key, &r.actual_lrp_instance_key)),
    )
}

async fn list(AxState(db): AxState<Db>, body: Bytes) -> Json<Value> {
    match parse::<ListFilter>(&body) {
        Ok(f) => Json(json!({"actual_lrps": db.list(&f)})),
        Err(e) => Json(json!({"error": e, "actual_lrps": []})),
    }
}

/// The `/v1/actual_lrps/*` routes.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/v1/actual_lrps/claim", post(claim))
        .route("/v1/actual_lrps/start.r1", post(start))
        .route("/v1/actual_lrps/start", post(start))
        .route("/v1/actual_lrps/crash", post(crash))
        .route("/v1/actual_lrps/fail", post(fail))
        .route("/v1/actual_lrps/remove", post(remove))
        .route("/v1/actual_lrps/evacuate_claimed", post(evacuate_claimed))
        .route("/v1/actual_lrps/evacuate_crashed", post(evacuate_crashed))
        .route("/v1/actual_lrps/evacuate_stopped", post(evacuate_stopped))
        .route(
            "/v1/actual_lrps/evacuate_running.r1",
            post(evacuate_running),
        )
        .route("/v1/actual_lrps/evacuate_running", post(evacuate_running))
        .route("/v1/actual_lrps/remove_evacuating", post(remove_evacuating))
        .route("/v1/actual_lrps/list", post(list))
        .with_state(db)
}
