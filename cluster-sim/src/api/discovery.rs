//! Discovery documents: `/version`, `/api`, `/apis`, `/apis/{group}` and the resource lists of
//! each group version (plain JSON; clients fall back from aggregated discovery to these).

use serde_json::{Value, json};

use crate::resources::{Registry, ResourceType};

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const IN_ALL: &[&str] = &[
    "pods",
    "services",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
];

pub fn version() -> Value {
    json!({
        "major": "1", "minor": "30", "gitVersion": "v1.30.0-cluster-sim",
        "gitCommit": "", "gitTreeState": "clean", "buildDate": "2024-04-17T00:00:00Z",
        "goVersion": "go1.22.2", "compiler": "gc", "platform": "linux/amd64",
    })
}

pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]})
}

fn group_doc(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({"name": name, "versions": vs, "preferredVersion": vs.first().cloned().unwrap_or(Value::Null)})
}

pub fn group_list(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_doc(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(reg: &Registry, name: &str) -> Option<Value> {
    reg.groups().iter().find(|(g, _)| g == name).map(|(g, vs)| {
        let mut d = group_doc(g, vs);
        d["kind"] = json!("APIGroup");
        d["apiVersion"] = json!("v1");
        d
    })
}

fn resource_doc(t: &ResourceType) -> Vec<Value> {
    let mut main = json!({
        "name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
        "kind": t.kind, "verbs": VERBS,
    });
    if !t.short_names.is_empty() {
        main["shortNames"] = json!(t.short_names);
    }
    if IN_ALL.contains(&t.plural.as_str()) && !t.custom {
        main["categories"] = json!(["all"]);
    }
    let mut out = vec![main];
    if t.status {
        out.push(json!({"name": format!("{}/status", t.plural), "singularName": "", "namespaced": t.namespaced,
            "kind": t.kind, "verbs": ["get", "patch", "update"]}));
    }
    if t.plural == "certificatesigningrequests" && !t.custom {
        out.push(json!({"name": "certificatesigningrequests/approval", "singularName": "", "namespaced": false,
            "kind": t.kind, "verbs": ["get", "patch", "update"]}));
    }
    out
}

/// The APIResourceList of one group version, if it is served.
pub fn resource_list(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let types: Vec<_> = reg
        .all()
        .into_iter()
        .filter(|t| t.group == group && t.version == version)
        .collect();
    if types.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = types.iter().flat_map(|t| resource_doc(t)).collect();
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_cover_the_required_kinds() {
        let reg = Registry::default();
        let core = resource_list(&reg, "", "v1").expect("core");
        let names: Vec<&str> = core["resources"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        for n in [
            "namespaces",
            "configmaps",
            "secrets",
            "services",
            "serviceaccounts",
            "pods",
            "pods/status",
            "persistentvolumeclaims",
            "resourcequotas",
            "limitranges",
            "events",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        let groups = group_list(&reg);
        let gnames: Vec<&str> = groups["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .filter_map(|g| g["name"].as_str())
            .collect();
        for g in [
            "apps",
            "batch",
            "networking.k8s.io",
            "rbac.authorization.k8s.io",
            "certificates.k8s.io",
            "apiextensions.k8s.io",
            "autoscaling",
            "k8splugin.io",
        ] {
            assert!(gnames.contains(&g), "{g}");
        }
        assert!(resource_list(&reg, "apps", "v2").is_none());
        assert_eq!(
            group(&reg, "apps").expect("apps")["preferredVersion"]["version"],
            "v1"
        );
    }
}
