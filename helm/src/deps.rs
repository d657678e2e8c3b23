//! Subchart selection as Helm's `ProcessDependencies` does it: dependencies
//! declared in `Chart.yaml` are matched to the charts in `charts/` by name and
//! version range, renamed by `alias`, and dropped when their `tags` or
//! `condition` values say so.

use gotmpl::{Map, Value};

use crate::chart::Chart;
use crate::semver::is_compatible_range;
use crate::values::coalesce_values;

/// Helm's `CheckDependencies`: every declared dependency must be present.
pub fn check_present(c: &Chart) -> Result<(), String> {
    let missing: Vec<&str> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !c.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        ))
    }
}

fn path_value(vals: &Map, path: &str) -> Option<Value> {
    let mut parts = path.split('.').peekable();
    let mut cur = vals.clone();
    while let Some(p) = parts.next() {
        let v = cur.get(p)?;
        if parts.peek().is_none() {
            return Some(v);
        }
        match v {
            Value::Map(m) => cur = m,
            _ => return None,
        }
    }
    None
}

/// Applies aliases, tags and conditions, recursively (Helm's
/// `processDependencyEnabled`).
pub fn process(c: &mut Chart, vals: &Map, path: &str, depth: usize) -> Result<(), String> {
    if c.metadata.dependencies.is_empty() || depth > 20 {
        return Ok(());
    }
    let mut kept: Vec<Chart> = c
        .dependencies
        .iter()
        .filter(|existing| {
            !c.metadata.dependencies.iter().any(|req| {
                existing.name() == req.name
                    && is_compatible_range(&req.version, &existing.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in &mut c.metadata.dependencies {
        if let Some(found) = c.dependencies.iter().find(|d| {
            d.name() == req.name && is_compatible_range(&req.version, &d.metadata.version)
        }) {
            let mut aliased = found.clone();
            if !req.alias.is_empty() {
                aliased.metadata.name = req.alias.clone();
            }
            kept.push(aliased);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
        req.enabled = true;
    }
    c.dependencies = kept;
    let cvals = coalesce_values(c, vals)?;
    let tags = match cvals.get("tags") {
        Some(Value::Map(t)) => Some(t),
        _ => None,
    };
    for req in &mut c.metadata.dependencies {
        if let Some(tags) = &tags {
            let (mut has_true, mut has_false) = (false, false);
            for t in &req.tags {
                match tags.get(t) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            req.enabled = has_true || !has_false;
        }
        for cond in req.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(&cvals, &format!("{path}{cond}")) {
                req.enabled = b;
                break;
            }
        }
    }
    let disabled: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies
        .retain(|d| !disabled.iter().any(|n| n == d.name()));
    c.metadata
        .dependencies
        .retain(|r| !disabled.contains(&r.name));
    for sub in &mut c.dependencies {
        let sub_path = format!("{path}{}.", sub.name());
        process(sub, &cvals, &sub_path, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::load_files;
    use serde_json::json;

    fn chart() -> Chart {
        let f = |n: &str, t: &str| (n.to_string(), t.as_bytes().to_vec());
        load_files(
            vec![
                f(
                    "Chart.yaml",
                    "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: a\n  version: ~1.0.0\n  condition: a.enabled\n- name: b\n  version: 1.x\n  alias: bee\n  tags: [extra]\n",
                ),
                f("values.yaml", "a: {enabled: true}\n"),
                f("charts/a/Chart.yaml", "name: a\nversion: 1.0.3\n"),
                f("charts/b/Chart.yaml", "name: b\nversion: 1.2.0\n"),
            ],
            0,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn names(c: &Chart) -> Vec<String> {
        let mut v: Vec<String> = c
            .dependencies
            .iter()
            .map(|d| d.name().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn aliases_conditions_and_tags() {
        let mut c = chart();
        assert!(process(&mut c, &Map::new(), "", 0).is_ok());
        assert_eq!(names(&c), vec!["a", "bee"]);

        let mut c = chart();
        let Value::Map(v) = Value::from(json!({"a": {"enabled": false}, "tags": {"extra": false}}))
        else {
            panic!()
        };
        assert!(process(&mut c, &v, "", 0).is_ok());
        assert!(names(&c).is_empty());
    }

    #[test]
    fn missing_dependencies_are_reported() {
        let mut c = chart();
        c.dependencies.clear();
        assert!(check_present(&c).is_err_and(|e| e.ends_with("charts/ directory: a, b")));
    }
}
