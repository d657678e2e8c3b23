//! Named failure points for the resilience harness, compiled in only with `--features failpoints`.
//!
//! A point is configured with the `fail` crate's syntax, through the `FAILPOINTS` environment
//! variable at start (`orchestrator.dig_approve.after_commit=return(exit)`). Actions:
//! `return(error)` answers 500, `return(exit)` ends the process at that instant, `pause` blocks
//! the request until the point is turned `off` (pair it with a SIGKILL for "in flight").

use super::error::ApiError;

#[cfg(feature = "failpoints")]
pub fn hit(name: &str) -> Result<(), ApiError> {
    fail::fail_point!(name, |arg: Option<String>| {
        match arg.as_deref() {
            Some("exit") => {
                tracing::warn!(failpoint = name, "failpoint: exiting");
                std::process::exit(86)
            }
            _ => Err(ApiError::internal(format!("failpoint {name} triggered"))),
        }
    });
    Ok(())
}

#[cfg(not(feature = "failpoints"))]
#[inline]
pub fn hit(_name: &str) -> Result<(), ApiError> {
    Ok(())
}
