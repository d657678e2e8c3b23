//! DIG lifecycle calls: instantiate, terminate and stop (emco-api.md 4.2).
//!
//! Each call validates, then writes the new desired state in ONE transaction: the AppContext
//! (instantiate), the StateInfo action, the AppContext status and rsync's work item. It answers
//! 202 without calling rsync, so a crash of any process at any instant loses nothing: either
//! the whole call happened (rsync will find the work item) or none of it did.

use async_trait::async_trait;
use axum::http::StatusCode;
use emco_store::{Compare, Op};
use serde_json::json;

use super::build::{DigRef, dig_context};
use super::context::{self, WorkItem, keys as ck, new_id, status};
use super::{put_spec, record_state};
use crate::http::error::ApiError;
use crate::http::reply::{Outcome, Reply};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::orchestrator::hooks::load_state;
use crate::resources::engine::load;
use crate::resources::keys;
use crate::resources::path::Params;
use crate::state::StateInfo;

pub fn dig_ref(params: &Params) -> DigRef {
    let p = |k: &str| params.get(k).unwrap_or("").to_string();
    DigRef {
        project: p("project"),
        composite_app: p("compositeApp"),
        version: p("compositeAppVersion"),
        name: p("deploymentIntentGroup"),
    }
}

/// EMCO appends the DIG name to these texts without a space (sic).
fn conflict(text: &str, dig: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, format!("{text}{dig}"))
}

async fn load_dig(
    ctx: &Ctx,
    dig: &DigRef,
) -> Result<(serde_json::Value, StateInfo, i64), ApiError> {
    let Some((body, _)) = load(ctx, &dig.item()).await? else {
        return Err(ApiError::not_found("DeploymentIntentGroup not found"));
    };
    let Some((state, revision)) = load_state(ctx, &dig.item()).await? else {
        return Err(ApiError::conflict(format!(
            "DeploymentIntentGroup has no state info: {}: DeploymentIntentGroup StateInfo not found",
            dig.name
        )));
    };
    Ok((body, state, revision))
}

/// The ops that hand a context to rsync with `work`, showing `shown` as its status now.
pub fn hand_to_rsync(id: &str, work: &WorkItem, shown: &str) -> Vec<Op> {
    vec![
        Op::Put {
            key: ck::work(id),
            value: serde_json::to_vec(work).unwrap_or_default(),
        },
        Op::Put {
            key: ck::status(id),
            value: json!({ "Status": shown }).to_string().into_bytes(),
        },
        Op::Put {
            key: ck::stop_flag(id),
            value: b"false".to_vec(),
        },
    ]
}

/// `POST DIG/instantiate`.
pub struct Instantiate;

#[async_trait]
impl Handler for Instantiate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let dig = dig_ref(params);
        let (body, mut state, revision) = load_dig(ctx, &dig).await?;
        match state.current_state() {
            "Approved" | "TerminateStopped" => {}
            "Terminated" => {
                let previous = state.current_instance();
                let done = super::context_status(ctx, &previous).await?;
                if !matches!(
                    done.as_deref(),
                    None | Some(status::TERMINATED) | Some(status::TERMINATE_FAILED)
                ) {
                    return Err(ApiError::conflict(
                        "DeploymentIntentGroup is still terminating, instantiate again when its status is Terminated",
                    ));
                }
            }
            "Created" => {
                return Err(conflict(
                    "DeploymentIntentGroup must be Approved before instantiating",
                    &dig.name,
                ));
            }
            "InstantiateStopped" => {
                return Err(conflict(
                    "DeploymentIntentGroup has already been instantiated and stopped",
                    &dig.name,
                ));
            }
            _ => {
                return Err(conflict(
                    "DeploymentIntentGroup has already been instantiated",
                    &dig.name,
                ));
            }
        }
        if ctx
            .store
            .get(&keys::res("controllers/rsync"))
            .await?
            .is_none()
        {
            return Err(ApiError::internal(
                "queryRsyncInfoInMCODB Failed - Could not get find rsync by name : rsync",
            ));
        }
        let id = new_id();
        let spec = dig_context(ctx, &dig, &body, &id).await?;
        state.push("Instantiated", &id, 1);
        state.statusctxid = id.clone();
        let mut txn = record_state(&dig.item(), &state, revision);
        txn.compares.push(Compare::Missing(ck::spec(&id)));
        txn.success.push(put_spec(&spec));
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Instantiate,
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

/// `POST DIG/terminate`: hands the current context to rsync for deletion. A terminate while
/// rsync is still instantiating replaces its work item; rsync stops and deletes (PreTerminate).
pub struct Terminate;

#[async_trait]
impl Handler for Terminate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let dig = dig_ref(params);
        let (_, mut state, revision) = load_dig(ctx, &dig).await?;
        if !matches!(state.current_state(), "Instantiated" | "InstantiateStopped") {
            return Err(ApiError::conflict(format!(
                "DeploymentIntentGroup is not instantiated :{}",
                dig.name
            )));
        }
        let id = state.current_instance();
        state.push("Terminated", &id, 0);
        let mut txn = record_state(&dig.item(), &state, revision);
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Terminate,
            status::TERMINATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

/// `POST DIG/stop`: sets the running context's stop flag; rsync stops at the next step.
pub struct Stop;

#[async_trait]
impl Handler for Stop {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let dig = dig_ref(params);
        let (_, mut state, revision) = load_dig(ctx, &dig).await?;
        let name = &dig.name;
        let next = match state.current_state() {
            "Instantiated" => "InstantiateStopped",
            "Terminated" => "TerminateStopped",
            "Approved" => {
                return Err(ApiError::conflict(format!(
                    "DeploymentIntentGroup has not been instantiated:{name}"
                )));
            }
            "Created" => {
                return Err(ApiError::conflict(format!(
                    "DeploymentIntentGroup have not been approved: {name}"
                )));
            }
            "InstantiateStopped" => {
                return Err(ApiError::conflict(format!(
                    "DeploymentIntentGroup instantiation already stopped: {name}"
                )));
            }
            "TerminateStopped" => {
                return Err(ApiError::conflict(format!(
                    "DeploymentIntentGroup termination already stopped: {name}"
                )));
            }
            other => {
                return Err(ApiError::conflict(format!(
                    "DeploymentIntentGroup is in an invalid state{other}"
                )));
            }
        };
        let id = state.current_instance();
        let running = super::context_status(ctx, &id).await?;
        if !matches!(
            running.as_deref(),
            Some(status::INSTANTIATING) | Some(status::TERMINATING)
        ) {
            return Err(ApiError::conflict(format!(
                "DeploymentIntentGroup is not instantiating or terminating:{name}"
            )));
        }
        state.push(next, &id, state.current_revision());
        let mut txn = record_state(&dig.item(), &state, revision);
        txn.success.push(Op::Put {
            key: context::keys::stop_flag(&id),
            value: b"true".to_vec(),
        });
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

/// The revision of the last action (update and rollback number theirs after it).
fn last_revision(state: &StateInfo) -> i64 {
    state.actions.iter().map(|a| a.revision).max().unwrap_or(0)
}

/// `POST DIG/update`: a new AppContext from the current intents; rsync moves from the
/// current context to it. Answers 202 with the new revision number.
pub struct Update;

#[async_trait]
impl Handler for Update {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let dig = dig_ref(params);
        let (body, mut state, revision) = load_dig(ctx, &dig).await?;
        if !matches!(state.current_state(), "Instantiated" | "InstantiateStopped") {
            return Err(ApiError::conflict(format!(
                "DeploymentIntentGroup is not instantiated :{}",
                dig.name
            )));
        }
        let old = state.current_instance();
        let id = new_id();
        let mut spec = dig_context(ctx, &dig, &body, &id).await?;
        spec.meta.status_context = state.statusctxid.clone();
        let last = last_revision(&state);
        state.push("Updated", &old, last);
        state.push("Instantiated", &id, last + 1);
        let mut txn = record_state(&dig.item(), &state, revision);
        txn.compares.push(Compare::Missing(ck::spec(&id)));
        txn.success.push(put_spec(&spec));
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Update { from: old },
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(
            Reply::Json(StatusCode::ACCEPTED, json!(last + 1)),
            txn,
        ))
    }
}

/// `POST DIG/rollback` with `{"spec":{"revision":"N"}}`: back to the context of revision N.
pub struct Rollback;

#[async_trait]
impl Handler for Rollback {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        const BODY: crate::schema::Ty = crate::schema::Ty::Obj(&[
            crate::schema::Field::new("metadata", crate::schema::META),
            crate::schema::Field::new(
                "spec",
                crate::schema::Ty::Obj(&[crate::schema::Field::new(
                    "revision",
                    crate::schema::Ty::Str,
                )]),
            ),
        ]);
        let body = crate::schema::decode::decode_body(&req.body, "RollbackRequest", &BODY)
            .map_err(|e| match e {
                crate::schema::DecodeError::Empty => ApiError::bad_request("Empty body"),
                other => ApiError::unprocessable(other.to_string()),
            })?;
        let wanted = body
            .pointer("/spec/revision")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        if !crate::schema::validate::is_valid_name(wanted) {
            return Err(ApiError::bad_request(
                "Invalid Input:\nspec.revision: Does not match pattern",
            ));
        }
        let wanted: i64 = wanted.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "strconv.ParseInt: parsing \"{wanted}\": invalid syntax"
            ))
        })?;
        let dig = dig_ref(params);
        let (_, mut state, revision) = load_dig(ctx, &dig).await?;
        let Some(target) = state
            .actions
            .iter()
            .find(|a| a.revision == wanted && !a.instance.is_empty())
            .map(|a| a.instance.clone())
        else {
            return Err(ApiError::bad_request("No matching ContextId found"));
        };
        let old = state.current_instance();
        if target == old {
            return Ok(Outcome::read(Reply::Empty(StatusCode::ACCEPTED)));
        }
        let last = last_revision(&state);
        state.push("Updated", &old, last);
        state.push("Instantiated", &target, last + 1);
        let mut txn = record_state(&dig.item(), &state, revision);
        txn.compares.push(Compare::Exists(ck::spec(&target)));
        txn.success.extend(hand_to_rsync(
            &target,
            &WorkItem::Update { from: old },
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}
