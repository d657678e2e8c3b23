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
use super::table::failing_table;
use super::target::{Judgement, WaitTarget};
use super::{OutputMode, StatusError, StatusMode, StatusQuery, Subject};
use crate::client::retry::format_delay;
use crate::commands::{Session, Summary};
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

/// Prints how a wait ended: one line on stderr and, after a failure, the failing resources on
/// stdout.
pub fn report(request: &WaitRequest, outcome: &WaitOutcome, out: &mut dyn Output) {
    let item = &request.subject.item;
    let after = |elapsed: &Duration, retries: &u32| match retries {
        0 => format_delay(*elapsed),
        1 => format!("{}, 1 retry", format_delay(*elapsed)),
        n => format!("{}, {n} retries", format_delay(*elapsed)),
    };
    match outcome {
        WaitOutcome::Reached {
            state,
            elapsed,
            retries,
        } => out.err(&format!(
            "emcoctl: {item} reached {state} ({})",
            after(elapsed, retries)
        )),
        WaitOutcome::Failed {
            state,
            failing,
            elapsed,
            retries,
        } => {
            out.err(&format!(
                "emcoctl: {item} is {state} ({}); {}",
                after(elapsed, retries),
                match failing.len() {
                    0 => "no resource reports Failed".to_string(),
                    1 => "1 resource failed:".to_string(),
                    n => format!("{n} resources failed:"),
                }
            ));
            if !failing.is_empty() {
                out.out(failing_table(request.subject.kind, failing).trim_end());
            }
        }
        WaitOutcome::TimedOut {
            last_state,
            elapsed,
            ..
        } => out.err(&format!(
            "emcoctl: timed out after {} waiting for {item} to reach {} (last state: {})",
            format_delay(*elapsed),
            request.target,
            last_state.as_deref().unwrap_or("unknown")
        )),
    }
}

/// What `apply --wait` waits for after `summary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterApply {
    /// No instantiate or terminate of a DIG or logical cloud was called.
    Nothing,
    /// The last such call failed (its anchor): there is nothing to wait for.
    CallFailed(String),
    /// Wait for the subject of the last such call to reach its target.
    Wait(Subject, WaitTarget),
}

/// The wait for the last instantiate or terminate call of an apply.
pub fn after_apply(summary: &Summary) -> AfterApply {
    let last = summary.records.iter().rev().find_map(|record| {
        let (subject, op) = Subject::of_lifecycle(&record.anchor)?;
        Some((record, subject, WaitTarget::after(&op)?))
    });
    match last {
        None => AfterApply::Nothing,
        Some((record, _, _)) if !record.ok => AfterApply::CallFailed(record.anchor.clone()),
        Some((_, subject, target)) => AfterApply::Wait(subject, target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::CallRecord;
    use crate::output::Captured;

    fn record(anchor: &str, ok: bool) -> CallRecord {
        CallRecord {
            method: "POST".into(),
            anchor: anchor.into(),
            url: None,
            status: Some(if ok { 202 } else { 409 }),
            body: String::new(),
            attempts: 1,
            ok,
            note: None,
            error: None,
        }
    }

    const DIG: &str = "projects/p/composite-apps/ca/v1/deployment-intent-groups/dig";

    #[test]
    fn apply_waits_for_its_last_lifecycle_call() {
        let mut s = Summary::default();
        assert_eq!(after_apply(&s), AfterApply::Nothing);
        s.records.push(record("projects", true));
        s.records.push(record(&format!("{DIG}/approve"), true));
        assert_eq!(after_apply(&s), AfterApply::Nothing);
        s.records.push(record(&format!("{DIG}/instantiate"), true));
        s.records.push(record(
            "projects/p/logical-clouds/lc/cluster-references",
            false,
        ));
        let AfterApply::Wait(subject, target) = after_apply(&s) else {
            panic!("no wait");
        };
        assert_eq!(subject.item, DIG);
        assert_eq!(target, WaitTarget::State("Instantiated"));
        s.records
            .push(record("projects/p/logical-clouds/lc/terminate", false));
        assert_eq!(
            after_apply(&s),
            AfterApply::CallFailed("projects/p/logical-clouds/lc/terminate".into())
        );
    }

    #[test]
    fn outcomes_have_exit_codes_and_messages() {
        let request = WaitRequest::new(
            Subject::parse("projects/p/logical-clouds/lc").unwrap(),
            WaitTarget::State("Instantiated"),
            Duration::from_secs(1),
        );
        let mut out = Captured::default();
        let reached = WaitOutcome::Reached {
            state: "Instantiated".into(),
            elapsed: Duration::from_millis(1500),
            retries: 3,
        };
        assert_eq!(reached.exit_code(), 0);
        report(&request, &reached, &mut out);
        let timed_out = WaitOutcome::TimedOut {
            last_state: Some("Instantiating".into()),
            elapsed: Duration::from_secs(1),
            retries: 0,
        };
        assert_eq!(timed_out.exit_code(), 2);
        report(&request, &timed_out, &mut out);
        let failed = WaitOutcome::Failed {
            state: "InstantiateFailed".into(),
            failing: vec![Row {
                cluster: "p+c1".into(),
                kind: "Namespace".into(),
                name: "ns1".into(),
                deployed: Some("Failed".into()),
                ..Row::default()
            }],
            elapsed: Duration::from_secs(2),
            retries: 0,
        };
        assert_eq!(failed.exit_code(), 1);
        report(&request, &failed, &mut out);
        assert_eq!(
            out.stderr,
            "emcoctl: projects/p/logical-clouds/lc reached Instantiated (1.5s, 3 retries)\n\
             emcoctl: timed out after 1s waiting for projects/p/logical-clouds/lc to reach Instantiated (last state: Instantiating)\n\
             emcoctl: projects/p/logical-clouds/lc is InstantiateFailed (2s); 1 resource failed:\n"
        );
        let cells: Vec<Vec<&str>> = out
            .stdout
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            cells,
            [
                vec!["CLUSTER", "KIND", "NAME", "STATUS"],
                vec!["p+c1", "Namespace", "ns1", "Failed"]
            ]
        );
    }
}
