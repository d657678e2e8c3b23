//! Values as execution holds them: with Go's distinction between no value, a
//! value held in an `interface{}`, and a concretely typed value.

use crate::value::Value;

/// A value during execution. Go distinguishes "no value" (an invalid
/// `reflect.Value`, from a missing key) from a value held in an `interface{}` (a
/// map entry or list element) and a concretely typed one; errors and field access
/// on nil differ between them.
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Invalid,
    Iface(Value),
    Conc(Value),
}

impl Val {
    /// A concretely typed value; nil has no concrete type, so it is "no value".
    pub fn conc(v: Value) -> Val {
        match v {
            Value::Nil => Val::Invalid,
            v => Val::Conc(v),
        }
    }

    /// What ends each pipeline stage: an `interface{}` is replaced by its content.
    pub fn unwrap_iface(self) -> Val {
        match self {
            Val::Iface(v) => Val::conc(v),
            v => v,
        }
    }

    /// The value as a function argument sees it (missing values are nil).
    pub fn value(&self) -> Value {
        match self {
            Val::Invalid => Value::Nil,
            Val::Iface(v) | Val::Conc(v) => v.clone(),
        }
    }

    /// The value, if there is one (an `interface{}` holding nil counts as none).
    pub fn get(&self) -> Option<&Value> {
        match self {
            Val::Invalid | Val::Iface(Value::Nil) => None,
            Val::Iface(v) | Val::Conc(v) => Some(v),
        }
    }

    pub fn truth(&self) -> bool {
        self.get().is_some_and(Value::is_true)
    }

    /// The static Go type as error messages name it.
    pub fn type_name(&self) -> String {
        match self {
            Val::Invalid => "<nil>".into(),
            Val::Iface(_) => "interface {}".into(),
            Val::Conc(v) => v.type_name(),
        }
    }
}
