//! Single attempts for callers that keep their own deadline (status waits and watches): one
//! GET, or a stream of lines such as the bundled server's `?watch=true` status
//! (`application/x-ndjson`, one JSON document per line).

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::classify::{Failure, classify_transport};
use super::{Attempt, Call, Client, cut_short, read_answer};

/// A failed attempt: how it failed and, when the server answered, what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    pub failure: Failure,
    /// The HTTP status and body, when there was an answer.
    pub answer: Option<(u16, String)>,
}

/// What a request for a stream got.
#[derive(Debug)]
pub enum Opened {
    /// The server streams: one document per line.
    Lines(LineStream),
    /// The server answered with one whole document: it does not stream (an older server, or
    /// a real EMCO, which ignores the parameter).
    Document(String),
}

/// An open line stream.
#[derive(Debug)]
pub struct LineStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl LineStream {
    /// The next non-empty line, trimmed; `None` when the server ended the stream. A line cut
    /// off by the end of the stream is dropped: it is not a whole document.
    pub async fn next_line(&mut self) -> Result<Option<String>, Failure> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if !text.is_empty() {
                    return Ok(Some(text));
                }
                continue;
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) => return Ok(None),
                Err(e) => return Err(cut_short(&e)),
            }
        }
    }
}

impl Client {
    /// One GET attempt, no retries: the body of a successful answer, or how it failed.
    pub async fn get_once(&self, call: &Call) -> Result<String, AttemptError> {
        match self.request(call, &call.url, None).send().await {
            Ok(response) => whole(read_answer(response).await),
            Err(e) => Err(AttemptError {
                failure: classify_transport(&e),
                answer: None,
            }),
        }
    }

    /// One GET attempt of `url` that may answer a line stream. `limit` bounds the whole
    /// exchange, stream included (the client's request timeout is meant for single answers).
    pub async fn open_lines(
        &self,
        call: &Call,
        url: &str,
        limit: Duration,
    ) -> Result<Opened, AttemptError> {
        let response = match self.request(call, url, None).timeout(limit).send().await {
            Ok(response) => response,
            Err(e) => {
                return Err(AttemptError {
                    failure: classify_transport(&e),
                    answer: None,
                });
            }
        };
        let streams = response.status().is_success()
            && response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.to_ascii_lowercase().contains("ndjson"));
        if streams {
            return Ok(Opened::Lines(LineStream {
                response,
                buffer: Vec::new(),
            }));
        }
        whole(read_answer(response).await).map(Opened::Document)
    }
}

fn whole(attempt: Attempt) -> Result<String, AttemptError> {
    match attempt {
        Attempt::Answered(answer, None) => Ok(answer.body),
        Attempt::Answered(answer, Some(failure)) => Err(AttemptError {
            failure,
            answer: Some((answer.status, answer.body)),
        }),
        Attempt::NoAnswer(failure) => Err(AttemptError {
            failure,
            answer: None,
        }),
    }
}
