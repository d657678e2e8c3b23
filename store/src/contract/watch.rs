//! Contract cases for watches: history replay, live events, prefix isolation, compaction.

use std::sync::Arc;

use futures::StreamExt;

use super::{Context, ContractError, ContractResult, delete, put, seen, take_events};
use crate::{EventKind, Op, Revision, Store, StoreError, Txn};

/// A watch from an old revision replays the history after it in order, then follows live writes.
pub async fn watch_history_then_live(store: Arc<dyn Store>) -> ContractResult {
    let ra = store.put("/w/a", "1").await.ctx("put a")?;
    let rb = store.put("/w/b", "1").await.ctx("put b")?;
    let ra2 = store.put("/w/a", "2").await.ctx("update a")?;
    store.put("/other/x", "1").await.ctx("put other")?;
    let rdel = store.delete("/w/b").await.ctx("delete b")?;
    let rmulti = store
        .txn(
            Txn::new()
                .then(Op::put("/w/c", "1"))
                .then(Op::put("/other/y", "1"))
                .then(Op::put("/w/d", "1")),
        )
        .await
        .ctx("multi put")?
        .revision;
    let rdp = store
        .txn(Txn::new().then(Op::delete_prefix("/w/")))
        .await
        .ctx("delete prefix")?
        .revision;

    let mut watch = store.watch("/w/", rb).await.ctx("watch from rb")?;
    let history = take_events(&mut watch, 8, "history").await?;
    let got: Vec<_> = history.iter().map(seen).collect();
    let want = vec![
        put("/w/b", rb, "1"),
        put("/w/a", ra2, "2"),
        delete("/w/b", rdel),
        put("/w/c", rmulti, "1"),
        put("/w/d", rmulti, "1"),
        delete("/w/a", rdp),
        delete("/w/c", rdp),
        delete("/w/d", rdp),
    ];
    ensure_eq!(got, want, "history from revision {rb}");

    let update = &history[1];
    ensure_eq!(
        (update.kv.create_revision, update.kv.version),
        (ra, 2),
        "an update event carries the key's bookkeeping"
    );
    let prev = update
        .prev
        .as_ref()
        .ok_or_else(|| ContractError::Violated("an update must carry prev".into()))?;
    ensure_eq!(
        (
            prev.key.as_str(),
            prev.value.as_slice(),
            prev.mod_revision,
            prev.version
        ),
        ("/w/a", b"1".as_slice(), ra, 1),
        "prev of the update"
    );
    ensure!(
        history[0].prev.is_none(),
        "a create has no prev: {:?}",
        history[0]
    );
    let del = &history[2];
    let prev = del
        .prev
        .as_ref()
        .ok_or_else(|| ContractError::Violated("a delete must carry prev".into()))?;
    ensure_eq!(
        (prev.value.as_slice(), prev.mod_revision),
        (b"1".as_slice(), rb),
        "prev of the delete"
    );

    // Live: only keys under the prefix, in order.
    let rlive = store.put("/w/e", "live").await.ctx("live put")?;
    let rlive2 = store
        .txn(
            Txn::new()
                .then(Op::put("/other/z", "1"))
                .then(Op::put("/w/f", "live")),
        )
        .await
        .ctx("live txn")?
        .revision;
    let live = take_events(&mut watch, 2, "live").await?;
    let got: Vec<_> = live.iter().map(seen).collect();
    ensure_eq!(
        got,
        vec![put("/w/e", rlive, "live"), put("/w/f", rlive2, "live")],
        "live events"
    );

    // From the beginning: the first event is the first write.
    let mut from_start = store.watch("/w/", 0).await.ctx("watch from 0")?;
    let first = take_events(&mut from_start, 1, "from start").await?;
    ensure_eq!(seen(&first[0]), put("/w/a", ra, "1"), "first event from 0");
    Ok(())
}

/// A watch sees keys under its prefix only, not keys that merely share leading characters.
pub async fn watch_prefix_isolation(store: Arc<dyn Store>) -> ContractResult {
    let start = store.revision().await.ctx("revision")? + 1;
    let mut p = store.watch("/p/", start).await.ctx("watch /p/")?;
    let mut pp = store.watch("/pp/", start).await.ctx("watch /pp/")?;
    for key in ["/p", "/p0", "/pp/x", "/q/p/", "/P/x"] {
        store.put(key, "x").await.ctx(format!("put {key}"))?;
    }
    let r_inside = store.put("/p/inside", "x").await.ctx("put /p/inside")?;
    let r_pp = store.put("/pp/y", "x").await.ctx("put /pp/y")?;
    // Earlier writes elsewhere would have arrived first, so the first event proves isolation.
    let got: Vec<_> = take_events(&mut p, 1, "watch /p/")
        .await?
        .iter()
        .map(seen)
        .collect();
    ensure_eq!(got, vec![put("/p/inside", r_inside, "x")], "watch /p/");
    let got: Vec<_> = take_events(&mut pp, 2, "watch /pp/")
        .await?
        .iter()
        .map(seen)
        .collect();
    ensure_eq!(
        got,
        vec![put("/pp/x", start + 2, "x"), put("/pp/y", r_pp, "x")],
        "watch /pp/"
    );
    Ok(())
}

/// A history longer than any internal batch arrives complete and in order, including
/// transactions whose events straddle a batch boundary.
pub async fn watch_long_history(store: Arc<dyn Store>) -> ContractResult {
    let start = store.revision().await.ctx("revision")? + 1;
    let (txns, per_txn) = (400usize, 3usize);
    let mut want = Vec::new();
    for i in 0..txns {
        let mut txn = Txn::new();
        let keys: Vec<String> = (0..per_txn).map(|j| format!("/long/{i:04}/{j}")).collect();
        for key in &keys {
            txn = txn.then(Op::put(key.clone(), key.clone()));
        }
        let rev = store.txn(txn).await.ctx("long history write")?.revision;
        want.extend(keys.iter().map(|k| put(k, rev, k)));
    }
    let mut watch = store.watch("/long/", start).await.ctx("watch")?;
    let got: Vec<_> = take_events(&mut watch, txns * per_txn, "long history")
        .await?
        .iter()
        .map(seen)
        .collect();
    ensure!(got == want, "long history differs from what was written");
    Ok(())
}

/// Compaction drops history: older starts fail with Compacted, newer ones still replay,
/// keys stay, and live watchers keep going.
pub async fn watch_compaction(store: Arc<dyn Store>) -> ContractResult {
    let mut revs: Vec<Revision> = Vec::new();
    for i in 0..10 {
        revs.push(
            store
                .put(format!("/cmp/k{i}"), i.to_string())
                .await
                .ctx("put")?,
        );
    }
    let current = store.revision().await.ctx("revision")?;
    let mut live = store.watch("/cmp/", current + 1).await.ctx("live watch")?;

    store.compact(revs[5]).await.ctx("compact")?;
    store
        .compact(revs[2])
        .await
        .ctx("compact below the compaction point")?;
    match store.compact(current + 100).await {
        Err(StoreError::FutureRevision { .. }) => {}
        other => {
            return Err(ContractError::Violated(format!(
                "compacting past the current revision: expected FutureRevision, got {other:?}"
            )));
        }
    }

    match store.watch("/cmp/", revs[2]).await {
        Err(err) => expect_compacted(err, revs[5])?,
        Ok(mut stream) => {
            let first = tokio::time::timeout(super::DEADLINE, stream.next()).await;
            match first {
                Ok(Some(Err(err))) => expect_compacted(err, revs[5])?,
                other => {
                    return Err(ContractError::Violated(format!(
                        "a watch from a compacted revision must fail, got {other:?}"
                    )));
                }
            }
        }
    }

    let mut kept = store.watch("/cmp/", revs[5]).await.ctx("watch from kept")?;
    let got: Vec<Revision> = take_events(&mut kept, 5, "kept history")
        .await?
        .iter()
        .map(|e| e.kv.mod_revision)
        .collect();
    ensure_eq!(got, revs[5..].to_vec(), "history from the compaction point");
    ensure_eq!(
        store.range("/cmp/").await.ctx("range")?.kvs.len(),
        10,
        "compaction keeps current keys"
    );

    let r = store
        .put("/cmp/after", "x")
        .await
        .ctx("put after compaction")?;
    let got = take_events(&mut live, 1, "live after compaction").await?;
    ensure_eq!(
        (got[0].kind.clone(), got[0].kv.mod_revision),
        (EventKind::Put, r),
        "a live watcher continues across compaction"
    );
    Ok(())
}

fn expect_compacted(err: StoreError, compacted_at: Revision) -> ContractResult {
    match err {
        StoreError::Compacted { compacted, .. } if compacted == compacted_at => Ok(()),
        other => Err(ContractError::Violated(format!(
            "expected Compacted at {compacted_at}, got {other:?}"
        ))),
    }
}
