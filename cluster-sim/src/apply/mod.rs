//! Server-side apply and field ownership (`metadata.managedFields`, FieldsV1 format).
//!
//! Ownership is tracked per leaf field (a scalar, a list or an empty map); lists are atomic.

mod fields;

use serde_json::{Value, json};

pub use fields::{
    FieldPath, FieldSet, Managed, fields_of, get_path, merge, read_managed, write_managed,
};
use fields::{overlaps, remove_path};

use crate::error::ApiError;
use crate::objects::Sub;

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
    use super::fields::{from_fields_v1, to_fields_v1};
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
