//! `watch`: every change of a status as one JSON line, as EMCO's `emcoctl watch` prints its
//! notifications, until stopped.

use std::future::Future;

use tokio::sync::mpsc;

use super::Session;
use crate::output::Output;
use crate::status::follow::{Event, Follow};
use crate::status::pretty;
use crate::status::{StatusError, StatusQuery, Subject};

/// Runs `emcoctl watch` until `stop` resolves (Ctrl-C) or the server refuses the query;
/// `stream` follows the server's status stream when it has one, else it polls every second.
/// Retry notices go to stderr unless the client is quiet.
pub async fn run_watch(
    session: &Session,
    subject: &Subject,
    query: &StatusQuery,
    stream: bool,
    out: &mut dyn Output,
    stop: impl Future<Output = ()>,
) -> Result<(), StatusError> {
    let quiet = session.client().options().quiet;
    let follow = Follow::new(session, subject, query, stream)?;
    let (tx, mut rx) = mpsc::channel(16);
    let follower = tokio::spawn(follow.run((), tx));
    tokio::pin!(stop);
    let result = loop {
        let event = tokio::select! {
            event = rx.recv() => event,
            () = &mut stop => break Ok(()),
        };
        match event {
            Some(((), Event::Doc { text, .. })) => match pretty::compact_json(&text) {
                Ok(line) => out.out(&line),
                Err(_) => out.out(&text),
            },
            Some(((), Event::Retry(notice))) => {
                if !quiet {
                    out.err(&notice);
                }
            }
            Some(((), Event::Fatal(e))) => break Err(e),
            None => break Err(StatusError::Stopped(subject.item.clone())),
        }
    };
    follower.abort();
    result
}
