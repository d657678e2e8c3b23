//! The objects templates see besides plain data: `.Files`, `.Capabilities`,
//! `.Chart`, byte slices, as Helm 3.17 defines them (field and method names,
//! Go type names, printed forms, JSON encodings).

mod capabilities;
mod chart;
mod files;

use std::sync::Arc;

use gotmpl::{Object, Value};

use crate::json::BYTES_TYPE;

pub use capabilities::{Capabilities, KUBE_VERSION};
pub use chart::ChartObj;
pub use files::Files;

/// A Go struct's JSON fields in order; `omitempty` fields are left out when empty.
pub(crate) fn json_fields(fields: Vec<(&str, Value, bool)>) -> Value {
    Value::list(
        fields
            .into_iter()
            .filter(|(_, v, omit)| !*omit || v.is_true())
            .map(|(k, v, _)| Value::list([Value::from(k), v])),
    )
}

pub(crate) fn want_args(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

pub(crate) fn string_arg(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(format!(
            "wrong type for value; expected string; got {}",
            v.type_name()
        )),
        None => Err("invalid value; expected string".into()),
    }
}

/// A Go `[]byte`.
pub struct Bytes(pub Arc<[u8]>);

impl Object for Bytes {
    fn type_name(&self) -> &str {
        BYTES_TYPE
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(
            self.0.iter().map(|b| Value::Int(i64::from(*b))),
        ))
    }
}

/// The bytes of a `[]byte` object.
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Object(o) if o.type_name() == BYTES_TYPE => match o.as_value() {
            Some(Value::List(l)) => Some(
                l.iter()
                    .map(|b| match b {
                        Value::Int(i) => u8::try_from(*i).unwrap_or(0),
                        _ => 0,
                    })
                    .collect(),
            ),
            _ => None,
        },
        _ => None,
    }
}
