//! The store contract: the test suite every [`Store`](crate::Store) backend must pass.
//!
//! Each case is an async function. Single-process cases take a store that nothing else uses
//! and that no earlier case has written to (revision checks count exact steps); multi-process
//! cases take a store URL (for [`crate::open`]) and a [`ChildLauncher`] that starts this
//! program again in a child role. A backend's test file runs every case, as
//! `tests/sqlite_contract.rs` does for SQLite:
//!
//! ```ignore
//! #[test]
//! fn child_process_entry() {
//!     // In a child started by a multi-process case this runs the role and exits.
//!     emco_store::contract::run_child_role();
//! }
//!
//! #[tokio::test]
//! async fn kv_basics() -> Result<(), emco_store::contract::ContractError> {
//!     emco_store::contract::put_get_delete(fresh_store().await).await
//! }
//! ```

use std::time::Duration;

use futures::StreamExt;

use crate::{EventKind, Revision, StoreError, WatchEvent, WatchStream};

/// Fails the case with a formatted message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::contract::ContractError::Violated(format!($($fmt)+)));
        }
    };
}

/// Fails the case, showing both sides, unless they are equal.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($fmt:tt)+) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err($crate::contract::ContractError::Violated(format!(
                "{}: got {:?}, want {:?}",
                format!($($fmt)+),
                left,
                right
            )));
        }
    }};
}

mod child;
mod compare;
mod kv;
mod processes;
mod watch;

pub use child::{ChildLauncher, ROLE_ENV, run_child_role};
pub use compare::{atomicity, compares};
pub use kv::{invalid_requests, put_get_delete, range_and_prefix_delete, revisions};
pub use processes::{
    concurrent_writers, sigkill_during_transactions, watcher_resumes_after_restart,
};
pub use watch::{
    watch_compaction, watch_history_then_live, watch_long_history, watch_prefix_isolation,
};

/// How long any single wait of a case may take before the case fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Why a contract case failed.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// A store call failed where it should have succeeded.
    #[error("{context}: {source}")]
    Store {
        context: String,
        #[source]
        source: StoreError,
    },
    /// The store answered, but not as the contract says.
    #[error("contract violated: {0}")]
    Violated(String),
    /// A child process could not be started or misbehaved.
    #[error("child process: {0}")]
    Child(String),
}

/// The result of one case.
pub type ContractResult<T = ()> = Result<T, ContractError>;

/// Adds what was being done to a store error.
trait Context<T> {
    fn ctx(self, context: impl Into<String>) -> ContractResult<T>;
}

impl<T> Context<T> for Result<T, StoreError> {
    fn ctx(self, context: impl Into<String>) -> ContractResult<T> {
        self.map_err(|source| ContractError::Store {
            context: context.into(),
            source,
        })
    }
}

/// A comparable digest of an event: kind, key, revision, value.
pub(crate) type Seen = (EventKind, String, Revision, Vec<u8>);

pub(crate) fn seen(event: &WatchEvent) -> Seen {
    (
        event.kind.clone(),
        event.kv.key.clone(),
        event.kv.mod_revision,
        event.kv.value.clone(),
    )
}

pub(crate) fn put(key: &str, revision: Revision, value: &str) -> Seen {
    (
        EventKind::Put,
        key.to_owned(),
        revision,
        value.as_bytes().to_vec(),
    )
}

pub(crate) fn delete(key: &str, revision: Revision) -> Seen {
    (EventKind::Delete, key.to_owned(), revision, Vec::new())
}

/// The next `n` events of `stream`, failing after [`DEADLINE`].
pub(crate) async fn take_events(
    stream: &mut WatchStream,
    n: usize,
    what: &str,
) -> ContractResult<Vec<WatchEvent>> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut events = Vec::with_capacity(n);
    while events.len() < n {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                return Err(ContractError::Violated(format!(
                    "{what}: only {} of {n} events arrived within {DEADLINE:?}",
                    events.len()
                )));
            }
            Ok(None) => {
                return Err(ContractError::Violated(format!(
                    "{what}: the watch ended after {} of {n} events",
                    events.len()
                )));
            }
            Ok(Some(item)) => events.push(item.ctx(what.to_owned())?),
        }
    }
    Ok(events)
}
