//! Where emcoctl writes, and EMCO emcoctl's exact per-call print format.

use std::io::Write;

/// A sink for emcoctl's two streams. Commands write whole lines (without the newline).
pub trait Output: Send {
    /// A line for standard output (results, in EMCO's format).
    fn out(&mut self, line: &str);
    /// A line for standard error (retry notices, errors).
    fn err(&mut self, line: &str);
}

/// The process's real stdout and stderr.
#[derive(Debug, Default)]
pub struct StdStreams;

impl Output for StdStreams {
    fn out(&mut self, line: &str) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`emcoctl ... | head`) must not abort the remaining calls.
        let _ = writeln!(stdout, "{line}").and_then(|_| stdout.flush());
    }

    fn err(&mut self, line: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// Collects both streams in memory (for the harness and tests).
#[derive(Debug, Default, Clone)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
}

impl Output for Captured {
    fn out(&mut self, line: &str) {
        self.stdout.push_str(line);
        self.stdout.push('\n');
    }

    fn err(&mut self, line: &str) {
        self.stderr.push_str(line);
        self.stderr.push('\n');
    }
}

/// Writes the block EMCO prints for one HTTP call:
/// `---`, `<METHOD>  --> URL: <url>`, `Response Code: <n>` and, for a non-empty body,
/// `Response: <body trimmed>`.
pub fn print_call(out: &mut dyn Output, method: &str, url: &str, status: u16, body: &str) {
    for line in call_lines(method, url, status, body) {
        out.out(&line);
    }
}

/// The lines of [`print_call`].
pub fn call_lines(method: &str, url: &str, status: u16, body: &str) -> Vec<String> {
    let mut lines = vec![
        "---".to_string(),
        format!("{method}  --> URL: {url}"),
        format!("Response Code: {status}"),
    ];
    if !body.is_empty() {
        lines.push(format!("Response: {}", body.trim()));
    }
    lines
}

/// The line EMCO prints after a 202.
pub const ACCEPTED_WAITING: &str = "API Response code 202. Waiting...";

/// EMCO's line for an error that is not an API error: `Apply:  <anchor> Error:  <err>`.
pub fn error_line(op: &str, anchor: &str, err: &dyn std::fmt::Display) -> String {
    format!("{op}:  {anchor} Error:  {err}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_block_is_emcos() {
        let mut c = Captured::default();
        print_call(
            &mut c,
            "POST",
            "http://10.0.0.5:30415/v2/projects",
            201,
            "{\"metadata\":{\"name\":\"p1\",\"description\":\"\",\"userData1\":\"\",\"userData2\":\"\"}}\n",
        );
        assert_eq!(
            c.stdout,
            "---\nPOST  --> URL: http://10.0.0.5:30415/v2/projects\nResponse Code: 201\nResponse: {\"metadata\":{\"name\":\"p1\",\"description\":\"\",\"userData1\":\"\",\"userData2\":\"\"}}\n"
        );
        assert!(c.stderr.is_empty());
    }

    #[test]
    fn empty_body_has_no_response_line() {
        let lines = call_lines("DELETE", "http://h:1/v2/projects/p", 204, "");
        assert_eq!(
            lines,
            [
                "---",
                "DELETE  --> URL: http://h:1/v2/projects/p",
                "Response Code: 204"
            ]
        );
    }

    #[test]
    fn whitespace_only_body_prints_an_empty_response() {
        let lines = call_lines("GET", "u", 200, "\n");
        assert_eq!(lines.last().unwrap(), "Response: ");
    }

    #[test]
    fn error_line_spacing_matches_go_println() {
        let line = error_line("Apply", "cluster-providers", &"boom");
        assert_eq!(line, "Apply:  cluster-providers Error:  boom");
    }
}
