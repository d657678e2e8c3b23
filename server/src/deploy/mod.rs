//! The deployment flow's footprint in the store: AppContexts keyed by instance id.
//!
//! An AppContext lives under `/emco/context/<id>/` (emco-api.md 5.4). The REST layer needs
//! two things from it even before any deployment runs: whether a DIG's contexts have finished
//! terminating (delete guard) and how to remove them with the DIG.

pub mod build;
pub mod cloud;
pub mod context;
pub mod dig;
pub mod lc;
pub mod placement;

use emco_store::{Compare, Op, Txn};

use crate::http::error::ApiError;
use crate::http::service::Ctx;
use crate::state::StateInfo;

pub fn context_prefix(id: &str) -> String {
    context::keys::prefix(id)
}

pub fn context_status_key(id: &str) -> String {
    context::keys::status(id)
}

/// Reads an AppContext's status (`Instantiating`, `Terminated`, ...), if it has one.
pub async fn context_status(ctx: &Ctx, id: &str) -> Result<Option<String>, ApiError> {
    let Some(kv) = ctx.store.get(&context_status_key(id)).await? else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_slice(&kv.value).unwrap_or_default();
    Ok(value["Status"].as_str().map(str::to_string))
}

/// A terminated DIG may be deleted only once its AppContext finished terminating.
pub async fn guard_dig_delete(ctx: &Ctx, _item: &str, state: &StateInfo) -> Result<(), ApiError> {
    if !matches!(state.current_state(), "Terminated" | "TerminateStopped") {
        return Ok(());
    }
    let instance = state.current_instance();
    if instance.is_empty() {
        return Ok(());
    }
    match context_status(ctx, &instance).await?.as_deref() {
        None | Some("Terminated") | Some("TerminateFailed") => Ok(()),
        Some(_) => Err(ApiError::conflict(
            "DeploymentIntentGroup has not finished terminating; delete it when its status is Terminated",
        )),
    }
}

/// Deleting a DIG deletes every AppContext of its history in the same transaction.
pub async fn dig_delete_ops(
    _ctx: &Ctx,
    _item: &str,
    state: &StateInfo,
) -> Result<Vec<Op>, ApiError> {
    let mut ids: Vec<&str> = state
        .actions
        .iter()
        .map(|a| a.instance.as_str())
        .filter(|i| !i.is_empty())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids
        .into_iter()
        .flat_map(|id| {
            [
                Op::DeletePrefix {
                    prefix: context_prefix(id),
                },
                Op::Delete {
                    key: context::keys::work(id),
                },
                Op::Delete {
                    key: context::keys::lease(id),
                },
            ]
        })
        .collect())
}

/// The start of every lifecycle transaction: the owner's StateInfo, written only if nobody
/// changed it since it was read (compare-and-swap on its revision).
pub fn record_state(item: &str, state: &StateInfo, revision: i64) -> Txn {
    let key = crate::resources::keys::state(item);
    Txn::new()
        .when(Compare::ModRevision {
            key: key.clone(),
            revision,
        })
        .then(Op::Put {
            key,
            value: state.to_bytes(),
        })
}

/// Writes a new AppContext's desired state.
pub fn put_spec(spec: &context::ContextSpec) -> Op {
    Op::Put {
        key: context::keys::spec(&spec.id),
        value: serde_json::to_vec(spec).unwrap_or_default(),
    }
}
