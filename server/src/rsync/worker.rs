//! One AppContext's worker: runs the context's work item (instantiate, terminate) as the
//! event state machine of emco-api.md 6.1, and reacts to a new work item or the stop flag by
//! cancelling the running operation.
//!
//! The work item is deleted, and the final status written, in one transaction that requires
//! the work item to be unchanged: a terminate that arrived meanwhile is never lost, and a
//! crash before that transaction simply makes the next owner run the item again.

use std::sync::Arc;
use std::time::Duration;

use emco_store::{Compare, Op, Store, StoreError, Txn};
use futures::future::join_all;
use serde_json::json;

use super::deployer::{self, Target};
use super::lcuser;
use super::lease;
use super::record::Recorder;
use super::watch::Watchers;
use crate::deploy::context::{AppSpec, ContextSpec, Owner, WorkItem, keys, status};

/// Runs context `id` until it has no work item (or the lease is lost).
pub async fn run(store: Arc<dyn Store>, id: String, owner: String, watchers: Arc<Watchers>) {
    if let Err(err) = run_inner(&store, &id, &owner, &watchers).await {
        tracing::warn!(context = %id, %err, "worker stopped");
    }
    let _ = lease::release(store.as_ref(), &id, &owner).await;
}

async fn run_inner(
    store: &Arc<dyn Store>,
    id: &str,
    owner: &str,
    watchers: &Arc<Watchers>,
) -> Result<(), StoreError> {
    loop {
        let Some(work_kv) = store.get(&keys::work(id)).await? else {
            return Ok(());
        };
        let Ok(work) = serde_json::from_slice::<WorkItem>(&work_kv.value) else {
            tracing::error!(context = %id, "unreadable work item; dropping it");
            store
                .txn(Txn::new().then(Op::Delete {
                    key: keys::work(id),
                }))
                .await?;
            return Ok(());
        };
        let Some(spec) = load_spec(store.as_ref(), id).await? else {
            tracing::error!(context = %id, "work item without AppContext; dropping it");
            store
                .txn(Txn::new().then(Op::Delete {
                    key: keys::work(id),
                }))
                .await?;
            return Ok(());
        };
        for app in &spec.apps {
            for c in &app.clusters {
                watchers.ensure(&c.provider, &c.cluster);
            }
        }
        let (running, success, failure) = match work {
            WorkItem::Instantiate | WorkItem::Update { .. } => (
                status::INSTANTIATING,
                status::INSTANTIATED,
                status::INSTANTIATE_FAILED,
            ),
            WorkItem::Terminate => (
                status::TERMINATING,
                status::TERMINATED,
                status::TERMINATE_FAILED,
            ),
        };
        if stop_flag(store.as_ref(), id).await? {
            finish(store.as_ref(), id, work_kv.mod_revision, failure).await?;
            continue;
        }
        super::record::set_context_status(store.as_ref(), id, running).await?;
        let recorder = Recorder {
            store: store.clone(),
            status_ctx: spec.meta.status_context.clone(),
        };
        let op = execute(&spec, &work, &recorder);
        let interrupted = interruption(
            store.clone(),
            id.to_string(),
            owner.to_string(),
            work_kv.mod_revision,
        );
        tokio::select! {
            result = op => {
                let outcome = if result { success } else { failure };
                tracing::info!(context = %id, status = outcome, "work item done");
                finish(store.as_ref(), id, work_kv.mod_revision, outcome).await?;
            }
            why = interrupted => match why {
                Interrupt::NewWork => tracing::info!(context = %id, "work item replaced; switching"),
                Interrupt::Stopped => {
                    tracing::info!(context = %id, "stop flag set");
                    finish(store.as_ref(), id, work_kv.mod_revision, failure).await?;
                }
                Interrupt::LeaseLost => return Ok(()),
            },
        }
    }
}

async fn load_spec(store: &dyn Store, id: &str) -> Result<Option<ContextSpec>, StoreError> {
    Ok(store
        .get(&keys::spec(id))
        .await?
        .and_then(|kv| serde_json::from_slice(&kv.value).ok()))
}

async fn stop_flag(store: &dyn Store, id: &str) -> Result<bool, StoreError> {
    Ok(store
        .get(&keys::stop_flag(id))
        .await?
        .is_some_and(|kv| kv.value == b"true"))
}

/// Ends a work item: deletes it and writes the final status, if it is still the same item.
async fn finish(
    store: &dyn Store,
    id: &str,
    work_revision: i64,
    final_status: &str,
) -> Result<(), StoreError> {
    let txn = Txn::new()
        .when(Compare::ModRevision {
            key: keys::work(id),
            revision: work_revision,
        })
        .then(Op::Delete {
            key: keys::work(id),
        })
        .then(Op::Put {
            key: keys::status(id),
            value: json!({ "Status": final_status }).to_string().into_bytes(),
        });
    store.txn(txn).await.map(|_| ())
}

enum Interrupt {
    NewWork,
    Stopped,
    LeaseLost,
}

/// Resolves when the work item changes, the stop flag is set, or the lease cannot be renewed.
async fn interruption(
    store: Arc<dyn Store>,
    id: String,
    owner: String,
    work_revision: i64,
) -> Interrupt {
    let mut renew = tokio::time::interval(Duration::from_millis((lease::TTL_MS / 3) as u64));
    let mut poll = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = renew.tick() => {
                if !matches!(lease::acquire(store.as_ref(), &id, &owner).await, Ok(true)) {
                    return Interrupt::LeaseLost;
                }
            }
            _ = poll.tick() => {
                match store.get(&keys::work(&id)).await {
                    Ok(Some(kv)) if kv.mod_revision != work_revision => return Interrupt::NewWork,
                    Ok(None) => return Interrupt::NewWork,
                    _ => {}
                }
                if matches!(stop_flag(store.as_ref(), &id).await, Ok(true)) {
                    return Interrupt::Stopped;
                }
            }
        }
    }
}

/// Runs the event over every app and cluster concurrently; true when all succeeded.
async fn execute(spec: &ContextSpec, work: &WorkItem, recorder: &Recorder) -> bool {
    match work {
        WorkItem::Terminate => {
            let jobs = spec.apps.iter().flat_map(|app| {
                app.clusters.iter().map(move |cluster| async move {
                    let t = Target {
                        spec,
                        app,
                        cluster,
                        recorder,
                    };
                    deployer::terminate(&t)
                        .await
                        .map_err(|e| log_failure(app, cluster.key(), e))
                })
            });
            join_all(jobs).await.iter().all(Result::is_ok)
        }
        WorkItem::Instantiate | WorkItem::Update { .. } => {
            let jobs = spec
                .apps
                .iter()
                .map(|app| instantiate_app(spec, app, recorder));
            if !join_all(jobs).await.into_iter().all(|ok| ok) {
                return false;
            }
            let retired = match work {
                WorkItem::Update { from } => retire(spec, from, recorder).await,
                _ => true,
            };
            if retired && spec.meta.owner == Owner::LogicalCloud {
                return lcuser::store_user_kubeconfigs(spec, recorder).await;
            }
            retired
        }
    }
}

fn log_failure(app: &AppSpec, cluster: String, err: super::cluster::ClusterError) {
    tracing::warn!(app = %app.name, %cluster, %err, "cluster job failed");
}

/// UpdateDelete (6.1): the old context goes `Updating`, loses on its clusters whatever the new
/// context no longer has, and ends `Updated` (or `UpdatedFailed`).
async fn retire(new: &ContextSpec, old_id: &str, recorder: &Recorder) -> bool {
    let store = recorder.store.as_ref();
    let Ok(Some(old)) = load_spec(store, old_id).await else {
        return true;
    };
    let _ = super::record::set_context_status(store, old_id, status::UPDATING).await;
    let mut jobs = Vec::new();
    for app in &old.apps {
        for cluster in &app.clusters {
            let kept = new
                .app(&app.name)
                .and_then(|a| a.clusters.iter().find(|c| c.key() == cluster.key()));
            let gone: Vec<String> = cluster
                .resources
                .iter()
                .filter(|r| kept.is_none_or(|k| !k.resources.iter().any(|n| n.name == r.name)))
                .map(|r| r.name.clone())
                .collect();
            if gone.is_empty() && kept.is_some() {
                continue;
            }
            let (old, app, cluster) = (&old, app, cluster);
            jobs.push(async move {
                let t = Target {
                    spec: old,
                    app,
                    cluster,
                    recorder,
                };
                deployer::remove(&t, &gone, kept.is_none())
                    .await
                    .map_err(|e| log_failure(app, cluster.key(), e))
            });
        }
    }
    let ok = join_all(jobs).await.iter().all(Result::is_ok);
    let final_status = if ok {
        status::UPDATED
    } else {
        status::UPDATE_FAILED
    };
    let _ = super::record::set_context_status(store, old_id, final_status).await;
    ok
}

/// Waits for the app's dependencies, then applies it on all its clusters.
async fn instantiate_app(spec: &ContextSpec, app: &AppSpec, recorder: &Recorder) -> bool {
    for dep in &app.dependencies {
        super::depend::wait_for(spec, dep, recorder).await;
    }
    let jobs = app.clusters.iter().map(|cluster| async move {
        let t = Target {
            spec,
            app,
            cluster,
            recorder,
        };
        deployer::instantiate(&t)
            .await
            .map_err(|e| log_failure(app, cluster.key(), e))
    });
    join_all(jobs).await.iter().all(Result::is_ok)
}
