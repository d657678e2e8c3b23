//! Orchestrator behaviour that the resource table cannot express: DIG state rules, one
//! profile per app, the app-intent and intent query forms, and the intents list shape.

use async_trait::async_trait;
use axum::http::StatusCode;
use emco_store::{Compare, Op};
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::reply::Reply;
use crate::http::request::Request;
use crate::http::service::Ctx;
use crate::resources::engine::list_items;
use crate::resources::keys;
use crate::resources::kind::{Extra, Hooks, Write};
use crate::resources::path::Params;
use crate::resources::upload;
use crate::state::StateInfo;

/// Reads a StateInfo record, if any, with its revision.
pub async fn load_state(ctx: &Ctx, item: &str) -> Result<Option<(StateInfo, i64)>, ApiError> {
    match ctx.store.get(&keys::state(item)).await? {
        Some(kv) => Ok(Some((StateInfo::from_bytes(&kv.value)?, kv.mod_revision))),
        None => Ok(None),
    }
}

/// Deployment intent groups: `Created` state on create, replace only while `Created`,
/// delete refused while instantiated.
pub struct DigHooks;

#[async_trait]
impl Hooks for DigHooks {
    async fn before_write(&self, ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        let state_key = keys::state(write.item);
        if write.existing.is_some() {
            let current = load_state(ctx, write.item).await?;
            let created = current
                .as_ref()
                .is_none_or(|(s, _)| s.current_state() == "Created");
            if !created {
                return Err(ApiError::conflict(
                    "The specified DeploymentIntentGroup is not in Created status",
                ));
            }
            let revision = current.map(|(_, r)| r).unwrap_or(0);
            return Ok(Extra {
                compares: vec![Compare::ModRevision {
                    key: state_key,
                    revision,
                }],
                ops: Vec::new(),
            });
        }
        Ok(Extra {
            compares: Vec::new(),
            ops: vec![Op::Put {
                key: state_key,
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
        let Some((state, revision)) = load_state(ctx, item).await? else {
            return Ok(Extra::default());
        };
        // EMCO answers 500 here; a state conflict is not transient, so we answer 409.
        if matches!(
            state.current_state(),
            "Instantiated" | "InstantiateStopped" | "Updated"
        ) {
            return Err(ApiError::conflict(
                "DeploymentIntentGroup must be terminated before it can be deleted",
            ));
        }
        crate::deploy::guard_dig_delete(ctx, item, &state).await?;
        let mut extra = Extra {
            compares: vec![Compare::ModRevision {
                key: keys::state(item),
                revision,
            }],
            ops: Vec::new(),
        };
        extra
            .ops
            .extend(crate::deploy::dig_delete_ops(ctx, item, &state).await?);
        Ok(extra)
    }
}

/// App profiles: one per app in a composite profile; `?app=` selects by app.
pub struct AppProfileHooks;

#[async_trait]
impl Hooks for AppProfileHooks {
    async fn before_write(&self, ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        let Some((collection, _)) = write.item.rsplit_once('/') else {
            return Ok(Extra::default());
        };
        let app = write
            .body
            .pointer("/spec/app")
            .and_then(Value::as_str)
            .unwrap_or("");
        let range = ctx.store.range(&keys::children(collection)).await?;
        for kv in &range.kvs {
            let other: Value = serde_json::from_slice(&kv.value).unwrap_or(Value::Null);
            let same_item = keys::item_of(&kv.key) == Some(write.item);
            if !same_item && other.pointer("/spec/app").and_then(Value::as_str) == Some(app) {
                return Err(ApiError::conflict("App already has an AppProfile"));
            }
        }
        Ok(Extra {
            compares: vec![Compare::PrefixUnchangedSince {
                prefix: keys::children(collection),
                revision: range.revision,
            }],
            ops: Vec::new(),
        })
    }

    async fn list_query(
        &self,
        ctx: &Ctx,
        req: &Request,
        collection: &str,
        _p: &Params,
    ) -> Option<Result<Reply, ApiError>> {
        let app = req.query("app")?;
        Some(profile_of_app(ctx, req, collection, app).await)
    }

    async fn get_query(
        &self,
        _ctx: &Ctx,
        req: &Request,
        _item: &str,
        _body: &Value,
    ) -> Option<Result<Reply, ApiError>> {
        req.query("app").map(|_| {
            Err(ApiError::internal(
                "Invalid query - contains both appProfile and app",
            ))
        })
    }
}

async fn profile_of_app(
    ctx: &Ctx,
    req: &Request,
    collection: &str,
    app: &str,
) -> Result<Reply, ApiError> {
    let range = ctx.store.range(&keys::children(collection)).await?;
    for kv in range.kvs {
        let body: Value = serde_json::from_slice(&kv.value).unwrap_or(Value::Null);
        if body.pointer("/spec/app").and_then(Value::as_str) == Some(app) {
            let want = upload::negotiate(req)?;
            let item = keys::item_of(&kv.key).unwrap_or_default();
            let file = ctx
                .store
                .get(&keys::file(item))
                .await?
                .map(|f| f.value.into())
                .unwrap_or_default();
            return Ok(upload::file_reply(
                want,
                &String::from_utf8_lossy(&kv.value),
                file,
                None,
            ));
        }
    }
    Err(ApiError::not_found("AppProfile not found"))
}

/// App intents: `?app=` (EMCO reads `app-name`) answers the spec of that app's intent.
pub struct AppIntentHooks;

#[async_trait]
impl Hooks for AppIntentHooks {
    async fn list_query(
        &self,
        ctx: &Ctx,
        req: &Request,
        collection: &str,
        _p: &Params,
    ) -> Option<Result<Reply, ApiError>> {
        let app = req.query("app-name").or_else(|| req.query("app"))?;
        if app.is_empty() {
            return Some(Err(ApiError::bad_request("Missing appName in GET request")));
        }
        let items = match list_items(ctx, collection, 1).await {
            Ok(items) => items,
            Err(e) => return Some(Err(e)),
        };
        let spec = items
            .into_iter()
            .find(|i| i.pointer("/spec/app").and_then(Value::as_str) == Some(app))
            .map(|i| i["spec"].clone())
            .unwrap_or_else(|| json!({"intent": {}}));
        Some(Ok(Reply::ok(spec)))
    }
}

/// The DIG's intents: the list answers `{"intent":[map, ...]}`, `?intent=` one map.
pub struct GroupIntentHooks;

#[async_trait]
impl Hooks for GroupIntentHooks {
    async fn list_query(
        &self,
        ctx: &Ctx,
        req: &Request,
        collection: &str,
        _p: &Params,
    ) -> Option<Result<Reply, ApiError>> {
        let name = req.query("intent")?;
        if name.is_empty() {
            return Some(Err(ApiError::bad_request("Missing appName in GET request")));
        }
        let item = format!("{collection}/{name}");
        Some(match ctx.store.get(&keys::res(&item)).await {
            Ok(Some(kv)) => {
                let body: Value = serde_json::from_slice(&kv.value).unwrap_or(Value::Null);
                Ok(Reply::ok(
                    json!({"intent": body.pointer("/spec/intent").cloned().unwrap_or(Value::Null)}),
                ))
            }
            Ok(None) => Err(ApiError::not_found("Intent not found")),
            Err(e) => Err(e.into()),
        })
    }

    fn list_shape(&self, records: &[emco_store::KeyValue]) -> Option<Value> {
        if records.is_empty() {
            return Some(json!({"intent": null}));
        }
        let maps: Vec<Value> = records
            .iter()
            .filter_map(|kv| serde_json::from_slice::<Value>(&kv.value).ok())
            .map(|i| i.pointer("/spec/intent").cloned().unwrap_or(Value::Null))
            .collect();
        Some(json!({ "intent": maps }))
    }
}

/// Helper for lifecycle errors: EMCO appends the name without a space (sic).
pub fn dig_error(status: StatusCode, text: &str, dig: &str) -> ApiError {
    ApiError::new(status, format!("{text}{dig}"))
}
