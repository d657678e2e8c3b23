//! Approved CertificateSigningRequests get `status.certificate`, signed by the cluster CA.

use serde_json::{Value, json};

use super::pods::carry_times;
use crate::cluster::Cluster;
use crate::objects::Sub;
use crate::ops::{self, Fields};
use crate::resources::keys;
use crate::store::ObjKey;

fn has_condition(csr: &Value, ty: &str) -> bool {
    csr["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == ty && c["status"] != "False"))
}

pub fn reconcile(c: &Cluster, key: &ObjKey, csr: &Value) {
    let signed = csr["status"]["certificate"]
        .as_str()
        .is_some_and(|s| !s.is_empty());
    if signed
        || !has_condition(csr, "Approved")
        || has_condition(csr, "Denied")
        || has_condition(csr, "Failed")
    {
        return;
    }
    let request = csr["spec"]["request"].as_str().unwrap_or_default();
    let outcome =
        c.ca.sign_request(request, csr["spec"]["expirationSeconds"].as_i64());
    let Some(rt) = c.registry.by_key(keys::CSRS) else {
        return;
    };
    let _ = ops::update_with(
        c,
        &rt,
        "",
        &key.name,
        Sub::Status,
        Fields::Keep,
        None,
        |live| {
            let mut o = live.clone();
            match &outcome {
                Ok(cert) => o["status"]["certificate"] = json!(cert),
                Err(e) => {
                    let old = o["status"]["conditions"].clone();
                    let mut conds = old.as_array().cloned().unwrap_or_default();
                    conds.push(json!({"type": "Failed", "status": "True", "reason": "SignerValidationFailure", "message": e.to_string()}));
                    let mut conds = Value::Array(conds);
                    carry_times(&old, &mut conds);
                    o["status"]["conditions"] = conds;
                }
            }
            Ok(o)
        },
    );
}
