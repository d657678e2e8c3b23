//! `?watch=true`: the status as NDJSON, one document per line, written at once and again each
//! time it changes, until the client goes away or the server shuts down.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use emco_store::{Revision, Store, StoreError};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::{mpsc, watch};

use crate::http::error::ApiError;

/// Changes closer together than this produce one document.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// How long to wait before watching again after the store failed.
const RETRY: Duration = Duration::from_secs(1);

/// The body of a streamed answer.
pub type Body = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// Computes the current document (one line, newline included) and the store prefixes whose
/// changes may change it.
pub type Compute =
    Arc<dyn Fn() -> BoxFuture<'static, Result<(Vec<u8>, Vec<String>), ApiError>> + Send + Sync>;

fn shutdown() -> &'static watch::Sender<bool> {
    static SHUTDOWN: OnceLock<watch::Sender<bool>> = OnceLock::new();
    SHUTDOWN.get_or_init(|| watch::channel(false).0)
}

/// Ends every open status stream, so a graceful shutdown does not wait for watching clients.
pub fn end_streams() {
    shutdown().send_replace(true);
}

/// Computes the first document (its failure is the HTTP answer) and starts the stream.
pub async fn start(store: Arc<dyn Store>, compute: Compute) -> Result<Body, ApiError> {
    let revision = store.revision().await?;
    let (first, watched) = compute().await?;
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(follow(store, compute, tx, first, watched, revision));
    Ok(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (Ok(line), rx))
    })
    .boxed())
}

enum Wake {
    Changed,
    Failed,
    Stop,
}

/// Resolves when the client has gone or the server is stopping.
async fn stopping(tx: &mpsc::Sender<Bytes>) {
    let mut stop = shutdown().subscribe();
    tokio::select! {
        _ = tx.closed() => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

/// Waits for a change after `revision` under any of `prefixes`.
async fn changed(
    store: &dyn Store,
    prefixes: &[String],
    revision: Revision,
    tx: &mpsc::Sender<Bytes>,
) -> Wake {
    let mut watches = Vec::new();
    for prefix in prefixes {
        match store.watch(prefix, revision + 1).await {
            Ok(w) => watches.push(w),
            Err(StoreError::Compacted { .. }) => return Wake::Changed,
            Err(err) => {
                tracing::warn!(%err, "status stream cannot watch the store");
                return Wake::Failed;
            }
        }
    }
    let mut events = stream::select_all(watches);
    tokio::select! {
        _ = stopping(tx) => Wake::Stop,
        event = events.next() => match event {
            Some(Ok(_)) | Some(Err(StoreError::Compacted { .. })) => Wake::Changed,
            Some(Err(err)) => {
                tracing::warn!(%err, "status stream lost its watch");
                Wake::Failed
            }
            None => Wake::Failed,
        },
    }
}

/// Sleeps `d` unless the stream must stop first; true when it must stop.
async fn pause(d: Duration, tx: &mpsc::Sender<Bytes>) -> bool {
    tokio::select! {
        _ = stopping(tx) => true,
        _ = tokio::time::sleep(d) => false,
    }
}

async fn follow(
    store: Arc<dyn Store>,
    compute: Compute,
    tx: mpsc::Sender<Bytes>,
    first: Vec<u8>,
    mut watched: Vec<String>,
    mut revision: Revision,
) {
    let mut last = first.clone();
    if tx.send(first.into()).await.is_err() {
        return;
    }
    let mut retry = false;
    loop {
        let stop = if retry {
            pause(RETRY, &tx).await
        } else {
            match changed(store.as_ref(), &watched, revision, &tx).await {
                Wake::Stop => true,
                Wake::Failed => pause(RETRY, &tx).await,
                Wake::Changed => pause(DEBOUNCE, &tx).await,
            }
        };
        if stop {
            return;
        }
        // Read the revision first: a change after it wakes the next watch.
        let computed = match store.revision().await {
            Ok(r) => compute().await.map(|c| (r, c)),
            Err(err) => Err(err.into()),
        };
        retry = false;
        match computed {
            Ok((r, (doc, prefixes))) => {
                revision = r;
                watched = prefixes;
                if doc != last {
                    last = doc.clone();
                    if tx.send(doc.into()).await.is_err() {
                        return;
                    }
                }
            }
            // A transient store outage: try again shortly.
            Err(err) if err.status.as_u16() == 503 => retry = true,
            // The subject is gone (deleted) or unreadable: the stream ends.
            Err(err) => {
                tracing::debug!(%err, "status stream ends");
                return;
            }
        }
    }
}
