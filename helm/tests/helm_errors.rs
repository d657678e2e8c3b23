//! Failures reported like `helm template` 3.17 reports them: template errors
//! with file, line and column, `required`/`fail` texts, parse errors, chart and
//! release-name checks. Each case runs through both and compares the messages.

mod common;

use emco_helm::{TemplateArgs, template};

const CHART_YAML: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\n";

/// (label, files besides Chart.yaml, --set, release, whether only the prefix up
/// to the first ": " after the file name must match).
struct Case {
    label: &'static str,
    files: Vec<(&'static str, &'static str)>,
    set: Vec<&'static str>,
    release: &'static str,
    chart_yaml: &'static str,
    prefix_only: bool,
}

fn case(label: &'static str, template: &'static str) -> Case {
    Case {
        label,
        files: vec![("templates/t.yaml", template)],
        set: Vec::new(),
        release: "release-name",
        chart_yaml: CHART_YAML,
        prefix_only: false,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "required",
            "a: 1\nb: {{ required \"need foo\" .Values.foo }}\n",
        ),
        case(
            "required empty string",
            "a: {{ .Values.s | required \"s is empty\" }}\n",
        ),
        case("fail", "a: 1\nb: {{ fail \"boom\" }}\n"),
        case("nil pointer", "a: 1\nb: {{ .Values.foo.bar }}\n"),
        case("unknown function", "a: {{ nofunc 1 }}\n"),
        case("unclosed action", "a: 1\nb: {{ .Values.x\n"),
        case("unexpected end", "{{ if .Values.x }}\na: 1\n"),
        case("missing include", "a: {{ include \"nope\" . }}\n"),
        case("missing template", "a: {{ template \"nope\" . }}\n"),
        case(
            "required inside include",
            "{{ define \"x\" }}{{ required \"inner req\" .nope }}{{ end }}a: 1\nb: {{ include \"x\" . }}\n",
        ),
        case(
            "nil pointer inside include",
            "{{ define \"x\" }}{{ .a.b.c }}{{ end }}a: 1\nb: {{ include \"x\" . }}\n",
        ),
        case("tpl execution", "a: {{ tpl \"{{ .x.y }}\" . }}\n"),
        case("wrong arity", "a: {{ toYaml }}\n"),
        case("wrong argument type", "a: {{ upper 5 }}\n"),
        case(
            "int function on a float value",
            "a: {{ trunc .Values.n \"abc\" }}\n",
        ),
        Case {
            set: vec!["n=3"],
            ..case("int64 against float64", "a: {{ eq .Values.n 3.0 }}\n")
        },
        Case {
            prefix_only: true,
            ..case("invalid YAML output", "a: [1\nb: 2\n")
        },
        Case {
            release: "Bad_Name",
            ..case("invalid release name", "a: 1\n")
        },
        Case {
            release: "",
            ..case("empty release name", "a: 1\n")
        },
        Case {
            chart_yaml: "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n",
            ..case("library chart", "a: 1\n")
        },
        Case {
            chart_yaml: "apiVersion: v2\nname: c\nversion: 0.1.0\nkubeVersion: '<1.20'\n",
            ..case("kubeVersion", "a: 1\n")
        },
        Case {
            chart_yaml: "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: absent\n  version: 1.0.0\n",
            ..case("missing dependency", "a: 1\n")
        },
        Case {
            chart_yaml: "apiVersion: v2\nname: c\n",
            ..case("no chart version", "a: 1\n")
        },
        Case {
            set: vec!["a[0"],
            ..case("bad --set", "a: 1\n")
        },
    ]
}

#[test]
fn errors_match_helm_template() {
    let Some(helm) = common::helm() else {
        eprintln!("SKIP: helm 3.17 is not available; error messages not compared");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut mismatches = Vec::new();
    for (i, c) in cases().into_iter().enumerate() {
        let mut files = vec![
            ("Chart.yaml", c.chart_yaml),
            ("values.yaml", "s: \"\"\nn: 1.5\n"),
        ];
        files.extend(c.files.iter().copied());
        let chart = common::write_chart(dir.path(), &format!("case{i}/c"), &files);
        let args = TemplateArgs {
            chart,
            set: c.set.iter().map(|s| s.to_string()).collect(),
            release: c.release.to_string(),
            ..TemplateArgs::default()
        };
        let theirs = match common::helm_template(&helm, &args) {
            Ok(out) => panic!("{}: helm succeeded unexpectedly:\n{out}", c.label),
            Err(e) => common::helm_error(&e),
        };
        let ours = match template(&args) {
            Ok(out) => panic!(
                "{}: we succeeded where helm failed ({theirs}):\n{out}",
                c.label
            ),
            Err(e) => e.to_string(),
        };
        let same = if c.prefix_only {
            let cut = |s: &str| s.split(": yaml").next().unwrap_or(s).to_string();
            cut(&ours) == cut(&theirs)
        } else {
            ours == theirs
        };
        if !same {
            mismatches.push(format!("{}:\n  ours: {ours}\n  helm: {theirs}", c.label));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn chart_without_chart_yaml_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let chart = common::write_chart(dir.path(), "c", &[("templates/t.yaml", "a: 1\n")]);
    let args = TemplateArgs {
        chart,
        ..TemplateArgs::default()
    };
    let err = template(&args).err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("Chart.yaml file is missing"));
}
