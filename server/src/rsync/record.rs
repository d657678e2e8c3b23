//! What rsync records in the store while it works: per-resource status, per-cluster
//! connectivity, the AppContext status, and the kubeconfigs it reads.

use std::sync::Arc;

use emco_store::{Op, Store, StoreError, Txn};
use serde_json::{Value, json};

use crate::deploy::context::keys;
use crate::http::failpoint;
use crate::resources::keys as rkeys;

/// Writes observed state into a status context.
#[derive(Clone)]
pub struct Recorder {
    pub store: Arc<dyn Store>,
    /// The context statuses are reported into (`ContextMeta::status_context`).
    pub status_ctx: String,
}

impl Recorder {
    async fn put(&self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
        if failpoint::hit("rsync.status.before_write").await.is_err() {
            return Err(StoreError::Unavailable(
                "failpoint rsync.status.before_write".into(),
            ));
        }
        // Skip identical writes: every write wakes status watchers.
        if self
            .store
            .get(&key)
            .await?
            .is_some_and(|kv| kv.value == value)
        {
            return Ok(());
        }
        self.store
            .txn(Txn::new().then(Op::Put { key, value }))
            .await
            .map(|_| ())
    }

    pub async fn resource(
        &self,
        app: &str,
        cluster: &str,
        resource: &str,
        status: &str,
    ) -> Result<(), StoreError> {
        let key = keys::resource_status(&self.status_ctx, app, cluster, resource);
        self.put(key, json!({ "Status": status }).to_string().into_bytes())
            .await
    }

    pub async fn connectivity(
        &self,
        app: &str,
        cluster: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let key = keys::connectivity(&self.status_ctx, app, cluster);
        self.put(key, value.as_bytes().to_vec()).await
    }
}

/// Sets an AppContext's status.
pub async fn set_context_status(
    store: &dyn Store,
    id: &str,
    status: &str,
) -> Result<(), StoreError> {
    let value = json!({ "Status": status }).to_string().into_bytes();
    store
        .txn(Txn::new().then(Op::Put {
            key: keys::status(id),
            value,
        }))
        .await
        .map(|_| ())
}

/// The kubeconfig rsync connects to `provider+cluster` with: level "0" is the admin
/// kubeconfig uploaded to clm, level "1" the logical cloud user's for `namespace`.
pub async fn kubeconfig(
    store: &dyn Store,
    provider: &str,
    cluster: &str,
    level: &str,
    namespace: &str,
) -> Result<Option<String>, StoreError> {
    let ns = if level == "0" { "default" } else { namespace };
    let Some(record) = store
        .get(&rkeys::cloud_config(provider, cluster, level, ns))
        .await?
    else {
        return Ok(None);
    };
    let record: Value = serde_json::from_slice(&record.value).unwrap_or(Value::Null);
    if let Some(text) = record["kubeconfig"].as_str() {
        return Ok(Some(text.to_string()));
    }
    match record["file"].as_str() {
        Some(file_key) => Ok(store
            .get(file_key)
            .await?
            .map(|kv| String::from_utf8_lossy(&kv.value).into_owned())),
        None => Ok(None),
    }
}
