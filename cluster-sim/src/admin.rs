//! The admin endpoint (`/admin/...`, loopback only): faults, instance crashes, cell evacuation,
//! and a health summary, for the resilience harness.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cells::{self, CellMode};
use crate::cluster::Cluster;
use crate::faults::FaultPatch;
use crate::lrp::{ActualLrpKey, Presence};

type C = State<Arc<Cluster>>;

fn bad(code: StatusCode, msg: impl Into<String>) -> Response {
    (code, Json(json!({"error": msg.into()}))).into_response()
}

async fn faults_get(State(c): C) -> Json<Value> {
    Json(json!(c.faults.get()))
}

async fn faults_set(State(c): C, body: axum::body::Bytes) -> Response {
    let patch: FaultPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return bad(
                StatusCode::BAD_REQUEST,
                format!("invalid fault settings: {e}"),
            );
        }
    };
    match c.faults.set(patch) {
        Ok(s) => Json(json!(s)).into_response(),
        Err(e) => bad(StatusCode::BAD_REQUEST, e),
    }
}

async fn faults_reset(State(c): C) -> Json<Value> {
    Json(json!(c.faults.reset()))
}

/// Which instance to crash: by Pod, or by BBS key.
#[derive(Deserialize)]
struct CrashReq {
    namespace: Option<String>,
    name: Option<String>,
    process_guid: Option<String>,
    #[serde(default)]
    index: i32,
    #[serde(default)]
    reason: Option<String>,
}

async fn crash(State(c): C, body: axum::body::Bytes) -> Response {
    let req: CrashReq = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad(
                StatusCode::BAD_REQUEST,
                format!("invalid crash request: {e}"),
            );
        }
    };
    let guid = match (&req.process_guid, &req.namespace, &req.name) {
        (Some(g), _, _) => g.clone(),
        (None, Some(ns), Some(name)) => {
            let found = c.lrps.list(&Default::default()).into_iter().find(|l| {
                l.pod
                    .as_ref()
                    .is_some_and(|p| &p.namespace == ns && &p.name == name)
            });
            match found {
                Some(l) => l.key.process_guid,
                None => {
                    return bad(
                        StatusCode::NOT_FOUND,
                        format!("no instance for pod {ns}/{name}"),
                    );
                }
            }
        }
        _ => {
            return bad(
                StatusCode::BAD_REQUEST,
                "give process_guid, or namespace and name of a pod",
            );
        }
    };
    let key = ActualLrpKey {
        process_guid: guid,
        index: req.index,
        ..Default::default()
    };
    let Some(lrp) = c.lrps.get(&key, Presence::Ordinary) else {
        return bad(StatusCode::NOT_FOUND, "no such instance");
    };
    let reason = req
        .reason
        .unwrap_or_else(|| "crashed by the admin endpoint".into());
    match c.lrps.crash(&lrp.key, &lrp.instance_key, &reason) {
        Ok(()) => Json(json!({"actual_lrp": c.lrps.get(&key, Presence::Ordinary)})).into_response(),
        Err(e) => (StatusCode::CONFLICT, Json(json!({"error": e}))).into_response(),
    }
}

async fn cells_get(State(c): C) -> Json<Value> {
    Json(cells::describe(&c))
}

async fn cell_action(State(c): C, Path((cell, action)): Path<(String, String)>) -> Response {
    if c.cells.mode(&cell).is_none() {
        return bad(StatusCode::NOT_FOUND, format!("no cell {cell:?}"));
    }
    let affected = match action.as_str() {
        "evacuate" => cells::evacuate(&c, &cell),
        "lose" => {
            c.cells.set_mode(&cell, CellMode::Lost);
            c.lrps.cell_lost(&cell)
        }
        "restore" => {
            c.cells.set_mode(&cell, CellMode::Active);
            c.lrps.retry_placement()
        }
        other => {
            return bad(
                StatusCode::NOT_FOUND,
                format!("unknown cell action {other:?}: evacuate, lose or restore"),
            );
        }
    };
    Json(json!({"cell": cell, "mode": c.cells.mode(&cell), "instances": affected})).into_response()
}

async fn converge(State(c): C) -> Json<Value> {
    Json(json!({"restarted": c.lrps.converge()}))
}

async fn health(State(c): C) -> Json<Value> {
    Json(json!({
        "name": c.name,
        "objects": c.store.len(),
        "resourceVersion": c.store.current_rv().to_string(),
        "faults": c.faults.get(),
    }))
}

pub fn router(c: Arc<Cluster>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route(
            "/faults",
            get(faults_get)
                .put(faults_set)
                .post(faults_set)
                .patch(faults_set)
                .delete(faults_reset),
        )
        .route("/instances/crash", post(crash))
        .route("/instances/converge", post(converge))
        .route("/cells", get(cells_get))
        .route("/cells/{cell}/{action}", post(cell_action))
        .with_state(c)
}
