//! Template sets, host objects, and the extension API the Helm layer builds on:
//! plain and context functions (`include`, `tpl`, `required`), shared maps.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{ArgKind, Context, Func, FuncMap, Object, TemplateSet, Value};
use serde_json::json;

/// A stand-in for Helm's `.Files`: a Go map type with methods.
struct Files(BTreeMap<String, String>);

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "Glob" | "AsConfig")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("Get", [Value::String(p)]) => {
                Ok(Value::from(self.0.get(&**p).cloned().unwrap_or_default()))
            }
            ("Glob", [Value::String(p)]) => Ok(Value::object(Files(
                self.0
                    .iter()
                    .filter(|(k, _)| k.starts_with(&**p))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))),
            ("AsConfig", []) => Ok(Value::from(
                self.0
                    .iter()
                    .map(|(k, v)| format!("{}: {v}", k.rsplit('/').next().unwrap_or(k)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )),
            (m, a) => Err(format!(
                "wrong number of args for {m}: want 1 got {}",
                a.len()
            )),
        }
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::map(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str()))),
        ))
    }
}

struct VersionSet(Vec<&'static str>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "chartutil.VersionSet"
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, _: &str, args: &[Value]) -> Result<Value, String> {
        let want = args.first().and_then(Value::as_str).unwrap_or_default();
        Ok(Value::Bool(self.0.contains(&want)))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(self.0.iter().map(|s| Value::from(*s))))
    }
}

struct KubeVersion;

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "chartutil.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::from("v1.30.0")),
            "Major" => Some(Value::from("1")),
            _ => None,
        }
    }
    fn display(&self) -> String {
        "v1.30.0".into()
    }
}

struct Capabilities;

impl Object for Capabilities {
    fn type_name(&self) -> &str {
        "*chartutil.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "APIVersions" => Some(Value::object(VersionSet(vec!["v1", "apps/v1"]))),
            "KubeVersion" => Some(Value::object(KubeVersion)),
            _ => None,
        }
    }
}

fn helm_data() -> Value {
    let files = Files(
        [("a.txt", "A"), ("conf/x.yaml", "X"), ("conf/y.yaml", "Y")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    Value::map([
        ("Files", Value::object(files)),
        ("Capabilities", Value::object(Capabilities)),
        (
            "Values",
            Value::from(json!({"name": "web", "list": [1, 2]})),
        ),
    ])
}

fn helm_funcs() -> FuncMap {
    let mut f = FuncMap::new();
    f.context("include", |ctx: &Context<'_>, args: &[Value]| {
        let name = args
            .first()
            .and_then(Value::as_str)
            .ok_or("include needs a name")?;
        let data = args.get(1).cloned().unwrap_or_default();
        ctx.execute_template(name, &data)
            .map(Value::from)
            .map_err(|e| e.to_string())
    });
    f.context("tpl", |ctx: &Context<'_>, args: &[Value]| {
        let text = args
            .first()
            .and_then(Value::as_str)
            .ok_or("tpl needs a string")?;
        let data = args.get(1).cloned().unwrap_or_default();
        ctx.execute_text("gotpl", text, &data)
            .map(Value::from)
            .map_err(|e| e.to_string())
    });
    f.insert(
        "required",
        Func::plain(|args| match &args[1] {
            Value::Nil => Err(args[0].as_str().unwrap_or_default().to_string()),
            Value::String(s) if s.is_empty() => {
                Err(args[0].as_str().unwrap_or_default().to_string())
            }
            v => Ok(v.clone()),
        })
        .with_signature(&[ArgKind::String, ArgKind::Any], None),
    );
    f.plain("set", |args| match args {
        [Value::Map(m), Value::String(k), v] => {
            m.insert(k.to_string(), v.clone());
            Ok(Value::Map(m.clone()))
        }
        _ => Err("set wants a map, a key and a value".into()),
    });
    f
}

fn render(set: &TemplateSet, name: &str) -> Result<String, String> {
    set.execute(name, &helm_data()).map_err(|e| e.to_string())
}

fn one(text: &str) -> Result<String, String> {
    let mut set = TemplateSet::with_funcs("gotpl", helm_funcs());
    set.set_option("missingkey=zero")?;
    set.parse("t", text).map_err(|e| e.to_string())?;
    render(&set, "t")
}

#[test]
fn object_methods_with_arguments() {
    assert_eq!(one("{{ .Files.Get \"a.txt\" }}").as_deref(), Ok("A"));
    assert_eq!(one("{{ \"a.txt\" | .Files.Get }}").as_deref(), Ok("A"));
    assert_eq!(
        one("{{ (.Files.Glob \"conf/\").AsConfig }}").as_deref(),
        Ok("x.yaml: X\ny.yaml: Y")
    );
    assert_eq!(
        one("{{ range $path, $_ := .Files.Glob \"conf/\" }}{{ $path }};{{ end }}").as_deref(),
        Ok("conf/x.yaml;conf/y.yaml;")
    );
    assert_eq!(
        one("{{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.APIVersions.Has \"x/v9\" }}").as_deref(),
        Ok("true false")
    );
    assert_eq!(
        one("{{ len .Capabilities.APIVersions }} {{ .Capabilities.APIVersions }}").as_deref(),
        Ok("2 [v1 apps/v1]")
    );
    assert_eq!(
        one("{{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion }} {{ printf \"%s\" .Capabilities.KubeVersion }}").as_deref(),
        Ok("v1.30.0 v1.30.0 v1.30.0")
    );
    assert_eq!(
        one("{{ if .Capabilities }}yes{{ end }}").as_deref(),
        Ok("yes")
    );
}

#[test]
fn object_errors() {
    assert_eq!(
        one("{{ .Files.Get }}"),
        Err("template: t:1:9: executing \"t\" at <.Files.Get>: error calling Get: wrong number of args for Get: want 1 got 0".into())
    );
    // Reached through a map entry, the static type is interface {} (as in Helm).
    assert!(
        one("{{ .Capabilities.Nope }}")
            .is_err_and(|e| e.ends_with("can't evaluate field Nope in type interface {}"))
    );
    assert!(
        one("{{ .Capabilities.KubeVersion.Nope }}")
            .is_err_and(|e| e.ends_with("can't evaluate field Nope in type chartutil.KubeVersion"))
    );
    assert!(
        one("{{ .Capabilities.KubeVersion.Major 1 }}")
            .is_err_and(|e| e.ends_with("Major has arguments but cannot be invoked as function"))
    );
}

#[test]
fn include_tpl_required() {
    let mut set = TemplateSet::with_funcs("gotpl", helm_funcs());
    set.parse(
        "_helpers.tpl",
        "{{ define \"name\" }}app-{{ .Values.name }}{{ end }}",
    )
    .expect("parses");
    set.parse(
        "deploy.yaml",
        "name: {{ include \"name\" . }}\n{{ tpl \"n={{ .Values.name }}\" . }}\n{{ include \"name\" . | printf \"%q\" }}",
    )
    .expect("parses");
    assert_eq!(
        render(&set, "deploy.yaml").as_deref(),
        Ok("name: app-web\nn=web\n\"app-web\"")
    );
    // tpl's defines are visible to include within it, and only there.
    assert_eq!(
        one("{{ tpl \"{{ define \\\"z\\\" }}Z{{ end }}{{ include \\\"z\\\" . }}\" . }}").as_deref(),
        Ok("Z")
    );
    let err = one("{{ tpl \"{{ define \\\"z\\\" }}Z{{ end }}\" . }}{{ include \"z\" . }}")
        .expect_err("z is gone");
    assert!(
        err.ends_with(
            "error calling include: template: no template \"z\" associated with template \"gotpl\""
        ),
        "{err}"
    );
    // required aborts with the message, wrapped like any function error.
    assert_eq!(
        one("{{ required \"name is required\" .Values.nope }}"),
        Err("template: t:1:3: executing \"t\" at <required \"name is required\" .Values.nope>: error calling required: name is required".into())
    );
    // Nested errors keep the inner template's position, as Go's text does.
    let err = one("{{ tpl \"{{ .Values.nope.x }}\" . }}").expect_err("nil pointer");
    assert_eq!(
        err,
        "template: t:1:3: executing \"t\" at <tpl \"{{ .Values.nope.x }}\" .>: error calling tpl: template: gotpl:1:10: executing \"gotpl\" at <.Values.nope.x>: nil pointer evaluating interface {}.x"
    );
}

#[test]
fn runaway_recursion_is_an_error() {
    let mut set = TemplateSet::with_funcs("gotpl", helm_funcs());
    set.parse(
        "t",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
    )
    .expect("parses");
    let err = render(&set, "t").expect_err("recursion");
    assert!(
        err.contains("exceeded maximum template depth (1000)"),
        "{}",
        &err[err.len().saturating_sub(200)..]
    );
    set.parse(
        "u",
        "{{ define \"t2\" }}{{ template \"t2\" . }}{{ end }}{{ template \"t2\" . }}",
    )
    .expect("parses");
    let err = render(&set, "u").expect_err("recursion");
    assert!(
        err.ends_with("exceeded maximum template depth (1000)"),
        "{err}"
    );
}

#[test]
fn redefinition_rules_and_names() {
    let mut set = TemplateSet::new("s");
    set.parse("a", "{{ define \"x\" }}1{{ end }}")
        .expect("parses");
    set.parse("b", "{{ define \"x\" }}2{{ end }}{{ template \"x\" }}")
        .expect("parses");
    assert_eq!(set.execute("b", &Value::Nil).as_deref(), Ok("2"));
    // An empty redefinition does not replace (Go's associate rule).
    set.parse("c", "{{ define \"x\" }}  {{ end }}")
        .expect("parses");
    assert_eq!(set.execute("x", &Value::Nil).as_deref(), Ok("2"));
    assert_eq!(set.names(), vec!["a", "b", "c", "x"]);
    assert!(set.contains("x") && !set.contains("y"));
    // A block is a default that a later define overrides.
    set.parse("base", "<{{ block \"content\" . }}default{{ end }}>")
        .expect("parses");
    assert_eq!(set.execute("base", &Value::Nil).as_deref(), Ok("<default>"));
    set.parse("override", "{{ define \"content\" }}custom{{ end }}")
        .expect("parses");
    assert_eq!(set.execute("base", &Value::Nil).as_deref(), Ok("<custom>"));
}

#[test]
fn maps_are_shared_and_mutable_through_functions() {
    assert_eq!(
        one("{{ $d := .Values }}{{ $_ := set $d \"k\" \"v\" }}{{ $d.k }} {{ .Values.k }}")
            .as_deref(),
        Ok("v v")
    );
}

#[test]
fn user_functions_replace_builtins() {
    let mut funcs = FuncMap::new();
    funcs.plain("len", |_| Ok(Value::Int(-1)));
    let mut set = TemplateSet::with_funcs("t", funcs);
    set.parse("t", "{{ len \"abc\" }}").expect("parses");
    assert_eq!(set.execute("t", &Value::Nil).as_deref(), Ok("-1"));
}

#[test]
fn parse_once_execute_from_many_threads() {
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ range $k, $v := . }}{{ $k }}={{ $v }} {{ end }}")
        .expect("parses");
    let set = Arc::new(set);
    let data = Value::from(json!({"b": 2, "a": 1}));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (set, data) = (set.clone(), data.clone());
            std::thread::spawn(move || set.execute("t", &data))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread").as_deref(), Ok("a=1 b=2 "));
    }
}
