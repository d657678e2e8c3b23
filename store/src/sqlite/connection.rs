//! Opening SQLite connections with the settings this store relies on, the schema, and the
//! translation of SQLite errors into [`StoreError`]s.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::SqliteOptions;
use crate::StoreError;

/// Bumped when the tables change shape; a file with another version is refused.
const SCHEMA_VERSION: i64 = 1;

/// Keys are stored as BLOBs so that ranges compare raw bytes (etcd's order) with plain `<`.
/// A `log.id` is `revision << 24 | n` for the n-th change of a transaction (see `read::log_id`):
/// the log is ordered by revision without an index, and the current revision is the largest id
/// shifted back (a compaction always keeps the newest revision's rows), so a commit writes no
/// counter row.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('compacted', 0);
CREATE TABLE IF NOT EXISTS kv (
    key             BLOB PRIMARY KEY,
    value           BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision    INTEGER NOT NULL,
    version         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
    id                   INTEGER PRIMARY KEY,
    key                  BLOB NOT NULL,
    deleted              INTEGER NOT NULL,
    value                BLOB NOT NULL,
    create_revision      INTEGER NOT NULL,
    version              INTEGER NOT NULL,
    prev_value           BLOB,
    prev_create_revision INTEGER,
    prev_mod_revision    INTEGER,
    prev_version         INTEGER
);
";

/// Translates a SQLite error, keeping what was being done as context.
pub(crate) fn map_err(context: &str, err: rusqlite::Error) -> StoreError {
    let text = format!("{context}: {err}");
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull) => {
            StoreError::Unavailable(text)
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt(text),
        _ => StoreError::Other(text),
    }
}

/// `map_err` with the file named, for errors of opening and setting up a connection.
fn at<'a>(context: &'a str, path: &'a Path) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |err| map_err(&format!("{context} ({})", path.display()), err)
}

/// `map_err` curried for `.map_err(ctx("..."))`.
pub(crate) fn ctx(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |err| map_err(context, err)
}

/// A busy handler that retries for up to `timeout`, sleeping briefly with jitter.
///
/// SQLite's own busy timeout sleeps up to 100 ms between tries, so a process waiting for
/// another's write lock tends to lose to a writer that re-takes it within microseconds. Short,
/// jittered sleeps give every process a fair turn and keep cross-process write latency low.
fn busy_waiter(timeout: Duration) -> impl FnMut(i32) -> bool + Send + 'static {
    let mut since = Instant::now();
    move |attempt| {
        if attempt == 0 {
            since = Instant::now();
        }
        if since.elapsed() >= timeout {
            return false;
        }
        let step = 50u64 << attempt.clamp(0, 5);
        let jitter = u64::from(since.elapsed().subsec_nanos()) % step;
        std::thread::sleep(Duration::from_micros(step + jitter));
        true
    }
}

fn open_raw(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    // No URI interpretation: the path is a file name, whatever characters it holds.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(at("opening the store", path))?;
    conn.busy_handler(Some(busy_waiter(options.busy_timeout)))
        .map_err(at("setting the busy handler", path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(at("setting synchronous=NORMAL", path))?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Opens the write connection: switches the file to WAL and creates the schema if needed.
pub(crate) fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let mut conn = open_raw(path, options)?;
    // Two processes creating the same new file race for the journal-mode switch and the
    // schema; SQLite may answer BUSY without waiting, so retry for as long as a write would wait.
    let deadline = Instant::now() + options.busy_timeout;
    loop {
        match init_schema(&mut conn, path) {
            Err(StoreError::Unavailable(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other.map(|()| conn),
        }
    }
}

fn init_schema(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
        .map_err(at("switching to WAL mode", path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Other(format!(
            "{} cannot use WAL mode (journal mode stays {mode:?}); several processes could not share it",
            path.display()
        )));
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(at("starting schema setup", path))?;
    tx.execute_batch(SCHEMA)
        .map_err(at("creating the schema", path))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(at("reading the schema version", path))?;
    match version {
        0 => tx
            .pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(at("writing the schema version", path))?,
        SCHEMA_VERSION => {}
        other => {
            return Err(StoreError::Corrupt(format!(
                "{} has store schema version {other}, this program knows version {SCHEMA_VERSION}",
                path.display()
            )));
        }
    }
    tx.commit().map_err(at("committing schema setup", path))
}

/// Opens a read connection; the schema must exist (the writer is opened first).
pub(crate) fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = open_raw(path, options)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(at("making a read connection read-only", path))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_sqlite_is_reported_corrupt() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("garbage.db");
        std::fs::write(&path, vec![0x42u8; 8192])?;
        match open_writer(&path, &SqliteOptions::default()) {
            Err(StoreError::Corrupt(text)) => {
                assert!(
                    text.contains("garbage.db") && text.contains("not a database"),
                    "{text}"
                )
            }
            other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
        }
        Ok(())
    }

    #[test]
    fn a_newer_schema_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("s.db");
        let conn = open_writer(&path, &SqliteOptions::default())?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)?;
        drop(conn);
        match open_writer(&path, &SqliteOptions::default()) {
            Err(StoreError::Corrupt(text)) => assert!(text.contains("schema version"), "{text}"),
            other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
        }
        Ok(())
    }

    #[test]
    fn reopening_keeps_wal_and_schema() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("s.db");
        drop(open_writer(&path, &SqliteOptions::default())?);
        let conn = open_writer(&path, &SqliteOptions::default())?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        assert_eq!(mode, "wal");
        assert_eq!(super::super::read::revision(&conn)?, 0);
        Ok(())
    }
}
