//! Patches (merge, JSON) and server-side apply.

use serde_json::{Value, json};

use super::{
    Fields, PatchType, after_write, commit_error, ensure_namespace, obj_key, update_with, with_rv,
};
use crate::apply;
use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::objects::{self, Sub, defaults_on_create, meta_str, prepare_create};
use crate::resources::ResourceType;
use crate::store::{CommitError, Expect};

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
