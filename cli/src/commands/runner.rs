//! The loop shared by the commands: route, call, print as EMCO does, count, stop or go on.

use std::fmt::Display;
use std::time::Duration;

use reqwest::Method;

use super::{CallRecord, CommandError, GetFormat, Summary};
use crate::client::verify::{ReissueCheck, created_check, lifecycle_check};
use crate::client::{Call, Reply, Verdict};
use crate::output::{ACCEPTED_WAITING, Output, error_line, print_call};
use crate::resource::{Document, Payload, one_line};
use crate::routing::{RouteError, url_for};

use super::Session;
use super::rules::get_accepts_json;

/// Whether the command goes on with the next document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// The command name EMCO prints in error lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Apply,
    Update,
    Delete,
    Get,
}

impl Op {
    fn label(self) -> &'static str {
        match self {
            Op::Apply => "Apply",
            Op::Update => "Update",
            Op::Delete => "Delete",
            Op::Get => "Get",
        }
    }
}

/// How a refused reissue of this call can be confirmed.
pub(crate) enum CheckFor<'d> {
    None,
    /// A POST: a lifecycle check for lifecycle anchors, else a create check of the document.
    Post(Option<&'d Document>),
    Delete,
}

pub(crate) struct Runner<'a> {
    session: &'a Session,
    out: &'a mut dyn Output,
    op: Op,
    stop_on_error: bool,
    wait: Duration,
    format: GetFormat,
    summary: Summary,
    bodies_printed: usize,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(session: &'a Session, out: &'a mut dyn Output, op: Op) -> Runner<'a> {
        Runner {
            session,
            out,
            op,
            stop_on_error: false,
            wait: Duration::ZERO,
            format: GetFormat::Emco,
            summary: Summary::default(),
            bodies_printed: 0,
        }
    }

    pub(crate) fn stop_on_error(mut self, stop: bool, wait: Duration) -> Runner<'a> {
        self.stop_on_error = stop;
        self.wait = wait;
        self
    }

    pub(crate) fn format(mut self, format: GetFormat) -> Runner<'a> {
        self.format = format;
        self
    }

    pub(crate) fn skip(&mut self) {
        self.summary.skipped += 1;
    }

    pub(crate) fn finish(self) -> Summary {
        self.summary
    }

    /// After `delete -f` terminated a DIG or logical cloud, waits until it has finished
    /// terminating, so the DELETEs that follow do not meet a resource still being torn down
    /// (EMCO's own scripts poll between the two steps by hand).
    pub(crate) async fn settle_terminate(&mut self, anchor: &str, timeout: Duration) {
        let succeeded = self
            .summary
            .records
            .last()
            .is_some_and(|r| r.ok && r.anchor == anchor);
        let Some((subject, op)) = crate::status::Subject::of_lifecycle(anchor) else {
            return;
        };
        let Some(target) = crate::status::WaitTarget::after(&op) else {
            return;
        };
        if !succeeded {
            return;
        }
        let request = crate::status::WaitRequest::new(subject, target, timeout);
        if let Err(err) = super::status::run_wait(self.session, &request, self.out).await {
            self.out
                .err(&format!("emcoctl: waiting for {anchor} to finish: {err}"));
        }
    }

    /// A failure that is not an API error: one line, counted, and (except for `get`) stop.
    pub(crate) fn not_sent(&mut self, method: &Method, anchor: &str, err: &dyn Display) -> Flow {
        let text = one_line(&err.to_string());
        self.out.err(&error_line(self.op.label(), anchor, &text));
        self.summary.failed += 1;
        self.summary.records.push(CallRecord {
            method: method.to_string(),
            anchor: anchor.to_string(),
            url: None,
            status: None,
            body: String::new(),
            attempts: 0,
            ok: false,
            note: None,
            error: Some(text),
        });
        if self.op == Op::Get {
            Flow::Continue
        } else {
            self.summary.stopped = true;
            Flow::Stop
        }
    }

    /// Routes, calls (with retries) and reports one logical call.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        anchor: &str,
        payload: Payload,
        check: CheckFor<'_>,
    ) -> Result<Flow, CommandError> {
        let config = self.session.config();
        let (service, url) = match url_for(config, anchor) {
            Ok(found) => found,
            Err(RouteError::Config(e)) => return Err(CommandError::Fatal(e)),
            Err(e) => return Ok(self.not_sent(&method, anchor, &e)),
        };
        let check = match check {
            CheckFor::None => Ok(ReissueCheck::None),
            CheckFor::Delete => Ok(ReissueCheck::Deleted),
            CheckFor::Post(doc) => match lifecycle_check(config, anchor) {
                Ok(ReissueCheck::None) => match doc {
                    Some(doc) => created_check(config, doc),
                    None => Ok(ReissueCheck::None),
                },
                other => other,
            },
        };
        let check = match check {
            Ok(check) => check,
            Err(RouteError::Config(e)) => return Err(CommandError::Fatal(e)),
            Err(_) => ReissueCheck::None,
        };
        let call = Call {
            accept_json: method == Method::GET && get_accepts_json(anchor),
            method,
            service,
            anchor: anchor.to_string(),
            url,
            payload,
            check,
        };
        match self.session.client().execute(&call, &mut *self.out).await {
            Ok(reply) => Ok(self.report(&call, reply).await),
            Err(e) => Ok(self.not_sent(&call.method, anchor, &e)),
        }
    }

    async fn report(&mut self, call: &Call, reply: Reply) -> Flow {
        let ok = reply.ok();
        match self.format {
            GetFormat::Emco => print_call(
                &mut *self.out,
                call.method.as_str(),
                &call.url,
                reply.status,
                &reply.body,
            ),
            GetFormat::Json | GetFormat::Yaml if ok => self.print_body(&reply.body),
            GetFormat::Json | GetFormat::Yaml => {
                let why = format!("HTTP {}: {}", reply.status, one_line(&reply.body));
                self.out
                    .err(&error_line(self.op.label(), &call.anchor, &why));
            }
        }
        let note = match &reply.verdict {
            Verdict::Confirmed(note) | Verdict::Rejected(note) => {
                self.out
                    .err(&format!("emcoctl: {} {}: {note}", call.method, call.anchor));
                Some(note.clone())
            }
            Verdict::Success | Verdict::ApiError => None,
        };
        self.summary.records.push(CallRecord {
            method: call.method.to_string(),
            anchor: call.anchor.clone(),
            url: Some(call.url.clone()),
            status: Some(reply.status),
            body: reply.body.clone(),
            attempts: reply.attempts,
            ok,
            note,
            error: None,
        });
        if ok {
            self.summary.succeeded += 1;
            let waits = call.method == Method::POST || call.method == Method::PUT;
            if reply.status == 202 && waits {
                self.out.out(ACCEPTED_WAITING);
                if !self.wait.is_zero() {
                    tokio::time::sleep(self.wait).await;
                }
            }
            return Flow::Continue;
        }
        self.summary.failed += 1;
        if self.stop_on_error && self.op != Op::Get {
            self.summary.stopped = true;
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    /// `get -o json|yaml`: the body alone; text that is not JSON is printed as it is.
    fn print_body(&mut self, body: &str) {
        if body.trim().is_empty() {
            return;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
            self.out.out(body.trim());
            return;
        };
        let text = match self.format {
            GetFormat::Yaml => {
                let yaml = serde_saphyr::to_string(&value).unwrap_or_else(|_| value.to_string());
                let sep = if self.bodies_printed == 0 {
                    ""
                } else {
                    "---\n"
                };
                format!("{sep}{}", yaml.trim_end())
            }
            _ => serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()),
        };
        self.out.out(&text);
        self.bodies_printed += 1;
    }
}
