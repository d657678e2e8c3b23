//! Watch events: what a watcher receives for each change under its prefix.

use crate::{KeyValue, StoreError};

/// Whether a key was written or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

/// One change to one key.
///
/// For a `Delete`, `kv` holds the key, an empty value, `create_revision` and `version` 0, and
/// `mod_revision` set to the revision of the deletion (as etcd reports it).
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub kind: EventKind,
    pub kv: KeyValue,
    /// The key as it was just before this change, when it existed.
    pub prev: Option<KeyValue>,
}

impl WatchEvent {
    /// The revision of the transaction that made this change.
    pub fn revision(&self) -> crate::Revision {
        self.kv.mod_revision
    }
}

/// An endless stream of events in revision order; it ends only after an error that cannot heal
/// (such as [`StoreError::Compacted`]) or when dropped.
pub type WatchStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = Result<WatchEvent, StoreError>> + Send>>;
