//! Watches: newline-delimited JSON events streamed over a chunked response, resumable from a
//! resourceVersion, with bookmarks, timeouts and `410 Expired` when the history is gone.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use futures::StreamExt;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::cluster::Cluster;
use crate::error::ApiError;
use crate::ops;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{Event, EventType};

pub struct WatchRequest {
    pub rt: Arc<ResourceType>,
    pub ns: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub resource_version: String,
    pub timeout: Option<u64>,
    pub bookmarks: bool,
    pub send_initial: bool,
}

impl WatchRequest {
    fn in_scope(&self, ev: &Event) -> bool {
        ev.key.res == self.rt.key
            && self
                .ns
                .as_deref()
                .is_none_or(|ns| !self.rt.namespaced || ev.key.ns == ns)
    }

    fn matches(&self, key: &crate::store::ObjKey, json: &str) -> bool {
        ops::selected(key, json, &self.labels, &self.fields)
    }

    /// The event as this watcher sees it: leaving the selected set reads as a deletion.
    fn translate(&self, ev: &Event) -> Option<EventType> {
        if !self.in_scope(ev) {
            return None;
        }
        let now = self.matches(&ev.key, &ev.obj);
        if self.labels.is_empty() && self.fields.is_empty() {
            return Some(ev.ty);
        }
        let before = ev.prev.as_ref().is_some_and(|p| self.matches(&ev.key, p));
        match (ev.ty, before, now) {
            (EventType::Deleted, _, m) => m.then_some(EventType::Deleted),
            (_, false, true) => Some(EventType::Added),
            (_, true, true) => Some(EventType::Modified),
            (_, true, false) => Some(EventType::Deleted),
            (_, false, false) => None,
        }
    }
}

fn line(ty: &str, obj: &str) -> Bytes {
    Bytes::from(format!("{{\"type\":\"{ty}\",\"object\":{obj}}}\n"))
}

fn bookmark(rt: &ResourceType, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let obj = json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta});
    line("BOOKMARK", &obj.to_string())
}

fn expired(message: String) -> Bytes {
    line("ERROR", &ApiError::gone(message).status().to_string())
}

pub fn serve(c: Arc<Cluster>, req: WatchRequest) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    tokio::spawn(run(c, req, tx));
    let body = Body::from_stream(ReceiverStream::new(rx).map(Ok::<_, Infallible>));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

async fn run(c: Arc<Cluster>, req: WatchRequest, tx: mpsc::Sender<Bytes>) {
    let from: Option<u64> = match req.resource_version.as_str() {
        "" | "0" => None,
        rv => match rv.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let _ = tx
                    .send(expired(format!("invalid resourceVersion {rv:?}")))
                    .await;
                return;
            }
        },
    };
    let mut initial = Vec::new();
    let (past, mut rx, mut last_rv) = match from {
        Some(rv) => match c.store.watch_from(rv) {
            Ok((past, rx)) => (past, rx, rv),
            Err(too_old) => {
                let msg = format!(
                    "too old resource version: {rv} ({})",
                    too_old.oldest.saturating_sub(1)
                );
                let _ = tx.send(expired(msg)).await;
                return;
            }
        },
        None => {
            // Without a version the watch starts with the current objects as ADDED events.
            let ns = if req.rt.namespaced {
                req.ns.as_deref()
            } else {
                None
            };
            loop {
                let (rv, items) = c.store.list(&req.rt.key, ns);
                if let Ok((past, rx)) = c.store.watch_from(rv) {
                    initial = items
                        .into_iter()
                        .filter(|(k, j)| req.matches(k, j))
                        .map(|(_, j)| j)
                        .collect();
                    break (past, rx, rv);
                }
            }
        }
    };
    for obj in &initial {
        if tx.send(line("ADDED", obj)).await.is_err() {
            return;
        }
    }
    if req.send_initial && req.bookmarks && tx.send(bookmark(&req.rt, last_rv, true)).await.is_err()
    {
        return;
    }
    for ev in past {
        last_rv = ev.rv;
        if let Some(ty) = req.translate(&ev)
            && tx.send(line(ty.as_str(), &ev.obj)).await.is_err()
        {
            return;
        }
    }
    let deadline = tokio::time::sleep(
        req.timeout
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(u64::MAX / 4)),
    );
    tokio::pin!(deadline);
    let mut ticks = tokio::time::interval(c.bookmark_interval.max(Duration::from_millis(10)));
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            _ = tx.closed() => return,
            _ = ticks.tick(), if req.bookmarks => {
                if tx.send(bookmark(&req.rt, last_rv.max(c.store.current_rv()), false)).await.is_err() {
                    return;
                }
            }
            r = rx.recv() => match r {
                Ok(ev) => {
                    last_rv = ev.rv;
                    if let Some(ty) = req.translate(&ev)
                        && tx.send(line(ty.as_str(), &ev.obj)).await.is_err()
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = tx.send(expired(format!("watch fell behind at resource version {last_rv}"))).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Registry;
    use crate::store::ObjKey;
    use serde_json::Value;

    #[test]
    fn selector_watch_turns_leaving_into_deleted() {
        let reg = Registry::default();
        let rt = reg.find("", "v1", "configmaps").expect("cm");
        let req = WatchRequest {
            rt: rt.clone(),
            ns: Some("a".into()),
            labels: LabelSelector::parse("app=x").expect("sel"),
            fields: FieldSelector::default(),
            resource_version: String::new(),
            timeout: None,
            bookmarks: false,
            send_initial: false,
        };
        let key = ObjKey::new(&rt.key, "a", "c");
        let with = |l: Value| -> Arc<str> {
            Arc::from(json!({"metadata": {"name": "c", "labels": l}}).to_string())
        };
        let ev = |ty, obj: Arc<str>, prev: Option<Arc<str>>| Event {
            rv: 1,
            ty,
            key: key.clone(),
            obj,
            prev,
        };
        assert_eq!(
            req.translate(&ev(EventType::Added, with(json!({"app": "x"})), None)),
            Some(EventType::Added)
        );
        assert_eq!(
            req.translate(&ev(
                EventType::Modified,
                with(json!({"app": "y"})),
                Some(with(json!({"app": "x"})))
            )),
            Some(EventType::Deleted)
        );
        assert_eq!(
            req.translate(&ev(
                EventType::Modified,
                with(json!({"app": "x"})),
                Some(with(json!({"app": "y"})))
            )),
            Some(EventType::Added)
        );
        assert_eq!(
            req.translate(&ev(EventType::Added, with(json!({"app": "y"})), None)),
            None
        );
        let other_ns = Event {
            rv: 1,
            ty: EventType::Added,
            key: ObjKey::new(&rt.key, "b", "c"),
            obj: with(json!({"app": "x"})),
            prev: None,
        };
        assert_eq!(req.translate(&other_ns), None);
    }
}
