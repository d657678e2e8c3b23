//! Renders Helm charts (with EMCO profiles and override values) into Kubernetes documents,
//! like `helm template`, without a Helm binary.
//!
//! The entry point for the orchestrator is [`render_app`]: one app's chart archive, its
//! profile archive and the DIG's override values in, documents split in Helm's install order
//! out, with CRDs and hooks grouped as EMCO's AppContext stores them (emco-api.md 5.3).

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

/// Renders one app. (The full Helm layer replaces this body.)
pub fn render_app(req: &RenderRequest<'_>) -> Result<Rendered, RenderError> {
    Err(RenderError::Chart(format!(
        "chart rendering for {} is not available in this build",
        req.app
    )))
}
