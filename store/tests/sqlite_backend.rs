//! Behaviour specific to the SQLite backend: opening, locking, and sharing one file between
//! independent store instances (as separate processes do).

use std::time::Duration;

use emco_store::sqlite::{SqliteOptions, SqliteStore};
use emco_store::{Op, Store, StoreError, Txn};
use futures::StreamExt;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn a_write_lock_held_past_the_busy_timeout_is_unavailable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.db");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(&path, options).await?;
    store.txn(Txn::new().then(Op::put("/k", "1"))).await?;

    let blocker = rusqlite::Connection::open(&path)?;
    blocker.execute_batch("BEGIN IMMEDIATE")?;
    match store.txn(Txn::new().then(Op::put("/k", "2"))).await {
        Err(err @ StoreError::Unavailable(_)) => assert!(err.is_transient()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // WAL: reads go on while another connection holds the write lock.
    let kv = store.get("/k").await?;
    assert_eq!(kv.map(|kv| kv.value), Some(b"1".to_vec()));

    blocker.execute_batch("ROLLBACK")?;
    let resp = store.txn(Txn::new().then(Op::put("/k", "2"))).await?;
    assert_eq!(
        resp.revision, 2,
        "the failed attempt must not have used a revision"
    );
    Ok(())
}

#[tokio::test]
async fn data_survives_closing_and_reopening() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("nested/dir/s.db").display());
    let store = emco_store::open(&url).await?;
    let rev = store.put("/persist", "yes").await?;
    drop(store);
    let store = emco_store::open(&url).await?;
    let kv = store.get("/persist").await?;
    assert_eq!(
        kv.map(|kv| (kv.value, kv.mod_revision)),
        Some((b"yes".to_vec(), rev))
    );
    assert_eq!(store.revision().await?, rev);
    Ok(())
}

#[tokio::test]
async fn two_instances_can_create_the_same_new_file_at_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.db");
    let (a, b) = tokio::join!(SqliteStore::open(&path), SqliteStore::open(&path));
    let (a, b) = (a?, b?);
    let rev = a.txn(Txn::new().then(Op::put("/x", "1"))).await?.revision;
    assert_eq!(b.get("/x").await?.map(|kv| kv.mod_revision), Some(rev));
    Ok(())
}

#[tokio::test]
async fn a_watcher_sees_writes_of_another_instance() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.db");
    let watcher = SqliteStore::open(&path).await?;
    let writer = SqliteStore::open(&path).await?;
    let mut stream = watcher.watch("/x/", 1).await?;
    // Only polling can tell `watcher` about these commits.
    drop(watcher);
    let rev = writer
        .txn(Txn::new().then(Op::put("/x/1", "a")))
        .await?
        .revision;
    let event = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await?
        .ok_or("the watch ended")??;
    assert_eq!(
        (event.kv.key.as_str(), event.kv.mod_revision),
        ("/x/1", rev)
    );
    Ok(())
}

#[tokio::test]
async fn bad_locations_are_refused_clearly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![7u8; 4096])?;
    match emco_store::open(&format!("sqlite:{}", garbage.display())).await {
        Err(StoreError::Corrupt(text)) => assert!(text.contains("garbage.db"), "{text}"),
        other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
    }
    match emco_store::open("etcd://127.0.0.1:2379").await {
        Err(StoreError::InvalidArgument(text)) => assert!(text.contains("etcd"), "{text}"),
        other => panic!("expected InvalidArgument, got {:?}", other.map(|_| ())),
    }
    match emco_store::open("sqlite::memory:").await {
        Err(StoreError::InvalidArgument(text)) => assert!(text.contains("in-memory"), "{text}"),
        other => panic!("expected InvalidArgument, got {:?}", other.map(|_| ())),
    }
    Ok(())
}

#[tokio::test]
async fn a_watch_from_beyond_any_revision_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path().join("s.db")).await?;
    match store.watch("/", i64::MAX).await {
        Err(StoreError::InvalidArgument(_)) => Ok(()),
        Err(other) => panic!("expected InvalidArgument, got {other:?}"),
        Ok(_) => panic!("expected InvalidArgument, got a stream"),
    }
}
