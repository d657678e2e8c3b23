//! The child side of the multi-process cases: how a case starts this program again in a
//! role, and the roles themselves (each prints one line per thing the parent must check).

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::{Context, ContractError, ContractResult};
use crate::{Compare, Op, Store, Txn};

/// Names the role of a child process; unset in a normal run.
pub const ROLE_ENV: &str = "EMCO_STORE_CONTRACT_ROLE";
const URL_ENV: &str = "EMCO_STORE_CONTRACT_URL";
const ID_ENV: &str = "EMCO_STORE_CONTRACT_ID";
const COUNT_ENV: &str = "EMCO_STORE_CONTRACT_COUNT";
const FROM_ENV: &str = "EMCO_STORE_CONTRACT_FROM";
const PREFIX_ENV: &str = "EMCO_STORE_CONTRACT_PREFIX";

/// A child that outlives its parent (say, the parent was killed) stops by itself after this.
const CHILD_LIFETIME: Duration = Duration::from_secs(120);

/// The roles a child can play.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Role {
    /// Commits COUNT compare-and-swap increments, printing `COMMITTED id i revision` for each.
    CasWriter,
    /// Watches PREFIX from FROM, printing `EVENT revision kind key` for each event.
    Watcher,
    /// Commits multi-key transactions until killed, printing `COMMITTED id i revision`.
    TxnLoop,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::CasWriter => "cas-writer",
            Role::Watcher => "watcher",
            Role::TxnLoop => "txn-loop",
        }
    }
}

/// Starts this program again so that it runs [`run_child_role`].
#[derive(Clone)]
pub struct ChildLauncher {
    make: Arc<dyn Fn() -> std::process::Command + Send + Sync>,
}

impl ChildLauncher {
    /// A launcher from a command factory; the command's program must call [`run_child_role`].
    pub fn new(make: impl Fn() -> std::process::Command + Send + Sync + 'static) -> Self {
        Self {
            make: Arc::new(make),
        }
    }

    /// Re-runs the current test binary with only the test `entry_test` selected; that test
    /// must call [`run_child_role`].
    pub fn this_test_binary(entry_test: &str) -> ContractResult<Self> {
        let exe = std::env::current_exe()
            .map_err(|e| ContractError::Child(format!("finding the test binary: {e}")))?;
        let entry_test = entry_test.to_owned();
        Ok(Self::new(move || {
            let mut cmd = std::process::Command::new(&exe);
            cmd.args(["--exact", &entry_test, "--nocapture", "--test-threads=1"]);
            cmd
        }))
    }

    /// Starts a child in `role` on the store at `url`, its stdout piped to the caller.
    pub(crate) fn spawn(
        &self,
        role: Role,
        url: &str,
        vars: &[(&str, String)],
    ) -> ContractResult<tokio::process::Child> {
        let mut cmd = tokio::process::Command::from((self.make)());
        cmd.env(ROLE_ENV, role.name())
            .env(URL_ENV, url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (name, value) in vars {
            cmd.env(var_name(name)?, value);
        }
        cmd.spawn()
            .map_err(|e| ContractError::Child(format!("starting a {} child: {e}", role.name())))
    }
}

fn var_name(short: &str) -> ContractResult<&'static str> {
    Ok(match short {
        "id" => ID_ENV,
        "count" => COUNT_ENV,
        "from" => FROM_ENV,
        "prefix" => PREFIX_ENV,
        other => return Err(ContractError::Child(format!("no child variable {other:?}"))),
    })
}

/// In a process started by a multi-process case, runs the requested role and exits (0 on
/// success); in any other process, returns at once.
pub fn run_child_role() {
    let Ok(role) = std::env::var(ROLE_ENV) else {
        return;
    };
    let code = match run(&role) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("contract child {role:?} failed: {err}");
            1
        }
    };
    std::process::exit(code);
}

fn var(name: &str) -> ContractResult<String> {
    std::env::var(name).map_err(|_| ContractError::Child(format!("{name} is not set")))
}

fn number(name: &str) -> ContractResult<i64> {
    let text = var(name)?;
    text.parse()
        .map_err(|e| ContractError::Child(format!("{name}={text:?}: {e}")))
}

/// Writes one line and flushes it, so the parent sees it even if this process is killed next.
fn emit(line: &str) -> ContractResult {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| ContractError::Child(format!("writing to the parent: {e}")))
}

fn run(role: &str) -> ContractResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ContractError::Child(format!("starting a runtime: {e}")))?;
    runtime.block_on(async {
        let store = crate::open(&var(URL_ENV)?).await.ctx("child open")?;
        let work = async {
            match role {
                "cas-writer" => cas_writer(&*store, number(ID_ENV)?, number(COUNT_ENV)?).await,
                "watcher" => watcher(&*store, &var(PREFIX_ENV)?, number(FROM_ENV)?).await,
                "txn-loop" => txn_loop(&*store, number(ID_ENV)?).await,
                other => Err(ContractError::Child(format!("unknown role {other:?}"))),
            }
        };
        match tokio::time::timeout(CHILD_LIFETIME, work).await {
            Ok(result) => result,
            Err(_) => Err(ContractError::Child("lived past its deadline".into())),
        }
    })
}

async fn cas_writer(store: &dyn Store, id: i64, count: i64) -> ContractResult {
    // Say we are ready, then wait for the parent's go, so that all writers start together.
    store.put(ready_key(id), "").await.ctx("ready")?;
    wait_for_key(store, GO).await?;
    for i in 0..count {
        let rev = cas_write(store, id, i).await?;
        emit(&format!("COMMITTED {id} {i} {rev}"))?;
    }
    Ok(())
}

/// One increment of the shared counter plus this writer's item, as one transaction.
pub(crate) async fn cas_write(store: &dyn Store, id: i64, i: i64) -> ContractResult<i64> {
    loop {
        let counter = store.get(COUNTER).await.ctx("read counter")?;
        let (n, mod_revision) = match &counter {
            Some(kv) => (
                std::str::from_utf8(&kv.value)
                    .ok()
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| ContractError::Violated(format!("counter {kv:?}")))?,
                kv.mod_revision,
            ),
            None => (0, 0),
        };
        let resp = store
            .txn(
                Txn::new()
                    .when(Compare::mod_revision(COUNTER, mod_revision))
                    .then(Op::put(COUNTER, (n + 1).to_string()))
                    .then(Op::put(item_key(id, i), format!("{id}:{i}"))),
            )
            .await
            .ctx("cas write")?;
        if resp.succeeded {
            return Ok(resp.revision);
        }
    }
}

pub(crate) const COUNTER: &str = "/mp/counter";
/// Outside `/mp/`, so the start barrier stays out of the checked revisions and events.
pub(crate) const GO: &str = "/mp-go";

pub(crate) fn ready_key(id: i64) -> String {
    format!("/mp-ready/{id}")
}

/// Waits, polling, until `key` exists.
pub(crate) async fn wait_for_key(store: &dyn Store, key: &str) -> ContractResult {
    let deadline = tokio::time::Instant::now() + super::DEADLINE;
    while store.get(key).await.ctx("wait for key")?.is_none() {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{key} did not appear within {:?}",
            super::DEADLINE
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

pub(crate) fn item_key(id: i64, i: i64) -> String {
    format!("/mp/items/{id}/{i:05}")
}

async fn watcher(store: &dyn Store, prefix: &str, from: i64) -> ContractResult {
    let mut stream = store.watch(prefix, from).await.ctx("child watch")?;
    while let Some(event) = stream.next().await {
        let event = event.ctx("child watch event")?;
        emit(&format!(
            "EVENT {} {:?} {}",
            event.kv.mod_revision, event.kind, event.kv.key
        ))?;
    }
    Err(ContractError::Child("the watch ended".into()))
}

async fn txn_loop(store: &dyn Store, id: i64) -> ContractResult {
    // Values spanning several pages make each commit long enough to be killed inside.
    let padding = "x".repeat(6000);
    for i in 0.. {
        let base = txn_loop_prefix(id, i);
        let value = format!("{id}:{i}:{padding}");
        let resp = store
            .txn(
                Txn::new()
                    .when(Compare::missing(format!("{base}a")))
                    .then(Op::put(format!("{base}a"), value.clone()))
                    .then(Op::put(format!("{base}b"), value.clone()))
                    .then(Op::put(format!("{base}c"), value))
                    .then(Op::put(TXN_LOOP_LAST, format!("{id}:{i}"))),
            )
            .await
            .ctx("txn-loop write")?;
        if !resp.succeeded {
            return Err(ContractError::Child(format!("{base}a existed already")));
        }
        emit(&format!("COMMITTED {id} {i} {}", resp.revision))?;
    }
    Ok(())
}

pub(crate) const TXN_LOOP_LAST: &str = "/kill/last";

pub(crate) fn txn_loop_prefix(id: i64, i: i64) -> String {
    format!("/kill/{id}/{i:06}/")
}
