//! Builds a DIG's AppContext from the stored intents: renders every app, resolves its
//! placement, checks the logical cloud, and collects dependencies (emco-api.md 5.1).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::http::StatusCode;
use serde_json::Value;

use super::context::{
    AppSpec, ClusterSpec, ContextMeta, ContextSpec, Dependency, Owner, ResourceSpec,
};
use super::placement::{self, LabelIndex, PlacementError};
use crate::http::error::ApiError;
use crate::http::service::Ctx;
use crate::resources::engine::{list_items, load};
use crate::resources::keys;

/// Where a DIG lives: its identity from the URL.
#[derive(Debug, Clone)]
pub struct DigRef {
    pub project: String,
    pub composite_app: String,
    pub version: String,
    pub name: String,
}

impl DigRef {
    pub fn ca_item(&self) -> String {
        format!(
            "projects/{}/composite-apps/{}/{}",
            self.project, self.composite_app, self.version
        )
    }
    pub fn item(&self) -> String {
        format!("{}/deployment-intent-groups/{}", self.ca_item(), self.name)
    }
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The logical cloud a DIG deploys through, as instantiate needs it.
pub struct CloudInfo {
    pub namespace: String,
    pub level: String,
    /// `provider+cluster` of every cluster reference.
    pub references: BTreeSet<String>,
}

/// Loads the DIG's logical cloud and requires it to be instantiated (4.3, 8.7).
pub async fn logical_cloud(ctx: &Ctx, project: &str, name: &str) -> Result<CloudInfo, ApiError> {
    let item = format!("projects/{project}/logical-clouds/{name}");
    let Some((lc, _)) = load(ctx, &item).await? else {
        return Err(ApiError::bad_request(
            "Failed to obtain Logical Cloud specified",
        ));
    };
    // EMCO answers these with 500; they are state conflicts (docs/compatibility.md).
    match crate::dcm::lc_context_status(ctx, &item).await?.as_deref() {
        Some("Instantiated") => {}
        None => {
            return Err(ApiError::conflict(
                "The Logical Cloud has never been instantiated",
            ));
        }
        Some("Terminated") | Some("Terminating") => {
            return Err(ApiError::conflict(
                "The Logical Cloud is not currently instantiated (has been terminated).",
            ));
        }
        Some("Instantiating") => {
            return Err(ApiError::conflict(
                "The Logical Cloud is still instantiating, please wait and try again.",
            ));
        }
        Some(other) => {
            return Err(ApiError::conflict(format!(
                "The Logical Cloud is not instantiated (its status is {other})."
            )));
        }
    }
    let level = match s(&lc, "/spec/level") {
        "0" => "0".to_string(),
        _ => "1".to_string(),
    };
    let namespace = match (level.as_str(), s(&lc, "/spec/namespace")) {
        ("1", ns) if !ns.is_empty() => ns.to_string(),
        _ => "default".to_string(),
    };
    let references = list_items(ctx, &format!("{item}/cluster-references"), 1)
        .await?
        .iter()
        .map(|r| {
            format!(
                "{}+{}",
                s(r, "/spec/clusterProvider"),
                s(r, "/spec/cluster")
            )
        })
        .collect();
    Ok(CloudInfo {
        namespace,
        level,
        references,
    })
}

/// The DIG's generic placement intent name: the `genericPlacementIntent` entry of any intent.
async fn placement_intent(ctx: &Ctx, dig: &DigRef) -> Result<String, ApiError> {
    let intents = list_items(ctx, &format!("{}/intents", dig.item()), 1).await?;
    let mut gpi = None;
    for intent in &intents {
        for (key, value) in intent
            .pointer("/spec/intent")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if key == "genericPlacementIntent" {
                gpi = value.as_str().map(str::to_string);
            } else if ctx
                .store
                .get(&keys::res(&format!("controllers/{key}")))
                .await?
                .is_none()
            {
                return Err(ApiError::not_found("Controller not found"));
            }
        }
    }
    gpi.ok_or_else(|| ApiError::not_found("Intent not found"))
}

/// Rejects dependency cycles and dependencies on apps outside the composite app.
pub fn check_dependencies(
    deps: &BTreeMap<String, Vec<Dependency>>,
    ca: &str,
) -> Result<(), ApiError> {
    let cyclic = || {
        ApiError::internal(format!(
            "Cyclic Dependency between apps found in composite app:{ca}"
        ))
    };
    // Kahn's algorithm: repeatedly remove apps whose dependencies are all removed.
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (app, list) in deps {
        let mut set = BTreeSet::new();
        for d in list {
            if !deps.contains_key(&d.app) {
                return Err(cyclic());
            }
            set.insert(d.app.as_str());
        }
        remaining.insert(app.as_str(), set);
    }
    while !remaining.is_empty() {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, d)| d.is_empty())
            .map(|(a, _)| *a)
            .collect();
        if ready.is_empty() {
            return Err(cyclic());
        }
        for app in ready {
            remaining.remove(app);
            for d in remaining.values_mut() {
                d.remove(app);
            }
        }
    }
    Ok(())
}

/// A provider's clusters with their labels; `None` when the provider does not exist.
type ProviderClusters = Option<Vec<(String, Vec<String>)>>;

async fn label_index(ctx: &Ctx, intents: &[Value]) -> Result<LabelIndex, ApiError> {
    let mut index = LabelIndex::new();
    let mut memo: HashMap<String, ProviderClusters> = HashMap::new();
    for intent in intents {
        for (provider, label) in placement::labels_used(&intent["spec"]["intent"]) {
            if !memo.contains_key(&provider) {
                let exists = ctx
                    .store
                    .get(&keys::res(&format!("cluster-providers/{provider}")))
                    .await?
                    .is_some();
                let clusters = if exists {
                    let mut out = Vec::new();
                    for c in list_items(ctx, &format!("cluster-providers/{provider}/clusters"), 1)
                        .await?
                    {
                        let name = s(&c, "/metadata/name").to_string();
                        let labels = list_items(
                            ctx,
                            &format!("cluster-providers/{provider}/clusters/{name}/labels"),
                            1,
                        )
                        .await?;
                        out.push((
                            name,
                            labels
                                .iter()
                                .map(|l| s(l, "/clusterLabel").to_string())
                                .collect(),
                        ));
                    }
                    Some(out)
                } else {
                    None
                };
                memo.insert(provider.clone(), clusters);
            }
            let found = memo.get(&provider).cloned().flatten().map(|cs| {
                cs.into_iter()
                    .filter(|(_, ls)| ls.contains(&label))
                    .map(|(c, _)| c)
                    .collect()
            });
            index.insert((provider, label), found);
        }
    }
    Ok(index)
}

/// Builds the complete desired AppContext for an instantiate of `dig` (whose record is `body`).
pub async fn dig_context(
    ctx: &Ctx,
    dig: &DigRef,
    body: &Value,
    id: &str,
) -> Result<ContextSpec, ApiError> {
    let lc_name = s(body, "/spec/logicalCloud");
    let cloud = logical_cloud(ctx, &dig.project, lc_name).await?;
    let gpi = placement_intent(ctx, dig).await?;
    let ca = dig.ca_item();
    let apps = list_items(ctx, &format!("{ca}/apps"), 1).await?;
    let app_names: Vec<String> = apps
        .iter()
        .map(|a| s(a, "/metadata/name").to_string())
        .collect();

    let mut deps = BTreeMap::new();
    for app in &app_names {
        let list = list_items(ctx, &format!("{ca}/apps/{app}/dependency"), 1).await?;
        let parsed = list
            .iter()
            .map(|d| Dependency {
                app: s(d, "/spec/app").to_string(),
                op_status: s(d, "/spec/opStatus").to_string(),
                wait: d.pointer("/spec/wait").and_then(Value::as_u64).unwrap_or(0),
            })
            .collect::<Vec<_>>();
        deps.insert(app.clone(), parsed);
    }
    check_dependencies(&deps, &dig.composite_app)?;

    let profiles = list_items(
        ctx,
        &format!(
            "{ca}/composite-profiles/{}/profiles",
            s(body, "/spec/compositeProfile")
        ),
        1,
    )
    .await?;
    let app_intents = list_items(
        ctx,
        &format!("{}/generic-placement-intents/{gpi}/app-intents", dig.item()),
        1,
    )
    .await?;
    let labels = label_index(ctx, &app_intents).await?;
    let release = s(body, "/spec/version");

    let mut specs = Vec::new();
    for app in &app_names {
        let Some(profile) = profiles.iter().find(|p| s(p, "/spec/app") == app) else {
            return Err(ApiError::internal("AppProfileContent not found"));
        };
        let profile_item = format!(
            "{ca}/composite-profiles/{}/profiles/{}",
            s(body, "/spec/compositeProfile"),
            s(profile, "/metadata/name")
        );
        let chart = ctx
            .store
            .get(&keys::file(&format!("{ca}/apps/{app}")))
            .await?
            .map(|kv| kv.value)
            .unwrap_or_default();
        let profile_tgz = ctx
            .store
            .get(&keys::file(&profile_item))
            .await?
            .map(|kv| kv.value);
        let overrides: Vec<(String, String)> = body
            .pointer("/spec/overrideValues")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|o| s(o, "/app") == app)
            .flat_map(|o| o["values"].as_object().cloned().unwrap_or_default())
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
        let rendered = emco_helm::render_app(&emco_helm::RenderRequest {
            app,
            chart_tgz: &chart,
            profile_tgz: profile_tgz.as_deref(),
            overrides: &overrides,
            release,
            namespace: &cloud.namespace,
        })
        .map_err(|e| ApiError::internal(e.to_string()))?;

        let intent = app_intents
            .iter()
            .find(|i| s(i, "/spec/app") == app)
            .map(|i| i["spec"]["intent"].clone())
            .unwrap_or(Value::Null);
        let placed = placement::resolve(&intent, &labels).map_err(|e| match e {
            PlacementError::UnknownProvider(_) | PlacementError::NoClusters => {
                ApiError::internal(e.to_string())
            }
        })?;
        if placed.iter().any(|p| {
            p.mandatory
                && !cloud
                    .references
                    .contains(&format!("{}+{}", p.provider, p.cluster))
        }) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "The specified Logical Cloud doesn't provide the mandatory clusters",
            ));
        }
        let to_specs = |list: &[emco_helm::Manifest]| -> Vec<ResourceSpec> {
            list.iter()
                .map(|m| ResourceSpec::new(m.name.clone(), m.text.clone()))
                .collect()
        };
        // Read each manifest's identity once per app, not once per cluster.
        let (resources, crds) = (to_specs(&rendered.resources), to_specs(&rendered.crds));
        let hooks: std::collections::BTreeMap<String, Vec<ResourceSpec>> = rendered
            .hooks
            .iter()
            .map(|(k, v)| (k.clone(), to_specs(v)))
            .collect();
        let clusters = placed
            .into_iter()
            .map(|p| ClusterSpec {
                provider: p.provider,
                cluster: p.cluster,
                group: p.group,
                resources: resources.clone(),
                crds: crds.clone(),
                hooks: hooks.clone(),
            })
            .collect();
        specs.push(AppSpec {
            name: app.clone(),
            dependencies: deps.remove(app).unwrap_or_default(),
            clusters,
        });
    }
    Ok(ContextSpec {
        id: id.to_string(),
        meta: ContextMeta {
            owner: Owner::DeploymentIntentGroup,
            project: dig.project.clone(),
            composite_app: dig.composite_app.clone(),
            version: dig.version.clone(),
            composite_profile: s(body, "/spec/compositeProfile").to_string(),
            release: release.to_string(),
            deployment_intent_group: dig.name.clone(),
            logical_cloud: lc_name.to_string(),
            namespace: cloud.namespace,
            level: cloud.level,
            status_context: id.to_string(),
        },
        apps: specs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(app: &str) -> Dependency {
        Dependency {
            app: app.into(),
            op_status: "Ready".into(),
            wait: 0,
        }
    }

    #[test]
    fn dependency_cycles_and_strangers_are_rejected() {
        let mut d = BTreeMap::new();
        d.insert("a".to_string(), vec![dep("b")]);
        d.insert("b".to_string(), vec![]);
        assert!(check_dependencies(&d, "ca").is_ok());
        d.insert("b".to_string(), vec![dep("a")]);
        assert!(check_dependencies(&d, "ca").is_err());
        d.insert("b".to_string(), vec![dep("zz")]);
        let err = check_dependencies(&d, "ca")
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert_eq!(
            err,
            "Cyclic Dependency between apps found in composite app:ca"
        );
    }
}
