//! EMCO app profiles: a `.tgz` with `manifest.yaml` at its root naming the values
//! file (`type.values`) and files to copy into the chart before rendering
//! (`type.configresource`: `filepath` in the profile, `chartpath` in the chart tree).

use gotmpl::{Map, Value};

use crate::archive::{self, Entry, Limits};
use crate::yaml;

/// A file the profile places into the chart tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigResource {
    /// Destination relative to the chart extraction root (`<app>/templates/x.yaml`).
    pub chart_path: String,
    pub data: Vec<u8>,
}

/// A read profile.
#[derive(Clone, Default)]
pub struct Profile {
    /// The values file's content (empty when the manifest names none).
    pub values: Map,
    pub resources: Vec<ConfigResource>,
}

fn find<'a>(entries: &'a [Entry], path: &str) -> Option<&'a Entry> {
    let want = archive::clean_path(path).ok()?;
    entries.iter().find(|e| e.path == want)
}

fn str_field(m: &Map, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// Reads a profile archive.
pub fn read(tgz: &[u8]) -> Result<Profile, String> {
    let entries = archive::extract(tgz, Limits::default()).map_err(|e| format!("profile: {e}"))?;
    let manifest = find(&entries, "manifest.yaml").ok_or_else(|| {
        "profile: manifest.yaml not found at the root of the profile archive".to_string()
    })?;
    let m = yaml::parse_map(&String::from_utf8_lossy(&manifest.data))
        .map_err(|e| format!("profile: manifest.yaml: {e}"))?;
    let ty = match m.get("type") {
        Some(Value::Map(t)) => t,
        None | Some(Value::Nil) => Map::new(),
        Some(_) => return Err("profile: manifest.yaml: type must be a mapping".into()),
    };
    let mut profile = Profile::default();
    let values_name = str_field(&ty, "values");
    if !values_name.is_empty() {
        let f = find(&entries, &values_name).ok_or_else(|| {
            format!(
                "profile: values file {values_name:?} named in manifest.yaml is not in the profile"
            )
        })?;
        profile.values = yaml::parse_map(&String::from_utf8_lossy(&f.data))
            .map_err(|e| format!("profile: failed to parse {values_name}: {e}"))?;
    }
    if let Some(Value::List(list)) = ty.get("configresource") {
        for item in list.iter() {
            let Value::Map(item) = item else {
                return Err("profile: manifest.yaml: each configresource must be a mapping".into());
            };
            let (from, to) = (str_field(item, "filepath"), str_field(item, "chartpath"));
            if from.is_empty() || to.is_empty() {
                return Err(
                    "profile: manifest.yaml: configresource needs filepath and chartpath".into(),
                );
            }
            let f = find(&entries, &from).ok_or_else(|| {
                format!("profile: configresource file {from:?} is not in the profile")
            })?;
            let chart_path =
                archive::clean_path(&to).map_err(|e| format!("profile: chartpath: {e}"))?;
            profile.resources.push(ConfigResource {
                chart_path,
                data: f.data.clone(),
            });
        }
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::tgz;

    #[test]
    fn reads_values_and_config_resources() {
        let t = tgz(&[
            ("./manifest.yaml", b"version: v1\ntype:\n  values: ov.yaml\n  configresource:\n  - filepath: sub/p.yaml\n    chartpath: app/templates/p.yaml\n"),
            ("./ov.yaml", b"a: 1\n"),
            ("./sub/p.yaml", b"kind: X\n"),
        ]);
        let p = read(&t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.values.get("a"), Some(Value::Float(1.0)));
        assert_eq!(p.resources[0].chart_path, "app/templates/p.yaml");
        assert_eq!(p.resources[0].data, b"kind: X\n");
    }

    #[test]
    fn errors_are_clear() {
        let none = read(&tgz(&[("x.yaml", b"a: 1")]));
        assert!(none.is_err_and(|e| e.contains("manifest.yaml not found")));
        let missing = read(&tgz(&[("manifest.yaml", b"type: {values: nope.yaml}")]));
        assert!(missing.is_err_and(|e| e.contains("nope.yaml")));
        let escape = read(&tgz(&[
            (
                "manifest.yaml",
                b"type: {configresource: [{filepath: a, chartpath: ../x}]}",
            ),
            ("a", b"1"),
        ]));
        assert!(escape.is_err_and(|e| e.contains("parent")));
    }
}
