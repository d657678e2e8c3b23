//! Parse and execution errors: Go's messages and positions
//! (`template: NAME:LINE: msg`, `template: FILE:LINE:COL: executing "NAME" at <node>: msg`).

mod common;
use common::{fail, with_missing};
use gotmpl::{Func, FuncMap, MissingKey, TemplateSet, Value};
use serde_json::json;

fn parse_err(text: &str) -> String {
    let mut set = TemplateSet::new("t");
    match set.parse("t", text) {
        Ok(()) => panic!("{text:?} should not parse"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn parse_errors() {
    let cases = [
        ("{{ if }}{{ end }}", "template: t:1: missing value for if"),
        ("{{ end }}", "template: t:1: unexpected {{end}}"),
        ("{{ else }}", "template: t:1: unexpected {{else}}"),
        ("{{ if .x }}", "template: t:1: unexpected EOF"),
        ("{{ foo }}", "template: t:1: function \"foo\" not defined"),
        ("{{ $x }}", "template: t:1: undefined variable \"$x\""),
        ("{{ break }}", "template: t:1: {{break}} outside {{range}}"),
        (
            "{{ range . }}{{ break 1 }}{{ end }}",
            "template: t:1: unexpected \"1\" in {{break}}",
        ),
        (
            "{{ .a | 1 }}",
            "template: t:1: non executable command in pipeline stage 2",
        ),
        (
            "{{ \"a\".b }}",
            "template: t:1: unexpected . after term \"\\\"a\\\"\"",
        ),
        ("{{ 3x }}", "template: t:1: bad number syntax: \"3x\""),
        ("{{ \"abc }}", "template: t:1: unterminated quoted string"),
        ("{{ (1 }}", "template: t:1: unclosed left paren"),
        ("{{ ) }}", "template: t:1: unexpected right paren"),
        ("{{ .a = 1 }}", "template: t:1: unexpected \"=\" in operand"),
        ("{{ $x := }}", "template: t:1: missing value for command"),
        ("{{ # }}", "template: t:1: unexpected \"#\" in command"),
        (
            "{{ 99999999999999999999 }}",
            "template: t:1: integer overflow: \"99999999999999999999\"",
        ),
        ("{{ \"\\q\" }}", "template: t:1: invalid syntax"),
        (
            "{{ template .x }}",
            "template: t:1: unexpected \".x\" in template clause",
        ),
        (
            "{{ define \"a\" }}{{ else }}{{ end }}",
            "template: t:1: unexpected {{else}} in define clause",
        ),
        (
            "{{ if 1 }}{{ else }}{{ else }}{{ end }}",
            "template: t:1: expected end; found {{else}}",
        ),
        (
            "{{ range $a, $b, $c := . }}{{ end }}",
            "template: t:1: too many declarations in range",
        ),
        (
            "{{ with $x, $y := . }}{{ end }}",
            "template: t:1: too many declarations in with",
        ),
        (
            "{{ range $a, 1 }}{{ end }}",
            "template: t:1: range can only initialize variables",
        ),
        ("a\nb\n{{ end }}", "template: t:3: unexpected {{end}}"),
        (
            "line1\n{{ .a\n",
            "template: t:3: unclosed action started at t:2",
        ),
        ("{{/* x", "template: t:1: unclosed comment"),
        (
            "{{/* x */ y}}",
            "template: t:1: comment ends before closing delimiter",
        ),
        (
            "{{ define \"x\" }}a{{ end }}{{ define \"x\" }}b{{ end }}",
            "template: t:1: template: multiple definition of template \"x\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_err(text), want, "for {text:?}");
    }
}

#[test]
fn field_errors_name_position_and_node() {
    assert_eq!(
        fail("{{.a.b}}", json!({"a": null})),
        "template: t:1:4: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b"
    );
    assert_eq!(
        fail("x\n  {{ .a.b }}", json!({"a": "s"})),
        "template: t:2:7: executing \"t\" at <.a.b>: can't evaluate field b in type interface {}"
    );
    assert_eq!(
        fail("{{ with 1 }}{{ .y }}{{ end }}", json!({})),
        "template: t:1:15: executing \"t\" at <.y>: can't evaluate field y in type int"
    );
    assert_eq!(
        fail("{{ .a 1 }}", json!({"a": {}})),
        "template: t:1:3: executing \"t\" at <.a>: a is not a method but has arguments"
    );
    assert!(
        fail("{{ \"x\" | .m }}", json!({"m": {}})).ends_with("m is not a method but has arguments")
    );
    assert_eq!(
        fail("{{ range .l }}{{ .x }}{{ end }}", json!({"l": [null]})),
        "template: t:1:17: executing \"t\" at <.x>: nil pointer evaluating interface {}.x"
    );
}

#[test]
fn missing_key_options() {
    let t = "[{{ .a }}][{{ .a.b }}]";
    assert_eq!(
        with_missing(t, json!({}), MissingKey::Default).as_deref(),
        Ok("[<no value>][<no value>]")
    );
    // Helm's mode: a missing key is a nil interface{}; printing shows <no value>,
    // but a field of it is a nil pointer error.
    assert_eq!(
        with_missing(t, json!({}), MissingKey::Zero),
        Err(
            "template: t:1:16: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b"
                .into()
        )
    );
    assert_eq!(
        with_missing("[{{ .a }}]", json!({}), MissingKey::Zero).as_deref(),
        Ok("[<no value>]")
    );
    assert_eq!(
        with_missing(t, json!({}), MissingKey::Error),
        Err("template: t:1:4: executing \"t\" at <.a>: map has no entry for key \"a\"".into())
    );
    assert_eq!(
        with_missing("{{ .x }}", json!(null), MissingKey::Error),
        Err("template: t:1:3: executing \"t\" at <.x>: nil data; no entry for key \"x\"".into())
    );
    let mut set = TemplateSet::new("t");
    assert!(set.set_option("missingkey=zero").is_ok());
    assert_eq!(set.options().missing_key, MissingKey::Zero);
    assert_eq!(
        set.set_option("bogus"),
        Err("unrecognized option: bogus".into())
    );
}

#[test]
fn command_errors() {
    assert!(
        fail("{{ 1 2 }}", json!({})).ends_with("at <1>: can't give argument to non-function 1")
    );
    assert!(fail("{{ nil }}", json!({})).ends_with("at <nil>: nil is not a command"));
    assert_eq!(
        fail("{{ template \"nope\" }}", json!({})),
        "template: t:1:12: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined"
    );
    assert_eq!(
        fail("{{ $x = 1 }}", json!({})),
        "template: t:1:8: executing \"t\" at <1>: undefined variable: $x"
    );
    assert!(fail("{{ range 1.5 }}{{ end }}", json!({})).ends_with("range can't iterate over 1.5"));
    assert!(
        fail("{{ range \"ab\" }}{{ end }}", json!({})).ends_with("range can't iterate over ab")
    );
    assert!(
        fail("{{ range $i, $v := 3 }}{{ end }}", json!({}))
            .ends_with("can't use 3 to iterate over more than one variable")
    );
}

#[test]
fn argument_errors() {
    assert_eq!(
        fail("{{ len 1 2 }}", json!({})),
        "template: t:1:3: executing \"t\" at <len>: wrong number of args for len: want 1 got 2"
    );
    assert!(
        fail("{{ printf }}", json!({}))
            .ends_with("at <printf>: wrong number of args for printf: want at least 1 got 0")
    );
    assert!(fail("{{ printf 1 }}", json!({})).ends_with("at <1>: expected string; found 1"));
    assert!(
        fail("{{ printf .x }}", json!({"x": 1}))
            .ends_with("at <.x>: wrong type for value; expected string; got int")
    );
    assert!(
        fail("{{ printf .missing }}", json!({}))
            .ends_with("at <.missing>: invalid value; expected string")
    );
    assert!(fail("{{ printf nil }}", json!({})).ends_with("at <nil>: cannot assign nil to string"));
    assert!(
        fail("{{ len 3 }}", json!({})).ends_with("at <len 3>: error calling len: len of type int")
    );
    assert!(
        fail("{{ len .n }}", json!({"n": null})).ends_with("error calling len: len of nil pointer")
    );
}

#[test]
fn function_errors_and_nested_positions() {
    let mut funcs = FuncMap::new();
    funcs.plain("boom", |_| Err("it broke".into()));
    let mut set = TemplateSet::with_funcs("t", funcs);
    set.parse(
        "t",
        "a\n{{ define \"x\" }}{{ .a.b }}{{ end }}{{ template \"x\" . }}{{ boom 1 }}",
    )
    .expect("parses");
    let err = set
        .execute("t", &Value::from(json!({"a": null})))
        .expect_err("fails");
    // The error names the define being executed and the file it was parsed from.
    assert_eq!(
        err.to_string(),
        "template: t:2:21: executing \"x\" at <.a.b>: nil pointer evaluating interface {}.b"
    );
    let err = set
        .execute("t", &Value::from(json!({"a": {"b": 1}})))
        .expect_err("fails");
    assert_eq!(
        err.to_string(),
        "template: t:2:58: executing \"t\" at <boom 1>: error calling boom: it broke"
    );
    assert!(
        set.execute("nope", &Value::Nil)
            .expect_err("no such template")
            .to_string()
            .ends_with("no template \"nope\" associated with template \"t\"")
    );
}

#[test]
fn undefined_function_at_parse_time_and_signature_checks() {
    let mut funcs = FuncMap::new();
    funcs.insert(
        "trimSuffix",
        Func::plain(|a| Ok(a[1].clone()))
            .with_signature(&[gotmpl::ArgKind::String, gotmpl::ArgKind::String], None),
    );
    let mut set = TemplateSet::with_funcs("t", funcs);
    set.parse("t", "{{ trimSuffix \"a\" }}").expect("parses");
    let err = set.execute("t", &Value::Nil).expect_err("arity");
    assert!(
        err.to_string()
            .ends_with("wrong number of args for trimSuffix: want 2 got 1"),
        "{err}"
    );
    set.parse("u", "{{ \"x\" | trimSuffix 1 }}")
        .expect("parses");
    let err = set.execute("u", &Value::Nil).expect_err("type");
    assert!(
        err.to_string()
            .ends_with("at <1>: expected string; found 1"),
        "{err}"
    );
}
