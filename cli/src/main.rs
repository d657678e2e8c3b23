//! The `emcoctl` binary: parses the command line and runs the library's commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use emcoctl::client::retry::parse_duration;
use emcoctl::commands::status::{run_wait, wait_after_apply};
use emcoctl::output::{Output, StdStreams, error_line};
use emcoctl::routing::RouteError;
use emcoctl::status::{
    OutputMode, StatusError, StatusMode, StatusQuery, Subject, WaitRequest, WaitTarget,
};
use emcoctl::{
    ApplyOptions, ClientOptions, CommandError, Config, FileInput, GetFormat, GetOptions,
    RetryPolicy, Session, StatusFormat, StatusOptions, Target, run_apply, run_delete_waiting,
    run_get, run_status, run_update, run_watch,
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
    Apply(ApplyArgs),
    /// update(Put) the resources from input file
    Update(WriteArgs),
    /// Delete the resources from input file or url(without body) from command line
    Delete(DeleteArgs),
    /// Get the resources from input file or url from command line
    Get(GetArgs),
    /// Show the status of a deployment intent group or logical cloud, or wait for a state
    Status(StatusArgs),
    /// Print the status of a deployment intent group or logical cloud as one JSON line per change
    Watch(WatchArgs),
    /// Resilience harness: run fault scenarios against the bundled server, or soak it
    Chaos(emcoctl::chaos::ChaosArgs),
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
struct ApplyArgs {
    #[command(flatten)]
    write: WriteArgs,
    /// After the last instantiate or terminate call, wait until it is done (Instantiated or Terminated)
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    waiting: WaitArgs,
}

#[derive(Args)]
struct DeleteArgs {
    #[command(flatten)]
    write: WriteArgs,
    /// After each terminate, wait until it is done before deleting what follows
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    waiting: WaitArgs,
}

#[derive(Args)]
struct WaitArgs {
    /// Longest wait (e.g. 30s, 5m)
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    timeout: Duration,
    /// Read the status every second instead of following the server's status stream
    #[arg(long)]
    poll: bool,
}

/// Whose status, and the query parameters of EMCO's status API.
#[derive(Args)]
struct SubjectArgs {
    /// DIG (projects/P/composite-apps/CA/V/deployment-intent-groups/DIG) or logical cloud
    /// (projects/P/logical-clouds/LC), optionally ending in /status
    anchor: String,
    /// Token for EMCO API
    #[arg(short = 't', long = "token")]
    token: Option<String>,
    /// How much of each resource the server reports
    #[arg(long, value_enum)]
    output: Option<OutputMode>,
    /// Only this app (repeatable)
    #[arg(long = "app")]
    apps: Vec<String>,
    /// Only this cluster, as PROVIDER+CLUSTER (repeatable)
    #[arg(long = "cluster")]
    clusters: Vec<String>,
    /// Only resources of this name (repeatable)
    #[arg(long = "resource")]
    resources: Vec<String>,
    /// Report the deployed (rsync) or the ready (cluster) status of each resource
    #[arg(long, value_enum)]
    status: Option<StatusMode>,
    /// An earlier instantiation (AppContext id)
    #[arg(long)]
    instance: Option<String>,
}

impl SubjectArgs {
    fn query(&self) -> StatusQuery {
        StatusQuery {
            status: self.status,
            output: self.output,
            apps: self.apps.clone(),
            clusters: self.clusters.clone(),
            resources: self.resources.clone(),
            instance: self.instance.clone(),
        }
    }
}

#[derive(Args)]
struct StatusArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    /// Print a table, or the server's JSON as JSON or YAML
    #[arg(short = 'o', long = "format", value_enum, default_value = "table")]
    format: StatusFormat,
    /// Wait until this state first: an AppContext status (Instantiated, Terminated, ...) or Ready
    #[arg(long)]
    wait_for: Option<String>,
    #[command(flatten)]
    waiting: WaitArgs,
}

#[derive(Args)]
struct WatchArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    /// Read the status every second instead of following the server's status stream
    #[arg(long)]
    poll: bool,
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

impl WriteArgs {
    fn options(&self, target: Target) -> ApplyOptions {
        ApplyOptions {
            target,
            stop_on_error: self.stop,
            wait: Duration::from_secs(self.wait_time),
        }
    }
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
        Command::Apply(a) => ("apply", &a.write.input),
        Command::Update(a) => ("update", &a.input),
        Command::Delete(a) => ("delete", &a.write.input),
        Command::Get(a) => ("get", &a.input),
        Command::Status(a) => return status(&cli, a).await,
        Command::Watch(a) => return watch(&cli, a).await,
        Command::Chaos(a) => return emcoctl::chaos::run_command(a).await,
    };
    // With -o only the body goes to stdout, so it can be piped into jq or yq.
    let body_only = matches!(&cli.command, Command::Get(g) if g.output.is_some());
    let Some(config) = config(&cli, body_only, &mut out) else {
        return 1;
    };
    let Some(target) = input.target() else {
        out.err(&format!("Use: 'emcoctl {name} --help'"));
        return EXIT_USAGE;
    };
    let Some(session) = session(&cli, config, input.token.first().cloned(), &mut out) else {
        return 1;
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
        Command::Apply(a) => {
            let result = run_apply(&session, &a.write.options(target), &mut out).await;
            match result {
                Ok(summary) if a.wait => {
                    let (timeout, stream) = (a.waiting.timeout, !a.waiting.poll);
                    let waited =
                        wait_after_apply(&session, &summary, timeout, stream, &mut out).await;
                    let code = match waited {
                        Ok(outcome) => outcome.map_or(0, |o| o.exit_code()),
                        Err(e) => status_failed("Wait", "", &e, &mut out),
                    };
                    return if code == 0 { summary.exit_code() } else { code };
                }
                other => other,
            }
        }
        Command::Update(a) => run_update(&session, &a.options(target), &mut out).await,
        Command::Delete(a) => {
            let settle = a.wait.then_some(a.waiting.timeout);
            run_delete_waiting(&session, &a.write.options(target), settle, &mut out).await
        }
        // Returned above.
        Command::Status(_) | Command::Watch(_) | Command::Chaos(_) => return EXIT_USAGE,
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

/// Loads the configuration and prints the banner (on stderr when stdout carries data).
fn config(cli: &Cli, banner_on_stderr: bool, out: &mut dyn Output) -> Option<Config> {
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            out.err(&e.to_string());
            return None;
        }
    };
    if banner_on_stderr {
        out.err(&config.banner());
    } else {
        out.out(&config.banner());
    }
    Some(config)
}

fn session(
    cli: &Cli,
    config: Config,
    token: Option<String>,
    out: &mut dyn Output,
) -> Option<Session> {
    let options = ClientOptions {
        token,
        retry: RetryPolicy {
            timeout: cli.retry_timeout,
            ..RetryPolicy::default()
        },
        quiet: cli.quiet,
        request_timeout: cli.request_timeout,
        ..ClientOptions::default()
    };
    match Session::new(config, options) {
        Ok(session) => Some(session),
        Err(e) => {
            out.err(&e.to_string());
            None
        }
    }
}

/// Prints a status error (a missing service as EMCO words it) and gives its exit code.
fn status_failed(op: &str, anchor: &str, e: &StatusError, out: &mut dyn Output) -> u8 {
    match e {
        StatusError::Route(RouteError::Config(fatal)) => out.err(&fatal.to_string()),
        _ => out.err(&error_line(op, anchor, e)),
    }
    e.exit_code()
}

/// A session for `status`/`watch`: the parsed subject and the session, or an exit code.
fn status_session(
    cli: &Cli,
    args: &SubjectArgs,
    out: &mut dyn Output,
) -> Result<(Subject, Session), u8> {
    let subject = Subject::parse(&args.anchor).map_err(|e| {
        out.err(&e.to_string());
        EXIT_USAGE
    })?;
    let config = config(cli, true, out).ok_or(1u8)?;
    let session = session(cli, config, args.token.clone(), out).ok_or(1u8)?;
    Ok((subject, session))
}

async fn status(cli: &Cli, args: &StatusArgs) -> u8 {
    let mut out = StdStreams;
    let anchor = &args.subject.anchor;
    let target = match args.wait_for.as_deref().map(str::parse::<WaitTarget>) {
        None => None,
        Some(Ok(target)) => Some(target),
        Some(Err(e)) => {
            out.err(&e.to_string());
            return EXIT_USAGE;
        }
    };
    let (subject, session) = match status_session(cli, &args.subject, &mut out) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let query = args.subject.query();
    if let Some(target) = target {
        let request = WaitRequest {
            filters: query.clone(),
            stream: !args.waiting.poll,
            ..WaitRequest::new(subject.clone(), target, args.waiting.timeout)
        };
        match run_wait(&session, &request, &mut out).await {
            Ok(outcome) if outcome.exit_code() != 0 => return outcome.exit_code(),
            Ok(_) => {}
            Err(e) => return status_failed("Wait", anchor, &e, &mut out),
        }
    }
    let options = StatusOptions {
        subject,
        query,
        format: args.format,
    };
    match run_status(&session, &options, &mut out).await {
        Ok(()) => 0,
        Err(e) => status_failed("Status", anchor, &e, &mut out),
    }
}

async fn watch(cli: &Cli, args: &WatchArgs) -> u8 {
    let mut out = StdStreams;
    let (subject, session) = match status_session(cli, &args.subject, &mut out) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let stop = async {
        // Without a signal handler there is nothing to wait for but the end of the stream.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let query = args.subject.query();
    match run_watch(&session, &subject, &query, !args.poll, &mut out, stop).await {
        Ok(()) => 0,
        Err(e) => status_failed("Watch", &args.subject.anchor, &e, &mut out),
    }
}
