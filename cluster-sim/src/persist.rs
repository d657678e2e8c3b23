//! Write-through persistence of the store: a JSON-lines snapshot plus an append-only log of
//! changes, so a simulator killed at any instant restarts with every acknowledged object.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::resources::res_key;
use crate::store::ObjKey;

const SNAPSHOT: &str = "objects.snapshot.jsonl";
const LOG: &str = "objects.log.jsonl";

#[derive(Serialize, Deserialize)]
struct Line {
    rv: u64,
    #[serde(default)]
    res: String,
    #[serde(default)]
    ns: String,
    #[serde(default)]
    name: String,
    /// Absent for a deletion (in the log) and for the counter line (first line of the snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    obj: Option<Value>,
}

/// What was on disk: the counter and the objects with their resourceVersions.
pub struct Loaded {
    pub rv: u64,
    pub objects: Vec<(ObjKey, u64, String)>,
}

pub struct Persist {
    dir: PathBuf,
    log: File,
    log_lines: usize,
}

impl Persist {
    /// Loads the snapshot and replays the log, then starts a fresh log on a new snapshot.
    pub fn open(dir: &Path) -> io::Result<(Persist, Loaded)> {
        fs::create_dir_all(dir)?;
        let mut rv = 0u64;
        let mut objects: std::collections::BTreeMap<(String, String, String), (u64, Value)> =
            Default::default();
        for file in [SNAPSHOT, LOG] {
            let path = dir.join(file);
            let Ok(f) = File::open(&path) else { continue };
            for line in BufReader::new(f).lines() {
                let line = line?;
                // A process killed mid-write leaves at most one torn last line.
                let Ok(l) = serde_json::from_str::<Line>(&line) else {
                    continue;
                };
                rv = rv.max(l.rv);
                if l.res.is_empty() {
                    continue;
                }
                let k = (l.res, l.ns, l.name);
                match l.obj {
                    Some(o) => {
                        objects.insert(k, (l.rv, o));
                    }
                    None => {
                        objects.remove(&k);
                    }
                }
            }
        }
        let loaded = Loaded {
            rv,
            objects: objects
                .into_iter()
                .map(|((res, ns, name), (orv, obj))| {
                    let (group, plural) = res.split_once('/').unwrap_or(("", res.as_str()));
                    (
                        ObjKey::new(&res_key(group, plural), &ns, &name),
                        orv,
                        obj.to_string(),
                    )
                })
                .collect(),
        };
        let mut p = Persist {
            dir: dir.to_path_buf(),
            // Opened without truncation: the log is only emptied once the new snapshot is in place.
            log: OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(LOG))?,
            log_lines: 0,
        };
        p.compact(
            rv,
            loaded.objects.iter().map(|(k, orv, json)| {
                (&k.res, k.ns.as_str(), k.name.as_str(), *orv, json.as_str())
            }),
        )?;
        Ok((p, loaded))
    }

    /// Appends one change; it is in the OS page cache (safe from SIGKILL) when this returns.
    pub fn append(&mut self, rv: u64, key: &ObjKey, obj: Option<&str>) -> io::Result<()> {
        let mut line = format!(
            "{{\"rv\":{rv},\"res\":{},\"ns\":{},\"name\":{}",
            json_str(&key.res),
            json_str(&key.ns),
            json_str(&key.name)
        );
        if let Some(o) = obj {
            line.push_str(",\"obj\":");
            line.push_str(o);
        }
        line.push_str("}\n");
        self.log.write_all(line.as_bytes())?;
        self.log_lines += 1;
        Ok(())
    }

    /// The log has grown past twice the live objects (and a floor): time to fold it in.
    pub fn wants_compaction(&self, objects: usize) -> bool {
        self.log_lines > 50_000.max(objects * 2)
    }

    /// Writes a new snapshot atomically and empties the log.
    pub fn compact<'a>(
        &mut self,
        rv: u64,
        objects: impl Iterator<Item = (&'a std::sync::Arc<str>, &'a str, &'a str, u64, &'a str)>,
    ) -> io::Result<()> {
        let tmp = self.dir.join(format!("{SNAPSHOT}.tmp"));
        {
            let mut w = BufWriter::new(File::create(&tmp)?);
            writeln!(w, "{{\"rv\":{rv}}}")?;
            for (res, ns, name, orv, json) in objects {
                writeln!(
                    w,
                    "{{\"rv\":{orv},\"res\":{},\"ns\":{},\"name\":{},\"obj\":{json}}}",
                    json_str(res),
                    json_str(ns),
                    json_str(name)
                )?;
            }
            w.flush()?;
            w.get_ref().sync_all()?;
        }
        fs::rename(&tmp, self.dir.join(SNAPSHOT))?;
        // Replaying an old log over the new snapshot is harmless (it ends in the same state), so a
        // crash between the rename and the truncation loses nothing.
        self.log = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(self.dir.join(LOG))?;
        self.log_lines = 0;
        Ok(())
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn log_survives_reopen_and_torn_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let res: Arc<str> = Arc::from("/configmaps");
        {
            let (mut p, loaded) = Persist::open(dir.path()).expect("open");
            assert_eq!(loaded.rv, 0);
            p.append(1, &ObjKey::new(&res, "default", "a"), Some("{\"v\":1}"))
                .expect("append");
            p.append(2, &ObjKey::new(&res, "default", "b"), Some("{\"v\":2}"))
                .expect("append");
            p.append(3, &ObjKey::new(&res, "default", "a"), None)
                .expect("append");
            p.log
                .write_all(b"{\"rv\":4,\"res\":\"/configm")
                .expect("torn");
        }
        let (_p, loaded) = Persist::open(dir.path()).expect("reopen");
        assert_eq!(loaded.rv, 3);
        assert_eq!(loaded.objects.len(), 1);
        assert_eq!(loaded.objects[0].0.name, "b");
        assert_eq!(loaded.objects[0].1, 2);
        let (_p, again) = Persist::open(dir.path()).expect("third open");
        assert_eq!(again.rv, 3);
        assert_eq!(again.objects.len(), 1);
    }
}
