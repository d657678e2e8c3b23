//! Safe reading of `.tgz` archives (charts, subcharts, profiles) into memory:
//! no absolute paths, no `..`, no links or devices, bounded sizes and counts.

use std::io::Read;

use flate2::read::GzDecoder;

/// One regular file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised path with `/` separators, relative to the archive root.
    pub path: String,
    pub data: Vec<u8>,
}

/// Bounds on what an archive may expand to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file (Helm: 5 MiB).
    pub max_file: u64,
    /// Largest total of all files (Helm: 100 MiB).
    pub max_total: u64,
    /// Most entries of any kind.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file: 5 * 1024 * 1024,
            max_total: 100 * 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

/// Normalises an archive path like Go's `path.Clean`; rejects absolute paths,
/// parent references and drive letters.
pub fn clean_path(raw: &str) -> Result<String, String> {
    let p = raw.replace('\\', "/");
    if p.starts_with('/') {
        return Err(format!("archive illegally contains absolute path {raw:?}"));
    }
    let bytes = p.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err(format!("archive contains illegally named file {raw:?}"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "archive illegally references parent directory in {raw:?}"
                ));
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// Reads every regular file of a gzip-compressed tar archive. Directories are
/// skipped; symlinks, hard links, devices and FIFOs are refused.
pub fn extract(tgz: &[u8], limits: Limits) -> Result<Vec<Entry>, String> {
    let gz = GzDecoder::new(tgz);
    let mut ar = tar::Archive::new(gz);
    let mut out = Vec::new();
    let mut total: u64 = 0;
    let entries = ar
        .entries()
        .map_err(|e| format!("archive is not a valid gzip-compressed tar file: {e}"))?;
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            return Err(format!(
                "archive has more than {} entries",
                limits.max_entries
            ));
        }
        let mut entry =
            entry.map_err(|e| format!("archive is not a valid gzip-compressed tar file: {e}"))?;
        let kind = entry.header().entry_type();
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        use tar::EntryType as T;
        match kind {
            T::Directory | T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => {
                continue;
            }
            T::Regular | T::Continuous => {}
            T::Symlink | T::Link => {
                return Err(format!(
                    "archive contains a link {raw:?}; links are not allowed"
                ));
            }
            _ => {
                return Err(format!(
                    "archive contains {raw:?}, which is not a regular file"
                ));
            }
        }
        let path = clean_path(&raw)?;
        if path.is_empty() {
            return Err(format!("archive contains an entry without a name: {raw:?}"));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.max_file {
            return Err(format!(
                "file {raw:?} in the archive is larger than the maximum file size {}",
                limits.max_file
            ));
        }
        if total.saturating_add(size) > limits.max_total {
            return Err(format!(
                "archive is larger than the maximum size {}",
                limits.max_total
            ));
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry)
            .take(limits.max_file + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read {raw:?} from the archive: {e}"))?;
        if data.len() as u64 > limits.max_file {
            return Err(format!(
                "file {raw:?} in the archive is larger than the maximum file size {}",
                limits.max_file
            ));
        }
        total += data.len() as u64;
        if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
            data.drain(..3);
        }
        out.push(Entry { path, data });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    /// Builds a `.tgz` from (path, contents); a path ending in `@link` becomes a symlink.
    pub fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = GzEncoder::new(Vec::new(), Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            if let Some(p) = path.strip_suffix("@link") {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                // Writes the raw name: `set_path` would refuse odd names we want to test.
                let name = p.as_bytes();
                h.as_old_mut().name[..name.len()].copy_from_slice(name);
                let _ = h.set_link_name("/etc/passwd");
                h.set_cksum();
                let _ = b.append(&h, std::io::empty());
                continue;
            }
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            let name = path.as_bytes();
            h.as_old_mut().name[..name.len()].copy_from_slice(name);
            h.set_cksum();
            let _ = b.append(&h, *data);
        }
        b.into_inner()
            .and_then(|gz| gz.finish())
            .unwrap_or_default()
    }

    #[test]
    fn reads_regular_files_and_strips_bom() {
        let t = tgz(&[
            ("c/Chart.yaml", b"\xEF\xBB\xBFname: c"),
            ("c/./a//b.txt", b"x"),
        ]);
        let e = extract(&t, Limits::default()).unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].path, "c/Chart.yaml");
        assert_eq!(e[0].data, b"name: c");
        assert_eq!(e[1].path, "c/a/b.txt");
    }

    #[test]
    fn refuses_escapes_links_and_big_files() {
        let abs = extract(&tgz(&[("/etc/x", b"1")]), Limits::default());
        assert!(abs.is_err_and(|e| e.contains("absolute")));
        let up = extract(&tgz(&[("c/../../x", b"1")]), Limits::default());
        assert!(up.is_err_and(|e| e.contains("parent")));
        let link = extract(&tgz(&[("c/l@link", b"")]), Limits::default());
        assert!(link.is_err_and(|e| e.contains("link")));
        let small = Limits {
            max_file: 4,
            ..Limits::default()
        };
        let big = extract(&tgz(&[("c/big", b"12345")]), small);
        assert!(big.is_err_and(|e| e.contains("maximum file size")));
        let total = Limits {
            max_total: 6,
            ..Limits::default()
        };
        let many = extract(&tgz(&[("c/a", b"1234"), ("c/b", b"1234")]), total);
        assert!(many.is_err_and(|e| e.contains("maximum size")));
        let few = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let count = extract(&tgz(&[("c/a", b"1"), ("c/b", b"1")]), few);
        assert!(count.is_err_and(|e| e.contains("entries")));
        assert!(extract(b"not gzip", Limits::default()).is_err());
    }

    #[test]
    fn cleans_paths() {
        assert_eq!(clean_path("a/./b//c"), Ok("a/b/c".to_string()));
        assert_eq!(clean_path("a\\b"), Ok("a/b".to_string()));
        assert!(clean_path("c:/x").is_err());
        assert!(clean_path("a/../b").is_err());
    }
}
