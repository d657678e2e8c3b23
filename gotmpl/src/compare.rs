//! Go's comparison builtins `eq ne lt le gt ge`: basic kinds compare by value,
//! ints and floats do not mix, nil equals only nil, lists and maps do not compare.

use crate::exec::Val;
use crate::printf::sprintf;
use crate::value::Value;

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

const BAD_TYPE: &str = "invalid type for comparison";
const INCOMPATIBLE: &str = "incompatible types for comparison";

/// Go's `indirectInterface` then the data behind an object.
fn indirect(v: &Val) -> Option<Value> {
    v.get().map(Value::data)
}

fn kind(v: &Option<Value>) -> Kind {
    match v {
        Some(Value::Bool(_)) => Kind::Bool,
        Some(Value::Int(_)) => Kind::Int,
        Some(Value::Float(_)) => Kind::Float,
        Some(Value::String(_)) => Kind::String,
        _ => Kind::Invalid,
    }
}

/// The reflect kind of a non-basic value, for Go's `canCompare`.
fn reflect_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(_) => "ptr",
        Value::Func(_) => "func",
        _ => "basic",
    }
}

fn eq_pair(a: &Option<Value>, b: &Option<Value>) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    if k1 != k2 {
        if a.is_some() && b.is_some() {
            return Err(INCOMPATIBLE.into());
        }
        return Ok(false);
    }
    Ok(match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x == y,
        (Some(Value::Int(x)), Some(Value::Int(y))) => x == y,
        (Some(Value::Float(x)), Some(Value::Float(y))) => x == y,
        (Some(Value::String(x)), Some(Value::String(y))) => x == y,
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(x), Some(y)) => {
            if reflect_kind(x) != reflect_kind(y) {
                return Err(sprintf(
                    "non-comparable types %s: %v, %s: %v",
                    &[
                        x.clone(),
                        Value::from(x.type_name()),
                        Value::from(y.type_name()),
                        y.clone(),
                    ],
                ));
            }
            match (x, y) {
                (Value::Object(p), Value::Object(q)) => std::sync::Arc::ptr_eq(p, q),
                _ => {
                    return Err(sprintf(
                        "non-comparable type %s: %v",
                        &[y.clone(), Value::from(y.type_name())],
                    ));
                }
            }
        }
    })
}

/// `eq arg1 arg2...`: whether arg1 equals any of the others.
pub(crate) fn eq(args: &[Val]) -> Result<bool, String> {
    let a = indirect(&args[0]);
    if args.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    for b in &args[1..] {
        if eq_pair(&a, &indirect(b))? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `lt a b`.
pub(crate) fn lt(a: &Val, b: &Val) -> Result<bool, String> {
    let (x, y) = (indirect(a), indirect(b));
    let (k1, k2) = (kind(&x), kind(&y));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(BAD_TYPE.into());
    }
    if k1 != k2 {
        return Err(INCOMPATIBLE.into());
    }
    match (x, y) {
        (Some(Value::Int(p)), Some(Value::Int(q))) => Ok(p < q),
        (Some(Value::Float(p)), Some(Value::Float(q))) => Ok(p < q),
        (Some(Value::String(p)), Some(Value::String(q))) => Ok(p.as_bytes() < q.as_bytes()),
        _ => Err(BAD_TYPE.into()),
    }
}

/// `le a b`: `lt` or `eq`.
pub(crate) fn le(a: &Val, b: &Val) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(&[a.clone(), b.clone()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: Value) -> Val {
        Val::conc(v)
    }

    #[test]
    fn eq_basic_kinds() {
        assert_eq!(eq(&[c(1.into()), c(2.into()), c(1.into())]), Ok(true));
        assert_eq!(eq(&[c("a".into()), c("b".into())]), Ok(false));
        assert_eq!(eq(&[c(1.into()), c(1.0.into())]), Err(INCOMPATIBLE.into()));
        assert_eq!(eq(&[c("a".into()), Val::Invalid]), Ok(false));
        assert_eq!(eq(&[Val::Invalid, Val::Iface(Value::Nil)]), Ok(true));
        assert_eq!(
            eq(&[c(1.into())]),
            Err("missing argument for comparison".into())
        );
    }

    #[test]
    fn eq_non_comparable() {
        let l = c(Value::list([1.into()]));
        assert_eq!(
            eq(&[l.clone(), l.clone()]),
            Err("non-comparable type [%!s(int=1)]: []interface {}".into())
        );
        assert_eq!(eq(&[l, Val::Invalid]), Ok(false));
    }

    #[test]
    fn ordering() {
        assert_eq!(lt(&c(1.into()), &c(2.into())), Ok(true));
        assert_eq!(lt(&c("b".into()), &c("a".into())), Ok(false));
        assert_eq!(lt(&c(true.into()), &c(false.into())), Err(BAD_TYPE.into()));
        assert_eq!(lt(&c(1.into()), &c(2.5.into())), Err(INCOMPATIBLE.into()));
        assert_eq!(lt(&Val::Invalid, &c(2.into())), Err(BAD_TYPE.into()));
        assert_eq!(le(&c(2.into()), &c(2.into())), Ok(true));
    }
}
