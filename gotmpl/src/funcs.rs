//! The function registry: Go's `FuncMap`, with plain functions and context
//! functions (which can execute templates of the running set, for `include`/`tpl`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::builtins::Builtin;
use crate::error::Error;
use crate::exec::Env;
use crate::value::Value;

/// A Go parameter type a function can declare, so the engine converts and checks
/// arguments the way Go's reflection does before the call (`expected string; found
/// 1`, `wrong type for value; expected int; got string`, `invalid value; expected
/// string`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `interface{}`: anything; a missing value arrives as `Nil`.
    Any,
    /// `string`.
    String,
    /// `int` (Go's int kinds).
    Int,
    /// `float64` (an int literal is accepted, as Go converts constants).
    Float,
    /// `bool`.
    Bool,
}

impl ArgKind {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            ArgKind::Any => "interface {}",
            ArgKind::String => "string",
            ArgKind::Int => "int",
            ArgKind::Float => "float64",
            ArgKind::Bool => "bool",
        }
    }
}

/// A function's Go signature: fixed parameters then an optional variadic one.
/// Without one, a function is `func(...interface{})`: it gets every argument and
/// checks them itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The fixed parameters.
    pub params: Vec<ArgKind>,
    /// The element type of a trailing `...` parameter.
    pub variadic: Option<ArgKind>,
}

type PlainFn = dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync;
type ContextFn = dyn Fn(&Context<'_>, &[Value]) -> Result<Value, String> + Send + Sync;

#[derive(Clone)]
pub(crate) enum Imp {
    Builtin(Builtin),
    Plain(Arc<PlainFn>),
    Context(Arc<ContextFn>),
}

/// A template function. An `Err(text)` stops execution with
/// `error calling NAME: text`, as a Go function returning an error does.
#[derive(Clone)]
pub struct Func {
    pub(crate) imp: Imp,
    pub(crate) sig: Option<Signature>,
}

impl Func {
    /// A function of its arguments (the pipeline value, if any, comes last).
    pub fn plain(f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static) -> Func {
        Func {
            imp: Imp::Plain(Arc::new(f)),
            sig: None,
        }
    }

    /// A function that also gets the execution [`Context`]: it can execute other
    /// templates of the set (`include`) or new text sharing its defines (`tpl`).
    pub fn context(
        f: impl Fn(&Context<'_>, &[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Func {
        Func {
            imp: Imp::Context(Arc::new(f)),
            sig: None,
        }
    }

    /// Declares the Go signature: arity and argument types are then checked and
    /// converted before the call, with Go's messages.
    pub fn with_signature(mut self, params: &[ArgKind], variadic: Option<ArgKind>) -> Func {
        self.sig = Some(Signature {
            params: params.to_vec(),
            variadic,
        });
        self
    }

    pub(crate) fn builtin(b: Builtin) -> Func {
        Func {
            imp: Imp::Builtin(b),
            sig: Some(b.signature()),
        }
    }
}

/// Named functions available to templates, in addition to Go's builtins (a
/// function here with a builtin's name replaces the builtin, as in Go).
#[derive(Clone, Default)]
pub struct FuncMap {
    map: HashMap<String, Func>,
}

impl FuncMap {
    /// An empty map (the builtins are always available).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a function.
    pub fn insert(&mut self, name: impl Into<String>, f: Func) -> &mut Self {
        self.map.insert(name.into(), f);
        self
    }

    /// Adds a plain function.
    pub fn plain(
        &mut self,
        name: impl Into<String>,
        f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.insert(name, Func::plain(f))
    }

    /// Adds a context function.
    pub fn context(
        &mut self,
        name: impl Into<String>,
        f: impl Fn(&Context<'_>, &[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.insert(name, Func::context(f))
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: &FuncMap) -> &mut Self {
        self.map
            .extend(other.map.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }

    /// Whether `name` is a user function or a builtin.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name) || Builtin::lookup(name).is_some()
    }

    /// The function called `name`: a user function first, then a builtin.
    pub(crate) fn find(&self, name: &str) -> Option<Func> {
        match self.map.get(name) {
            Some(f) => Some(f.clone()),
            None => Builtin::lookup(name).map(Func::builtin),
        }
    }
}

/// What a context function can do while the template runs.
pub struct Context<'a> {
    pub(crate) env: Env<'a>,
    pub(crate) depth: usize,
    pub(crate) template: &'a str,
}

impl Context<'_> {
    /// Executes the named template of the running set with `data` as dot and
    /// returns its output (Helm's `include`).
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, Error> {
        crate::exec::execute_nested(self.env, self.depth, name, data)
    }

    /// Parses `text` as a new template called `name` that sees every template of
    /// the running set (its own `define`s shadow them for this call only),
    /// executes it with `data` and returns the output (Helm's `tpl`).
    pub fn execute_text(&self, name: &str, text: &str, data: &Value) -> Result<String, Error> {
        crate::exec::execute_text(self.env, self.depth, name, text, data)
    }

    /// The name of the template being executed.
    pub fn template_name(&self) -> &str {
        self.template
    }

    /// How many template calls (`template`, `include`, `tpl`) deep execution is.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether the running set has a template called `name`.
    pub fn has_template(&self, name: &str) -> bool {
        self.env.scope.lookup(name).is_some()
    }
}
