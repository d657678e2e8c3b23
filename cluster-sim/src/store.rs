//! The object store: objects as JSON text, the cluster-wide resourceVersion counter, and the
//! watch fan-out (a broadcast channel plus a bounded history to resume watches from).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

use crate::persist::Persist;
use crate::resources::ResKey;

/// Identity of a stored object: resource type, namespace (empty when cluster-scoped), name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjKey {
    pub res: ResKey,
    pub ns: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(res: &ResKey, ns: &str, name: &str) -> Self {
        ObjKey {
            res: res.clone(),
            ns: ns.to_string(),
            name: name.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watchers see it.
#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub ty: EventType,
    pub key: ObjKey,
    pub obj: Arc<str>,
    /// The object before the change (to tell a watcher with a selector that it left the set).
    pub prev: Option<Arc<str>>,
}

/// What a commit expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Absent,
    Rv(u64),
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the object already exists")]
    Exists,
    #[error("the object does not exist")]
    Missing,
    #[error("the object was changed concurrently")]
    Stale,
    #[error("persisting the change failed: {0}")]
    Persist(#[from] std::io::Error),
    #[error("serializing the object failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// The stored text of a committed object and its new resourceVersion.
#[derive(Debug, Clone)]
pub struct Committed {
    pub rv: u64,
    pub json: Arc<str>,
}

struct Stored {
    rv: u64,
    json: Arc<str>,
}

struct Inner {
    objects: HashMap<ResKey, BTreeMap<(String, String), Stored>>,
    rv: u64,
    history: VecDeque<Arc<Event>>,
    persist: Option<Persist>,
    count: usize,
}

pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<Event>>,
    history_cap: usize,
}

/// Retained events after a resourceVersion, and the subscription for the ones to come.
pub type Resume = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);

/// The requested resourceVersion is older than the retained history.
#[derive(Debug)]
pub struct TooOld {
    pub oldest: u64,
}

impl Store {
    /// A store starting from the given objects and counter (loaded from disk or empty).
    pub fn new(
        rv: u64,
        objects: Vec<(ObjKey, u64, String)>,
        persist: Option<Persist>,
        history_cap: usize,
    ) -> Self {
        let mut map: HashMap<ResKey, BTreeMap<(String, String), Stored>> = HashMap::new();
        let count = objects.len();
        for (k, orv, json) in objects {
            map.entry(k.res).or_default().insert(
                (k.ns, k.name),
                Stored {
                    rv: orv,
                    json: Arc::from(json),
                },
            );
        }
        let (tx, _) = broadcast::channel(65536);
        Store {
            inner: Mutex::new(Inner {
                objects: map,
                rv,
                history: VecDeque::new(),
                persist,
                count,
            }),
            tx,
            history_cap: history_cap.max(16),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn len(&self) -> usize {
        self.lock().count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &ObjKey) -> Option<(u64, Arc<str>)> {
        let g = self.lock();
        g.objects
            .get(&key.res)
            .and_then(|m| m.get(&(key.ns.clone(), key.name.clone())))
            .map(|s| (s.rv, s.json.clone()))
    }

    /// Objects of one resource (one namespace, or all with `None`) and the current counter.
    pub fn list(&self, res: &ResKey, ns: Option<&str>) -> (u64, Vec<(ObjKey, Arc<str>)>) {
        let g = self.lock();
        let mut out = Vec::new();
        if let Some(m) = g.objects.get(res) {
            let mut push = |(ns, name): &(String, String), s: &Stored| {
                out.push((ObjKey::new(res, ns, name), s.json.clone()));
            };
            match ns {
                Some(ns) => {
                    let start = (ns.to_string(), String::new());
                    for (k, s) in m.range(start..).take_while(|(k, _)| k.0 == ns) {
                        push(k, s);
                    }
                }
                None => m.iter().for_each(|(k, s)| push(k, s)),
            }
        }
        (g.rv, out)
    }

    /// Every stored object (for controllers' resync after a restart or a lag).
    pub fn all(&self) -> Vec<(ObjKey, Arc<str>)> {
        let g = self.lock();
        let mut out = Vec::with_capacity(g.count);
        for (res, m) in &g.objects {
            for ((ns, name), s) in m {
                out.push((ObjKey::new(res, ns, name), s.json.clone()));
            }
        }
        out
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// Subscribes and returns the retained events after `rv`, atomically with respect to commits.
    pub fn watch_from(&self, rv: u64) -> Result<Resume, TooOld> {
        let g = self.lock();
        let oldest = g.history.front().map(|e| e.rv).unwrap_or(g.rv + 1);
        if rv < g.rv && rv + 1 < oldest {
            return Err(TooOld { oldest });
        }
        let rx = self.tx.subscribe();
        let past = g.history.iter().filter(|e| e.rv > rv).cloned().collect();
        Ok((past, rx))
    }

    /// Writes (or with `new == None` deletes) one object, stamping the next resourceVersion.
    pub fn commit(
        &self,
        key: &ObjKey,
        expect: Expect,
        new: Option<Value>,
    ) -> Result<Committed, CommitError> {
        let mut g = self.lock();
        let inner = &mut *g;
        let slot = (key.ns.clone(), key.name.clone());
        let current = inner.objects.get(&key.res).and_then(|m| m.get(&slot));
        match (expect, current) {
            (Expect::Absent, Some(_)) => return Err(CommitError::Exists),
            (Expect::Rv(_), None) => return Err(CommitError::Missing),
            (Expect::Rv(rv), Some(s)) if s.rv != rv => return Err(CommitError::Stale),
            _ => {}
        }
        let prev = current.map(|s| s.json.clone());
        let rv = inner.rv + 1;
        let (ty, mut obj) = match new {
            Some(obj) => (
                if prev.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                },
                obj,
            ),
            None => {
                let Some(p) = &prev else {
                    return Err(CommitError::Missing);
                };
                (EventType::Deleted, serde_json::from_str(p)?)
            }
        };
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let json: Arc<str> = Arc::from(serde_json::to_string(&obj)?);
        if let Some(p) = inner.persist.as_mut() {
            let body = (ty != EventType::Deleted).then_some(&*json);
            p.append(rv, key, body)?;
        }
        inner.rv = rv;
        let map = inner.objects.entry(key.res.clone()).or_default();
        if ty == EventType::Deleted {
            map.remove(&slot);
            inner.count -= 1;
        } else {
            if prev.is_none() {
                inner.count += 1;
            }
            map.insert(
                slot,
                Stored {
                    rv,
                    json: json.clone(),
                },
            );
        }
        let ev = Arc::new(Event {
            rv,
            ty,
            key: key.clone(),
            obj: json.clone(),
            prev,
        });
        if inner.history.len() >= self.history_cap {
            inner.history.pop_front();
        }
        inner.history.push_back(ev.clone());
        let _ = self.tx.send(ev);
        if let Some(p) = inner.persist.as_mut()
            && p.wants_compaction(inner.count)
        {
            let objects = inner.objects.iter().flat_map(|(res, m)| {
                m.iter()
                    .map(move |((ns, name), s)| (res, ns.as_str(), name.as_str(), s.rv, &*s.json))
            });
            if let Err(e) = p.compact(rv, objects) {
                tracing::warn!("compacting the store log failed: {e}");
            }
        }
        Ok(Committed { rv, json })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> ObjKey {
        ObjKey::new(&Arc::from("/configmaps"), "default", name)
    }

    #[test]
    fn commits_bump_the_counter_and_check_expectations() {
        let s = Store::new(0, vec![], None, 100);
        let c = s
            .commit(
                &key("a"),
                Expect::Absent,
                Some(json!({"metadata": {"name": "a"}})),
            )
            .expect("create");
        assert_eq!(c.rv, 1);
        assert!(c.json.contains("\"resourceVersion\":\"1\""));
        assert!(matches!(
            s.commit(&key("a"), Expect::Absent, Some(json!({}))),
            Err(CommitError::Exists)
        ));
        assert!(matches!(
            s.commit(&key("a"), Expect::Rv(7), Some(json!({"metadata": {}}))),
            Err(CommitError::Stale)
        ));
        let d = s.commit(&key("a"), Expect::Rv(1), None).expect("delete");
        assert_eq!(d.rv, 2);
        assert!(s.get(&key("a")).is_none());
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn watch_from_replays_retained_history_and_refuses_older() {
        let s = Store::new(0, vec![], None, 16);
        for i in 0..40 {
            s.commit(
                &key(&format!("o{i}")),
                Expect::Absent,
                Some(json!({"metadata": {}})),
            )
            .expect("create");
        }
        let (past, _rx) = s.watch_from(30).expect("recent");
        assert_eq!(
            past.iter().map(|e| e.rv).collect::<Vec<_>>(),
            (31..=40).collect::<Vec<_>>()
        );
        assert!(s.watch_from(3).is_err());
        assert!(s.watch_from(40).expect("current").0.is_empty());
    }

    #[test]
    fn list_by_namespace_is_exact() {
        let s = Store::new(0, vec![], None, 16);
        let res: ResKey = Arc::from("/configmaps");
        for ns in ["a", "ab", "b"] {
            s.commit(
                &ObjKey::new(&res, ns, "x"),
                Expect::Absent,
                Some(json!({"metadata": {}})),
            )
            .expect("create");
        }
        assert_eq!(s.list(&res, Some("a")).1.len(), 1);
        assert_eq!(s.list(&res, None).1.len(), 3);
    }
}
