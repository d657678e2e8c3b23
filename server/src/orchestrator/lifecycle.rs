//! DIG lifecycle calls handled by the REST layer: approve (the rest belong to the
//! deployment flow). Each call reads the StateInfo and appends one action in one transaction.

use async_trait::async_trait;
use axum::http::StatusCode;
use emco_store::{Compare, Op, Txn};

use super::hooks::{dig_error, load_state};
use super::kinds::DIG;
use crate::http::error::ApiError;
use crate::http::reply::{Outcome, Reply};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::resources::keys;
use crate::resources::path::{Params, Pattern};

/// Resolves the DIG item path from the route's parameters.
pub fn dig_item(params: &Params) -> Result<String, ApiError> {
    Pattern::parse(DIG)
        .fill(params)
        .ok_or_else(ApiError::generic)
}

/// `POST DIG/approve`.
pub struct Approve;

#[async_trait]
impl Handler for Approve {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let item = dig_item(params)?;
        let dig = params.get("deploymentIntentGroup").unwrap_or("");
        if ctx.store.get(&keys::res(&item)).await?.is_none() {
            return Err(ApiError::not_found("DeploymentIntentGroup not found"));
        }
        let Some((mut state, revision)) = load_state(ctx, &item).await? else {
            return Err(ApiError::conflict(format!(
                "DeploymentIntentGroup has no state info: {dig}: DeploymentIntentGroup StateInfo not found"
            )));
        };
        // EMCO answers these with 500; they are state conflicts, so 409 with the same text.
        match state.current_state() {
            "Created" | "Terminated" | "Updated" => {}
            "Approved" => return Ok(Outcome::read(Reply::Empty(StatusCode::ACCEPTED))),
            "Instantiated" => {
                return Err(dig_error(
                    StatusCode::CONFLICT,
                    "DeploymentIntentGroup has already been instantiated",
                    dig,
                ));
            }
            "InstantiateStopped" | "TerminateStopped" => {
                return Err(dig_error(
                    StatusCode::CONFLICT,
                    "DeploymentIntentGroup is in an unknown state",
                    state.current_state(),
                ));
            }
            other => {
                return Err(dig_error(
                    StatusCode::CONFLICT,
                    "DeploymentIntentGroup is in an invalid state",
                    other,
                ));
            }
        }
        state.push("Approved", "", 0);
        let key = keys::state(&item);
        let txn = Txn::new()
            .when(Compare::ModRevision {
                key: key.clone(),
                revision,
            })
            .then(Op::Put {
                key,
                value: state.to_bytes(),
            });
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}
