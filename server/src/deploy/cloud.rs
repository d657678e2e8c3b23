//! What a logical cloud's AppContext holds (emco-api.md 8.3): per cluster reference, for
//! level 1 the namespace, the cloud user's CSR, quotas, roles and role bindings.

use emco_store::Op;
use serde_json::{Value, json};

use super::context::{AppSpec, ClusterSpec, ContextMeta, ContextSpec, Owner, ResourceSpec};
use super::lc::LC_APP;
use crate::http::error::ApiError;
use crate::http::service::Ctx;
use crate::resources::engine::list_items;
use crate::resources::keys;

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Where the cloud user's private key is kept (created once, reused by later instantiations).
pub fn user_key(lc_item: &str) -> String {
    format!("/emco/lckey/{lc_item}")
}

fn yaml(v: &Value) -> String {
    // JSON is valid YAML; manifests are parsed again by rsync and the status builder.
    v.to_string()
}

/// The level-1 resources of one cluster, in EMCO's order: namespace, CSR, quotas, roles, bindings.
fn level1_resources(
    lc: &Value,
    name: &str,
    csr_pem: &str,
    permissions: &[Value],
    quotas: &[Value],
) -> Vec<ResourceSpec> {
    let ns = s(lc, "/spec/namespace");
    let user = s(lc, "/spec/user/userName");
    let mut out = vec![ResourceSpec::new(
        format!("{ns}+Namespace"),
        yaml(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": lc.pointer("/spec/labels").cloned().unwrap_or(json!({}))}})),
    )];
    let csr = format!("{name}-{ns}-user-csr");
    out.push(ResourceSpec::new(format!("{csr}+CertificateSigningRequest"), yaml(&json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": csr},
            "spec": {"request": base64_std(csr_pem.as_bytes()), "signerName": "kubernetes.io/kube-apiserver-client",
                     "usages": ["digital signature", "key encipherment", "client auth"]}}))));
    for q in quotas {
        let qn = s(q, "/metadata/name");
        out.push(ResourceSpec::new(
            format!("{qn}+ResourceQuota"),
            yaml(&json!({"apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": {"name": qn, "namespace": ns}, "spec": {"hard": q["spec"]}})),
        ));
    }
    let rule = |p: &Value| json!([{"apiGroups": p.pointer("/spec/apiGroups"), "resources": p.pointer("/spec/resources"), "verbs": p.pointer("/spec/verbs")}]);
    let mut bindings = Vec::new();
    for (i, p) in permissions.iter().enumerate() {
        let pns = s(p, "/spec/namespace");
        let (role_kind, binding_kind, role, binding) = if pns.is_empty() {
            (
                "ClusterRole",
                "ClusterRoleBinding",
                format!("{name}-clusterRole{i}"),
                format!("{name}-clusterRoleBinding{i}"),
            )
        } else {
            (
                "Role",
                "RoleBinding",
                format!("{name}-role{i}"),
                format!("{name}-roleBinding{i}"),
            )
        };
        let mut meta = json!({"name": role});
        let mut bmeta = json!({"name": binding});
        if !pns.is_empty() {
            meta["namespace"] = json!(pns);
            bmeta["namespace"] = json!(pns);
        }
        out.push(ResourceSpec::new(format!("{role}+{role_kind}"), yaml(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": role_kind, "metadata": meta, "rules": rule(p)}))));
        bindings.push(ResourceSpec::new(format!("{binding}+{binding_kind}"), yaml(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": binding_kind, "metadata": bmeta,
                "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}],
                "roleRef": {"kind": role_kind, "name": role, "apiGroup": "rbac.authorization.k8s.io"}}))));
    }
    out.extend(bindings);
    out
}

fn base64_std(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The cloud user's key (PEM) and a CSR for it; the key is created on first use.
async fn user_credentials(
    ctx: &Ctx,
    item: &str,
    user: &str,
) -> Result<(String, String, Option<Op>), ApiError> {
    let existing = ctx
        .store
        .get(&user_key(item))
        .await?
        .map(|kv| String::from_utf8_lossy(&kv.value).into_owned());
    let fresh = existing.is_none();
    let key = match existing {
        Some(pem) => rcgen::KeyPair::from_pem(&pem).map_err(|_| ApiError::generic())?,
        None => rcgen::KeyPair::generate().map_err(|_| ApiError::generic())?,
    };
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|_| ApiError::generic())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, user);
    let csr = params
        .serialize_request(&key)
        .and_then(|r| r.pem())
        .map_err(|_| ApiError::generic())?;
    let key_pem = key.serialize_pem();
    let op = fresh.then(|| Op::Put {
        key: user_key(item),
        value: key_pem.clone().into_bytes(),
    });
    Ok((key_pem, csr, op))
}

/// Builds a logical cloud's AppContext from its current references, permissions and quotas;
/// also returns writes it needs (the cloud user's key, the first time).
pub async fn cloud_context(
    ctx: &Ctx,
    item: &str,
    project: &str,
    name: &str,
    lc: &Value,
    references: &[Value],
    id: &str,
) -> Result<(ContextSpec, Vec<Op>), ApiError> {
    let mut ops = Vec::new();
    let level1 = s(lc, "/spec/level") != "0";
    let mut resources = Vec::new();
    if level1 {
        let ns = s(lc, "/spec/namespace");
        let permissions = list_items(ctx, &format!("{item}/user-permissions"), 1).await?;
        if permissions.is_empty() {
            return Err(ApiError::generic());
        }
        if !permissions.iter().any(|p| s(p, "/spec/namespace") == ns) {
            return Err(ApiError::conflict(
                "Level-1 Logical Clouds require a User Permission assigned to its primary namespace",
            ));
        }
        let quotas = list_items(ctx, &format!("{item}/cluster-quotas"), 1).await?;
        let (_, csr, key_op) = user_credentials(ctx, item, s(lc, "/spec/user/userName")).await?;
        ops.extend(key_op);
        resources = level1_resources(lc, name, &csr, &permissions, &quotas);
    }
    let mut clusters = Vec::new();
    for r in references {
        let (provider, cluster) = (s(r, "/spec/clusterProvider"), s(r, "/spec/cluster"));
        if ctx
            .store
            .get(&keys::cloud_config(provider, cluster, "0", "default"))
            .await?
            .is_none()
        {
            // EMCO's text here matches no table entry, so it answers the generic 500 (8.3).
            return Err(ApiError::generic());
        }
        clusters.push(ClusterSpec {
            provider: provider.into(),
            cluster: cluster.into(),
            group: 0,
            resources: resources.clone(),
            crds: Vec::new(),
            hooks: Default::default(),
        });
    }
    let spec = ContextSpec {
        id: id.to_string(),
        meta: ContextMeta {
            owner: Owner::LogicalCloud,
            project: project.to_string(),
            composite_app: String::new(),
            version: String::new(),
            composite_profile: String::new(),
            release: String::new(),
            deployment_intent_group: String::new(),
            logical_cloud: name.to_string(),
            // rsync creates the cloud itself with the admin kubeconfig.
            namespace: "default".into(),
            level: "0".into(),
            status_context: id.to_string(),
        },
        apps: vec![AppSpec {
            name: LC_APP.into(),
            dependencies: Vec::new(),
            clusters,
        }],
    };
    Ok((spec, ops))
}
