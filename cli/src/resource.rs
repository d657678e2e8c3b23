//! EMCO resource files: multi-document YAML parsed into documents, and the bodies they send.

use std::path::Path;

use serde_json::{Map, Value};

/// Errors in a resource file or in the files it names.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The file is not valid YAML or a document has the wrong shape.
    #[error("Invalid input Yaml! Exiting.. {0}")]
    InvalidYaml(String),
    /// A `file`/`files` entry cannot be read.
    #[error("cannot read file {path}: {message}")]
    ReadFile { path: String, message: String },
}

/// The `metadata` of a document; empty fields other than `name` are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    pub description: String,
    pub user_data1: String,
    pub user_data2: String,
}

/// One document of a resource file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// `resourceContext.anchor`: the collection path after `/v2/`.
    pub anchor: String,
    pub metadata: Metadata,
    /// `spec`; an empty mapping is not sent (as EMCO's `omitempty`).
    pub spec: Option<Map<String, Value>>,
    pub file: Option<String>,
    pub files: Vec<String>,
    pub cluster_label: Option<String>,
}

/// One file part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    pub field: String,
    pub filename: String,
    pub content: Vec<u8>,
}

/// What a call sends. Owned bytes, so a request can be rebuilt for every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// No body at all (GET, DELETE).
    None,
    /// `Content-Type: application/json` with these bytes (possibly empty).
    Json(Vec<u8>),
    /// `multipart/form-data`: field `metadata` holding the JSON body, then the file parts.
    Multipart {
        metadata: String,
        parts: Vec<FilePart>,
    },
}

/// Flattens a (possibly multi-line) message onto one line.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// YAML reading as Go's yaml.v3 does for untyped values: YAML 1.2 booleans only (`yes`,
/// `on`, `n` stay strings), and errors without multi-line source snippets.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { with_snippet: false, strict_booleans: true }
}

/// Parses every non-empty document of a resource file (keys are case-sensitive).
pub fn parse_documents(text: &str) -> Result<Vec<Document>, ResourceError> {
    let options = yaml_options();
    let values: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|e| ResourceError::InvalidYaml(one_line(&e.to_string())))?;
    values
        .into_iter()
        .filter(|v| !v.is_null())
        .enumerate()
        .map(|(i, v)| {
            document_from_value(v)
                .map_err(|m| ResourceError::InvalidYaml(format!("document {}: {m}", i + 1)))
        })
        .collect()
}

fn document_from_value(v: Value) -> Result<Document, String> {
    let Value::Object(mut map) = v else {
        return Err("a document must be a mapping".to_string());
    };
    let mut doc = Document::default();
    match map.remove("resourceContext") {
        None | Some(Value::Null) => {}
        Some(Value::Object(mut ctx)) => {
            doc.anchor =
                optional_text(ctx.remove("anchor"), "resourceContext.anchor")?.unwrap_or_default();
        }
        Some(_) => return Err("resourceContext must be a mapping".to_string()),
    }
    match map.remove("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(mut m)) => {
            let mut field = |key: &str| {
                optional_text(m.remove(key), &format!("metadata.{key}"))
                    .map(Option::unwrap_or_default)
            };
            doc.metadata = Metadata {
                name: field("name")?,
                description: field("description")?,
                user_data1: field("userData1")?,
                user_data2: field("userData2")?,
            };
        }
        Some(_) => return Err("metadata must be a mapping".to_string()),
    }
    doc.spec = match map.remove("spec") {
        None | Some(Value::Null) => None,
        Some(Value::Object(spec)) => Some(spec),
        Some(_) => return Err("spec must be a mapping".to_string()),
    };
    doc.file = optional_text(map.remove("file"), "file")?.filter(|f| !f.is_empty());
    doc.files = match map.remove("files") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|f| optional_text(Some(f), "files").map(Option::unwrap_or_default))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("files must be a list".to_string()),
    };
    doc.cluster_label =
        optional_text(map.remove("clusterLabel"), "clusterLabel")?.filter(|l| !l.is_empty());
    Ok(doc)
}

/// A scalar as text (YAML `name: 123` still names something); collections are errors.
fn optional_text(v: Option<Value>, what: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(format!("{what} must be a string")),
    }
}

impl Document {
    /// The JSON body: `{"metadata":{...},"clusterLabel":...?,"spec":{...}?}`.
    pub fn body(&self) -> Value {
        let m = &self.metadata;
        let mut meta = Map::new();
        meta.insert("name".into(), Value::String(m.name.clone()));
        for (key, value) in [
            ("description", &m.description),
            ("userData1", &m.user_data1),
            ("userData2", &m.user_data2),
        ] {
            if !value.is_empty() {
                meta.insert(key.into(), Value::String(value.clone()));
            }
        }
        let mut body = Map::new();
        body.insert("metadata".into(), Value::Object(meta));
        if let Some(label) = &self.cluster_label {
            body.insert("clusterLabel".into(), Value::String(label.clone()));
        }
        if let Some(spec) = self.spec.as_ref().filter(|s| !s.is_empty()) {
            body.insert("spec".into(), Value::Object(spec.clone()));
        }
        Value::Object(body)
    }

    /// The body as sent, byte for byte as EMCO's emcoctl encodes it: struct fields in order
    /// (metadata{name, description, userData1, userData2}, clusterLabel, spec), map keys sorted.
    pub fn body_bytes(&self) -> Vec<u8> {
        let text = |v: &str| Value::String(v.to_string()).to_string();
        let m = &self.metadata;
        let mut out = format!("{{\"metadata\":{{\"name\":{}", text(&m.name));
        for (key, value) in [
            ("description", &m.description),
            ("userData1", &m.user_data1),
            ("userData2", &m.user_data2),
        ] {
            if !value.is_empty() {
                out.push_str(&format!(",\"{key}\":{}", text(value)));
            }
        }
        out.push('}');
        if let Some(label) = &self.cluster_label {
            out.push_str(&format!(",\"clusterLabel\":{}", text(label)));
        }
        if let Some(spec) = self.spec.as_ref().filter(|s| !s.is_empty()) {
            let mut spec = Value::Object(spec.clone());
            sort_keys(&mut spec);
            out.push_str(&format!(",\"spec\":{spec}"));
        }
        out.push('}');
        out.into_bytes()
    }

    /// The URL path of the item a document describes (used by update, get and delete):
    /// `<anchor>/<name>`, `<anchor>/<name>/<compositeAppVersion>` for composite apps,
    /// `<anchor>/<clusterLabel>` for labels, else the anchor itself.
    pub fn item_anchor(&self) -> String {
        let last = self.anchor.rsplit('/').next().unwrap_or_default();
        if !self.metadata.name.is_empty() {
            let mut item = format!("{}/{}", self.anchor, self.metadata.name);
            if last == "composite-apps" {
                let version = self
                    .spec
                    .as_ref()
                    .and_then(|s| s.get("compositeAppVersion"))
                    .and_then(|v| optional_text(Some(v.clone()), "").ok().flatten())
                    .unwrap_or_default();
                item = format!("{item}/{version}");
            }
            item
        } else if let Some(label) = &self.cluster_label {
            format!("{}/{}", self.anchor, label)
        } else {
            self.anchor.clone()
        }
    }

    /// The payload for a create or replace, reading `file`/`files` (relative to `base`).
    pub fn payload(&self, base: &Path) -> Result<Payload, ResourceError> {
        let metadata = String::from_utf8_lossy(&self.body_bytes()).into_owned();
        if let Some(file) = &self.file {
            let content = read_named_file(base, file)?;
            let part = FilePart {
                field: "file".into(),
                filename: "filename".into(),
                content,
            };
            return Ok(Payload::Multipart {
                metadata,
                parts: vec![part],
            });
        }
        if !self.files.is_empty() {
            let parts = self
                .files
                .iter()
                .map(|f| {
                    Ok(FilePart {
                        field: "files".into(),
                        filename: base_name(f),
                        content: read_named_file(base, f)?,
                    })
                })
                .collect::<Result<_, ResourceError>>()?;
            return Ok(Payload::Multipart { metadata, parts });
        }
        Ok(Payload::Json(self.body_bytes()))
    }
}

fn read_named_file(base: &Path, name: &str) -> Result<Vec<u8>, ResourceError> {
    std::fs::read(base.join(name)).map_err(|e| ResourceError::ReadFile {
        path: name.to_string(),
        message: e.to_string(),
    })
}

/// The last path element, as EMCO computes it (`a/b/` -> `b`).
fn base_name(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Sorts object keys recursively (a no-op unless serde_json keeps insertion order).
fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
