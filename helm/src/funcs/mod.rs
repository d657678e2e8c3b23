//! The template functions of Helm 3.17: Sprig v3's library with Helm's
//! additions and overrides (`toYaml`, `include`, `tpl`, `required`, `lookup`, ...),
//! with Go's parameter types so argument errors read as Helm's do.

mod conv;
mod dates;
mod dicts;
mod encoding;
mod helm;
mod lists;
mod math;
mod paths;
mod regexp;
mod strings;
mod text;
mod timefmt;
mod versions;

use gotmpl::{ArgKind, Func, FuncMap, Map, Value};

pub(crate) use conv::{is_empty, strval, to_float64, to_int64};

/// Functions of Sprig and Helm this renderer does not provide; calling one is a
/// template error naming it (parsing still succeeds, as with Helm).
pub const UNSUPPORTED: &[&str] = &[
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "buildCustomCert",
    "derivePassword",
    "encryptAES",
    "decryptAES",
    "bcrypt",
    "htpasswd",
    "toToml",
    "fromToml",
    "mustToToml",
    "toYamlPretty",
    "urlParse",
    "urlJoin",
    "toDate",
    "mustToDate",
];

/// Registers functions with a Go signature.
pub(crate) struct Reg<'a>(pub &'a mut FuncMap);

impl Reg<'_> {
    pub fn f(
        &mut self,
        name: &str,
        params: &[ArgKind],
        variadic: Option<ArgKind>,
        f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) {
        self.0
            .insert(name, Func::plain(f).with_signature(params, variadic));
    }
}

/// The argument at `i` (the engine has checked arity and types).
pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

/// A string argument declared `ArgKind::String`.
pub(crate) fn sarg(args: &[Value], i: usize) -> String {
    match args.get(i) {
        Some(Value::String(s)) => s.to_string(),
        Some(v) => strval(v),
        None => String::new(),
    }
}

/// An int argument declared `ArgKind::Int`.
pub(crate) fn iarg(args: &[Value], i: usize) -> i64 {
    args.get(i).map(to_int64).unwrap_or(0)
}

/// A `map[string]interface{}` parameter (a missing value is not one, as in Go).
pub(crate) fn map_arg(v: &Value) -> Result<Map, String> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Nil => {
            Err("wrong type for value; expected map[string]interface {}; got interface {}".into())
        }
        other => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            other.type_name()
        )),
    }
}

/// The whole function map for one chart render.
pub fn func_map() -> FuncMap {
    let mut m = FuncMap::new();
    {
        let mut r = Reg(&mut m);
        strings::register(&mut r);
        text::register(&mut r);
        conv::register(&mut r);
        math::register(&mut r);
        paths::register(&mut r);
        lists::register(&mut r);
        dicts::register(&mut r);
        encoding::register(&mut r);
        regexp::register(&mut r);
        dates::register(&mut r);
        versions::register(&mut r);
    }
    helm::register(&mut m);
    for name in UNSUPPORTED {
        let n = name.to_string();
        m.plain(*name, move |_| {
            Err(format!(
                "the function {n:?} is not supported by this renderer (see docs/helm-rendering.md)"
            ))
        });
    }
    m
}

pub(crate) use helm::{NO_VALUE, clean_exec_error, clean_parse_error};
