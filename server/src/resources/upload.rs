//! Multipart uploads (`metadata` JSON field plus a `file` part), archive checks, and the
//! Accept negotiation for reading file-backed records back.

use axum::http::{StatusCode, header};
use bytes::Bytes;
use flate2::read::GzDecoder;

use crate::http::error::ApiError;
use crate::http::reply::Reply;
use crate::http::request::Request;

/// The two parts EMCO reads from a multipart create.
pub struct Upload {
    pub metadata: Bytes,
    pub file: Option<Bytes>,
}

/// Reads the `metadata` field and the `file` part of a multipart/form-data body.
pub async fn read_multipart(req: &Request, max_upload: usize) -> Result<Upload, ApiError> {
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::unprocessable("request Content-Type isn't multipart/form-data"))?;
    let body = req.body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut metadata = Bytes::new();
    let mut file = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(ApiError::unprocessable(err.to_string())),
        };
        let name = field.name().unwrap_or("").to_string();
        let data = field
            .bytes()
            .await
            .map_err(|err| ApiError::unprocessable(err.to_string()))?;
        match name.as_str() {
            "metadata" => metadata = data,
            "file" => {
                if data.len() > max_upload {
                    return Err(ApiError::unprocessable(format!(
                        "File Size Exceeds {} MB",
                        max_upload / (1024 * 1024)
                    )));
                }
                file = Some(data);
            }
            _ => {}
        }
    }
    Ok(Upload { metadata, file })
}

/// EMCO's archive rule for charts and profiles: a gzip'd tar holding only regular files and
/// directories. We also refuse absolute paths and `..`, which the renderer would otherwise
/// have to distrust later.
pub fn check_archive(data: &[u8]) -> Result<(), ApiError> {
    let bad = || ApiError::unprocessable("Error in file format");
    let mut archive = tar::Archive::new(GzDecoder::new(data));
    let entries = archive.entries().map_err(|_| bad())?;
    let mut count = 0usize;
    for entry in entries {
        let entry = entry.map_err(|_| bad())?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(bad());
        }
        let path = entry.path().map_err(|_| bad())?;
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(bad());
        }
        count += 1;
    }
    if count == 0 {
        return Err(bad());
    }
    Ok(())
}

/// What a GET of a file-backed record should return, by `Accept`.
#[derive(Debug, PartialEq, Eq)]
pub enum Want {
    Json,
    File,
    Multipart,
}

/// EMCO answers 406/300 without a precise Accept; we answer JSON for none, `*/*` and lists
/// that include JSON (see docs/compatibility.md), so curl and browsers work.
pub fn negotiate(req: &Request) -> Result<Want, ApiError> {
    let Some(accept) = req.header(header::ACCEPT) else {
        return Ok(Want::Json);
    };
    let types: Vec<String> = accept
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    if types.len() == 1 {
        match types[0].as_str() {
            "application/octet-stream" => return Ok(Want::File),
            "multipart/form-data" => return Ok(Want::Multipart),
            _ => {}
        }
    }
    if types
        .iter()
        .any(|t| t == "application/json" || t == "*/*" || t == "application/*" || t.is_empty())
    {
        return Ok(Want::Json);
    }
    Err(ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "set Accept: multipart/form-data, application/json or application/octet-stream",
    ))
}

/// Builds the answer for a file-backed record.
pub fn file_reply(want: Want, record: &str, file: Bytes, part_filename: Option<&str>) -> Reply {
    match want {
        Want::Json => Reply::RawJson(StatusCode::OK, record.to_string()),
        Want::File => Reply::Bytes(StatusCode::OK, "application/octet-stream".into(), file),
        Want::Multipart => {
            let boundary = format!("emco{:016x}", rand::random::<u64>());
            let mut body = Vec::new();
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n").as_bytes());
            body.extend_from_slice(record.as_bytes());
            body.extend_from_slice(b"\r\n");
            let filename = part_filename
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"{filename}\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(&file);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Reply::Bytes(
                StatusCode::OK,
                format!("multipart/form-data; boundary={boundary}"),
                body.into(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, Method};

    fn tgz(entries: &[(&str, tar::EntryType)]) -> Vec<u8> {
        let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(enc);
        for (path, kind) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(if kind.is_file() { 2 } else { 0 });
            h.set_mode(0o644);
            if kind.is_symlink() {
                let _ = h.set_link_name("target");
            }
            let data: &[u8] = if kind.is_file() { b"hi" } else { b"" };
            // set_path refuses `..`, so write the raw name for the negative case.
            let name = h.as_old_mut().name.as_mut();
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            let _ = b.append(&h, data);
        }
        b.into_inner().and_then(|e| e.finish()).unwrap_or_default()
    }

    #[test]
    fn accepts_files_and_dirs_only() {
        use tar::EntryType::*;
        assert!(check_archive(&tgz(&[("app/", Directory), ("app/Chart.yaml", Regular)])).is_ok());
        assert!(check_archive(&tgz(&[("app/link", Symlink)])).is_err());
        assert!(check_archive(&tgz(&[("../evil", Regular)])).is_err());
        assert!(check_archive(b"not gzip").is_err());
    }

    fn req(accept: Option<&str>) -> Request {
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert(
                header::ACCEPT,
                HeaderValue::from_str(a).unwrap_or(HeaderValue::from_static("")),
            );
        }
        Request::new(Method::GET, "x", "", h, Bytes::new())
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&req(None)), Ok(Want::Json));
        assert_eq!(negotiate(&req(Some("*/*"))), Ok(Want::Json));
        assert_eq!(
            negotiate(&req(Some("application/json, */*"))),
            Ok(Want::Json)
        );
        assert_eq!(
            negotiate(&req(Some("application/octet-stream"))),
            Ok(Want::File)
        );
        assert_eq!(
            negotiate(&req(Some("multipart/form-data"))),
            Ok(Want::Multipart)
        );
        assert!(negotiate(&req(Some("text/html"))).is_err());
    }
}
