//! YAML as Helm reads and writes it: `sigs.k8s.io/yaml` over go-yaml v2 (YAML 1.1
//! scalars, a JSON round trip, go-yaml's emitter).

mod emit;
mod keys;
mod parse;
mod resolve;
mod scalar;

pub use emit::marshal;
pub use parse::{json_kind, parse, parse_map};
pub use resolve::go_parse_int;

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` (sigs.k8s.io/yaml's float-to-string).
pub fn float32_text(f: f64) -> String {
    let short: f64 = format!("{}", f as f32).parse().unwrap_or(f);
    gotmpl::sprint(&[gotmpl::Value::Float(short)])
}

/// Helm's `toYaml`: the marshalled text without its final newline; errors give "".
pub fn to_yaml(v: &gotmpl::Value) -> String {
    match marshal(v) {
        Ok(s) => s.strip_suffix('\n').map(str::to_string).unwrap_or(s),
        Err(_) => String::new(),
    }
}
