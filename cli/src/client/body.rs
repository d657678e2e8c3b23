//! Request bodies encoded once per logical call, so every attempt sends the same bytes.

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};

use crate::resource::Payload;

/// A request body, encoded once per logical call so every attempt sends the same bytes
/// (the server's idempotency record compares a hash of them).
pub(crate) struct Encoded {
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
}

/// Encodes the payload; a multipart form is serialized once, with one boundary for all attempts.
pub(crate) async fn encode(payload: &Payload) -> Result<Option<Encoded>, String> {
    use futures::TryStreamExt;
    match payload {
        Payload::None => Ok(None),
        Payload::Json(bytes) => Ok(Some(Encoded {
            content_type: "application/json".to_string(),
            bytes: bytes.clone(),
        })),
        Payload::Multipart { metadata, parts } => {
            let mut form = Form::new().text("metadata", metadata.clone());
            for part in parts {
                let mut headers = HeaderMap::new();
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                let p = Part::bytes(part.content.clone())
                    .file_name(part.filename.clone())
                    .headers(headers);
                form = form.part(part.field.clone(), p);
            }
            let content_type = format!("multipart/form-data; boundary={}", form.boundary());
            let chunks: Vec<_> = form
                .into_stream()
                .try_collect()
                .await
                .map_err(|e| format!("cannot encode the multipart body: {e}"))?;
            Ok(Some(Encoded {
                content_type,
                bytes: chunks.concat(),
            }))
        }
    }
}
