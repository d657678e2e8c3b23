//! Splitting rendered files into documents and ordering them as Helm's
//! `releaseutil.SortManifests` does: files by path, documents in file order,
//! hooks apart, then a stable sort by kind in install order.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use gotmpl::Value;
use regex::Regex;

use crate::yaml;

/// Helm 3.17's `releaseutil.InstallOrder`.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

const HOOK: &str = "helm.sh/hook";
const HOOK_WEIGHT: &str = "helm.sh/hook-weight";

/// One document of a rendered file.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// The template it came from (`<chart>/templates/x.yaml`).
    pub path: String,
    /// Its position among the documents of that file.
    pub index: usize,
    /// The document text, trimmed as Helm stores it.
    pub content: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub annotations: BTreeMap<String, String>,
}

/// A document with a `helm.sh/hook` annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub doc: Doc,
    /// Events in annotation order (`test-success` is `test`).
    pub events: Vec<String>,
    pub weight: i64,
}

/// The sorted release.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sorted {
    pub manifests: Vec<Doc>,
    pub hooks: Vec<Hook>,
}

static SEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").expect("static regex"));

/// Helm's `SplitManifests`: documents in order, trimmed, empty ones dropped.
pub fn split_manifests(big: &str) -> Vec<String> {
    SEP.split(big.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.007e15 => (*f as i64).to_string(),
        Value::Float(f) => crate::yaml::float32_text(*f),
        Value::Int(i) => i.to_string(),
        _ => String::new(),
    }
}

/// Reads a document's head (`releaseutil.SimpleHead`).
fn head(path: &str, index: usize, content: String) -> Result<Doc, String> {
    let v = yaml::parse(&content)
        .map_err(|e| format!("YAML parse error on {path}: error converting YAML to JSON: {e}"))?;
    let mut doc = Doc {
        path: path.to_string(),
        index,
        content,
        api_version: String::new(),
        kind: String::new(),
        name: String::new(),
        annotations: BTreeMap::new(),
    };
    let m = match v {
        Value::Nil => return Ok(doc),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "YAML parse error on {path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                yaml::json_kind(&other)
            ));
        }
    };
    doc.api_version = m
        .get("apiVersion")
        .map(|v| scalar_text(&v))
        .unwrap_or_default();
    doc.kind = m.get("kind").map(|v| scalar_text(&v)).unwrap_or_default();
    if let Some(Value::Map(md)) = m.get("metadata") {
        doc.name = md.get("name").map(|v| scalar_text(&v)).unwrap_or_default();
        if let Some(Value::Map(a)) = md.get("annotations") {
            doc.annotations = a
                .entries()
                .into_iter()
                .map(|(k, v)| (k.to_string(), scalar_text(&v)))
                .collect();
        }
    }
    Ok(doc)
}

fn event_name(s: &str) -> Option<&'static str> {
    Some(match s {
        "pre-install" => "pre-install",
        "post-install" => "post-install",
        "pre-delete" => "pre-delete",
        "post-delete" => "post-delete",
        "pre-upgrade" => "pre-upgrade",
        "post-upgrade" => "post-upgrade",
        "pre-rollback" => "pre-rollback",
        "post-rollback" => "post-rollback",
        "test" | "test-success" => "test",
        _ => return None,
    })
}

/// Helm's `lessByKind` as a rank: known kinds by install order, unknown after,
/// among themselves by kind name.
fn kind_rank(kind: &str) -> (usize, &str) {
    match INSTALL_ORDER.iter().position(|k| *k == kind) {
        Some(i) => (i, ""),
        None => (INSTALL_ORDER.len(), kind),
    }
}

/// Sorts rendered files (name -> text; partials and NOTES.txt already removed).
pub fn sort_manifests(files: &BTreeMap<String, String>) -> Result<Sorted, String> {
    let mut out = Sorted::default();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for (index, text) in split_manifests(content).into_iter().enumerate() {
            let doc = head(path, index, text)?;
            let Some(events) = doc.annotations.get(HOOK).cloned() else {
                out.manifests.push(doc);
                continue;
            };
            let parsed: Option<Vec<String>> = events
                .split(',')
                .map(|e| event_name(&e.trim().to_lowercase()).map(str::to_string))
                .collect();
            // Helm skips documents with an unknown hook event.
            let Some(events) = parsed else { continue };
            let weight = doc
                .annotations
                .get(HOOK_WEIGHT)
                .and_then(|w| w.parse::<i64>().ok())
                .unwrap_or(0);
            out.hooks.push(Hook {
                doc,
                events,
                weight,
            });
        }
    }
    out.manifests
        .sort_by(|a, b| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)));
    out.hooks
        .sort_by(|a, b| kind_rank(&a.doc.kind).cmp(&kind_rank(&b.doc.kind)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_helm() {
        // As in Helm, a separator's trailing whitespace swallows the newline
        // before the next `---`, which then stays in the document.
        let docs = split_manifests("---\na: 1\n---\n\n---   \nb: 2\n  ---\nc: 3\n");
        assert_eq!(docs, vec!["a: 1", "---   \nb: 2\n  ---\nc: 3"]);
        let docs = split_manifests("a: 1\n---\nb: 2\n---\n\n");
        assert_eq!(docs, vec!["a: 1", "b: 2"]);
        assert_eq!(
            split_manifests("a: 1\n--- # x\nb: 2"),
            vec!["a: 1", "# x\nb: 2"]
        );
    }

    #[test]
    fn orders_by_kind_stably_and_separates_hooks() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/a.yaml".to_string(),
            "kind: Deployment\nmetadata: {name: d1}\n---\nkind: Zeta\nmetadata: {name: z}\n---\nkind: Alpha\nmetadata: {name: a}\n".to_string(),
        );
        files.insert(
            "c/templates/b.yaml".to_string(),
            "kind: Service\nmetadata: {name: s}\n---\nkind: Deployment\nmetadata: {name: d2}\n---\nkind: Job\nmetadata:\n  name: j\n  annotations: {helm.sh/hook: 'pre-install, post-upgrade', helm.sh/hook-weight: '-5'}\n---\nkind: Pod\nmetadata: {name: bad, annotations: {helm.sh/hook: nonsense}}\n".to_string(),
        );
        let s = sort_manifests(&files).unwrap_or_default();
        let names: Vec<&str> = s.manifests.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["s", "d1", "d2", "a", "z"]);
        assert_eq!(s.hooks.len(), 1);
        assert_eq!(s.hooks[0].events, vec!["pre-install", "post-upgrade"]);
        assert_eq!(s.hooks[0].weight, -5);
    }

    #[test]
    fn non_mapping_documents_are_errors() {
        let mut files = BTreeMap::new();
        files.insert("c/templates/a.yaml".to_string(), "just text".to_string());
        assert!(sort_manifests(&files).is_err_and(|e| e.contains("releaseutil.SimpleHead")));
        files.insert("c/templates/a.yaml".to_string(), "a: [1".to_string());
        assert!(
            sort_manifests(&files)
                .is_err_and(|e| e.starts_with("YAML parse error on c/templates/a.yaml"))
        );
    }
}
