//! Field sets and their `managedFields` encoding (FieldsV1): which leaf fields a write touches.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

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
pub(crate) fn remove_path(v: &mut Value, p: &[String]) {
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

pub(crate) fn overlaps(a: &[String], b: &[String]) -> bool {
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

pub(crate) fn to_fields_v1(set: &FieldSet) -> Value {
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
pub(crate) fn mark_self(node: &mut Map<String, Value>, set: &FieldSet, prefix: &mut FieldPath) {
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

pub(crate) fn from_fields_v1(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
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
