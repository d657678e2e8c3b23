//! Approved CertificateSigningRequests are signed by the cluster CA.

mod common;

use std::time::Duration;

use base64::Engine;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

fn ar(g: &str, v: &str, k: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(g, v, k), plural)
}

async fn apply(
    client: &kube::Client,
    res: &ApiResource,
    ns: Option<&str>,
    obj: Value,
) -> DynamicObject {
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, res),
        None => Api::all_with(client.clone(), res),
    };
    let o: DynamicObject = serde_json::from_value(obj).expect("object");
    let name = o.metadata.name.clone().expect("name");
    api.patch(
        &name,
        &PatchParams::apply("test").force(),
        &Patch::Apply(&o),
    )
    .await
    .expect("apply")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_csr_gets_a_certificate_from_the_cluster_ca() {
    let s = common::start().await;
    let client = common::kube_client(&s.sim.kubeconfig).await;
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lc-user");
    let csr_pem = params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem");
    let b64 = base64::engine::general_purpose::STANDARD;
    let csr_res = ar(
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
    );
    apply(&client, &csr_res, None, json!({
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": "lc-user"},
        "spec": {"request": b64.encode(&csr_pem), "signerName": "kubernetes.io/kube-apiserver-client", "usages": ["client auth"]},
    }))
    .await;
    let approval = json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": "lc-user"},
        "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "ApprovedByEMCO", "message": "ok"}]}});
    let r = common::http()
        .put(format!(
            "{}/apis/certificates.k8s.io/v1/certificatesigningrequests/lc-user/approval",
            s.sim.url()
        ))
        .json(&approval)
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &csr_res);
    let cert = common::eventually("certificate", Duration::from_secs(10), || {
        let api = api.clone();
        async move {
            let o = api.get("lc-user").await.ok()?;
            o.data["status"]["certificate"].as_str().map(str::to_string)
        }
    })
    .await;
    let pem = String::from_utf8(b64.decode(cert).expect("base64")).expect("utf8");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    s.sim.shutdown().await;
}
