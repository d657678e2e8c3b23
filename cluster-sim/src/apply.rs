//! Server-side apply and field ownership (`metadata.managedFields`, FieldsV1 format).
//!
//! Ownership is tracked per leaf field (a scalar, a list or an empty map); lists are atomic.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::objects::Sub;

pub type FieldPath = Vec<String>;
pub type FieldSet = BTreeSet<FieldPath>;

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

/// Metadata fields the server owns; they never enter a field set.
const SERVER_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

fn collect(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                prefix.push(k.clone());
                collect(c, prefix, out);
                prefix.pop();
            }
        }
        _ => {
            out.insert(prefix.clone());
        }
    }
}

/// The leaf fields of an object that a writer of `sub` can own.
pub fn fields_of(obj: &Value, sub: Sub) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(m) = obj.as_object() else { return out };
    for (k, v) in m {
        let counts = match sub {
            Sub::Main => !matches!(k.as_str(), "apiVersion" | "kind" | "status"),
            Sub::Status | Sub::Approval => k == "status",
        };
        if !counts {
            continue;
        }
        if k == "metadata" {
            if let Some(meta) = v.as_object() {
                for (mk, mv) in meta
                    .iter()
                    .filter(|(mk, _)| !SERVER_META.contains(&mk.as_str()))
                {
                    collect(mv, &mut vec![k.clone(), mk.clone()], &mut out);
                }
            }
        } else {
            collect(v, &mut vec![k.clone()], &mut out);
        }
    }
    out
}

pub fn get_path<'a>(v: &'a Value, p: &[String]) -> Option<&'a Value> {
    p.iter().try_fold(v, |cur, seg| cur.as_object()?.get(seg))
}

/// Removes a field and then any parent map it leaves empty.
fn remove_path(v: &mut Value, p: &[String]) {
    let Some((last, parents)) = p.split_last() else {
        return;
    };
    if let Some(Value::Object(m)) = parents
        .iter()
        .try_fold(&mut *v, |cur, seg| cur.as_object_mut()?.get_mut(seg))
    {
        m.remove(last);
        if m.is_empty() && parents.len() > 1 {
            remove_path(v, parents);
        }
    }
}

fn overlaps(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// Deep-merges `src` into `dst`: maps merge, everything else replaces.
pub fn merge(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, sv) in s {
                match d.get_mut(k) {
                    Some(dv) if dv.is_object() && sv.is_object() => merge(dv, sv),
                    _ => {
                        d.insert(k.clone(), sv.clone());
                    }
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for seg in path {
            let child = node.entry(format!("f:{seg}")).or_insert_with(|| json!({}));
            if !child.is_object() {
                *child = json!({});
            }
            let Some(m) = child.as_object_mut() else {
                break;
            };
            node = m;
        }
    }
    mark_self(&mut root, set, &mut Vec::new());
    Value::Object(root)
}

/// A path that is both owned and a parent of owned paths gets a `.` entry.
fn mark_self(node: &mut Map<String, Value>, set: &FieldSet, prefix: &mut FieldPath) {
    for (k, v) in node.iter_mut() {
        let Some(name) = k.strip_prefix("f:") else {
            continue;
        };
        prefix.push(name.to_string());
        if let Some(m) = v.as_object_mut() {
            if !m.is_empty() && set.contains(prefix) {
                m.insert(".".into(), json!({}));
            }
            mark_self(m, set, prefix);
        }
        prefix.pop();
    }
}

fn from_fields_v1(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
    let Some(m) = v.as_object() else { return };
    if m.is_empty() {
        if !prefix.is_empty() {
            out.insert(prefix.clone());
        }
        return;
    }
    for (k, c) in m {
        if let Some(name) = k.strip_prefix("f:") {
            prefix.push(name.to_string());
            from_fields_v1(c, prefix, out);
            prefix.pop();
        } else if !prefix.is_empty() {
            // `.` (the field itself) or list keys (`k:`, `v:`, `i:`): lists are atomic here.
            out.insert(prefix.clone());
        }
    }
}

pub fn read_managed(obj: &Value) -> Vec<Managed> {
    let Some(entries) = obj["metadata"]["managedFields"].as_array() else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let mut fields = FieldSet::new();
            from_fields_v1(&e["fieldsV1"], &mut Vec::new(), &mut fields);
            Some(Managed {
                manager: e["manager"].as_str()?.to_string(),
                operation: e["operation"].as_str().unwrap_or("Update").to_string(),
                api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                time: e["time"].as_str().unwrap_or_default().to_string(),
                subresource: e["subresource"].as_str().map(str::to_string),
                fields,
            })
        })
        .collect()
}

pub fn write_managed(obj: &mut Value, managed: &[Managed]) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let entries: Vec<Value> = managed
        .iter()
        .filter(|m| !m.fields.is_empty())
        .map(|m| {
            let mut e = json!({
                "manager": m.manager,
                "operation": m.operation,
                "apiVersion": m.api_version,
                "time": m.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&m.fields),
            });
            if let Some(s) = &m.subresource {
                e["subresource"] = json!(s);
            }
            e
        })
        .collect();
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(entries));
    }
}

fn is_entry(m: &Managed, manager: &str, op: &str, sub: Sub) -> bool {
    m.manager == manager && m.operation == op && m.subresource.as_deref() == sub.name()
}

fn entry<'a>(
    managed: &'a mut Vec<Managed>,
    manager: &str,
    op: &str,
    sub: Sub,
    api_version: &str,
) -> &'a mut Managed {
    let idx = match managed.iter().position(|m| is_entry(m, manager, op, sub)) {
        Some(i) => i,
        None => {
            managed.push(Managed {
                manager: manager.to_string(),
                operation: op.to_string(),
                api_version: api_version.to_string(),
                time: String::new(),
                subresource: sub.name().map(str::to_string),
                fields: FieldSet::new(),
            });
            managed.len() - 1
        }
    };
    &mut managed[idx]
}

fn dotted(p: &[String]) -> String {
    format!(".{}", p.join("."))
}

/// Applies `cfg` on `live` for `manager`; the result equals `live` when nothing changes.
pub fn apply(
    live: &Value,
    cfg: &Value,
    manager: &str,
    force: bool,
    sub: Sub,
    now: &str,
) -> Result<Value, ApiError> {
    let new_set = fields_of(cfg, sub);
    let mut managed = read_managed(live);
    let mut conflicts: Vec<(String, FieldPath)> = Vec::new();
    for m in managed
        .iter()
        .filter(|m| !is_entry(m, manager, "Apply", sub))
    {
        for p in &new_set {
            for q in m.fields.iter().filter(|q| overlaps(p, q)) {
                let at = if q.len() > p.len() { q } else { p };
                if get_path(live, at) != get_path(cfg, at) {
                    conflicts.push((m.manager.clone(), p.clone()));
                }
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            conflicts.dedup();
            let list: Vec<String> = conflicts
                .iter()
                .map(|(who, p)| format!("conflict with \"{who}\": {}", dotted(p)))
                .collect();
            return Err(ApiError::conflict(format!(
                "Apply failed with {} conflict{}: {}",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                list.join("\n")
            )));
        }
        for m in managed
            .iter_mut()
            .filter(|m| !is_entry(m, manager, "Apply", sub))
        {
            m.fields
                .retain(|q| !conflicts.iter().any(|(_, p)| overlaps(p, q)));
        }
    }

    let mut out = live.clone();
    let previous = managed
        .iter()
        .find(|m| is_entry(m, manager, "Apply", sub))
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    for p in previous.difference(&new_set) {
        let owned_elsewhere = managed
            .iter()
            .filter(|m| !is_entry(m, manager, "Apply", sub))
            .any(|m| m.fields.iter().any(|q| overlaps(p, q)));
        if !owned_elsewhere {
            remove_path(&mut out, p);
        }
    }
    for p in &new_set {
        if let Some(v) = get_path(cfg, p) {
            set_path(&mut out, p, v.clone());
        }
    }

    let api_version = cfg["apiVersion"].as_str().unwrap_or_default();
    let e = entry(&mut managed, manager, "Apply", sub, api_version);
    if e.fields != new_set || out != *live || e.time.is_empty() {
        e.fields = new_set;
        e.time = now.to_string();
        e.api_version = api_version.to_string();
    }
    managed.retain(|m| !m.fields.is_empty());
    write_managed(&mut out, &managed);
    Ok(out)
}

fn set_path(v: &mut Value, p: &[String], val: Value) {
    let Some((last, parents)) = p.split_last() else {
        return;
    };
    let mut cur = v;
    for seg in parents {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(m) = cur.as_object_mut() else { return };
        cur = m.entry(seg.clone()).or_insert_with(|| json!({}));
    }
    if !cur.is_object() {
        *cur = json!({});
    }
    if let Some(m) = cur.as_object_mut() {
        m.insert(last.clone(), val);
    }
}

/// Records the fields an update (create, replace, patch) changed as owned by `manager`.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, sub: Sub, now: &str) {
    let leaves = fields_of(new, sub);
    let changed: FieldSet = leaves
        .iter()
        .filter(|p| old.is_none_or(|o| get_path(o, p) != get_path(new, p)))
        .cloned()
        .collect();
    let mut managed = old.map(read_managed).unwrap_or_default();
    let before = managed.clone();
    for m in managed
        .iter_mut()
        .filter(|m| !is_entry(m, manager, "Update", sub))
    {
        m.fields.retain(|q| !changed.iter().any(|p| overlaps(p, q)));
    }
    if !changed.is_empty() {
        let api_version = new["apiVersion"].as_str().unwrap_or_default();
        let e = entry(&mut managed, manager, "Update", sub, api_version);
        e.fields.extend(changed);
        e.time = now.to_string();
    }
    for m in managed.iter_mut() {
        m.fields.retain(|q| get_path(new, q).is_some());
    }
    managed.retain(|m| !m.fields.is_empty());
    if managed != before || old.is_none() {
        write_managed(new, &managed);
    } else if let Some(o) = old {
        match o["metadata"].get("managedFields") {
            Some(mf) => new["metadata"]["managedFields"] = mf.clone(),
            None => {
                if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "x"}}, "data": data})
    }

    #[test]
    fn second_identical_apply_is_a_no_op() {
        let live =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "uid": "u"}});
        let once =
            apply(&live, &cm(json!({"a": "1"})), "m", false, Sub::Main, "t1").expect("apply");
        assert_eq!(once["data"]["a"], "1");
        let twice =
            apply(&once, &cm(json!({"a": "1"})), "m", false, Sub::Main, "t2").expect("apply");
        assert_eq!(once, twice);
    }

    #[test]
    fn another_manager_conflicts_unless_forced() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let a = apply(
            &live,
            &cm(json!({"k": "1"})),
            "alice",
            false,
            Sub::Main,
            "t",
        )
        .expect("apply");
        let err =
            apply(&a, &cm(json!({"k": "2"})), "bob", false, Sub::Main, "t").expect_err("conflict");
        assert_eq!(err.code, 409);
        assert!(err.message.contains("alice"), "{}", err.message);
        // Same value: shared ownership, no conflict.
        apply(&a, &cm(json!({"k": "1"})), "bob", false, Sub::Main, "t").expect("same value");
        let forced =
            apply(&a, &cm(json!({"k": "2"})), "bob", true, Sub::Main, "t").expect("forced");
        assert_eq!(forced["data"]["k"], "2");
        let owners: Vec<_> = read_managed(&forced)
            .into_iter()
            .filter(|m| {
                m.fields
                    .contains(&vec!["data".to_string(), "k".to_string()])
            })
            .map(|m| m.manager)
            .collect();
        assert_eq!(owners, vec!["bob"]);
    }

    #[test]
    fn dropping_a_field_from_the_config_removes_it() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let a = apply(
            &live,
            &cm(json!({"k": "1", "j": "2"})),
            "m",
            false,
            Sub::Main,
            "t",
        )
        .expect("apply");
        let b = apply(&a, &cm(json!({"k": "1"})), "m", false, Sub::Main, "t").expect("apply");
        assert!(b["data"].get("j").is_none());
    }

    #[test]
    fn fields_v1_round_trip() {
        let mut set = FieldSet::new();
        set.insert(vec!["metadata".into(), "labels".into(), "app".into()]);
        set.insert(vec!["spec".into()]);
        set.insert(vec!["spec".into(), "replicas".into()]);
        let v = to_fields_v1(&set);
        assert_eq!(v["f:spec"]["."], json!({}));
        let mut back = FieldSet::new();
        from_fields_v1(&v, &mut Vec::new(), &mut back);
        assert_eq!(back, set);
    }

    #[test]
    fn updates_take_ownership_of_changed_fields() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let a = apply(
            &live,
            &cm(json!({"k": "1"})),
            "applier",
            false,
            Sub::Main,
            "t",
        )
        .expect("apply");
        let mut edited = a.clone();
        edited["data"]["k"] = json!("9");
        record_update(Some(&a), &mut edited, "editor", Sub::Main, "t");
        let err = apply(
            &edited,
            &cm(json!({"k": "1"})),
            "applier",
            false,
            Sub::Main,
            "t",
        )
        .expect_err("conflict");
        assert!(err.message.contains("editor"));
    }
}
