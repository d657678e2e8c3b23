//! emcoctl: EMCO's command-line client, compatible with EMCO's own `emcoctl`, that rides
//! through control-plane restarts by itself (retries, idempotent reissues, verification).
//!
//! The commands are library functions writing to an [`output::Output`] sink, so other tools
//! (the chaos harness) run operations through exactly the client code the CLI uses:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use emcoctl::{ApplyOptions, ClientOptions, Config, Session, output::Captured, run_apply};
//! let session = Session::new(Config::load(None)?, ClientOptions::default())?;
//! let mut out = Captured::default();
//! let summary = run_apply(&session, &ApplyOptions::file("projects.yaml"), &mut out).await?;
//! assert!(summary.ok(), "{}", out.stderr);
//! # Ok(()) }
//! ```
//!
//! [`status`] reads, follows and waits for the status of deployment intent groups and logical
//! clouds: [`fetch_status`] reads it once, [`wait_for`] waits for a state (riding through
//! restarts) and says how the wait ended ([`WaitOutcome`]).

pub mod chaos;
pub mod client;
pub mod commands;
pub mod config;
pub mod output;
pub mod resource;
pub mod routing;
pub mod status;
pub mod template;

pub use client::{Call, CallError, Client, ClientOptions, Reply, RetryPolicy, Verdict};
pub use commands::{
    ApplyOptions, CallRecord, CommandError, FileInput, GetFormat, GetOptions, Session,
    StatusFormat, StatusOptions, Summary, Target, run_apply, run_delete, run_delete_waiting,
    run_get, run_status, run_update, run_watch,
};
pub use config::{Config, ConfigError, Endpoint, Service};
pub use status::{
    StatusError, StatusQuery, Subject, WaitOutcome, WaitRequest, WaitTarget, fetch_status, wait,
    wait_for,
};
