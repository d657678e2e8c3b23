//! The orchestrator service (port 9015): composite applications, their profiles and intents,
//! the controller registry, and DIG lifecycle and status.

pub mod hooks;
pub mod kinds;
pub mod lifecycle;

use std::sync::Arc;

use axum::http::Method;

use crate::http::service::Routes;
use crate::resources::path::Pattern;
use crate::resources::register;

pub fn routes() -> Routes {
    let mut routes = Routes::default();
    for kind in kinds::kinds() {
        register(&mut routes, kind);
    }
    let dig = Pattern::parse(kinds::DIG);
    routes.add(
        dig.join("approve"),
        "dig_approve",
        Method::POST,
        Arc::new(lifecycle::Approve),
    );
    routes.add(
        dig.join("status"),
        "dig_status",
        Method::GET,
        Arc::new(crate::status::DigStatus),
    );
    routes.add(
        dig.join("instantiate"),
        "dig_instantiate",
        Method::POST,
        Arc::new(crate::deploy::dig::Instantiate),
    );
    routes.add(
        dig.join("terminate"),
        "dig_terminate",
        Method::POST,
        Arc::new(crate::deploy::dig::Terminate),
    );
    routes.add(
        dig.join("stop"),
        "dig_stop",
        Method::POST,
        Arc::new(crate::deploy::dig::Stop),
    );
    routes.add(
        dig.join("update"),
        "dig_update",
        Method::POST,
        Arc::new(crate::deploy::dig::Update),
    );
    routes.add(
        dig.join("rollback"),
        "dig_rollback",
        Method::POST,
        Arc::new(crate::deploy::dig::Rollback),
    );
    // EMCO's query routes carry a trailing slash: `.../app-intents/?app=` and `.../intents/?intent=`.
    register_trailing(
        &mut routes,
        &format!(
            "{}/generic-placement-intents/{{genericPlacementIntent}}/app-intents",
            kinds::DIG
        ),
    );
    register_trailing(&mut routes, &format!("{}/intents", kinds::DIG));
    routes
}

/// Serves `<collection>/` with the collection's GET (its hooks answer the query forms).
fn register_trailing(routes: &mut Routes, collection: &str) {
    let pattern = Pattern::parse(collection);
    let found = routes
        .routes
        .iter()
        .find(|r| r.pattern == pattern)
        .and_then(|r| {
            r.handlers
                .iter()
                .find(|(m, _, _)| *m == Method::GET)
                .map(|(_, op, h)| (op.clone(), h.clone()))
        });
    if let Some((op, handler)) = found {
        routes.add(
            Pattern::parse(&format!("{collection}/")),
            &op,
            Method::GET,
            handler,
        );
    }
}
