//! Resource files as Go templates: the `-v` values file and rendering through `gotmpl`.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Errors reading values or rendering a resource file.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("Error reading file {path}: {message}")]
    ReadValues { path: PathBuf, message: String },
    #[error("Values file format incorrect: {path}: {message}")]
    InvalidValues { path: PathBuf, message: String },
    #[error("template {path}: {message}")]
    Render { path: PathBuf, message: String },
}

/// Reads the values file: its first YAML document, as the template's `.`.
pub fn load_values(path: &Path) -> Result<Value, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|e| TemplateError::ReadValues {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_values(&text).map_err(|message| TemplateError::InvalidValues {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses values text; an empty file gives `null` (every key renders as `<no value>`).
pub fn parse_values(text: &str) -> Result<Value, String> {
    let options = crate::resource::yaml_options();
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| crate::resource::one_line(&e.to_string()))?;
    Ok(docs.into_iter().next().unwrap_or(Value::Null))
}

/// Executes `text` (the resource file at `path`) as a Go template with `values` as `.`.
pub fn render(path: &Path, text: &str, values: &Value) -> Result<String, TemplateError> {
    // Go names a template parsed from a file after the file's base name.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    gotmpl::render(&name, text, values).map_err(|e| TemplateError::Render {
        path: path.to_path_buf(),
        message: crate::resource::one_line(&e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_keep_yaml_types() {
        let v =
            parse_values("ProjectName: p1\nCount: 2\nOn: true\nApplist:\n  - a\n  - b\n").unwrap();
        assert_eq!(
            v,
            json!({"ProjectName": "p1", "Count": 2, "On": true, "Applist": ["a", "b"]})
        );
        assert_eq!(parse_values("").unwrap(), Value::Null);
        assert!(parse_values("a: [\n").is_err());
    }

    #[test]
    fn emco_indented_values_file() {
        let v =
            parse_values("    ClusterProvider: gmsprovider1\n    Applist: \n      - adservice\n")
                .unwrap();
        assert_eq!(v["ClusterProvider"], "gmsprovider1");
        assert_eq!(v["Applist"], json!(["adservice"]));
    }

    #[test]
    fn renders_fields_and_ranges() {
        let values = json!({"ProjectName": "p1", "Applist": ["a", "b"]});
        let text = "anchor: projects/{{ .ProjectName }}\n{{- range $index, $app := .Applist }}\n- {{ $app }} in {{ $.ProjectName }}\n{{- end }}\n";
        let out = render(Path::new("apps.yaml"), text, &values).unwrap();
        assert_eq!(out, "anchor: projects/p1\n- a in p1\n- b in p1\n");
    }

    #[test]
    fn missing_keys_render_as_no_value() {
        let out = render(Path::new("x.yaml"), "name: {{ .Nope }}\n", &json!({})).unwrap();
        assert_eq!(out, "name: <no value>\n");
    }

    #[test]
    fn template_errors_are_one_line_and_name_the_file() {
        let err = render(Path::new("bad.yaml"), "{{ .A ", &json!({})).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.yaml"), "{text}");
        assert!(!text.contains('\n'));
    }
}
