//! The template language: actions, pipelines, variables, control structures,
//! literals and whitespace trimming, with expectations from Go's documentation.

mod common;
use common::run;
use serde_json::json;

#[test]
fn text_fields_and_dot() {
    assert_eq!(run("plain", json!({})), "plain");
    assert_eq!(
        run("{{ .a }}-{{.b.c}}", json!({"a": "x", "b": {"c": 2}})),
        "x-2"
    );
    assert_eq!(run("{{ . }}", json!("s")), "s");
    // Dot of a nil data value is "no value".
    assert_eq!(run("{{ . }}", json!(null)), "<no value>");
}

#[test]
fn missing_keys_print_no_value() {
    assert_eq!(run("[{{ .nope }}]", json!({})), "[<no value>]");
    // Default missingkey: a field of a missing value is again no value.
    assert_eq!(run("[{{ .nope.deeper }}]", json!({})), "[<no value>]");
}

#[test]
fn comments_and_trim_markers() {
    assert_eq!(run("a{{/* c */}}b", json!({})), "ab");
    assert_eq!(run("a {{- /* c */ -}} b", json!({})), "ab");
    assert_eq!(run("a \n\t {{- 1 }} b", json!({})), "a1 b");
    assert_eq!(run("a {{ 1 -}} \n\n b", json!({})), "a 1b");
    // "{{-3}}" is the number -3, not a trim marker (Go requires a space after "-").
    assert_eq!(run("a {{-3}} b", json!({})), "a -3 b");
    assert_eq!(run("{{- \"x\" -}}", json!({})), "x");
}

#[test]
fn literals() {
    assert_eq!(run("{{ \"a\\tb\" }}", json!({})), "a\tb");
    assert_eq!(run("{{ `raw\\n` }}", json!({})), "raw\\n");
    assert_eq!(run("{{ 'a' }} {{ '\\n' }}", json!({})), "97 10");
    assert_eq!(
        run(
            "{{ 0x10 }} {{ 0X1f }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}",
            json!({})
        ),
        "16 31 15 15 5 1000"
    );
    assert_eq!(
        run("{{ 1.5 }} {{ 1e3 }} {{ -2 }} {{ +3 }} {{ .5 }}", json!({})),
        "1.5 1000 -2 3 0.5"
    );
    assert_eq!(run("{{ 1e6 }} {{ 0x1p4 }}", json!({})), "1e+06 16");
    assert_eq!(run("{{ true }} {{ false }}", json!({})), "true false");
    assert_eq!(run("{{ print nil }}", json!({})), "<nil>");
}

#[test]
fn variables_declare_and_assign() {
    assert_eq!(
        run("{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}", json!({})),
        "12"
    );
    // A declaration prints nothing; assignment inside a block changes the outer variable.
    assert_eq!(
        run(
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ $y }}{{ end }}{{ $x }}",
            json!({})
        ),
        "32"
    );
    // `$` is the data passed to Execute, also inside range and with.
    assert_eq!(
        run(
            "{{ range .l }}{{ $.top }}{{ . }}{{ end }}",
            json!({"top": "T", "l": [1, 2]})
        ),
        "T1T2"
    );
    assert_eq!(
        run("{{ with .a }}{{ $.b }}{{ end }}", json!({"a": 1, "b": "B"})),
        "B"
    );
    assert_eq!(
        run("{{ $v := .m }}{{ $v.k }}", json!({"m": {"k": "K"}})),
        "K"
    );
}

#[test]
fn pipelines_and_parentheses() {
    assert_eq!(
        run("{{ \"abc\" | printf \"%s-%s\" \"x\" }}", json!({})),
        "x-abc"
    );
    assert_eq!(
        run("{{ .a | len | printf \"%03d\" }}", json!({"a": "abcd"})),
        "004"
    );
    assert_eq!(
        run("{{ (index .m \"a\").b }}", json!({"m": {"a": {"b": 7}}})),
        "7"
    );
    assert_eq!(run("{{ printf \"%d\" (len (print 1 2)) }}", json!({})), "3");
    assert_eq!(
        run("{{ $x := (print \"a\" \"b\") }}{{ $x }}", json!({})),
        "ab"
    );
}

#[test]
fn if_else_chains() {
    let t = "{{ if .a }}A{{ else if .b }}B{{ else if not .c }}notC{{ else }}E{{ end }}";
    assert_eq!(run(t, json!({"a": 1})), "A");
    assert_eq!(run(t, json!({"b": "x"})), "B");
    assert_eq!(run(t, json!({})), "notC");
    assert_eq!(run(t, json!({"c": [1]})), "E");
}

#[test]
fn truthiness() {
    // Go: false, 0, nil, and empty strings, slices and maps are false.
    let t = "{{ range .l }}{{ if . }}T{{ else }}F{{ end }}{{ end }}";
    let data = json!({"l": [false, 0, 0.0, "", [], {}, null, true, 1, 0.5, "0", [0], {"a": null}]});
    assert_eq!(run(t, data), "FFFFFFFTTTTTT");
}

#[test]
fn with_and_else_with() {
    let t = "{{ with .a }}A{{ . }}{{ else with .b }}B{{ . }}{{ else }}C{{ end }}";
    assert_eq!(run(t, json!({"a": 1})), "A1");
    assert_eq!(run(t, json!({"b": 2})), "B2");
    assert_eq!(run(t, json!({})), "C");
}

#[test]
fn range_lists_maps_and_else() {
    assert_eq!(
        run("{{ range .l }}[{{ . }}]{{ end }}", json!({"l": ["a", "b"]})),
        "[a][b]"
    );
    assert_eq!(
        run(
            "{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}",
            json!({"l": ["a", "b"]})
        ),
        "0=a;1=b;"
    );
    assert_eq!(
        run(
            "{{ range $v := .l }}{{ $v }}{{ end }}",
            json!({"l": [1, 2]})
        ),
        "12"
    );
    // Maps range in sorted key order.
    assert_eq!(
        run(
            "{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}",
            json!({"b": 2, "c": 3, "a": 1})
        ),
        "a=1;b=2;c=3;"
    );
    assert_eq!(
        run("{{ range .e }}x{{ else }}empty{{ end }}", json!({"e": []})),
        "empty"
    );
    assert_eq!(
        run("{{ range .e }}x{{ else }}empty{{ end }}", json!({"e": {}})),
        "empty"
    );
    assert_eq!(
        run("{{ range .missing }}x{{ else }}empty{{ end }}", json!({})),
        "empty"
    );
    assert_eq!(
        run("{{ range .n }}x{{ else }}none{{ end }}", json!({"n": null})),
        "none"
    );
}

#[test]
fn range_variables_are_scoped_per_iteration() {
    let t = "{{ range .l }}{{ $x := . }}{{ $x }}{{ end }}{{ $y := 1 }}{{ $y }}";
    assert_eq!(run(t, json!({"l": [1, 2]})), "121");
    // Assigning range variables (Go 1.22 allows `range $i, $v = ...`).
    let t = "{{ $i := 0 }}{{ $v := 0 }}{{ range $i, $v = .l }}{{ end }}{{ $i }}{{ $v }}";
    assert_eq!(run(t, json!({"l": ["a", "b"]})), "1b");
}

#[test]
fn range_over_integer() {
    // Go 1.22: range over an int n iterates 0..n-1.
    assert_eq!(run("{{ range 3 }}{{ . }}{{ end }}", json!({})), "012");
    assert_eq!(
        run("{{ range $i := .n }}{{ $i }}{{ end }}", json!({"n": 4})),
        "0123"
    );
    assert_eq!(
        run("{{ range 0 }}x{{ else }}zero{{ end }}", json!({})),
        "zero"
    );
}

#[test]
fn nested_ranges() {
    let t = "{{- range $i, $app := .Apps }}{{ $app.Name }}:{{ range $app.Cluster }} {{ . }}@{{ $.P }}{{ end }};{{ end }}";
    let data = json!({"P": "p", "Apps": [{"Name": "a", "Cluster": ["c1", "c2"]}, {"Name": "b", "Cluster": []}]});
    assert_eq!(run(t, data), "a: c1@p c2@p;b:;");
}

#[test]
fn break_and_continue() {
    let t = "{{ range .l }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}";
    assert_eq!(run(t, json!({"l": [0, 1, 2, 3, 4]})), "02");
    // break leaves only the innermost range.
    let t = "{{ range $a := .a }}<{{ range $.b }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}>{{ end }}";
    assert_eq!(run(t, json!({"a": [1, 2], "b": [1, 2, 3]})), "<1><1>");
}

#[test]
fn define_template_block() {
    assert_eq!(
        run(
            "{{ define \"x\" }}X{{ . }}{{ end }}{{ template \"x\" 5 }}",
            json!({})
        ),
        "X5"
    );
    assert_eq!(
        run(
            "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" }}",
            json!({})
        ),
        "[<no value>]"
    );
    // template calls see only their own `$`.
    assert_eq!(
        run(
            "{{ define \"x\" }}{{ $ }}{{ end }}{{ $y := 1 }}{{ template \"x\" .v }}",
            json!({"v": "V"})
        ),
        "V"
    );
    assert_eq!(
        run("{{ block \"b\" .v }}[{{ . }}]{{ end }}", json!({"v": "V"})),
        "[V]"
    );
    assert_eq!(
        run(
            "{{ define `raw` }}R{{ end }}{{ template `raw` }}",
            json!({})
        ),
        "R"
    );
}

#[test]
fn and_or_short_circuit() {
    assert_eq!(
        run(
            "{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 \"\" \"x\" }}|{{ or 0 \"\" }}",
            json!({})
        ),
        "0|2|x|"
    );
    assert_eq!(run("{{ or 0 \"\" \"x\" }}", json!({})), "x");
    // Go 1.18+: later arguments are not evaluated once the result is decided.
    assert_eq!(run("{{ or 1 (index .l 10) }}", json!({"l": []})), "1");
    assert_eq!(run("{{ and 0 (index .l 10) }}", json!({"l": []})), "0");
    assert_eq!(
        run("{{ if and .a .b }}y{{ else }}n{{ end }}", json!({"a": 1})),
        "n"
    );
    // The piped value is the last argument.
    assert_eq!(run("{{ 5 | and 1 }}", json!({})), "5");
}

#[test]
fn method_style_chains_on_parenthesized_pipelines() {
    assert_eq!(run("{{ (.a).b }}", json!({"a": {"b": "B"}})), "B");
    // A field of a parenthesized missing value is no value.
    assert_eq!(run("{{ (.x).y }}", json!({})), "<no value>");
}

#[test]
fn newline_inside_action_is_allowed() {
    assert_eq!(run("{{ printf\n\"%d\"\n 3 }}", json!({})), "3");
}
