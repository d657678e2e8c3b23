//! rsync: the AppContext reconciler. It watches the store for work items, takes a lease on
//! each context, and drives the context's clusters through the Kubernetes API.
//!
//! Nothing calls rsync: lifecycle calls write work items into the store, so no call between
//! services can be lost, and a restarted rsync finds all unfinished work where it was left.

pub mod cluster;
pub mod depend;
pub mod deployer;
pub mod lcuser;
pub mod lease;
pub mod record;
pub mod watch;
pub mod worker;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emco_store::Store;
use futures::StreamExt;

use crate::deploy::context::keys;
use watch::Watchers;

/// Runs the reconciler until `shutdown` resolves.
pub async fn run(
    store: Arc<dyn Store>,
    owner: String,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let watchers = Watchers::new(store.clone());
    watchers.start_existing().await;
    let running: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::new()));
    tracing::info!(%owner, "rsync reconciler started");
    tokio::pin!(shutdown);
    loop {
        let revision = match claim_work(&store, &owner, &running, &watchers).await {
            Ok(rev) => rev,
            Err(err) => {
                tracing::warn!(%err, "cannot read work items");
                0
            }
        };
        // Wake on the next work item change, or after a tick to pick up expired leases.
        let wake = async {
            match store.watch(keys::WORK, revision + 1).await {
                Ok(mut events) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        };
        tokio::select! {
            _ = &mut shutdown => return,
            _ = wake => {}
        }
    }
}

/// Starts a worker for every work item whose lease we can take; returns the store revision.
async fn claim_work(
    store: &Arc<dyn Store>,
    owner: &str,
    running: &Arc<Mutex<HashSet<String>>>,
    watchers: &Arc<Watchers>,
) -> Result<i64, emco_store::StoreError> {
    let range = store.range(keys::WORK).await?;
    for kv in &range.kvs {
        let id = kv.key[keys::WORK.len()..].to_string();
        let busy = running.lock().map(|r| r.contains(&id)).unwrap_or(true);
        if busy || !lease::acquire(store.as_ref(), &id, owner).await? {
            continue;
        }
        if let Ok(mut r) = running.lock() {
            r.insert(id.clone());
        }
        let (store, owner, running, watchers) = (
            store.clone(),
            owner.to_string(),
            running.clone(),
            watchers.clone(),
        );
        tokio::spawn(async move {
            worker::run(store, id.clone(), owner, watchers).await;
            if let Ok(mut r) = running.lock() {
                r.remove(&id);
            }
        });
    }
    Ok(range.revision)
}
