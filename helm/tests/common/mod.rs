//! Shared helpers for comparing this crate's output with the real `helm template`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn gms_charts() -> PathBuf {
    workspace().join("../shared/conformance/emco-gms/helm_charts")
}

/// The helm 3.17 binary from `scripts/fetch-tools`, or `None` (with the reason
/// printed) when it cannot be had here.
pub fn helm() -> Option<PathBuf> {
    static HELM: OnceLock<Option<PathBuf>> = OnceLock::new();
    HELM.get_or_init(|| {
        let out = Command::new(workspace().join("scripts/fetch-tools")).output();
        match out {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                let path = text.lines().nth(1).map(PathBuf::from);
                if path.is_none() {
                    eprintln!("SKIP: scripts/fetch-tools printed no helm path");
                }
                path
            }
            Ok(o) => {
                eprintln!(
                    "SKIP: scripts/fetch-tools failed, helm unavailable: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                None
            }
            Err(e) => {
                eprintln!("SKIP: cannot run scripts/fetch-tools: {e}");
                None
            }
        }
    })
    .clone()
}

/// Runs `helm template` with the same inputs as `args`; Ok(stdout) or Err(stderr).
pub fn helm_template(helm: &Path, args: &emco_helm::TemplateArgs) -> Result<String, String> {
    let mut cmd = Command::new(helm);
    cmd.arg("template")
        .arg(&args.release)
        .arg(&args.chart)
        .arg("--namespace")
        .arg(&args.namespace);
    for f in &args.values {
        cmd.arg("-f").arg(f);
    }
    for s in &args.set {
        cmd.arg("--set").arg(s);
    }
    cmd.env(
        "HELM_CACHE_HOME",
        std::env::temp_dir().join("emco-helm-test-cache"),
    );
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `(source, document text)` pairs of `helm template` output.
pub fn documents(text: &str) -> Vec<(String, String)> {
    text.split("---\n# Source: ")
        .skip(1)
        .map(|chunk| {
            let (src, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (src.to_string(), rest.trim_end_matches('\n').to_string())
        })
        .collect()
}

fn parsed(doc: &str) -> Result<serde_json::Value, String> {
    if doc
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(serde_json::Value::Null);
    }
    serde_saphyr::from_str::<serde_json::Value>(doc).map_err(|e| format!("{e}\n{doc}"))
}

/// How one output compared with helm's.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub documents: usize,
    pub identical_documents: usize,
    pub identical_text: bool,
}

/// Compares our output with helm's: same sources in the same order and equal
/// parsed documents, or an error describing the first difference.
pub fn compare(ours: &str, theirs: &str) -> Result<Comparison, String> {
    let (a, b) = (documents(ours), documents(theirs));
    let sa: Vec<&str> = a.iter().map(|(s, _)| s.as_str()).collect();
    let sb: Vec<&str> = b.iter().map(|(s, _)| s.as_str()).collect();
    if sa != sb {
        return Err(format!(
            "document order differs:\n ours: {sa:?}\n helm: {sb:?}"
        ));
    }
    let mut c = Comparison {
        documents: a.len(),
        identical_text: ours == theirs,
        ..Comparison::default()
    };
    for ((src, x), (_, y)) in a.iter().zip(b.iter()) {
        let (px, py) = (parsed(x)?, parsed(y)?);
        if px != py {
            return Err(format!(
                "document from {src} differs:\n--- ours\n{x}\n--- helm\n{y}"
            ));
        }
        if x == y {
            c.identical_documents += 1;
        }
    }
    Ok(c)
}

/// Copies a directory tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
    for e in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let e = e.unwrap_or_else(|e| panic!("{e}"));
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap_or_else(|err| panic!("{}: {err}", to.display()));
        }
    }
}

/// A `.tgz` of `dir` with its files under `top/` (how `helm package` lays them out).
pub fn package(dir: &Path, top: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    b.append_dir_all(top, dir)
        .unwrap_or_else(|e| panic!("packaging {}: {e}", dir.display()));
    b.into_inner()
        .and_then(|gz| gz.finish())
        .unwrap_or_else(|e| panic!("packaging {}: {e}", dir.display()))
}

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The showcase chart assembled in `dir`: the directory chart plus the
/// `packaged` chart as a nested `.tgz` under `charts/`.
pub fn showcase(dir: &Path) -> PathBuf {
    let chart = dir.join("showcase");
    copy_dir(&testdata().join("charts/showcase"), &chart);
    let tgz = package(&testdata().join("charts/packaged"), "packaged");
    std::fs::write(chart.join("charts/packaged-0.1.2.tgz"), tgz).unwrap_or_else(|e| panic!("{e}"));
    chart
}

/// The message of a failed `helm` run (`Error: MSG` up to Helm's hint line).
pub fn helm_error(stderr: &str) -> String {
    let s = stderr.trim_start();
    let s = s.strip_prefix("Error: ").unwrap_or(s);
    let s = s.split("\n\nUse --debug flag").next().unwrap_or(s);
    s.trim_end().to_string()
}

/// Writes a chart directory `dir/name` from (path, text) pairs.
pub fn write_chart(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = dir.join(name);
    for (path, text) in files {
        let p = root.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    root
}

/// An entry of a hand-made archive.
pub enum Raw<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    /// A file whose header claims this size (the data is not all there).
    Huge(&'a str, u64),
}

/// A `.tgz` with names written as given (no checks), to build hostile archives.
pub fn raw_tgz(entries: &[Raw<'_>]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for e in entries {
        let mut h = tar::Header::new_gnu();
        let (name, data): (&str, &[u8]) = match e {
            Raw::File(n, d) => {
                h.set_size(d.len() as u64);
                (n, d)
            }
            Raw::Symlink(n, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_link_name(target).unwrap_or_else(|e| panic!("{e}"));
                (n, &[])
            }
            Raw::Huge(n, size) => {
                h.set_size(*size);
                (n, &[])
            }
        };
        h.set_mode(0o644);
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        if let Raw::Huge(..) = e {
            // Header only: the reader must refuse it before reading the data.
            let _ = b.append(&h, std::io::repeat(0).take_limited(1024));
            continue;
        }
        b.append(&h, data).unwrap_or_else(|e| panic!("{e}"));
    }
    b.into_inner()
        .and_then(|gz| gz.finish())
        .unwrap_or_else(|e| panic!("{e}"))
}

trait TakeLimited: std::io::Read + Sized {
    fn take_limited(self, n: u64) -> std::io::Take<Self> {
        std::io::Read::take(self, n)
    }
}
impl<R: std::io::Read> TakeLimited for R {}
