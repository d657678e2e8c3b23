//! EMCO's monitor inside the simulator: keeps every ResourceBundleState's `status` filled with
//! the objects carrying its selector's labels, their count, and the overall readiness.

pub mod readiness;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::cluster::Cluster;
use crate::objects::Sub;
use crate::ops::{self, Fields};
use crate::resources::{ResKey, keys, split_api_version};
use crate::selectors::LabelSelector;
use crate::shutdown::Shutdown;
use crate::store::{Event, EventType, ObjKey};

/// The typed arrays of the status, by store key.
const TYPED: &[(&str, &str)] = &[
    (keys::PODS, "podStatuses"),
    (keys::SERVICES, "serviceStatuses"),
    (keys::CONFIGMAPS, "configMapStatuses"),
    (keys::DEPLOYMENTS, "deploymentStatuses"),
    (keys::DAEMONSETS, "daemonSetStatuses"),
    (keys::JOBS, "jobStatuses"),
    (keys::STATEFULSETS, "statefulSetStatuses"),
    (keys::CSRS, "csrStatuses"),
];

/// Kinds never tracked: the RBS itself, events and nodes.
const UNTRACKED: &[&str] = &[keys::RBS, "/events", keys::NODES];

#[derive(Deserialize)]
struct Labels {
    #[serde(default)]
    metadata: LabelsMeta,
}

#[derive(Deserialize, Default)]
struct LabelsMeta {
    #[serde(default)]
    labels: Option<Map<String, Value>>,
}

fn labels_of(json: &str) -> Option<Map<String, Value>> {
    serde_json::from_str::<Labels>(json)
        .ok()
        .and_then(|l| l.metadata.labels)
}

fn selector_of(rbs: &Value) -> LabelSelector {
    rbs["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(LabelSelector::from_match_labels)
        .unwrap_or_default()
}

fn ready(res: &str, obj: &Value) -> bool {
    match res {
        keys::PODS => readiness::pod(obj),
        keys::SERVICES => readiness::service(obj),
        keys::DEPLOYMENTS => readiness::deployment(obj),
        keys::DAEMONSETS => readiness::daemonset(obj),
        keys::STATEFULSETS => readiness::statefulset(obj),
        keys::JOBS => readiness::job(obj),
        _ => true,
    }
}

/// The status of one ResourceBundleState with this selector.
pub fn compute(c: &Cluster, sel: &LabelSelector) -> Value {
    let mut status = Map::new();
    for (_, field) in TYPED {
        status.insert(field.to_string(), json!([]));
    }
    let mut generic = Vec::new();
    let (mut count, mut all_ready) = (0usize, true);
    let mut seen: BTreeSet<ResKey> = BTreeSet::new();
    for rt in c.registry.all() {
        if UNTRACKED.contains(&&*rt.key) || !seen.insert(rt.key.clone()) {
            continue;
        }
        for (_, json) in c.store.list(&rt.key, None).1 {
            if !sel.matches(labels_of(&json).as_ref()) {
                continue;
            }
            let Ok(mut obj) = serde_json::from_str::<Value>(&json) else {
                continue;
            };
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("managedFields");
            }
            count += 1;
            all_ready &= ready(&rt.key, &obj);
            match TYPED.iter().find(|(k, _)| *k == &*rt.key) {
                Some((_, field)) => {
                    if let Some(a) = status.get_mut(*field).and_then(Value::as_array_mut) {
                        a.push(obj);
                    }
                }
                None => {
                    let (group, version) =
                        split_api_version(obj["apiVersion"].as_str().unwrap_or_default());
                    generic.push(json!({
                        "group": group, "version": version, "kind": obj["kind"],
                        "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"].as_str().unwrap_or_default(),
                        "res": B64.encode(obj.to_string()),
                    }));
                }
            }
        }
    }
    status.insert("resourceStatuses".into(), Value::Array(generic));
    status.insert("resourceCount".into(), json!(count));
    status.insert("ready".into(), json!(count > 0 && all_ready));
    Value::Object(status)
}

fn refresh(c: &Cluster, key: &ObjKey, sel: &LabelSelector) {
    let status = compute(c, sel);
    let Some(rt) = c.registry.by_key(keys::RBS) else {
        return;
    };
    let _ = ops::update_with(
        c,
        &rt,
        &key.ns,
        &key.name,
        Sub::Status,
        Fields::Keep,
        None,
        |live| {
            let mut o = live.clone();
            o["status"] = status.clone();
            Ok(o)
        },
    );
}

#[derive(Default)]
struct Monitor {
    bundles: HashMap<ObjKey, LabelSelector>,
    dirty: BTreeSet<ObjKey>,
}

impl Monitor {
    fn load(&mut self, c: &Cluster) {
        self.bundles.clear();
        for (k, json) in c.store.list(&Arc::from(keys::RBS), None).1 {
            if let Ok(v) = serde_json::from_str::<Value>(&json) {
                self.bundles.insert(k.clone(), selector_of(&v));
                self.dirty.insert(k);
            }
        }
    }

    fn observe(&mut self, ev: &Event) {
        if &*ev.key.res == keys::RBS {
            if ev.ty == EventType::Deleted {
                self.bundles.remove(&ev.key);
                self.dirty.remove(&ev.key);
            } else if let Ok(v) = serde_json::from_str::<Value>(&ev.obj) {
                let sel = selector_of(&v);
                if self.bundles.get(&ev.key) != Some(&sel) {
                    self.bundles.insert(ev.key.clone(), sel);
                    self.dirty.insert(ev.key.clone());
                }
            }
            return;
        }
        if self.bundles.is_empty() || UNTRACKED.contains(&&*ev.key.res) {
            return;
        }
        let now = labels_of(&ev.obj);
        let before = ev.prev.as_deref().and_then(labels_of);
        for (k, sel) in &self.bundles {
            if sel.matches(now.as_ref()) || (before.is_some() && sel.matches(before.as_ref())) {
                self.dirty.insert(k.clone());
            }
        }
    }
}

pub async fn run(c: Arc<Cluster>, shutdown: Shutdown) {
    let mut rx = c.store.subscribe();
    let mut m = Monitor::default();
    m.load(&c);
    loop {
        while let Some(k) = m.dirty.pop_first() {
            if let Some(sel) = m.bundles.get(&k) {
                refresh(&c, &k, sel);
            }
        }
        tokio::select! {
            _ = shutdown.wait() => return,
            r = rx.recv() => match r {
                Ok(ev) => m.observe(&ev),
                Err(RecvError::Lagged(_)) => m.load(&c),
                Err(RecvError::Closed) => return,
            },
        }
        loop {
            match rx.try_recv() {
                Ok(ev) => m.observe(&ev),
                Err(TryRecvError::Lagged(_)) => m.load(&c),
                Err(_) => break,
            }
        }
    }
}
