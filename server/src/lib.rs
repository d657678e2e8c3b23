//! The bundled EMCO server: orchestrator, clm, dcm and rsync as separate, killable processes
//! that share one store, with EMCO's REST API.
//!
//! Data flows `handler (validate -> one store transaction) -> store -> reconciler`. Handlers
//! keep no state between calls, so any process can be killed at any instant and restarted.

pub mod clm;
pub mod cmd;
pub mod dcm;
pub mod deploy;
pub mod http;
pub mod orchestrator;
pub mod resources;
pub mod rsync;
pub mod schema;
pub mod services;
pub mod state;
pub mod status;
