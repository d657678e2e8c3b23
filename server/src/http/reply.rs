//! Successful answers and what a handler asks the framework to commit.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use emco_store::Txn;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A success answer. JSON bodies are written with a trailing newline like Go's encoder.
#[derive(Debug)]
pub enum Reply {
    Json(StatusCode, Value),
    /// Already-encoded JSON (records in Go field order, as stored).
    RawJson(StatusCode, String),
    /// Status only, no body (204, and the 202 of most lifecycle calls).
    Empty(StatusCode),
    /// Raw bytes with a content type (kubeconfig, multipart, chart files).
    Bytes(StatusCode, String, Bytes),
    /// A body written as it is produced, with a content type (status `?watch=true`).
    Stream(StatusCode, String, StreamBody),
}

/// A streamed body, sent chunked until the stream ends or the client goes away.
pub struct StreamBody(pub BoxStream<'static, Result<Bytes, std::io::Error>>);

impl std::fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamBody")
    }
}

impl Reply {
    pub fn ok(value: Value) -> Reply {
        Reply::Json(StatusCode::OK, value)
    }
    pub fn created(value: Value) -> Reply {
        Reply::Json(StatusCode::CREATED, value)
    }
    pub fn status(&self) -> StatusCode {
        match self {
            Reply::Json(s, _)
            | Reply::RawJson(s, _)
            | Reply::Empty(s)
            | Reply::Bytes(s, _, _)
            | Reply::Stream(s, _, _) => *s,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, value) => {
                let mut body = serde_json::to_vec(&value).unwrap_or_default();
                body.push(b'\n');
                let mut r = (status, body).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r
            }
            Reply::RawJson(status, text) => {
                let mut r = (status, format!("{text}\n")).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r
            }
            Reply::Empty(status) => status.into_response(),
            Reply::Bytes(status, content_type, data) => {
                let mut r = (status, data).into_response();
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                r
            }
            Reply::Stream(status, content_type, StreamBody(stream)) => {
                let mut r = (status, axum::body::Body::from_stream(stream)).into_response();
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                r
            }
        }
    }
}

/// A handler's result: the answer, and the one transaction that makes it true.
#[derive(Debug)]
pub struct Outcome {
    pub reply: Reply,
    pub txn: Option<Txn>,
}

impl Outcome {
    pub fn read(reply: Reply) -> Outcome {
        Outcome { reply, txn: None }
    }
    pub fn write(reply: Reply, txn: Txn) -> Outcome {
        Outcome {
            reply,
            txn: Some(txn),
        }
    }
}

/// A reply as stored beside an idempotency key, so a reissued call gets the same answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredReply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

impl StoredReply {
    pub fn from_reply(reply: &Reply) -> StoredReply {
        match reply {
            Reply::Json(s, v) => StoredReply {
                status: s.as_u16(),
                content_type: Some("application/json".into()),
                body: v.to_string(),
            },
            Reply::RawJson(s, text) => StoredReply {
                status: s.as_u16(),
                content_type: Some("application/json+raw".into()),
                body: text.clone(),
            },
            // A stream is never the answer of a mutating call; record its status only.
            Reply::Empty(s) | Reply::Stream(s, _, _) => StoredReply {
                status: s.as_u16(),
                content_type: None,
                body: String::new(),
            },
            Reply::Bytes(s, ct, data) => StoredReply {
                status: s.as_u16(),
                content_type: Some(ct.clone()),
                body: String::from_utf8_lossy(data).into_owned(),
            },
        }
    }

    pub fn into_reply(self) -> Reply {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        match self.content_type.as_deref() {
            None => Reply::Empty(status),
            Some("application/json+raw") => Reply::RawJson(status, self.body),
            Some("application/json") => match serde_json::from_str(&self.body) {
                Ok(v) => Reply::Json(status, v),
                Err(_) => Reply::Bytes(status, "application/json".into(), self.body.into()),
            },
            Some(ct) => Reply::Bytes(status, ct.to_string(), self.body.into()),
        }
    }
}
