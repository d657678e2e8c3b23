//! Leases in the store: each AppContext is worked by one rsync process at a time, and a
//! crashed owner's work is taken over once its lease expires.
//!
//! The owner id is stable across restarts of the same process (host and listen address), so
//! a restarted rsync reclaims its own contexts at once instead of waiting for expiry.

use emco_store::{Compare, Op, Store, StoreError, Txn};
use serde::{Deserialize, Serialize};

use crate::deploy::context::keys;

/// How long a lease lasts without renewal.
pub const TTL_MS: i64 = 4000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Lease {
    pub owner: String,
    pub expires_ms: i64,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Takes or renews the lease on context `id`; Ok(false) when another live owner holds it.
pub async fn acquire(store: &dyn Store, id: &str, owner: &str) -> Result<bool, StoreError> {
    let key = keys::lease(id);
    let current = store.get(&key).await?;
    let compare = match &current {
        None => Compare::Missing(key.clone()),
        Some(kv) => {
            let lease: Option<Lease> = serde_json::from_slice(&kv.value).ok();
            let ours = lease.as_ref().is_some_and(|l| l.owner == owner);
            let expired = lease.as_ref().is_none_or(|l| l.expires_ms < now_ms());
            if !ours && !expired {
                return Ok(false);
            }
            Compare::ModRevision {
                key: key.clone(),
                revision: kv.mod_revision,
            }
        }
    };
    let lease = Lease {
        owner: owner.to_string(),
        expires_ms: now_ms() + TTL_MS,
    };
    let value = serde_json::to_vec(&lease).unwrap_or_default();
    let txn = Txn::new().when(compare).then(Op::Put { key, value });
    Ok(store.txn(txn).await?.succeeded)
}

/// Gives the lease up if we hold it.
pub async fn release(store: &dyn Store, id: &str, owner: &str) -> Result<(), StoreError> {
    let key = keys::lease(id);
    if let Some(kv) = store.get(&key).await?
        && serde_json::from_slice::<Lease>(&kv.value).is_ok_and(|l| l.owner == owner)
    {
        let txn = Txn::new()
            .when(Compare::ModRevision {
                key: key.clone(),
                revision: kv.mod_revision,
            })
            .then(Op::Delete { key });
        store.txn(txn).await?;
    }
    Ok(())
}
