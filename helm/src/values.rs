//! Values precedence as Helm computes it: user files merged in order
//! (`mergeMaps`), `--set` on top, then coalesced with the chart's `values.yaml`
//! and, for each subchart, its own defaults under its name plus `global`
//! (`chartutil.CoalesceValues`).

use std::sync::Arc;

use gotmpl::{Map, Value};

use crate::chart::Chart;

const GLOBAL: &str = "global";

/// A deep copy (Go's `copystructure.Copy`): no map is shared with the original.
pub fn deep_copy(v: &Value) -> Value {
    deep_copy_depth(v, 0)
}

fn deep_copy_depth(v: &Value, depth: usize) -> Value {
    if depth > 1000 {
        return Value::Nil;
    }
    match v {
        Value::Map(m) => Value::Map(copy_map_depth(m, depth)),
        Value::List(l) => Value::List(Arc::new(
            l.iter().map(|x| deep_copy_depth(x, depth + 1)).collect(),
        )),
        other => other.clone(),
    }
}

/// A deep copy of a map.
pub fn copy_map(m: &Map) -> Map {
    copy_map_depth(m, 0)
}

fn copy_map_depth(m: &Map, depth: usize) -> Map {
    m.entries()
        .into_iter()
        .map(|(k, v)| (k, deep_copy_depth(&v, depth + 1)))
        .collect()
}

/// Helm's `mergeMaps` for `-f` files: nested maps merge, anything else replaces.
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let out = a.shallow_clone();
    for (k, v) in b.entries() {
        if let (Value::Map(bv), Some(Value::Map(av))) = (&v, out.get(&k)) {
            out.insert(k, Value::Map(merge_maps(&av, bv)));
            continue;
        }
        out.insert(k, v);
    }
    out
}

fn as_map(v: Option<Value>) -> Option<Map> {
    match v {
        Some(Value::Map(m)) => Some(m),
        _ => None,
    }
}

/// `chartutil.CoalesceValues(chart, vals)`: the values every template sees.
pub fn coalesce_values(chart: &Chart, vals: &Map) -> Result<Map, String> {
    let dest = copy_map(vals);
    coalesce(chart, &dest, false)?;
    Ok(dest)
}

fn coalesce(chart: &Chart, dest: &Map, merge: bool) -> Result<(), String> {
    coalesce_chart_values(chart, dest, merge);
    coalesce_deps(chart, dest, merge)
}

fn coalesce_deps(chart: &Chart, dest: &Map, merge: bool) -> Result<(), String> {
    for sub in &chart.dependencies {
        let name = sub.name();
        let dv = match dest.get(name) {
            None => {
                let m = Map::new();
                dest.insert(name, Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                return Err(format!(
                    "type mismatch on {name}: {}",
                    gotmpl::sprintf("%t", &[other])
                ));
            }
        };
        coalesce_globals(&dv, dest);
        coalesce(sub, &dv, merge)?;
    }
    Ok(())
}

/// Copies `global` from `src` (the parent's values) into `dest` (a subchart's).
fn coalesce_globals(dest: &Map, src: &Map) {
    let dg = match dest.get(GLOBAL) {
        None => Map::new(),
        Some(Value::Map(m)) => m,
        Some(_) => return,
    };
    let sg = match src.get(GLOBAL) {
        None => Map::new(),
        Some(Value::Map(m)) => m,
        Some(_) => return,
    };
    for (key, val) in sg.entries() {
        match &val {
            Value::Map(vm) => {
                let vv = vm.shallow_clone();
                match dg.get(&key) {
                    None => {
                        dg.insert(key, Value::Map(vv));
                    }
                    Some(Value::Map(destv)) => {
                        coalesce_tables(&vv, &destv, true);
                        dg.insert(key, Value::Map(vv));
                    }
                    Some(_) => {}
                }
            }
            _ => {
                if !matches!(dg.get(&key), Some(Value::Map(_))) {
                    dg.insert(key, val);
                }
            }
        }
    }
    dest.insert(GLOBAL, Value::Map(dg));
}

/// Fills `v` from the chart's own defaults; `v` wins.
fn coalesce_chart_values(chart: &Chart, v: &Map, merge: bool) {
    let vc = copy_map(&chart.values);
    for (key, val) in vc.entries() {
        if !v.contains_key(&key) {
            v.insert(key, val);
            continue;
        }
        let value = v.get(&key).unwrap_or_default();
        if value.is_nil() && !merge {
            v.remove(&key);
        } else if let Value::Map(dest) = value
            && let Value::Map(src) = val
        {
            let merge = merge || chart.dependencies.iter().any(|d| d.name() == &*key);
            coalesce_tables(&dest, &src, merge);
        }
    }
}

/// `coalesceTablesFullKey`: merges `src` into `dst`, `dst` wins; a null in `dst`
/// deletes the key unless merging.
pub fn coalesce_tables(dst: &Map, src: &Map, merge: bool) {
    for (key, val) in dst.entries() {
        if val.is_nil() {
            src.insert(key, Value::Nil);
        }
    }
    for (key, val) in src.entries() {
        match dst.get(&key) {
            Some(Value::Nil) if !merge => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(dv) => {
                if let (Value::Map(s), Value::Map(d)) = (&val, &dv) {
                    coalesce_tables(d, s, merge);
                }
            }
        }
    }
}

/// The subchart's slice of the parent's values (`Values.<name>`), or empty.
pub fn table(values: &Map, name: &str) -> Map {
    as_map(values.get(name)).unwrap_or_default()
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
                f("Chart.yaml", "name: top\nversion: 1.0.0\n"),
                f(
                    "values.yaml",
                    "a: 1\nkeep: {x: 1, w: 2}\ndrop: 5\nsub: {fromParent: p}\nglobal: {g: top, nested: {a: 1}}\n",
                ),
                f("charts/sub/Chart.yaml", "name: sub\nversion: 1.0.0\n"),
                f(
                    "charts/sub/values.yaml",
                    "own: o\nfromParent: default\nglobal: {g: sub, s: only, nested: {b: 2}}\n",
                ),
            ],
            0,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn user_values_win_and_null_deletes() {
        let user = Value::from(json!({"a": 2, "drop": null, "keep": {"w": null, "z": 3}}));
        let Value::Map(user) = user else { panic!() };
        let out = coalesce_values(&chart(), &user).unwrap_or_default();
        let j = Value::Map(out).to_json();
        assert_eq!(j["a"], json!(2));
        assert!(j.get("drop").is_none());
        assert_eq!(j["keep"], json!({"x": 1.0, "z": 3}));
    }

    #[test]
    fn subcharts_get_their_defaults_and_globals() {
        let out = coalesce_values(&chart(), &Map::new()).unwrap_or_default();
        let j = Value::Map(out).to_json();
        assert_eq!(j["sub"]["own"], json!("o"));
        assert_eq!(j["sub"]["fromParent"], json!("p"));
        assert_eq!(j["sub"]["global"]["g"], json!("top"));
        assert_eq!(j["sub"]["global"]["s"], json!("only"));
        assert_eq!(j["sub"]["global"]["nested"], json!({"a": 1.0, "b": 2.0}));
    }

    #[test]
    fn merge_maps_is_deep_for_maps_only() {
        let Value::Map(a) = Value::from(json!({"m": {"x": 1, "l": [1]}, "s": 1})) else {
            panic!()
        };
        let Value::Map(b) = Value::from(json!({"m": {"y": 2, "l": [2]}, "s": {"n": 1}})) else {
            panic!()
        };
        let out = Value::Map(merge_maps(&a, &b)).to_json();
        assert_eq!(out, json!({"m": {"x": 1, "y": 2, "l": [2]}, "s": {"n": 1}}));
    }
}
