//! `emco-server template`: a chart (`.tgz` or directory), values files, `--set`
//! and an optional EMCO profile in; `helm template`'s text out.

use std::path::{Path, PathBuf};

use crate::RenderError;
use crate::archive::Limits;
use crate::chart::{self, Chart};
use crate::profile::{self, ConfigResource};
use crate::release::{parse_values_file, render_release, template_text, user_values};

/// Arguments of `emco-server template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateArgs {
    /// A chart `.tgz` or a chart directory.
    pub chart: PathBuf,
    /// `-f` values files, lowest precedence first.
    pub values: Vec<PathBuf>,
    /// `--set` assignments, applied in order after the files.
    pub set: Vec<String>,
    /// Release name (`helm template`'s default is `release-name`).
    pub release: String,
    /// `.Release.Namespace` (default `default`).
    pub namespace: String,
    /// An EMCO profile `.tgz`: its values file comes before the `-f` files and
    /// its `configresource` files are placed into the chart.
    pub profile: Option<PathBuf>,
}

impl Default for TemplateArgs {
    fn default() -> Self {
        TemplateArgs {
            chart: PathBuf::new(),
            values: Vec::new(),
            set: Vec::new(),
            release: "release-name".into(),
            namespace: "default".into(),
            profile: None,
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, RenderError> {
    std::fs::read(path).map_err(|e| RenderError::Chart(format!("{}: {e}", path.display())))
}

/// Reads a chart directory's regular files (relative names, `/`-separated).
/// Hidden files under `templates/` are skipped, as Helm's default ignore rules do.
pub fn read_dir_files(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    let limits = Limits::default();
    let mut total: u64 = 0;
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel_name = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let ft = e.file_type().map_err(|err| format!("{rel_name}: {err}"))?;
            if ft.is_dir() {
                stack.push((e.path(), rel_name));
            } else if ft.is_file() {
                if rel_name.starts_with("templates/") && name.starts_with('.') {
                    continue;
                }
                let mut data =
                    std::fs::read(e.path()).map_err(|err| format!("{rel_name}: {err}"))?;
                total += data.len() as u64;
                if out.len() >= limits.max_entries || total > limits.max_total {
                    return Err(format!("chart directory {} is too large", root.display()));
                }
                if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    data.drain(..3);
                }
                out.push((rel_name, data));
            }
        }
    }
    Ok(out)
}

/// Places profile files into a chart's file list; `chart_path`s are relative to
/// the directory holding the chart directory `app_dir`.
pub fn apply_config_resources(
    files: &mut Vec<(String, Vec<u8>)>,
    app_dir: &str,
    resources: &[ConfigResource],
) -> Result<(), String> {
    for r in resources {
        let rel = r
            .chart_path
            .strip_prefix(app_dir)
            .and_then(|p| p.strip_prefix('/'))
            .ok_or_else(|| {
                format!(
                    "profile configresource chartpath {:?} is not inside the chart directory {app_dir:?}",
                    r.chart_path
                )
            })?;
        files.retain(|(n, _)| n != rel);
        files.push((rel.to_string(), r.data.clone()));
    }
    Ok(())
}

fn load_chart(path: &Path, resources: &[ConfigResource]) -> Result<Chart, RenderError> {
    let err = RenderError::Chart;
    if path.is_dir() {
        let mut files = read_dir_files(path).map_err(err)?;
        let app = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        apply_config_resources(&mut files, &app, resources).map_err(err)?;
        return chart::load_files(files, 0).map_err(err);
    }
    let data = read(path)?;
    if resources.is_empty() {
        return chart::load_archive(&data, 0).map_err(err);
    }
    let entries = crate::archive::extract(&data, Limits::default()).map_err(err)?;
    let app = entries
        .first()
        .and_then(|e| e.path.split_once('/'))
        .map(|(a, _)| a.to_string())
        .unwrap_or_default();
    let mut files: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .filter_map(|e| {
            e.path
                .strip_prefix(&format!("{app}/"))
                .map(|r| (r.to_string(), e.data.clone()))
        })
        .collect();
    apply_config_resources(&mut files, &app, resources).map_err(err)?;
    chart::load_files(files, 0).map_err(err)
}

/// Renders like `helm template RELEASE CHART -f ... --set ... --namespace NS`.
pub fn template(args: &TemplateArgs) -> Result<String, RenderError> {
    let mut texts = Vec::new();
    let mut resources = Vec::new();
    if let Some(p) = &args.profile {
        let prof = profile::read(&read(p)?).map_err(RenderError::Chart)?;
        resources = prof.resources;
        texts.push(prof.values);
    }
    for f in &args.values {
        let text = String::from_utf8_lossy(&read(f)?).into_owned();
        texts.push(parse_values_file(&f.display().to_string(), &text)?);
    }
    let vals = user_values(&texts, &args.set)?;
    let chart = load_chart(&args.chart, &resources)?;
    let rel = render_release(chart, &vals, &args.release, &args.namespace)?;
    Ok(template_text(&rel))
}
