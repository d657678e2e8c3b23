//! The commands (`apply`, `get`, `update`, `delete`, `status`, `watch`) as library functions
//! with an output sink.

pub mod apply;
pub mod delete;
pub mod get;
pub mod rules;
mod runner;
pub mod status;
pub mod update;
pub mod watch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::client::{Client, ClientBuildError, ClientOptions};
use crate::config::{Config, ConfigError};
use crate::resource::{Document, ResourceError, parse_documents};
use crate::template::{self, TemplateError};

pub use apply::run_apply;
pub use delete::{run_delete, run_delete_waiting};
pub use get::run_get;
pub use status::{StatusFormat, StatusOptions, run_status};
pub use update::run_update;
pub use watch::run_watch;

/// A configuration and a client: what every command needs.
#[derive(Debug, Clone)]
pub struct Session {
    config: Config,
    client: Client,
    base_dir: PathBuf,
}

impl Session {
    pub fn new(config: Config, options: ClientOptions) -> Result<Session, ClientBuildError> {
        Ok(Session {
            config,
            client: Client::new(options)?,
            base_dir: PathBuf::from("."),
        })
    }

    /// Resolves relative `file`/`files` paths of resource documents against `dir`
    /// (default: the current directory, as EMCO does).
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Session {
        self.base_dir = dir.into();
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }
}

/// A resource file and its optional template values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInput {
    pub file: PathBuf,
    pub values: Option<PathBuf>,
}

/// What a command works on: the documents of a file, or one anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(FileInput),
    Anchor(String),
}

/// Options of `apply`, `update` and `delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    pub target: Target,
    /// `-s`: stop at the first API error.
    pub stop_on_error: bool,
    /// `-w`: sleep after every 202.
    pub wait: Duration,
}

impl ApplyOptions {
    pub fn file(file: impl Into<PathBuf>) -> ApplyOptions {
        ApplyOptions {
            target: Target::File(FileInput {
                file: file.into(),
                values: None,
            }),
            stop_on_error: false,
            wait: Duration::ZERO,
        }
    }

    pub fn anchor(anchor: impl Into<String>) -> ApplyOptions {
        ApplyOptions {
            target: Target::Anchor(anchor.into()),
            stop_on_error: false,
            wait: Duration::ZERO,
        }
    }
}

/// How `get` prints what it fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GetFormat {
    /// EMCO's per-call block.
    #[default]
    Emco,
    /// Only the body, as pretty JSON.
    Json,
    /// Only the body, as YAML.
    Yaml,
}

/// Options of `get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOptions {
    pub target: Target,
    pub format: GetFormat,
}

/// One logical call a command made (or could not make).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub method: String,
    pub anchor: String,
    /// `None` when no URL could be formed.
    pub url: Option<String>,
    /// The last HTTP status; `None` when there was no answer.
    pub status: Option<u16>,
    pub body: String,
    pub attempts: u32,
    pub ok: bool,
    /// How a reissue was confirmed or rejected.
    pub note: Option<String>,
    /// Why the call got no answer or was not sent.
    pub error: Option<String>,
}

/// What a command did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub records: Vec<CallRecord>,
    pub succeeded: usize,
    pub failed: usize,
    /// Documents skipped by the command's rules.
    pub skipped: usize,
    /// The command stopped early (`-s`, or an error that is not an API error).
    pub stopped: bool,
}

impl Summary {
    /// Every call succeeded.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }

    /// emcoctl's exit code for this summary: 0 when every call succeeded, else 1.
    pub fn exit_code(&self) -> u8 {
        if self.ok() { 0 } else { 1 }
    }
}

/// Errors that end a command before or outside its calls (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("Error reading file {path}: {message}")]
    ReadInput { path: PathBuf, message: String },
    #[error(transparent)]
    Resource(#[from] ResourceError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A needed service is not configured (EMCO's `Fatal: No ... Information`).
    #[error(transparent)]
    Fatal(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
}

/// Reads, renders (with values) and parses a resource file.
pub fn load_documents(input: &FileInput) -> Result<Vec<Document>, CommandError> {
    let text = std::fs::read_to_string(&input.file).map_err(|e| CommandError::ReadInput {
        path: input.file.clone(),
        message: e.to_string(),
    })?;
    let text = match &input.values {
        Some(values) => {
            let values = template::load_values(values)?;
            template::render(&input.file, &text, &values)?
        }
        None => text,
    };
    Ok(parse_documents(&text)?)
}
