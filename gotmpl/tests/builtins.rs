//! Go's predefined functions (except printing, see printing.rs).

mod common;
use common::{fail, run};
use gotmpl::{Function, TemplateSet, Value};
use serde_json::json;

#[test]
fn not_and_len() {
    assert_eq!(
        run(
            "{{ not 0 }} {{ not 1 }} {{ not .missing }} {{ not .l }}",
            json!({"l": []})
        ),
        "true false true true"
    );
    // len counts bytes of strings, as Go does.
    assert_eq!(
        run(
            "{{ len \"héllo\" }} {{ len .l }} {{ len .m }}",
            json!({"l": [1, 2, 3], "m": {"a": 1, "b": 2}})
        ),
        "6 3 2"
    );
}

#[test]
fn index_lists_maps_strings_nested() {
    let data =
        json!({"l": ["a", "b", "c"], "m": {"a": {"b": "AB"}, "n": null}, "ll": [[1, 2], [3, 4]]});
    assert_eq!(run("{{ index .l 1 }}", data.clone()), "b");
    assert_eq!(run("{{ index .m \"a\" \"b\" }}", data.clone()), "AB");
    assert_eq!(run("{{ index .ll 1 0 }}", data.clone()), "3");
    // Indexing a string yields a byte.
    assert_eq!(run("{{ index \"abc\" 1 }}", data.clone()), "98");
    // A missing key yields the map's zero value: nil, printed as <no value>.
    assert_eq!(run("{{ index .m \"zz\" }}", data.clone()), "<no value>");
    assert_eq!(run("{{ index .l }}", data), "[a b c]");
}

#[test]
fn index_errors() {
    let data = json!({"l": ["a"], "m": {"n": null}});
    assert_eq!(
        fail("{{ index .l 5 }}", data.clone()),
        "template: t:1:3: executing \"t\" at <index .l 5>: error calling index: index out of range: 5"
    );
    assert!(
        fail("{{ index .l -1 }}", data.clone())
            .ends_with("error calling index: index out of range: -1")
    );
    assert!(
        fail("{{ index .l \"x\" }}", data.clone())
            .ends_with("cannot index slice/array with type string")
    );
    assert!(
        fail("{{ index .m 1 }}", data.clone()).ends_with("value has type int; should be string")
    );
    assert!(
        fail("{{ index .m \"n\" \"x\" }}", data.clone())
            .ends_with("error calling index: index of nil pointer")
    );
    assert!(
        fail("{{ index .nope 1 }}", data.clone())
            .ends_with("error calling index: index of untyped nil")
    );
    assert!(
        fail("{{ index 5 1 }}", data)
            .ends_with("error calling index: can't index item of type int")
    );
}

#[test]
fn slice_lists_and_strings() {
    let data = json!({"l": ["a", "b", "c"]});
    assert_eq!(
        run(
            "{{ slice \"abcdef\" 1 3 }}|{{ slice \"abc\" 1 }}",
            data.clone()
        ),
        "bc|bc"
    );
    assert_eq!(
        run(
            "{{ slice .l 1 }}|{{ slice .l }}|{{ slice .l 0 1 2 }}",
            data.clone()
        ),
        "[b c]|[a b c]|[a]"
    );
    assert!(
        fail("{{ slice .l 2 1 }}", data.clone())
            .ends_with("error calling slice: invalid slice index: 2 > 1")
    );
    assert!(
        fail("{{ slice \"abc\" 0 1 2 }}", data.clone()).ends_with("cannot 3-index slice a string")
    );
    assert!(
        fail("{{ slice .l 0 4 }}", data).ends_with("error calling slice: index out of range: 4")
    );
}

#[test]
fn comparisons() {
    assert_eq!(
        run(
            "{{ eq .x 1 2 3 }} {{ eq .x 4 5 }} {{ eq \"a\" \"a\" }} {{ ne 1 2 }}",
            json!({"x": 3})
        ),
        "true false true true"
    );
    assert_eq!(
        run("{{ eq .missing nil }} {{ eq .s nil }}", json!({"s": "x"})),
        "true false"
    );
    assert_eq!(
        run(
            "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }} {{ lt \"a\" \"b\" }} {{ lt 1.5 2.5 }}",
            json!({})
        ),
        "true true true false true true"
    );
    assert_eq!(
        run("{{ if eq .v \"on\" }}ON{{ end }}", json!({"v": "on"})),
        "ON"
    );
}

#[test]
fn comparison_errors() {
    assert_eq!(
        fail("{{ eq 1 1.0 }}", json!({})),
        "template: t:1:3: executing \"t\" at <eq 1 1.0>: error calling eq: incompatible types for comparison"
    );
    assert!(
        fail("{{ lt 1 \"a\" }}", json!({}))
            .ends_with("error calling lt: incompatible types for comparison")
    );
    assert!(
        fail("{{ lt true false }}", json!({}))
            .ends_with("error calling lt: invalid type for comparison")
    );
    assert!(
        fail("{{ gt .l 1 }}", json!({"l": []}))
            .ends_with("error calling gt: invalid type for comparison")
    );
    assert!(
        fail("{{ eq .l .l }}", json!({"l": [1]}))
            .ends_with("error calling eq: non-comparable type [%!s(int=1)]: []interface {}")
    );
    assert!(
        fail("{{ eq 1 }}", json!({}))
            .ends_with("error calling eq: missing argument for comparison")
    );
}

#[test]
fn escapers() {
    assert_eq!(
        run("{{ html \"<a href='x'>&</a>\" }}", json!({})),
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
    );
    assert_eq!(
        run("{{ html .missing }}|{{ html 1 2 }}", json!({})),
        "&lt;no value&gt;|1 2"
    );
    assert_eq!(
        run("{{ js \"a'b<c>\" }}", json!({})),
        "a\\'b\\u003Cc\\u003E"
    );
    assert_eq!(
        run(
            "{{ urlquery \"a b&c\" }}|{{ \"x/y\" | urlquery }}",
            json!({})
        ),
        "a+b%26c|x%2Fy"
    );
}

#[test]
fn call_function_values() {
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ call .add 1 2 }}|{{ call .fail }}")
        .expect("parses");
    let add = Function::new(|args| match args {
        [Value::Int(a), Value::Int(b)] => Ok(Value::Int(a + b)),
        _ => Err("bad args".into()),
    });
    let data = Value::map([("add", Value::Func(add.clone()))]);
    let err = set.execute("t", &data).expect_err("fail is missing");
    assert_eq!(
        err.to_string(),
        "template: t:1:23: executing \"t\" at <call .fail>: error calling call: call of nil"
    );
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ call .add 1 2 }}|{{ call .add 1 }}|{{ call .n }}")
        .expect("parses");
    let data = Value::map([("add", Value::Func(add)), ("n", Value::Int(1))]);
    let err = set.execute("t", &data).expect_err("bad args");
    assert!(
        err.to_string()
            .ends_with("at <call .add 1>: error calling call: bad args"),
        "{err}"
    );
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ call .n }}").expect("parses");
    let err = set.execute("t", &data).expect_err("not a function");
    assert!(
        err.to_string()
            .ends_with("error calling call: non-function .n of type int"),
        "{err}"
    );
    let mut set = TemplateSet::new("t");
    set.parse("t", "{{ call .add 40 2 }}").expect("parses");
    assert_eq!(set.execute("t", &data).expect("calls"), "42");
}
