//! Sprig's list functions (`list`, `append`, `first`, `uniq`, `has`, `slice`,
//! `concat`, `compact`, `chunk`, ...) with their errors for non-lists.

use gotmpl::ArgKind::{Any as A, Int as I};
use gotmpl::Value;

use super::conv::kind_of;
use super::{Reg, arg, iarg, is_empty, to_int64};

/// Go's message for `reflect.TypeOf(nil).Kind()`.
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The elements of a slice or array value; `Err` carries its kind name.
fn items(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.to_vec()),
        Value::Nil => Err(NIL_DEREF.into()),
        Value::Object(o) => match o.as_value() {
            Some(Value::List(l)) => Ok(l.to_vec()),
            _ => Err(kind_of(v)),
        },
        other => Err(kind_of(other)),
    }
}

fn with_items(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    items(v).map_err(|k| {
        if k == NIL_DEREF {
            k
        } else {
            format!("Cannot {what} on type {k}")
        }
    })
}

fn list(v: Vec<Value>) -> Value {
    Value::list(v)
}

pub(super) fn register(r: &mut Reg<'_>) {
    for name in ["list", "tuple"] {
        r.f(name, &[], Some(A), |a| Ok(list(a.to_vec())));
    }
    for name in ["append", "push", "mustAppend", "mustPush"] {
        r.f(name, &[A, A], None, |a| {
            let mut l = with_items(&arg(a, 0), "push")?;
            l.push(arg(a, 1));
            Ok(list(l))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        r.f(name, &[A, A], None, |a| {
            let mut l = with_items(&arg(a, 0), "prepend")?;
            l.insert(0, arg(a, 1));
            Ok(list(l))
        });
    }
    for name in ["first", "mustFirst"] {
        r.f(name, &[A], None, |a| {
            Ok(with_items(&arg(a, 0), "find first")?
                .into_iter()
                .next()
                .unwrap_or_default())
        });
    }
    for name in ["last", "mustLast"] {
        r.f(name, &[A], None, |a| {
            Ok(with_items(&arg(a, 0), "find last")?
                .pop()
                .unwrap_or_default())
        });
    }
    for name in ["rest", "mustRest"] {
        r.f(name, &[A], None, |a| {
            let l = with_items(&arg(a, 0), "find rest")?;
            Ok(if l.is_empty() {
                Value::Nil
            } else {
                list(l[1..].to_vec())
            })
        });
    }
    for name in ["initial", "mustInitial"] {
        r.f(name, &[A], None, |a| {
            let mut l = with_items(&arg(a, 0), "find initial")?;
            Ok(if l.pop().is_none() {
                Value::Nil
            } else {
                list(l)
            })
        });
    }
    for name in ["reverse", "mustReverse"] {
        r.f(name, &[A], None, |a| {
            let mut l = with_items(&arg(a, 0), "find reverse")?;
            l.reverse();
            Ok(list(l))
        });
    }
    for name in ["uniq", "mustUniq"] {
        r.f(name, &[A], None, |a| {
            let mut out: Vec<Value> = Vec::new();
            for x in with_items(&arg(a, 0), "find uniq")? {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Ok(list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        r.f(name, &[A], Some(A), |a| {
            let omit = &a[1.min(a.len())..];
            let l = with_items(&arg(a, 0), "find without")?;
            Ok(list(l.into_iter().filter(|x| !omit.contains(x)).collect()))
        });
    }
    for name in ["has", "mustHas"] {
        r.f(name, &[A, A], None, |a| {
            let hay = arg(a, 1);
            if hay.is_nil() {
                return Ok(Value::Bool(false));
            }
            let l = with_items(&hay, "find has")?;
            Ok(Value::Bool(l.contains(&arg(a, 0))))
        });
    }
    for name in ["compact", "mustCompact"] {
        r.f(name, &[A], None, |a| {
            let l = with_items(&arg(a, 0), "compact")?;
            Ok(list(l.into_iter().filter(|x| !is_empty(x)).collect()))
        });
    }
    for name in ["slice", "mustSlice"] {
        r.f(name, &[A], Some(A), |a| {
            let l = items(&arg(a, 0))
                .map_err(|k| format!("list should be type of slice or array but {k}"))?;
            if l.is_empty() {
                return Ok(Value::Nil);
            }
            let start = a.get(1).map(to_int64).unwrap_or(0);
            let end = a.get(2).map(to_int64).unwrap_or(l.len() as i64);
            let len = l.len() as i64;
            if start < 0 || end < start || end > len {
                return Err(format!(
                    "reflect: slice index out of range [{start}:{end}] with length {len}"
                ));
            }
            Ok(list(l[start as usize..end as usize].to_vec()))
        });
    }
    r.f("concat", &[], Some(A), |a| {
        let mut out = Vec::new();
        for v in a {
            let l = items(v).map_err(|k| format!("Cannot concat type {k} as list"))?;
            out.extend(l);
        }
        Ok(list(out))
    });
    for name in ["chunk", "mustChunk"] {
        r.f(name, &[I, A], None, |a| {
            let size = iarg(a, 0);
            let l = with_items(&arg(a, 1), "chunk")?;
            if size <= 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(list(
                l.chunks(size as usize).map(|c| list(c.to_vec())).collect(),
            ))
        });
    }
}
