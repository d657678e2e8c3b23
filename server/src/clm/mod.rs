//! The clm service (port 9061): cluster providers, clusters with their kubeconfigs, labels,
//! key-value pairs, sync objects and clm controllers (emco-api.md 2.2 and 9).

use async_trait::async_trait;
use emco_store::Op;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::reply::Reply;
use crate::http::request::Request;
use crate::http::service::{Ctx, Routes};
use crate::resources::engine::list_items;
use crate::resources::keys;
use crate::resources::kind::{
    Extra, FileRule, Hooks, Kind, NameCheck, NameFrom, ParentMissing, PutRule, Write,
};
use crate::resources::path::Params;
use crate::resources::register;
use crate::schema::{Field, META, Ty, Violations};
use crate::state::StateInfo;

const PROVIDER: Ty = Ty::Obj(&[Field::new("metadata", META)]);
const GITOPS: Ty = Ty::Obj(&[
    Field::new("gitOpsType", Ty::Str),
    Field::new("gitOpsReferenceObject", Ty::Str),
    Field::new("gitOpsResourceObject", Ty::Str),
]);
const CLUSTER: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new("spec", Ty::Obj(&[Field::new("gitOps", GITOPS)])),
]);
const LABEL: Ty = Ty::Obj(&[Field::new("clusterLabel", Ty::Str)]);
const KV: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[Field::new("kv", Ty::List(&Ty::Map(&Ty::Any)))]),
    ),
]);
const CLM_CONTROLLER: Ty = Ty::Obj(&[
    Field::new("metadata", META),
    Field::new(
        "spec",
        Ty::Obj(&[
            Field::new("host", Ty::Str),
            Field::new("port", Ty::Int),
            Field::new("priority", Ty::Int),
        ]),
    ),
]);

const CLUSTER_ITEM: &str = "cluster-providers/{clusterProvider}/clusters/{cluster}";

fn label_rules(body: &Value, v: &mut Violations) {
    v.name(body, "/clusterLabel");
}

fn kv_rules(body: &Value, v: &mut Violations) {
    v.metadata(body);
    let long = body
        .pointer("/spec/kv")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.values())
        .any(|x| x.as_str().is_some_and(|s| s.chars().count() > 128));
    if long {
        v.push("spec.kv: String length must be less than or equal to 128");
    }
}

fn controller_rules(body: &Value, v: &mut Violations) {
    v.metadata(body)
        .max_len(body, "/spec/host", 128)
        .int_range(body, "/spec/port", 0, 65535)
        .int_range(body, "/spec/priority", 0, 1_000_000);
}

fn must(missing: &'static str, mismatch: &'static str) -> Option<PutRule> {
    Some(PutRule {
        name_check: NameCheck::Must { missing, mismatch },
        ..PutRule::default()
    })
}

/// Clusters: a kubeconfig is required (unless GitOps); creating one also records its
/// level-0 cloud config and a `Created` StateInfo; `?label=` and `?withLabels` list forms.
struct ClusterHooks;

#[async_trait]
impl Hooks for ClusterHooks {
    async fn before_write(&self, ctx: &Ctx, write: &Write<'_>) -> Result<Extra, ApiError> {
        let _ = ctx;
        let provider = write.params.get("clusterProvider").unwrap_or("");
        let cluster = write
            .body
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(Extra {
            compares: Vec::new(),
            ops: vec![
                Op::Put {
                    key: keys::state(write.item),
                    value: StateInfo::created().to_bytes(),
                },
                // The kubeconfig itself is stored by the engine as the record's file; the cloud
                // config names where rsync and dcm find it (level 0, namespace default).
                Op::Put {
                    key: keys::cloud_config(provider, cluster, "0", "default"),
                    value: json!({ "file": keys::file(write.item) })
                        .to_string()
                        .into_bytes(),
                },
            ],
        })
    }

    async fn before_delete(
        &self,
        _ctx: &Ctx,
        _item: &str,
        params: &Params,
    ) -> Result<Extra, ApiError> {
        let provider = params.get("clusterProvider").unwrap_or("");
        let cluster = params.get("cluster").unwrap_or("");
        Ok(Extra {
            compares: Vec::new(),
            ops: vec![Op::DeletePrefix {
                prefix: keys::cloud_configs_of(provider, cluster),
            }],
        })
    }

    async fn list_query(
        &self,
        ctx: &Ctx,
        req: &Request,
        collection: &str,
        _p: &Params,
    ) -> Option<Result<Reply, ApiError>> {
        if let Some(label) = req.query("label") {
            return Some(clusters_with_label(ctx, collection, label).await);
        }
        if req
            .query("withLabels")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Some(clusters_and_labels(ctx, collection).await);
        }
        None
    }
}

async fn labels_of(ctx: &Ctx, cluster_item: &str) -> Result<Vec<Value>, ApiError> {
    list_items(ctx, &format!("{cluster_item}/labels"), 1).await
}

async fn clusters_with_label(ctx: &Ctx, collection: &str, label: &str) -> Result<Reply, ApiError> {
    let mut names = Vec::new();
    for cluster in list_items(ctx, collection, 1).await? {
        let name = cluster
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let labels = labels_of(ctx, &format!("{collection}/{name}")).await?;
        if labels.iter().any(|l| l["clusterLabel"] == label) {
            names.push(Value::from(name));
        }
    }
    Ok(Reply::ok(Value::Array(names)))
}

async fn clusters_and_labels(ctx: &Ctx, collection: &str) -> Result<Reply, ApiError> {
    let mut out = Vec::new();
    for cluster in list_items(ctx, collection, 1).await? {
        let name = cluster
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let labels = labels_of(ctx, &format!("{collection}/{name}")).await?;
        out.push(json!({ "metadata": cluster["metadata"], "labels": labels }));
    }
    Ok(Reply::ok(Value::Array(out)))
}

/// `?key=<k>` on kv pairs and sync objects answers `{"value": v}` from the first map with k.
struct KeyQuery(&'static str);

#[async_trait]
impl Hooks for KeyQuery {
    async fn get_query(
        &self,
        _ctx: &Ctx,
        req: &Request,
        _item: &str,
        body: &Value,
    ) -> Option<Result<Reply, ApiError>> {
        let key = req.query("key")?;
        let value = body
            .pointer("/spec/kv")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|m| m.get(key).cloned());
        Some(match value {
            Some(v) => Ok(Reply::ok(json!({ "value": v }))),
            None => Err(ApiError::not_found(self.0)),
        })
    }
}

pub fn kinds() -> Vec<Kind> {
    vec![
        Kind::new(
            "clusterProvider",
            "ClusterProvider",
            "cluster-providers",
            "clusterProvider",
            &PROVIDER,
        )
        .texts(
            "Cluster provider not found",
            "ClusterProvider already exists",
        )
        .empty_array()
        .put(must(
            "Missing cluster provider name in PUT request",
            "Mismatched cluster provider name in PUT request",
        )),
        Kind::new(
            "cluster",
            "Cluster",
            "cluster-providers/{clusterProvider}/clusters",
            "cluster",
            &CLUSTER,
        )
        .texts("Cluster not found", "Cluster already exists")
        .empty_array()
        .list_check(
            "cluster-providers/{clusterProvider}",
            "Cluster provider not found",
        )
        .file(FileRule {
            archive: false,
            part_filename: Some("kubeconfig"),
            optional_when: Some("/spec/gitOps/gitOpsType"),
        })
        .put(None)
        .hooks(ClusterHooks),
        Kind::new(
            "clusterLabel",
            "ClusterLabel",
            &format!("{CLUSTER_ITEM}/labels"),
            "clusterLabel",
            &LABEL,
        )
        .texts("Cluster label not found", "Cluster Label already exists")
        .name_from(NameFrom::ClusterLabel)
        .validate(label_rules)
        .empty_array()
        .list_check(CLUSTER_ITEM, "Cluster not found")
        .put(must(
            "Missing label name in PUT request",
            "Mismatched label name in PUT request",
        )),
        Kind::new(
            "clusterKv",
            "ClusterKvPairs",
            &format!("{CLUSTER_ITEM}/kv-pairs"),
            "clusterKv",
            &KV,
        )
        .texts(
            "Cluster key value pair not found",
            "Cluster KV Pair already exists",
        )
        .validate(kv_rules)
        .empty_array()
        .list_check(CLUSTER_ITEM, "Cluster not found")
        .put(must(
            "Missing KV pair name in PUT request",
            "Mismatched KV pair name in PUT request",
        ))
        .hooks(KeyQuery("Cluster KV pair key value not found")),
        Kind::new(
            "clusterSyncObject",
            "ClusterSyncObjects",
            "cluster-providers/{clusterProvider}/cluster-sync-objects",
            "clusterSyncObject",
            &KV,
        )
        .texts(
            "Cluster sync object not found",
            "Cluster Sync Objects already exists",
        )
        .validate(kv_rules)
        .empty_array()
        .parent_missing(ParentMissing::NotFound("Cluster provider not found"))
        .list_check(
            "cluster-providers/{clusterProvider}",
            "Cluster provider not found",
        )
        .put(must(
            "Missing sync object name in PUT request",
            "Mismatched sync object name in PUT request",
        ))
        .hooks(KeyQuery("Cluster Sync Object key value not found")),
        Kind::new(
            "clmController",
            "ClmController",
            "clm-controllers",
            "clmController",
            &CLM_CONTROLLER,
        )
        .texts("ClmController not found", "ClmController already exists")
        .validate(controller_rules)
        .put(Some(PutRule {
            name_check: NameCheck::Must {
                missing: "Missing name in PUT request",
                mismatch: "Mismatched name in PUT request",
            },
            validate: true,
            code_created: 200,
            code_replaced: 200,
        })),
    ]
}

pub fn routes() -> Routes {
    let mut routes = Routes::default();
    for kind in kinds() {
        register(&mut routes, kind);
    }
    routes
}
