//! Contract cases for transaction conditions and atomicity.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Context, ContractError, ContractResult};
use crate::{Compare, Op, Store, Txn};

/// Every compare kind, true and false, picks the right branch; several compares are ANDed.
pub async fn compares(store: Arc<dyn Store>) -> ContractResult {
    let rx = store.put("/c/x", "1").await.ctx("put /c/x")?;
    let cases: Vec<(Vec<Compare>, bool)> = vec![
        (vec![Compare::exists("/c/x")], true),
        (vec![Compare::exists("/c/y")], false),
        (vec![Compare::missing("/c/y")], true),
        (vec![Compare::missing("/c/x")], false),
        (vec![Compare::mod_revision("/c/x", rx)], true),
        (vec![Compare::mod_revision("/c/x", rx + 7)], false),
        (vec![Compare::mod_revision("/c/y", 0)], true),
        (vec![Compare::mod_revision("/c/y", rx)], false),
        (vec![Compare::mod_revision("/c/x", 0)], false),
        (vec![Compare::value("/c/x", "1")], true),
        (vec![Compare::value("/c/x", "2")], false),
        (vec![Compare::value("/c/y", "")], false),
        (vec![Compare::prefix_unchanged_since("/c/", rx)], true),
        (vec![Compare::prefix_unchanged_since("/c/", rx - 1)], false),
        (vec![Compare::prefix_unchanged_since("/none/", 0)], true),
        (
            vec![Compare::exists("/c/x"), Compare::missing("/c/y")],
            true,
        ),
        (
            vec![Compare::exists("/c/x"), Compare::exists("/c/y")],
            false,
        ),
        (
            vec![Compare::missing("/c/x"), Compare::missing("/c/y")],
            false,
        ),
    ];
    for (i, (compares, want)) in cases.into_iter().enumerate() {
        let what = format!("case {i} {compares:?}");
        let txn = Txn {
            compares,
            success: vec![Op::put("/result", format!("success {i}"))],
            failure: vec![Op::put("/result", format!("failure {i}"))],
        };
        let resp = store.txn(txn).await.ctx(what.clone())?;
        ensure_eq!(resp.succeeded, want, "{what}");
        let result = store.get("/result").await.ctx("get /result")?;
        let branch = if want { "success" } else { "failure" };
        ensure_eq!(
            result.map(|kv| kv.value),
            Some(format!("{branch} {i}").into_bytes()),
            "{what}: the {branch} branch must have run"
        );
        ensure_eq!(resp.revision, rx + 1 + i as i64, "{what}: revision");
    }

    // A put under the prefix after `rx` makes the prefix compare fail from then on.
    let ry = store.put("/c/y", "1").await.ctx("put /c/y")?;
    let resp = store
        .txn(Txn::new().when(Compare::prefix_unchanged_since("/c/", ry - 1)))
        .await
        .ctx("prefix compare after a put")?;
    ensure!(
        !resp.succeeded,
        "a put under the prefix after the revision must fail it"
    );
    let resp = store
        .txn(Txn::new().when(Compare::prefix_unchanged_since("/c/", ry)))
        .await
        .ctx("prefix compare at the put")?;
    ensure!(resp.succeeded, "no put after the revision: must hold");
    Ok(())
}

/// Transactions are all-or-nothing for readers and serialize under concurrent CAS writers.
pub async fn atomicity(store: Arc<dyn Store>) -> ContractResult {
    // 1. A reader never sees half of a two-key transaction.
    let writer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for i in 0..150 {
                let v = i.to_string();
                store
                    .txn(
                        Txn::new()
                            .then(Op::put("/at/a", v.clone()))
                            .then(Op::put("/at/b", v)),
                    )
                    .await
                    .ctx("pair write")?;
            }
            Ok::<_, ContractError>(())
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads == 0 {
        let kvs = store.range("/at/").await.ctx("pair read")?.kvs;
        reads += 1;
        match kvs.as_slice() {
            [] => {}
            [a, b] => ensure!(
                a.value == b.value && a.mod_revision == b.mod_revision,
                "a reader saw half a transaction: {a:?} / {b:?}"
            ),
            other => {
                return Err(ContractError::Violated(format!(
                    "unexpected keys {other:?}"
                )));
            }
        }
    }
    writer
        .await
        .map_err(|e| ContractError::Violated(format!("writer task: {e}")))??;

    // 2. Concurrent compare-and-swap increments: none lost, every revision used once.
    let (tasks, per_task) = (4, 25);
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let mut revisions = Vec::new();
            for _ in 0..per_task {
                revisions.push(increment(&*store, "/at/counter").await?);
            }
            Ok::<_, ContractError>(revisions)
        }));
    }
    let mut revisions = BTreeSet::new();
    for handle in handles {
        let mine = handle
            .await
            .map_err(|e| ContractError::Violated(format!("counter task: {e}")))??;
        for rev in mine {
            ensure!(revisions.insert(rev), "revision {rev} was given out twice");
        }
    }
    let counter = store
        .get("/at/counter")
        .await
        .ctx("get counter")?
        .ok_or_else(|| ContractError::Violated("the counter is missing".into()))?;
    let total = tasks * per_task;
    ensure_eq!(
        counter.value,
        total.to_string().into_bytes(),
        "counter value"
    );
    ensure_eq!(counter.version, total as i64, "counter version");

    // 3. A failed compare applies none of the success ops.
    let resp = store
        .txn(
            Txn::new()
                .when(Compare::missing("/at/a"))
                .then(Op::put("/at/p", "1"))
                .then(Op::put("/at/q", "1")),
        )
        .await
        .ctx("failing txn")?;
    ensure!(!resp.succeeded, "/at/a exists, so the compare must fail");
    ensure!(
        store.range("/at/p").await.ctx("range")?.kvs.is_empty()
            && store.range("/at/q").await.ctx("range")?.kvs.is_empty(),
        "no success op may run when a compare fails"
    );
    Ok(())
}

/// Adds one to the decimal counter at `key` with compare-and-swap; returns the revision written.
pub(crate) async fn increment(store: &dyn Store, key: &str) -> ContractResult<i64> {
    loop {
        let current = store.get(key).await.ctx("read counter")?;
        let (n, mod_revision) = match &current {
            Some(kv) => {
                let n: i64 = std::str::from_utf8(&kv.value)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| ContractError::Violated(format!("counter value {kv:?}")))?;
                (n, kv.mod_revision)
            }
            None => (0, 0),
        };
        let resp = store
            .txn(
                Txn::new()
                    .when(Compare::mod_revision(key, mod_revision))
                    .then(Op::put(key, (n + 1).to_string())),
            )
            .await
            .ctx("increment counter")?;
        if resp.succeeded {
            return Ok(resp.revision);
        }
    }
}
