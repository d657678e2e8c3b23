//! Garbage collection by ownerReferences: dependents of a deleted owner are deleted, and the
//! `foregroundDeletion` and `orphan` finalizers are carried out.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::objects::Sub;
use crate::ops::{self, DeleteOptions, Fields};
use crate::store::ObjKey;

/// Which objects depend on which owner uid (only objects with ownerReferences are indexed).
#[derive(Default)]
pub struct Index {
    dependents: HashMap<String, BTreeSet<ObjKey>>,
    owners_of: HashMap<ObjKey, Vec<(String, ObjKey)>>,
}

/// The owners named by an object's ownerReferences: (uid, owner key).
pub fn owners(c: &Cluster, key: &ObjKey, obj: &Value) -> Vec<(String, ObjKey)> {
    let Some(refs) = obj["metadata"]["ownerReferences"].as_array() else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| {
            let rt = c
                .registry
                .by_kind(r["apiVersion"].as_str()?, r["kind"].as_str()?)?;
            let ns = if rt.namespaced { key.ns.as_str() } else { "" };
            Some((
                r["uid"].as_str()?.to_string(),
                ObjKey::new(&rt.key, ns, r["name"].as_str()?),
            ))
        })
        .collect()
}

impl Index {
    /// Records an object's current owners (`None`: it is gone).
    pub fn observe(&mut self, c: &Cluster, key: &ObjKey, obj: Option<&Value>) {
        if let Some(old) = self.owners_of.remove(key) {
            for (uid, _) in old {
                if let Some(set) = self.dependents.get_mut(&uid) {
                    set.remove(key);
                    if set.is_empty() {
                        self.dependents.remove(&uid);
                    }
                }
            }
        }
        let Some(obj) = obj else { return };
        let owners = owners(c, key, obj);
        if owners.is_empty() {
            return;
        }
        for (uid, _) in &owners {
            self.dependents
                .entry(uid.clone())
                .or_default()
                .insert(key.clone());
        }
        self.owners_of.insert(key.clone(), owners);
    }

    pub fn dependents(&self, uid: &str) -> Vec<ObjKey> {
        self.dependents
            .get(uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Owner uids of which some dependent exists (for the orphan sweep after a restart).
    pub fn owner_uids(&self) -> Vec<(String, ObjKey)> {
        let mut out: Vec<(String, ObjKey)> = self.owners_of.values().flatten().cloned().collect();
        out.sort();
        out.dedup();
        out
    }
}

fn alive(c: &Cluster, uid: &str, owner: &ObjKey) -> bool {
    c.store
        .get(owner)
        .and_then(|(_, j)| serde_json::from_str::<Value>(&j).ok())
        .is_some_and(|v| {
            v["metadata"]["uid"] == uid && v["metadata"]["deletionTimestamp"].is_null()
        })
}

fn delete_key(c: &Cluster, key: &ObjKey) {
    if let Some(rt) = c.registry.by_key(&key.res) {
        let _ = ops::delete(c, &rt, &key.ns, &key.name, &DeleteOptions::default());
    }
}

/// An owner is gone: delete its dependents that have no other living owner.
pub fn collect(c: &Cluster, idx: &Index, owner_uid: &str) {
    for dep in idx.dependents(owner_uid) {
        let others_alive = idx
            .owners_of
            .get(&dep)
            .is_some_and(|os| os.iter().any(|(u, k)| u != owner_uid && alive(c, u, k)));
        if !others_alive {
            delete_key(c, &dep);
        }
    }
}

/// Carries out the deletion finalizers of an owner being deleted.
pub fn finalize(c: &Cluster, idx: &Index, owner: &ObjKey) {
    let Some((_, json)) = c.store.get(owner) else {
        return;
    };
    let Ok(obj) = serde_json::from_str::<Value>(&json) else {
        return;
    };
    if obj["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let finalizers: Vec<String> = obj["metadata"]["finalizers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let uid = obj["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let deps = idx.dependents(&uid);
    let mut done: Vec<&str> = Vec::new();
    if finalizers.iter().any(|f| f == "orphan") {
        for dep in &deps {
            let Some(rt) = c.registry.by_key(&dep.res) else {
                continue;
            };
            let _ = ops::update_with(
                c,
                &rt,
                &dep.ns,
                &dep.name,
                Sub::Main,
                Fields::Keep,
                None,
                |live| {
                    let mut o = live.clone();
                    if let Some(refs) = o["metadata"]["ownerReferences"].as_array_mut() {
                        refs.retain(|r| r["uid"] != uid.as_str());
                    }
                    if o["metadata"]["ownerReferences"]
                        .as_array()
                        .is_some_and(Vec::is_empty)
                        && let Some(m) = o["metadata"].as_object_mut()
                    {
                        m.remove("ownerReferences");
                    }
                    Ok(o)
                },
            );
        }
        done.push("orphan");
    }
    if finalizers.iter().any(|f| f == "foregroundDeletion") {
        if deps.is_empty() {
            done.push("foregroundDeletion");
        } else {
            deps.iter().for_each(|d| delete_key(c, d));
        }
    }
    if done.is_empty() {
        return;
    }
    let Some(rt) = c.registry.by_key(&owner.res) else {
        return;
    };
    let _ = ops::update_with(
        c,
        &rt,
        &owner.ns,
        &owner.name,
        Sub::Main,
        Fields::Keep,
        None,
        |live| {
            let mut o = live.clone();
            let kept: Vec<Value> = o["metadata"]["finalizers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|f| !done.iter().any(|d| *f == *d))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            o["metadata"]["finalizers"] = json!(kept);
            Ok(o)
        },
    );
}
