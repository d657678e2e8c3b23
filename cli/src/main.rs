//! The `emcoctl` binary: parses the command line and runs the library's commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use emcoctl::client::retry::parse_duration;
use emcoctl::output::{Output, StdStreams};
use emcoctl::{
    ApplyOptions, ClientOptions, CommandError, Config, FileInput, GetFormat, GetOptions,
    RetryPolicy, Session, Target, run_apply, run_delete, run_get, run_update,
};

/// Exit code for a command line that names nothing to do.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "emcoctl",
    version,
    about = "CLI for EMCO: applies resource files and rides through service restarts"
)]
struct Cli {
    /// Config file (default is $HOME/.emco.yaml)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Overall time one call may spend retrying (0 disables retries)
    #[arg(long, global = true, default_value = "5m", value_parser = parse_duration)]
    retry_timeout: Duration,
    /// Limit of one HTTP attempt
    #[arg(long, global = true, default_value = "120s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// Do not print retry notices on stderr
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// apply(Post) the resources from input file or url(without body) from command line
    Apply(WriteArgs),
    /// update(Put) the resources from input file
    Update(WriteArgs),
    /// Delete the resources from input file or url(without body) from command line
    Delete(WriteArgs),
    /// Get the resources from input file or url from command line
    Get(GetArgs),
}

#[derive(Args)]
struct InputArgs {
    /// Filename of the input file (only the first is used)
    #[arg(short = 'f', long = "filename")]
    filename: Vec<PathBuf>,
    /// Template Values to go with the input template file (only the first is used)
    #[arg(short = 'v', long = "values")]
    values: Vec<PathBuf>,
    /// Token for EMCO API
    #[arg(short = 't', long = "token")]
    token: Vec<String>,
    /// Anchor (path after /v2/) when no file is given
    anchor: Option<String>,
}

#[derive(Args)]
struct WriteArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Stop on failure
    #[arg(short = 's', long = "stop")]
    stop: bool,
    /// Wait for secs after a call is accepted
    #[arg(short = 'w', long = "waitTime", default_value_t = 0)]
    wait_time: u64,
}

#[derive(Args)]
struct GetArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print only the response body, as json or yaml
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Yaml,
}

impl InputArgs {
    fn target(&self) -> Option<Target> {
        match (self.filename.first(), &self.anchor) {
            (Some(file), _) => Some(Target::File(FileInput {
                file: file.clone(),
                values: self.values.first().cloned(),
            })),
            (None, Some(anchor)) => Some(Target::Anchor(anchor.clone())),
            (None, None) => None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("emcoctl: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    ExitCode::from(runtime.block_on(run(cli)))
}

async fn run(cli: Cli) -> u8 {
    let mut out = StdStreams;
    let (name, input) = match &cli.command {
        Command::Apply(a) => ("apply", &a.input),
        Command::Update(a) => ("update", &a.input),
        Command::Delete(a) => ("delete", &a.input),
        Command::Get(a) => ("get", &a.input),
    };
    let body_only = matches!(&cli.command, Command::Get(g) if g.output.is_some());
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            out.err(&e.to_string());
            return 1;
        }
    };
    // With -o only the body goes to stdout, so it can be piped into jq or yq.
    if body_only {
        out.err(&config.banner());
    } else {
        out.out(&config.banner());
    }
    let Some(target) = input.target() else {
        out.err(&format!("Use: 'emcoctl {name} --help'"));
        return EXIT_USAGE;
    };
    let options = ClientOptions {
        token: input.token.first().cloned(),
        retry: RetryPolicy {
            timeout: cli.retry_timeout,
            ..RetryPolicy::default()
        },
        quiet: cli.quiet,
        request_timeout: cli.request_timeout,
        ..ClientOptions::default()
    };
    let session = match Session::new(config, options) {
        Ok(session) => session,
        Err(e) => {
            out.err(&e.to_string());
            return 1;
        }
    };
    let result = match &cli.command {
        Command::Get(g) => {
            let format = match g.output {
                None => GetFormat::Emco,
                Some(Format::Json) => GetFormat::Json,
                Some(Format::Yaml) => GetFormat::Yaml,
            };
            run_get(&session, &GetOptions { target, format }, &mut out).await
        }
        Command::Apply(a) | Command::Update(a) | Command::Delete(a) => {
            let options = ApplyOptions {
                target,
                stop_on_error: a.stop,
                wait: Duration::from_secs(a.wait_time),
            };
            match &cli.command {
                Command::Apply(_) => run_apply(&session, &options, &mut out).await,
                Command::Update(_) => run_update(&session, &options, &mut out).await,
                _ => run_delete(&session, &options, &mut out).await,
            }
        }
    };
    match result {
        Ok(summary) => summary.exit_code(),
        Err(e @ CommandError::Usage(_)) => {
            out.err(&e.to_string());
            EXIT_USAGE
        }
        Err(e) => {
            out.err(&e.to_string());
            1
        }
    }
}
