//! The listener: one accept loop serving the Kubernetes API, the BBS lifecycle API and the
//! admin endpoint, with the injected faults applied per connection and per request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::api;
use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::faults::ErrorKind;
use crate::shutdown::Shutdown;

/// The whole HTTP surface of one simulator.
pub fn app(c: Arc<Cluster>) -> Router {
    Router::new()
        .nest("/admin", crate::admin::router(c.clone()))
        .merge(crate::lrp::api::router(c.lrps.clone()))
        .merge(api::router(c))
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

fn is_admin(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// Whether the first request on a fresh connection is for the admin endpoint.
async fn first_request_is_admin(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    let peek = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match stream.peek(&mut buf).await {
                Ok(n) if n >= buf.len() || buf[..n].contains(&b'\n') || n == 0 => return n,
                Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                Err(_) => return 0,
            }
        }
    })
    .await
    .unwrap_or(0);
    let line = String::from_utf8_lossy(&buf[..peek]);
    line.split_whitespace().nth(1).is_some_and(is_admin)
}

pub async fn serve(listener: TcpListener, c: Arc<Cluster>, shutdown: Shutdown) {
    let app = app(c.clone());
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.wait() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            c.clone(),
            app.clone(),
            shutdown.clone(),
        ));
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    c: Arc<Cluster>,
    app: Router,
    shutdown: Shutdown,
) {
    // While unreachable, only the admin endpoint is served (so the fault can be lifted).
    let admitted_admin = c.faults.is_unreachable();
    if admitted_admin && !first_request_is_admin(&stream).await {
        let _ = stream.set_zero_linger();
        return;
    }
    // A second handle on the socket lets a fault turn the close into a reset.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let Some(twin) = std_stream
        .try_clone()
        .ok()
        .and_then(|s| TcpStream::from_std(s).ok())
    else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let twin = Arc::new(twin);
    let admin_conn = Arc::new(AtomicBool::new(admitted_admin));
    let svc = {
        let (c, twin, admin_conn) = (c.clone(), twin.clone(), admin_conn.clone());
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let (c, app, twin, admin_conn) =
                (c.clone(), app.clone(), twin.clone(), admin_conn.clone());
            async move {
                let req = req.map(Body::new);
                if is_admin(req.uri().path()) {
                    admin_conn.store(true, Ordering::Relaxed);
                    if !peer.ip().is_loopback() {
                        return Ok(api::error_response(&ApiError::forbidden(
                            "the admin endpoint answers loopback clients only",
                        )));
                    }
                    return app.oneshot(req).await.map_err(|e| match e {});
                }
                let d = c.faults.decide();
                if !d.delay.is_zero() {
                    tokio::time::sleep(d.delay).await;
                }
                match d.error {
                    Some(ErrorKind::Status500) => Ok(api::error_response(&ApiError::internal(
                        "injected fault: internal error",
                    ))),
                    Some(ErrorKind::Reset) => {
                        let _ = twin.set_zero_linger();
                        Err(Dropped)
                    }
                    None => app.oneshot(req).await.map_err(|e| match e {}),
                }
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    let mut unreachable = c.faults.watch_unreachable();
    let cut = async {
        loop {
            if unreachable.wait_for(|u| *u).await.is_err() {
                return std::future::pending::<()>().await;
            }
            if !admin_conn.load(Ordering::Relaxed) {
                return;
            }
            if unreachable.wait_for(|u| !*u).await.is_err() {
                return std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        }
        _ = cut => {
            let _ = twin.set_zero_linger();
        }
        _ = shutdown.wait() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.as_mut()).await;
        }
    }
}
