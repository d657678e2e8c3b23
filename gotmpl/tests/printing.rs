//! How values print (Go's `fmt.Print` of `interface{}` values) and the
//! `print`/`printf`/`println` builtins with Go's verbs, flags and error forms.

mod common;
use common::run;
use serde_json::json;

#[test]
fn values_print_like_go() {
    let data =
        json!({"m": {"b": [1, 2], "a": 1}, "l": [1, "a", null, true, 1.5], "e": {}, "el": []});
    assert_eq!(run("{{ .m }}", data.clone()), "map[a:1 b:[1 2]]");
    assert_eq!(run("{{ .l }}", data.clone()), "[1 a <nil> true 1.5]");
    assert_eq!(run("{{ .e }} {{ .el }}", data), "map[] []");
    assert_eq!(
        run("{{ .x }}", json!({"x": [{"a": {"b": null}}]})),
        "[map[a:map[b:<nil>]]]"
    );
}

#[test]
fn floats_print_like_go_v() {
    let t = "{{ range . }}{{ . }} {{ end }}";
    let data = json!([1000000.0, 3.0, 1.5e-7, 123456789.0, 0.1, 100.0, 1e21, -0.5]);
    assert_eq!(
        run(t, data),
        "1e+06 3 1.5e-07 1.23456789e+08 0.1 100 1e+21 -0.5 "
    );
    // JSON integers stay integers.
    assert_eq!(run("{{ . }}", json!(12345678901_i64)), "12345678901");
}

#[test]
fn print_and_println_spacing() {
    // Sprint adds spaces between operands when neither is a string.
    assert_eq!(
        run("{{ print 1 2 \"a\" 3 \"b\" \"c\" }}", json!({})),
        "1 2a3bc"
    );
    assert_eq!(run("{{ print }}", json!({})), "");
    assert_eq!(run("{{ println 1 \"a\" }}", json!({})), "1 a\n");
    assert_eq!(run("{{ print .missing }}", json!({})), "<nil>");
}

#[test]
fn printf_integers() {
    let t = r#"{{ printf "%5d|%-5d|%05d|%x|%X|%o|%O|%b|%#x|%#o|%+d|% d|%v" 42 42 42 42 42 42 42 42 42 42 42 42 42 }}"#;
    assert_eq!(
        run(t, json!({})),
        "   42|42   |00042|2a|2A|52|0o52|101010|0x2a|052|+42| 42|42"
    );
    assert_eq!(
        run(r#"{{ printf "%c|%q|%U|%#U" 65 65 65 65 }}"#, json!({})),
        "A|'A'|U+0041|U+0041 'A'"
    );
    assert_eq!(
        run(r#"{{ printf "%x|%08.3d|%-05d|" -255 5 7 }}"#, json!({})),
        "-ff|     005|7    |"
    );
    assert_eq!(run(r#"{{ printf "%+v" 5 }}"#, json!({})), "5");
}

#[test]
fn printf_strings() {
    let t = r#"{{ printf "%s|%q|%x|%X|% x|%5s|%-5s|%.1s|%#q|%05s" "hi" "hi" "hi" "hi" "hi" "hi" "hi" "hi" "hi" "ab" }}"#;
    assert_eq!(
        run(t, json!({})),
        "hi|\"hi\"|6869|6869|68 69|   hi|hi   |h|`hi`|000ab"
    );
    assert_eq!(
        run(r#"{{ printf "%-4s|%q" "é" "a\nb" }}"#, json!({})),
        "é   |\"a\\nb\""
    );
    assert_eq!(run(r#"{{ printf "%+q" "é" }}"#, json!({})), "\"\\u00e9\"");
}

#[test]
fn printf_floats() {
    let t = r#"{{ printf "%f|%.2f|%e|%E|%g|%G|%8.3f|%-8.2f|%+.1f|%08.3f" 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 }}"#;
    assert_eq!(
        run(t, json!({})),
        "3.141590|3.14|3.141590e+00|3.141590E+00|3.14159|3.14159|   3.142|3.14    |+3.1|0003.142"
    );
    assert_eq!(
        run(
            r#"{{ printf "%v %v %e %g %.3g %.0f %.0f %6.2f%%" 1e21 0.00001 0.0 1e8 1234.5678 2.5 3.5 12.3456 }}"#,
            json!({})
        ),
        "1e+21 1e-05 0.000000e+00 1e+08 1.23e+03 2 4  12.35%"
    );
    assert_eq!(
        run(r#"{{ printf "%08.2f|%+08.2f" -3.5 3.5 }}"#, json!({})),
        "-0003.50|+0003.50"
    );
}

#[test]
fn printf_other_verbs() {
    assert_eq!(
        run(r#"{{ printf "%t|%5t|%v" true false nil }}"#, json!({})),
        "true|false|<nil>"
    );
    let t = r#"{{ printf "%T %T %T %T %T %T %T" 1 1.5 "s" .l .m true nil }}"#;
    assert_eq!(
        run(t, json!({"l": [], "m": {}})),
        "int float64 string []interface {} map[string]interface {} bool <nil>"
    );
    assert_eq!(
        run(
            r#"{{ printf "%d" .l }}|{{ printf "%s" .s }}|{{ printf "%q" .s }}"#,
            json!({"l": [1, 2], "s": ["a", "b"]})
        ),
        "[1 2]|[a b]|[\"a\" \"b\"]"
    );
    assert_eq!(
        run(r#"{{ printf "%v|%+v" .m .m }}"#, json!({"m": {"a": 1}})),
        "map[a:1]|map[a:1]"
    );
    assert_eq!(
        run(
            r#"{{ printf "%#v|%#v|%#v|%#v" "s" .l .m 3 }}"#,
            json!({"l": [1, "a"], "m": {"a": 1}})
        ),
        r#""s"|[]interface {}{1, "a"}|map[string]interface {}{"a":1}|3"#
    );
}

#[test]
fn printf_error_forms() {
    assert_eq!(
        run(r#"{{ printf "%d|%s|%z" "s" 5 5 }}"#, json!({})),
        "%!d(string=s)|%!s(int=5)|%!z(int=5)"
    );
    assert_eq!(run(r#"{{ printf "%d" nil }}"#, json!({})), "%!d(<nil>)");
    assert_eq!(
        run(r#"{{ printf "%d %d" 1 }}"#, json!({})),
        "1 %!d(MISSING)"
    );
    assert_eq!(
        run(r#"{{ printf "%d" 1 "a" nil }}"#, json!({})),
        "1%!(EXTRA string=a, <nil>)"
    );
    assert_eq!(
        run(r#"{{ printf "100%%|%" }}"#, json!({})),
        "100%|%!(NOVERB)"
    );
}

#[test]
fn printf_argument_indexes_and_star() {
    assert_eq!(run(r#"{{ printf "%[2]d %[1]d" 1 2 }}"#, json!({})), "2 1");
    assert_eq!(run(r#"{{ printf "%[3]d" 1 }}"#, json!({})), "%!d(BADINDEX)");
    assert_eq!(
        run(
            r#"{{ printf "%*d|%-*d|%.*f" 5 42 5 42 2 3.14159 }}"#,
            json!({})
        ),
        "   42|42   |3.14"
    );
    assert_eq!(
        run(r#"{{ printf "%*d" "x" 42 }}"#, json!({})),
        "%!(BADWIDTH)42"
    );
}
