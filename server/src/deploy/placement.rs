//! Placement: which clusters an app goes to, from its app intent (emco-api.md 5.2).
//!
//! Every `allOf` element is mandatory: a cluster name is one group, a label is one group per
//! labelled cluster. A nested `anyOf` inside `allOf`, and the top-level `anyOf`, each make one
//! optional group out of all the clusters they list. Exactly one cluster survives per group:
//! the lexicographically first `provider+cluster`, as EMCO's scheduler keeps it.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// A chosen cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub provider: String,
    pub cluster: String,
    pub group: u32,
    /// allOf clusters must be cluster references of the logical cloud.
    pub mandatory: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("Cluster provider not found")]
    UnknownProvider(String),
    #[error("No compatible clusters have been provided to the Deployment Intent Group")]
    NoClusters,
}

/// Clusters carrying a label, per (provider, label); `None` when the provider is unknown.
pub type LabelIndex = HashMap<(String, String), Option<Vec<String>>>;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Every (provider, label) pair an intent mentions, to look up before resolving.
pub fn labels_used(intent: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut visit = |p: &Value| {
        if !s(p, "clusterLabel").is_empty() {
            out.push((
                s(p, "clusterProvider").to_string(),
                s(p, "clusterLabel").to_string(),
            ));
        }
    };
    for p in list(intent, "allOf") {
        visit(p);
        for n in list(p, "anyOf") {
            visit(n);
        }
    }
    for p in list(intent, "anyOf") {
        visit(p);
    }
    out.sort();
    out.dedup();
    out
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Clusters one placement element names: itself, or every cluster with its label.
fn expand(p: &Value, labels: &LabelIndex) -> Result<Vec<(String, String)>, PlacementError> {
    let provider = s(p, "clusterProvider").to_string();
    if !s(p, "cluster").is_empty() {
        return Ok(vec![(provider, s(p, "cluster").to_string())]);
    }
    let label = s(p, "clusterLabel");
    if label.is_empty() {
        return Ok(Vec::new());
    }
    match labels.get(&(provider.clone(), label.to_string())) {
        Some(Some(clusters)) => Ok(clusters
            .iter()
            .map(|c| (provider.clone(), c.clone()))
            .collect()),
        Some(None) => Err(PlacementError::UnknownProvider(provider)),
        None => Ok(Vec::new()),
    }
}

/// Resolves an app intent's `spec.intent` to one cluster per group.
pub fn resolve(intent: &Value, labels: &LabelIndex) -> Result<Vec<Placed>, PlacementError> {
    // group number -> (mandatory, candidate clusters)
    let mut groups: BTreeMap<u32, (bool, Vec<(String, String)>)> = BTreeMap::new();
    let mut counter = 0u32;
    for p in list(intent, "allOf") {
        let nested = list(p, "anyOf");
        if s(p, "cluster").is_empty() && s(p, "clusterLabel").is_empty() && !nested.is_empty() {
            counter += 1;
            let entry = groups.entry(counter).or_insert((false, Vec::new()));
            for n in nested {
                entry.1.extend(expand(n, labels)?);
            }
            continue;
        }
        for cluster in expand(p, labels)? {
            counter += 1;
            groups.insert(counter, (true, vec![cluster]));
        }
    }
    let any = list(intent, "anyOf");
    if !any.is_empty() {
        counter += 1;
        let entry = groups.entry(counter).or_insert((false, Vec::new()));
        for p in any {
            entry.1.extend(expand(p, labels)?);
        }
    }
    let mut placed: Vec<Placed> = Vec::new();
    for (group, (mandatory, mut clusters)) in groups {
        clusters.sort_by_key(|(p, c)| format!("{p}+{c}"));
        let Some((provider, cluster)) = clusters.into_iter().next() else {
            continue;
        };
        // A cluster reached through two groups is deployed once, under its last group (as
        // EMCO's context keys clusters by name).
        placed.retain(|x| !(x.provider == provider && x.cluster == cluster));
        placed.push(Placed {
            provider,
            cluster,
            group,
            mandatory,
        });
    }
    if placed.is_empty() {
        return Err(PlacementError::NoClusters);
    }
    placed.sort_by_key(|x| format!("{}+{}", x.provider, x.cluster));
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn index() -> LabelIndex {
        let mut m = LabelIndex::new();
        m.insert(
            ("p".into(), "edge".into()),
            Some(vec!["c3".into(), "c1".into()]),
        );
        m.insert(("p".into(), "none".into()), Some(vec![]));
        m.insert(("zz".into(), "edge".into()), None);
        m
    }

    fn names(v: &[Placed]) -> Vec<String> {
        v.iter()
            .map(|x| format!("{}+{}:{}:{}", x.provider, x.cluster, x.group, x.mandatory))
            .collect()
    }

    #[test]
    fn all_of_label_means_every_labelled_cluster() {
        let i = json!({"allOf": [{"clusterProvider": "p", "clusterLabel": "edge"}]});
        assert_eq!(
            names(&resolve(&i, &index()).unwrap_or_default()),
            ["p+c1:2:true", "p+c3:1:true"]
        );
    }

    #[test]
    fn any_of_keeps_the_lexicographically_first() {
        let i = json!({"anyOf": [{"clusterProvider": "p", "cluster": "c9"}, {"clusterProvider": "p", "clusterLabel": "edge"}]});
        assert_eq!(
            names(&resolve(&i, &index()).unwrap_or_default()),
            ["p+c1:1:false"]
        );
    }

    #[test]
    fn nested_any_of_is_one_optional_group() {
        let i = json!({"allOf": [
            {"clusterProvider": "p", "cluster": "c2"},
            {"anyOf": [{"clusterProvider": "p", "cluster": "c8"}, {"clusterProvider": "p", "cluster": "c5"}]}
        ]});
        assert_eq!(
            names(&resolve(&i, &index()).unwrap_or_default()),
            ["p+c2:1:true", "p+c5:2:false"]
        );
    }

    #[test]
    fn duplicates_are_placed_once() {
        let i = json!({"allOf": [{"clusterProvider": "p", "cluster": "c1"}, {"clusterProvider": "p", "clusterLabel": "edge"}]});
        assert_eq!(
            names(&resolve(&i, &index()).unwrap_or_default()),
            ["p+c1:3:true", "p+c3:2:true"]
        );
    }

    #[test]
    fn errors() {
        let unknown = json!({"allOf": [{"clusterProvider": "zz", "clusterLabel": "edge"}]});
        assert_eq!(
            resolve(&unknown, &index()),
            Err(PlacementError::UnknownProvider("zz".into()))
        );
        let empty = json!({"allOf": [{"clusterProvider": "p", "clusterLabel": "none"}]});
        assert_eq!(resolve(&empty, &index()), Err(PlacementError::NoClusters));
        assert_eq!(
            resolve(&json!({}), &index()),
            Err(PlacementError::NoClusters)
        );
    }

    #[test]
    fn labels_used_lists_each_pair_once() {
        let i = json!({"allOf": [{"clusterProvider": "p", "clusterLabel": "edge"}, {"anyOf": [{"clusterProvider": "p", "clusterLabel": "edge"}]}]});
        assert_eq!(labels_used(&i), vec![("p".to_string(), "edge".to_string())]);
    }
}
