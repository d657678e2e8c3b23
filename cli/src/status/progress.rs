//! How a wait shows where it stands: a progress bar on a terminal, else one line per change.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use tokio::time::Instant;

use super::doc::{StatusDoc, format_counts};
use crate::client::retry::format_delay;
use crate::output::Output;

/// Receives a wait's progress. Notices (retries) must not garble the display.
pub trait Progress: Send {
    /// The current state and counts changed.
    fn update(&mut self, line: &str, out: &mut dyn Output);
    /// A one-off line, such as a retry notice.
    fn note(&mut self, line: &str, out: &mut dyn Output);
    /// The wait is over: remove any live display.
    fn finish(&mut self);
}

/// `Instantiating  Applied 12  Pending 3  Ready 9/15`: the state, the resources by deployed
/// status, and how many of those the clusters report ready.
pub fn progress_line(deployed: Option<&Value>, ready: Option<&Value>) -> String {
    let state = deployed
        .or(ready)
        .and_then(|d| StatusDoc(d).state())
        .unwrap_or_else(|| "-".to_string());
    let mut parts = vec![state];
    if let Some(d) = deployed {
        let counts = format_counts(&StatusDoc(d).deployed_counts());
        if !counts.is_empty() {
            parts.push(counts);
        }
    }
    if let Some(r) = ready {
        let counts = StatusDoc(r).ready_counts();
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        let ready = counts
            .iter()
            .find(|(k, _)| k == "Ready")
            .map_or(0, |(_, n)| *n);
        if total > 0 {
            parts.push(format!("Ready {ready}/{total}"));
        }
    }
    parts.join("  ")
}

/// One stderr line per change: `emcoctl: <name> <line> [<elapsed>]`, for logs and pipes.
#[derive(Debug)]
pub struct LineProgress {
    name: String,
    started: Instant,
    last: String,
}

impl LineProgress {
    pub fn new(name: &str) -> LineProgress {
        LineProgress {
            name: name.to_string(),
            started: Instant::now(),
            last: String::new(),
        }
    }
}

impl Progress for LineProgress {
    fn update(&mut self, line: &str, out: &mut dyn Output) {
        if line != self.last {
            self.last = line.to_string();
            let elapsed = format_delay(self.started.elapsed());
            out.err(&format!("emcoctl: {} {line} [{elapsed}]", self.name));
        }
    }

    fn note(&mut self, line: &str, out: &mut dyn Output) {
        out.err(line);
    }

    fn finish(&mut self) {}
}

/// A spinner with the elapsed time and the progress line, on stderr; notices print above it.
#[derive(Debug)]
pub struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    pub fn new(name: &str) -> BarProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        BarProgress { bar }
    }
}

impl Progress for BarProgress {
    fn update(&mut self, line: &str, _out: &mut dyn Output) {
        self.bar.set_message(line.to_string());
    }

    fn note(&mut self, line: &str, _out: &mut dyn Output) {
        self.bar.println(line);
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// The bar when stderr is a terminal, else lines (logs, pipes, CI).
pub fn for_stderr(name: &str) -> Box<dyn Progress> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        Box::new(BarProgress::new(name))
    } else {
        Box::new(LineProgress::new(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Captured;
    use serde_json::json;

    #[test]
    fn line_has_state_counts_and_readiness() {
        let d = json!({"deployedStatus": "Instantiating", "deployedCounts": {"Applied": 12, "Pending": 3}});
        let r = json!({"deployedStatus": "Instantiating", "readyStatus": "NotReady",
                       "readyCounts": {"Ready": 9, "NotReady": 4, "NotPresent": 2}});
        assert_eq!(
            progress_line(Some(&d), Some(&r)),
            "Instantiating  Pending 3  Applied 12  Ready 9/15"
        );
        assert_eq!(
            progress_line(Some(&d), None),
            "Instantiating  Pending 3  Applied 12"
        );
        assert_eq!(progress_line(None, Some(&r)), "Instantiating  Ready 9/15");
        let approved = json!({"states": {"actions": [{"state": "Approved"}]}});
        assert_eq!(progress_line(Some(&approved), None), "Approved");
        assert_eq!(progress_line(None, None), "-");
    }

    #[test]
    fn lines_are_printed_once_per_change() {
        let mut out = Captured::default();
        let mut p = LineProgress::new("lc1");
        p.update("Instantiating  Pending 2", &mut out);
        p.update("Instantiating  Pending 2", &mut out);
        p.note(
            "emcoctl: retry dcm x (connection refused) attempt 1, next in 100ms",
            &mut out,
        );
        p.update("Instantiated  Applied 2", &mut out);
        p.finish();
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{}", out.stderr);
        assert!(
            lines[0].starts_with("emcoctl: lc1 Instantiating  Pending 2 ["),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("emcoctl: retry dcm"));
        assert!(lines[2].starts_with("emcoctl: lc1 Instantiated  Applied 2 ["));
        assert!(out.stdout.is_empty());
    }
}
