//! Measures parse-once/execute-many speed on a Helm-like template set.
//! Run with `scripts/bench-gotmpl` (release build); prints one line per figure.

use std::time::Instant;

use gotmpl::{TemplateSet, Value};
use serde_json::json;

const HELPERS: &str = r#"
{{- define "app.name" -}}{{ .Chart.Name }}{{- end }}
{{- define "app.fullname" -}}{{ printf "%s-%s" .Release.Name .Chart.Name }}{{- end }}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ template "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | printf "%q" }}
{{- end }}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ template "app.fullname" . }}
  labels:
{{ template "app.labels" . }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
      {{- range $i, $c := .Values.containers }}
      - name: {{ $c.name }}
        image: "{{ $c.image.repository }}:{{ $c.image.tag }}"
        {{- if $c.ports }}
        ports:
        {{- range $c.ports }}
        - containerPort: {{ .port }}
          name: {{ .name | printf "%.15s" }}
        {{- end }}
        {{- end }}
        env:
        {{- range $k, $v := $.Values.env }}
        - name: {{ $k }}
          value: {{ printf "%q" (print $v) }}
        {{- end }}
        {{- with $c.resources }}
        resources:
          limits: {{ .limits }}
        {{- end }}
      {{- end }}
      {{- if and .Values.nodeSelector (not .Values.skipNodeSelector) }}
      nodeSelector: {{ .Values.nodeSelector }}
      {{- end }}
"#;

fn data() -> Value {
    let containers: Vec<_> = (0..5)
        .map(|i| {
            json!({"name": format!("c{i}"), "image": {"repository": "registry/app", "tag": "1.2.3"},
                   "ports": [{"port": 8080 + i, "name": "http-port-number"}, {"port": 9090, "name": "metrics"}],
                   "resources": {"limits": {"cpu": "100m", "memory": "128Mi"}}})
        })
        .collect();
    let env: serde_json::Map<_, _> = (0..20).map(|i| (format!("VAR_{i:02}"), json!(i))).collect();
    Value::from(json!({
        "Chart": {"Name": "web", "AppVersion": "1.2.3"},
        "Release": {"Name": "rel", "Namespace": "default"},
        "Values": {"replicaCount": 3, "containers": containers, "env": env, "nodeSelector": {"disk": "ssd"}}
    }))
}

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let start = Instant::now();
    let mut set = TemplateSet::new("chart");
    for _ in 0..1000 {
        set = TemplateSet::new("chart");
        if let Err(e) = set
            .parse("_helpers.tpl", HELPERS)
            .and_then(|()| set.parse("deployment.yaml", DEPLOYMENT))
        {
            eprintln!("parse failed: {e}");
            std::process::exit(1);
        }
    }
    let parse_us = start.elapsed().as_secs_f64() * 1e6 / 1000.0;
    let data = data();
    let mut bytes = 0;
    let start = Instant::now();
    for _ in 0..iterations {
        match set.execute("deployment.yaml", &data) {
            Ok(out) => bytes += out.len(),
            Err(e) => {
                eprintln!("execute failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("parse (helpers + deployment): {parse_us:.1} us");
    println!(
        "execute: {:.1} us per render, {:.0} renders/s",
        secs * 1e6 / f64::from(iterations),
        f64::from(iterations) / secs
    );
    println!("output: {} bytes per render", bytes / iterations as usize);
}
