//! The Kubernetes API over HTTP: discovery documents and the resource verbs.

pub mod discovery;
mod handlers;
pub mod openapi;
pub mod path;
mod watch;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::cluster::Cluster;
use crate::error::ApiError;

/// The Kubernetes API routes (everything that is not `/admin/` or `/v1/actual_lrps/`).
pub fn router(c: Arc<Cluster>) -> Router {
    Router::new().fallback(handlers::dispatch).with_state(c)
}

pub(crate) fn json_text(code: u16, body: String) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

pub(crate) fn json_value(code: u16, v: &Value) -> Response {
    json_text(code, v.to_string())
}

pub(crate) fn error_response(e: &ApiError) -> Response {
    json_value(e.code, &e.status())
}
