//! The orchestrator's resource table: projects, composite apps, apps, dependencies, profiles,
//! controllers, deployment intent groups and their intents (emco-api.md 2.1).

use serde_json::Value;

use super::hooks::{AppIntentHooks, AppProfileHooks, DigHooks, GroupIntentHooks};
use crate::resources::kind::{FileRule, Kind, NameCheck, ParentMissing, PutRule, Reference};
use crate::resources::path::Params;
use crate::schema::{Field, META, META_OMIT, Ty, Violations};

pub const CA: &str = "projects/{project}/composite-apps/{compositeApp}/{compositeAppVersion}";
pub const DIG: &str = "projects/{project}/composite-apps/{compositeApp}/{compositeAppVersion}/deployment-intent-groups/{deploymentIntentGroup}";

const META_ONLY: Ty = Ty::Obj(&[Field::new("metadata", META)]);
const COMPOSITE_APP: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[Field::new("compositeAppVersion", Ty::Str)]),
    ),
]);
const APP_DEPENDENCY: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::omit("app", Ty::Str),
            Field::omit("opStatus", Ty::Str),
            Field::omit("wait", Ty::Int),
        ]),
    ),
]);
const APP_PROFILE: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new("spec", Ty::Obj(&[Field::new("app", Ty::Str)])),
]);
const CONTROLLER: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("host", Ty::Str),
            Field::new("port", Ty::Int),
            Field::omit("type", Ty::Str),
            Field::omit("priority", Ty::Int),
        ]),
    ),
]);
const OVERRIDE: Ty = Ty::Obj(&[
    Field::new("app", Ty::Str),
    Field::new("values", Ty::Map(&Ty::Str)),
]);
const DIG_BODY: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("compositeProfile", Ty::Str),
            Field::new("version", Ty::Str),
            Field::new("logicalCloud", Ty::Str),
            Field::new("overrideValues", Ty::List(&OVERRIDE)),
        ]),
    ),
]);
const PLACEMENT_LEAF: Ty = Ty::Obj(&[
    Field::omit("clusterProvider", Ty::Str),
    Field::omit("cluster", Ty::Str),
    Field::omit("clusterLabel", Ty::Str),
]);
const PLACEMENT: Ty = Ty::Obj(&[
    Field::omit("clusterProvider", Ty::Str),
    Field::omit("cluster", Ty::Str),
    Field::omit("clusterLabel", Ty::Str),
    Field::omit("anyOf", Ty::List(&PLACEMENT_LEAF)),
]);
const APP_INTENT: Ty = Ty::Obj(&[
    Field::new("metadata", META_OMIT),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::omit("app", Ty::Str),
            Field::new(
                "intent",
                Ty::Obj(&[
                    Field::omit("allOf", Ty::List(&PLACEMENT)),
                    Field::omit("anyOf", Ty::List(&PLACEMENT_LEAF)),
                ]),
            ),
        ]),
    ),
]);
const GROUP_INTENT: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new("spec", Ty::Obj(&[Field::new("intent", Ty::Map(&Ty::Str))])),
]);
/// Traffic-group intents are stored only so EMCO's GMS example applies unchanged.
const OPAQUE: Ty = Ty::Obj(&[Field::new("metadata", META), Field::omit("spec", Ty::Any)]);

fn s<'a>(body: &'a Value, pointer: &str) -> &'a str {
    body.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn composite_app_rules(body: &Value, v: &mut Violations) {
    // EMCO's schema misplaces this field; an empty version would create a broken key.
    v.metadata(body).name(body, "/spec/compositeAppVersion");
}

fn dependency_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .name(body, "/spec/app")
        .int_range(body, "/spec/wait", 0, 4096);
    let op = s(body, "/spec/opStatus").to_ascii_lowercase();
    if op != "ready" && op != "deployed" {
        v.push("spec.opStatus: Does not match pattern '(?i)^(ready|deployed)$'");
    }
}

fn app_profile_rules(body: &Value, v: &mut Violations) {
    v.metadata(body).name(body, "/spec/app");
}

fn controller_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .max_len(body, "/spec/host", 128)
        .int_range(body, "/spec/port", 0, 50000)
        .max_len(body, "/spec/type", 48)
        .int_range(body, "/spec/priority", 0, 100);
}

fn dig_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .name(body, "/spec/compositeProfile")
        .name(body, "/spec/version")
        .name(body, "/spec/logicalCloud");
    for ov in body
        .pointer("/spec/overrideValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for value in ov["values"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if value.as_str().is_some_and(|s| s.chars().count() > 128) {
                v.push(
                    "spec.overrideValues.values: String length must be less than or equal to 128",
                );
            }
        }
    }
}

/// App intents answer fixed texts for placement mistakes (emco-api.md 2.1).
fn app_intent_rules(body: &Value, v: &mut Violations) {
    if s(body, "/metadata/name").is_empty() {
        v.exact("Missing name for the intent");
    }
    if s(body, "/spec/app").is_empty() {
        v.exact("Missing app for the intent");
    }
    let check = |p: &Value, v: &mut Violations| {
        if s(p, "/clusterProvider").is_empty() {
            v.exact("Missing clusterProvider in an intent");
        }
        match (
            s(p, "/cluster").is_empty(),
            s(p, "/clusterLabel").is_empty(),
        ) {
            (true, true) => v.exact("Missing cluster or clusterLabel"),
            (false, false) => v.exact("Only one of cluster name or cluster label allowed"),
            _ => {}
        }
    };
    for p in placements(body) {
        check(p, v);
    }
    v.metadata(body);
}

/// Every leaf placement element of an app intent (allOf, nested anyOf, top-level anyOf).
pub fn placements(body: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in body
        .pointer("/spec/intent/allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match p.get("anyOf").and_then(Value::as_array) {
            Some(nested) if s(p, "/cluster").is_empty() && s(p, "/clusterLabel").is_empty() => {
                out.extend(nested.iter());
            }
            _ => out.push(p),
        }
    }
    out.extend(
        body.pointer("/spec/intent/anyOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    out
}

fn group_intent_rules(body: &Value, v: &mut Violations) {
    v.metadata(body);
    match body.pointer("/spec/intent") {
        Some(Value::Object(map)) => {
            if map
                .values()
                .any(|x| x.as_str().is_some_and(|s| s.chars().count() > 128))
            {
                v.push("spec.intent: String length must be less than or equal to 128");
            }
        }
        _ => v.exact("Invalid Input: spec.intent is required"),
    }
}

fn ca_path(params: &Params) -> String {
    format!(
        "projects/{}/composite-apps/{}/{}",
        params.get("project").unwrap_or(""),
        params.get("compositeApp").unwrap_or(""),
        params.get("compositeAppVersion").unwrap_or("")
    )
}

fn app_profile_refs(body: &Value, params: &Params) -> Vec<Reference> {
    vec![Reference {
        target: format!("{}/apps/{}", ca_path(params), s(body, "/spec/app")),
        child_like: true,
    }]
}

fn dig_refs(body: &Value, params: &Params) -> Vec<Reference> {
    vec![
        Reference {
            target: format!(
                "projects/{}/logical-clouds/{}",
                params.get("project").unwrap_or(""),
                s(body, "/spec/logicalCloud")
            ),
            child_like: false,
        },
        Reference {
            target: format!(
                "{}/composite-profiles/{}",
                ca_path(params),
                s(body, "/spec/compositeProfile")
            ),
            child_like: false,
        },
    ]
}

fn app_intent_refs(body: &Value, params: &Params) -> Vec<Reference> {
    let mut refs = vec![Reference {
        target: format!("{}/apps/{}", ca_path(params), s(body, "/spec/app")),
        child_like: true,
    }];
    for p in placements(body) {
        if !s(p, "/cluster").is_empty() {
            let target = format!(
                "cluster-providers/{}/clusters/{}",
                s(p, "/clusterProvider"),
                s(p, "/cluster")
            );
            if !refs.iter().any(|r| r.target == target) {
                refs.push(Reference {
                    target,
                    child_like: false,
                });
            }
        }
    }
    refs
}

fn group_intent_refs(body: &Value, _params: &Params) -> Vec<Reference> {
    body.pointer("/spec/intent")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "genericPlacementIntent")
        .map(|(k, _)| Reference {
            target: format!("controllers/{k}"),
            child_like: false,
        })
        .collect()
}

/// Builds the orchestrator's kinds.
pub fn kinds() -> Vec<Kind> {
    let created_or_replaced = PutRule {
        code_created: 201,
        code_replaced: 200,
        ..PutRule::default()
    };
    vec![
        Kind::new("project", "Project", "projects", "project", &META_ONLY)
            .texts("Project not found", "Project already exists")
            .delete_not_found("Project not found")
            .put(Some(PutRule {
                name_check: NameCheck::Must {
                    missing: "Missing name in PUT request",
                    mismatch: "Mismatched name in PUT request",
                },
                validate: false,
                code_created: 200,
                code_replaced: 200,
            })),
        Kind::new("compositeApp", "CompositeApp", "projects/{project}/composite-apps", "compositeApp", &COMPOSITE_APP)
            .versioned()
            .texts("App not found", "App already exists")
            .list_check("projects/{project}", "Project not found")
            .validate(composite_app_rules),
        Kind::new("app", "App", &format!("{CA}/apps"), "app", &META_ONLY)
            .texts("App not found", "App already exists")
            .file(FileRule { archive: true, part_filename: Some("fileContent"), optional_when: None }),
        Kind::new("appDependency", "AppDependency", &format!("{CA}/apps/{{app}}/dependency"), "dependency", &APP_DEPENDENCY)
            .texts("AppDependency not found", "AppDependency already exists")
            .delete_not_found("AppDependency not found")
            .decode_error("Invalid Body")
            .empty_array()
            .validate(dependency_rules),
        Kind::new("compositeProfile", "CompositeProfile", &format!("{CA}/composite-profiles"), "compositeProfile", &META_ONLY)
            .texts("CompositeProfile not found", "CompositeProfile already exists"),
        Kind::new("appProfile", "AppProfile", &format!("{CA}/composite-profiles/{{compositeProfile}}/profiles"), "appProfile", &APP_PROFILE)
            .texts("AppProfile not found", "AppProfile already exists")
            .parent_missing(ParentMissing::NotFound("CompositeProfile not found"))
            .file(FileRule { archive: true, part_filename: None, optional_when: None })
            .validate(app_profile_rules)
            .references(app_profile_refs)
            .hooks(AppProfileHooks),
        Kind::new("controller", "Controller", "controllers", "controller", &CONTROLLER)
            .texts("Controller not found", "Controller already exists")
            .validate(controller_rules)
            .put(Some(PutRule {
                name_check: NameCheck::Must {
                    missing: "Missing name in POST request",
                    mismatch: "Mismatched name in PUT request",
                },
                validate: false,
                ..PutRule::default()
            })),
        Kind::new("deploymentIntentGroup", "DeploymentIntentGroup", &format!("{CA}/deployment-intent-groups"), "deploymentIntentGroup", &DIG_BODY)
            .texts("DeploymentIntentGroup not found", "Intent already exists")
            .list_check("projects/{project}", "Project not found")
            .list_check(CA, "App not found")
            .put(Some(created_or_replaced))
            .validate(dig_rules)
            .references(dig_refs)
            .hooks(DigHooks),
        Kind::new("genericPlacementIntent", "GenericPlacementIntent", &format!("{DIG}/generic-placement-intents"), "genericPlacementIntent", &META_ONLY)
            .texts("Intent not found", "Intent already exists")
            .list_check("projects/{project}", "Project not found")
            .list_check(CA, "App not found")
            .put(Some(created_or_replaced)),
        Kind::new("genericAppPlacementIntent", "GenericAppPlacementIntent", &format!("{DIG}/generic-placement-intents/{{genericPlacementIntent}}/app-intents"), "genericAppPlacementIntent", &APP_INTENT)
            .texts("Intent not found", "Intent already exists")
            .put(Some(created_or_replaced))
            .validate(app_intent_rules)
            .references(app_intent_refs)
            .hooks(AppIntentHooks),
        Kind::new("groupIntent", "DeploymentIntent", &format!("{DIG}/intents"), "groupIntent", &GROUP_INTENT)
            .texts("Intent not found", "Intent already exists")
            .put(Some(created_or_replaced))
            .validate(group_intent_rules)
            .references(group_intent_refs)
            .hooks(GroupIntentHooks),
        Kind::new("trafficGroupIntent", "TrafficGroupIntent", &format!("{DIG}/traffic-group-intents"), "trafficGroupIntent", &OPAQUE)
            .texts("TrafficGroupIntent not found", "TrafficGroupIntent already exists"),
        Kind::new("inboundServerIntent", "InboundServerIntent", &format!("{DIG}/traffic-group-intents/{{trafficGroupIntent}}/inbound-intents"), "inboundServerIntent", &OPAQUE)
            .texts("InboundServerIntent not found", "InboundServerIntent already exists"),
        Kind::new("inboundClientsIntent", "InboundClientsIntent", &format!("{DIG}/traffic-group-intents/{{trafficGroupIntent}}/inbound-intents/{{inboundServerIntent}}/clients"), "inboundClientsIntent", &OPAQUE)
            .texts("InboundClientsIntent not found", "InboundClientsIntent already exists"),
    ]
}
