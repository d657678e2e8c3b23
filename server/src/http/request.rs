//! A fully read API request: method, path after `/v2/`, query, headers and body.

use axum::http::{HeaderMap, Method, header};
use bytes::Bytes;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The path after `/v2/`, still percent-encoded as segments are matched literally.
    pub path: String,
    /// The raw query string (without `?`).
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How many times this call was planned before (its transaction lost a compare). Handlers
    /// may skip reads that only explain a failure on the first, optimistic attempt.
    pub attempt: usize,
}

impl Request {
    pub fn new(
        method: Method,
        path: &str,
        raw_query: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        let query = form_urlencoded::parse(raw_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Request {
            method,
            path: path.to_string(),
            raw_query: raw_query.to_string(),
            query,
            headers,
            body,
            attempt: 0,
        }
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable query parameter.
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a flag parameter (`?apps`) is present, with or without a value.
    pub fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_mutating(&self) -> bool {
        matches!(
            self.method,
            Method::POST | Method::PUT | Method::DELETE | Method::PATCH
        )
    }
}
