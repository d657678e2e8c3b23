//! The cluster's certificate authority: created at first start (kept in the data dir), it signs
//! approved CertificateSigningRequests.

use std::fs;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{Datelike, Duration as ChronoDuration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("reading or writing the CA in {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("certificate operation failed: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("{0}")]
    Request(String),
}

pub struct Ca {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ymd(t: chrono::DateTime<Utc>) -> (i32, u8, u8) {
    (t.year(), t.month() as u8, t.day() as u8)
}

const CERT_FILE: &str = "ca.crt";
const KEY_FILE: &str = "ca.key";

impl Ca {
    /// Loads the CA from `dir`, or creates one (and stores it there when a dir is given).
    pub fn load_or_create(dir: Option<&Path>, cluster: &str) -> Result<Ca, CaError> {
        if let Some(d) = dir {
            let (c, k) = (d.join(CERT_FILE), d.join(KEY_FILE));
            if c.exists() && k.exists() {
                let io = |p: &Path| {
                    fs::read_to_string(p).map_err(|e| CaError::Io {
                        path: p.display().to_string(),
                        source: e,
                    })
                };
                let cert_pem = io(&c)?;
                let key = KeyPair::from_pem(&io(&k)?)?;
                let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
                return Ok(Ca { cert_pem, issuer });
            }
        }
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("{cluster}-ca"));
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = Utc::now();
        params.not_before = {
            let (y, mo, d) = ymd(now - ChronoDuration::days(1));
            date_time_ymd(y, mo, d)
        };
        params.not_after = {
            let (y, mo, d) = ymd(now + ChronoDuration::days(3650));
            date_time_ymd(y, mo, d)
        };
        let cert = params.self_signed(&key)?;
        let cert_pem = cert.pem();
        if let Some(d) = dir {
            let write = |name: &str, text: &str| {
                let p = d.join(name);
                fs::create_dir_all(d)
                    .and_then(|_| fs::write(&p, text))
                    .map_err(|e| CaError::Io {
                        path: p.display().to_string(),
                        source: e,
                    })
            };
            write(KEY_FILE, &key.serialize_pem())?;
            write(CERT_FILE, &cert_pem)?;
        }
        Ok(Ca {
            cert_pem,
            issuer: Issuer::new(params, key),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Signs a CSR given as `spec.request` (base64 of a PEM request); returns base64 of the PEM
    /// certificate, as `status.certificate` carries it.
    pub fn sign_request(
        &self,
        request_b64: &str,
        expiration_seconds: Option<i64>,
    ) -> Result<String, CaError> {
        let pem_bytes = B64
            .decode(request_b64.trim())
            .map_err(|e| CaError::Request(format!("spec.request is not base64: {e}")))?;
        let pem = String::from_utf8(pem_bytes)
            .map_err(|_| CaError::Request("spec.request is not PEM text".into()))?;
        let mut req = CertificateSigningRequestParams::from_pem(&pem)?;
        let now = Utc::now();
        let secs = expiration_seconds
            .unwrap_or(365 * 24 * 3600)
            .clamp(600, 10 * 365 * 24 * 3600);
        req.params.not_before = {
            let (y, mo, d) = ymd(now - ChronoDuration::days(1));
            date_time_ymd(y, mo, d)
        };
        req.params.not_after = {
            let (y, mo, d) = ymd(now + ChronoDuration::seconds(secs) + ChronoDuration::days(1));
            date_time_ymd(y, mo, d)
        };
        req.params.is_ca = IsCa::NoCa;
        let cert = req.signed_by(&self.issuer)?;
        Ok(B64.encode(cert.pem()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_a_request_and_persists_the_ca() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::load_or_create(Some(dir.path()), "edge").expect("ca");
        let again = Ca::load_or_create(Some(dir.path()), "edge").expect("reload");
        assert_eq!(ca.cert_pem(), again.cert_pem());

        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, "user1");
        let csr = params
            .serialize_request(&key)
            .expect("csr")
            .pem()
            .expect("pem");
        let cert_b64 = again.sign_request(&B64.encode(csr), None).expect("sign");
        let cert = String::from_utf8(B64.decode(cert_b64).expect("b64")).expect("utf8");
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(again.sign_request("not base64!", None).is_err());
    }
}
