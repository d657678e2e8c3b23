//! The in-cluster controllers: one task reacting to object and instance changes, reconciling
//! workloads, Pods, garbage collection and CSR signing from a de-duplicated work queue.

pub mod certificates;
pub mod daemonset;
pub mod deployment;
pub mod gc;
pub mod job;
pub mod pods;
pub mod replicaset;
pub mod statefulset;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::cluster::Cluster;
use crate::objects::Sub;
use crate::ops::{self, DeleteOptions, Fields};
use crate::resources::keys;
use crate::shutdown::Shutdown;
use crate::store::{Event, EventType, ObjKey};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Work {
    /// A workload (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job) to reconcile.
    Owner(ObjKey),
    Pod(ObjKey),
    Csr(ObjKey),
    /// An owner being deleted with a deletion finalizer.
    Finalize(ObjKey),
    /// The uid of a deleted owner whose dependents must go.
    Collect(String),
}

const WORKLOADS: &[&str] = &[
    keys::DEPLOYMENTS,
    keys::REPLICASETS,
    keys::STATEFULSETS,
    keys::DAEMONSETS,
    keys::JOBS,
];

#[derive(Default)]
struct Manager {
    queue: BTreeSet<Work>,
    index: gc::Index,
    pods_by_uid: HashMap<String, ObjKey>,
}

pub(crate) fn create_obj(c: &Cluster, res: &str, ns: &str, obj: Value) {
    let Some(rt) = c.registry.by_key(res) else {
        return;
    };
    if let Err(e) = ops::create(c, &rt, ns, obj, Fields::Keep)
        && e.code != 409
    {
        tracing::warn!("controller could not create a {}: {e}", rt.kind);
    }
}

pub(crate) fn delete_obj(c: &Cluster, res: &str, ns: &str, name: &str) {
    let Some(rt) = c.registry.by_key(res) else {
        return;
    };
    let _ = ops::delete(c, &rt, ns, name, &DeleteOptions::default());
}

/// Replaces the status (keeping condition transition times); no write if nothing changed.
pub(crate) fn write_status(c: &Cluster, res: &str, ns: &str, name: &str, status: Value) {
    let Some(rt) = c.registry.by_key(res) else {
        return;
    };
    let _ = ops::update_with(c, &rt, ns, name, Sub::Status, Fields::Keep, None, |live| {
        let mut o = live.clone();
        let mut s = status.clone();
        if s.get("conditions").is_some() {
            pods::carry_times(&live["status"]["conditions"], &mut s["conditions"]);
        }
        o["status"] = s;
        Ok(o)
    });
}

impl Manager {
    fn observe(&mut self, c: &Cluster, ev: &Event) {
        let obj: Option<Value> = serde_json::from_str(&ev.obj).ok();
        let Some(obj) = obj else { return };
        let deleted = ev.ty == EventType::Deleted;
        for (_, owner) in gc::owners(c, &ev.key, &obj) {
            if WORKLOADS.contains(&&*owner.res) {
                self.queue.insert(Work::Owner(owner.clone()));
            }
            if deleted {
                self.queue.insert(Work::Finalize(owner));
            }
        }
        self.index.observe(c, &ev.key, (!deleted).then_some(&obj));
        let uid = pods::uid(&obj).to_string();
        if deleted {
            self.queue.insert(Work::Collect(uid.clone()));
        } else if obj["metadata"]["deletionTimestamp"].is_string() {
            self.queue.insert(Work::Finalize(ev.key.clone()));
        }
        match &*ev.key.res {
            r if WORKLOADS.contains(&r) => {
                self.queue.insert(Work::Owner(ev.key.clone()));
            }
            keys::PODS => {
                if deleted {
                    self.pods_by_uid.remove(&uid);
                    c.lrps.remove_process(&uid);
                } else {
                    self.pods_by_uid.insert(uid, ev.key.clone());
                    self.queue.insert(Work::Pod(ev.key.clone()));
                }
            }
            keys::CSRS if !deleted => {
                self.queue.insert(Work::Csr(ev.key.clone()));
            }
            _ => {}
        }
    }

    /// Rebuilds everything from the store (at start, or after falling behind on events).
    fn resync(&mut self, c: &Cluster, restoring: bool) {
        self.index = gc::Index::default();
        for (key, json) in c.store.all() {
            let Ok(obj) = serde_json::from_str::<Value>(&json) else {
                continue;
            };
            self.index.observe(c, &key, Some(&obj));
            match &*key.res {
                r if WORKLOADS.contains(&r) => {
                    self.queue.insert(Work::Owner(key));
                }
                keys::PODS => {
                    if restoring {
                        pods::restore(c, &key, &obj);
                    }
                    self.pods_by_uid
                        .insert(pods::uid(&obj).to_string(), key.clone());
                    self.queue.insert(Work::Pod(key));
                }
                keys::CSRS => {
                    self.queue.insert(Work::Csr(key));
                }
                _ => {}
            }
        }
        // Owners deleted while the process was down leave dependents behind.
        for (uid, owner) in self.index.owner_uids() {
            let alive = c
                .store
                .get(&owner)
                .and_then(|(_, j)| serde_json::from_str::<Value>(&j).ok())
                .is_some_and(|v| v["metadata"]["uid"] == uid.as_str());
            if !alive {
                self.queue.insert(Work::Collect(uid));
            }
        }
    }

    fn process(&mut self, c: &Cluster) {
        while let Some(w) = self.queue.pop_first() {
            match w {
                Work::Owner(k) => reconcile_owner(c, &k),
                Work::Pod(k) => pods::sync(c, &k),
                Work::Csr(k) => {
                    if let Some(v) = get(c, &k) {
                        certificates::reconcile(c, &k, &v);
                    }
                }
                Work::Finalize(k) => gc::finalize(c, &self.index, &k),
                Work::Collect(uid) => gc::collect(c, &self.index, &uid),
            }
        }
    }
}

fn get(c: &Cluster, key: &ObjKey) -> Option<Value> {
    c.store
        .get(key)
        .and_then(|(_, j)| serde_json::from_str(&j).ok())
}

fn reconcile_owner(c: &Cluster, key: &ObjKey) {
    let Some(obj) = get(c, key) else { return };
    if obj["metadata"]["deletionTimestamp"].is_string() {
        return;
    }
    match &*key.res {
        keys::DEPLOYMENTS => deployment::reconcile(c, key, &obj),
        keys::REPLICASETS => replicaset::reconcile(c, key, &obj),
        keys::STATEFULSETS => statefulset::reconcile(c, key, &obj),
        keys::DAEMONSETS => daemonset::reconcile(c, key, &obj),
        keys::JOBS => job::reconcile(c, key, &obj),
        _ => {}
    }
}

pub async fn run(c: Arc<Cluster>, shutdown: Shutdown) {
    let mut events = c.store.subscribe();
    let mut instances = c.lrps.subscribe();
    let mut m = Manager::default();
    m.resync(&c, true);
    m.process(&c);
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            r = events.recv() => match r {
                Ok(ev) => m.observe(&c, &ev),
                Err(RecvError::Lagged(_)) => m.resync(&c, false),
                Err(RecvError::Closed) => return,
            },
            r = instances.recv() => match r {
                Ok(k) => {
                    if let Some(pod) = m.pods_by_uid.get(&k.process_guid) {
                        m.queue.insert(Work::Pod(pod.clone()));
                    }
                }
                Err(RecvError::Lagged(_)) => m.resync(&c, false),
                Err(RecvError::Closed) => return,
            },
        }
        // Take everything already waiting before working, so bursts are handled once.
        loop {
            match events.try_recv() {
                Ok(ev) => m.observe(&c, &ev),
                Err(TryRecvError::Lagged(_)) => m.resync(&c, false),
                Err(_) => break,
            }
        }
        while let Ok(k) = instances.try_recv() {
            if let Some(pod) = m.pods_by_uid.get(&k.process_guid) {
                m.queue.insert(Work::Pod(pod.clone()));
            }
        }
        m.process(&c);
    }
}
