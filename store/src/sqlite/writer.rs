//! The write thread: owns a process's write connection and commits queued transactions in
//! groups (group commit), so concurrent writers share one commit instead of queueing for one
//! each.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::write;
use crate::{Revision, StoreError, Txn, TxnResponse};

/// Most store transactions committed together; bounds the latency one commit adds.
const MAX_GROUP: usize = 64;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Request {
    Txn(Txn, Reply<TxnResponse>),
    Compact(Revision, Reply<()>),
}

/// The handle to the write thread; the thread ends when the handle is dropped.
pub(super) struct Writer {
    queue: mpsc::Sender<Request>,
}

impl Writer {
    pub(super) fn start(conn: Connection) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel();
        std::thread::Builder::new()
            .name("emco-store-writer".into())
            .spawn(move || serve(conn, &requests))
            .map_err(|e| StoreError::Other(format!("starting the store write thread: {e}")))?;
        Ok(Self { queue })
    }

    pub(super) async fn txn(&self, txn: Txn) -> Result<TxnResponse, StoreError> {
        // Reject malformed requests here so they never cost a group its commit.
        txn.validate()?;
        let (reply, response) = oneshot::channel();
        self.submit(Request::Txn(txn, reply), response).await
    }

    pub(super) async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let (reply, response) = oneshot::channel();
        self.submit(Request::Compact(revision, reply), response)
            .await
    }

    async fn submit<T>(
        &self,
        request: Request,
        response: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let stopped = || StoreError::Other("the store write thread has stopped".into());
        self.queue.send(request).map_err(|_| stopped())?;
        response.await.map_err(|_| stopped())?
    }
}

fn serve(mut conn: Connection, requests: &mpsc::Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let mut group = Vec::new();
        let mut next = Some(first);
        while let Some(request) = next.take() {
            match request {
                Request::Txn(txn, reply) => group.push((txn, reply)),
                Request::Compact(revision, reply) => {
                    commit(&mut conn, std::mem::take(&mut group));
                    // The caller may have gone away; nobody is left to tell.
                    let _ = reply.send(write::compact(&mut conn, revision));
                }
            }
            if group.len() < MAX_GROUP {
                next = requests.try_recv().ok();
            }
        }
        commit(&mut conn, group);
    }
}

/// Commits a group; if it fails, each transaction is retried alone, so one transaction's error
/// is never reported for another.
fn commit(conn: &mut Connection, group: Vec<(Txn, Reply<TxnResponse>)>) {
    if group.is_empty() {
        return;
    }
    let txns: Vec<&Txn> = group.iter().map(|(txn, _)| txn).collect();
    match write::batch(conn, &txns) {
        Ok(responses) => {
            for ((_, reply), resp) in group.into_iter().zip(responses) {
                let _ = reply.send(Ok(resp));
            }
        }
        Err(err) if group.len() == 1 => {
            if let Some((_, reply)) = group.into_iter().next() {
                let _ = reply.send(Err(err));
            }
        }
        Err(_) => {
            for (txn, reply) in group {
                let _ = reply.send(write::batch(conn, &[&txn]).map(|mut r| r.remove(0)));
            }
        }
    }
}
