//! A minimal OpenAPI v3 index: just enough for kubectl to see that every kind's PATCH takes
//! `fieldValidation`, so it validates on the server instead of downloading schemas.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::resources::Registry;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn hash(reg: &Registry) -> String {
    use sha2::Digest;
    let kinds: Vec<String> = reg
        .all()
        .iter()
        .map(|t| format!("{}/{}/{}", t.group, t.version, t.plural))
        .collect();
    hex::encode(&sha2::Sha256::digest(kinds.join(",").as_bytes())[..8])
}

/// `/openapi/v3`: one entry per served group version.
pub fn root(reg: &Registry) -> Value {
    let h = hash(reg);
    let mut paths = BTreeMap::new();
    for (group, versions) in reg.groups() {
        for v in versions {
            let p = gv_path(&group, &v);
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={h}")}),
            );
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/{api/v1 | apis/g/v}`: the PATCH operation of each kind, with its parameters.
pub fn group_version(reg: &Registry, path: &str) -> Option<Value> {
    let types: Vec<_> = reg
        .all()
        .into_iter()
        .filter(|t| gv_path(&t.group, &t.version) == path)
        .collect();
    if types.is_empty() {
        return None;
    }
    let params = json!([
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}},
        {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
    ]);
    let mut paths = BTreeMap::new();
    for t in types {
        let base = if t.namespaced {
            format!("/{path}/namespaces/{{namespace}}/{}/{{name}}", t.plural)
        } else {
            format!("/{path}/{}/{{name}}", t.plural)
        };
        let gvk = json!({"group": t.group, "version": t.version, "kind": t.kind});
        paths.insert(
            base,
            json!({"patch": {
                "operationId": format!("patch{}", t.kind),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": params,
                "responses": {"200": {"description": "OK"}},
            }}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.30.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_of_each_kind_takes_field_validation() {
        let reg = Registry::default();
        assert!(
            root(&reg)["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .is_some_and(|u| u.starts_with("/openapi/v3/apis/apps/v1?hash="))
        );
        let doc = group_version(&reg, "apis/apps/v1").expect("apps");
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert_eq!(op["parameters"][0]["name"], "fieldValidation");
        assert!(group_version(&reg, "apis/nothing/v1").is_none());
    }
}
