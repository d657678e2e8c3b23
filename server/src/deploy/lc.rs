//! Logical cloud lifecycle: instantiate, terminate and stop (emco-api.md 8.3-8.6).
//!
//! Like the DIG calls, each writes its AppContext, StateInfo and rsync work item in one
//! transaction. A level-1 cloud's AppContext carries the namespace, a CSR for the cloud's user,
//! roles and quotas; rsync approves the CSR and stores the user's kubeconfig once signed.

use async_trait::async_trait;
use axum::http::StatusCode;
use emco_store::Op;
use serde_json::{Value, json};

use super::context::{
    AppSpec, ClusterSpec, ContextMeta, ContextSpec, Owner, ResourceSpec, WorkItem, keys as ck,
    new_id, status,
};
use super::dig::hand_to_rsync;
use super::{put_spec, record_state};
use crate::dcm::lc_context_status;
use crate::http::error::ApiError;
use crate::http::reply::{Outcome, Reply};
use crate::http::request::Request;
use crate::http::service::{Ctx, Handler};
use crate::orchestrator::hooks::load_state;
use crate::resources::engine::{list_items, load};
use crate::resources::keys;
use crate::resources::path::Params;

/// The app name EMCO gives a logical cloud's resources.
pub const LC_APP: &str = "logical-cloud";

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn lc_item(params: &Params) -> (String, String, String) {
    let project = params.get("project").unwrap_or("").to_string();
    let name = params.get("logicalCloud").unwrap_or("").to_string();
    (
        format!("projects/{project}/logical-clouds/{name}"),
        project,
        name,
    )
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
async fn cloud_context(
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

/// `POST LC/instantiate`.
pub struct Instantiate;

#[async_trait]
impl Handler for Instantiate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, project, name) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        let references = list_items(ctx, &format!("{item}/cluster-references"), 1).await?;
        if references.is_empty() {
            return Err(ApiError::bad_request("No Cluster References associated"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let mut ops = Vec::new();
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => {}
            Some(status::TERMINATED) => {
                // EMCO deletes the terminated context before building a new one.
                if let Some(old) = state
                    .current()
                    .map(|a| a.instance.clone())
                    .filter(|i| !i.is_empty())
                {
                    ops.push(Op::DeletePrefix {
                        prefix: ck::prefix(&old),
                    });
                }
            }
            Some(status::TERMINATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud can't be re-instantiated yet, it is being terminated",
                ));
            }
            Some(status::INSTANTIATED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already instantiated",
                ));
            }
            Some(status::INSTANTIATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already instantiating",
                ));
            }
            Some(status::INSTANTIATE_FAILED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed instantiating before, please terminate and try again",
                ));
            }
            Some(_) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed terminating, please delete the Logical Cloud",
                ));
            }
        }
        let id = new_id();
        let (spec, more) =
            cloud_context(ctx, &item, &project, &name, &lc, &references, &id).await?;
        ops.extend(more);
        let next_revision = state.current().map(|a| a.revision).unwrap_or(0) + 1;
        state.push("Instantiated", &id, next_revision);
        state.statusctxid = id.clone();
        let mut txn = record_state(&item, &state, revision);
        txn.success.push(put_spec(&spec));
        txn.success.extend(ops);
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Instantiate,
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

trait OrCreated {
    fn unwrap_or_default_pair(self) -> (crate::state::StateInfo, i64);
}

impl OrCreated for Option<(crate::state::StateInfo, i64)> {
    /// A cloud created before StateInfo existed behaves as just created.
    fn unwrap_or_default_pair(self) -> (crate::state::StateInfo, i64) {
        self.unwrap_or_else(|| (crate::state::StateInfo::created(), 0))
    }
}

/// `POST LC/terminate`.
pub struct Terminate;

#[async_trait]
impl Handler for Terminate {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, _, _) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        // Only DIGs reference logical clouds; their state does not matter (8.4).
        if !ctx
            .store
            .range(&keys::refs_in_prefix(&item))
            .await?
            .kvs
            .is_empty()
        {
            return Err(ApiError::bad_request(
                "Found at least one DIG associated with Logical Cloud attempted to be terminated",
            ));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => return Ok(Outcome::read(Reply::Empty(StatusCode::ACCEPTED))),
            Some(status::TERMINATED) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has already been terminated",
                ));
            }
            Some(status::TERMINATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is already being terminated",
                ));
            }
            Some(status::INSTANTIATING) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud is still instantiating",
                ));
            }
            Some(status::INSTANTIATED) | Some(status::INSTANTIATE_FAILED) => {}
            Some(_) => {
                return Err(ApiError::conflict(
                    "The Logical Cloud has failed terminating, please delete the Logical Cloud",
                ));
            }
        }
        let id = state
            .actions
            .iter()
            .rev()
            .find(|a| !a.instance.is_empty())
            .map(|a| a.instance.clone())
            .unwrap_or_default();
        let next_revision = state.current().map(|a| a.revision).unwrap_or(0) + 1;
        state.push("Terminated", &id, next_revision);
        state.statusctxid = id.clone();
        let mut txn = record_state(&item, &state, revision);
        if s(&lc, "/spec/level") != "0" {
            let ns = s(&lc, "/spec/namespace");
            for r in list_items(ctx, &format!("{item}/cluster-references"), 1).await? {
                let key = keys::cloud_config(
                    s(&r, "/spec/clusterProvider"),
                    s(&r, "/spec/cluster"),
                    "1",
                    ns,
                );
                txn.success.push(Op::Delete { key });
            }
        }
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Terminate,
            status::TERMINATING,
        ));
        Ok(Outcome::write(Reply::Empty(StatusCode::ACCEPTED), txn))
    }
}

/// `POST LC/stop`: answers 200 (sic) and sets the stop flag.
pub struct Stop;

#[async_trait]
impl Handler for Stop {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, _, name) = lc_item(params);
        if load(ctx, &item).await?.is_none() {
            return Err(ApiError::not_found("Logical Cloud not found"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let next = match state.current_state() {
            "Created" => {
                return Err(ApiError::conflict(format!(
                    "LogicalCloud has not been asked to instantiate: {name}"
                )));
            }
            "Instantiated" => "InstantiateStopped",
            "Terminated" => "TerminateStopped",
            "InstantiateStopped" | "TerminateStopped" => {
                return Err(ApiError::conflict(format!(
                    "LogicalCloud is already stopped: {name}"
                )));
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "LogicalCloud is in an invalid state: {other}"
                )));
            }
        };
        let id = state
            .current()
            .map(|a| a.instance.clone())
            .unwrap_or_default();
        state.push(next, &id, state.current().map(|a| a.revision).unwrap_or(0));
        let txn = record_state(&item, &state, revision).then(Op::Put {
            key: ck::stop_flag(&id),
            value: b"true".to_vec(),
        });
        Ok(Outcome::write(Reply::Empty(StatusCode::OK), txn))
    }
}

/// `POST LC/update`: a fresh context from the current references, permissions and quotas;
/// rsync moves from the old context to it (adding or removing clusters). Answers 202 with an
/// empty logical cloud object (sic).
pub struct Update;

#[async_trait]
impl Handler for Update {
    async fn handle(
        &self,
        ctx: &Ctx,
        _req: &Request,
        params: &Params,
    ) -> Result<Outcome, ApiError> {
        let (item, project, name) = lc_item(params);
        let Some((lc, _)) = load(ctx, &item).await? else {
            return Err(ApiError::not_found("Logical Cloud not found"));
        };
        let empty = json!({"metadata": {"name": "", "description": "", "userData1": "", "userData2": ""},
            "spec": {"namespace": "", "level": "", "labels": null, "user": {"userName": "", "type": ""}}});
        match lc_context_status(ctx, &item).await?.as_deref() {
            None => return Ok(Outcome::read(Reply::Json(StatusCode::ACCEPTED, empty))),
            Some(status::INSTANTIATED) => {}
            Some(_) => {
                return Err(ApiError::conflict(
                    "Logical Cloud is not in a state where a cluster can be created",
                ));
            }
        }
        let references = list_items(ctx, &format!("{item}/cluster-references"), 1).await?;
        if references.is_empty() {
            return Err(ApiError::bad_request("No Cluster References associated"));
        }
        let (mut state, revision) = load_state(ctx, &item).await?.unwrap_or_default_pair();
        let old = state
            .actions
            .iter()
            .rev()
            .find(|a| !a.instance.is_empty())
            .map(|a| a.instance.clone())
            .unwrap_or_default();
        let id = new_id();
        let (mut spec, ops) =
            cloud_context(ctx, &item, &project, &name, &lc, &references, &id).await?;
        spec.meta.status_context = state.statusctxid.clone();
        // A CSR's spec is immutable on a cluster: keep the previous context's request.
        if let Some(previous) = ctx
            .store
            .get(&ck::spec(&old))
            .await?
            .and_then(|kv| serde_json::from_slice::<ContextSpec>(&kv.value).ok())
        {
            let old_csr = previous
                .apps
                .iter()
                .flat_map(|a| &a.clusters)
                .flat_map(|c| &c.resources)
                .find(|r| r.name.ends_with("+CertificateSigningRequest"))
                .cloned();
            if let Some(old_csr) = old_csr {
                for r in spec
                    .apps
                    .iter_mut()
                    .flat_map(|a| a.clusters.iter_mut())
                    .flat_map(|c| c.resources.iter_mut())
                {
                    if r.name == old_csr.name {
                        r.manifest = old_csr.manifest.clone();
                    }
                }
            }
        }
        let next_revision = state.current().map(|a| a.revision).unwrap_or(0) + 1;
        state.push("Updated", &id, next_revision);
        let mut txn = record_state(&item, &state, revision);
        txn.success.push(put_spec(&spec));
        txn.success.extend(ops);
        txn.success.extend(hand_to_rsync(
            &id,
            &WorkItem::Update { from: old },
            status::INSTANTIATING,
        ));
        Ok(Outcome::write(
            Reply::Json(StatusCode::ACCEPTED, empty),
            txn,
        ))
    }
}
