//! Following a status as it changes: the server's stream (`?watch=true`, one document per line)
//! when it offers one, else a GET every second. Refused connections, resets, a dropped stream,
//! 5xx answers and bodies that are not JSON are all tried again with backoff, each reported as
//! one retry notice, until whoever listens stops listening.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use super::{StatusError, StatusQuery, Subject};
use crate::client::classify::{Failure, FailureKind};
use crate::client::stream::{AttemptError, Opened};
use crate::client::{Call, Client, RetryPolicy, get_call, retry_notice};
use crate::commands::Session;
use crate::resource::one_line;
use crate::routing::url_for;

/// How often a server without a stream is asked again.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Longest one stream request stays open; it is then opened again.
const STREAM_LIMIT: Duration = Duration::from_secs(3600);

/// What a follower reports.
#[derive(Debug)]
pub enum Event {
    /// A document that differs from the previous one, parsed and as received.
    Doc { doc: Value, text: String },
    /// One failed attempt, as a retry notice line.
    Retry(String),
    /// A definite answer (4xx): following ends.
    Fatal(StatusError),
}

/// One status to follow.
#[derive(Debug, Clone)]
pub struct Follow {
    client: Client,
    /// The GET of the status with its query; its anchor names it in notices.
    call: Call,
    stream: bool,
    poll: Duration,
    policy: RetryPolicy,
}

/// What one attempt came to.
enum Step {
    /// Go on after this pause, with a fresh backoff.
    Again(Duration),
    /// Try again with backoff; `fresh` when documents arrived before the failure.
    Failed {
        failure: Failure,
        fresh: bool,
    },
    Fatal(StatusError),
    /// Nobody listens any more.
    Closed,
}

impl Follow {
    /// Follows the status of `subject` with `query`; `stream` tries the server's stream first.
    pub fn new(
        session: &Session,
        subject: &Subject,
        query: &StatusQuery,
        stream: bool,
    ) -> Result<Follow, StatusError> {
        let anchor = subject.status_anchor(&query.encode());
        let (service, url) = url_for(session.config(), &anchor)?;
        Ok(Follow {
            client: session.client().clone(),
            call: get_call(service, &anchor, &url, false),
            stream,
            poll: POLL_INTERVAL,
            policy: session.client().options().retry.clone(),
        })
    }

    /// Polls every `interval` instead of the default second.
    pub fn poll_every(mut self, interval: Duration) -> Follow {
        self.poll = interval;
        self
    }

    /// Sends `(tag, event)` for every change and every failed attempt until the receiver is
    /// dropped or a definite answer ends it.
    pub async fn run<T: Copy + Send>(self, tag: T, tx: mpsc::Sender<(T, Event)>) {
        let mut streaming = self.stream;
        let mut last = None;
        let mut backoff = self.policy.backoff();
        let mut failures = 0;
        loop {
            let step = if streaming {
                self.stream_once(&mut streaming, &mut last, tag, &tx).await
            } else {
                self.poll_once(&mut last, tag, &tx).await
            };
            let delay = match step {
                Step::Again(delay) => {
                    (failures, backoff) = (0, self.policy.backoff());
                    delay
                }
                Step::Failed { failure, fresh } => {
                    if fresh {
                        (failures, backoff) = (0, self.policy.backoff());
                    }
                    failures += 1;
                    let computed = backoff.next().unwrap_or(self.policy.max_delay);
                    let delay = self.policy.delay_for(failure.kind, computed);
                    let notice = retry_notice(&self.call, &failure, failures, delay);
                    if tx.send((tag, Event::Retry(notice))).await.is_err() {
                        return;
                    }
                    delay
                }
                Step::Fatal(e) => {
                    let _ = tx.send((tag, Event::Fatal(e))).await;
                    return;
                }
                Step::Closed => return,
            };
            tokio::time::sleep(delay).await;
        }
    }

    async fn poll_once<T: Copy>(
        &self,
        last: &mut Option<Value>,
        tag: T,
        tx: &mpsc::Sender<(T, Event)>,
    ) -> Step {
        match self.client.get_once(&self.call).await {
            Ok(body) => match deliver(&body, last, tag, tx).await {
                Ok(()) => Step::Again(self.poll),
                Err(step) => step,
            },
            Err(e) => self.failed(e),
        }
    }

    async fn stream_once<T: Copy>(
        &self,
        streaming: &mut bool,
        last: &mut Option<Value>,
        tag: T,
        tx: &mpsc::Sender<(T, Event)>,
    ) -> Step {
        let url = with_watch(&self.call.url);
        let mut lines = match self.client.open_lines(&self.call, &url, STREAM_LIMIT).await {
            Ok(Opened::Lines(lines)) => lines,
            // A whole document: this server does not stream, so poll it from now on.
            Ok(Opened::Document(body)) => {
                return match deliver(&body, last, tag, tx).await {
                    Ok(()) => {
                        *streaming = false;
                        Step::Again(self.poll)
                    }
                    Err(step) => step,
                };
            }
            // Refused by a server that does not know the parameter: the plain GET decides.
            Err(AttemptError {
                answer: Some((400..=499, _)),
                ..
            }) => {
                *streaming = false;
                return Step::Again(Duration::ZERO);
            }
            Err(e) => return self.failed(e),
        };
        let mut fresh = false;
        loop {
            let failure = match lines.next_line().await {
                Ok(Some(line)) => match deliver(&line, last, tag, tx).await {
                    Ok(()) => {
                        fresh = true;
                        continue;
                    }
                    Err(Step::Failed { failure, .. }) => failure,
                    Err(step) => return step,
                },
                Ok(None) => Failure {
                    kind: FailureKind::InDoubt,
                    reason: "the status stream ended".into(),
                    retry_after: None,
                },
                Err(failure) => failure,
            };
            return Step::Failed { failure, fresh };
        }
    }

    /// A 4xx ends following; anything else (no answer, 5xx, HTML) is tried again.
    fn failed(&self, e: AttemptError) -> Step {
        match e.answer {
            Some((status @ 400..=499, body)) => Step::Fatal(StatusError::Api {
                url: self.call.url.clone(),
                status,
                text: one_line(&body),
            }),
            _ => Step::Failed {
                failure: e.failure,
                fresh: false,
            },
        }
    }
}

/// Parses one document and sends it if it differs from the last one.
async fn deliver<T>(
    text: &str,
    last: &mut Option<Value>,
    tag: T,
    tx: &mpsc::Sender<(T, Event)>,
) -> Result<(), Step> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Step::Failed {
        failure: not_json(text, &e),
        fresh: false,
    })?;
    if last.as_ref() == Some(&doc) {
        return Ok(());
    }
    *last = Some(doc.clone());
    let event = Event::Doc {
        doc,
        text: text.trim().to_string(),
    };
    tx.send((tag, event)).await.map_err(|_| Step::Closed)
}

/// A status answer that is not JSON: what EMCO's polling scripts choked on
/// (`parse error: Invalid numeric literal`); here it is one more reason to try again.
fn not_json(text: &str, e: &serde_json::Error) -> Failure {
    let first = one_line(text);
    let shown: String = first.chars().take(60).collect();
    Failure {
        kind: FailureKind::InDoubt,
        reason: format!("answer is not JSON ({e}): {shown:?}"),
        retry_after: None,
    }
}

/// The status URL with `watch=true` added.
fn with_watch(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}watch=true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_is_added_to_the_query() {
        assert_eq!(
            with_watch("http://h/v2/x/status"),
            "http://h/v2/x/status?watch=true"
        );
        assert_eq!(
            with_watch("http://h/v2/x/status?status=ready"),
            "http://h/v2/x/status?status=ready&watch=true"
        );
    }

    #[test]
    fn non_json_reason_quotes_the_start_of_the_body() {
        let text = "Internal Server Error\n";
        let e = serde_json::from_str::<Value>(text).unwrap_err();
        let f = not_json(text, &e);
        assert_eq!(f.kind, FailureKind::InDoubt);
        assert!(
            f.reason
                .starts_with("answer is not JSON (expected value at line 1 column 1)"),
            "{}",
            f.reason
        );
        assert!(
            f.reason.ends_with("\"Internal Server Error\""),
            "{}",
            f.reason
        );
    }
}
