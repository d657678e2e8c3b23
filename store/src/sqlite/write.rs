//! Writes: transactions and compaction, inside `BEGIN IMMEDIATE` SQLite transactions.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::connection::ctx;
use super::read;
use crate::{Compare, KeyValue, Op, Revision, StoreError, Txn, TxnResponse, prefix_end};

fn begin(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    // IMMEDIATE takes the write lock before the first read, so the compares below see the
    // latest commit of every process and nobody can commit in between.
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(ctx("waiting for the write lock"))
}

/// Runs store transactions in order inside one SQLite transaction (one commit for all of
/// them); each still gets its own revision. On an error nothing is committed.
pub(crate) fn batch(conn: &mut Connection, txns: &[&Txn]) -> Result<Vec<TxnResponse>, StoreError> {
    let tx = begin(conn)?;
    let mut responses = Vec::with_capacity(txns.len());
    let mut changed = false;
    for txn in txns {
        let (resp, changes) = run(&tx, txn)?;
        changed |= changes > 0;
        responses.push(resp);
    }
    if changed {
        tx.commit().map_err(ctx("committing a transaction"))?;
    }
    // Otherwise dropping `tx` ends it without a commit record.
    Ok(responses)
}

/// Runs one store transaction inside `tx`; the revision is derived from the file inside the
/// write lock, never from memory. Returns the response and the number of changes made.
fn run(tx: &Transaction<'_>, txn: &Txn) -> Result<(TxnResponse, i64), StoreError> {
    txn.validate()?;
    let current = read::revision(tx)?;
    let mut succeeded = true;
    for compare in &txn.compares {
        if !holds(tx, compare)? {
            succeeded = false;
            break;
        }
    }
    let ops = if succeeded {
        &txn.success
    } else {
        &txn.failure
    };
    let mut log = Log {
        revision: current + 1,
        changes: 0,
    };
    for op in ops {
        apply(tx, op, &mut log)?;
    }
    let revision = if log.changes == 0 {
        current
    } else {
        log.revision
    };
    Ok((
        TxnResponse {
            succeeded,
            revision,
        },
        log.changes,
    ))
}

fn holds(tx: &Transaction<'_>, compare: &Compare) -> Result<bool, StoreError> {
    Ok(match compare {
        Compare::Exists(key) => read::get(tx, key)?.is_some(),
        Compare::Missing(key) => read::get(tx, key)?.is_none(),
        Compare::ModRevision { key, revision } => {
            read::get(tx, key)?.map_or(0, |kv| kv.mod_revision) == *revision
        }
        Compare::Value { key, value } => read::get(tx, key)?.is_some_and(|kv| kv.value == *value),
        Compare::PrefixUnchangedSince { prefix, revision } => {
            let newer: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM kv
                     WHERE key >= ?1 AND key < ?2 AND mod_revision > ?3)",
                )
                .and_then(|mut stmt| {
                    stmt.query_row((prefix.as_bytes(), prefix_end(prefix), revision), |row| {
                        row.get(0)
                    })
                })
                .map_err(ctx("comparing a prefix"))?;
            !newer
        }
    })
}

/// Where the changes of the running transaction go in the log.
struct Log {
    revision: Revision,
    changes: i64,
}

/// Applies one op, logging each change.
fn apply(tx: &Transaction<'_>, op: &Op, log: &mut Log) -> Result<(), StoreError> {
    let revision = log.revision;
    match op {
        Op::Put { key, value } => {
            let prev = read::get(tx, key)?;
            let (create_revision, version) = match &prev {
                Some(p) => (p.create_revision, p.version + 1),
                None => (revision, 1),
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO kv (key, value, create_revision, mod_revision, version)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut stmt| {
                stmt.execute((key.as_bytes(), value, create_revision, revision, version))
            })
            .map_err(ctx("writing a key"))?;
            let now = KeyValue {
                key: key.clone(),
                value: value.clone(),
                create_revision,
                mod_revision: revision,
                version,
            };
            record(tx, log, false, &now, prev.as_ref())
        }
        Op::Delete { key } => match read::get(tx, key)? {
            Some(prev) => delete(tx, &prev, log),
            None => Ok(()),
        },
        Op::DeletePrefix { prefix } => {
            for prev in read::keys_under(tx, prefix)? {
                delete(tx, &prev, log)?;
            }
            Ok(())
        }
    }
}

fn delete(tx: &Transaction<'_>, prev: &KeyValue, log: &mut Log) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM kv WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute([prev.key.as_bytes()]))
        .map_err(ctx("deleting a key"))?;
    let tombstone = KeyValue {
        key: prev.key.clone(),
        value: Vec::new(),
        create_revision: 0,
        mod_revision: log.revision,
        version: 0,
    };
    record(tx, log, true, &tombstone, Some(prev))
}

fn record(
    tx: &Transaction<'_>,
    log: &mut Log,
    deleted: bool,
    kv: &KeyValue,
    prev: Option<&KeyValue>,
) -> Result<(), StoreError> {
    if log.changes > read::MAX_CHANGES {
        return Err(StoreError::InvalidArgument(format!(
            "a transaction may change at most {} keys",
            read::MAX_CHANGES + 1
        )));
    }
    let id = read::log_id(log.revision, log.changes);
    log.changes += 1;
    tx.prepare_cached(
        "INSERT INTO log (id, key, deleted, value, create_revision, version,
                          prev_value, prev_create_revision, prev_mod_revision, prev_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute((
            id,
            kv.key.as_bytes(),
            deleted,
            &kv.value,
            kv.create_revision,
            kv.version,
            prev.map(|p| &p.value),
            prev.map(|p| p.create_revision),
            prev.map(|p| p.mod_revision),
            prev.map(|p| p.version),
        ))
    })
    .map_err(ctx("recording a change"))?;
    Ok(())
}

/// Drops log rows below `revision`; see [`crate::Store::compact`] for the rules.
pub(crate) fn compact(conn: &mut Connection, revision: Revision) -> Result<(), StoreError> {
    let tx = begin(conn)?;
    let current = read::revision(&tx)?;
    if revision > current {
        return Err(StoreError::FutureRevision {
            requested: revision,
            current,
        });
    }
    if revision <= read::compacted(&tx)? {
        return Ok(());
    }
    // The newest revision's rows are never below the compaction point, so they stay: the
    // current revision is derived from them.
    tx.execute("DELETE FROM log WHERE id < ?1", [read::log_id(revision, 0)])
        .map_err(ctx("dropping old history"))?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE name = 'compacted'",
        [revision],
    )
    .map_err(ctx("recording the compaction"))?;
    tx.commit().map_err(ctx("committing a compaction"))
}
