//! Waiting for a DIG or logical cloud to reach a state: two followers (the deployed and the
//! ready summary; the target's mode decides, the other fills in the counts), a deadline, and
//! the outcome.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::doc::Row;
use super::fetch::fetch;
use super::follow::{Event, Follow, POLL_INTERVAL};
use super::progress::{LineProgress, Progress, progress_line};
use super::target::{Judgement, WaitTarget};
use super::{OutputMode, StatusError, StatusMode, StatusQuery, Subject};
use crate::commands::Session;
use crate::output::Output;

/// What to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitRequest {
    pub subject: Subject,
    pub target: WaitTarget,
    pub timeout: Duration,
    /// Filters for the counts shown (apps, clusters, resources, instance); the status mode
    /// and output are the wait's own.
    pub filters: StatusQuery,
    /// Follow the server's status stream when it has one (else GET every `poll`).
    pub stream: bool,
    pub poll: Duration,
}

impl WaitRequest {
    pub fn new(subject: Subject, target: WaitTarget, timeout: Duration) -> WaitRequest {
        WaitRequest {
            subject,
            target,
            timeout,
            filters: StatusQuery::default(),
            stream: true,
            poll: POLL_INTERVAL,
        }
    }
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The target was reached. `retries` counts failed reads on the way.
    Reached {
        state: String,
        elapsed: Duration,
        retries: u32,
    },
    /// rsync gave up (`InstantiateFailed`, ...); `failing` lists the resources whose deployed
    /// status is `Failed`.
    Failed {
        state: String,
        failing: Vec<Row>,
        elapsed: Duration,
        retries: u32,
    },
    /// The deadline passed; the last state seen, if any.
    TimedOut {
        last_state: Option<String>,
        elapsed: Duration,
        retries: u32,
    },
}

impl WaitOutcome {
    /// emcoctl's exit code: 0 reached, 1 failed, 2 timed out.
    pub fn exit_code(&self) -> u8 {
        match self {
            WaitOutcome::Reached { .. } => 0,
            WaitOutcome::Failed { .. } => 1,
            WaitOutcome::TimedOut { .. } => 2,
        }
    }
}

/// Waits until the DIG or logical cloud at `anchor` reaches `target` (an AppContext status
/// such as `Instantiated`, or `Ready`), for at most `timeout`. Progress and retry notices go to
/// `out`'s stderr, one line per change.
pub async fn wait_for(
    session: &Session,
    anchor: &str,
    target: &str,
    timeout: Duration,
    out: &mut dyn Output,
) -> Result<WaitOutcome, StatusError> {
    let request = WaitRequest::new(Subject::parse(anchor)?, target.parse()?, timeout);
    let mut progress = LineProgress::new(request.subject.name());
    wait(session, &request, out, &mut progress).await
}

/// Which follower an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The target's mode: its documents decide.
    Judge,
    /// The other mode: only counts.
    Counts,
}

/// Waits as `request` says, showing progress on `progress`. Errors: a bad request, or a
/// definite answer (the DIG or cloud does not exist, a filter is invalid).
pub async fn wait(
    session: &Session,
    request: &WaitRequest,
    out: &mut dyn Output,
    progress: &mut dyn Progress,
) -> Result<WaitOutcome, StatusError> {
    if request.timeout.is_zero() {
        return Err(StatusError::Usage(
            "the wait timeout must be more than 0".into(),
        ));
    }
    let started = Instant::now();
    let deadline = started + request.timeout;
    let quiet = session.client().options().quiet;
    let judge_mode = request.target.mode();
    let count_mode = match judge_mode {
        StatusMode::Deployed => StatusMode::Ready,
        StatusMode::Ready => StatusMode::Deployed,
    };
    let (tx, mut rx) = mpsc::channel(16);
    // Dropping the set at the end aborts both followers.
    let mut followers = JoinSet::new();
    for (role, mode) in [(Role::Judge, judge_mode), (Role::Counts, count_mode)] {
        let query = request.filters.with(mode, OutputMode::Summary);
        let follow = Follow::new(session, &request.subject, &query, request.stream)?
            .poll_every(request.poll);
        followers.spawn(follow.run(role, tx.clone()));
    }
    drop(tx);
    let (mut judged, mut counted): (Option<Value>, Option<Value>) = (None, None);
    let (mut retries, mut last_state) = (0, None);
    let ended = loop {
        let event = tokio::select! {
            event = rx.recv() => event,
            () = tokio::time::sleep_until(deadline) => break None,
        };
        let Some((role, event)) = event else {
            progress.finish();
            return Err(StatusError::Stopped(request.subject.item.clone()));
        };
        match (role, event) {
            (Role::Judge, Event::Doc { doc, .. }) => {
                let judgement = request.target.judge(&doc);
                judged = Some(doc);
                progress.update(&line(judge_mode, &judged, &counted), out);
                match judgement {
                    Judgement::Pending(state) => last_state = state,
                    done => break Some(done),
                }
            }
            (Role::Counts, Event::Doc { doc, .. }) => {
                counted = Some(doc);
                progress.update(&line(judge_mode, &judged, &counted), out);
            }
            (Role::Judge, Event::Retry(notice)) => {
                retries += 1;
                if !quiet {
                    progress.note(&notice, out);
                }
            }
            (Role::Judge, Event::Fatal(e)) => {
                progress.finish();
                return Err(e);
            }
            // Only the judging follower's troubles matter; the counts beside may go missing.
            (Role::Counts, Event::Retry(_) | Event::Fatal(_)) => {}
        }
    };
    drop(followers);
    progress.finish();
    let elapsed = started.elapsed();
    Ok(match ended {
        Some(Judgement::Failed(state)) => WaitOutcome::Failed {
            failing: failing_rows(session, request, out).await,
            state,
            elapsed,
            retries,
        },
        Some(Judgement::Reached(state)) => WaitOutcome::Reached {
            state,
            elapsed,
            retries,
        },
        Some(Judgement::Pending(_)) | None => WaitOutcome::TimedOut {
            last_state,
            elapsed,
            retries,
        },
    })
}

fn line(judge_mode: StatusMode, judged: &Option<Value>, counted: &Option<Value>) -> String {
    match judge_mode {
        StatusMode::Deployed => progress_line(judged.as_ref(), counted.as_ref()),
        StatusMode::Ready => progress_line(counted.as_ref(), judged.as_ref()),
    }
}

/// The resources whose deployed status is `Failed` (one read, with the client's retries).
async fn failing_rows(session: &Session, request: &WaitRequest, out: &mut dyn Output) -> Vec<Row> {
    let query = request.filters.with(StatusMode::Deployed, OutputMode::All);
    match fetch(session, &request.subject, &query, out).await {
        Ok(fetched) => super::doc::StatusDoc(&fetched.doc)
            .rows()
            .into_iter()
            .filter(|r| r.deployed.as_deref() == Some("Failed"))
            .collect(),
        Err(e) => {
            out.err(&format!("emcoctl: cannot list the failing resources: {e}"));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_have_exit_codes() {
        let d = Duration::from_secs(1);
        let reached = WaitOutcome::Reached {
            state: "Instantiated".into(),
            elapsed: d,
            retries: 0,
        };
        let failed = WaitOutcome::Failed {
            state: "InstantiateFailed".into(),
            failing: Vec::new(),
            elapsed: d,
            retries: 0,
        };
        let timed_out = WaitOutcome::TimedOut {
            last_state: None,
            elapsed: d,
            retries: 0,
        };
        assert_eq!(
            [reached, failed, timed_out].map(|o| o.exit_code()),
            [0, 1, 2]
        );
    }
}
