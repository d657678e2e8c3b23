//! A chart in memory, loaded the way Helm's `loader` does: `Chart.yaml` (apiVersion
//! v1 or v2), `values.yaml`, `templates/`, other files, and subcharts under
//! `charts/` as directories or nested `.tgz` archives.

use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::metadata::{Dependency, Maintainer, Metadata};
use crate::metadata::{parse_dependencies, parse_metadata, validate};

use gotmpl::Map;

use crate::archive::{self, Limits};
use crate::yaml;

/// A file of a chart, named relative to the chart's root.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub data: Arc<[u8]>,
}

/// A loaded chart and its subcharts.
#[derive(Clone, Default)]
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
                metadata = Some(parse_metadata(&text).map_err(|e| {
                    format!("cannot load Chart.yaml: error converting YAML to JSON: {e}")
                })?);
            }
            "values.yaml" => {
                c.values = yaml::parse_map(&String::from_utf8_lossy(&data)).map_err(|e| {
                    format!("cannot load values.yaml: error converting YAML to JSON: {e}")
                })?;
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
    load_files(
        files.into_iter().filter(|(n, _)| !n.is_empty()).collect(),
        depth,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::tgz;

    fn f(name: &str, text: &str) -> (String, Vec<u8>) {
        (name.to_string(), text.as_bytes().to_vec())
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
