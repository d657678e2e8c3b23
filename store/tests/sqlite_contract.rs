//! Runs the store contract suite against the SQLite backend, each case on its own file in a
//! temporary directory; the multi-process cases re-run this binary as their children.

use std::sync::Arc;

use emco_store::contract::{self, ChildLauncher, ContractResult};
use emco_store::{Store, sqlite::SqliteStore};

/// The child entry point of the multi-process cases: in a child started with
/// `contract::ROLE_ENV` set, runs the role and exits; in a normal run it returns at once.
#[test]
fn child_process_entry() {
    contract::run_child_role();
}

fn launcher() -> ContractResult<ChildLauncher> {
    ChildLauncher::this_test_binary("child_process_entry")
}

struct Fresh {
    _dir: tempfile::TempDir,
    url: String,
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("creating a temp dir: {e}"));
    let url = format!("sqlite:{}", dir.path().join("store.db").display());
    Fresh { _dir: dir, url }
}

async fn with_store<F, Fut>(case: F) -> ContractResult
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ContractResult>,
{
    let fresh = fresh();
    let store = emco_store::open(&fresh.url)
        .await
        .unwrap_or_else(|e| panic!("opening {}: {e}", fresh.url));
    case(store).await
}

#[tokio::test]
async fn put_get_delete() -> ContractResult {
    with_store(contract::put_get_delete).await
}

#[tokio::test]
async fn range_and_prefix_delete() -> ContractResult {
    with_store(contract::range_and_prefix_delete).await
}

#[tokio::test]
async fn revisions() -> ContractResult {
    with_store(contract::revisions).await
}

#[tokio::test]
async fn invalid_requests() -> ContractResult {
    with_store(contract::invalid_requests).await
}

#[tokio::test]
async fn compares() -> ContractResult {
    with_store(contract::compares).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atomicity() -> ContractResult {
    with_store(contract::atomicity).await
}

#[tokio::test]
async fn watch_history_then_live() -> ContractResult {
    with_store(contract::watch_history_then_live).await
}

#[tokio::test]
async fn watch_prefix_isolation() -> ContractResult {
    with_store(contract::watch_prefix_isolation).await
}

#[tokio::test]
async fn watch_long_history() -> ContractResult {
    with_store(contract::watch_long_history).await
}

#[tokio::test]
async fn watch_compaction() -> ContractResult {
    with_store(contract::watch_compaction).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_in_three_processes() -> ContractResult {
    let fresh = fresh();
    contract::concurrent_writers(&fresh.url, &launcher()?).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_resumes_after_restart() -> ContractResult {
    let fresh = fresh();
    contract::watcher_resumes_after_restart(&fresh.url, &launcher()?).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_transactions() -> ContractResult {
    let fresh = fresh();
    contract::sigkill_during_transactions(&fresh.url, &launcher()?).await
}

/// The concrete type opens the same file as the URL form and sees the same data.
#[tokio::test]
async fn sqlite_store_open_shares_the_file() -> ContractResult {
    let fresh = fresh();
    let path = fresh.url.trim_start_matches("sqlite:").to_owned();
    let by_url = emco_store::open(&fresh.url)
        .await
        .unwrap_or_else(|e| panic!("open by url: {e}"));
    let direct = SqliteStore::open(&path)
        .await
        .unwrap_or_else(|e| panic!("open by path: {e}"));
    let rev = by_url
        .put("/shared", "1")
        .await
        .unwrap_or_else(|e| panic!("put: {e}"));
    let kv = direct
        .get("/shared")
        .await
        .unwrap_or_else(|e| panic!("get: {e}"));
    assert_eq!(kv.map(|kv| kv.mod_revision), Some(rev));
    assert_eq!(direct.path(), std::path::Path::new(&path));
    Ok(())
}
