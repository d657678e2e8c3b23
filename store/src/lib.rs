//! The shared store of the bundled EMCO services: etcd's data model over an embedded SQLite file
//! that several processes share (and, later, over etcd itself).
//!
//! # What
//! A key-value store with etcd's semantics, behind the backend-neutral [`Store`] trait:
//! - keys are UTF-8 strings, values are bytes, ranges and watches select keys by prefix;
//! - a store-wide [`Revision`] counts writing transactions: every transaction that changes
//!   something gets exactly one new revision, and every key remembers the revision that created
//!   it (`create_revision`), last changed it (`mod_revision`) and how many puts it has seen
//!   since its creation (`version`);
//! - [`Txn`] is etcd's compare-and-swap transaction: if all [`Compare`]s hold, the success
//!   [`Op`]s run, else the failure ops, atomically;
//! - [`Store::watch`] streams the changes under a prefix from any revision still in the history,
//!   then live ones; [`Store::compact`] drops old history.
//!
//! Open a store with [`open`] (`"sqlite:PATH"`). [`contract`] is the test suite every backend
//! must pass.
//!
//! # Why etcd's semantics
//! Every EMCO service is stateless and may be killed at any instant; desired state lives in the
//! store and reconcilers act on it. That needs three things that etcd provides and a plain
//! key-value map does not: compare-and-swap transactions (one API call = one atomic
//! transaction, with conflict detection through `mod_revision`), a revision to resume from, and
//! watches that replay everything after that revision. Using etcd's model exactly means a
//! scaled-out deployment can swap in a real etcd cluster without changing a single caller.
//!
//! # How several processes share one SQLite file
//! [`sqlite::SqliteStore`] keeps three tables: `kv` (the current keys), `log` (one row per
//! change: key, put/delete, value and the previous version, with an id that encodes the
//! revision and the change's place in its transaction) and `meta` (the compaction point).
//! - **WAL mode** lets readers in every process read a consistent snapshot while one writer
//!   commits. Each process reads through a small pool of connections and writes through one
//!   connection owned by a write thread, which commits the transactions queued at that moment
//!   together (group commit; each still gets its own revision).
//! - **Writes use `BEGIN IMMEDIATE`**, which takes SQLite's write lock before reading anything,
//!   so writers in different processes serialize and a transaction's compares see the latest
//!   committed state. The revision is derived inside that transaction from the newest `log`
//!   row (never kept in memory), so revisions stay unique and gap-free across processes. A
//!   writer waits for another process's lock with short, jittered sleeps; one that waits longer
//!   than the busy timeout gets [`StoreError::Unavailable`] (transient).
//! - **Durability**: `synchronous=NORMAL` in WAL mode writes each commit to the WAL file before
//!   the commit returns, without an fsync. A killed process (even SIGKILL) therefore loses
//!   nothing it committed: the data is in the operating system's page cache and the next
//!   opener replays the WAL. Only a power loss or kernel crash can roll back the latest commits,
//!   and even then the file stays consistent: a transaction is all there or not at all.
//! - **Watches**: SQLite cannot notify other processes, so each process with watchers polls the
//!   current revision every few milliseconds (see [`sqlite::SqliteOptions::poll_interval`]) and,
//!   when it moved, every watcher reads the new `log` rows under its prefix. Commits made by the
//!   same process wake its watchers at once.
//! - **History** grows until [`Store::compact`] drops it; whoever runs the store decides how
//!   much to keep (watchers that fall behind the compaction point get
//!   [`StoreError::Compacted`] and must re-read with [`Store::range`]).

pub mod contract;
mod error;
mod event;
mod kv;
pub mod sqlite;
mod store;
mod txn;

use std::sync::Arc;

pub use error::StoreError;
pub use event::{EventKind, WatchEvent, WatchStream};
pub use kv::{KeyValue, RangeResponse, Revision, prefix_end};
pub use store::Store;
pub use txn::{Compare, Op, Txn, TxnResponse};

/// Opens the store named by `url`.
///
/// Supported: `sqlite:PATH` (also `sqlite://PATH`), which creates the file, its parent
/// directories and the schema when missing.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match parse_url(url)? {
        Location::Sqlite(path) => Ok(Arc::new(sqlite::SqliteStore::open(path).await?)),
    }
}

#[derive(Debug, PartialEq)]
enum Location {
    Sqlite(std::path::PathBuf),
}

fn parse_url(url: &str) -> Result<Location, StoreError> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(StoreError::InvalidArgument(format!(
            "store URL {url:?} has no scheme; expected sqlite:PATH"
        )));
    };
    match scheme {
        "sqlite" => {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::InvalidArgument(format!(
                    "store URL {url:?} names no file; expected sqlite:PATH"
                )));
            }
            Ok(Location::Sqlite(path.into()))
        }
        other => Err(StoreError::InvalidArgument(format!(
            "store URL {url:?} has unsupported scheme {other:?}; supported: sqlite:PATH"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_path() {
        assert_eq!(
            parse_url("sqlite:/tmp/x.db").ok(),
            Some(Location::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            parse_url("sqlite:///tmp/x.db").ok(),
            Some(Location::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            parse_url("sqlite:data/x.db").ok(),
            Some(Location::Sqlite("data/x.db".into()))
        );
    }

    #[test]
    fn bad_urls_are_explained() {
        for (url, needle) in [
            ("etcd://127.0.0.1:2379", "unsupported scheme"),
            ("/tmp/x.db", "no scheme"),
            ("sqlite:", "names no file"),
        ] {
            match parse_url(url) {
                Err(StoreError::InvalidArgument(text)) => assert!(text.contains(needle), "{text}"),
                other => panic!("{url}: expected InvalidArgument, got {other:?}"),
            }
        }
    }
}
