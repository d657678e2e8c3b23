//! The `emco-server` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::http::serve::{serve, shutdown_signal, write_atomic};
use crate::services::Service;

#[derive(Parser, Debug)]
#[command(
    name = "emco-server",
    version,
    about = "The bundled EMCO server: orchestrator, clm, dcm and rsync"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// The shared store: `sqlite:PATH` (created if missing).
    #[arg(long, env = "EMCO_STORE", default_value = "sqlite:emco.db")]
    pub store: String,
    /// Largest accepted upload (chart, profile, kubeconfig) in MiB.
    #[arg(long, env = "EMCO_MAX_UPLOAD_MB", default_value_t = 64)]
    pub max_upload_mb: usize,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one service in this process.
    #[command(name = "orchestrator")]
    Orchestrator(ServiceArgs),
    #[command(name = "clm")]
    Clm(ServiceArgs),
    #[command(name = "dcm")]
    Dcm(ServiceArgs),
    #[command(name = "rsync")]
    Rsync(ServiceArgs),
    /// Run every service in this one process (quick start).
    All(AllArgs),
    /// Run a simulated edge cluster (a Kubernetes API for rsync, kubectl and kube).
    #[command(name = "cluster-sim")]
    ClusterSim(SimArgs),
    /// Render a chart like `helm template` and print the documents (what would be deployed).
    Template(TemplateCmd),
}

#[derive(clap::Args, Debug)]
pub struct TemplateCmd {
    /// Chart directory or .tgz.
    pub chart: PathBuf,
    /// Values files, lowest precedence first (after the profile's values).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
    /// Values like helm's --set (highest precedence).
    #[arg(long)]
    pub set: Vec<String>,
    /// Release name (a DNS-1123 label).
    #[arg(long, default_value = "release-name")]
    pub release: String,
    #[arg(long, default_value = "default")]
    pub namespace: String,
    /// An EMCO app profile .tgz (manifest.yaml, values file, configresource files).
    #[arg(long)]
    pub profile: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Cluster name.
    #[arg(long)]
    pub name: String,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write this cluster's kubeconfig (upload it to clm).
    #[arg(long)]
    pub kubeconfig_out: PathBuf,
    /// Keep objects here so they survive a restart.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Number of simulated nodes running Pods.
    #[arg(long, default_value_t = 3)]
    pub cells: usize,
    /// How long a node takes to start a Pod, in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub start_delay_ms: u64,
}

#[derive(clap::Args, Debug)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on (port 0 picks a free port); defaults to EMCO's port on 127.0.0.1.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Write the bound address here once listening.
    #[arg(long)]
    pub addr_file: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct AllArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Host to listen on; each service uses its EMCO default port unless overridden.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    #[arg(long)]
    pub orchestrator_port: Option<u16>,
    #[arg(long)]
    pub clm_port: Option<u16>,
    #[arg(long)]
    pub dcm_port: Option<u16>,
    #[arg(long)]
    pub rsync_port: Option<u16>,
    /// Use free ports for every service (see --emco-cfg-out to learn them).
    #[arg(long)]
    pub ephemeral: bool,
    /// Write an emcoctl config (emco-cfg.yaml) with the bound addresses here.
    #[arg(long)]
    pub emco_cfg_out: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("emco-server: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("emco-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMCO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Orchestrator(a) => run_one(Service::Orchestrator, a).await,
        Command::Clm(a) => run_one(Service::Clm, a).await,
        Command::Dcm(a) => run_one(Service::Dcm, a).await,
        Command::Rsync(a) => run_one(Service::Rsync, a).await,
        Command::All(a) => run_all(a).await,
        Command::Template(a) => {
            let args = emco_helm::TemplateArgs {
                chart: a.chart,
                values: a.values,
                set: a.set,
                release: a.release,
                namespace: a.namespace,
                profile: a.profile,
            };
            let text = emco_helm::template(&args).map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{text}");
            Ok(())
        }
        Command::ClusterSim(a) => {
            let opts = emco_cluster_sim::SimOptions {
                name: a.name,
                listen: a.listen,
                kubeconfig_out: a.kubeconfig_out,
                data_dir: a.data_dir,
                cells: a.cells,
                start_delay: std::time::Duration::from_millis(a.start_delay_ms),
                ..Default::default()
            };
            emco_cluster_sim::serve(opts, shutdown_signal()).await
        }
    }
}

async fn open_store(args: &StoreArgs) -> anyhow::Result<std::sync::Arc<dyn emco_store::Store>> {
    emco_store::open(&args.store)
        .await
        .with_context(|| format!("opening store {}", args.store))
}

async fn run_one(service: Service, args: ServiceArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let listen = args
        .listen
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], service.default_port())));
    let ctx = service.ctx(store.clone(), args.store.max_upload_mb * 1024 * 1024);
    if service != Service::Rsync {
        return serve(
            ctx,
            service.routes(),
            listen,
            args.addr_file.as_deref(),
            shutdown_signal(),
        )
        .await;
    }
    let (tx, mut rx) = tokio::sync::broadcast::channel::<()>(1);
    // The owner id names the bound address, so replicas on free ports differ while a restart
    // on the same address keeps its id (and reclaims its own leases at once).
    let listener = crate::http::serve::bind(listen).await?;
    let owner = rsync_owner(&listener.local_addr()?);
    let reconciler = tokio::spawn(crate::rsync::run(store, owner, async move {
        let _ = rx.recv().await;
    }));
    let result = crate::http::serve::serve_on(
        ctx,
        service.routes(),
        listener,
        args.addr_file.as_deref(),
        shutdown_signal(),
    )
    .await;
    let _ = tx.send(());
    let _ = reconciler.await;
    result
}

/// A stable owner id for rsync leases: a restarted process on the same address reclaims its
/// own contexts at once instead of waiting for the leases to expire.
fn rsync_owner(listen: &SocketAddr) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    format!("rsync@{host}/{listen}")
}

async fn run_all(args: AllArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let (tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let mut tasks = Vec::new();
    let dir = tempfile_dir()?;
    for service in Service::ALL {
        let port = match service {
            _ if args.ephemeral => 0,
            Service::Orchestrator => args.orchestrator_port.unwrap_or(service.default_port()),
            Service::Clm => args.clm_port.unwrap_or(service.default_port()),
            Service::Dcm => args.dcm_port.unwrap_or(service.default_port()),
            Service::Rsync => args.rsync_port.unwrap_or(service.default_port()),
        };
        let ctx = service.ctx(store.clone(), args.store.max_upload_mb * 1024 * 1024);
        let addr_file = dir.join(service.name());
        let mut rx = tx.subscribe();
        let listen = SocketAddr::new(args.host, port);
        tasks.push(tokio::spawn(async move {
            serve(
                ctx,
                service.routes(),
                listen,
                Some(&addr_file),
                async move {
                    let _ = rx.recv().await;
                },
            )
            .await
        }));
    }
    let addrs = wait_for_addrs(&dir).await?;
    let rsync_addr = addrs
        .iter()
        .find(|(s, _)| *s == Service::Rsync)
        .map(|(_, a)| *a);
    if let Some(addr) = rsync_addr {
        let mut rx = tx.subscribe();
        tokio::spawn(crate::rsync::run(
            store.clone(),
            rsync_owner(&addr),
            async move {
                let _ = rx.recv().await;
            },
        ));
    }
    if let Some(path) = &args.emco_cfg_out {
        write_atomic(path, &emco_cfg(&addrs))?;
        tracing::info!(path = %path.display(), "wrote emcoctl config");
    }
    let first_failure = async {
        for task in &mut tasks {
            match task.await {
                Ok(Err(err)) => return err,
                Err(err) => return anyhow::anyhow!("service task failed: {err}"),
                Ok(Ok(())) => {}
            }
        }
        std::future::pending::<anyhow::Error>().await
    };
    tokio::select! {
        _ = shutdown_signal() => {
            let _ = tx.send(());
            Ok(())
        }
        err = first_failure => Err(err),
    }
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("emco-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

async fn wait_for_addrs(dir: &std::path::Path) -> anyhow::Result<Vec<(Service, SocketAddr)>> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let found: Vec<(Service, SocketAddr)> = Service::ALL
            .iter()
            .filter_map(|s| {
                let text = std::fs::read_to_string(dir.join(s.name())).ok()?;
                Some((*s, text.trim().parse().ok()?))
            })
            .collect();
        if found.len() == Service::ALL.len() {
            let _ = std::fs::remove_dir_all(dir);
            return Ok(found);
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("services did not start listening within 30 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// An emcoctl config naming every service; `dtc` points at the orchestrator, which stores
/// traffic-group intents so EMCO's examples apply unchanged.
pub fn emco_cfg(addrs: &[(Service, SocketAddr)]) -> String {
    let mut out = String::new();
    for (service, addr) in addrs {
        out.push_str(&format!(
            "{}:\n  host: {}\n  port: {}\n",
            service.name(),
            addr.ip(),
            addr.port()
        ));
        if *service == Service::Orchestrator {
            out.push_str(&format!(
                "dtc:\n  host: {}\n  port: {}\n",
                addr.ip(),
                addr.port()
            ));
        }
    }
    out
}
