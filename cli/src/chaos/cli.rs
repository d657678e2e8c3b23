//! The `emcoctl chaos run|soak` command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::checks::Status;
use super::runner::{RunOptions, run_scenario};
use super::scenario::{Scenario, discover};
use super::soak::{Flow, SoakOptions, soak};
use super::{ScenarioResult, report};
use crate::client::RetryPolicy;
use crate::client::retry::parse_duration;

/// `emcoctl chaos ...`
#[derive(Debug, Args)]
pub struct ChaosArgs {
    #[command(subcommand)]
    pub command: ChaosCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChaosCommand {
    /// Run scenario files (a file, or every *.yaml of a directory) and check the invariants
    Run(RunArgs),
    /// Repeated instantiate/terminate cycles with random kills at random moments
    Soak(SoakArgs),
}

#[derive(Debug, Args)]
pub struct Common {
    /// Directory of the emco-server binary (built with --features failpoints); default: next to emcoctl
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Write JUnit XML, JSON timelines, logs and recovery times here
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Seed of every random choice (same seed = same fault schedule); default: from the clock
    #[arg(long)]
    pub seed: Option<u64>,
    /// The example directory (default: testdata/example above the scenarios or the current dir)
    #[arg(long)]
    pub example: Option<PathBuf>,
    /// Cap of the client's retry delay while connections are refused (0: no cap, the plain
    /// exponential backoff); for measuring the client's recovery
    #[arg(long, value_parser = parse_duration)]
    pub client_refused_cap: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scenario file or a directory of them
    pub path: PathBuf,
    /// Run every scenario this many times (seeds SEED, SEED+1, ...)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FlowArg {
    /// Deployment intent group instantiate/terminate
    Dig,
    /// Logical cloud instantiate/terminate
    Lc,
}

#[derive(Debug, Args)]
pub struct SoakArgs {
    /// How long to keep cycling
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub duration: Duration,
    /// What each cycle instantiates and terminates
    #[arg(long, value_enum, default_value = "dig")]
    pub flow: FlowArg,
    /// Each phase (instantiate, terminate) gets one fault at a random moment within this long
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub fault_window: Duration,
    #[command(flatten)]
    pub common: Common,
}

fn seed(given: Option<u64>) -> u64 {
    given.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    })
}

fn bin_dir(given: &Option<PathBuf>) -> PathBuf {
    given.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."))
    })
}

fn options(c: &Common) -> RunOptions {
    RunOptions {
        bin_dir: bin_dir(&c.bin_dir),
        report_dir: c.report_dir.clone(),
        seed: seed(c.seed),
        example: c.example.clone(),
        retry: RetryPolicy {
            refused_max_delay: c
                .client_refused_cap
                .unwrap_or(RetryPolicy::default().refused_max_delay),
            ..RetryPolicy::default()
        },
        round: 0,
    }
}

fn finish(results: &[ScenarioResult], report_dir: &Option<PathBuf>) -> u8 {
    println!("{}", report::table(results));
    println!("{}", report::recovery_line(results));
    if let Some(dir) = report_dir {
        match report::write(dir, results) {
            Ok(()) => eprintln!("emcoctl chaos: reports in {}", dir.display()),
            Err(e) => {
                eprintln!("emcoctl chaos: {e}");
                return 1;
            }
        }
    }
    u8::from(results.iter().any(|r| r.status != Status::Pass))
}

async fn run(args: &RunArgs) -> u8 {
    let files = match discover(&args.path) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("emcoctl chaos: {e}");
            return 2;
        }
    };
    let mut scenarios = Vec::new();
    let mut bad = false;
    for f in &files {
        match Scenario::load(f) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                eprintln!("emcoctl chaos: {e}");
                bad = true;
            }
        }
    }
    if bad {
        return 2;
    }
    let mut opts = options(&args.common);
    let base = opts.seed;
    eprintln!(
        "emcoctl chaos: {} scenario(s) x {}, seed {base}, server {}",
        scenarios.len(),
        args.repeat,
        opts.bin_dir.join("emco-server").display()
    );
    let mut results = Vec::new();
    for round in 0..args.repeat {
        opts.round = round;
        opts.seed = base.wrapping_add(u64::from(round));
        for s in &scenarios {
            eprintln!(
                "emcoctl chaos: running {} ({}), seed {}",
                s.name, s.case, opts.seed
            );
            let r = run_scenario(s, &opts).await;
            for p in r.problems() {
                eprintln!("emcoctl chaos:   {p}");
            }
            eprintln!(
                "emcoctl chaos: {} {:?} in {} ms",
                s.name, r.status, r.duration_ms
            );
            results.push(r);
        }
    }
    finish(&results, &args.common.report_dir)
}

async fn run_soak(args: &SoakArgs) -> u8 {
    let opts = options(&args.common);
    let soak_opts = SoakOptions {
        run: opts,
        duration: args.duration,
        flow: match args.flow {
            FlowArg::Dig => Flow::Dig,
            FlowArg::Lc => Flow::Lc,
        },
        window: args.fault_window,
    };
    let result = soak(&soak_opts).await;
    finish(std::slice::from_ref(&result), &args.common.report_dir)
}

/// Runs `emcoctl chaos ...`; returns the exit code (0 every scenario passed, 1 a scenario
/// failed, 2 a scenario file is invalid, 130 interrupted).
pub async fn run_command(args: &ChaosArgs) -> u8 {
    let work = async {
        match &args.command {
            ChaosCommand::Run(a) => run(a).await,
            ChaosCommand::Soak(a) => run_soak(a).await,
        }
    };
    tokio::select! {
        code = work => code,
        _ = tokio::signal::ctrl_c() => {
            // Dropping the run kills every process it started.
            eprintln!("emcoctl chaos: interrupted, stopping every process");
            130
        }
    }
}
