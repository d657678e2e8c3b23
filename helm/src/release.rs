//! One release rendered end to end, as `helm install --dry-run --client-only`
//! does it: checks (installable, dependencies, release name, kubeVersion),
//! values, subchart selection, rendering, sorting.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use gotmpl::Map;
use regex::Regex;

use crate::chart::Chart;
use crate::objects::KUBE_VERSION;
use crate::render::{self, ReleaseOptions};
use crate::sort::{self, Sorted};
use crate::{RenderError, deps, semver, values};

/// The result before EMCO's grouping or `helm template`'s printing.
#[derive(Debug, Clone, Default)]
pub struct Release {
    pub sorted: Sorted,
    /// Files of `crds/` (path, text), this chart's then its subcharts'.
    pub crd_files: Vec<(String, String)>,
}

static RELEASE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
        .expect("static regex")
});

/// Helm's `ValidateReleaseName`, with its messages.
pub fn validate_release_name(name: &str) -> Result<(), RenderError> {
    let why = if name.is_empty() {
        "no name provided".to_string()
    } else if name.len() > 53 || !RELEASE_NAME.is_match(name) {
        format!(
            "invalid release name, must match regex {} and the length must not be longer than 53",
            RELEASE_NAME.as_str()
        )
    } else {
        return Ok(());
    };
    Err(RenderError::Chart(format!("release name {name:?}: {why}")))
}

/// Renders `chart` with user-supplied values (files and `--set` already merged).
pub fn render_release(
    mut chart: Chart,
    user_values: &Map,
    release: &str,
    namespace: &str,
) -> Result<Release, RenderError> {
    match chart.metadata.chart_type.as_str() {
        "" | "application" => {}
        t => {
            return Err(RenderError::Chart(format!(
                "{t} charts are not installable"
            )));
        }
    }
    deps::check_present(&chart).map_err(RenderError::Chart)?;
    validate_release_name(release)?;
    deps::process(&mut chart, user_values, "", 0).map_err(RenderError::Chart)?;
    let kv = &chart.metadata.kube_version;
    if !kv.is_empty() && !semver::is_compatible_range(kv, KUBE_VERSION) {
        return Err(RenderError::Chart(format!(
            "chart requires kubeVersion: {kv} which is incompatible with Kubernetes {KUBE_VERSION}"
        )));
    }
    let vals = values::coalesce_values(&chart, user_values).map_err(RenderError::Chart)?;
    let opts = ReleaseOptions {
        name: release.to_string(),
        namespace: namespace.to_string(),
    };
    let mut files = render::render(&chart, &vals, &opts).map_err(RenderError::Template)?;
    files.retain(|k, _| !k.ends_with("NOTES.txt"));
    let sorted = sort::sort_manifests(&files).map_err(RenderError::Template)?;
    let crd_files = chart
        .crd_files("")
        .into_iter()
        .map(|(p, d)| (p, String::from_utf8_lossy(&d).into_owned()))
        .collect();
    Ok(Release { sorted, crd_files })
}

/// `helm template`'s output: manifests, then hooks, each under `# Source:`.
pub fn template_text(r: &Release) -> String {
    let mut manifest = String::new();
    for m in &r.sorted.manifests {
        manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    let mut out = format!("{}\n", manifest.trim());
    for h in &r.sorted.hooks {
        out.push_str(&format!(
            "---\n# Source: {}\n{}\n",
            h.doc.path, h.doc.content
        ));
    }
    out
}

/// Reads a values file's text (`-f`).
pub fn parse_values_file(name: &str, text: &str) -> Result<Map, RenderError> {
    crate::yaml::parse_map(text)
        .map_err(|e| RenderError::Chart(format!("failed to parse {name}: {e}")))
}

/// Values from `-f` files (merged in order) and `--set` strings (applied in order).
pub fn user_values(files: &[Map], sets: &[String]) -> Result<Map, RenderError> {
    let mut base = Map::new();
    for m in files {
        base = values::merge_maps(&base, m);
    }
    for s in sets {
        crate::strvals::parse_into(s, &base)
            .map_err(|e| RenderError::Chart(format!("failed parsing --set data: {e}")))?;
    }
    Ok(base)
}

/// The CRD documents of `crds/` files, split like templates.
pub fn crd_docs(r: &Release) -> Result<Vec<sort::Doc>, RenderError> {
    let files: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (path, text) in &r.crd_files {
        let mut one = files.clone();
        one.insert(path.clone(), text.clone());
        let s = sort::sort_manifests(&one).map_err(RenderError::Chart)?;
        out.extend(s.manifests);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_like_helm() {
        assert!(validate_release_name("my-app.v1").is_ok());
        let bad = validate_release_name("Bad_Name")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            bad.as_deref(),
            Some(
                "release name \"Bad_Name\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
            )
        );
        let empty = validate_release_name("").err().map(|e| e.to_string());
        assert_eq!(
            empty.as_deref(),
            Some("release name \"\": no name provided")
        );
        assert!(validate_release_name(&"a".repeat(54)).is_err());
    }
}
