//! Logical cloud lifecycle: instantiate, terminate and stop (emco-api.md 8.3-8.6).
//!
//! Like the DIG calls, each writes its AppContext, StateInfo and rsync work item in one
//! transaction. A level-1 cloud's AppContext carries the namespace, a CSR for the cloud's user,
//! roles and quotas; rsync approves the CSR and stores the user's kubeconfig once signed.

use async_trait::async_trait;
use axum::http::StatusCode;
use emco_store::Op;
use serde_json::{Value, json};

use super::cloud::cloud_context;
use super::context::{ContextSpec, WorkItem, keys as ck, new_id, status};
use super::dig::hand_to_rsync;
use super::{put_spec, record_state};
use crate::dcm::lc_context_status;
use crate::http::error::ApiError;
use crate::http::reply::{Outcome, Reply};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::orchestrator::hooks::load_state;
use crate::resources::engine::{list_items, load};
use crate::resources::keys;
use crate::resources::path::Params;

/// The app name EMCO gives a logical cloud's resources.
pub const LC_APP: &str = "logical-cloud";

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn lc_item(params: &Params) -> (String, String, String) {
    let project = params.get("project").unwrap_or("").to_string();
    let name = params.get("logicalCloud").unwrap_or("").to_string();
    (
        format!("projects/{project}/logical-clouds/{name}"),
        project,
        name,
    )
}

/// `POST LC/instantiate`.
pub struct Instantiate;

#[async_trait]
impl Handler for Instantiate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, project, name) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        let references = list_items(ctx, &format!("{item}/cluster-references"), 1).await?;
        if references.is_empty() {
            return Err(ApiError::bad_request("No Cluster References associated"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let mut ops = Vec::new();
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => {}
            Some(status::TERMINATED) => {
                // EMCO deletes the terminated context before building a new one.
                if let Some(old) = Some(state.current_instance()).filter(|i| !i.is_empty()) {
                    ops.push(Op::DeletePrefix {
                        prefix: ck::prefix(&old),
                    });
                }
            }
            Some(status::TERMINATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud can't be re-instantiated yet, it is being terminated",
                ));
            }
            Some(status::INSTANTIATED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already instantiated",
                ));
            }
            Some(status::INSTANTIATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already instantiating",
                ));
            }
            Some(status::INSTANTIATE_FAILED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed instantiating before, please terminate and try again",
                ));
            }
            Some(_) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed terminating, please delete the Logical Cloud",
                ));
            }
        }
        let id = new_id();
        let (spec, more) =
            cloud_context(ctx, &item, &project, &name, &lc, &references, &id).await?;
        ops.extend(more);
        let next_revision = state.current_revision() + 1;
        state.push("Instantiated", &id, next_revision);
        state.statusctxid = id.clone();
        let mut txn = record_state(&item, &state, revision);
        txn.success.push(put_spec(&spec));
        txn.success.extend(ops);
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Instantiate,
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

trait OrCreated {
    fn unwrap_or_default_pair(self) -> (crate::state::StateInfo, i64);
}

impl OrCreated for Option<(crate::state::StateInfo, i64)> {
    /// A cloud created before StateInfo existed behaves as just created.
    fn unwrap_or_default_pair(self) -> (crate::state::StateInfo, i64) {
        self.unwrap_or_else(|| (crate::state::StateInfo::created(), 0))
    }
}

/// `POST LC/terminate`.
pub struct Terminate;

#[async_trait]
impl Handler for Terminate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, _, _) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        // Only DIGs reference logical clouds; their state does not matter (8.4).
        if !ctx
            .store
            .range(&keys::refs_in_prefix(&item))
            .await?
            .kvs
            .is_empty()
        {
            return Err(ApiError::bad_request(
                "Found at least one DIG associated with Logical Cloud attempted to be terminated",
            ));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => return Ok(Outcome::read(Reply::Empty(StatusCode::ACCEPTED))),
            Some(status::TERMINATED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has already been terminated",
                ));
            }
            Some(status::TERMINATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already being terminated",
                ));
            }
            Some(status::INSTANTIATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is still instantiating",
                ));
            }
            Some(status::INSTANTIATED) | Some(status::INSTANTIATE_FAILED) => {}
            Some(_) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed terminating, please delete the Logical Cloud",
                ));
            }
        }
        let id = state.latest_instance().unwrap_or_default();
        let next_revision = state.current_revision() + 1;
        state.push("Terminated", &id, next_revision);
        state.statusctxid = id.clone();
        let mut txn = record_state(&item, &state, revision);
        if s(&lc, "/spec/level") != "0" {
            let ns = s(&lc, "/spec/namespace");
            for r in list_items(ctx, &format!("{item}/cluster-references"), 1).await? {
                let key = keys::cloud_config(
                    s(&r, "/spec/clusterProvider"),
                    s(&r, "/spec/cluster"),
                    "1",
                    ns,
                );
                txn.success.push(Op::Delete { key });
            }
        }
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Terminate,
            status::TERMINATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

/// `POST LC/stop`: answers 200 (sic) and sets the stop flag.
pub struct Stop;

#[async_trait]
impl Handler for Stop {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, _, name) = lc_item(params);
        if load(ctx, &item).await?.is_none() {
            return Err(ApiError::not_found("Logical Cloud not found"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let next = match state.current_state() {
            "Created" => {
                return Err(ApiError::conflict(format!(
                    "LogicalCloud has not been asked to instantiate: {name}"
                )));
            }
            "Instantiated" => "InstantiateStopped",
            "Terminated" => "TerminateStopped",
            "InstantiateStopped" | "TerminateStopped" => {
                return Err(ApiError::conflict(format!(
                    "LogicalCloud is already stopped: {name}"
                )));
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "LogicalCloud is in an invalid state: {other}"
                )));
            }
        };
        let id = state.current_instance();
        state.push(next, &id, state.current_revision());
        let txn = record_state(&item, &state, revision).then(Op::Put {
            key: ck::stop_flag(&id),
            value: b"true".to_vec(),
        });
        Ok(Outcome::write(Reply::Empty(StatusCode::OK), txn))
    }
}

/// `POST LC/update`: a fresh context from the current references, permissions and quotas;
/// rsync moves from the old context to it (adding or removing clusters). Answers 202 with an
/// empty logical cloud object (sic).
pub struct Update;

#[async_trait]
impl Handler for Update {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, project, name) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        let empty = json!({"metadata": {"name": "", "description": "", "userData1": "", "userData2": ""},
            "spec": {"namespace": "", "level": "", "labels": null, "user": {"userName": "", "type": ""}}});
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => return Ok(Outcome::read(Reply::Json(StatusCode::ACCEPTED, empty))),
            Some(status::INSTANTIATED) => {}
            Some(_) => {
                return Err(ApiError::conflict(
                    "Logical Cloud is not in a state where a cluster can be created",
                ));
            }
        }
        let references = list_items(ctx, &format!("{item}/cluster-references"), 1).await?;
        if references.is_empty() {
            return Err(ApiError::bad_request("No Cluster References associated"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let old = state.latest_instance().unwrap_or_default();
        let id = new_id();
        let (mut spec, ops) =
            cloud_context(ctx, &item, &project, &name, &lc, &references, &id).await?;
        spec.meta.status_context = state.statusctxid.clone();
        // A CSR's spec is immutable on a cluster: keep the previous context's request.
        if let Some(previous) = ctx
            .store
            .get(&ck::spec(&old))
            .await?
            .and_then(|kv| serde_json::from_slice::<ContextSpec>(&kv.value).ok())
        {
            let old_csr = previous
                .apps
                .iter()
                .flat_map(|a| &a.clusters)
                .flat_map(|c| &c.resources)
                .find(|r| r.name.ends_with("+CertificateSigningRequest"))
                .cloned();
            if let Some(old_csr) = old_csr {
                for r in spec
                    .apps
                    .iter_mut()
                    .flat_map(|a| a.clusters.iter_mut())
                    .flat_map(|c| c.resources.iter_mut())
                {
                    if r.name == old_csr.name {
                        r.manifest = old_csr.manifest.clone();
                    }
                }
            }
        }
        let next_revision = state.current_revision() + 1;
        state.push("Updated", &id, next_revision);
        let mut txn = record_state(&item, &state, revision);
        txn.success.push(put_spec(&spec));
        txn.success.extend(ops);
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Update { from: old },
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(
            Reply::Json(StatusCode::ACCEPTED, empty),
            txn,
        ))
    }
}
