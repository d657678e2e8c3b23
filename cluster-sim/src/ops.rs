//! The API verbs on objects (create, get, list, replace, patch, apply, delete) with Kubernetes
//! semantics; HTTP handlers and the in-cluster controllers both call these.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::apply::{self, record_update};
use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::objects::{
    self, SYSTEM_NAMESPACES, Sub, defaults_on_create, finish_update, meta_str, prepare_create,
};
use crate::resources::{ResourceType, keys};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{CommitError, Expect, ObjKey};

/// Who owns the fields a write changes.
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    /// A client write: the changed fields go to this manager (operation Update).
    Record(&'a str),
    /// An in-cluster write: managed fields stay as stored.
    Keep,
    /// Server-side apply: the body already carries its managed fields.
    AsIs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Propagation,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Apply,
}

pub fn obj_key(rt: &ResourceType, ns: &str, name: &str) -> ObjKey {
    ObjKey::new(&rt.key, if rt.namespaced { ns } else { "" }, name)
}

fn parse_stored(json: &str) -> Result<Value, ApiError> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::internal(format!("stored object is not JSON: {e}")))
}

fn commit_error(rt: &ResourceType, name: &str, e: CommitError) -> ApiError {
    match e {
        CommitError::Exists => ApiError::already_exists(&rt.group, &rt.plural, name),
        CommitError::Missing => ApiError::not_found(&rt.group, &rt.plural, name),
        CommitError::Stale => ApiError::stale(&rt.group, &rt.plural, name),
        other => ApiError::internal(other.to_string()),
    }
}

fn with_rv(mut v: Value, rv: u64) -> Value {
    v["metadata"]["resourceVersion"] = json!(rv.to_string());
    v
}

pub fn get_raw(c: &Cluster, rt: &ResourceType, ns: &str, name: &str) -> Result<Arc<str>, ApiError> {
    c.store
        .get(&obj_key(rt, ns, name))
        .map(|(_, j)| j)
        .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
}

pub fn get(c: &Cluster, rt: &ResourceType, ns: &str, name: &str) -> Result<Value, ApiError> {
    parse_stored(&get_raw(c, rt, ns, name)?)
}

/// Whether a stored object passes the selectors (parsing it only when a selector needs to).
pub fn selected(key: &ObjKey, json: &str, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    if let Some(n) = fields.name()
        && n != key.name
    {
        return false;
    }
    if labels.is_empty() && fields.is_empty() {
        return true;
    }
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return false;
    };
    labels.matches(v["metadata"]["labels"].as_object()) && fields.matches(&v)
}

/// The list as JSON text, built from the stored text without re-encoding the items.
pub fn list_raw(
    c: &Cluster,
    rt: &ResourceType,
    ns: Option<&str>,
    labels: &LabelSelector,
    fields: &FieldSelector,
) -> String {
    let ns = if rt.namespaced { ns } else { None };
    let (rv, items) = c.store.list(&rt.key, ns);
    let mut out = format!(
        "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"}},\"items\":[",
        rt.kind,
        rt.api_version()
    );
    let mut first = true;
    for (k, j) in items.iter().filter(|(k, j)| selected(k, j, labels, fields)) {
        let _ = k;
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(j);
    }
    out.push_str("]}");
    out
}

pub fn ensure_namespace(c: &Cluster, rt: &ResourceType, ns: &str) -> Result<(), ApiError> {
    if !rt.namespaced || SYSTEM_NAMESPACES.contains(&ns) {
        return Ok(());
    }
    if ns.is_empty() {
        return Err(ApiError::bad_request(
            "a namespace is required for a namespaced resource",
        ));
    }
    let key = ObjKey::new(&Arc::from(keys::NAMESPACES), "", ns);
    match c.store.get(&key) {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found("", "namespaces", ns)),
    }
}

pub fn create(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    mut obj: Value,
    fields: Fields<'_>,
) -> Result<Value, ApiError> {
    prepare_create(rt, ns, &mut obj)?;
    ensure_namespace(c, rt, ns)?;
    defaults_on_create(rt, &mut obj)?;
    if let Fields::Record(m) = fields {
        record_update(None, &mut obj, m, Sub::Main, &objects::now());
    }
    let name = meta_str(&obj, "name").unwrap_or_default().to_string();
    let committed = c
        .store
        .commit(&obj_key(rt, ns, &name), Expect::Absent, Some(obj.clone()))
        .map_err(|e| commit_error(rt, &name, e))?;
    let out = with_rv(obj, committed.rv);
    after_write(c, rt, &out);
    Ok(out)
}

/// Reads, transforms and writes back one object, retrying on concurrent changes unless the
/// caller gave a resourceVersion precondition. A write that changes nothing is not stored.
#[allow(clippy::too_many_arguments)]
pub fn update_with(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: Sub,
    fields: Fields<'_>,
    precondition: Option<u64>,
    mut f: impl FnMut(&Value) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    let key = obj_key(rt, ns, name);
    for _ in 0..1000 {
        let (rv, json) = c
            .store
            .get(&key)
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if precondition.is_some_and(|p| p != rv) {
            return Err(ApiError::stale(&rt.group, &rt.plural, name));
        }
        let live = parse_stored(&json)?;
        let body = f(&live)?;
        let mut new = finish_update(rt, ns, sub, &live, body)?;
        match fields {
            Fields::Record(m) => record_update(Some(&live), &mut new, m, sub, &objects::now()),
            Fields::Keep => match live["metadata"].get("managedFields") {
                Some(mf) => new["metadata"]["managedFields"] = mf.clone(),
                None => {
                    if let Some(m) = new["metadata"].as_object_mut() {
                        m.remove("managedFields");
                    }
                }
            },
            Fields::AsIs => {}
        }
        new["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
        if new == live {
            return Ok(live);
        }
        let finalized = new["metadata"]["deletionTimestamp"].is_string()
            && new["metadata"]["finalizers"]
                .as_array()
                .is_none_or(|a| a.is_empty());
        let result = if finalized {
            c.store.commit(&key, Expect::Rv(rv), None)
        } else {
            c.store.commit(&key, Expect::Rv(rv), Some(new.clone()))
        };
        match result {
            Ok(committed) => {
                let out = with_rv(new, committed.rv);
                if finalized {
                    after_delete(c, rt, &out);
                } else {
                    after_write(c, rt, &out);
                }
                return Ok(out);
            }
            Err(CommitError::Stale) if precondition.is_none() => continue,
            Err(e) => return Err(commit_error(rt, name, e)),
        }
    }
    Err(ApiError::internal("too many concurrent changes; try again"))
}

pub fn replace(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: Sub,
    body: Value,
    manager: &str,
) -> Result<Value, ApiError> {
    if let Some(n) = meta_str(&body, "name")
        && n != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({n}) does not match the name on the URL ({name})"
        )));
    }
    let precondition = match meta_str(&body, "resourceVersion") {
        None | Some("") => None,
        Some(rv) => Some(rv.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "invalid resourceVersion {rv:?}: it must be a value read from this server"
            ))
        })?),
    };
    update_with(
        c,
        rt,
        ns,
        name,
        sub,
        Fields::Record(manager),
        precondition,
        |_| Ok(body.clone()),
    )
}

/// RFC 7386 JSON merge patch (strategic merge patches are treated the same way).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, pv) in p {
                if pv.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), pv);
                }
            }
        }
        (t, p) => {
            if p.is_object() {
                *t = json!({});
                merge_patch(t, p);
            } else {
                *t = p.clone();
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn patch(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: Sub,
    ty: PatchType,
    body: Value,
    manager: &str,
    force: bool,
) -> Result<(u16, Value), ApiError> {
    match ty {
        PatchType::Apply => apply(c, rt, ns, name, sub, body, manager, force),
        PatchType::Merge => {
            if !body.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            let out = update_with(
                c,
                rt,
                ns,
                name,
                sub,
                Fields::Record(manager),
                None,
                |live| {
                    let mut x = live.clone();
                    merge_patch(&mut x, &body);
                    Ok(x)
                },
            )?;
            Ok((200, out))
        }
        PatchType::Json => {
            let p: json_patch::Patch = serde_json::from_value(body)
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            let out = update_with(
                c,
                rt,
                ns,
                name,
                sub,
                Fields::Record(manager),
                None,
                |live| {
                    let mut x = live.clone();
                    json_patch::patch(&mut x, &p).map_err(|e| {
                        ApiError::invalid(format!("the JSON patch does not apply: {e}"))
                    })?;
                    Ok(x)
                },
            )?;
            Ok((200, out))
        }
    }
}

/// Server-side apply: creates the object if missing (201), else merges the configuration in.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    c: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    sub: Sub,
    cfg: Value,
    manager: &str,
    force: bool,
) -> Result<(u16, Value), ApiError> {
    if manager.is_empty() {
        return Err(ApiError::invalid(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    if !cfg.is_object() {
        return Err(ApiError::bad_request(
            "the apply configuration must be an object",
        ));
    }
    if let Some(n) = meta_str(&cfg, "name")
        && n != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({n}) does not match the name on the URL ({name})"
        )));
    }
    if cfg["apiVersion"].as_str().is_none_or(str::is_empty)
        || cfg["kind"].as_str().is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request(
            "apiVersion and kind must be set in an apply configuration",
        ));
    }
    for _ in 0..100 {
        let now = objects::now();
        match update_with(c, rt, ns, name, sub, Fields::AsIs, None, |live| {
            apply::apply(live, &cfg, manager, force, sub, &now)
        }) {
            Err(e) if e.code == 404 && sub == Sub::Main => {}
            other => return other.map(|v| (200, v)),
        }
        let mut skeleton = json!({"apiVersion": cfg["apiVersion"], "kind": cfg["kind"], "metadata": {"name": name}});
        prepare_create(rt, ns, &mut skeleton)?;
        ensure_namespace(c, rt, ns)?;
        let mut obj = apply::apply(&skeleton, &cfg, manager, force, sub, &now)?;
        defaults_on_create(rt, &mut obj)?;
        match c
            .store
            .commit(&obj_key(rt, ns, name), Expect::Absent, Some(obj.clone()))
        {
            Ok(committed) => {
                let out = with_rv(obj, committed.rv);
                after_write(c, rt, &out);
                return Ok((201, out));
            }
            Err(CommitError::Exists) => continue,
            Err(e) => return Err(commit_error(rt, name, e)),
        }
    }
    Err(ApiError::internal("too many concurrent changes; try again"))
}

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

/// Side effects of a stored write that the API server itself performs.
fn after_write(c: &Cluster, rt: &ResourceType, obj: &Value) {
    if &*rt.key == keys::CRDS
        && let Err(e) = c.registry.register_crd(obj)
    {
        tracing::warn!("CRD {:?} not served: {e}", meta_str(obj, "name"));
    }
}

fn after_delete(c: &Cluster, rt: &ResourceType, obj: &Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"a": [1, 2]});
        merge_patch(&mut t, &json!({"a": {"b": "c"}}));
        assert_eq!(t, json!({"a": {"b": "c"}}));
    }
}
