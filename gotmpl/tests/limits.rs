//! Hostile or extreme input ends in a result or a clear error, never a crash or a
//! hang: deep nesting, self-referencing maps, runaway template recursion.

mod common;
use common::run;
use gotmpl::{FuncMap, Map, TemplateSet, Value};
use serde_json::json;

fn parse(text: &str) -> Result<(), String> {
    TemplateSet::new("t")
        .parse("t", text)
        .map_err(|e| e.to_string())
}

#[test]
fn nesting_within_the_limit_works() {
    let depth = 500;
    let text = format!("{{{{ {}1{} }}}}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(run(&text, json!({})), "1");
    let text = format!(
        "{}x{}",
        "{{ if 1 }}".repeat(depth),
        "{{ end }}".repeat(depth)
    );
    assert_eq!(run(&text, json!({})), "x");
}

#[test]
fn nesting_beyond_the_limit_is_a_parse_error() {
    let depth = 5000;
    let text = format!("{{{{ {}1{} }}}}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(
        parse(&text),
        Err("template: t:1: nesting deeper than 1000 levels".into())
    );
    let text = format!(
        "{}x{}",
        "{{ range . }}".repeat(depth),
        "{{ end }}".repeat(depth)
    );
    assert_eq!(
        parse(&text),
        Err("template: t:1: nesting deeper than 1000 levels".into())
    );
}

#[test]
fn self_referencing_map_prints_and_converts() {
    let m = Map::new();
    m.insert("self", Value::Map(m.clone()));
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ . }}|{{ printf \"%v\" . }}")
        .expect("parses");
    let out = set.execute("t", &Value::Map(m.clone())).expect("renders");
    assert!(
        out.starts_with("map[self:map[self:") && out.contains("..."),
        "{}",
        &out[..80]
    );
    assert!(Value::Map(m.clone()).to_json().is_object());
    m.remove("self");
}

#[test]
fn recursion_depth_is_bounded_and_configurable() {
    let mut set = TemplateSet::new("t");
    set.options_mut().max_depth = 50;
    set.parse(
        "t",
        "{{ define \"r\" }}.{{ template \"r\" }}{{ end }}{{ template \"r\" }}",
    )
    .expect("parses");
    let err = set.execute("t", &Value::Nil).expect_err("too deep");
    assert_eq!(
        err.to_string(),
        "template: t:1:29: executing \"r\" at <{{template \"r\"}}>: exceeded maximum template depth (50)"
    );
    // Go allows 100000 nested calls; a deep but finite recursion works here too.
    let mut set = TemplateSet::new("t");
    set.parse(
        "t",
        "{{ define \"count\" }}{{ if lt . 3000 }}{{ template \"count\" (len (printf \"%*s.\" . \"\")) }}{{ end }}{{ end }}",
    )
    .expect("parses");
    set.options_mut().max_depth = 5000;
    assert_eq!(set.execute("count", &Value::Int(0)).as_deref(), Ok(""));
}

#[test]
fn include_recursion_through_functions_is_bounded() {
    let mut f = FuncMap::new();
    f.context("include", |ctx, args| {
        let name = args[0].as_str().unwrap_or_default();
        ctx.execute_template(name, &args[1])
            .map(Value::from)
            .map_err(|e| e.to_string())
    });
    let mut set = TemplateSet::with_funcs("t", f);
    set.parse(
        "t",
        "{{ define \"a\" }}{{ include \"a\" . }}{{ end }}{{ include \"a\" . }}",
    )
    .expect("parses");
    let err = set
        .execute("t", &Value::Nil)
        .expect_err("too deep")
        .to_string();
    assert!(
        err.ends_with("exceeded maximum template depth (1000)"),
        "{}",
        &err[err.len() - 100..]
    );
}

#[test]
fn error_context_is_the_innermost_node() {
    let err = gotmpl::render("t", "{{ printf \"%d\" (index .l 5) }}", &json!({"l": []}))
        .expect_err("fails");
    assert_eq!(
        err.to_string(),
        "template: t:1:16: executing \"t\" at <index .l 5>: error calling index: index out of range: 5"
    );
    let err = gotmpl::render("t", "{{ $x := .a | len }}", &json!({"a": 1})).expect_err("fails");
    assert_eq!(
        err.to_string(),
        "template: t:1:14: executing \"t\" at <len>: error calling len: len of type int"
    );
}
