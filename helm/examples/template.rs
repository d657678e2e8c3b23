//! `cargo run -p emco-helm --example template -- CHART [-f VALUES]... [--set K=V]...
//! [--release NAME] [--namespace NS] [--profile PROFILE.tgz]`: prints what
//! `helm template` would.

use std::path::PathBuf;
use std::process::ExitCode;

use emco_helm::{TemplateArgs, template};

fn main() -> ExitCode {
    let mut args = TemplateArgs::default();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match a.as_str() {
            "-f" | "--values" => args.values.push(PathBuf::from(value())),
            "--set" => args.set.push(value()),
            "--release" => args.release = value(),
            "--namespace" | "-n" => args.namespace = value(),
            "--profile" => args.profile = Some(PathBuf::from(value())),
            _ => args.chart = PathBuf::from(a),
        }
    }
    match template(&args) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
