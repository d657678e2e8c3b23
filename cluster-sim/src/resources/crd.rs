//! Reading the served resource types out of a CustomResourceDefinition.

use serde_json::Value;

use super::{ResourceType, res_key};

/// The resource types a CRD object defines (one per served version).
pub fn crd_types(crd: &Value) -> Result<Vec<ResourceType>, String> {
    let spec = crd.get("spec").ok_or("spec is required")?;
    let group = spec["group"]
        .as_str()
        .filter(|g| !g.is_empty())
        .ok_or("spec.group is required")?;
    let names = &spec["names"];
    let plural = names["plural"]
        .as_str()
        .filter(|p| !p.is_empty())
        .ok_or("spec.names.plural is required")?;
    let kind = names["kind"]
        .as_str()
        .filter(|k| !k.is_empty())
        .ok_or("spec.names.kind is required")?;
    let singular = names["singular"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_lowercase());
    let short_names: Vec<String> = names["shortNames"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let namespaced = spec["scope"].as_str().unwrap_or("Namespaced") != "Cluster";
    let versions = spec["versions"]
        .as_array()
        .ok_or("spec.versions is required")?;
    let mut out = Vec::new();
    for v in versions {
        if v["served"].as_bool() == Some(false) {
            continue;
        }
        let version = v["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or("spec.versions[].name is required")?;
        out.push(ResourceType {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: singular.clone(),
            namespaced,
            short_names: short_names.clone(),
            status: v["subresources"].get("status").is_some(),
            custom: true,
            key: res_key(group, plural),
        });
    }
    if out.is_empty() {
        return Err("spec.versions must have a served version".into());
    }
    Ok(out)
}
