//! The step language of scenario files: one line per step, written like a command line.
//!
//! ```text
//! apply FILE [--background NAME]            emcoctl apply -f FILE -v values.yaml
//! delete FILE [--background NAME]           emcoctl delete -f FILE (instantiate files terminate)
//! get dig|lc|ANCHOR                         emcoctl get
//! status dig|lc|ANCHOR --wait-for STATE [--timeout D] [--background NAME]
//! status dig|lc|ANCHOR --wait-for-resource STATUS [--timeout D]
//! join NAME                                 wait for a background operation
//! kill SERVICE|CLUSTER|all                  SIGKILL
//! start SERVICE|CLUSTER|all
//! restart SERVICE|CLUSTER|all after D       SIGKILL now, start again after D (D may be A..B)
//! failpoint SERVICE NAME ACTION             pause | error | exit | panic | off | fail-crate syntax
//! await-failpoint SERVICE NAME [--timeout D]  until a request is held by a paused point
//! await-exit SERVICE [--timeout D]          until the process has ended by itself
//! partition CLUSTER                         the simulated cluster resets every connection
//! heal [CLUSTER]                            clears the faults of one or every cluster
//! sleep D
//! ```

use std::time::Duration;

use crate::client::retry::parse_duration;

/// The bundled services a step can name.
pub const SERVICES: [&str; 4] = ["orchestrator", "clm", "dcm", "rsync"];

/// A duration that is fixed or drawn (with the run's seed) from a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    Fixed(Duration),
    Between(Duration, Duration),
}

impl Delay {
    fn parse(text: &str) -> Result<Delay, String> {
        match text.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (parse_duration(a)?, parse_duration(b)?);
                if a > b {
                    return Err(format!("range {text:?} ends before it starts"));
                }
                Ok(Delay::Between(a, b))
            }
            None => Ok(Delay::Fixed(parse_duration(text)?)),
        }
    }
}

/// What a status or get step reads: the example's DIG, its logical cloud, or any anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Dig,
    Lc,
    Anchor(String),
}

impl Subject {
    fn parse(text: &str) -> Subject {
        match text {
            "dig" => Subject::Dig,
            "lc" => Subject::Lc,
            other => Subject::Anchor(other.to_string()),
        }
    }
}

/// What a status step waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal {
    /// The deployed status is this state (`emcoctl status --wait-for STATE`).
    State(String),
    /// Some resource or cluster connectivity shows this status (e.g. `Retrying`).
    Resource(String),
}

/// Processes a fault step acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proc {
    /// One service or simulated cluster, by name.
    One(String),
    /// The four services together (clusters stay up).
    AllServices,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Apply {
        file: String,
        background: Option<String>,
    },
    Delete {
        file: String,
        background: Option<String>,
    },
    Get {
        subject: Subject,
    },
    Status {
        subject: Subject,
        goal: Goal,
        timeout: Duration,
        background: Option<String>,
    },
    Join {
        name: String,
    },
    Kill {
        target: Proc,
    },
    Start {
        target: Proc,
    },
    Restart {
        target: Proc,
        after: Delay,
    },
    Failpoint {
        service: String,
        name: String,
        action: String,
    },
    AwaitFailpoint {
        service: String,
        name: String,
        timeout: Duration,
    },
    AwaitExit {
        service: String,
        timeout: Duration,
    },
    Partition {
        cluster: String,
    },
    Heal {
        cluster: Option<String>,
    },
    Sleep {
        delay: Delay,
    },
}

/// The default limit of a status wait or an await step.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);

const KNOWN: &str = "apply, delete, get, status, join, kill, start, restart, failpoint, await-failpoint, await-exit, partition, heal, sleep";

/// Words of a step, with `--flag value` options taken out.
struct Words<'a> {
    positional: Vec<&'a str>,
    flags: Vec<(&'a str, &'a str)>,
}

fn split(text: &str) -> Result<Words<'_>, String> {
    let mut positional = Vec::new();
    let mut flags = Vec::new();
    let mut it = text.split_whitespace();
    while let Some(word) = it.next() {
        if let Some(flag) = word.strip_prefix("--") {
            let value = it
                .next()
                .ok_or_else(|| format!("option --{flag} needs a value"))?;
            flags.push((flag, value));
        } else {
            positional.push(word);
        }
    }
    Ok(Words { positional, flags })
}

impl<'a> Words<'a> {
    fn take_flag(&mut self, name: &str) -> Option<&'a str> {
        let i = self.flags.iter().position(|(f, _)| *f == name)?;
        Some(self.flags.remove(i).1)
    }

    fn timeout(&mut self) -> Result<Duration, String> {
        match self.take_flag("timeout") {
            Some(t) => parse_duration(t),
            None => Ok(DEFAULT_WAIT),
        }
    }

    fn background(&mut self) -> Option<String> {
        self.take_flag("background").map(str::to_string)
    }

    /// Exactly `n` positional words after the verb.
    fn args(&self, n: usize, usage: &str) -> Result<&[&'a str], String> {
        let args = &self.positional[1..];
        if args.len() != n {
            return Err(format!("expected `{usage}`"));
        }
        Ok(args)
    }

    fn done(&self) -> Result<(), String> {
        match self.flags.first() {
            Some((flag, _)) => Err(format!("unknown option --{flag}")),
            None => Ok(()),
        }
    }
}

fn proc_target(word: &str) -> Proc {
    if word == "all" {
        Proc::AllServices
    } else {
        Proc::One(word.to_string())
    }
}

fn service(word: &str) -> Result<String, String> {
    if SERVICES.contains(&word) {
        Ok(word.to_string())
    } else {
        Err(format!(
            "unknown service {word:?} (one of {})",
            SERVICES.join(", ")
        ))
    }
}

/// Parses one step line.
pub fn parse_step(text: &str) -> Result<Step, String> {
    let mut w = split(text)?;
    let Some(verb) = w.positional.first().copied() else {
        return Err("empty step".to_string());
    };
    let step = match verb {
        "apply" | "delete" => {
            let file = w.args(1, &format!("{verb} FILE [--background NAME]"))?[0].to_string();
            let background = w.background();
            if verb == "apply" {
                Step::Apply { file, background }
            } else {
                Step::Delete { file, background }
            }
        }
        "get" => Step::Get {
            subject: Subject::parse(w.args(1, "get dig|lc|ANCHOR")?[0]),
        },
        "status" => {
            let subject = Subject::parse(w.args(1, "status dig|lc|ANCHOR --wait-for STATE")?[0]);
            let goal = match (w.take_flag("wait-for"), w.take_flag("wait-for-resource")) {
                (Some(state), None) => {
                    let target: crate::status::WaitTarget = state
                        .parse()
                        .map_err(|e: crate::status::TargetError| e.to_string())?;
                    Goal::State(target.name().to_string())
                }
                (None, Some(status)) => Goal::Resource(status.to_string()),
                _ => {
                    return Err(
                        "status needs exactly one of --wait-for STATE or --wait-for-resource STATUS"
                            .to_string(),
                    );
                }
            };
            Step::Status {
                subject,
                goal,
                timeout: w.timeout()?,
                background: w.background(),
            }
        }
        "join" => Step::Join {
            name: w.args(1, "join NAME")?[0].to_string(),
        },
        "kill" => Step::Kill {
            target: proc_target(w.args(1, "kill SERVICE|CLUSTER|all")?[0]),
        },
        "start" => Step::Start {
            target: proc_target(w.args(1, "start SERVICE|CLUSTER|all")?[0]),
        },
        "restart" => {
            let args = w.args(3, "restart SERVICE|CLUSTER|all after DURATION")?;
            if args[1] != "after" {
                return Err("expected `restart SERVICE|CLUSTER|all after DURATION`".to_string());
            }
            Step::Restart {
                target: proc_target(args[0]),
                after: Delay::parse(args[2])?,
            }
        }
        "failpoint" => {
            let args = w.args(3, "failpoint SERVICE NAME ACTION")?;
            Step::Failpoint {
                service: service(args[0])?,
                name: args[1].to_string(),
                action: args[2].to_string(),
            }
        }
        "await-failpoint" => {
            let args = w.args(2, "await-failpoint SERVICE NAME [--timeout D]")?;
            let (service, name) = (service(args[0])?, args[1].to_string());
            Step::AwaitFailpoint {
                service,
                name,
                timeout: w.timeout()?,
            }
        }
        "await-exit" => {
            let service = service(w.args(1, "await-exit SERVICE [--timeout D]")?[0])?;
            Step::AwaitExit {
                service,
                timeout: w.timeout()?,
            }
        }
        "partition" => Step::Partition {
            cluster: w.args(1, "partition CLUSTER")?[0].to_string(),
        },
        "heal" => {
            let args = &w.positional[1..];
            if args.len() > 1 {
                return Err("expected `heal [CLUSTER]`".to_string());
            }
            Step::Heal {
                cluster: args.first().map(|s| s.to_string()),
            }
        }
        "sleep" => Step::Sleep {
            delay: Delay::parse(w.args(1, "sleep DURATION")?[0])?,
        },
        other => return Err(format!("unknown step {other:?} (known: {KNOWN})")),
    };
    w.done()?;
    Ok(step)
}

impl Step {
    /// The name under which a background operation can be joined.
    pub fn background(&self) -> Option<&str> {
        match self {
            Step::Apply { background, .. }
            | Step::Delete { background, .. }
            | Step::Status { background, .. } => background.as_deref(),
            _ => None,
        }
    }

    /// Whether the step needs a server built with the `failpoints` feature.
    pub fn needs_failpoints(&self) -> bool {
        matches!(self, Step::Failpoint { .. } | Step::AwaitFailpoint { .. })
    }

    /// Whether the step injects a fault (counted in reports).
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Step::Kill { .. }
                | Step::Restart { .. }
                | Step::Partition { .. }
                | Step::Failpoint { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        assert_eq!(
            parse_step("apply instantiate.yaml --background inst"),
            Ok(Step::Apply {
                file: "instantiate.yaml".into(),
                background: Some("inst".into())
            })
        );
        assert_eq!(
            parse_step("status dig --wait-for Instantiated --timeout 2m"),
            Ok(Step::Status {
                subject: Subject::Dig,
                goal: Goal::State("Instantiated".into()),
                timeout: Duration::from_secs(120),
                background: None
            })
        );
        assert_eq!(
            parse_step("status lc --wait-for-resource Retrying"),
            Ok(Step::Status {
                subject: Subject::Lc,
                goal: Goal::Resource("Retrying".into()),
                timeout: DEFAULT_WAIT,
                background: None
            })
        );
    }

    #[test]
    fn faults() {
        assert_eq!(
            parse_step("restart all after 500ms..2s"),
            Ok(Step::Restart {
                target: Proc::AllServices,
                after: Delay::Between(Duration::from_millis(500), Duration::from_secs(2))
            })
        );
        assert_eq!(
            parse_step("failpoint dcm dcm.lc_terminate.after_commit pause"),
            Ok(Step::Failpoint {
                service: "dcm".into(),
                name: "dcm.lc_terminate.after_commit".into(),
                action: "pause".into()
            })
        );
        assert_eq!(parse_step("heal"), Ok(Step::Heal { cluster: None }));
        assert!(parse_step("kill edge01").is_ok());
    }

    #[test]
    fn bad_steps_say_what_is_wrong() {
        let err = |s| parse_step(s).unwrap_err();
        assert!(err("kil orchestrator").contains("unknown step \"kil\""));
        assert!(err("restart dcm in 2s").contains("restart SERVICE|CLUSTER|all after"));
        assert!(err("restart dcm after soon").contains("invalid duration"));
        assert!(err("failpoint ncm x pause").contains("unknown service \"ncm\""));
        assert!(err("status dig").contains("--wait-for"));
        assert!(err("status dig --wait-for Running").contains("unknown state \"Running\""));
        assert!(err("apply a.yaml --bg x").contains("unknown option --bg"));
        assert!(err("apply a.yaml --background").contains("needs a value"));
        assert!(err("sleep 2s..1s").contains("ends before it starts"));
        assert!(err("").contains("empty step"));
    }
}
