//! Go's `encoding/json` as Helm's `toJson`/`fromJson` and `sigs.k8s.io/yaml` use
//! it: sorted keys, HTML-safe escapes, Go's float formatting, numbers read back
//! as `float64`.

use std::sync::Arc;

use gotmpl::{Map, Value};

/// A value as Go would marshal it: the tree `toYaml` goes through.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number, as the text Go's encoder writes.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Keys in Go's encoding order (sorted bytewise).
    Object(Vec<(String, Json)>),
}

/// Deeper than this, a value is taken to be cyclic (Go's encoder also gives up).
const MAX_DEPTH: usize = 1000;

/// A method no template can call (not a Go identifier): objects standing for Go
/// structs answer it with their JSON fields, in order, as a list of
/// `[name, value]` pairs (or with a plain value, for types with their own encoding).
pub const JSON_METHOD: &str = "·json";

/// The type name of a byte slice object (`.Files.GetBytes`), which Go encodes as base64.
pub const BYTES_TYPE: &str = "[]uint8";

/// Converts like `json.Marshal`; errors as Go's encoder reports them.
pub fn from_value(v: &Value) -> Result<Json, String> {
    convert(v, 0)
}

fn convert(v: &Value, depth: usize) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    Ok(match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number(i.to_string()),
        Value::Float(f) => Json::Number(float_text(*f)?),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(
            l.iter()
                .map(|x| convert(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let entries = m.entries();
            let mut out = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                out.push((k.to_string(), convert(&x, depth + 1)?));
            }
            Json::Object(out)
        }
        Value::Object(o) if o.type_name() == BYTES_TYPE => {
            use base64::Engine as _;
            let bytes = crate::objects::bytes_of(v).unwrap_or_default();
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Value::Object(o) if o.has_method(JSON_METHOD) => match o.call_method(JSON_METHOD, &[])? {
            Value::List(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields.iter() {
                    if let Value::List(pair) = f
                        && let [Value::String(k), v] = pair.as_slice()
                    {
                        out.push((k.to_string(), convert(v, depth + 1)?));
                    }
                }
                Json::Object(out)
            }
            other => convert(&other, depth + 1)?,
        },
        Value::Object(o) => match o.as_value() {
            Some(inner) => convert(&inner, depth + 1)?,
            None => Json::Object(Vec::new()),
        },
        Value::Func(_) => {
            return Err(
                "json: unsupported type: func(...interface {}) (interface {}, error)".into(),
            );
        }
    })
}

/// Go's encoding of a `float64`: shortest digits, exponent form below 1e-6 and
/// from 1e21 on, with `e-07` shortened to `e-7`.
pub fn float_text(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            gotmpl::sprint(&[Value::Float(f)])
        ));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        Ok(if exp < 0 {
            format!("{mant}e-{}", -exp)
        } else {
            format!("{mant}e+{exp:02}")
        })
    } else {
        Ok(format!("{f}"))
    }
}

/// `json.Marshal` output (compact).
pub fn marshal(v: &Value) -> Result<String, String> {
    let j = from_value(v)?;
    let mut out = String::new();
    write(&j, &mut out, None, 0, true);
    Ok(out)
}

/// `json.MarshalIndent(v, "", "  ")`.
pub fn marshal_indent(v: &Value) -> Result<String, String> {
    let j = from_value(v)?;
    let mut out = String::new();
    write(&j, &mut out, Some("  "), 0, true);
    Ok(out)
}

/// `json.Marshal` with HTML escaping off (Sprig's `toRawJson`).
pub fn marshal_raw(v: &Value) -> Result<String, String> {
    let j = from_value(v)?;
    let mut out = String::new();
    write(&j, &mut out, None, 0, false);
    Ok(out)
}

fn newline(out: &mut String, indent: Option<&str>, level: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(ind);
        }
    }
}

fn write(j: &Json, out: &mut String, indent: Option<&str>, level: usize, html: bool) {
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::String(s) => write_string(s, out, html),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write(x, out, indent, level + 1, html);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Json::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Json::Object(entries) => {
            out.push('{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_string(k, out, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(x, out, indent, level + 1, html);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Unmarshal` into `interface{}`: numbers become `float64`.
pub fn parse(text: &str) -> Result<Value, String> {
    let j: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(from_serde(&j))
}

fn from_serde(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::from(s.as_str()),
        J::Array(a) => Value::List(Arc::new(a.iter().map(from_serde).collect())),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (k.as_str(), from_serde(v)))
                .collect::<Map>(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        let t = |f: f64| float_text(f).unwrap_or_default();
        assert_eq!(t(1e21), "1e+21");
        assert_eq!(t(1e20), "100000000000000000000");
        assert_eq!(t(0.000001), "0.000001");
        assert_eq!(t(1e-7), "1e-7");
        assert_eq!(t(1.5e-10), "1.5e-10");
        assert_eq!(t(-0.0), "-0");
        assert_eq!(t(2.0), "2");
        assert_eq!(t(1.5), "1.5");
        assert!(float_text(f64::NAN).is_err());
    }

    #[test]
    fn escapes_like_go() {
        let v = Value::list([Value::from("<a&b>"), Value::from("\u{2028}\t\u{1}")]);
        assert_eq!(
            marshal(&v).unwrap_or_default(),
            r#"["\u003ca\u0026b\u003e","\u2028\t\u0001"]"#
        );
        assert_eq!(
            marshal_raw(&v).unwrap_or_default(),
            r#"["<a&b>","\u2028\t\u0001"]"#
        );
    }

    #[test]
    fn pretty_matches_marshal_indent() {
        let v = parse(r#"{"b":{},"a":[1,2],"c":[]}"#).unwrap_or_default();
        assert_eq!(
            marshal_indent(&v).unwrap_or_default(),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}"
        );
    }
}
