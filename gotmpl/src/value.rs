//! The data a template sees: Go's `interface{}` world as a Rust enum.
//!
//! Strings and lists are immutable and shared (`Arc`), so handing a value to a
//! field access, a variable or a function is a reference-count bump. Maps are
//! shared *and* mutable, like Go maps: a function that sets a key (Sprig's `set`)
//! changes the map every holder sees.

use std::fmt;
use std::sync::Arc;

pub use crate::map::{Key, Map};

/// A template value.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's nil (a JSON `null`).
    #[default]
    Nil,
    /// A `bool`.
    Bool(bool),
    /// A Go `int` (64 bits here).
    Int(i64),
    /// A `float64`.
    Float(f64),
    /// A `string`.
    String(Arc<str>),
    /// A `[]interface{}`.
    List(Arc<Vec<Value>>),
    /// A `map[string]interface{}` (shared and mutable, iterated in key order).
    Map(Map),
    /// A host object with fields and methods (Helm's `.Files`, `.Capabilities`, ...).
    Object(Arc<dyn Object>),
    /// A function value, usable with the `call` builtin.
    Func(Function),
}

/// A host object reachable from templates: `.Obj.Field`, `.Obj.Method arg...`.
///
/// Go looks a name up as a method first, then as a field; the engine does the same
/// with [`Object::has_method`] and [`Object::field`].
pub trait Object: Send + Sync {
    /// The Go type name shown by `%T` and in errors (`*chart.Metadata`, `engine.files`).
    fn type_name(&self) -> &str;

    /// A field (or map entry) by name; `None` when there is no such field.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    /// Whether `name` is a method of this object.
    fn has_method(&self, _name: &str) -> bool {
        false
    }

    /// Calls a method with the already evaluated arguments. The error text is shown
    /// as `error calling NAME: TEXT`, so the object checks its own arity and types.
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        Err(format!("{name} is not a method of {}", self.type_name()))
    }

    /// The plain data behind the object, if it has one (Go map/slice types with
    /// methods). `range`, `len`, `index`, comparisons and truth use it.
    fn as_value(&self) -> Option<Value> {
        None
    }

    /// What `{{ . }}` and `%v` print. Defaults to the data of [`Object::as_value`],
    /// else to `{}` like an empty Go struct.
    fn display(&self) -> String {
        match self.as_value() {
            Some(v) => crate::gofmt::sprint(std::slice::from_ref(&v)),
            None => "{}".to_string(),
        }
    }
}

/// A callable value (`call .Fn arg`), Go's `func(...interface{}) (interface{}, error)`.
#[derive(Clone)]
pub struct Function(pub Arc<FunctionFn>);

/// The closure type behind a [`Function`].
pub type FunctionFn = dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync;

impl Function {
    /// Wraps a closure.
    pub fn new(f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static) -> Self {
        Function(Arc::new(f))
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A list value.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(Arc::new(items.into_iter().collect()))
    }

    /// A map value.
    pub fn map<K: Into<Key>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().collect())
    }

    /// An object value.
    pub fn object(o: impl Object + 'static) -> Value {
        Value::Object(Arc::new(o))
    }

    /// Whether this is `Nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Go's truth: false, 0, nil and empty strings, lists and maps are false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.as_value().is_none_or(|v| v.is_true()),
            Value::Func(_) => true,
        }
    }

    /// The Go type name, as `%T` prints it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name().into(),
            Value::Func(_) => "func(...interface {}) (interface {}, error)".into(),
        }
    }

    /// The value an object stands for in range/len/index/compare, else itself.
    pub(crate) fn data(&self) -> Value {
        match self {
            Value::Object(o) => o.as_value().unwrap_or_else(|| self.clone()),
            _ => self.clone(),
        }
    }

    /// Converts to JSON. Objects become their data (or their printed form),
    /// functions become null; non-finite floats become null as JSON has none.
    pub fn to_json(&self) -> serde_json::Value {
        to_json_depth(self, 0)
    }
}

/// Deeper than this, a structure is taken to be cyclic (a map set into itself).
pub(crate) const MAX_DEPTH: usize = 200;

fn to_json_depth(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return J::Null;
    }
    match v {
        Value::Nil | Value::Func(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(|x| to_json_depth(x, depth + 1)).collect()),
        Value::Map(m) => J::Object(m.read(|m| {
            m.iter()
                .map(|(k, x)| (k.to_string(), to_json_depth(x, depth + 1)))
                .collect()
        })),
        Value::Object(o) => match o.as_value() {
            Some(inner) => to_json_depth(&inner, depth + 1),
            None => J::String(o.display()),
        },
    }
}

impl From<&serde_json::Value> for Value {
    fn from(j: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            // A JSON number without fraction or exponent that fits is an int.
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::String(s.as_str().into()),
            J::Array(a) => Value::List(Arc::new(a.iter().map(Value::from).collect())),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.as_str(), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(j: serde_json::Value) -> Self {
        Value::from(&j)
    }
}

impl From<&Value> for serde_json::Value {
    fn from(v: &Value) -> Self {
        v.to_json()
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(Arc::new(v))
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

impl PartialEq for Value {
    /// Deep equality of data; objects and functions are equal only to themselves.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a.ptr_eq(b) || a.read(|x| b.read(|y| x == y)),
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            (Value::Func(a), Value::Func(b)) => Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => m.read(|m| f.debug_map().entries(m.iter()).finish()),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
            Value::Func(_) => write!(f, "Func"),
        }
    }
}

impl fmt::Display for Value {
    /// Go's `fmt.Sprint` of the value (`map[a:1]`, `[1 2]`, `<nil>`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::gofmt::sprint(std::slice::from_ref(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_numbers_keep_int_or_float() {
        assert_eq!(Value::from(json!(3)), Value::Int(3));
        assert_eq!(Value::from(json!(3.5)), Value::Float(3.5));
        assert_eq!(Value::from(json!(1e3)), Value::Float(1000.0));
    }

    #[test]
    fn json_round_trip() {
        let j = json!({"a": [1, 2.5, "x", null, true], "b": {"c": {}}});
        assert_eq!(Value::from(&j).to_json(), j);
    }

    #[test]
    fn maps_are_shared_like_go_maps() {
        let m = Map::new();
        let v = Value::Map(m.clone());
        m.insert("k", Value::Int(1));
        match v {
            Value::Map(seen) => assert_eq!(seen.get("k"), Some(Value::Int(1))),
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn truth_follows_go() {
        for v in [
            Value::Nil,
            Value::Bool(false),
            Value::Int(0),
            Value::Float(0.0),
            Value::from(""),
            Value::list([]),
            Value::Map(Map::new()),
        ] {
            assert!(!v.is_true(), "{v:?}");
        }
        assert!(Value::list([Value::Nil]).is_true());
        assert!(Value::from("0").is_true());
    }

    #[test]
    fn cyclic_map_to_json_terminates() {
        let m = Map::new();
        m.insert("self", Value::Map(m.clone()));
        let _ = Value::Map(m.clone()).to_json();
        m.remove("self");
    }
}
