//! Reads: single keys, prefix ranges, the revision counters and batches of the change log.

use rusqlite::{Connection, OptionalExtension, Row};

use super::connection::ctx;
use crate::{EventKind, KeyValue, RangeResponse, Revision, StoreError, WatchEvent, prefix_end};

const KV_COLUMNS: &str = "key, value, create_revision, mod_revision, version";

fn key_from_blob(bytes: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(bytes)
        .map_err(|e| StoreError::Corrupt(format!("a stored key is not UTF-8: {e}")))
}

/// Reads a `KV_COLUMNS` row; the key is checked later, outside rusqlite's error type.
fn raw_kv(row: &Row<'_>) -> rusqlite::Result<(Vec<u8>, KeyValue)> {
    Ok((
        row.get(0)?,
        KeyValue {
            key: String::new(),
            value: row.get(1)?,
            create_revision: row.get(2)?,
            mod_revision: row.get(3)?,
            version: row.get(4)?,
        },
    ))
}

fn finish_kv((key, mut kv): (Vec<u8>, KeyValue)) -> Result<KeyValue, StoreError> {
    kv.key = key_from_blob(key)?;
    Ok(kv)
}

/// Bits of a log id that number the changes within one transaction.
const SEQ_BITS: u32 = 24;
/// The most changes one transaction can make.
pub(crate) const MAX_CHANGES: i64 = (1 << SEQ_BITS) - 1;

/// The largest revision a log id can hold (about 5 * 10^11).
pub(crate) const MAX_REVISION: Revision = i64::MAX >> SEQ_BITS;

/// The log id of the `n`-th change (from 0) of the transaction at `revision`.
pub(crate) fn log_id(revision: Revision, n: i64) -> i64 {
    (revision << SEQ_BITS) | n
}

/// The current revision: that of the newest log row (0 for a store never written).
pub(crate) fn revision(conn: &Connection) -> Result<Revision, StoreError> {
    conn.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM log")
        .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, i64>(0)))
        .map(|id| id >> SEQ_BITS)
        .map_err(ctx("reading the revision"))
}

/// The compaction point: history below it is gone.
pub(crate) fn compacted(conn: &Connection) -> Result<Revision, StoreError> {
    conn.prepare_cached("SELECT value FROM meta WHERE name = 'compacted'")
        .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
        .map_err(ctx("reading the compaction point"))
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<KeyValue>, StoreError> {
    let sql = format!("SELECT {KV_COLUMNS} FROM kv WHERE key = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([key.as_bytes()], raw_kv).optional())
        .map_err(ctx("reading a key"))?;
    raw.map(finish_kv).transpose()
}

/// Keys in `[prefix, prefix_end(prefix))`, sorted by bytes.
pub(crate) fn keys_under(conn: &Connection, prefix: &str) -> Result<Vec<KeyValue>, StoreError> {
    let sql = format!("SELECT {KV_COLUMNS} FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key");
    let raws = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_map((prefix.as_bytes(), prefix_end(prefix)), raw_kv)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(ctx("reading a range"))?;
    raws.into_iter().map(finish_kv).collect()
}

pub(crate) fn range(conn: &mut Connection, prefix: &str) -> Result<RangeResponse, StoreError> {
    // One read transaction, so the keys and the revision come from the same snapshot.
    let tx = conn.transaction().map_err(ctx("starting a read"))?;
    let kvs = keys_under(&tx, prefix)?;
    let revision = revision(&tx)?;
    Ok(RangeResponse { kvs, revision })
}

/// What one read of the change log found.
pub(crate) struct LogBatch {
    /// Matching events after the requested id, in commit order, with their log ids.
    pub events: Vec<(i64, WatchEvent)>,
    /// True when the batch stopped at its limit (more rows may follow).
    pub truncated: bool,
    /// The highest log id in the snapshot: nothing at or below it is still to come.
    pub max_id: i64,
    /// The store revision in the snapshot.
    pub revision: Revision,
    /// The compaction point in the snapshot.
    pub compacted: Revision,
}

/// Log rows after `after_id` whose key starts with `prefix`, at most `limit` of them.
pub(crate) fn log_after(
    conn: &mut Connection,
    prefix: &str,
    after_id: i64,
    limit: usize,
) -> Result<LogBatch, StoreError> {
    let tx = conn.transaction().map_err(ctx("starting a log read"))?;
    let revision = revision(&tx)?;
    let compacted = compacted(&tx)?;
    let raws = tx
        .prepare_cached(
            "SELECT id, key, deleted, value, create_revision, version,
                    prev_value, prev_create_revision, prev_mod_revision, prev_version
             FROM log WHERE id > ?1 AND key >= ?2 AND key < ?3 ORDER BY id LIMIT ?4",
        )
        .and_then(|mut stmt| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            stmt.query_map(
                (after_id, prefix.as_bytes(), prefix_end(prefix), limit),
                raw_event,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(ctx("reading the log"))?;
    let truncated = raws.len() >= limit;
    let events = raws
        .into_iter()
        .map(|(id, key, mut event)| {
            let key = key_from_blob(key)?;
            if let Some(prev) = event.prev.as_mut() {
                prev.key = key.clone();
            }
            event.kv.key = key;
            Ok((id, event))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(LogBatch {
        events,
        truncated,
        max_id: log_id(revision, MAX_CHANGES),
        revision,
        compacted,
    })
}

type RawEvent = (i64, Vec<u8>, WatchEvent);

fn raw_event(row: &Row<'_>) -> rusqlite::Result<RawEvent> {
    let id: i64 = row.get(0)?;
    let deleted: bool = row.get(2)?;
    let prev = match row.get::<_, Option<Revision>>(8)? {
        Some(prev_mod) => Some(KeyValue {
            key: String::new(),
            value: row.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default(),
            create_revision: row.get::<_, Option<Revision>>(7)?.unwrap_or_default(),
            mod_revision: prev_mod,
            version: row.get::<_, Option<i64>>(9)?.unwrap_or_default(),
        }),
        None => None,
    };
    let event = WatchEvent {
        kind: if deleted {
            EventKind::Delete
        } else {
            EventKind::Put
        },
        kv: KeyValue {
            key: String::new(),
            value: row.get(3)?,
            create_revision: row.get(4)?,
            mod_revision: id >> SEQ_BITS,
            version: row.get(5)?,
        },
        prev,
    };
    Ok((id, row.get(1)?, event))
}
