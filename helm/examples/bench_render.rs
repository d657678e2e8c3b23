//! Rendering speed: each GMS chart rendered in-process with `template()` (chart
//! read from disk, values merged, rendered, sorted, printed) N times, against the
//! `helm template` process on the same chart and values M times.
//! Usage: bench_render HELM [N] [M]; prints a Markdown table.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use emco_helm::{TemplateArgs, template};

fn charts_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/emco-gms/helm_charts")
}

fn per_run(total: Duration, n: u32) -> f64 {
    total.as_secs_f64() * 1000.0 / f64::from(n.max(1))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(helm) = args.next().map(PathBuf::from) else {
        eprintln!("usage: bench_render HELM [N] [M]");
        return ExitCode::FAILURE;
    };
    let n: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let m: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let root = charts_root();
    let mut charts: Vec<PathBuf> = match std::fs::read_dir(root.join("helm")) {
        Ok(d) => d.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            eprintln!("{}: {e}", root.display());
            return ExitCode::FAILURE;
        }
    };
    charts.sort();
    println!("| chart | in-process (ms/render) | helm template (ms/run) | ratio |");
    println!("|---|---|---|---|");
    let (mut ours_total, mut helm_total) = (0.0, 0.0);
    for chart in &charts {
        let name = chart
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let a = TemplateArgs {
            chart: chart.clone(),
            values: vec![root.join("profile/override_values.yaml")],
            ..TemplateArgs::default()
        };
        let ours_out = match template(&a) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let start = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(template(&a));
        }
        let ours = per_run(start.elapsed(), n);
        let start = Instant::now();
        for _ in 0..m {
            let out = Command::new(&helm)
                .args(["template", "release-name"])
                .arg(chart)
                .arg("-f")
                .arg(root.join("profile/override_values.yaml"))
                .output();
            match out {
                Ok(o) if o.status.success() && o.stdout == ours_out.as_bytes() => {}
                Ok(o) if o.status.success() => {
                    eprintln!("{name}: helm's output differs from ours");
                    return ExitCode::FAILURE;
                }
                Ok(o) => {
                    eprintln!(
                        "{name}: helm failed: {}",
                        String::from_utf8_lossy(&o.stderr)
                    );
                    return ExitCode::FAILURE;
                }
                Err(e) => {
                    eprintln!("{name}: cannot run {}: {e}", helm.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        let theirs = per_run(start.elapsed(), m);
        ours_total += ours;
        helm_total += theirs;
        println!(
            "| {name} | {ours:.3} | {theirs:.1} | {:.0}x |",
            theirs / ours
        );
    }
    println!(
        "| **all 12** | {ours_total:.3} | {helm_total:.1} | {:.0}x |",
        helm_total / ours_total
    );
    ExitCode::SUCCESS
}
