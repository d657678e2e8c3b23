//! The dcm service (port 9077): logical clouds and their cluster references, user
//! permissions, quotas and key-value pairs (emco-api.md 2.3 and 8).

use async_trait::async_trait;
use emco_store::{Compare, Op};
use serde_json::Value;

use crate::deploy::context_status;
use crate::http::error::ApiError;
use crate::http::reply::Reply;
use crate::http::request::Request;
use crate::http::service::{Ctx, Routes};
use crate::orchestrator::hooks::load_state;
use crate::resources::engine::list_items;
use crate::resources::keys;
use crate::resources::kind::{Extra, Hooks, Kind, ParentMissing, PutRule, Reference, Write};
use crate::resources::path::Params;
use crate::resources::register;
use crate::schema::{Field, META, Ty, Violations};
use crate::state::StateInfo;

pub const LC: &str = "projects/{project}/logical-clouds/{logicalCloud}";

const LOGICAL_CLOUD: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("namespace", Ty::Str),
            Field::new("level", Ty::Str),
            Field::new("labels", Ty::Map(&Ty::Str)),
            Field::new(
                "user",
                Ty::Obj(&[Field::new("userName", Ty::Str), Field::new("type", Ty::Str)]),
            ),
        ]),
    ),
]);
const CLUSTER_REFERENCE: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("clusterProvider", Ty::Str),
            Field::new("cluster", Ty::Str),
            Field::new("loadBalancerIP", Ty::Str),
            Field::new("certificate", Ty::Str),
        ]),
    ),
]);
const USER_PERMISSION: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("namespace", Ty::Str),
            Field::new("apiGroups", Ty::List(&Ty::Str)),
            Field::new("resources", Ty::List(&Ty::Str)),
            Field::new("verbs", Ty::List(&Ty::Str)),
        ]),
    ),
]);
const QUOTA: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new("spec", Ty::Map(&Ty::Str)),
]);
const KV: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[Field::new("kv", Ty::List(&Ty::Map(&Ty::Any)))]),
    ),
]);

fn lc_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .max_len(body, "/spec/level", 2)
        .max_len(body, "/spec/namespace", 128)
        .max_len(body, "/spec/user/userName", 20);
    let level = body
        .pointer("/spec/level")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !matches!(level, "" | "0" | "1") {
        v.push("spec.level: must be one of \"0\", \"1\"");
    }
    let long_label = body
        .pointer("/spec/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .any(|x| x.as_str().is_some_and(|s| s.chars().count() > 128));
    if long_label {
        v.push("spec.labels: String length must be less than or equal to 128");
    }
}

fn reference_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .name(body, "/spec/clusterProvider")
        .name(body, "/spec/cluster")
        .max_len(body, "/spec/loadBalancerIP", 16);
}

fn quota_rules(body: &Value, v: &mut Violations) {
    v.metadata(body);
    if let Some(map) = body.pointer("/spec").and_then(Value::as_object)
        && map
            .values()
            .any(|x| x.as_str().is_some_and(|s| s.chars().count() > 128))
    {
        v.push("spec: String length must be less than or equal to 128");
    }
}

fn reference_refs(body: &Value, _p: &Params) -> Vec<Reference> {
    let s = |p: &str| {
        body.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    vec![Reference {
        target: format!(
            "cluster-providers/{}/clusters/{}",
            s("/spec/clusterProvider"),
            s("/spec/cluster")
        ),
        child_like: false,
    }]
}

/// The logical cloud's item path from a route under it.
fn lc_item(params: &Params) -> String {
    format!(
        "projects/{}/logical-clouds/{}",
        params.get("project").unwrap_or(""),
        params.get("logicalCloud").unwrap_or("")
    )
}

/// The status of a logical cloud's current AppContext, if it was ever instantiated.
pub async fn lc_context_status(ctx: &Ctx, lc: &str) -> Result<Option<String>, ApiError> {
    let Some((state, _)) = load_state(ctx, lc).await? else {
        return Ok(None);
    };
    let instance = state.latest_instance();
    match instance {
        Some(id) => context_status(ctx, &id).await,
        None => Ok(None),
    }
}

/// Logical clouds: `Created` state on create; PUT only replaces an existing cloud of the same
/// name; delete refused while instantiated (8.5).
struct LogicalCloudHooks;

#[async_trait]
impl Hooks for LogicalCloudHooks {
    async fn before_write(&self, _ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        if write.replace {
            let body_name = write
                .body
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if Some(body_name) != write.params.get("logicalCloud") {
                return Err(ApiError::conflict("Logical Cloud name mismatch"));
            }
            if write.existing.is_none() {
                return Err(ApiError::not_found("Logical Cloud not found"));
            }
            return Ok(Extra::default());
        }
        Ok(Extra {
            compares: Vec::new(),
            ops: vec![Op::Put {
                key: keys::state(write.item),
                value: StateInfo::created().to_bytes(),
            }],
        })
    }

    async fn before_delete(
        &self,
        ctx: &Ctx,
        item: &str,
        _params: &Params,
    ) -> Result<Extra, ApiError> {
        let message = match lc_context_status(ctx, item).await?.as_deref() {
            None | Some("Terminated") | Some("TerminateFailed") => None,
            Some("Terminating") => {
                Some("The Logical Cloud can't be deleted yet, it is being terminated")
            }
            Some("Instantiating") => {
                Some("The Logical Cloud is instantiating, please wait and then terminate")
            }
            Some("InstantiateFailed") => Some(
                "The Logical Cloud has failed instantiating, for safety please terminate and try again",
            ),
            Some(_) => Some("The Logical Cloud is instantiated, please terminate first"),
        };
        if let Some(text) = message {
            return Err(ApiError::conflict(text));
        }
        let state_rev = ctx
            .store
            .get(&keys::state(item))
            .await?
            .map(|kv| kv.mod_revision)
            .unwrap_or(0);
        let mut extra = Extra {
            compares: vec![Compare::ModRevision {
                key: keys::state(item),
                revision: state_rev,
            }],
            ops: Vec::new(),
        };
        if let Some((state, _)) = load_state(ctx, item).await? {
            extra
                .ops
                .extend(crate::deploy::dig_delete_ops(ctx, item, &state).await?);
        }
        Ok(extra)
    }
}

/// Cluster references change only while the cloud is at rest; an empty list is a 400.
struct ClusterReferenceHooks;

async fn require_lc_at_rest(ctx: &Ctx, params: &Params, removing: bool) -> Result<(), ApiError> {
    let status = lc_context_status(ctx, &lc_item(params)).await?;
    let allowed = match status.as_deref() {
        None | Some("Instantiated") | Some("Terminated") => true,
        Some("TerminateFailed") => removing,
        Some(_) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "Cluster References cannot be added/removed unless the Logical Cloud is fully Instantiated or Terminated",
        ))
    }
}

#[async_trait]
impl Hooks for ClusterReferenceHooks {
    async fn before_write(&self, ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        require_lc_at_rest(ctx, write.params, false).await?;
        Ok(Extra::default())
    }

    async fn before_delete(
        &self,
        ctx: &Ctx,
        _item: &str,
        params: &Params,
    ) -> Result<Extra, ApiError> {
        require_lc_at_rest(ctx, params, true).await?;
        Ok(Extra::default())
    }

    async fn list_query(
        &self,
        ctx: &Ctx,
        _req: &Request,
        collection: &str,
        _p: &Params,
    ) -> Option<Result<Reply, ApiError>> {
        Some(match list_items(ctx, collection, 1).await {
            Ok(items) if items.is_empty() => {
                Err(ApiError::bad_request("No Cluster References associated"))
            }
            Ok(items) => Ok(Reply::ok(Value::Array(items))),
            Err(e) => Err(e),
        })
    }
}

/// Quotas exist only for level-1 clouds.
struct QuotaHooks;

#[async_trait]
impl Hooks for QuotaHooks {
    async fn before_write(&self, ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        let lc = crate::resources::engine::load(ctx, &lc_item(write.params)).await?;
        let level = lc
            .as_ref()
            .and_then(|(v, _)| {
                v.pointer("/spec/level")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        if level == "0" {
            return Err(ApiError::bad_request(
                "Cluster Quotas not allowed for Logical Cloud Level 0",
            ));
        }
        Ok(Extra::default())
    }
}

pub fn kinds() -> Vec<Kind> {
    let lc_put = PutRule {
        code_created: 201,
        code_replaced: 201,
        ..PutRule::default()
    };
    vec![
        Kind::new(
            "logicalCloud",
            "LogicalCloud",
            "projects/{project}/logical-clouds",
            "logicalCloud",
            &LOGICAL_CLOUD,
        )
        .texts("Logical Cloud not found", "Logical Cloud already exists")
        .delete_not_found("Logical Cloud not found")
        .empty_body("EOF")
        .parent_missing(ParentMissing::NotFound("Project not found"))
        .validate(lc_rules)
        .put(Some(lc_put))
        .hooks(LogicalCloudHooks),
        Kind::new(
            "clusterReference",
            "ClusterReference",
            &format!("{LC}/cluster-references"),
            "clusterReference",
            &CLUSTER_REFERENCE,
        )
        .texts(
            "Cluster reference not found",
            "Cluster reference already exists",
        )
        .parent_missing(ParentMissing::NotFound("Logical Cloud not found"))
        .list_check(LC, "Logical Cloud not found")
        .validate(reference_rules)
        .references(reference_refs)
        .put(None)
        .hooks(ClusterReferenceHooks),
        Kind::new(
            "userPermission",
            "UserPermission",
            &format!("{LC}/user-permissions"),
            "userPermission",
            &USER_PERMISSION,
        )
        .texts(
            "User Permission not found",
            "User Permission already exists",
        )
        .put(None),
        Kind::new(
            "clusterQuota",
            "Quota",
            &format!("{LC}/cluster-quotas"),
            "clusterQuota",
            &QUOTA,
        )
        .texts("Cluster Quota not found", "Quota already exists")
        .parent_missing(ParentMissing::NotFound("Logical Cloud not found"))
        .validate(quota_rules)
        .put(None)
        .hooks(QuotaHooks),
        Kind::new(
            "logicalCloudKv",
            "KeyValue",
            &format!("{LC}/kv-pairs"),
            "logicalCloudKv",
            &KV,
        )
        .texts("Key Value not found", "Key Value already exists")
        .put(None),
    ]
}

pub fn routes() -> Routes {
    use std::sync::Arc;

    use axum::http::Method;

    use crate::deploy::lc;
    use crate::resources::path::Pattern;

    let mut routes = Routes::default();
    for kind in kinds() {
        register(&mut routes, kind);
    }
    let item = Pattern::parse(LC);
    routes.add(
        item.join("instantiate"),
        "lc_instantiate",
        Method::POST,
        Arc::new(lc::Instantiate),
    );
    routes.add(
        item.join("terminate"),
        "lc_terminate",
        Method::POST,
        Arc::new(lc::Terminate),
    );
    routes.add(
        item.join("stop"),
        "lc_stop",
        Method::POST,
        Arc::new(lc::Stop),
    );
    routes.add(
        item.join("update"),
        "lc_update",
        Method::POST,
        Arc::new(lc::Update),
    );
    routes.add(
        item.join("status"),
        "lc_status",
        Method::GET,
        Arc::new(crate::status::LcStatus),
    );
    routes
}
