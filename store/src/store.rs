//! The backend-neutral store trait, with small conveniences on top of it.

use crate::{
    Compare, KeyValue, Op, RangeResponse, Revision, StoreError, Txn, TxnResponse, WatchStream,
};

/// A key-value store with etcd's semantics.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The key, if present.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StoreError>;

    /// Every key starting with `prefix` (every key for ""), sorted by key bytes, at one revision.
    async fn range(&self, prefix: &str) -> Result<RangeResponse, StoreError>;

    /// Evaluates all compares, then runs all ops of the chosen branch, atomically. A transaction
    /// that changes anything gets exactly one new revision; one that changes nothing gets none.
    async fn txn(&self, txn: Txn) -> Result<TxnResponse, StoreError>;

    /// Changes under `prefix` with revision >= `from_revision` (values <= 1 mean "from the
    /// oldest kept"), in revision order, then live ones as they happen.
    ///
    /// Fails with [`StoreError::Compacted`] (either here or as the stream's first item) when
    /// that history has been compacted. To watch from "now" without replaying history, read
    /// `revision()` (or a `range`'s revision) first and start at that revision + 1.
    async fn watch(&self, prefix: &str, from_revision: Revision)
    -> Result<WatchStream, StoreError>;

    /// The current store revision (that of the last transaction that changed something).
    async fn revision(&self) -> Result<Revision, StoreError>;

    /// Drops the change history below `revision` (current keys are untouched). Compacting to a
    /// revision at or below an earlier compaction does nothing; past the current revision fails
    /// with [`StoreError::FutureRevision`].
    async fn compact(&self, revision: Revision) -> Result<(), StoreError>;
}

impl dyn Store {
    /// Unconditionally puts one key; returns the revision written.
    pub async fn put(
        &self,
        key: impl Into<String>,
        value: impl Into<Vec<u8>>,
    ) -> Result<Revision, StoreError> {
        Ok(self
            .txn(Txn::new().then(Op::put(key, value)))
            .await?
            .revision)
    }

    /// Creates one key if it does not exist; returns the revision written, or `None` if it existed.
    pub async fn create(
        &self,
        key: impl Into<String>,
        value: impl Into<Vec<u8>>,
    ) -> Result<Option<Revision>, StoreError> {
        let key = key.into();
        let resp = self
            .txn(
                Txn::new()
                    .when(Compare::Missing(key.clone()))
                    .then(Op::put(key, value)),
            )
            .await?;
        Ok(resp.succeeded.then_some(resp.revision))
    }

    /// Unconditionally deletes one key; returns the store revision afterwards.
    pub async fn delete(&self, key: impl Into<String>) -> Result<Revision, StoreError> {
        Ok(self.txn(Txn::new().then(Op::delete(key))).await?.revision)
    }
}
