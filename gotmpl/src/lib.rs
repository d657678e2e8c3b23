//! A Go `text/template` engine: the template language of Helm charts and of
//! emcoctl values files, with Go's syntax, semantics, printing and error messages.
//!
//! # Quick use
//! ```
//! let data = serde_json::json!({"Name": "p1", "Apps": ["a", "b"]});
//! let out = gotmpl::render("t", "{{ .Name }}:{{ range $i, $a := .Apps }} {{ $i }}={{ $a }}{{ end }}", &data)?;
//! assert_eq!(out, "p1: 0=a 1=b");
//! # Ok::<(), gotmpl::Error>(())
//! ```
//!
//! # Template sets
//! [`TemplateSet`] is Go's `*Template` with its associated templates: parse
//! several files into one set (every `define` is visible to all), then execute
//! any template by name, many times, from any thread.
//! ```
//! use gotmpl::{TemplateSet, Value};
//! let mut set = TemplateSet::new("chart");
//! set.parse("_helpers.tpl", r#"{{ define "name" }}app-{{ . }}{{ end }}"#)?;
//! set.parse("deploy.yaml", r#"name: {{ template "name" .n }}"#)?;
//! let out = set.execute("deploy.yaml", &Value::map([("n", Value::from("x"))]))?;
//! assert_eq!(out, "name: app-x");
//! # Ok::<(), gotmpl::Error>(())
//! ```
//!
//! # Data
//! [`Value`] is the data model: `Nil`, `Bool`, `Int` (i64), `Float` (f64),
//! `String`, `List`, `Map` (string keys, always iterated and printed in key
//! order, shared and mutable like a Go map) and `Object` for host objects.
//! `Value::from(&serde_json::Value)` keeps JSON integers as `Int`.
//!
//! # Host objects
//! Implement [`Object`] to expose fields and methods: `.Files.Get "x"`,
//! `(.Files.Glob "p").AsConfig`, `.Capabilities.APIVersions.Has "x"`. A name is
//! tried as a method ([`Object::has_method`] / [`Object::call_method`]) before a
//! field ([`Object::field`]), as in Go. [`Object::as_value`] gives the data the
//! object stands for (a Go map or slice type with methods) for `range`, `len`,
//! `index`, comparisons and truth; [`Object::display`] is what printing shows.
//!
//! # Functions
//! A [`FuncMap`] holds functions, registered before parsing (Go rejects unknown
//! functions at parse time):
//! - [`Func::plain`]: `Fn(&[Value]) -> Result<Value, String>`; it receives every
//!   argument, the piped value last (Go's variadic functions). An `Err(text)`
//!   aborts execution with `error calling NAME: text` (this is how Helm's
//!   `required` and `fail` abort).
//! - [`Func::context`]: also gets a [`Context`], whose
//!   [`Context::execute_template`] runs a template of the same set (Helm's
//!   `include NAME DATA`) and [`Context::execute_text`] parses new text that sees
//!   the set's defines and runs it (Helm's `tpl STRING DATA`).
//! - [`Func::with_signature`] declares Go parameter types ([`ArgKind`]) so arity
//!   and argument types are checked and converted before the call, with Go's
//!   messages (`wrong number of args for X: want 2 got 1`, `expected string; found
//!   1`, `wrong type for value; expected int; got string`).
//!
//! A function named like a builtin replaces it. Builtins: `and or not len index
//! slice print printf println html js urlquery eq ne lt le gt ge call`.
//!
//! ```
//! use gotmpl::{Func, FuncMap, MissingKey, TemplateSet, Value};
//! let mut funcs = FuncMap::new();
//! funcs.context("include", |ctx, args| {
//!     let name = args.first().and_then(Value::as_str).ok_or("include: no name")?;
//!     let data = args.get(1).cloned().unwrap_or_default();
//!     ctx.execute_template(name, &data).map(Value::from).map_err(|e| e.to_string())
//! });
//! funcs.insert("fail", Func::plain(|args| Err(args.first().map(Value::to_string).unwrap_or_default())));
//! let mut set = TemplateSet::with_funcs("chart", funcs);
//! set.options_mut().missing_key = MissingKey::Zero;
//! set.parse("t", r#"{{ define "x" }}<{{ . }}>{{ end }}{{ include "x" 1 | printf "%q" }}"#)?;
//! assert_eq!(set.execute("t", &Value::Nil)?, r#""<1>""#);
//! set.parse("u", r#"{{ fail "stop" }}"#)?;
//! let err = set.execute("u", &Value::Nil).unwrap_err();
//! assert_eq!(err.to_string(), r#"template: u:1:3: executing "u" at <fail "stop">: error calling fail: stop"#);
//! # Ok::<(), gotmpl::Error>(())
//! ```
//!
//! # Options
//! [`Options::missing_key`] is Go's `missingkey` option ([`MissingKey`]); Helm uses
//! `missingkey=zero` (and `error` in strict mode), emcoctl the default.
//!
//! # Not supported
//! Complex numbers, unsigned integer types, range over functions/channels,
//! `html/template` escaping, custom delimiters, `%p`, `%x`/`%b` of floats.

mod builtins;
mod compare;
mod error;
mod eval;
mod exec;
mod float;
mod funcs;
mod gofmt;
mod lex;
mod lex_literal;
mod map;
mod node;
mod number;
mod parse;
mod parse_pipeline;
mod printf;
mod quote;
mod set;
mod token;
mod val;
mod value;

pub use error::{Error, Location};
pub use funcs::{ArgKind, Context, Func, FuncMap, Signature};
pub use gofmt::{sprint, sprintln};
pub use printf::sprintf;
pub use set::{MissingKey, Options, TemplateSet};
pub use value::{Function, FunctionFn, Key, Map, Object, Value};

/// Renders `text` (a Go template called `name`) with `data` as dot. Missing map
/// keys print `<no value>`, as Go's default `missingkey` option does.
pub fn render(name: &str, text: &str, data: &serde_json::Value) -> Result<String, Error> {
    let mut set = TemplateSet::new(name);
    set.parse(name, text)?;
    set.execute(name, &Value::from(data))
}
