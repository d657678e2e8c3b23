//! The embedded backend: one SQLite file in WAL mode, shared by every process that opens it.
//!
//! Each process holds one write connection, owned by a write thread that commits queued
//! transactions in groups (then waits on SQLite's file lock against other processes), and a
//! small pool of read connections used on tokio's blocking threads, so reads never wait behind
//! writes.

mod connection;
mod read;
mod watch;
mod write;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::{KeyValue, RangeResponse, Revision, Store, StoreError, Txn, TxnResponse, WatchStream};

/// Tuning of a [`SqliteStore`].
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// How long a write waits for another process's write lock before failing with
    /// [`StoreError::Unavailable`].
    pub busy_timeout: Duration,
    /// How often a process with watchers looks for commits made by other processes; the upper
    /// bound of cross-process watch latency (same-process commits wake watchers at once).
    pub poll_interval: Duration,
    /// Read connections kept open; at most this many reads run at the same time.
    pub read_connections: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(10),
            read_connections: 4,
        }
    }
}

/// The SQLite backend of [`Store`]; cheap to clone (clones share connections).
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: SqliteOptions,
    writer: writer::Writer,
    idle_readers: Mutex<Vec<Connection>>,
    read_permits: Arc<Semaphore>,
    /// The latest revision this process knows of; watchers wait for it to move.
    changes: tokio::sync::watch::Sender<Revision>,
    poller: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// [`SqliteStore::open`] with explicit tuning.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if path.as_os_str() == ":memory:" {
            return Err(StoreError::InvalidArgument(
                "an in-memory SQLite database cannot be shared between connections; name a file"
                    .into(),
            ));
        }
        let read_connections = options.read_connections.max(1);
        // A zero period would make the poller's interval panic.
        let options = SqliteOptions {
            poll_interval: options.poll_interval.max(Duration::from_millis(1)),
            ..options
        };
        let (setup_path, setup_options) = (path.clone(), options.clone());
        let (writer, reader, revision) = blocking(move || {
            let (path, options) = (setup_path, setup_options);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Other(format!("creating directory {}: {e}", parent.display()))
                })?;
            }
            let writer = connection::open_writer(&path, &options)?;
            let reader = connection::open_reader(&path, &options)?;
            let revision = read::revision(&reader)?;
            Ok((writer, reader, revision))
        })
        .await?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                options,
                writer: writer::Writer::start(writer)?,
                idle_readers: Mutex::new(vec![reader]),
                read_permits: Arc::new(Semaphore::new(read_connections)),
                changes: tokio::sync::watch::Sender::new(revision),
                poller: Mutex::new(None),
            }),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

/// Runs blocking SQLite work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("a store worker thread failed: {e}")))?
}

impl Inner {
    /// Runs `f` on a pooled read connection.
    async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = Arc::clone(&self.read_permits)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(format!("read pool closed: {e}")))?;
        let inner = Arc::clone(self);
        blocking(move || {
            let _permit = permit;
            let pooled = inner.lock_idle().pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => connection::open_reader(&inner.path, &inner.options)?,
            };
            let result = f(&mut conn);
            inner.lock_idle().push(conn);
            result
        })
        .await
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock cannot leave the Vec half-updated.
        self.idle_readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that the store reached `revision`, waking watchers if that is news.
    fn publish(&self, revision: Revision) {
        self.changes.send_if_modified(|known| {
            let newer = revision > *known;
            if newer {
                *known = revision;
            }
            newer
        });
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError> {
        let key = key.to_owned();
        self.inner.read(move |conn| read::get(conn, &key)).await
    }

    async fn range(&self, prefix: &str) -> Result<RangeResponse, StoreError> {
        let prefix = prefix.to_owned();
        self.inner
            .read(move |conn| read::range(conn, &prefix))
            .await
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse, StoreError> {
        let resp = self.inner.writer.txn(txn).await?;
        self.inner.publish(resp.revision);
        Ok(resp)
    }

    async fn watch(
        &self,
        prefix: &str,
        from_revision: Revision,
    ) -> Result<WatchStream, StoreError> {
        watch::start(&self.inner, prefix, from_revision).await
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        self.inner.read(|conn| read::revision(conn)).await
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.inner.writer.compact(revision).await
    }
}
