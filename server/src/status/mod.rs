//! Status queries of deployment intent groups and logical clouds, with EMCO's JSON shapes
//! (emco-api.md 7), plus a streaming variant (`?watch=true`, NDJSON).
//!
//! `query` parses the parameters, `build` turns a StateInfo, an AppContext and what was
//! observed into the document (`shape`), `resources` and `ready` hold the per-resource rules,
//! `observed` reads the store, `stream` follows changes.

pub mod build;
pub mod compact;
mod observed;
pub mod query;
pub mod ready;
pub mod resources;
pub mod shape;
pub mod stream;

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::StatusCode;
use serde_json::Value;

pub use build::{Input, Selection, build, select};
pub use observed::{
    Observed, load_context_status, load_observed, load_observed_as, load_observed_for, load_spec,
};
pub use query::{Listing, Mode, Output, Query, Target};
pub use shape::{Identity, StatusDoc};
pub use stream::end_streams;

use crate::deploy::context::keys as context_keys;
use crate::http::error::ApiError;
use crate::http::reply::{Outcome, Reply, StreamBody};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::orchestrator::hooks::load_state;
use crate::resources::keys;
use crate::resources::path::{Params, Pattern};

/// Whose status is asked for.
#[derive(Debug, Clone)]
pub struct Subject {
    pub target: Target,
    /// Item path of the DIG or logical cloud record (its StateInfo sits beside it).
    pub item: String,
    pub id: Identity,
}

fn param(params: &Params, name: &str) -> String {
    params.get(name).unwrap_or("").to_string()
}

fn subject(target: Target, params: &Params) -> Result<Subject, ApiError> {
    let pattern = match target {
        Target::DeploymentIntentGroup => crate::orchestrator::kinds::DIG,
        Target::LogicalCloud => crate::dcm::LC,
    };
    let item = Pattern::parse(pattern)
        .fill(params)
        .ok_or_else(ApiError::generic)?;
    let id = match target {
        Target::DeploymentIntentGroup => Identity {
            project: param(params, "project"),
            composite_app: param(params, "compositeApp"),
            composite_app_version: param(params, "compositeAppVersion"),
            name: param(params, "deploymentIntentGroup"),
            ..Default::default()
        },
        Target::LogicalCloud => Identity {
            project: param(params, "project"),
            name: param(params, "logicalCloud"),
            ..Default::default()
        },
    };
    Ok(Subject { target, item, id })
}

/// Reads what `query` needs, builds the document, and names the store keys and prefixes whose
/// changes can change it.
pub async fn compute(
    ctx: &Ctx,
    subject: &Subject,
    query: &Query,
) -> Result<(StatusDoc, Vec<String>), ApiError> {
    let mut id = subject.id.clone();
    let Some((record, _)) = crate::resources::engine::load(ctx, &subject.item).await? else {
        return Err(ApiError::bad_request(match subject.target {
            Target::DeploymentIntentGroup => {
                "Not finding the deploymentIntentGroup: DeploymentIntentGroup not found"
            }
            Target::LogicalCloud => "Logical Cloud not found",
        }));
    };
    if subject.target == Target::DeploymentIntentGroup {
        id.composite_profile = record
            .pointer("/spec/compositeProfile")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
    }
    let Some((state, _)) = load_state(ctx, &subject.item).await? else {
        let what = match subject.target {
            Target::DeploymentIntentGroup => "deploymentIntentGroup",
            Target::LogicalCloud => "Logical Cloud",
        };
        return Err(ApiError::bad_request(format!(
            "{what} state not found: {}",
            subject.id.name
        )));
    };
    let selection = select(&state, query.instance.as_deref())?;
    let mut watched = vec![keys::res(&subject.item), keys::state(&subject.item)];
    let (mut spec, mut context_status, mut observed) = (None, None, Observed::default());
    if !selection.current.is_empty() {
        let current = &selection.current;
        spec = load_spec(ctx, current).await?;
        context_status = load_context_status(ctx, current).await?;
        let readiness = query.mode.readiness();
        let full = query.output == Output::Detail;
        let status_ctx = &selection.status_context;
        observed = load_observed_as(ctx, status_ctx, readiness, full).await?;
        watched.push(context_keys::prefix(&selection.status_context));
        if selection.status_context != *current {
            observed = observed.or_from(&load_observed_as(ctx, current, readiness, full).await?);
            watched.push(context_keys::prefix(current));
        }
    }
    let input = Input {
        target: subject.target,
        id,
        state: &state,
        spec: spec.as_deref(),
        context_status: context_status.as_deref(),
        observed: &observed,
    };
    Ok((build(&input, query)?, watched))
}

/// Answers one status request: the document, or with `watch` a stream of documents.
async fn answer(ctx: &Ctx, subject: Subject, query: Query) -> Result<Outcome, ApiError> {
    if !query.watch {
        let (doc, _) = compute(ctx, &subject, &query).await?;
        let body = doc.to_bytes().into();
        return Ok(Outcome::read(Reply::Bytes(
            StatusCode::OK,
            "application/json".into(),
            body,
        )));
    }
    let (owned_ctx, subject, query) = (ctx.clone(), Arc::new(subject), Arc::new(query));
    let follow: stream::Compute = Arc::new(move || {
        let (ctx, subject, query) = (owned_ctx.clone(), subject.clone(), query.clone());
        Box::pin(async move {
            compute(&ctx, &subject, &query)
                .await
                .map(|(doc, w)| (doc.to_bytes(), w))
        })
    });
    let body = stream::start(ctx.store.clone(), follow).await?;
    Ok(Outcome::read(Reply::Stream(
        StatusCode::OK,
        "application/x-ndjson".into(),
        StreamBody(body),
    )))
}

/// `GET .../deployment-intent-groups/{dig}/status`.
pub struct DigStatus;

#[async_trait]
impl Handler for DigStatus {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let query = Query::parse(&req.query, Target::DeploymentIntentGroup)?;
        answer(ctx, subject(Target::DeploymentIntentGroup, params)?, query).await
    }
}

/// `GET .../logical-clouds/{lc}/status`.
pub struct LcStatus;

#[async_trait]
impl Handler for LcStatus {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError> {
        let query = Query::parse(&req.query, Target::LogicalCloud)?;
        answer(ctx, subject(Target::LogicalCloud, params)?, query).await
    }
}
