//! Writes: transactions and compaction, each inside one `BEGIN IMMEDIATE` SQLite transaction.

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

/// Runs one store transaction; the revision is derived from the file inside the lock.
pub(crate) fn txn(conn: &mut Connection, txn: &Txn) -> Result<TxnResponse, StoreError> {
    txn.validate()?;
    let tx = begin(conn)?;
    let current = read::meta(&tx, "revision")?;
    let mut succeeded = true;
    for compare in &txn.compares {
        if !holds(&tx, compare)? {
            succeeded = false;
            break;
        }
    }
    let ops = if succeeded {
        &txn.success
    } else {
        &txn.failure
    };
    let next = current + 1;
    let mut changed = false;
    for op in ops {
        changed |= apply(&tx, op, next)?;
    }
    if !changed {
        // Nothing written: end the transaction without a commit record.
        return Ok(TxnResponse {
            succeeded,
            revision: current,
        });
    }
    tx.execute("UPDATE meta SET value = ?1 WHERE name = 'revision'", [next])
        .map_err(ctx("advancing the revision"))?;
    tx.commit().map_err(ctx("committing a transaction"))?;
    Ok(TxnResponse {
        succeeded,
        revision: next,
    })
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

/// Applies one op at `revision`; returns whether it changed anything.
fn apply(tx: &Transaction<'_>, op: &Op, revision: Revision) -> Result<bool, StoreError> {
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
            log(tx, revision, false, &now, prev.as_ref())?;
            Ok(true)
        }
        Op::Delete { key } => match read::get(tx, key)? {
            Some(prev) => {
                delete(tx, &prev, revision)?;
                Ok(true)
            }
            None => Ok(false),
        },
        Op::DeletePrefix { prefix } => {
            let doomed = read::keys_under(tx, prefix)?;
            for prev in &doomed {
                delete(tx, prev, revision)?;
            }
            Ok(!doomed.is_empty())
        }
    }
}

fn delete(tx: &Transaction<'_>, prev: &KeyValue, revision: Revision) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM kv WHERE key = ?1")
        .and_then(|mut stmt| stmt.execute([prev.key.as_bytes()]))
        .map_err(ctx("deleting a key"))?;
    let tombstone = KeyValue {
        key: prev.key.clone(),
        value: Vec::new(),
        create_revision: 0,
        mod_revision: revision,
        version: 0,
    };
    log(tx, revision, true, &tombstone, Some(prev))
}

fn log(
    tx: &Transaction<'_>,
    revision: Revision,
    deleted: bool,
    kv: &KeyValue,
    prev: Option<&KeyValue>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO log (revision, key, deleted, value, create_revision, version,
                          prev_value, prev_create_revision, prev_mod_revision, prev_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute((
            revision,
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
    let current = read::meta(&tx, "revision")?;
    if revision > current {
        return Err(StoreError::FutureRevision {
            requested: revision,
            current,
        });
    }
    if revision <= read::meta(&tx, "compacted")? {
        return Ok(());
    }
    tx.execute("DELETE FROM log WHERE revision < ?1", [revision])
        .map_err(ctx("dropping old history"))?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE name = 'compacted'",
        [revision],
    )
    .map_err(ctx("recording the compaction"))?;
    tx.commit().map_err(ctx("committing a compaction"))
}
