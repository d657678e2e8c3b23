//! Contract cases for single keys, prefix ranges and the revision/version bookkeeping.

use std::sync::Arc;

use super::{Context, ContractError, ContractResult};
use crate::{Compare, KeyValue, Op, Store, StoreError, Txn};

fn present(kv: Option<KeyValue>, key: &str) -> ContractResult<KeyValue> {
    kv.ok_or_else(|| ContractError::Violated(format!("{key} should be present")))
}

/// Put, get and delete follow etcd's create_revision/mod_revision/version rules.
pub async fn put_get_delete(store: Arc<dyn Store>) -> ContractResult {
    ensure!(
        store.get("/k").await.ctx("get of a missing key")?.is_none(),
        "a key never written must be absent"
    );
    let r1 = store.put("/k", "v1").await.ctx("first put")?;
    let kv = present(store.get("/k").await.ctx("get after put")?, "/k")?;
    let want = KeyValue {
        key: "/k".into(),
        value: b"v1".to_vec(),
        create_revision: r1,
        mod_revision: r1,
        version: 1,
    };
    ensure_eq!(kv, want, "a created key");

    let r2 = store.put("/k", "v2").await.ctx("second put")?;
    ensure_eq!(r2, r1 + 1, "a put takes the next revision");
    let kv = present(store.get("/k").await.ctx("get after update")?, "/k")?;
    let want = KeyValue {
        value: b"v2".to_vec(),
        mod_revision: r2,
        version: 2,
        ..want
    };
    ensure_eq!(
        kv,
        want,
        "an updated key keeps create_revision, bumps version"
    );

    let r3 = store.delete("/k").await.ctx("delete")?;
    ensure_eq!(r3, r2 + 1, "a delete takes the next revision");
    ensure!(
        store.get("/k").await.ctx("get after delete")?.is_none(),
        "a deleted key must be absent"
    );

    let r4 = store.put("/k", "v3").await.ctx("put after delete")?;
    let kv = present(store.get("/k").await.ctx("get after recreate")?, "/k")?;
    ensure_eq!(
        (kv.create_revision, kv.mod_revision, kv.version),
        (r4, r4, 1),
        "a key recreated after a delete starts over"
    );

    let r5 = store
        .delete("/never")
        .await
        .ctx("delete of a missing key")?;
    ensure_eq!(
        r5,
        r4,
        "deleting a missing key changes nothing, so no revision"
    );
    ensure_eq!(
        store.revision().await.ctx("revision")?,
        r4,
        "store revision"
    );

    let binary = vec![0u8, 0xFF, 0x80, 0];
    store.put("/bin", binary.clone()).await.ctx("binary put")?;
    let kv = present(store.get("/bin").await.ctx("binary get")?, "/bin")?;
    ensure_eq!(kv.value, binary, "values are raw bytes");
    Ok(())
}

/// Ranges select exactly the keys with the prefix, sorted by bytes; DeletePrefix likewise.
pub async fn range_and_prefix_delete(store: Arc<dyn Store>) -> ContractResult {
    let keys = [
        "/a/z/deep",
        "/ab",
        "/a/\u{e9}",
        "/a",
        "/a/b",
        "/b/x",
        "/a/",
        "/a0",
        "/a/a",
    ];
    for key in keys {
        store.put(key, key).await.ctx(format!("put {key}"))?;
    }
    let range = store.range("/a/").await.ctx("range /a/")?;
    let got: Vec<&str> = range.kvs.iter().map(|kv| kv.key.as_str()).collect();
    ensure_eq!(
        got,
        vec!["/a/", "/a/a", "/a/b", "/a/z/deep", "/a/\u{e9}"],
        "range /a/ (byte order, nothing outside the prefix)"
    );
    ensure!(
        range.kvs.iter().all(|kv| kv.value == kv.key.as_bytes()),
        "range values must match their keys"
    );
    let revision = store.revision().await.ctx("revision")?;
    ensure_eq!(
        range.revision,
        revision,
        "a range reports the store revision"
    );

    let all = store.range("").await.ctx("range of everything")?;
    let mut sorted: Vec<&str> = keys.to_vec();
    sorted.sort_unstable();
    let got: Vec<&str> = all.kvs.iter().map(|kv| kv.key.as_str()).collect();
    ensure_eq!(got, sorted, "the empty prefix ranges over every key");
    ensure!(
        store
            .range("/none/")
            .await
            .ctx("empty range")?
            .kvs
            .is_empty(),
        "a prefix without keys ranges over nothing"
    );

    let resp = store
        .txn(Txn::new().then(Op::delete_prefix("/a/")))
        .await
        .ctx("delete prefix")?;
    ensure_eq!(
        resp.revision,
        revision + 1,
        "a prefix delete of 5 keys is one revision"
    );
    let left = store.range("").await.ctx("range after prefix delete")?;
    let got: Vec<&str> = left.kvs.iter().map(|kv| kv.key.as_str()).collect();
    ensure_eq!(
        got,
        vec!["/a", "/a0", "/ab", "/b/x"],
        "a prefix delete removes only keys under the prefix"
    );
    let resp = store
        .txn(Txn::new().then(Op::delete_prefix("/a/")))
        .await
        .ctx("delete of an empty prefix")?;
    ensure_eq!(
        resp.revision,
        revision + 1,
        "deleting nothing takes no revision"
    );
    Ok(())
}

/// One revision per writing transaction, none for transactions that write nothing.
pub async fn revisions(store: Arc<dyn Store>) -> ContractResult {
    let r0 = store.revision().await.ctx("initial revision")?;
    ensure!(
        r0 == 0 || r0 == 1,
        "an empty store starts at revision 0 or 1, not {r0}"
    );
    let resp = store
        .txn(
            Txn::new()
                .then(Op::put("/r/a", "1"))
                .then(Op::put("/r/b", "1"))
                .then(Op::put("/r/c", "1")),
        )
        .await
        .ctx("three puts")?;
    ensure!(resp.succeeded, "a txn without compares succeeds");
    ensure_eq!(
        resp.revision,
        r0 + 1,
        "three puts in one txn take one revision"
    );
    for kv in store.range("/r/").await.ctx("range")?.kvs {
        ensure_eq!(kv.mod_revision, r0 + 1, "mod_revision of {}", kv.key);
    }
    ensure_eq!(
        store.revision().await.ctx("revision")?,
        r0 + 1,
        "store revision"
    );

    let resp = store
        .txn(Txn::new().when(Compare::exists("/r/a")))
        .await
        .ctx("empty success branch")?;
    ensure_eq!(
        (resp.succeeded, resp.revision),
        (true, r0 + 1),
        "an empty branch"
    );
    let resp = store
        .txn(
            Txn::new()
                .when(Compare::missing("/r/a"))
                .then(Op::put("/r/x", "1")),
        )
        .await
        .ctx("failed compare, empty failure branch")?;
    ensure_eq!(
        (resp.succeeded, resp.revision),
        (false, r0 + 1),
        "a failed txn without failure ops"
    );
    let resp = store
        .txn(
            Txn::new()
                .when(Compare::missing("/r/a"))
                .then(Op::put("/r/x", "1"))
                .otherwise(Op::put("/r/y", "1"))
                .otherwise(Op::delete("/r/c")),
        )
        .await
        .ctx("failed compare with failure ops")?;
    ensure_eq!(
        (resp.succeeded, resp.revision),
        (false, r0 + 2),
        "a failure branch that writes"
    );
    ensure!(
        store.get("/r/x").await.ctx("get")?.is_none(),
        "the success branch must not run"
    );
    ensure!(
        store.get("/r/y").await.ctx("get")?.is_some()
            && store.get("/r/c").await.ctx("get")?.is_none(),
        "the failure branch must run in full"
    );
    ensure_eq!(
        store.range("").await.ctx("range")?.revision,
        r0 + 2,
        "range revision"
    );
    Ok(())
}

/// Malformed requests fail clearly and change nothing.
pub async fn invalid_requests(store: Arc<dyn Store>) -> ContractResult {
    let before = store.revision().await.ctx("revision")?;
    for (what, txn) in [
        ("put of an empty key", Txn::new().then(Op::put("", "x"))),
        (
            "delete of an empty key",
            Txn::new().then(Op::put("/ok", "x")).then(Op::delete("")),
        ),
    ] {
        match store.txn(txn).await {
            Err(StoreError::InvalidArgument(_)) => {}
            other => {
                return Err(ContractError::Violated(format!(
                    "{what}: expected InvalidArgument, got {other:?}"
                )));
            }
        }
    }
    ensure_eq!(
        store.revision().await.ctx("revision")?,
        before,
        "rejected txns write nothing"
    );
    ensure!(
        store.get("/ok").await.ctx("get")?.is_none(),
        "a rejected txn must not apply its valid ops"
    );
    Ok(())
}
