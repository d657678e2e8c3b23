//! Reading EMCO status documents (emco-api.md 7.3): states, counts and resource rows.
//!
//! Field names changed across EMCO releases (`deployedStatus`/`status`/`rsync-status`,
//! `states.actions`/`state.Actions`, ...); every accessor takes the current name first and
//! falls back to the older ones, so the same code reads the bundled server and older EMCOs.

use serde_json::Value;

/// The first of `names` that `v` has as a string.
fn text<'a>(v: &'a Value, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| v.get(*n).and_then(Value::as_str))
}

/// The first of `names` that `v` has at all.
fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| v.get(*n))
}

/// One StateInfo action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub state: String,
    pub instance: String,
    pub time: String,
}

/// One resource on one cluster, as a status document lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// `None` for logical clouds, whose resources belong to no app.
    pub app: Option<String>,
    /// `provider+cluster`.
    pub cluster: String,
    pub connectivity: Option<String>,
    pub group: String,
    pub kind: String,
    pub name: String,
    pub deployed: Option<String>,
    pub ready: Option<String>,
}

/// Read access to one status document.
#[derive(Debug, Clone, Copy)]
pub struct StatusDoc<'a>(pub &'a Value);

impl<'a> StatusDoc<'a> {
    pub fn name(&self) -> Option<&'a str> {
        text(self.0, &["name"])
    }

    /// The last StateInfo action (the current lifecycle state of the DIG or cloud).
    pub fn last_action(&self) -> Option<Action> {
        let states = field(self.0, &["states", "state"])?;
        let last = field(states, &["actions", "Actions"])?.as_array()?.last()?;
        Some(Action {
            state: text(last, &["state", "State"])?.to_string(),
            instance: text(last, &["instance", "ContextId"])
                .unwrap_or_default()
                .to_string(),
            time: text(last, &["time", "TimeStamp"])
                .unwrap_or_default()
                .to_string(),
        })
    }

    /// The AppContext status (`Instantiating`, `Instantiated`, ...); absent before the first
    /// instantiation.
    pub fn deployed_status(&self) -> Option<&'a str> {
        text(self.0, &["deployedStatus", "status"])
    }

    /// `Ready` or `NotReady` (ready mode only).
    pub fn ready_status(&self) -> Option<&'a str> {
        text(self.0, &["readyStatus"])
    }

    /// The state to show: the AppContext status, else the last lifecycle action.
    pub fn state(&self) -> Option<String> {
        self.deployed_status()
            .map(str::to_string)
            .or_else(|| self.last_action().map(|a| a.state))
    }

    /// Resources by deployed status (`deployedCounts`, or the deprecated `rsyncStatus`).
    pub fn deployed_counts(&self) -> Vec<(String, u64)> {
        counts(field(
            self.0,
            &["deployedCounts", "rsyncStatus", "rsync-status"],
        ))
    }

    /// Resources by ready status (`readyCounts`, or the deprecated `clusterStatus`).
    pub fn ready_counts(&self) -> Vec<(String, u64)> {
        counts(field(
            self.0,
            &["readyCounts", "clusterStatus", "cluster-status"],
        ))
    }

    /// Every resource row: `apps[].clusters[]` for DIGs, top-level `clusters[]` for logical
    /// clouds, `cluster` for cluster network intents.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for app in self
            .0
            .get("apps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = text(app, &["name"]).map(str::to_string);
            for cluster in app
                .get("clusters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                cluster_rows(name.clone(), cluster, &mut rows);
            }
        }
        for cluster in self
            .0
            .get("clusters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            cluster_rows(None, cluster, &mut rows);
        }
        if let Some(cluster) = self.0.get("cluster").filter(|c| c.is_object()) {
            cluster_rows(None, cluster, &mut rows);
        }
        rows
    }
}

fn cluster_rows(app: Option<String>, cluster: &Value, rows: &mut Vec<Row>) {
    let provider = text(cluster, &["clusterProvider", "cluster-provider"]).unwrap_or_default();
    let name = text(cluster, &["cluster"]).unwrap_or_default();
    let connectivity = text(cluster, &["connectivity", "readyStatus"]).map(str::to_string);
    let resources = cluster.get("resources").and_then(Value::as_array);
    for r in resources.into_iter().flatten() {
        let gvk = r.get("GVK").unwrap_or(&Value::Null);
        rows.push(Row {
            app: app.clone(),
            cluster: format!("{provider}+{name}"),
            connectivity: connectivity.clone(),
            group: text(gvk, &["Group"]).unwrap_or_default().to_string(),
            kind: text(gvk, &["Kind"]).unwrap_or_default().to_string(),
            name: text(r, &["name"]).unwrap_or_default().to_string(),
            deployed: text(r, &["deployedStatus", "rsyncStatus", "rsync-status"])
                .map(str::to_string),
            ready: text(r, &["readyStatus", "clusterStatus", "cluster-status"]).map(str::to_string),
        });
    }
}

/// Counts in a stable order: the lifecycle order of the values, then any others by name.
fn counts(v: Option<&Value>) -> Vec<(String, u64)> {
    const ORDER: [&str; 9] = [
        "Pending",
        "Retrying",
        "Applied",
        "Failed",
        "Deleted",
        "Ready",
        "NotReady",
        "NotPresent",
        "Unknown",
    ];
    let Some(map) = v.and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<(String, u64)> = map
        .iter()
        .filter_map(|(k, n)| Some((k.clone(), n.as_u64()?)))
        .collect();
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    out.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then_with(|| a.0.cmp(&b.0)));
    out
}

/// `Applied 12  Pending 3`.
pub fn format_counts(counts: &[(String, u64)]) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lc_ready() -> Value {
        json!({"project":"p1","name":"lc1",
            "states":{"statusctxid":"62","actions":[
                {"state":"Created","instance":"","time":"t0","revision":0},
                {"state":"Instantiated","instance":"62","time":"t1","revision":1}]},
            "deployedStatus":"Instantiated","readyStatus":"NotReady","readyCounts":{"NotReady":1,"Ready":1},
            "clusters":[{"clusterProvider":"p","cluster":"c1","connectivity":"Available","resources":[
                {"GVK":{"Group":"certificates.k8s.io","Version":"v1","Kind":"CertificateSigningRequest"},"name":"csr","readyStatus":"Ready"},
                {"GVK":{"Group":"","Version":"v1","Kind":"Namespace"},"name":"ns1"},
                {"GVK":{"Group":"","Version":"v1","Kind":"ConfigMap"},"name":"cm","readyStatus":"NotReady"}]}]})
    }

    #[test]
    fn current_field_names() {
        let v = lc_ready();
        let d = StatusDoc(&v);
        assert_eq!(d.name(), Some("lc1"));
        assert_eq!(
            d.last_action(),
            Some(Action {
                state: "Instantiated".into(),
                instance: "62".into(),
                time: "t1".into()
            })
        );
        assert_eq!(d.deployed_status(), Some("Instantiated"));
        assert_eq!(d.ready_status(), Some("NotReady"));
        assert_eq!(format_counts(&d.ready_counts()), "Ready 1  NotReady 1");
        assert!(d.deployed_counts().is_empty());
        let rows = d.rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].cluster, "p+c1");
        assert_eq!(rows[0].app, None);
        assert_eq!(rows[0].connectivity.as_deref(), Some("Available"));
        assert_eq!(rows[0].kind, "CertificateSigningRequest");
        assert_eq!(rows[1].ready, None);
        assert_eq!(rows[2].ready.as_deref(), Some("NotReady"));
    }

    #[test]
    fn older_field_names() {
        let v = json!({"name":"dig","state":{"Actions":[{"State":"Instantiated","ContextId":"7","TimeStamp":"t"}]},
            "status":"Terminated","rsync-status":{"Deleted":2},
            "apps":[{"name":"sink","clusters":[{"cluster-provider":"vfw","cluster":"edge01","resources":[
                {"GVK":{"Group":"apps","Version":"v1","Kind":"Deployment"},"name":"fw0-sink","rsync-status":"Deleted"},
                {"GVK":{"Group":"","Version":"v1","Kind":"ConfigMap"},"name":"cm","rsync-status":"Deleted"}]}]}]});
        let d = StatusDoc(&v);
        assert_eq!(d.last_action().map(|a| a.instance), Some("7".into()));
        assert_eq!(d.deployed_status(), Some("Terminated"));
        assert_eq!(format_counts(&d.deployed_counts()), "Deleted 2");
        let rows = d.rows();
        assert_eq!(rows[0].app.as_deref(), Some("sink"));
        assert_eq!(rows[0].cluster, "vfw+edge01");
        assert_eq!(rows[0].deployed.as_deref(), Some("Deleted"));
    }

    #[test]
    fn never_instantiated_shows_the_lifecycle_state() {
        let v = json!({"name":"dig","states":{"statusctxid":"","actions":[{"state":"Approved","instance":"","time":"t","revision":0}]}});
        let d = StatusDoc(&v);
        assert_eq!(d.deployed_status(), None);
        assert_eq!(d.state().as_deref(), Some("Approved"));
        assert!(d.rows().is_empty());
    }

    #[test]
    fn counts_follow_the_lifecycle_then_the_name() {
        let v = json!({"Zeta": 1, "Applied": 12, "Pending": 3, "Failed": 1, "Alpha": 2});
        assert_eq!(
            format_counts(&counts(Some(&v))),
            "Pending 3  Applied 12  Failed 1  Alpha 2  Zeta 1"
        );
    }
}
