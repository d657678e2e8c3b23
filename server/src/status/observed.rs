//! What rsync and the clusters reported about an AppContext, read from the store: resource
//! statuses, cluster connectivity and ResourceBundleState data (keys of `deploy::context`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use emco_store::KeyValue;
use serde_json::Value;

use crate::deploy::context::{ContextSpec, keys};
use crate::http::error::ApiError;
use crate::http::service::Ctx;

/// The observed part of one AppContext.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// rsync status by (app, `provider+cluster`, `name+Kind`).
    pub resources: BTreeMap<(String, String, String), String>,
    /// Connectivity (`Available`, `Retrying`) by (app, `provider+cluster`).
    pub connectivity: BTreeMap<(String, String), String>,
    /// The ResourceBundleState `.status` by (app, `provider+cluster`).
    pub rbs: BTreeMap<(String, String), Value>,
}

fn pair(app: &str, cluster: &str) -> (String, String) {
    (app.to_string(), cluster.to_string())
}

impl Observed {
    pub fn resource_status(&self, app: &str, cluster: &str, resource: &str) -> Option<&str> {
        let key = (app.to_string(), cluster.to_string(), resource.to_string());
        self.resources.get(&key).map(String::as_str)
    }

    pub fn connectivity(&self, app: &str, cluster: &str) -> Option<&str> {
        self.connectivity
            .get(&pair(app, cluster))
            .map(String::as_str)
    }

    pub fn rbs(&self, app: &str, cluster: &str) -> Option<&Value> {
        self.rbs.get(&pair(app, cluster))
    }

    /// Fills in what this (status) context has not recorded from `other` (the current
    /// context), as EMCO falls back from the status context to the current one.
    pub fn or_from(mut self, other: &Observed) -> Observed {
        for (k, v) in &other.resources {
            self.resources.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &other.connectivity {
            self.connectivity
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        for (k, v) in &other.rbs {
            self.rbs.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self
    }

    /// Adds one stored key of the context `id`; keys outside the observed ranges are ignored.
    pub fn add(&mut self, id: &str, kv: &KeyValue) {
        let text = String::from_utf8_lossy(&kv.value);
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        if let Some(rest) = kv.key.strip_prefix(&keys::resource_statuses(id)) {
            let mut parts = rest.splitn(3, '/');
            if let (Some(app), Some(cluster), Some(res)) =
                (parts.next(), parts.next(), parts.next())
            {
                let status = match &parsed {
                    Some(Value::Object(m)) => {
                        m.get("Status").and_then(Value::as_str).map(str::to_string)
                    }
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => Some(text.trim().to_string()),
                };
                if let Some(s) = status.filter(|s| !s.is_empty()) {
                    self.resources
                        .insert((app.into(), cluster.into(), res.into()), s);
                }
            }
        } else if let Some(rest) = kv.key.strip_prefix(&format!("{}conn/", keys::prefix(id))) {
            if let Some((app, cluster)) = rest.split_once('/') {
                let value = match parsed {
                    Some(Value::String(s)) => s,
                    _ => text.trim().to_string(),
                };
                if !value.is_empty() {
                    self.connectivity.insert(pair(app, cluster), value);
                }
            }
        } else if let Some(rest) = kv
            .key
            .strip_prefix(&keys::rbs_all(id))
            .or_else(|| kv.key.strip_prefix(&keys::rbs_compact_all(id)))
            && let Some((app, cluster)) = rest.split_once('/')
        {
            // The status may be stored as JSON text inside a JSON string, as EMCO does.
            let value = match parsed {
                Some(Value::String(s)) => serde_json::from_str(&s).ok(),
                other => other,
            };
            match value {
                Some(v @ Value::Object(_)) => {
                    self.rbs.insert(pair(app, cluster), v);
                }
                _ => tracing::warn!(key = %kv.key, "unreadable ResourceBundleState status ignored"),
            }
        }
    }
}

/// Reads the observed data of the AppContext `id` (the status context of a query).
pub async fn load_observed(ctx: &Ctx, id: &str) -> Result<Observed, ApiError> {
    load_observed_for(ctx, id, true).await
}

/// As [`load_observed`]; without `cluster_status` the ResourceBundleState data (the bulk of
/// it: full objects per app and cluster) is not read, for the deployed/rsync modes.
pub async fn load_observed_for(
    ctx: &Ctx,
    id: &str,
    cluster_status: bool,
) -> Result<Observed, ApiError> {
    load_observed_as(ctx, id, cluster_status, true).await
}

/// As [`load_observed_for`]; with `full` false the compact copies of the cluster status are
/// read (enough for everything but `output=detail`), falling back to the full ones when a
/// context has none.
pub async fn load_observed_as(
    ctx: &Ctx,
    id: &str,
    cluster_status: bool,
    full: bool,
) -> Result<Observed, ApiError> {
    let mut observed = Observed::default();
    for prefix in [
        keys::resource_statuses(id),
        format!("{}conn/", keys::prefix(id)),
    ] {
        for kv in ctx.store.range(&prefix).await?.kvs {
            observed.add(id, &kv);
        }
    }
    if cluster_status {
        let mut kvs = Vec::new();
        if !full {
            kvs = ctx.store.range(&keys::rbs_compact_all(id)).await?.kvs;
        }
        if kvs.is_empty() {
            kvs = ctx.store.range(&keys::rbs_all(id)).await?.kvs;
        }
        for kv in kvs {
            observed.add(id, &kv);
        }
    }
    Ok(observed)
}

/// Parsed AppContext specs by id, with the revision they were read at.
type SpecCache = HashMap<String, (i64, Arc<ContextSpec>)>;

/// Reads the desired part of the AppContext `id`, if it exists.
///
/// Parsed specs are cached by id and revision: a spec never changes once written, and at a
/// hundred clusters it is megabytes of JSON that every status query would parse again.
pub async fn load_spec(ctx: &Ctx, id: &str) -> Result<Option<Arc<ContextSpec>>, ApiError> {
    static CACHE: OnceLock<Mutex<SpecCache>> = OnceLock::new();
    const CAPACITY: usize = 64;
    let Some(kv) = ctx.store.get(&keys::spec(id)).await? else {
        return Ok(None);
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some((_, spec)) = cache.lock().ok().and_then(|c| {
        c.get(id)
            .filter(|(rev, _)| *rev == kv.mod_revision)
            .cloned()
    }) {
        return Ok(Some(spec));
    }
    let spec: Arc<ContextSpec> =
        serde_json::from_slice(&kv.value)
            .map(Arc::new)
            .map_err(|err| {
                tracing::error!(key = %kv.key, %err, "unreadable AppContext spec");
                ApiError::generic()
            })?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert(id.to_string(), (kv.mod_revision, spec.clone()));
    }
    Ok(Some(spec))
}

/// Reads the AppContext status (`{"Status":"Instantiated"}`) of `id`, if recorded.
pub async fn load_context_status(ctx: &Ctx, id: &str) -> Result<Option<String>, ApiError> {
    crate::deploy::context_status(ctx, id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kv(key: String, value: &str) -> KeyValue {
        KeyValue {
            key,
            value: value.as_bytes().to_vec(),
            create_revision: 1,
            mod_revision: 1,
            version: 1,
        }
    }

    #[test]
    fn keys_of_the_context_layout_are_read_in_every_stored_form() {
        let id = "7";
        let mut o = Observed::default();
        o.add(
            id,
            &kv(
                keys::resource_status(id, "a", "p+c", "r+Pod"),
                r#"{"Status":"Applied"}"#,
            ),
        );
        o.add(
            id,
            &kv(
                keys::resource_status(id, "a", "p+c", "s+Service"),
                r#""Failed""#,
            ),
        );
        o.add(
            id,
            &kv(keys::resource_status(id, "b", "p+c", "t+Job"), "Deleted"),
        );
        o.add(
            id,
            &kv(keys::connectivity(id, "a", "p+c"), r#""Available""#),
        );
        o.add(id, &kv(keys::connectivity(id, "b", "p+c"), "Retrying"));
        o.add(id, &kv(keys::rbs(id, "a", "p+c"), r#"{"ready":true}"#));
        o.add(id, &kv(keys::rbs(id, "b", "p+c"), r#""{\"ready\":false}""#));
        o.add(id, &kv(keys::rbs(id, "c", "p+c"), "not json"));
        o.add(id, &kv(keys::spec(id), "{}"));
        o.add(
            id,
            &kv(keys::resource_status("8", "a", "p+c", "x+Pod"), "Applied"),
        );
        assert_eq!(o.resource_status("a", "p+c", "r+Pod"), Some("Applied"));
        assert_eq!(o.resource_status("a", "p+c", "s+Service"), Some("Failed"));
        assert_eq!(o.resource_status("b", "p+c", "t+Job"), Some("Deleted"));
        assert_eq!(o.resources.len(), 3);
        assert_eq!(o.connectivity("a", "p+c"), Some("Available"));
        assert_eq!(o.connectivity("b", "p+c"), Some("Retrying"));
        assert_eq!(o.rbs("a", "p+c"), Some(&json!({"ready": true})));
        assert_eq!(o.rbs("b", "p+c"), Some(&json!({"ready": false})));
        assert_eq!(o.rbs("c", "p+c"), None);
    }

    #[test]
    fn the_status_context_wins_and_the_current_one_fills_gaps() {
        let mut status = Observed::default();
        status
            .connectivity
            .insert(pair("a", "p+c"), "Available".into());
        let mut current = Observed::default();
        current
            .connectivity
            .insert(pair("a", "p+c"), "Retrying".into());
        current
            .connectivity
            .insert(pair("b", "p+c"), "Retrying".into());
        let merged = status.or_from(&current);
        assert_eq!(merged.connectivity("a", "p+c"), Some("Available"));
        assert_eq!(merged.connectivity("b", "p+c"), Some("Retrying"));
    }
}
