//! Renders Helm charts (with EMCO profiles and override values) into Kubernetes documents,
//! like `helm template`, without a Helm binary.
//!
//! The entry point for the orchestrator is [`render_app`]: one app's chart archive, its
//! profile archive and the DIG's override values in, documents split in Helm's install order
//! out, with CRDs and hooks grouped as EMCO's AppContext stores them (emco-api.md 5.3).

mod archive;
mod chart;
mod cli;
mod deps;
mod funcs;
mod glob;
mod group;
mod json;
mod metadata;
mod objects;
mod profile;
mod release;
mod render;
mod semver;
mod sort;
mod strvals;
mod values;
mod yaml;

pub use cli::{TemplateArgs, template};
pub use funcs::UNSUPPORTED as UNSUPPORTED_FUNCTIONS;

use std::collections::BTreeMap;

/// One app to render.
#[derive(Debug, Clone)]
pub struct RenderRequest<'a> {
    /// The app name; the chart archive must hold a top-level directory of this name.
    pub app: &'a str,
    /// The chart `.tgz` as uploaded.
    pub chart_tgz: &'a [u8],
    /// The profile `.tgz` (a `manifest.yaml` at its root), if the app has one.
    pub profile_tgz: Option<&'a [u8]>,
    /// DIG override values, applied like `--set key=value` in this order.
    pub overrides: &'a [(String, String)],
    /// Release name (DIG `spec.version`); must be a DNS-1123 label.
    pub release: &'a str,
    /// `.Release.Namespace`.
    pub namespace: &'a str,
}

/// One rendered Kubernetes document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// EMCO's resource key `<metadata.name>+<Kind>`.
    pub name: String,
    pub kind: String,
    /// The document's YAML text.
    pub text: String,
}

/// An app's rendered documents, grouped as EMCO's AppContext stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Non-hook, non-CRD documents in Helm's install order.
    pub resources: Vec<Manifest>,
    /// CustomResourceDefinitions (`crds/` and templates).
    pub crds: Vec<Manifest>,
    /// Hooks by event (`pre-install`, `post-install`, `pre-delete`, ...), sorted by weight then name.
    pub hooks: BTreeMap<String, Vec<Manifest>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Chart(String),
    #[error("{0}")]
    Template(String),
}

/// Renders one app: the chart's directory `<app>/` from `chart_tgz`, the
/// profile's values and config resources, then `overrides` as `--set key=value`
/// (emco-api.md 5.3).
pub fn render_app(req: &RenderRequest<'_>) -> Result<Rendered, RenderError> {
    let profile = match req.profile_tgz {
        Some(b) => profile::read(b).map_err(RenderError::Chart)?,
        None => profile::Profile::default(),
    };
    let sets: Vec<String> = req
        .overrides
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let vals = release::user_values(std::slice::from_ref(&profile.values), &sets)?;
    let entries =
        archive::extract(req.chart_tgz, archive::Limits::default()).map_err(RenderError::Chart)?;
    let prefix = format!("{}/", req.app);
    let mut files: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .filter_map(|e| {
            e.path
                .strip_prefix(&prefix)
                .map(|rest| (rest.to_string(), e.data))
        })
        .collect();
    if files.is_empty() {
        return Err(RenderError::Chart(format!(
            "the chart archive has no directory {:?}: it must hold the chart in a directory named after the app",
            req.app
        )));
    }
    cli::apply_config_resources(&mut files, req.app, &profile.resources)
        .map_err(RenderError::Chart)?;
    let chart = chart::load_files(files, 0).map_err(RenderError::Chart)?;
    let rel = release::render_release(chart, &vals, req.release, req.namespace)?;
    group::group(&rel)
}
