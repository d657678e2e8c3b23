//! Sprig's dictionary functions (`dict`, `get`, `set`, `hasKey`, `merge`,
//! `mergeOverwrite` with mergo's rules, `pluck`, `dig`, ...). Maps are shared, so
//! `set` and `merge` change the map every holder sees, as in Go.

use gotmpl::ArgKind::{Any as A, String as S};
use gotmpl::{Map, Value};

use super::{Reg, arg, is_empty, map_arg, sarg, strval};

/// mergo's `Merge`/`MergeWithOverwrite` of `src` into `dst` (in place).
fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > 100 || dst.ptr_eq(src) {
        return;
    }
    for (k, sv) in src.entries() {
        let dv = dst.get(&k);
        if sv.is_nil() {
            if overwrite {
                dst.insert(k, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_into(dm, sm, overwrite, depth + 1);
        }
        if let Some(d) = &dv
            && !is_empty(d)
        {
            if matches!(sv, Value::List(_)) {
                if overwrite {
                    dst.insert(k, sv);
                }
                continue;
            }
            if matches!((&sv, d), (Value::Map(_), Value::Map(_))) {
                continue;
            }
        }
        if overwrite || dv.as_ref().is_none_or(is_empty) {
            dst.insert(k, sv);
        }
    }
}

fn dig(keys: &[String], default: Value, dict: &Map) -> Result<Value, String> {
    let Some((k, rest)) = keys.split_first() else {
        return Ok(default);
    };
    match dict.get(k) {
        None => Ok(default),
        Some(v) if rest.is_empty() => Ok(v),
        Some(Value::Map(m)) => dig(rest, default, &m),
        Some(other) => Err(format!(
            "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
            other.type_name()
        )),
    }
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("dict", &[], Some(A), |a| {
        let m = Map::new();
        for pair in a.chunks(2) {
            let key = strval(&pair[0]);
            m.insert(key, pair.get(1).cloned().unwrap_or_else(|| Value::from("")));
        }
        Ok(Value::Map(m))
    });
    r.f("get", &[A, S], None, |a| {
        Ok(map_arg(&arg(a, 0))?
            .get(&sarg(a, 1))
            .unwrap_or_else(|| Value::from("")))
    });
    r.f("set", &[A, S, A], None, |a| {
        let d = arg(a, 0);
        if d.is_nil() {
            return Err("assignment to entry in nil map".into());
        }
        let m = map_arg(&d)?;
        m.insert(sarg(a, 1), arg(a, 2));
        Ok(Value::Map(m))
    });
    r.f("unset", &[A, S], None, |a| {
        let m = map_arg(&arg(a, 0))?;
        m.remove(&sarg(a, 1));
        Ok(Value::Map(m))
    });
    r.f("hasKey", &[A, S], None, |a| {
        Ok(Value::Bool(map_arg(&arg(a, 0))?.contains_key(&sarg(a, 1))))
    });
    r.f("pluck", &[S], Some(A), |a| {
        let key = sarg(a, 0);
        let mut out = Vec::new();
        for d in &a[1..] {
            if let Some(v) = map_arg(d)?.get(&key) {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    });
    r.f("keys", &[], Some(A), |a| {
        let mut out = Vec::new();
        for d in a {
            out.extend(map_arg(d)?.keys().into_iter().map(Value::String));
        }
        Ok(Value::list(out))
    });
    r.f("values", &[A], None, |a| {
        Ok(Value::list(
            map_arg(&arg(a, 0))?.entries().into_iter().map(|(_, v)| v),
        ))
    });
    r.f("pick", &[A], Some(S), |a| {
        let src = map_arg(&arg(a, 0))?;
        let out = Map::new();
        for k in &a[1..] {
            let k = strval(k);
            if let Some(v) = src.get(&k) {
                out.insert(k, v);
            }
        }
        Ok(Value::Map(out))
    });
    r.f("omit", &[A], Some(S), |a| {
        let src = map_arg(&arg(a, 0))?;
        let drop: Vec<String> = a[1..].iter().map(strval).collect();
        Ok(Value::Map(
            src.entries()
                .into_iter()
                .filter(|(k, _)| !drop.iter().any(|d| **d == **k))
                .collect(),
        ))
    });
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        r.f(name, &[A], Some(A), move |a| {
            let dst = map_arg(&arg(a, 0))?;
            for s in &a[1..] {
                merge_into(&dst, &map_arg(s)?, overwrite, 0);
            }
            Ok(Value::Map(dst))
        });
    }
    r.f("dig", &[], Some(A), |a| {
        if a.len() < 3 {
            return Err("dig needs at least three arguments".into());
        }
        let dict = match &a[a.len() - 1] {
            Value::Map(m) => m.clone(),
            other => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    other.type_name()
                ));
            }
        };
        let default = a[a.len() - 2].clone();
        let keys: Vec<String> = a[..a.len() - 2].iter().map(strval).collect();
        dig(&keys, default, &dict)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(j: serde_json::Value) -> Map {
        match Value::from(j) {
            Value::Map(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn mergo_rules() {
        let dst = m(json!({"a": 1, "z": 0, "n": {"x": 1}, "l": [1]}));
        merge_into(
            &dst,
            &m(json!({"a": 2, "z": 5, "n": {"x": 2, "y": 3}, "l": [2], "new": "v"})),
            false,
            0,
        );
        assert_eq!(
            Value::Map(dst).to_json(),
            json!({"a": 1, "z": 5, "n": {"x": 1, "y": 3}, "l": [1], "new": "v"})
        );
        let dst = m(json!({"a": 1, "n": {"x": 1}, "l": [1]}));
        merge_into(
            &dst,
            &m(json!({"a": 2, "n": {"y": 3}, "l": [2], "k": null})),
            true,
            0,
        );
        assert_eq!(
            Value::Map(dst).to_json(),
            json!({"a": 2, "n": {"x": 1, "y": 3}, "l": [2], "k": null})
        );
    }
}
