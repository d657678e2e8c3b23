//! Contract cases with several processes on one store: concurrent writers, a watcher that is
//! killed and restarted, and writers killed in the middle of transactions.
//!
//! Each case needs a URL naming a store nothing else uses.

use std::collections::{BTreeMap, BTreeSet};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout};

use super::child::{
    COUNTER, GO, Role, TXN_LOOP_LAST, cas_write, item_key, ready_key, txn_loop_prefix, wait_for_key,
};
use super::{ChildLauncher, Context, ContractError, ContractResult, DEADLINE, take_events};
use crate::{EventKind, Revision};

/// Three processes (this one and two children) commit compare-and-swap transactions on one
/// counter at once: every commit is accounted for, revisions are unique and gap-free, and a
/// watcher in this process sees the other processes' writes in order.
pub async fn concurrent_writers(url: &str, launcher: &ChildLauncher) -> ContractResult {
    const PER_PROCESS: i64 = 300;
    let store = crate::open(url).await.ctx("open")?;
    let mut children = Vec::new();
    for id in 1..=2 {
        let vars = [("id", id.to_string()), ("count", PER_PROCESS.to_string())];
        children.push(launcher.spawn(Role::CasWriter, url, &vars)?);
    }
    for id in 1..=2 {
        wait_for_key(&*store, &ready_key(id)).await?;
    }
    let start = store.put(GO, "").await.ctx("go")?;
    let mut watch = store.watch("/mp/", start + 1).await.ctx("watch")?;
    let mut commits = Vec::new();
    for i in 0..PER_PROCESS {
        commits.push((0, i, cas_write(&*store, 0, i).await?));
    }
    for child in children {
        let output = tokio::time::timeout(DEADLINE, child.wait_with_output())
            .await
            .map_err(|_| ContractError::Child(format!("a writer ran past {DEADLINE:?}")))?
            .map_err(|e| ContractError::Child(format!("waiting for a writer: {e}")))?;
        ensure!(
            output.status.success(),
            "a writer child failed: {}",
            output.status
        );
        let text = String::from_utf8_lossy(&output.stdout);
        commits.extend(text.lines().filter_map(parse_committed));
    }

    let total = 3 * PER_PROCESS;
    // Three writers run one after another switch twice; more proves they overlapped.
    let mut in_order = commits.clone();
    in_order.sort_by_key(|c| c.2);
    let switches = in_order.windows(2).filter(|w| w[0].0 != w[1].0).count();
    ensure!(
        switches > 2,
        "the writers did not overlap, so nothing concurrent was tested"
    );
    ensure_eq!(
        commits.len() as i64,
        total,
        "committed transactions reported"
    );
    let mut revisions: Vec<Revision> = commits.iter().map(|c| c.2).collect();
    revisions.sort_unstable();
    let want: Vec<Revision> = (start + 1..=start + total).collect();
    ensure!(
        revisions == want,
        "revisions must be unique and gap-free from {}",
        start + 1
    );
    let counter = store.get(COUNTER).await.ctx("get counter")?;
    ensure_eq!(
        counter.map(|kv| (kv.value, kv.version)),
        Some((total.to_string().into_bytes(), total)),
        "counter value and version"
    );
    let items: BTreeMap<String, Revision> = store
        .range("/mp/items/")
        .await
        .ctx("range items")?
        .kvs
        .into_iter()
        .map(|kv| (kv.key, kv.mod_revision))
        .collect();
    ensure_eq!(items.len() as i64, total, "items stored");
    for (id, i, rev) in &commits {
        ensure_eq!(
            items.get(&item_key(*id, *i)),
            Some(rev),
            "item {id}/{i} at its reported revision"
        );
    }

    let events = take_events(&mut watch, 2 * total as usize, "watch of all writers").await?;
    for (n, pair) in events.chunks(2).enumerate() {
        let rev = start + 1 + n as i64;
        ensure!(
            pair.iter()
                .all(|e| e.kind == EventKind::Put && e.kv.mod_revision == rev),
            "events of revision {rev} out of order: {pair:?}"
        );
        ensure_eq!(
            pair[0].kv.value,
            (n + 1).to_string().into_bytes(),
            "counter event at revision {rev}"
        );
    }
    Ok(())
}

/// A watcher process is killed mid-stream and a new one resumes from the last revision the
/// first one reported: together they see every event exactly once.
pub async fn watcher_resumes_after_restart(url: &str, launcher: &ChildLauncher) -> ContractResult {
    const BEFORE: usize = 100;
    const AFTER: usize = 200;
    const PREFIX: &str = "/resume/";
    let store = crate::open(url).await.ctx("open")?;
    let start = store.revision().await.ctx("revision")? + 1;
    let watcher_vars = |from: Revision| [("prefix", PREFIX.to_owned()), ("from", from.to_string())];
    let mut first = launcher.spawn(Role::Watcher, url, &watcher_vars(start))?;
    let mut first_out = Lines::of(&mut first)?;

    let mut written: Vec<(Revision, String)> = Vec::new();
    let mut write = async |i: usize| -> ContractResult {
        let key = format!("{PREFIX}{i:05}");
        let rev = store.put(key.clone(), "x").await.ctx("put")?;
        written.push((rev, key));
        store
            .put(format!("/elsewhere/{i}"), "x")
            .await
            .ctx("put elsewhere")?;
        Ok(())
    };
    for i in 0..BEFORE {
        write(i).await?;
    }
    let mut seen = Vec::new();
    while seen.len() < BEFORE / 2 {
        match first_out.next().await? {
            Some(line) => seen.extend(parse_event(&line)),
            None => return Err(ContractError::Child("the first watcher exited".into())),
        }
    }
    kill(&mut first).await?;
    while let Some(line) = first_out.next().await? {
        seen.extend(parse_event(&line));
    }
    let resume_from = seen.last().map_or(start, |(rev, _)| rev + 1);

    for i in BEFORE..BEFORE + AFTER {
        write(i).await?;
    }
    let last = written.last().map_or(0, |(rev, _)| *rev);
    let mut second = launcher.spawn(Role::Watcher, url, &watcher_vars(resume_from))?;
    let mut second_out = Lines::of(&mut second)?;
    while seen.last().is_none_or(|(rev, _)| *rev < last) {
        match second_out.next().await? {
            Some(line) => seen.extend(parse_event(&line)),
            None => return Err(ContractError::Child("the second watcher exited".into())),
        }
    }
    kill(&mut second).await?;
    ensure!(
        seen == written,
        "the two watchers together must see each event once, in order \
         ({} seen, {} written, resumed from {resume_from})",
        seen.len(),
        written.len()
    );
    Ok(())
}

/// Children committing multi-key transactions are SIGKILLed at arbitrary moments: the file
/// still opens, every transaction a child reported is there, and none is half there.
pub async fn sigkill_during_transactions(url: &str, launcher: &ChildLauncher) -> ContractResult {
    const ROUNDS: i64 = 3;
    let mut reported: BTreeMap<(i64, i64), Revision> = BTreeMap::new();
    for round in 0..ROUNDS {
        let mut child = launcher.spawn(Role::TxnLoop, url, &[("id", round.to_string())])?;
        let mut out = Lines::of(&mut child)?;
        // Kill after a different number of commits each round.
        let kill_after = 20 + 7 * round as usize;
        let mut count = 0;
        while count < kill_after {
            let line = out.next().await?.ok_or_else(|| {
                ContractError::Child(format!("txn-loop {round} exited after {count} commits"))
            })?;
            if let Some((id, i, rev)) = parse_committed(&line) {
                reported.insert((id, i), rev);
                count += 1;
            }
        }
        kill(&mut child).await?;
        while let Some(line) = out.next().await? {
            if let Some((id, i, rev)) = parse_committed(&line) {
                reported.insert((id, i), rev);
            }
        }
    }

    let store = crate::open(url).await.ctx("open after the kills")?;
    let mut groups: BTreeMap<String, Vec<(String, Revision, Vec<u8>)>> = BTreeMap::new();
    let mut last = None;
    for kv in store.range("/kill/").await.ctx("range")?.kvs {
        if kv.key == TXN_LOOP_LAST {
            last = Some(kv);
            continue;
        }
        let (group, member) = kv.key.rsplit_once('/').unwrap_or((&kv.key, ""));
        groups.entry(format!("{group}/")).or_default().push((
            member.to_owned(),
            kv.mod_revision,
            kv.value,
        ));
    }
    let mut revisions = BTreeSet::new();
    for (group, members) in &groups {
        let names: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        ensure_eq!(names, vec!["a", "b", "c"], "keys of transaction {group}");
        let rev = members[0].1;
        ensure!(
            members.iter().all(|m| m.1 == rev && m.2 == members[0].2),
            "transaction {group} is half applied: {:?}",
            members.iter().map(|m| (&m.0, m.1)).collect::<Vec<_>>()
        );
        ensure!(revisions.insert(rev), "revision {rev} used twice");
    }
    for ((id, i), rev) in &reported {
        let group = txn_loop_prefix(*id, *i);
        let found = groups.get(&group).map(|members| members[0].1);
        ensure_eq!(found, Some(*rev), "reported transaction {group}");
    }
    for round in 0..ROUNDS {
        let done = reported.keys().filter(|(id, _)| *id == round).count() as i64;
        let present = (0..done + 2)
            .filter(|i| groups.contains_key(&txn_loop_prefix(round, *i)))
            .count() as i64;
        let stored = groups
            .keys()
            .filter(|g| g.starts_with(&format!("/kill/{round}/")))
            .count() as i64;
        // At most one commit may have landed after its report line was lost to the kill.
        ensure!(
            stored == present && (present == done || present == done + 1),
            "round {round}: {done} reported, {stored} stored"
        );
    }
    let first = revisions.first().copied().unwrap_or(0);
    let last_rev = revisions.last().copied().unwrap_or(0);
    ensure_eq!(
        last_rev - first + 1,
        revisions.len() as i64,
        "revisions are gap-free"
    );
    let last = last.ok_or_else(|| ContractError::Violated(format!("{TXN_LOOP_LAST} missing")))?;
    ensure_eq!(
        last.mod_revision,
        last_rev,
        "{TXN_LOOP_LAST} belongs to the newest transaction"
    );
    ensure_eq!(
        store.revision().await.ctx("revision")?,
        last_rev,
        "store revision after the kills"
    );
    let rev = store
        .put("/kill/after", "x")
        .await
        .ctx("write after the kills")?;
    ensure_eq!(rev, last_rev + 1, "the store keeps counting");
    Ok(())
}

/// SIGKILLs a child (tokio's `start_kill` sends SIGKILL on Unix) and reaps it.
async fn kill(child: &mut Child) -> ContractResult {
    child
        .start_kill()
        .map_err(|e| ContractError::Child(format!("killing a child: {e}")))?;
    let status = tokio::time::timeout(DEADLINE, child.wait())
        .await
        .map_err(|_| ContractError::Child("a killed child did not exit".into()))?
        .map_err(|e| ContractError::Child(format!("reaping a child: {e}")))?;
    ensure!(
        status.code().is_none(),
        "the child should have died of the signal, but exited: {status}"
    );
    Ok(())
}

/// Complete lines from a child's stdout, each awaited with the case deadline.
struct Lines {
    reader: BufReader<ChildStdout>,
}

impl Lines {
    fn of(child: &mut Child) -> ContractResult<Self> {
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| ContractError::Child("child stdout is not piped".into()))?;
        Ok(Self {
            reader: BufReader::new(stdout),
        })
    }

    /// The next complete line; `None` at the end of output (a cut-off last line is dropped).
    async fn next(&mut self) -> ContractResult<Option<String>> {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(DEADLINE, self.reader.read_until(b'\n', &mut buf))
            .await
            .map_err(|_| ContractError::Child(format!("a child printed nothing for {DEADLINE:?}")))?
            .map_err(|e| ContractError::Child(format!("reading a child's output: {e}")))?;
        if read == 0 || !buf.ends_with(b"\n") {
            return Ok(None);
        }
        Ok(Some(String::from_utf8_lossy(&buf).trim_end().to_owned()))
    }
}

/// The text after `marker` in `line`; the test harness of a child may print its own text
/// (such as `test child_process_entry ... `) on the same line before the child's first line.
fn after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|at| &line[at + marker.len()..])
}

fn parse_committed(line: &str) -> Option<(i64, i64, Revision)> {
    let mut words = after(line, "COMMITTED ")?.split(' ');
    let mut next = || words.next()?.parse().ok();
    Some((next()?, next()?, next()?))
}

fn parse_event(line: &str) -> Option<(Revision, String)> {
    let mut words = after(line, "EVENT ")?.splitn(3, ' ');
    let rev = words.next()?.parse().ok()?;
    let kind = words.next()?;
    let key = words.next()?;
    (kind == "Put").then(|| (rev, key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_parse() {
        assert_eq!(parse_committed("COMMITTED 1 22 333"), Some((1, 22, 333)));
        assert_eq!(parse_committed("COMMITTED 1 22"), None);
        assert_eq!(parse_committed("running 1 test"), None);
        assert_eq!(
            parse_committed("test child_process_entry ... COMMITTED 2 0 9"),
            Some((2, 0, 9))
        );
        assert_eq!(
            parse_event("EVENT 7 Put /resume/00001"),
            Some((7, "/resume/00001".to_owned()))
        );
        assert_eq!(parse_event("EVENT x Put /k"), None);
    }
}
