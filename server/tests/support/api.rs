//! A small EMCO REST client for API tests: JSON calls, raw bodies and multipart uploads.

use reqwest::blocking::multipart::{Form, Part};
use serde_json::Value;

use super::http;

pub fn tgz(top: &str) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    let data = format!("apiVersion: v2\nname: {top}\nversion: 0.1.0\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, format!("{top}/Chart.yaml"), data.as_bytes())
        .expect("append");
    b.into_inner().and_then(|e| e.finish()).expect("tgz")
}

pub struct Api {
    pub base: String,
}

impl Api {
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let url = format!("{}/v2/{path}", self.base);
        let c = http();
        let req = match method {
            "POST" => c.post(&url),
            "PUT" => c.put(&url),
            "DELETE" => c.delete(&url),
            "PATCH" => c.patch(&url),
            _ => c.get(&url),
        };
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(b.to_string()),
            None => req,
        };
        let resp = req.send().expect("request");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
    pub fn raw(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let url = format!("{}/v2/{path}", self.base);
        let c = http();
        let req = if method == "PUT" {
            c.put(&url)
        } else {
            c.post(&url)
        };
        let resp = req.body(body.to_string()).send().expect("request");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
    pub fn upload(&self, path: &str, metadata: Value, file: Option<Vec<u8>>) -> (u16, String) {
        let mut form = Form::new().text("metadata", metadata.to_string());
        if let Some(f) = file {
            form = form.part("file", Part::bytes(f).file_name("filename"));
        }
        let resp = http()
            .post(format!("{}/v2/{path}", self.base))
            .multipart(form)
            .send()
            .expect("upload");
        let code = resp.status().as_u16();
        (code, resp.text().unwrap_or_default())
    }
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
