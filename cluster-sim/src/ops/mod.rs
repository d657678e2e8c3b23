//! The API verbs on objects (create, get, list, replace, patch, apply, delete) with Kubernetes
//! semantics; HTTP handlers and the in-cluster controllers both call these.

mod delete;
mod patch;

use delete::after_delete;
pub use delete::delete;
pub use patch::{apply, merge_patch, patch};

use std::sync::Arc;

use serde_json::{Value, json};

use crate::apply::record_update;
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

pub(crate) fn parse_stored(json: &str) -> Result<Value, ApiError> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::internal(format!("stored object is not JSON: {e}")))
}

pub(crate) fn commit_error(rt: &ResourceType, name: &str, e: CommitError) -> ApiError {
    match e {
        CommitError::Exists => ApiError::already_exists(&rt.group, &rt.plural, name),
        CommitError::Missing => ApiError::not_found(&rt.group, &rt.plural, name),
        CommitError::Stale => ApiError::stale(&rt.group, &rt.plural, name),
        other => ApiError::internal(other.to_string()),
    }
}

pub(crate) fn with_rv(mut v: Value, rv: u64) -> Value {
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
    for (_, j) in items.iter().filter(|(k, j)| selected(k, j, labels, fields)) {
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

/// Side effects of a stored write that the API server itself performs.
pub(crate) fn after_write(c: &Cluster, rt: &ResourceType, obj: &Value) {
    if &*rt.key == keys::CRDS
        && let Err(e) = c.registry.register_crd(obj)
    {
        tracing::warn!("CRD {:?} not served: {e}", meta_str(obj, "name"));
    }
}
