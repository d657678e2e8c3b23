//! Serving one service over HTTP: the `/v2` API, `/metrics`, `/healthz`, clean shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use super::error::plain_text;
use super::metrics::{self, Metrics};
use super::request::Request;
use super::service::{Ctx, Routes, dispatch, sweep_idempotency};

struct App {
    ctx: Ctx,
    routes: Routes,
}

async fn api(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(path) = parts.uri.path().strip_prefix("/v2/") else {
        return plain_text(StatusCode::NOT_FOUND, super::error::text::PAGE_NOT_FOUND);
    };
    let limit = app.ctx.max_upload + 1024 * 1024;
    let bytes = match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(b) => b,
        Err(_) => {
            return plain_text(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "File Size Exceeds {} MB",
                    app.ctx.max_upload / (1024 * 1024)
                ),
            );
        }
    };
    let req = Request::new(
        parts.method,
        path,
        parts.uri.query().unwrap_or(""),
        parts.headers,
        bytes,
    );
    dispatch(&app.ctx, &app.routes, req).await
}

/// Binds `listen` and serves until `shutdown` resolves; writes the bound address to
/// `addr_file` (atomically) once accepting, so scripts can use port 0.
pub async fn serve(
    ctx: Ctx,
    routes: Routes,
    listen: SocketAddr,
    addr_file: Option<&Path>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = bind(listen).await?;
    serve_on(ctx, routes, listener, addr_file, shutdown).await
}

/// Binds `listen` (port 0 picks a free port); the caller learns the port from the listener.
pub async fn bind(listen: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))
}

/// Serves on an already bound listener.
pub async fn serve_on(
    ctx: Ctx,
    routes: Routes,
    listener: TcpListener,
    addr_file: Option<&Path>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    super::failpoint::init_from_env().map_err(|e| anyhow::anyhow!("FAILPOINTS: {e}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(service = ctx.service, %addr, "listening");
    if let Some(path) = addr_file {
        write_atomic(path, &addr.to_string())?;
    }
    let metrics = Metrics::new(ctx.service);
    let sweeper = tokio::spawn(sweep_forever(ctx.clone()));
    let app = Arc::new(App { ctx, routes });
    let metrics_for_route = metrics.clone();
    let router = Router::new()
        .route(
            "/metrics",
            get(move || async move { metrics_for_route.encode() }),
        )
        .route(
            "/healthz",
            get(|| async { (StatusCode::OK, "ok\n").into_response() }),
        )
        .fallback(api)
        .with_state(app)
        // Exists only in builds with the `failpoints` feature; refuses non-loopback peers.
        .merge(super::failpoint::admin_router())
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::record,
        ));
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Open status watch streams would otherwise hold the shutdown until clients leave.
            crate::status::end_streams();
        })
        .await;
    sweeper.abort();
    result.context("serving HTTP")
}

/// Store revisions of change history kept for watchers to resume from.
const KEEP_REVISIONS: i64 = 200_000;

async fn sweep_forever(ctx: Ctx) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(err) = sweep_idempotency(ctx.store.as_ref(), ctx.service).await {
            tracing::warn!(%err, "idempotency sweep failed");
        }
        // The store keeps every change for watches; only recent history is ever needed.
        // Compacting twice from two processes is harmless.
        match ctx.store.revision().await {
            Ok(rev) if rev > KEEP_REVISIONS => {
                if let Err(err) = ctx.store.compact(rev - KEEP_REVISIONS).await {
                    tracing::warn!(%err, "store compaction failed");
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "reading the store revision failed"),
        }
    }
}

/// Writes `contents` to `path` via a temporary file and a rename, so readers never see a
/// partial file.
pub fn write_atomic(path: &Path, contents: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
