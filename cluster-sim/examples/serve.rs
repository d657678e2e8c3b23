//! Runs one simulated cluster in the foreground until Ctrl-C:
//! `cargo run -p emco-cluster-sim --example serve -- NAME KUBECONFIG [LISTEN] [DATA_DIR]`.

use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, kubeconfig, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: serve NAME KUBECONFIG [LISTEN] [DATA_DIR]");
    };
    let mut opts = emco_cluster_sim::SimOptions {
        name: name.clone(),
        kubeconfig_out: PathBuf::from(kubeconfig),
        ..Default::default()
    };
    if let Some(listen) = rest.first() {
        opts.listen = listen.parse()?;
    }
    opts.data_dir = rest.get(1).map(PathBuf::from);
    emco_cluster_sim::serve(opts, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
