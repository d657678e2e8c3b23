//! Go's predefined template functions (`and or not len index slice print printf
//! println html js urlquery eq ne lt le gt ge call`), with Go's signatures and
//! error messages. `and`/`or` short-circuit and are evaluated by the executor.

use crate::exec::Val;
use crate::funcs::{ArgKind, Signature};
use crate::gofmt::{sprint, sprintln};
use crate::node::Arg;
use crate::printf::sprintf;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Call,
}

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match name {
            "and" => And,
            "or" => Or,
            "not" => Not,
            "len" => Len,
            "index" => Index,
            "slice" => Slice,
            "print" => Print,
            "printf" => Printf,
            "println" => Println,
            "html" => Html,
            "js" => Js,
            "urlquery" => Urlquery,
            "eq" => Eq,
            "ne" => Ne,
            "lt" => Lt,
            "le" => Le,
            "gt" => Gt,
            "ge" => Ge,
            "call" => Call,
            _ => return None,
        })
    }

    /// The Go signature (`reflect.Value` and `interface{}` parameters are `Any`).
    pub fn signature(self) -> Signature {
        use ArgKind::Any;
        use Builtin::*;
        let (params, variadic): (&[ArgKind], Option<ArgKind>) = match self {
            And | Or | Index | Slice | Eq | Call => (&[Any], Some(Any)),
            Not | Len => (&[Any], None),
            Print | Println | Html | Js | Urlquery => (&[], Some(Any)),
            Printf => (&[ArgKind::String], Some(Any)),
            Ne | Lt | Le | Gt | Ge => (&[Any, Any], None),
        };
        Signature {
            params: params.to_vec(),
            variadic,
        }
    }
}

fn values(args: &[Val]) -> Vec<Value> {
    args.iter().map(Val::value).collect()
}

/// Calls a builtin with evaluated arguments; `nodes` are the argument nodes (for
/// `call`, which names its callee in errors).
pub(crate) fn call(b: Builtin, nodes: &[Arg], args: &[Val]) -> Result<Val, String> {
    use Builtin::*;
    let boolean = |r: Result<bool, String>| r.map(|t| Val::Conc(Value::Bool(t)));
    let string = |s: String| Ok(Val::Conc(Value::from(s)));
    match b {
        // Evaluated lazily by the executor; reached only without arguments to decide.
        And | Or => Ok(args.last().cloned().unwrap_or(Val::Invalid)),
        Not => Ok(Val::Conc(Value::Bool(!args[0].truth()))),
        Len => length(&args[0]).map(|n| Val::Conc(Value::from(n))),
        Index => index(&args[0], &args[1..]),
        Slice => slice(&args[0], &args[1..]),
        Print => string(sprint(&values(args))),
        Println => string(sprintln(&values(args))),
        Printf => {
            let format = args[0].value();
            string(sprintf(
                format.as_str().unwrap_or_default(),
                &values(&args[1..]),
            ))
        }
        Html => string(html_escape(&eval_args(args))),
        Js => string(js_escape(&eval_args(args))),
        Urlquery => string(query_escape(&eval_args(args))),
        Eq => boolean(crate::compare::eq(args)),
        Ne => boolean(crate::compare::eq(args).map(|t| !t)),
        Lt => boolean(crate::compare::lt(&args[0], &args[1])),
        Le => boolean(crate::compare::le(&args[0], &args[1])),
        Gt => boolean(crate::compare::le(&args[0], &args[1]).map(|t| !t)),
        Ge => boolean(crate::compare::lt(&args[0], &args[1]).map(|t| !t)),
        Call => {
            let name = nodes.first().map(ToString::to_string).unwrap_or_default();
            match args[0].get() {
                None => Err("call of nil".into()),
                Some(Value::Func(f)) => (f.0)(&values(&args[1..])).map(Val::Iface),
                Some(other) => Err(format!("non-function {name} of type {}", other.type_name())),
            }
        }
    }
}

fn length(v: &Val) -> Result<usize, String> {
    let item = match v {
        Val::Invalid => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Val::Iface(Value::Nil) => return Err("len of nil pointer".into()),
        Val::Iface(x) | Val::Conc(x) => x.data(),
    };
    match &item {
        Value::String(s) => Ok(s.len()),
        Value::List(l) => Ok(l.len()),
        Value::Map(m) => Ok(m.len()),
        other => Err(format!("len of type {}", other.type_name())),
    }
}

fn index_arg(index: &Val, cap: usize) -> Result<usize, String> {
    let x = match index.get() {
        Some(Value::Int(x)) => *x,
        None => return Err("cannot index slice/array with nil".into()),
        Some(other) => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ));
        }
    };
    match usize::try_from(x) {
        Ok(u) if u <= cap => Ok(u),
        _ => Err(format!("index out of range: {x}")),
    }
}

fn index(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let Some(first) = item.get() else {
        return Err("index of untyped nil".into());
    };
    if indexes.is_empty() {
        return Ok(item.clone());
    }
    let mut cur = first.clone();
    for idx in indexes {
        let data = cur.data();
        cur = match &data {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(idx, l.len())?;
                l.get(x)
                    .cloned()
                    .ok_or_else(|| format!("index out of range: {x}"))?
            }
            Value::String(s) => {
                let x = index_arg(idx, s.len())?;
                let byte = s
                    .as_bytes()
                    .get(x)
                    .ok_or_else(|| format!("index out of range: {x}"))?;
                Value::Int(i64::from(*byte))
            }
            Value::Map(m) => match idx.get() {
                Some(Value::String(k)) => m.get(k).unwrap_or(Value::Nil),
                None => return Err("value is nil; should be of type string".into()),
                Some(other) => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(Val::Iface(cur))
}

fn slice(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let Some(data) = item.get().map(Value::data) else {
        return Err("slice of untyped nil".into());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let cap = match &data {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, cap, cap];
    for (i, x) in indexes.iter().enumerate() {
        idx[i] = index_arg(x, cap)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(Val::Conc(match &data {
        Value::String(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::list(l[idx[0]..idx[1]].iter().cloned()),
        _ => Value::Nil,
    }))
}

/// Go's `evalArgs` for html/js/urlquery: one string as is, else `fmt.Sprint` with
/// missing values shown as `<no value>`.
fn eval_args(args: &[Val]) -> String {
    if let [one] = args
        && let Some(Value::String(s)) = one.get()
    {
        return s.to_string();
    }
    let shown: Vec<Value> = args
        .iter()
        .map(|a| match a.get() {
            None => Value::from("<no value>"),
            Some(v) => v.clone(),
        })
        .collect();
    sprint(&shown)
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() || crate::quote::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            js_escape("a'b\"c<d>&=\\\n é"),
            "a\\'b\\\"c\\u003Cd\\u003E\\u0026\\u003D\\\\\\u000A é"
        );
        assert_eq!(query_escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
