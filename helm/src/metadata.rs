//! `Chart.yaml` as Helm reads it into `chart.Metadata`: Go's field names and
//! string conversions (`appVersion: 1.10` is `"1.1"`), and Helm's validation.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Map, Value};

use crate::semver::Version;
use crate::yaml;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub import_values: Vec<Value>,
    pub alias: String,
}

/// `Chart.yaml`, with Helm's field set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub maintainers: Vec<Maintainer>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: BTreeMap<String, String>,
    pub kube_version: String,
    pub dependencies: Vec<Dependency>,
    pub chart_type: String,
}

/// Go's string form of a YAML scalar decoded into a `string` field.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.007e15 => Some(format!("{}", *f as i64)),
        Value::Float(f) => Some(crate::yaml::float32_text(*f)),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn get<'a>(m: &'a BTreeMap<Arc<str>, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn field_string(m: &BTreeMap<Arc<str>, Value>, key: &str, ty: &str) -> Result<String, String> {
    match get(m, key) {
        None | Some(Value::Nil) => Ok(String::new()),
        Some(v) => scalar_string(v).ok_or_else(|| {
            format!(
                "json: cannot unmarshal {} into Go struct field {ty}.{key} of type string",
                yaml_kind(v)
            )
        }),
    }
}

fn yaml_kind(v: &Value) -> &'static str {
    crate::yaml::json_kind(v)
}

fn field_strings(
    m: &BTreeMap<Arc<str>, Value>,
    key: &str,
    ty: &str,
) -> Result<Vec<String>, String> {
    match get(m, key) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::List(l)) => l
            .iter()
            .map(|v| {
                scalar_string(v).ok_or_else(|| {
                    format!(
                        "json: cannot unmarshal {} into Go struct field {ty}.{key} of type string",
                        yaml_kind(v)
                    )
                })
            })
            .collect(),
        Some(v) => Err(format!(
            "json: cannot unmarshal {} into Go struct field {ty}.{key} of type []string",
            yaml_kind(v)
        )),
    }
}

fn field_maps(m: &BTreeMap<Arc<str>, Value>, key: &str, ty: &str) -> Result<Vec<Map>, String> {
    match get(m, key) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::List(l)) => l
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| match v {
                Value::Map(m) => Ok(m.clone()),
                other => Err(format!(
                    "json: cannot unmarshal {} into Go struct field {ty}.{key} of type object",
                    yaml_kind(other)
                )),
            })
            .collect(),
        Some(v) => Err(format!(
            "json: cannot unmarshal {} into Go struct field {ty}.{key} of type array",
            yaml_kind(v)
        )),
    }
}

pub fn parse_dependencies(m: &BTreeMap<Arc<str>, Value>) -> Result<Vec<Dependency>, String> {
    field_maps(m, "dependencies", "Metadata")?
        .into_iter()
        .map(|d| {
            d.read(|d| {
                Ok(Dependency {
                    name: field_string(d, "name", "Dependency")?,
                    version: field_string(d, "version", "Dependency")?,
                    repository: field_string(d, "repository", "Dependency")?,
                    condition: field_string(d, "condition", "Dependency")?,
                    tags: field_strings(d, "tags", "Dependency")?,
                    enabled: matches!(get(d, "enabled"), Some(Value::Bool(true))),
                    import_values: match get(d, "import-values") {
                        Some(Value::List(l)) => l.to_vec(),
                        _ => Vec::new(),
                    },
                    alias: field_string(d, "alias", "Dependency")?,
                })
            })
        })
        .collect()
}

/// Reads `Chart.yaml` text into metadata (before validation).
pub fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let map = yaml::parse_map(text)?;
    map.read(|m| {
        let maintainers = field_maps(m, "maintainers", "Metadata")?
            .into_iter()
            .map(|mm| {
                mm.read(|mm| {
                    Ok(Maintainer {
                        name: field_string(mm, "name", "Maintainer")?,
                        email: field_string(mm, "email", "Maintainer")?,
                        url: field_string(mm, "url", "Maintainer")?,
                    })
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let annotations = match get(m, "annotations") {
            Some(Value::Map(a)) => a
                .entries()
                .into_iter()
                .filter_map(|(k, v)| scalar_string(&v).map(|s| (k.to_string(), s)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let mut md = Metadata {
            name: field_string(m, "name", "Metadata")?,
            home: field_string(m, "home", "Metadata")?,
            sources: field_strings(m, "sources", "Metadata")?,
            version: field_string(m, "version", "Metadata")?,
            description: field_string(m, "description", "Metadata")?,
            keywords: field_strings(m, "keywords", "Metadata")?,
            maintainers,
            icon: field_string(m, "icon", "Metadata")?,
            api_version: field_string(m, "apiVersion", "Metadata")?,
            condition: field_string(m, "condition", "Metadata")?,
            tags: field_string(m, "tags", "Metadata")?,
            app_version: field_string(m, "appVersion", "Metadata")?,
            deprecated: matches!(get(m, "deprecated"), Some(Value::Bool(true))),
            annotations,
            kube_version: field_string(m, "kubeVersion", "Metadata")?,
            dependencies: parse_dependencies(m)?,
            chart_type: field_string(m, "type", "Metadata")?,
        };
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        Ok(md)
    })
}

/// Helm's `Metadata.Validate`.
pub fn validate(md: &Metadata) -> Result<(), String> {
    let fail = |m: String| Err(format!("validation: {m}"));
    if md.name.is_empty() {
        return fail("chart.metadata.name is required".into());
    }
    if md.name.contains('/') || md.name == "." || md.name == ".." {
        return fail(format!("chart.metadata.name {:?} is invalid", md.name));
    }
    if md.version.is_empty() {
        return fail("chart.metadata.version is required".into());
    }
    if Version::parse(&md.version).is_err() {
        return fail(format!(
            "chart.metadata.version {:?} is invalid",
            md.version
        ));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return fail("chart.metadata.type must be application or library".into());
    }
    if md.maintainers.iter().any(|m| m.name.is_empty()) {
        return fail("each maintainer requires a name".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &md.dependencies {
        if d.name.is_empty() {
            return fail("dependencies must have a name".into());
        }
        if !d.alias.is_empty()
            && !d
                .alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return fail(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            ));
        }
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        if !seen.insert(key.clone()) {
            return fail(format!(
                "more than one dependency with name or alias {key:?}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_metadata_with_go_string_conversions() {
        let md = parse_metadata("name: c\nversion: 0.1.0\nappVersion: 1.10\nkeywords: [a, 1.50]\nannotations: {x: 1.50, y: true}\n")
            .unwrap_or_default();
        assert_eq!(md.api_version, "v1");
        assert_eq!(md.app_version, "1.1");
        assert_eq!(md.keywords, vec!["a", "1.5"]);
        assert_eq!(md.annotations.get("x").map(String::as_str), Some("1.5"));
        assert_eq!(md.annotations.get("true").map(String::as_str), Some("true"));
    }
}
