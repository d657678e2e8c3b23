//! Operations of a run, executed through the emcoctl library (the same code as the CLI) and
//! recorded as invoke, then ok / fail / info, with every call's retries and reissues.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::history::{CallLog, Clock, History, Outcome, Retry};
use super::step::Goal;
use super::wait::{Reads, WaitEnd, wait_for};
use crate::commands::{
    ApplyOptions, CommandError, FileInput, GetFormat, GetOptions, Session, Summary, Target,
    run_apply, run_delete, run_get,
};
use crate::output::Output;

/// What an operation does.
#[derive(Debug, Clone)]
pub enum OpSpec {
    Apply(FileInput),
    Delete(FileInput),
    Get(String),
    Wait {
        anchor: String,
        goal: Goal,
        timeout: Duration,
    },
}

/// An [`Output`] that keeps every line with the time it was written.
#[derive(Debug)]
pub struct Recorder {
    clock: Clock,
    lines: Vec<(u64, bool, String)>,
}

impl Output for Recorder {
    fn out(&mut self, line: &str) {
        self.lines
            .push((self.clock.now_ms(), false, line.to_string()));
    }

    fn err(&mut self, line: &str) {
        self.lines
            .push((self.clock.now_ms(), true, line.to_string()));
    }
}

/// Parses `emcoctl: retry <service> <anchor> (<reason>) attempt <n>, next in <d>`.
pub fn parse_retry(at_ms: u64, line: &str) -> Option<Retry> {
    let rest = line.strip_prefix("emcoctl: retry ")?;
    let (service, rest) = rest.split_once(' ')?;
    let (_anchor, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix('(')?;
    let (reason, tail) = rest.rsplit_once(") attempt ")?;
    let (attempt, next) = tail.split_once(", next in ")?;
    Some(Retry {
        at_ms,
        service: service.to_string(),
        reason: reason.to_string(),
        attempt: attempt.trim().parse().ok()?,
        next_ms: delay_ms(next.trim())?,
    })
}

/// Reads a delay as the client prints it: `400ms`, `1.6s`, `5m0s`, `1h2m3s`.
fn delay_ms(text: &str) -> Option<u64> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().ok();
    }
    let mut total = 0.0;
    let mut number = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'h' | 'm' | 's' => {
                let v: f64 = number.parse().ok()?;
                number.clear();
                total += v * match c {
                    'h' => 3_600_000.0,
                    'm' => 60_000.0,
                    _ => 1000.0,
                };
            }
            _ => return None,
        }
    }
    number.is_empty().then_some(total.round() as u64)
}

/// EMCO's line for a call that got no answer: `Apply:  <anchor> Error:  <reason>`.
fn is_error_line(line: &str) -> bool {
    ["Apply:  ", "Update:  ", "Delete:  ", "Get:  "]
        .iter()
        .any(|p| line.starts_with(p))
        && line.contains(" Error:  ")
}

impl Recorder {
    pub fn new(clock: Clock) -> Recorder {
        Recorder {
            clock,
            lines: Vec::new(),
        }
    }

    /// The calls of `summary`, each with its completion time and the retry notices printed
    /// before it (a call's block or error line follows its retries).
    pub fn calls(&self, summary: &Summary) -> Vec<CallLog> {
        let mut pending = Vec::new();
        let mut done = Vec::new();
        for (at, err, text) in &self.lines {
            if *err && let Some(r) = parse_retry(*at, text) {
                pending.push(r);
            } else if (!*err && text.starts_with("Response Code:")) || (*err && is_error_line(text))
            {
                done.push((*at, std::mem::take(&mut pending)));
            }
        }
        let end = self.clock.now_ms();
        summary
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (done_ms, retries) = done.get(i).cloned().unwrap_or((end, Vec::new()));
                CallLog {
                    method: r.method.clone(),
                    anchor: r.anchor.clone(),
                    status: r.status,
                    attempts: r.attempts,
                    ok: r.ok,
                    done_ms,
                    retries,
                    note: r.note.clone(),
                    error: r.error.clone(),
                    answer: (!r.ok && !r.body.trim().is_empty())
                        .then(|| r.body.trim().lines().next().unwrap_or_default().to_string()),
                }
            })
            .collect()
    }
}

/// The outcome of a command: info when a mutating call got no answer after an attempt that
/// may have reached the server, fail when something was refused, else ok.
pub fn outcome_of(calls: &[CallLog]) -> Outcome {
    let unknown = calls.iter().any(|c| {
        !c.ok
            && c.status.is_none()
            && c.method != "GET"
            && c.retries.iter().any(|r| !r.was_refused())
    });
    if unknown {
        Outcome::Info
    } else if calls.iter().all(|c| c.ok) {
        Outcome::Ok
    } else {
        Outcome::Fail
    }
}

/// Runs operations for one scenario and records them.
#[derive(Clone)]
pub struct Ops {
    pub session: Session,
    pub history: History,
    pub values: PathBuf,
    /// The file operations by id (their documents are what invariant 3 counts).
    pub files: Arc<Mutex<Vec<(usize, OpSpec)>>>,
}

impl Ops {
    fn input(&self, file: PathBuf) -> FileInput {
        FileInput {
            file,
            values: Some(self.values.clone()),
        }
    }

    pub fn apply(&self, file: PathBuf) -> OpSpec {
        OpSpec::Apply(self.input(file))
    }

    pub fn delete(&self, file: PathBuf) -> OpSpec {
        OpSpec::Delete(self.input(file))
    }

    /// Runs one operation to its end; returns its outcome and id in the history.
    pub async fn run(&self, step: &str, spec: OpSpec) -> (Outcome, usize) {
        let id = self.history.invoke(step);
        if matches!(spec, OpSpec::Apply(_) | OpSpec::Delete(_))
            && let Ok(mut files) = self.files.lock()
        {
            files.push((id, spec.clone()));
        }
        let mut out = Recorder::new(self.history.clock);
        let options = |target| ApplyOptions {
            target,
            stop_on_error: true,
            wait: Duration::ZERO,
        };
        let result: Result<Summary, CommandError> = match &spec {
            OpSpec::Apply(input) => {
                run_apply(
                    &self.session,
                    &options(Target::File(input.clone())),
                    &mut out,
                )
                .await
            }
            OpSpec::Delete(input) => {
                run_delete(
                    &self.session,
                    &options(Target::File(input.clone())),
                    &mut out,
                )
                .await
            }
            OpSpec::Get(anchor) => {
                let get = GetOptions {
                    target: Target::Anchor(anchor.clone()),
                    format: GetFormat::Emco,
                };
                run_get(&self.session, &get, &mut out).await
            }
            OpSpec::Wait {
                anchor,
                goal,
                timeout,
            } => {
                return self.wait(id, anchor, goal, *timeout, out).await;
            }
        };
        let (outcome, calls, error) = match result {
            Ok(summary) => {
                let calls = out.calls(&summary);
                (outcome_of(&calls), calls, None)
            }
            Err(e) => (Outcome::Fail, Vec::new(), Some(e.to_string())),
        };
        self.history.complete(id, outcome, calls, 0, error);
        (outcome, id)
    }

    /// A status wait as one operation: each successful read is a call, with the retry
    /// notices printed before it; reads that went through at once are only counted.
    async fn wait(
        &self,
        id: usize,
        anchor: &str,
        goal: &Goal,
        timeout: Duration,
        mut out: Recorder,
    ) -> (Outcome, usize) {
        let mut reads = Reads::new(self.history.clock);
        let end = wait_for(&self.session, anchor, goal, timeout, &mut out, &mut reads).await;
        let mut calls = read_calls(&out, &reads.at_ms, &super::wait::status_anchor(anchor));
        let last = calls.pop();
        let mut kept: Vec<CallLog> = calls
            .into_iter()
            .filter(|c| !c.retries.is_empty())
            .collect();
        kept.extend(last);
        let quiet = reads.at_ms.len().saturating_sub(kept.len());
        let (outcome, error) = match end {
            WaitEnd::Reached(_) => (Outcome::Ok, None),
            WaitEnd::Failed(why) => (Outcome::Fail, Some(why)),
            WaitEnd::TimedOut(seen) => (
                Outcome::Fail,
                Some(format!(
                    "timed out after {timeout:?}; last state {}",
                    seen.as_deref().unwrap_or("unknown")
                )),
            ),
        };
        self.history.complete(id, outcome, kept, quiet, error);
        (outcome, id)
    }
}

/// The reads of a wait as calls. Notices come from the follower that judges the state; its
/// next attempt is due `next in` after a notice, so the first read from then on is its
/// recovery (earlier reads come from the follower that only fills in counts). Notices after
/// the last read form a failed call.
fn read_calls(out: &Recorder, reads: &[u64], anchor: &str) -> Vec<CallLog> {
    let notices: Vec<Retry> = out
        .lines
        .iter()
        .filter(|(_, err, _)| *err)
        .filter_map(|(at, _, t)| parse_retry(*at, t))
        .collect();
    let call = |done_ms: u64, retries: Vec<Retry>, ok: bool| CallLog {
        method: "GET".into(),
        anchor: anchor.to_string(),
        status: ok.then_some(200),
        attempts: retries.len() as u32 + 1,
        ok,
        done_ms,
        retries,
        note: None,
        error: None,
        answer: None,
    };
    let (mut calls, mut pending, mut next) = (Vec::new(), Vec::new(), 0);
    for &at in reads {
        while next < notices.len() && notices[next].at_ms <= at {
            pending.push(notices[next].clone());
            next += 1;
        }
        let due = pending.last().map_or(0, |r: &Retry| r.at_ms + r.next_ms);
        if at + 5 < due {
            calls.push(call(at, Vec::new(), true));
        } else {
            calls.push(call(at, std::mem::take(&mut pending), true));
        }
    }
    pending.extend(notices[next..].iter().cloned());
    if let Some(last) = pending.last().map(|r| r.at_ms) {
        calls.push(call(last, pending, false));
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_notices_parse() {
        let r = parse_retry(
            7,
            "emcoctl: retry orchestrator projects/p1/composite-apps (connection refused) attempt 3, next in 400ms",
        )
        .unwrap();
        assert_eq!(r.service, "orchestrator");
        assert_eq!(r.reason, "connection refused");
        assert_eq!(r.attempt, 3);
        assert_eq!(r.next_ms, 400);
        assert!(r.was_refused());
        let r = parse_retry(
            1,
            "emcoctl: retry dcm a (HTTP 500: x (y)) attempt 1, next in 1s",
        )
        .unwrap();
        assert_eq!(r.reason, "HTTP 500: x (y)");
        assert!(!r.was_refused());
        assert!(parse_retry(1, "emcoctl: POST projects: reissued").is_none());
        for (text, ms) in [
            ("1.6s", 1600),
            ("2s", 2000),
            ("5m0s", 300_000),
            ("1h2m3s", 3_723_000),
            ("0ms", 0),
        ] {
            assert_eq!(delay_ms(text), Some(ms), "{text}");
        }
        assert_eq!(delay_ms("soon"), None);
    }

    fn record(method: &str, ok: bool, status: Option<u16>) -> crate::commands::CallRecord {
        crate::commands::CallRecord {
            method: method.into(),
            anchor: "a".into(),
            url: None,
            status,
            body: String::new(),
            attempts: 1,
            ok,
            note: None,
            error: None,
        }
    }

    #[test]
    fn a_wait_recovers_at_the_first_read_after_its_next_attempt_is_due() {
        let mut rec = Recorder::new(Clock::start());
        rec.lines.push((
            100,
            true,
            "emcoctl: retry dcm s (connection refused) attempt 1, next in 1.5s".into(),
        ));
        let calls = read_calls(&rec, &[50, 900, 1650, 2000], "s");
        let with: Vec<(u64, usize)> = calls.iter().map(|c| (c.done_ms, c.retries.len())).collect();
        assert_eq!(with, [(50, 0), (900, 0), (1650, 1), (2000, 0)]);
        let cut_short = read_calls(&rec, &[50], "s");
        assert_eq!(cut_short.len(), 2);
        assert!(!cut_short[1].ok);
    }

    #[test]
    fn retries_are_attributed_to_the_call_they_precede() {
        let mut rec = Recorder::new(Clock::start());
        rec.err("emcoctl: retry dcm a (connection reset by peer) attempt 1, next in 100ms");
        rec.out("---");
        rec.out("POST  --> URL: http://h/v2/a");
        rec.out("Response Code: 202");
        rec.err("emcoctl: retry dcm b (connection refused) attempt 1, next in 100ms");
        rec.err("Apply:  b Error:  POST http://h/v2/b: connection refused (gave up after 2 attempts in 1s)");
        let summary = Summary {
            records: vec![record("POST", true, Some(202)), record("POST", false, None)],
            ..Summary::default()
        };
        let calls = rec.calls(&summary);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].retries.len(), 1);
        assert_eq!(calls[0].reissues(), 1);
        assert_eq!(calls[1].retries.len(), 1);
        assert_eq!(calls[1].reissues(), 0);
        // Only refused attempts: the call never reached the server.
        assert_eq!(outcome_of(&calls), Outcome::Fail);
        let mut in_doubt = calls.clone();
        in_doubt[1].retries[0].reason = "connection reset by peer".into();
        assert_eq!(outcome_of(&in_doubt), Outcome::Info);
        assert_eq!(outcome_of(&calls[..1]), Outcome::Ok);
    }
}
