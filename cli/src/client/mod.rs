//! The HTTP client: one logical call = attempts under the retry/reissue contract.
//!
//! Every failure is classified (see [`classify`]); refused, in-doubt and transient failures
//! are tried again within the retry budget. Mutating calls carry one `Idempotency-Key` for all
//! their attempts. When a reissue is refused as a duplicate, [`verify`] decides whether an
//! earlier attempt already did the work.

mod body;
pub mod classify;
mod reissue;
pub mod retry;
pub mod stream;
pub mod verify;

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use tokio::time::Instant;

use crate::config::Service;
use crate::output::Output;
use crate::resource::Payload;
use body::{Encoded, encode};
use classify::{Failure, FailureKind, classify_response, classify_transport};
pub use retry::RetryPolicy;
use verify::ReissueCheck;

/// The header that makes a reissued mutating call exactly-once on the bundled server.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub retry: RetryPolicy,
    /// Silences the per-retry notices on stderr.
    pub quiet: bool,
    pub connect_timeout: Duration,
    /// Limit of one attempt (connect, send, answer); hitting it after sending is "in doubt".
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            token: None,
            retry: RetryPolicy::default(),
            quiet: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientBuildError(String);

/// One logical call. Owned data, so each attempt rebuilds its request (multipart forms
/// cannot be cloned or replayed).
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub service: Service,
    pub anchor: String,
    pub url: String,
    pub payload: Payload,
    /// Sends `Accept: application/json` (single apps, profiles, clusters...).
    pub accept_json: bool,
    pub check: ReissueCheck,
}

/// How a call ended when the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx answer.
    Success,
    /// A non-2xx answer (or an answer that kept failing until the budget ran out).
    ApiError,
    /// A reissue was refused as a duplicate, and the check showed an earlier attempt did
    /// the work. The note says how it was confirmed.
    Confirmed(String),
    /// A reissue was refused and the check did not confirm it; the note says why.
    Rejected(String),
}

/// The last answer of a logical call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub attempts: u32,
    pub verdict: Verdict,
}

impl Reply {
    /// Whether the call did what it asked.
    pub fn ok(&self) -> bool {
        matches!(self.verdict, Verdict::Success | Verdict::Confirmed(_))
    }
}

/// The call got no answer within the retry budget.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {url}: {reason}{}", gave_up(*.attempts, *.elapsed))]
pub struct CallError {
    pub method: Method,
    pub url: String,
    pub reason: String,
    pub kind: FailureKind,
    pub attempts: u32,
    pub elapsed: Duration,
}

fn gave_up(attempts: u32, elapsed: Duration) -> String {
    if attempts <= 1 {
        String::new()
    } else {
        format!(
            " (gave up after {attempts} attempts in {})",
            retry::format_delay(elapsed)
        )
    }
}

/// One HTTP answer, read completely.
struct Answer {
    status: u16,
    body: String,
}

/// The outcome of one attempt.
enum Attempt {
    /// An answer and, when it is not a success, how it failed.
    Answered(Answer, Option<Failure>),
    /// No answer at all.
    NoAnswer(Failure),
}

/// What the attempts of one call came to.
struct Attempts {
    answer: Answer,
    /// The last answer is itself a failure (the budget ran out on it).
    failed: Option<Failure>,
    count: u32,
    /// An earlier attempt may have changed server state.
    maybe_applied: bool,
}

/// The emcoctl HTTP client (cheap to clone; connections are pooled).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    options: ClientOptions,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Client, ClientBuildError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("emcoctl/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .build()
            .map_err(|e| ClientBuildError(e.to_string()))?;
        Ok(Client { http, options })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Runs one logical call: attempts within the retry budget, then the reissue check.
    pub async fn execute(&self, call: &Call, out: &mut dyn Output) -> Result<Reply, CallError> {
        let key = is_mutating(&call.method).then(|| uuid::Uuid::new_v4().to_string());
        let attempts = self.attempts(call, key.as_deref(), out).await?;
        let Attempts {
            answer,
            failed,
            count,
            maybe_applied,
        } = attempts;
        let verdict = match failed {
            None => Verdict::Success,
            Some(f) if f.kind != FailureKind::Definite => Verdict::ApiError,
            Some(_) if maybe_applied => self.check_reissue(call, &answer, out).await,
            Some(_) => Verdict::ApiError,
        };
        Ok(Reply {
            status: answer.status,
            body: answer.body,
            attempts: count,
            verdict,
        })
    }

    /// Attempts until success, a definite answer, or the end of the budget.
    async fn attempts(
        &self,
        call: &Call,
        key: Option<&str>,
        out: &mut dyn Output,
    ) -> Result<Attempts, CallError> {
        let started = Instant::now();
        let body = encode(&call.payload).await.map_err(|reason| CallError {
            method: call.method.clone(),
            url: call.url.clone(),
            reason,
            kind: FailureKind::Definite,
            attempts: 0,
            elapsed: started.elapsed(),
        })?;
        let mut schedule = self.options.retry.schedule();
        let mut count = 0;
        let mut maybe_applied = false;
        loop {
            count += 1;
            let finish = |answer, failed| Attempts {
                answer,
                failed,
                count,
                maybe_applied,
            };
            let (answer, failure) = match self.send_once(call, key, body.as_ref()).await {
                Attempt::Answered(answer, None) => return Ok(finish(answer, None)),
                Attempt::Answered(answer, Some(f)) if f.kind == FailureKind::Definite => {
                    return Ok(finish(answer, Some(f)));
                }
                Attempt::Answered(answer, Some(f)) => (Some(answer), f),
                Attempt::NoAnswer(f) => (None, f),
            };
            let Some(delay) = schedule.next_delay(&failure) else {
                return match answer {
                    Some(answer) => Ok(finish(answer, Some(failure))),
                    None => Err(CallError {
                        method: call.method.clone(),
                        url: call.url.clone(),
                        reason: failure.reason,
                        kind: failure.kind,
                        attempts: count,
                        elapsed: started.elapsed(),
                    }),
                };
            };
            maybe_applied |= failure.may_have_applied();
            if !self.options.quiet {
                out.err(&retry_notice(call, &failure, count, delay));
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The request of one attempt, without its body: method, URL, token, key, `Accept`.
    fn request(&self, call: &Call, url: &str, key: Option<&str>) -> reqwest::RequestBuilder {
        let mut request = self.http.request(call.method.clone(), url);
        if let Some(token) = &self.options.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        if call.accept_json {
            request = request.header(ACCEPT, "application/json");
        }
        request
    }

    /// One attempt: the answer (with its classification) or a transport failure.
    async fn send_once(&self, call: &Call, key: Option<&str>, body: Option<&Encoded>) -> Attempt {
        let mut request = self.request(call, &call.url, key);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, body.content_type.as_str())
                .body(body.bytes.clone());
        }
        match request.send().await {
            Ok(response) => read_answer(response).await,
            Err(e) => Attempt::NoAnswer(classify_transport(&e)),
        }
    }
}

/// Reads a whole answer and classifies it.
async fn read_answer(response: reqwest::Response) -> Attempt {
    let status = response.status().as_u16();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(CONTENT_TYPE);
    let retry_after = header(RETRY_AFTER);
    // A body cut short means the answer is unknown: the call is in doubt.
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return Attempt::NoAnswer(cut_short(&e)),
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let failure = classify_response(
        status,
        content_type.as_deref(),
        &body,
        retry_after.as_deref(),
    );
    Attempt::Answered(Answer { status, body }, failure)
}

/// A body that broke off after the request was sent: the outcome is unknown.
fn cut_short(e: &reqwest::Error) -> Failure {
    let mut f = classify_transport(e);
    f.kind = FailureKind::InDoubt;
    f
}

/// A GET of `url` with no reissue check.
pub fn get_call(service: Service, anchor: &str, url: &str, accept_json: bool) -> Call {
    Call {
        method: Method::GET,
        service,
        anchor: anchor.to_string(),
        url: url.to_string(),
        payload: Payload::None,
        accept_json,
        check: ReissueCheck::None,
    }
}

fn is_mutating(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::DELETE, Method::PATCH].contains(method)
}

/// `emcoctl: retry <service> <anchor> (<reason>) attempt <n>, next in <delay>`.
pub fn retry_notice(call: &Call, failure: &Failure, attempt: u32, delay: Duration) -> String {
    format!(
        "emcoctl: retry {} {} ({}) attempt {attempt}, next in {}",
        call.service,
        call.anchor,
        failure.reason,
        retry::format_delay(delay)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_notice_format() {
        let call = get_call(
            Service::Orchestrator,
            "projects/p1/composite-apps",
            "http://h/v2/projects/p1/composite-apps",
            false,
        );
        let failure = Failure {
            kind: FailureKind::Refused,
            reason: "connection refused".into(),
            retry_after: None,
        };
        assert_eq!(
            retry_notice(&call, &failure, 3, Duration::from_millis(400)),
            "emcoctl: retry orchestrator projects/p1/composite-apps (connection refused) attempt 3, next in 400ms"
        );
    }

    #[test]
    fn call_error_mentions_attempts_only_after_retries() {
        let mut e = CallError {
            method: Method::POST,
            url: "http://h:1/v2/cluster-providers".into(),
            reason: "connection refused".into(),
            kind: FailureKind::Refused,
            attempts: 1,
            elapsed: Duration::from_millis(3),
        };
        assert_eq!(
            e.to_string(),
            "POST http://h:1/v2/cluster-providers: connection refused"
        );
        e.attempts = 4;
        e.elapsed = Duration::from_millis(1500);
        assert_eq!(
            e.to_string(),
            "POST http://h:1/v2/cluster-providers: connection refused (gave up after 4 attempts in 1.5s)"
        );
    }

    #[test]
    fn only_writes_carry_keys() {
        assert!(is_mutating(&Method::POST));
        assert!(is_mutating(&Method::PUT));
        assert!(is_mutating(&Method::DELETE));
        assert!(!is_mutating(&Method::GET));
    }
}
