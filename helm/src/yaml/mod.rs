//! YAML as Helm reads and writes it: `sigs.k8s.io/yaml` over go-yaml v2 (YAML 1.1
//! scalars, a JSON round trip, go-yaml's emitter).

mod emit;
mod parse;
mod resolve;

pub use emit::{key_less, marshal};
pub use parse::{json_kind, parse, parse_map};
pub use resolve::go_parse_int;

/// Helm's `toYaml`: the marshalled text without its final newline; errors give "".
pub fn to_yaml(v: &gotmpl::Value) -> String {
    match marshal(v) {
        Ok(s) => s.strip_suffix('\n').map(str::to_string).unwrap_or(s),
        Err(_) => String::new(),
    }
}
