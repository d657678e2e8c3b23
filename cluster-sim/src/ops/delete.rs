//! Deletion: finalizers and propagation policy, namespace contents, and CRD teardown.

use serde_json::{Value, json};

use super::{DeleteOptions, Propagation, commit_error, obj_key, parse_stored};
use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::objects::{self, SYSTEM_NAMESPACES, meta_str};
use crate::resources::{ResourceType, keys};
use crate::store::{CommitError, Expect};

pub fn delete(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Value, ApiError> {
    if &*rt.key == keys::NAMESPACES && SYSTEM_NAMESPACES.contains(&name) {
        return Err(ApiError::forbidden(format!(
            "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
        )));
    }
    let key = obj_key(rt, ns, name);
    for _ in 0..1000 {
        let (rv, json) = c
            .store
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let live = parse_stored(&json)?;
        if let Some(uid) = &opts.uid
            && Some(uid.as_str()) != meta_str(&live, "uid")
        {
            return Err(ApiError::conflict(format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                meta_str(&live, "uid").unwrap_or_default()
            )));
        }
        if let Some(want) = &opts.resource_version
            && *want != rv.to_string()
        {
            return Err(ApiError::stale(&rt.group, &rt.plural, name));
        }
        if live["metadata"]["deletionTimestamp"].is_string() {
            return Ok(live);
        }
        let extra = match opts.propagation {
            Propagation::Foreground => Some("foregroundDeletion"),
            Propagation::Orphan => Some("orphan"),
            Propagation::Background => None,
        };
        let mut finalizers: Vec<Value> = live["metadata"]["finalizers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(f) = extra
            && !finalizers.iter().any(|x| x == f)
        {
            finalizers.push(json!(f));
        }
        if &*rt.key == keys::NAMESPACES {
            delete_namespace_contents(c, name);
        }
        let result = if finalizers.is_empty() {
            c.store
                .commit(&key, Expect::Rv(rv), None)
                .map(|cm| (cm, true))
        } else {
            let mut new = live.clone();
            new["metadata"]["deletionTimestamp"] = json!(objects::now());
            new["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            new["metadata"]["finalizers"] = Value::Array(finalizers);
            c.store
                .commit(&key, Expect::Rv(rv), Some(new))
                .map(|cm| (cm, false))
        };
        match result {
            Ok((committed, gone)) => {
                let out = parse_stored(&committed.json)?;
                if gone {
                    after_delete(c, rt, &out);
                }
                return Ok(out);
            }
            Err(CommitError::Stale) => continue,
            Err(e) => return Err(commit_error(rt, name, e)),
        }
    }
    Err(ApiError::internal("too many concurrent changes; try again"))
}

fn delete_namespace_contents(c: &Cluster, ns: &str) {
    for rt in c.registry.all().iter().filter(|t| t.namespaced) {
        for (k, _) in c.store.list(&rt.key, Some(ns)).1 {
            let _ = c
                .store
                .get(&k)
                .map(|(rv, _)| c.store.commit(&k, Expect::Rv(rv), None));
        }
    }
}

pub(crate) fn after_delete(c: &Cluster, rt: &ResourceType, obj: &Value) {
    if &*rt.key == keys::CRDS
        && let Ok(types) = crate::resources::crd_types(obj)
        && let Some(t) = types.first()
    {
        for (k, _) in c.store.list(&t.key, None).1 {
            let _ = c
                .store
                .get(&k)
                .map(|(rv, _)| c.store.commit(&k, Expect::Rv(rv), None));
        }
        c.registry.unregister_crd(&t.key);
    }
}
