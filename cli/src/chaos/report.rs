//! Reports of a run: a table for the terminal, JUnit XML for CI, a JSON timeline per scenario
//! (operations and fault windows), a JSON summary and a Markdown page of recovery times.

use std::path::Path;

use serde_json::json;
use tabled::builder::Builder;
use tabled::settings::Style;

use super::checks::{ScenarioResult, Status};
use super::history::Outcome;
use super::recovery::p50_max;

fn ms(v: Option<u64>) -> String {
    v.map_or_else(
        || "-".to_string(),
        |ms| format!("{:.1}s", ms as f64 / 1000.0),
    )
}

fn verdict(r: &ScenarioResult) -> String {
    match r.status {
        Status::Pass => "PASS".to_string(),
        Status::Error => format!("ERROR: {}", first_line(r.error.as_deref().unwrap_or(""))),
        Status::Fail => {
            let failed: Vec<String> = r
                .invariants
                .iter()
                .filter(|v| !v.ok())
                .map(|v| format!("invariant {} ({})", v.id, v.name))
                .collect();
            match &r.error {
                Some(e) => format!("FAIL: {}", first_line(e)),
                None => format!("FAIL: {}", failed.join(", ")),
            }
        }
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 90 {
        format!("{}...", line.chars().take(87).collect::<String>())
    } else {
        line.to_string()
    }
}

/// The table printed after a run.
pub fn table(results: &[ScenarioResult]) -> String {
    let mut b = Builder::default();
    b.push_record([
        "scenario",
        "case",
        "faults",
        "ok/fail/info",
        "retries",
        "reissues",
        "converge",
        "verdict",
    ]);
    for r in results {
        let t = &r.timeline;
        let retries: usize = t.ops.iter().map(|o| o.retries()).sum();
        let reissues: usize = t.ops.iter().map(|o| o.reissues()).sum();
        b.push_record([
            r.name.clone(),
            r.case.clone(),
            r.faults.to_string(),
            format!(
                "{}/{}/{}",
                t.count(Outcome::Ok),
                t.count(Outcome::Fail),
                t.count(Outcome::Info)
            ),
            retries.to_string(),
            reissues.to_string(),
            ms(r.converge_ms),
            verdict(r),
        ]);
    }
    let mut table = b.build();
    table.with(Style::psql());
    table.to_string()
}

/// One line with the recovery lag over every scenario.
pub fn recovery_line(results: &[ScenarioResult]) -> String {
    let lags: Vec<u64> = results
        .iter()
        .flat_map(|r| r.recovery.iter().map(|l| l.lag_ms))
        .collect();
    match p50_max(&lags) {
        Some((p50, max)) => format!(
            "client recovery lag (service accepting again -> retried call succeeded): n={} p50={p50}ms max={max}ms",
            lags.len()
        ),
        None => "client recovery lag: no call was retrying across a restart".to_string(),
    }
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: one test case per scenario, with the failed invariants as the failure.
pub fn junit(results: &[ScenarioResult]) -> String {
    let failures = results.iter().filter(|r| r.status == Status::Fail).count();
    let errors = results.iter().filter(|r| r.status == Status::Error).count();
    let total: f64 = results.iter().map(|r| r.duration_ms as f64 / 1000.0).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"emcoctl-chaos\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">\n",
        results.len()
    );
    for r in results {
        out.push_str(&format!(
            "  <testcase classname=\"chaos.{}\" name=\"{}\" time=\"{:.3}\">\n",
            xml_escape(&r.case),
            xml_escape(&r.name),
            r.duration_ms as f64 / 1000.0
        ));
        let body = xml_escape(&r.problems().join("\n"));
        match r.status {
            Status::Pass => {}
            Status::Fail => out.push_str(&format!(
                "    <failure message=\"{}\">{body}</failure>\n",
                xml_escape(&verdict(r))
            )),
            Status::Error => out.push_str(&format!(
                "    <error message=\"{}\">{body}</error>\n",
                xml_escape(&verdict(r))
            )),
        }
        out.push_str(&format!(
            "    <system-out>seed {} faults {} converge {}</system-out>\n  </testcase>\n",
            r.seed,
            r.faults,
            ms(r.converge_ms)
        ));
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}

/// The Markdown page of convergence and recovery times, one row per scenario (over all its
/// repetitions).
pub fn recovery_markdown(results: &[ScenarioResult]) -> String {
    let mut out = String::from(
        "| scenario | case | runs passed | converge after last fault p50 / max | recovery lag p50 / max | lags measured |\n|---|---|---|---|---|---|\n",
    );
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    let pair = |v: &[u64]| match p50_max(v) {
        Some((a, b)) => format!("{a} / {b} ms"),
        None => "-".to_string(),
    };
    for name in names {
        let runs: Vec<&ScenarioResult> = results.iter().filter(|r| r.name == name).collect();
        let passed = runs.iter().filter(|r| r.status == Status::Pass).count();
        let converge: Vec<u64> = runs.iter().filter_map(|r| r.converge_ms).collect();
        let lags: Vec<u64> = runs
            .iter()
            .flat_map(|r| r.recovery.iter().map(|l| l.lag_ms))
            .collect();
        out.push_str(&format!(
            "| {name} | {} | {passed}/{} | {} | {} | {} |\n",
            runs[0].case,
            runs.len(),
            pair(&converge),
            pair(&lags),
            lags.len()
        ));
    }
    out.push('\n');
    out.push_str(&recovery_line(results));
    out.push('\n');
    out
}

/// Writes `junit.xml`, `summary.json`, `recovery.md` and `<scenario>/timeline.json` in `dir`.
pub fn write(dir: &Path, results: &[ScenarioResult]) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("writing {}: {e}", p.display());
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for r in results {
        let sub = dir.join(r.dir_name());
        std::fs::create_dir_all(&sub).map_err(|e| io(&sub, e))?;
        let path = sub.join("timeline.json");
        let text = serde_json::to_string_pretty(r).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let summary: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "round": r.round, "case": r.case, "status": r.status, "seed": r.seed,
                "faults": r.faults, "converge_ms": r.converge_ms, "duration_ms": r.duration_ms,
                "ok": r.timeline.count(Outcome::Ok), "fail": r.timeline.count(Outcome::Fail),
                "info": r.timeline.count(Outcome::Info),
                "recovery_lags_ms": r.recovery.iter().map(|l| l.lag_ms).collect::<Vec<_>>(),
                "problems": r.problems(),
            })
        })
        .collect();
    let files = [
        ("junit.xml", junit(results)),
        (
            "summary.json",
            serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?,
        ),
        ("recovery.md", recovery_markdown(results)),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn long_lines_are_cut() {
        let long = "x".repeat(200);
        assert_eq!(first_line(&long).chars().count(), 90);
        assert_eq!(first_line("a\nb"), "a");
    }
}
