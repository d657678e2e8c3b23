//! Watches: replay the change log from a revision, then follow it as commits arrive, whether
//! they come from this process (woken at once) or another one (seen by polling).

use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::{Inner, read};
use crate::{Revision, StoreError, WatchEvent, WatchStream};

/// Log rows read per query; bounds memory when a watcher replays a long history.
const BATCH: usize = 512;

pub(super) async fn start(
    inner: &Arc<Inner>,
    prefix: &str,
    from_revision: Revision,
) -> Result<WatchStream, StoreError> {
    let from = from_revision.max(1);
    if from > read::MAX_REVISION {
        return Err(StoreError::InvalidArgument(format!(
            "watch start revision {from_revision} is beyond any revision this store can reach"
        )));
    }
    // Subscribe before making sure the poller runs: the poller stops only when it sees no
    // subscriber, and it decides that under the same lock `ensure_poller` takes.
    let changes = inner.changes.subscribe();
    ensure_poller(inner);
    let compacted = inner.read(|conn| read::compacted(conn)).await?;
    if from < compacted {
        return Err(StoreError::Compacted {
            requested: from,
            compacted,
        });
    }
    let watcher = Watcher {
        inner: Arc::clone(inner),
        prefix: prefix.to_owned(),
        after_id: read::log_id(from, 0) - 1,
        next_revision: from,
        buffer: VecDeque::new(),
        changes,
        failed: false,
    };
    Ok(Box::pin(futures::stream::unfold(watcher, next_event)))
}

struct Watcher {
    inner: Arc<Inner>,
    prefix: String,
    /// Every log row up to this id has been read.
    after_id: i64,
    /// The oldest revision whose events may not all have been read yet.
    next_revision: Revision,
    buffer: VecDeque<WatchEvent>,
    changes: watch::Receiver<Revision>,
    failed: bool,
}

async fn next_event(mut w: Watcher) -> Option<(Result<WatchEvent, StoreError>, Watcher)> {
    loop {
        if w.failed {
            return None;
        }
        if let Some(event) = w.buffer.pop_front() {
            return Some((Ok(event), w));
        }
        match w.fetch().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(err) if err.is_transient() => {
                tracing::debug!(error = %err, prefix = %w.prefix, "watch read failed; retrying");
                tokio::time::sleep(w.inner.options.poll_interval).await;
                continue;
            }
            Err(err) => {
                w.failed = true;
                return Some((Err(err), w));
            }
        }
        // Atomically take the latest known revision and mark it seen: if it is past what the
        // read covered, read again; otherwise any later commit wakes the wait below.
        let latest = *w.changes.borrow_and_update();
        if latest >= w.next_revision {
            continue;
        }
        if w.changes.changed().await.is_err() {
            // The sender lives in `Inner`, which this watcher keeps alive; this cannot happen,
            // but falling back to polling is harmless.
            tokio::time::sleep(w.inner.options.poll_interval).await;
        }
    }
}

impl Watcher {
    /// Reads the next log rows; returns whether it found events or more rows are waiting.
    async fn fetch(&mut self) -> Result<bool, StoreError> {
        let (prefix, after_id) = (self.prefix.clone(), self.after_id);
        let batch = self
            .inner
            .read(move |conn| read::log_after(conn, &prefix, after_id, BATCH))
            .await?;
        if self.next_revision < batch.compacted {
            return Err(StoreError::Compacted {
                requested: self.next_revision,
                compacted: batch.compacted,
            });
        }
        let found = !batch.events.is_empty();
        let mut last_revision = None;
        for (id, event) in batch.events {
            self.after_id = id;
            last_revision = Some(event.revision());
            self.buffer.push_back(event);
        }
        if batch.truncated {
            // Later rows of the last revision may be beyond the batch.
            if let Some(rev) = last_revision {
                self.next_revision = self.next_revision.max(rev);
            }
        } else {
            self.after_id = self.after_id.max(batch.max_id);
            self.next_revision = self.next_revision.max(batch.revision + 1);
        }
        self.inner.publish(batch.revision);
        Ok(found || batch.truncated)
    }
}

/// Starts the task that notices other processes' commits, unless it runs already.
fn ensure_poller(inner: &Arc<Inner>) {
    let mut slot = inner
        .poller
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if slot.as_ref().is_some_and(|task| !task.is_finished()) {
        return;
    }
    let every = inner.options.poll_interval;
    *slot = Some(tokio::spawn(poll(Arc::downgrade(inner), every)));
}

/// Publishes the file's revision every `every` while this process has watchers.
async fn poll(store: Weak<Inner>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(inner) = store.upgrade() else {
            return;
        };
        {
            let mut slot = inner
                .poller
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if inner.changes.receiver_count() == 0 {
                *slot = None;
                return;
            }
        }
        match inner.read(|conn| read::revision(conn)).await {
            Ok(revision) => inner.publish(revision),
            Err(err) => tracing::debug!(error = %err, "polling the store revision failed"),
        }
    }
}
