//! `status`: one read of a DIG's or logical cloud's status, shown as a table, JSON or YAML;
//! and the waits of `status --wait-for` and `apply --wait`.

use std::time::Duration;

use super::{Session, Summary};
use crate::output::Output;
use crate::status::table::{TableInput, render};
use crate::status::{
    OutputMode, StatusError, StatusMode, StatusQuery, Subject, WaitOutcome, WaitRequest,
    WaitTarget, fetch, pretty, progress, report, wait,
};

/// How `status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StatusFormat {
    /// Header lines and one row per resource, deployed and ready status side by side.
    #[default]
    Table,
    /// EMCO's JSON as the server sent it, indented.
    Json,
    /// The same as YAML.
    Yaml,
}

/// Options of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusOptions {
    pub subject: Subject,
    pub query: StatusQuery,
    pub format: StatusFormat,
}

/// Runs `emcoctl status`. JSON and YAML show the one answer to exactly the query given; the
/// table asks for the deployed and the ready status (unless `--status` picks one) and merges
/// them.
pub async fn run_status(
    session: &Session,
    options: &StatusOptions,
    out: &mut dyn Output,
) -> Result<(), StatusError> {
    let (subject, query) = (&options.subject, &options.query);
    if options.format != StatusFormat::Table {
        let fetched = fetch(session, subject, query, out).await?;
        let text = match options.format {
            StatusFormat::Yaml => pretty::yaml(&fetched.body),
            _ => pretty::json(&fetched.body),
        };
        let text = text.map_err(|reason| StatusError::NotJson {
            url: fetched.url,
            reason,
        })?;
        out.out(text.trim_end());
        return Ok(());
    }
    // Detail adds manifests, which a table does not show.
    let output = match query.output {
        Some(OutputMode::Summary) => OutputMode::Summary,
        _ => OutputMode::All,
    };
    let modes: &[StatusMode] = match query.status {
        Some(StatusMode::Deployed) => &[StatusMode::Deployed],
        Some(StatusMode::Ready) => &[StatusMode::Ready],
        None => &[StatusMode::Deployed, StatusMode::Ready],
    };
    let (mut deployed, mut ready) = (None, None);
    for mode in modes {
        let doc = fetch(session, subject, &query.with(*mode, output), out)
            .await?
            .doc;
        match mode {
            StatusMode::Deployed => deployed = Some(doc),
            StatusMode::Ready => ready = Some(doc),
        }
    }
    let table = render(&TableInput {
        kind: subject.kind,
        deployed: deployed.as_ref(),
        ready: ready.as_ref(),
        rows: output != OutputMode::Summary,
    });
    out.out(table.trim_end());
    Ok(())
}

/// Waits as `request` says, with a progress bar on a terminal (else one stderr line per
/// change), and reports the outcome (the failing resources on stdout).
pub async fn run_wait(
    session: &Session,
    request: &WaitRequest,
    out: &mut dyn Output,
) -> Result<WaitOutcome, StatusError> {
    let mut progress = progress::for_stderr(request.subject.name());
    let outcome = wait(session, request, out, progress.as_mut()).await?;
    report(request, &outcome, out);
    Ok(outcome)
}

/// `apply --wait`: waits for the last instantiate or terminate call of the apply to be done;
/// `None` (said on stderr) when there is nothing to wait for.
pub async fn wait_after_apply(
    session: &Session,
    summary: &Summary,
    timeout: Duration,
    stream: bool,
    out: &mut dyn Output,
) -> Result<Option<WaitOutcome>, StatusError> {
    match after_apply(summary) {
        AfterApply::Nothing => {
            out.err("emcoctl: --wait: no instantiate or terminate call to wait for");
            Ok(None)
        }
        AfterApply::CallFailed(anchor) => {
            out.err(&format!(
                "emcoctl: --wait: {anchor} failed, nothing to wait for"
            ));
            Ok(None)
        }
        AfterApply::Wait(subject, target) => {
            let request = WaitRequest {
                stream,
                ..WaitRequest::new(subject, target, timeout)
            };
            run_wait(session, &request, out).await.map(Some)
        }
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
}
