//! Status of deployment intent groups and logical clouds: reading it (`status`), following it
//! (`watch`), and waiting for a state (`status --wait-for`, `apply --wait`).
//!
//! `subject` names whose status, `query` the parameters, `doc` reads the JSON, `table` renders
//! it, `target` judges it against a wanted state, `follow` tracks changes (stream or polling),
//! `progress` shows a wait, `wait` runs one, `report` tells how it ended, `fetch` reads once, `pretty` prints JSON/YAML in
//! the server's field order.

pub mod doc;
pub mod fetch;
pub mod follow;
pub mod pretty;
pub mod progress;
pub mod query;
pub mod report;
pub mod subject;
pub mod table;
pub mod target;
pub mod wait;

pub use fetch::{Fetched, fetch, fetch_status};
pub use progress::{BarProgress, LineProgress, Progress};
pub use query::{OutputMode, StatusMode, StatusQuery};
pub use report::report;
pub use subject::{Subject, SubjectError, SubjectKind};
pub use target::{TargetError, WaitTarget};
pub use wait::{WaitOutcome, WaitRequest, wait, wait_for};

use crate::client::CallError;
use crate::routing::RouteError;

/// Why a status could not be read, followed or waited for.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Subject(#[from] SubjectError),
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The service is not configured (fatal), or the anchor has no service.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// No answer within the client's retry budget.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The server refused the request (the DIG or cloud does not exist, a bad filter, ...).
    #[error("GET {url}: HTTP {status}: {text}")]
    Api {
        url: String,
        status: u16,
        text: String,
    },
    #[error("GET {url}: the answer is not JSON: {reason}")]
    NotJson { url: String, reason: String },
    #[error("following the status of {0} stopped unexpectedly")]
    Stopped(String),
    #[error("{0}")]
    Usage(String),
}

impl StatusError {
    /// emcoctl's exit code: 2 for a command line that cannot work, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            StatusError::Subject(_) | StatusError::Target(_) | StatusError::Usage(_) => 2,
            _ => 1,
        }
    }
}
