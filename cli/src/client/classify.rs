//! Sorting one failed HTTP call into refused, in doubt, transient or definite.

use std::error::Error as StdError;
use std::time::Duration;

/// How a call failed, which decides whether and how it may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The request never reached the server (connect error, DNS, connect timeout).
    Refused,
    /// The request may or may not have taken effect (reset, EOF, timeout after sending,
    /// 502/504, a body that is not what the API returns).
    InDoubt,
    /// The server is up but a dependency is not (500 naming storage or a peer, 503, 429).
    Transient,
    /// The server decided (other 4xx and 5xx): trying again gives the same answer.
    Definite,
}

/// A classified failure and the short reason shown in retry notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub reason: String,
    /// The server's `Retry-After`, when it gave one in seconds.
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(kind: FailureKind, reason: impl Into<String>) -> Failure {
        Failure {
            kind,
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// Whether any attempt that failed this way may have changed server state.
    pub fn may_have_applied(&self) -> bool {
        matches!(self.kind, FailureKind::InDoubt | FailureKind::Transient)
    }
}

/// Texts of 500 answers that name a failing dependency or store (lower case).
const TRANSIENT_500_TEXTS: [&str; 8] = [
    "store unavailable",
    "database",
    "etcd",
    "rsync",
    "connection refused",
    "deadline exceeded",
    "transport is closing",
    "connection reset",
];

/// 500 texts that mention a dependency but mean a configuration error: retrying cannot help.
const DEFINITE_500_TEXTS: [&str; 1] = ["could not get find rsync by name"];

/// Classifies an HTTP answer; `None` means success.
pub fn classify_response(
    status: u16,
    content_type: Option<&str>,
    body: &str,
    retry_after: Option<&str>,
) -> Option<Failure> {
    if looks_like_html(content_type, body) {
        return Some(Failure::new(
            FailureKind::InDoubt,
            format!("HTTP {status} with an HTML body"),
        ));
    }
    if (200..300).contains(&status) {
        return None;
    }
    let retry_after = retry_after.and_then(parse_retry_after);
    let failure = match status {
        429 | 503 => Failure {
            kind: FailureKind::Transient,
            reason: format!("HTTP {status}"),
            retry_after,
        },
        502 | 504 => Failure::new(FailureKind::InDoubt, format!("HTTP {status}")),
        500 if is_transient_500(body) => Failure::new(
            FailureKind::Transient,
            format!("HTTP 500: {}", short_text(body)),
        ),
        _ => Failure::new(FailureKind::Definite, format!("HTTP {status}")),
    };
    Some(failure)
}

fn is_transient_500(body: &str) -> bool {
    let text = body.to_ascii_lowercase();
    !DEFINITE_500_TEXTS.iter().any(|t| text.contains(t))
        && TRANSIENT_500_TEXTS.iter().any(|t| text.contains(t))
}

/// EMCO answers JSON or plain text; an HTML page comes from something in between.
fn looks_like_html(content_type: Option<&str>, body: &str) -> bool {
    content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html"))
        || body.trim_start().starts_with('<')
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The first line of a body, shortened for a one-line notice.
fn short_text(body: &str) -> String {
    let line = body.trim().lines().next().unwrap_or_default();
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// Classifies a failure to get any answer.
pub fn classify_transport(err: &reqwest::Error) -> Failure {
    let kind = if err.is_connect() {
        FailureKind::Refused
    } else {
        FailureKind::InDoubt
    };
    Failure::new(kind, transport_reason(err))
}

/// A short reason: the I/O error kind if there is one, else the innermost message.
fn transport_reason(err: &reqwest::Error) -> String {
    use std::io::ErrorKind;
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    let mut innermost = err.to_string();
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            let known = match io.kind() {
                ErrorKind::ConnectionRefused => Some("connection refused"),
                ErrorKind::ConnectionReset => Some("connection reset by peer"),
                ErrorKind::ConnectionAborted => Some("connection aborted"),
                ErrorKind::BrokenPipe => Some("broken pipe"),
                ErrorKind::UnexpectedEof => Some("connection closed before the response"),
                ErrorKind::TimedOut => Some("timed out"),
                _ => None,
            };
            if let Some(reason) = known {
                return reason.to_string();
            }
        }
        innermost = e.to_string();
        current = e.source();
    }
    if err.is_timeout() {
        return if err.is_connect() {
            "connect timeout".to_string()
        } else {
            "timed out".to_string()
        };
    }
    innermost
}

/// A create answered that the item already exists.
pub fn is_already_exists(status: u16, body: &str) -> bool {
    status == 409 && body.to_ascii_lowercase().contains("already exist")
}

/// EMCO's 500 texts for a lifecycle call in the wrong state (the bundled server answers 409).
const STATE_CONFLICT_TEXTS: [&str; 6] = [
    "already been instantiated",
    "is not instantiated",
    "already instantiated",
    "already instantiating",
    "already been terminated",
    "already being terminated",
];

/// A lifecycle call answered that the resource is not in a state that allows it.
pub fn is_state_conflict(status: u16, body: &str) -> bool {
    let text = body.to_ascii_lowercase();
    status == 409 || (status == 500 && STATE_CONFLICT_TEXTS.iter().any(|t| text.contains(t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureKind::*;

    fn kind(status: u16, ct: Option<&str>, body: &str) -> Option<FailureKind> {
        classify_response(status, ct, body, None).map(|f| f.kind)
    }

    #[test]
    fn success_codes() {
        assert_eq!(kind(200, Some("application/json"), "{}"), None);
        assert_eq!(kind(201, None, "{\"metadata\":{}}\n"), None);
        assert_eq!(kind(202, None, ""), None);
        assert_eq!(kind(204, None, ""), None);
    }

    #[test]
    fn gateway_answers_are_in_doubt() {
        assert_eq!(kind(502, Some("text/plain"), "bad gateway"), Some(InDoubt));
        assert_eq!(kind(504, None, ""), Some(InDoubt));
    }

    #[test]
    fn html_is_in_doubt_whatever_the_code() {
        let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        assert_eq!(kind(502, Some("text/html"), page), Some(InDoubt));
        assert_eq!(
            kind(200, Some("text/html; charset=utf-8"), "ok"),
            Some(InDoubt)
        );
        assert_eq!(kind(404, None, "  <!DOCTYPE html>"), Some(InDoubt));
        let f = classify_response(502, Some("text/html"), page, None).unwrap();
        assert_eq!(f.reason, "HTTP 502 with an HTML body");
    }

    #[test]
    fn transient_server_errors() {
        assert_eq!(kind(503, None, ""), Some(Transient));
        assert_eq!(
            kind(500, None, "store unavailable: disk I/O\n"),
            Some(Transient)
        );
        assert_eq!(
            kind(500, None, "Error connecting to Database\n"),
            Some(Transient)
        );
        assert_eq!(
            kind(500, None, "etcdserver: request timed out"),
            Some(Transient)
        );
        assert_eq!(
            kind(
                500,
                None,
                "rpc error: code = Unavailable desc = rsync is down"
            ),
            Some(Transient)
        );
        let f = classify_response(500, None, "store unavailable\n", None).unwrap();
        assert_eq!(f.reason, "HTTP 500: store unavailable");
    }

    #[test]
    fn too_many_requests_honours_retry_after() {
        let f = classify_response(429, None, "slow down", Some("3")).unwrap();
        assert_eq!(f.kind, Transient);
        assert_eq!(f.retry_after, Some(Duration::from_secs(3)));
        let f = classify_response(429, None, "", Some("Wed, 21 Oct 2015 07:28:00 GMT")).unwrap();
        assert_eq!(f.retry_after, None);
    }

    #[test]
    fn definite_answers() {
        assert_eq!(kind(400, None, "Invalid Input:\n"), Some(Definite));
        assert_eq!(kind(404, None, "Project not found\n"), Some(Definite));
        assert_eq!(kind(409, None, "Project already exists\n"), Some(Definite));
        assert_eq!(kind(422, None, "unexpected EOF\n"), Some(Definite));
        assert_eq!(
            kind(
                500,
                None,
                "The server encountered an internal error and was unable to complete your request.\n"
            ),
            Some(Definite)
        );
        assert_eq!(
            kind(
                500,
                None,
                "queryRsyncInfoInMCODB Failed - Could not get find rsync by name : rsync"
            ),
            Some(Definite)
        );
    }

    #[test]
    fn only_in_doubt_and_transient_may_have_applied() {
        let f = |kind| Failure::new(kind, "");
        assert!(f(InDoubt).may_have_applied());
        assert!(f(Transient).may_have_applied());
        assert!(!f(Refused).may_have_applied());
        assert!(!f(Definite).may_have_applied());
    }

    #[test]
    fn conflicts() {
        assert!(is_already_exists(409, "Composite App already exists\n"));
        assert!(!is_already_exists(
            409,
            "Cannot perform requested operation. Parent resource not found\n"
        ));
        assert!(!is_already_exists(500, "already exists"));
        assert!(is_state_conflict(409, "anything"));
        for text in [
            "DeploymentIntentGroup has already been instantiatedd1",
            "DeploymentIntentGroup is not instantiated :d1",
            "The Logical Cloud is already instantiated",
            "The Logical Cloud has already been terminated",
            "The Logical Cloud is already being terminated",
        ] {
            assert!(is_state_conflict(500, text), "{text}");
        }
        assert!(!is_state_conflict(500, "store unavailable"));
        assert!(!is_state_conflict(400, "already instantiated"));
    }
}
