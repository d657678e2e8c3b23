//! One REST service: its route table, and the dispatch that runs each call as exactly one
//! store transaction, with the `Idempotency-Key` record written in that same transaction.

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use emco_store::{Compare, Op, Store, Txn};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{ApiError, plain_text, text};
use super::failpoint;
use super::reply::{Outcome, Reply, StoredReply};
use super::request::Request;
use crate::resources::keys;
use crate::resources::path::{Params, Pattern, split};

/// How long a recorded idempotent response is replayed.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

/// How often a call is re-planned when its transaction lost a race with another writer.
const MAX_ATTEMPTS: usize = 8;

/// What every handler can reach.
#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<dyn Store>,
    /// `orchestrator`, `clm`, `dcm`, `rsync`.
    pub service: &'static str,
    /// Largest accepted upload in bytes.
    pub max_upload: usize,
}

/// A route handler: plans the answer and the transaction; the dispatcher commits.
#[async_trait]
pub trait Handler: Send + Sync {
    async fn handle(&self, ctx: &Ctx, req: &Request, params: &Params) -> Result<Outcome, ApiError>;
}

/// One path pattern with its handlers by method, each with an operation name used for
/// metrics and failpoints (e.g. `dig_approve`, `project.create`).
pub struct Route {
    pub pattern: Pattern,
    pub handlers: Vec<(Method, String, Arc<dyn Handler>)>,
}

/// A service's route table.
#[derive(Default)]
pub struct Routes {
    pub routes: Vec<Route>,
}

impl Routes {
    pub fn add(&mut self, pattern: Pattern, op: &str, method: Method, handler: Arc<dyn Handler>) {
        if let Some(route) = self.routes.iter_mut().find(|r| r.pattern == pattern) {
            route.handlers.push((method, op.to_string(), handler));
            return;
        }
        self.routes.push(Route {
            pattern,
            handlers: vec![(method, op.to_string(), handler)],
        });
    }

    /// The most specific route matching `path` (segments after `/v2/`).
    pub fn find(&self, path: &str) -> Option<(&Route, Params)> {
        let segs = split(path);
        self.routes
            .iter()
            .filter_map(|r| r.pattern.matches(&segs).map(|p| (r, p)))
            .max_by_key(|(r, _)| r.pattern.specificity())
    }
}

/// The recorded outcome of an idempotent call.
#[derive(Debug, Serialize, Deserialize)]
struct IdempotencyRecord {
    request_hash: String,
    at: i64,
    reply: StoredReply,
}

fn request_hash(req: &Request) -> String {
    let mut h = Sha256::new();
    h.update(req.method.as_str());
    h.update(b"\0");
    h.update(req.path.as_bytes());
    h.update(b"?");
    h.update(req.raw_query.as_bytes());
    h.update(b"\0");
    h.update(&req.body);
    hex::encode(h.finalize())
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Runs one API call end to end and turns the result into an HTTP response.
pub async fn dispatch(ctx: &Ctx, routes: &Routes, req: Request) -> Response {
    let Some((route, params)) = routes.find(&req.path) else {
        return plain_text(StatusCode::NOT_FOUND, text::PAGE_NOT_FOUND);
    };
    let Some((op, handler)) = route
        .handlers
        .iter()
        .find(|(m, _, _)| *m == req.method)
        .map(|(_, op, h)| (op.clone(), h.clone()))
    else {
        // gorilla/mux answers a known path with the wrong method with an empty 405.
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    match run(ctx, &op, handler.as_ref(), &req, &params).await {
        Ok(reply) => reply.into_response(),
        Err(err) => err.into_response(),
    }
}

async fn run(
    ctx: &Ctx,
    op: &str,
    handler: &dyn Handler,
    req: &Request,
    params: &Params,
) -> Result<Reply, ApiError> {
    let idem = match req.header("idempotency-key") {
        Some(key) if req.is_mutating() => {
            if key.is_empty() || key.len() > 256 || key.contains(['/', '|']) {
                return Err(ApiError::bad_request(
                    "Idempotency-Key must be 1..256 characters without '/' or '|'",
                ));
            }
            Some((keys::idempotency(ctx.service, key), request_hash(req)))
        }
        _ => None,
    };
    let mut req = req.clone();
    for attempt in 0..MAX_ATTEMPTS {
        req.attempt = attempt;
        let req = &req;
        let mut idem_rev = 0;
        if let Some((key, hash)) = &idem
            && let Some(kv) = ctx.store.get(key).await?
        {
            match serde_json::from_slice::<IdempotencyRecord>(&kv.value) {
                Ok(rec) if now_secs() - rec.at < IDEMPOTENCY_TTL_SECS => {
                    if &rec.request_hash == hash {
                        return Ok(rec.reply.into_reply());
                    }
                    return Err(ApiError::unprocessable(
                        "Idempotency-Key was already used for a different request",
                    ));
                }
                // Expired or unreadable: the key may be used again.
                _ => idem_rev = kv.mod_revision,
            }
        }
        let outcome = handler.handle(ctx, req, params).await?;
        let Some(mut txn) = outcome.txn else {
            return Ok(outcome.reply);
        };
        if let Some((key, hash)) = &idem {
            let record = IdempotencyRecord {
                request_hash: hash.clone(),
                at: now_secs(),
                reply: StoredReply::from_reply(&outcome.reply),
            };
            let value = serde_json::to_vec(&record).map_err(|_| ApiError::generic())?;
            txn.compares.push(Compare::ModRevision {
                key: key.clone(),
                revision: idem_rev,
            });
            txn.success.push(Op::Put {
                key: key.clone(),
                value,
            });
        }
        failpoint::hit(&format!("{}.{op}.before_commit", ctx.service)).await?;
        let committed = ctx.store.txn(txn).await?;
        if committed.succeeded {
            failpoint::hit(&format!("{}.{op}.after_commit", ctx.service)).await?;
            return Ok(outcome.reply);
        }
        // Another writer changed what this call read; plan it again from fresh reads.
        tracing::debug!(op, path = %req.path, "transaction lost a race, re-planning");
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store unavailable: too much contention on this resource, retry later",
    ))
}

/// Removes idempotency records older than their TTL. Called periodically by each service.
pub async fn sweep_idempotency(store: &dyn Store, service: &str) -> Result<usize, ApiError> {
    let prefix = format!("/emco/idem/{service}/");
    let range = store.range(&prefix).await?;
    let mut removed = 0;
    for kv in range.kvs {
        let expired = serde_json::from_slice::<IdempotencyRecord>(&kv.value)
            .map(|r| now_secs() - r.at >= IDEMPOTENCY_TTL_SECS)
            .unwrap_or(true);
        if expired {
            let txn = Txn::new()
                .when(Compare::ModRevision {
                    key: kv.key.clone(),
                    revision: kv.mod_revision,
                })
                .then(Op::Delete { key: kv.key });
            if store.txn(txn).await?.succeeded {
                removed += 1;
            }
        }
    }
    Ok(removed)
}
