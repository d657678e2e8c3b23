//! Conversions, defaults and reflection: Sprig's `strval`, spf13/cast's number
//! rules, `default`/`empty`/`coalesce`/`ternary`, `typeOf`/`kindOf`.

use gotmpl::ArgKind::{Any as A, Bool as B, String as S};
use gotmpl::Value;

use super::{Reg, arg, sarg};
use crate::objects::bytes_of;

/// Sprig's `strval`: strings as they are, `[]byte` as text, others as `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Object(_) => match bytes_of(v) {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => gotmpl::sprint(std::slice::from_ref(v)),
        },
        _ => gotmpl::sprint(std::slice::from_ref(v)),
    }
}

/// spf13/cast's `ToInt64` (errors give 0).
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) if f.is_finite() => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => {
            let t = trim_zero_decimal(s).replace('_', "");
            yaml_int(&t).unwrap_or(0)
        }
        _ => 0,
    }
}

fn yaml_int(s: &str) -> Option<i64> {
    crate::yaml::go_parse_int(s)
}

fn trim_zero_decimal(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, frac)) if !int.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        _ => s,
    }
}

/// spf13/cast's `ToFloat64` (errors give 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|_| go_float_text(s))
            .unwrap_or(0.0),
        _ => 0.0,
    }
}

fn go_float_text(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
}

/// Sprig's `empty`: zero values, empty strings/lists/maps and nil are empty;
/// structs never are.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.as_value().is_some_and(|x| is_empty(&x)),
        Value::Func(_) => false,
        other => !other.is_true(),
    }
}

/// Go's `reflect.Kind` name.
pub fn kind_of(v: &Value) -> String {
    match v {
        Value::Nil => "invalid".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_) => "int".into(),
        Value::Float(_) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::List(_) => "slice".into(),
        Value::Map(_) => "map".into(),
        Value::Func(_) => "func".into(),
        Value::Object(o) => {
            let t = o.type_name();
            if t.starts_with('*') {
                "ptr".into()
            } else if t.starts_with("[]") {
                "slice".into()
            } else if t.starts_with("struct") || o.as_value().is_none() {
                "struct".into()
            } else {
                o.as_value().map_or("struct".into(), |x| kind_of(&x))
            }
        }
    }
}

/// Sprig's `strslice` (`toStrings`).
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::Nil => Vec::new(),
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Object(o) if bytes_of(v).is_none() => match o.as_value() {
            Some(Value::List(l)) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
            _ => vec![strval(v)],
        },
        Value::Object(_) => bytes_of(v)
            .unwrap_or_default()
            .iter()
            .map(|b| b.to_string())
            .collect(),
        other => vec![strval(other)],
    }
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("toString", &[A], None, |a| {
        Ok(Value::from(strval(&arg(a, 0))))
    });
    r.f("toStrings", &[A], None, |a| {
        Ok(Value::list(
            strslice(&arg(a, 0)).into_iter().map(Value::from),
        ))
    });
    r.f("atoi", &[S], None, |a| {
        Ok(Value::Int(sarg(a, 0).parse::<i64>().unwrap_or(0)))
    });
    r.f("int", &[A], None, |a| Ok(Value::Int(to_int64(&arg(a, 0)))));
    r.f("int64", &[A], None, |a| {
        Ok(Value::Int(to_int64(&arg(a, 0))))
    });
    r.f("float64", &[A], None, |a| {
        Ok(Value::Float(to_float64(&arg(a, 0))))
    });
    r.f("toDecimal", &[A], None, |a| {
        let s = strval(&arg(a, 0));
        Ok(Value::Int(i64::from_str_radix(&s, 8).unwrap_or(0)))
    });
    r.f("default", &[A], Some(A), |a| {
        let given = a.get(1).cloned().unwrap_or_default();
        Ok(if a.len() < 2 || is_empty(&given) {
            arg(a, 0)
        } else {
            given
        })
    });
    r.f("empty", &[A], None, |a| {
        Ok(Value::Bool(is_empty(&arg(a, 0))))
    });
    r.f("coalesce", &[], Some(A), |a| {
        Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or_default())
    });
    r.f("all", &[], Some(A), |a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    r.f("any", &[], Some(A), |a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    r.f("ternary", &[A, A, B], None, |a| {
        Ok(if matches!(a.get(2), Some(Value::Bool(true))) {
            arg(a, 0)
        } else {
            arg(a, 1)
        })
    });
    r.f("deepCopy", &[A], None, |a| {
        Ok(crate::values::deep_copy(&arg(a, 0)))
    });
    r.f("mustDeepCopy", &[A], None, |a| {
        Ok(crate::values::deep_copy(&arg(a, 0)))
    });
    r.f("typeOf", &[A], None, |a| {
        Ok(Value::from(arg(a, 0).type_name()))
    });
    r.f("typeIs", &[S, A], None, |a| {
        Ok(Value::Bool(sarg(a, 0) == arg(a, 1).type_name()))
    });
    r.f("typeIsLike", &[S, A], None, |a| {
        let t = arg(a, 1).type_name();
        let want = sarg(a, 0);
        Ok(Value::Bool(want == t || want == format!("*{t}")))
    });
    r.f("kindOf", &[A], None, |a| {
        Ok(Value::from(kind_of(&arg(a, 0))))
    });
    r.f("kindIs", &[S, A], None, |a| {
        Ok(Value::Bool(sarg(a, 0) == kind_of(&arg(a, 1))))
    });
    r.f("deepEqual", &[A, A], None, |a| {
        Ok(Value::Bool(arg(a, 0) == arg(a, 1)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_rules() {
        assert_eq!(to_int64(&Value::from("42")), 42);
        assert_eq!(to_int64(&Value::from("0x10")), 16);
        assert_eq!(to_int64(&Value::from("1.0")), 1);
        assert_eq!(to_int64(&Value::from("1.5")), 0);
        assert_eq!(to_int64(&Value::Float(2.9)), 2);
        assert_eq!(to_float64(&Value::from("1.5")), 1.5);
        assert_eq!(to_float64(&Value::from("x")), 0.0);
    }

    #[test]
    fn emptiness_and_strings() {
        assert!(is_empty(&Value::Nil));
        assert!(is_empty(&Value::Float(0.0)));
        assert!(!is_empty(&Value::from("0")));
        assert_eq!(strval(&Value::Float(1e6)), "1e+06");
        assert_eq!(
            strslice(&Value::list([Value::Int(1), Value::Nil, Value::from("a")])),
            vec!["1", "a"]
        );
    }
}
