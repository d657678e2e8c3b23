//! API errors written the way EMCO writes them: a status code and a plain-text line.
//!
//! EMCO uses Go's `http.Error`, so every error body is the message plus a newline with
//! `Content-Type: text/plain; charset=utf-8`. Clients and scripts match on these texts, so
//! they are part of the contract (see emco-api.md section 0).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use emco_store::StoreError;

/// The texts EMCO uses in more than one place.
pub mod text {
    pub const GENERIC_500: &str =
        "The server encountered an internal error and was unable to complete your request.";
    pub const NOT_FOUND: &str = "The requested resource not found";
    pub const PARENT_MISSING: &str =
        "Cannot perform requested operation. Parent resource not found";
    pub const CHILDREN_EXIST: &str = "Cannot delete parent without deleting child references first";
    pub const REFERENCED: &str =
        "Cannot delete without deleting or updating referencing resources first";
    pub const EMPTY_BODY: &str = "Empty body";
    pub const PAGE_NOT_FOUND: &str = "404 page not found";
    /// Our own text for a store outage; emcoctl treats a 500 naming the store as transient.
    pub const STORE_UNAVAILABLE: &str = "store unavailable, retry later";
}

/// An error answer: status code plus the exact text to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    /// The 500 EMCO answers when an internal error matches none of its tables.
    pub fn generic() -> Self {
        Self::internal(text::GENERIC_500)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            // A transient outage must look transient to clients (500 naming the store, or 503).
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "store unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, text::STORE_UNAVAILABLE)
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::generic()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        plain_text(self.status, &self.message)
    }
}

/// Go's `http.Error`: the message, a newline, text/plain and nosniff.
pub fn plain_text(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_store_is_a_transient_answer() {
        let err: ApiError = StoreError::Unavailable("busy".into()).into();
        assert_eq!(err.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(err.message.contains("store unavailable"));
    }

    #[test]
    fn other_store_errors_are_generic_500() {
        let err: ApiError = StoreError::Corrupt("bad".into()).into();
        assert_eq!(err, ApiError::generic());
    }
}
