//! The project's example (`testdata/example`) packaged into a run directory, as
//! `scripts/package-example` does: a chart `.tgz` per app, `profile.tgz`, the clusters'
//! kubeconfigs, the resource files, and `values.yaml` with the run's paths and ports.

use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Map, Value, json};

/// The example, packaged for one run.
#[derive(Debug, Clone)]
pub struct Package {
    pub dir: PathBuf,
    pub values_file: PathBuf,
    pub values: Value,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match &v[key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Package {
    /// A resource file of the example, by name.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The deployment intent group's anchor, from the values.
    pub fn dig_anchor(&self) -> Option<String> {
        let v = &self.values;
        Some(format!(
            "projects/{}/composite-apps/{}/{}/deployment-intent-groups/{}",
            text(v, "Project")?,
            text(v, "CompositeApp")?,
            text(v, "Version")?,
            text(v, "DeploymentIntentGroup")?
        ))
    }

    /// The logical cloud's anchor, from the values.
    pub fn lc_anchor(&self) -> Option<String> {
        let v = &self.values;
        Some(format!(
            "projects/{}/logical-clouds/{}",
            text(v, "Project")?,
            text(v, "LogicalCloud")?
        ))
    }

    /// The example's apps (`Apps` in the values).
    pub fn apps(&self) -> Vec<String> {
        self.values["Apps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect()
    }
}

/// Finds the example: `explicit` if given, else `testdata/example` in `from` or a parent of it,
/// else in the current directory or a parent of it.
pub fn locate(explicit: Option<&Path>, from: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        if dir.join("values.yaml.tmpl").is_file() {
            return Ok(dir.to_path_buf());
        }
        return Err(format!(
            "{} is not the example directory (no values.yaml.tmpl)",
            dir.display()
        ));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let from = if from.is_absolute() {
        from.to_path_buf()
    } else {
        cwd.join(from)
    };
    for start in [from.as_path(), cwd.as_path()] {
        for dir in start.ancestors() {
            let candidate = dir.join("testdata").join("example");
            if candidate.join("values.yaml.tmpl").is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "cannot find testdata/example above {} or the current directory; pass --example DIR",
        from.display()
    ))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

fn tgz(
    out: &Path,
    add: impl FnOnce(&mut tar::Builder<GzEncoder<std::fs::File>>) -> std::io::Result<()>,
) -> Result<(), String> {
    let file = std::fs::File::create(out).map_err(|e| io("creating", out, e))?;
    let mut builder = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    builder.follow_symlinks(false);
    add(&mut builder).map_err(|e| io("packing", out, e))?;
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .map_err(|e| io("writing", out, e))?;
    Ok(())
}

/// Packages `example` into `dir` for `clusters` (name, kubeconfig), with rsync on
/// `rsync_port`, and `overrides` replacing top-level values.
pub fn package(
    example: &Path,
    dir: &Path,
    clusters: &[(String, PathBuf)],
    rsync_port: u16,
    overrides: &Map<String, Value>,
) -> Result<Package, String> {
    let packages = dir.join("packages");
    let kubeconfigs = dir.join("kubeconfigs");
    for d in [&packages, &kubeconfigs] {
        std::fs::create_dir_all(d).map_err(|e| io("creating", d, e))?;
    }
    let charts = example.join("charts");
    let entries = std::fs::read_dir(&charts).map_err(|e| io("listing", &charts, e))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let app = entry.file_name().to_string_lossy().into_owned();
        tgz(&packages.join(format!("{app}.tgz")), |b| {
            b.append_dir_all(&app, &path)
        })?;
    }
    let profile = example.join("profile");
    tgz(&packages.join("profile.tgz"), |b| {
        b.append_dir_all(".", &profile)
    })?;
    for (name, kubeconfig) in clusters {
        let to = kubeconfigs.join(format!("{name}.yaml"));
        std::fs::copy(kubeconfig, &to).map_err(|e| io("copying", kubeconfig, e))?;
    }
    let listing = std::fs::read_dir(example).map_err(|e| io("listing", example, e))?;
    for entry in listing.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "yaml") {
            let to = dir.join(entry.file_name());
            std::fs::copy(&path, &to).map_err(|e| io("copying", &path, e))?;
        }
    }
    let template = example.join("values.yaml.tmpl");
    let text = std::fs::read_to_string(&template).map_err(|e| io("reading", &template, e))?;
    let text = text
        .replace("@RSYNC_PORT@", &rsync_port.to_string())
        .replace("@PACKAGE_DIR@", &packages.display().to_string())
        .replace("@KUBECONFIG_DIR@", &kubeconfigs.display().to_string());
    let mut values =
        crate::template::parse_values(&text).map_err(|e| format!("{}: {e}", template.display()))?;
    let Some(map) = values.as_object_mut() else {
        return Err(format!("{}: values are not a mapping", template.display()));
    };
    map.insert(
        "Clusters".into(),
        Value::Array(
            clusters
                .iter()
                .map(|(name, _)| {
                    let kc = kubeconfigs.join(format!("{name}.yaml"));
                    json!({"Name": name, "KubeConfig": kc.display().to_string()})
                })
                .collect(),
        ),
    );
    for (k, v) in overrides {
        map.insert(k.clone(), v.clone());
    }
    let values_file = dir.join("values.yaml");
    // JSON is YAML, and keeps strings such as "0" strings.
    let json = serde_json::to_string_pretty(&values).map_err(|e| e.to_string())?;
    std::fs::write(&values_file, json).map_err(|e| io("writing", &values_file, e))?;
    Ok(Package {
        dir: dir.to_path_buf(),
        values_file,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/example")
    }

    #[test]
    fn packages_the_example() {
        let dir = tempfile::tempdir().unwrap();
        let kc = dir.path().join("k");
        std::fs::write(&kc, "apiVersion: v1\n").unwrap();
        let mut overrides = Map::new();
        overrides.insert("Project".into(), json!("other"));
        let pkg = package(
            &example(),
            &dir.path().join("pkg"),
            &[("edge07".into(), kc)],
            4242,
            &overrides,
        )
        .unwrap();
        for f in ["web.tgz", "cache.tgz", "worker.tgz", "profile.tgz"] {
            assert!(pkg.dir.join("packages").join(f).is_file(), "{f}");
        }
        assert!(pkg.file("prerequisites.yaml").is_file());
        assert!(pkg.dir.join("kubeconfigs/edge07.yaml").is_file());
        assert_eq!(pkg.values["RsyncPort"], 4242);
        assert_eq!(pkg.values["Clusters"][0]["Name"], "edge07");
        assert_eq!(
            pkg.dig_anchor().unwrap(),
            "projects/other/composite-apps/shop/v1/deployment-intent-groups/shop-dig"
        );
        assert_eq!(
            pkg.lc_anchor().unwrap(),
            "projects/other/logical-clouds/shop-cloud"
        );
        assert_eq!(pkg.apps(), ["web", "cache", "worker"]);
        let reread = crate::template::load_values(&pkg.values_file).unwrap();
        assert_eq!(reread, pkg.values);
    }

    #[test]
    fn locating() {
        assert!(locate(None, &example().join("charts")).is_ok());
        let dir = tempfile::tempdir().unwrap();
        assert!(
            locate(Some(dir.path()), dir.path())
                .unwrap_err()
                .contains("values.yaml.tmpl")
        );
    }
}
