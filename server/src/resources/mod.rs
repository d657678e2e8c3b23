//! Stored EMCO resources: the kind table, key layout, uploads and the generic CRUD engine.

pub mod engine;
pub mod keys;
pub mod kind;
pub mod path;
pub mod upload;

use std::sync::Arc;

use axum::http::Method;

use crate::http::service::Routes;
use kind::Kind;

/// Adds a kind's collection and item routes.
pub fn register(routes: &mut Routes, kind: Kind) {
    let kind = Arc::new(kind);
    let name = kind.name;
    routes.add(
        kind.collection.clone(),
        &format!("{name}.list"),
        Method::GET,
        Arc::new(engine::List(kind.clone())),
    );
    routes.add(
        kind.collection.clone(),
        &format!("{name}.create"),
        Method::POST,
        Arc::new(engine::Create(kind.clone())),
    );
    routes.add(
        kind.item.clone(),
        &format!("{name}.get"),
        Method::GET,
        Arc::new(engine::Get(kind.clone())),
    );
    if kind.put.is_some() {
        routes.add(
            kind.item.clone(),
            &format!("{name}.put"),
            Method::PUT,
            Arc::new(engine::Put(kind.clone())),
        );
    }
    routes.add(
        kind.item.clone(),
        &format!("{name}.delete"),
        Method::DELETE,
        Arc::new(engine::Delete(kind)),
    );
}
