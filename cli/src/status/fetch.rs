//! One status read through the client's retry policy.

use serde_json::Value;

use super::{StatusError, StatusQuery, Subject};
use crate::client::get_call;
use crate::commands::Session;
use crate::output::Output;
use crate::resource::one_line;
use crate::routing::url_for;

/// A status document as received and as parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub url: String,
    /// The body exactly as the server sent it.
    pub body: String,
    pub doc: Value,
}

/// GETs the status of `subject` with `query`; retry notices go to `out`. An answer that is not
/// 2xx, or not JSON, is an error.
pub async fn fetch(
    session: &Session,
    subject: &Subject,
    query: &StatusQuery,
    out: &mut dyn Output,
) -> Result<Fetched, StatusError> {
    let anchor = subject.status_anchor(&query.encode());
    let (service, url) = url_for(session.config(), &anchor)?;
    let call = get_call(service, &anchor, &url, false);
    let reply = session.client().execute(&call, out).await?;
    if !reply.ok() {
        return Err(StatusError::Api {
            url,
            status: reply.status,
            text: one_line(&reply.body),
        });
    }
    match serde_json::from_str(&reply.body) {
        Ok(doc) => Ok(Fetched {
            url,
            body: reply.body,
            doc,
        }),
        Err(e) => Err(StatusError::NotJson {
            url,
            reason: e.to_string(),
        }),
    }
}

/// GETs the status of the DIG or logical cloud at `anchor` (with or without `/status`).
pub async fn fetch_status(
    session: &Session,
    anchor: &str,
    query: &StatusQuery,
    out: &mut dyn Output,
) -> Result<Value, StatusError> {
    let subject = Subject::parse(anchor)?;
    Ok(fetch(session, &subject, query, out).await?.doc)
}
