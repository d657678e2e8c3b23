//! A chart in memory, loaded the way Helm's `loader` does: `Chart.yaml` (apiVersion
//! v1 or v2), `values.yaml`, `templates/`, other files, and subcharts under
//! `charts/` as directories or nested `.tgz` archives.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{Map, Value};

use crate::archive::{self, Limits};
use crate::semver::Version;
use crate::yaml;

/// A file of a chart, named relative to the chart's root.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub data: Arc<[u8]>,
}

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

/// A loaded chart and its subcharts.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub metadata: Metadata,
    /// `values.yaml` (empty when absent).
    pub values: Map,
    /// Files under `templates/`, in archive order.
    pub templates: Vec<File>,
    /// Every other file (including `crds/`), for `.Files`.
    pub files: Vec<File>,
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// The chart's name (an alias once dependencies are processed).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The files of `crds/` with a manifest extension, as Helm's `CRDObjects`
    /// (this chart's, then its subcharts').
    pub fn crd_files(&self, prefix: &str) -> Vec<(String, Arc<[u8]>)> {
        let here = format!("{prefix}{}", self.name());
        let mut out: Vec<(String, Arc<[u8]>)> = self
            .files
            .iter()
            .filter(|f| {
                f.name.starts_with("crds/")
                    && [".yaml", ".yml", ".json"]
                        .iter()
                        .any(|ext| f.name.ends_with(ext))
            })
            .map(|f| (format!("{here}/{}", f.name), f.data.clone()))
            .collect();
        for dep in &self.dependencies {
            out.extend(dep.crd_files(&format!("{here}/charts/")));
        }
        out
    }
}

/// Go's string form of a YAML scalar decoded into a `string` field.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.007e15 => Some(format!("{}", *f as i64)),
        Value::Float(f) => Some(gotmpl::sprint(&[Value::Float(f64::from(*f as f32))])),
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
            format!("json: cannot unmarshal {} into Go struct field {ty}.{key} of type string", yaml_kind(v))
        }),
    }
}

fn yaml_kind(v: &Value) -> &'static str {
    crate::yaml::json_kind(v)
}

fn field_strings(m: &BTreeMap<Arc<str>, Value>, key: &str, ty: &str) -> Result<Vec<String>, String> {
    match get(m, key) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::List(l)) => l
            .iter()
            .map(|v| {
                scalar_string(v).ok_or_else(|| {
                    format!("json: cannot unmarshal {} into Go struct field {ty}.{key} of type string", yaml_kind(v))
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

fn parse_dependencies(m: &BTreeMap<Arc<str>, Value>) -> Result<Vec<Dependency>, String> {
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
fn validate(md: &Metadata) -> Result<(), String> {
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
        return fail(format!("chart.metadata.version {:?} is invalid", md.version));
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
        let key = if d.alias.is_empty() { &d.name } else { &d.alias };
        if !seen.insert(key.clone()) {
            return fail(format!("more than one dependency with name or alias {key:?}"));
        }
    }
    Ok(())
}

/// Loads a chart from files named relative to its root (Helm's `LoadFiles`).
pub fn load_files(files: Vec<(String, Vec<u8>)>, depth: usize) -> Result<Chart, String> {
    if depth > 20 {
        return Err("subcharts are nested too deeply".into());
    }
    let mut c = Chart::default();
    let mut metadata: Option<Metadata> = None;
    let mut requirements: Option<Vec<Dependency>> = None;
    let mut subcharts: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (name, data) in files {
        match name.as_str() {
            "Chart.yaml" => {
                let text = String::from_utf8_lossy(&data);
                metadata = Some(
                    parse_metadata(&text)
                        .map_err(|e| format!("cannot load Chart.yaml: error converting YAML to JSON: {e}"))?,
                );
            }
            "values.yaml" => {
                c.values = yaml::parse_map(&String::from_utf8_lossy(&data))
                    .map_err(|e| format!("cannot load values.yaml: error converting YAML to JSON: {e}"))?;
            }
            "requirements.yaml" => {
                let text = String::from_utf8_lossy(&data);
                let reqs = yaml::parse_map(&text)
                    .and_then(|m| m.read(parse_dependencies))
                    .map_err(|e| format!("cannot load requirements.yaml: {e}"))?;
                requirements = Some(reqs);
                c.files.push(File {
                    name,
                    data: data.into(),
                });
            }
            "Chart.lock" | "requirements.lock" | "values.schema.json" => {}
            n if n.starts_with("templates/") => c.templates.push(File {
                name,
                data: data.into(),
            }),
            n if n.starts_with("charts/") && !n.ends_with(".prov") => {
                let rest = &n["charts/".len()..];
                let (sub, inner) = rest.split_once('/').unwrap_or((rest, ""));
                let entry_name = if inner.is_empty() { sub } else { inner };
                subcharts
                    .entry(sub.to_string())
                    .or_default()
                    .push((entry_name.to_string(), data));
            }
            _ => c.files.push(File {
                name,
                data: data.into(),
            }),
        }
    }
    let mut md = metadata.ok_or_else(|| "Chart.yaml file is missing".to_string())?;
    if let Some(reqs) = requirements
        && md.dependencies.is_empty()
    {
        md.dependencies = reqs;
    }
    validate(&md)?;
    let parent = md.name.clone();
    c.metadata = md;
    for (n, files) in subcharts {
        if n.starts_with(['_', '.']) {
            continue;
        }
        let wrap = |e: String| format!("error unpacking subchart {n} in {parent}: {e}");
        let sub = if n.ends_with(".tgz") {
            let data = files
                .into_iter()
                .find(|(f, _)| f == &n)
                .map(|(_, d)| d)
                .ok_or_else(|| wrap("not a chart archive".into()))?;
            load_archive(&data, depth + 1).map_err(wrap)?
        } else {
            let inner: Vec<(String, Vec<u8>)> =
                files.into_iter().filter(|(f, _)| f != &n).collect();
            load_files(inner, depth + 1).map_err(wrap)?
        };
        c.dependencies.push(sub);
    }
    Ok(c)
}

/// Loads a chart `.tgz` whose files sit under one top-level directory (Helm's
/// `LoadArchive`: the first path element is dropped, whatever it is).
pub fn load_archive(tgz: &[u8], depth: usize) -> Result<Chart, String> {
    let entries = archive::extract(tgz, Limits::default())?;
    let mut files = Vec::new();
    for e in entries {
        match e.path.split_once('/') {
            Some((_, rest)) => files.push((rest.to_string(), e.data)),
            None if e.path == "Chart.yaml" => {
                return Err("chart yaml not in base directory".into());
            }
            None => files.push((String::new(), e.data)),
        }
    }
    if files.is_empty() {
        return Err("no files in chart archive".into());
    }
    load_files(files.into_iter().filter(|(n, _)| !n.is_empty()).collect(), depth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::tgz;

    fn f(name: &str, text: &str) -> (String, Vec<u8>) {
        (name.to_string(), text.as_bytes().to_vec())
    }

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

    #[test]
    fn subcharts_as_directories_and_archives() {
        let sub_tgz = tgz(&[("s2/Chart.yaml", b"name: s2\nversion: 1.0.0\n")]);
        let c = load_files(
            vec![
                f("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n"),
                f("templates/a.yaml", "a: 1"),
                f("charts/s1/Chart.yaml", "name: s1\nversion: 1.0.0\n"),
                f("charts/s1/values.yaml", "x: 1\n"),
                ("charts/s2-1.0.0.tgz".into(), sub_tgz),
                f("charts/.hidden/Chart.yaml", "bad"),
                f("README.md", "hi"),
            ],
            0,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = c.dependencies.iter().map(Chart::name).collect();
        assert_eq!(names, vec!["s1", "s2"]);
        assert_eq!(c.templates.len(), 1);
        assert_eq!(c.files.len(), 1);
        assert_eq!(c.dependencies[0].values.len(), 1);
    }

    #[test]
    fn errors_like_helm() {
        let missing = load_files(vec![f("values.yaml", "a: 1")], 0);
        assert_eq!(missing.err().as_deref(), Some("Chart.yaml file is missing"));
        let noversion = load_files(vec![f("Chart.yaml", "name: c")], 0);
        assert_eq!(
            noversion.err().as_deref(),
            Some("validation: chart.metadata.version is required")
        );
        let badtype = load_files(vec![f("Chart.yaml", "name: c\nversion: 1.0.0\ntype: x")], 0);
        assert!(badtype.is_err_and(|e| e.contains("application or library")));
        let badsub = load_files(
            vec![
                f("Chart.yaml", "name: c\nversion: 1.0.0"),
                f("charts/s/values.yaml", "a: 1"),
            ],
            0,
        );
        assert_eq!(
            badsub.err().as_deref(),
            Some("error unpacking subchart s in c: Chart.yaml file is missing")
        );
    }
}
