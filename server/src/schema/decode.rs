//! Go-compatible JSON body decoding into canonical JSON.
//!
//! EMCO decodes every body into a fixed Go struct and re-encodes it, so a compatible server
//! must: match field names case-insensitively, drop unknown fields, fill missing fields with
//! zero values, reject wrong JSON types with 422, and read only the first JSON value. A body
//! type is described once as a [`Ty`] tree; decoding returns the canonical JSON that is both
//! stored and echoed back, exactly as EMCO's re-encoded struct would be.

use serde_json::{Map, Value};

/// The shape of a Go type, as far as JSON decoding can see it.
#[derive(Debug)]
pub enum Ty {
    Str,
    Int,
    Bool,
    /// `interface{}` / `json.RawMessage`: any JSON, kept as sent.
    Any,
    /// A struct with named fields (Go exported fields with json tags).
    Obj(&'static [Field]),
    /// `map[string]T`: keys come back sorted, as Go encodes maps.
    Map(&'static Ty),
    /// `[]T`: an absent or null slice encodes as `null`.
    List(&'static Ty),
}

/// One struct field: its JSON name, type, and whether `omitempty` drops it when zero.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub omit_empty: bool,
}

impl Field {
    pub const fn new(name: &'static str, ty: Ty) -> Field {
        Field {
            name,
            ty,
            omit_empty: false,
        }
    }
    pub const fn omit(name: &'static str, ty: Ty) -> Field {
        Field {
            name,
            ty,
            omit_empty: true,
        }
    }
}

/// Why a body could not be decoded; the HTTP layer turns every variant into a status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("Empty body")]
    Empty,
    /// Malformed JSON (Go answers 422 with the decoder's message).
    #[error("{0}")]
    Syntax(String),
    /// A value of the wrong JSON type for a field (422).
    #[error("json: cannot unmarshal {found} into Go struct field {field} of type {want}")]
    Type {
        found: &'static str,
        field: String,
        want: &'static str,
    },
}

/// Parses the first JSON value of `body` (Go's decoder ignores anything after it).
pub fn parse_first(body: &[u8]) -> Result<Value, DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match values.next() {
        Some(Ok(value)) => Ok(value),
        Some(Err(err)) => Err(DecodeError::Syntax(err.to_string())),
        None => Err(DecodeError::Empty),
    }
}

/// Decodes `body` as the Go struct `ty` named `type_name` and returns its canonical JSON.
pub fn decode_body(body: &[u8], type_name: &str, ty: &Ty) -> Result<Value, DecodeError> {
    let value = parse_first(body)?;
    decode(&value, ty, type_name)
}

/// Decodes an already parsed JSON value against `ty`; `path` names the field for errors.
pub fn decode(value: &Value, ty: &Ty, path: &str) -> Result<Value, DecodeError> {
    if value.is_null() {
        // Go leaves the zero value in place when it meets `null`.
        return Ok(zero(ty));
    }
    match ty {
        Ty::Any => Ok(value.clone()),
        Ty::Str => match value {
            Value::String(_) => Ok(value.clone()),
            other => Err(type_error(other, path, "string")),
        },
        Ty::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            other => Err(type_error(other, path, "bool")),
        },
        Ty::Int => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Value::Number(n) => Err(DecodeError::Type {
                found: leak_number(n),
                field: path.to_string(),
                want: "int",
            }),
            other => Err(type_error(other, path, "int")),
        },
        Ty::List(item) => match value {
            Value::Array(items) => items
                .iter()
                .map(|v| decode(v, item, path))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Err(type_error(other, path, "array")),
        },
        Ty::Map(item) => match value {
            Value::Object(entries) => {
                let mut out = Map::new();
                for (key, v) in entries {
                    out.insert(key.clone(), decode(v, item, path)?);
                }
                Ok(Value::Object(out))
            }
            other => Err(type_error(other, path, "map")),
        },
        Ty::Obj(fields) => match value {
            Value::Object(entries) => decode_struct(entries, fields, path),
            other => Err(type_error(other, path, "object")),
        },
    }
}

fn decode_struct(
    entries: &Map<String, Value>,
    fields: &[Field],
    path: &str,
) -> Result<Value, DecodeError> {
    let mut out = Map::new();
    for field in fields {
        // Go prefers an exact key match, then falls back to a case-insensitive one.
        let found = entries.get(field.name).or_else(|| {
            entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field.name))
                .map(|(_, v)| v)
        });
        let child_path = format!("{path}.{}", field.name);
        let value = match found {
            Some(v) => decode(v, &field.ty, &child_path)?,
            None => zero(&field.ty),
        };
        if field.omit_empty && is_empty(&value) {
            continue;
        }
        out.insert(field.name.to_string(), value);
    }
    Ok(Value::Object(out))
}

/// Encodes a canonical value with struct fields in declaration order, as Go's encoder writes
/// them (serde_json's map sorts keys, which is right only for Go maps).
pub fn encode(value: &Value, ty: &Ty) -> String {
    let mut out = String::new();
    write_value(&mut out, value, ty);
    out
}

fn write_value(out: &mut String, value: &Value, ty: &Ty) {
    match (ty, value) {
        (Ty::Obj(fields), Value::Object(map)) => {
            out.push('{');
            let mut first = true;
            for field in fields.iter() {
                if let Some(v) = map.get(field.name) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(&Value::from(field.name).to_string());
                    out.push(':');
                    write_value(out, v, &field.ty);
                }
            }
            out.push('}');
        }
        (Ty::List(item), Value::Array(items)) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, v, item);
            }
            out.push(']');
        }
        (Ty::Map(item), Value::Object(map)) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_value(out, v, item);
            }
            out.push('}');
        }
        (_, v) => out.push_str(&v.to_string()),
    }
}

/// The JSON encoding of a Go zero value of `ty`.
pub fn zero(ty: &Ty) -> Value {
    match ty {
        Ty::Str => Value::String(String::new()),
        Ty::Int => Value::from(0),
        Ty::Bool => Value::Bool(false),
        Ty::Any | Ty::List(_) | Ty::Map(_) => Value::Null,
        Ty::Obj(fields) => {
            let mut out = Map::new();
            for field in fields.iter().filter(|f| !f.omit_empty) {
                out.insert(field.name.to_string(), zero(&field.ty));
            }
            Value::Object(out)
        }
    }
}

/// Go's `omitempty` rule: false, 0, "", nil, and empty slices and maps are omitted.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn type_error(value: &Value, path: &str, want: &'static str) -> DecodeError {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    DecodeError::Type {
        found,
        field: path.to_string(),
        want,
    }
}

fn leak_number(_n: &serde_json::Number) -> &'static str {
    // Go writes "number 1.5"; the value itself adds nothing a client relies on.
    "number"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const META: Ty = Ty::Obj(&[
        Field::new("name", Ty::Str),
        Field::new("description", Ty::Str),
    ]);
    const BODY: Ty = Ty::Obj(&[
        Field::new("metadata", META),
        Field::omit("spec", Ty::Obj(&[Field::new("port", Ty::Int)])),
    ]);

    #[test]
    fn fills_zero_values_and_drops_unknown_fields() {
        let out = decode_body(br#"{"metadata":{"name":"p1","extra":1},"x":2}"#, "T", &BODY);
        assert_eq!(
            out,
            Ok(json!({"metadata":{"name":"p1","description":""},"spec":{"port":0}}))
        );
    }

    #[test]
    fn matches_field_names_case_insensitively() {
        let out = decode_body(br#"{"Metadata":{"NAME":"p1"}}"#, "T", &BODY);
        assert_eq!(out.map(|v| v["metadata"]["name"].clone()), Ok(json!("p1")));
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = decode_body(br#"{"metadata":{"name":5}}"#, "Project", &BODY);
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("json: cannot unmarshal number into Go struct field Project.metadata.name of type string".into())
        );
    }

    #[test]
    fn float_into_int_is_a_type_error() {
        assert!(matches!(
            decode_body(br#"{"spec":{"port":1.5}}"#, "T", &BODY),
            Err(DecodeError::Type { want: "int", .. })
        ));
    }

    #[test]
    fn only_first_value_is_read_and_empty_is_distinct() {
        assert!(decode_body(br#"{"metadata":{"name":"a"}} garbage"#, "T", &BODY).is_ok());
        assert_eq!(decode_body(b"  \n", "T", &BODY), Err(DecodeError::Empty));
        assert!(matches!(
            decode_body(b"{\"metadata\":", "T", &BODY),
            Err(DecodeError::Syntax(_))
        ));
    }

    #[test]
    fn encode_keeps_struct_order() {
        let v = decode_body(
            br#"{"metadata":{"description":"d","name":"p1"}}"#,
            "T",
            &BODY,
        )
        .unwrap_or_default();
        assert_eq!(
            encode(&v, &BODY),
            r#"{"metadata":{"name":"p1","description":"d"},"spec":{"port":0}}"#
        );
    }

    #[test]
    fn null_keeps_zero_and_maps_keep_sorted_keys() {
        const M: Ty = Ty::Obj(&[Field::new("labels", Ty::Map(&Ty::Str))]);
        let out = decode_body(br#"{"labels":{"b":"2","a":"1"}}"#, "T", &M).unwrap_or_default();
        assert_eq!(out.to_string(), r#"{"labels":{"a":"1","b":"2"}}"#);
        let out = decode_body(br#"{"labels":null}"#, "T", &M).unwrap_or_default();
        assert_eq!(out, json!({"labels": null}));
    }
}
