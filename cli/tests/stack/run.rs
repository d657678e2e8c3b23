//! emcoctl processes in tests: finished runs, and running ones whose output is read line by
//! line as it comes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::wait_until;

fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A finished emcoctl run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A running emcoctl whose output lines are read as they come.
pub struct Running {
    pub child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    pub out_seen: Vec<String>,
    pub err_seen: Vec<String>,
}

impl Running {
    pub fn new(mut child: Child) -> Running {
        let stdout = lines(child.stdout.take().expect("piped stdout"));
        let stderr = lines(child.stderr.take().expect("piped stderr"));
        Running {
            child,
            stdout,
            stderr,
            out_seen: Vec::new(),
            err_seen: Vec::new(),
        }
    }

    /// The next stdout line matching `pred`, within `timeout`.
    pub fn stdout_line(&mut self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        next_match(&self.stdout, &mut self.out_seen, timeout, pred, "stdout")
    }

    /// The next stderr line matching `pred`, within `timeout`.
    pub fn stderr_line(&mut self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        next_match(&self.stderr, &mut self.err_seen, timeout, pred, "stderr")
    }

    /// Waits for the process to end (within `timeout`) and collects the rest of its output.
    pub fn finish(mut self, timeout: Duration) -> Run {
        let status = wait_until("emcoctl to exit", timeout, || {
            self.child.try_wait().ok().flatten()
        });
        // The reader threads end with the pipes.
        self.out_seen.extend(self.stdout.iter());
        self.err_seen.extend(self.stderr.iter());
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.out_seen.join("\n"),
            stderr: self.err_seen.join("\n"),
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn next_match(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    timeout: Duration,
    pred: impl Fn(&str) -> bool,
    name: &str,
) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if pred(&line) {
                    return line;
                }
            }
            Err(_) => panic!(
                "no matching {name} line within {timeout:?}; seen:\n{}",
                seen.join("\n")
            ),
        }
    }
}
