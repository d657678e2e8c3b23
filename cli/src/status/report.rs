//! How a wait ended, told to the user: one line on stderr and, after a failure, the failing
//! resources on stdout.

use std::time::Duration;

use super::table::failing_table;
use super::wait::{WaitOutcome, WaitRequest};
use crate::client::retry::format_delay;
use crate::output::Output;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Captured;
    use crate::status::doc::Row;
    use crate::status::{Subject, WaitTarget};

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
