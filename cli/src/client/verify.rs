//! After a reissue: deciding whether an earlier attempt already did what the call asked.

use serde_json::Value;

use crate::config::{Config, Service};
use crate::resource::Document;
use crate::routing::{RouteError, url_for};

/// How to confirm a mutating call whose reissue was refused as a duplicate.
#[derive(Debug, Clone, PartialEq)]
pub enum ReissueCheck {
    /// Nothing can be confirmed: a refusal stays an API error.
    None,
    /// A create: on 409 "already exists", GET the item and compare it with what was sent.
    Created(ItemCheck),
    /// A lifecycle call: on a state conflict, GET the status and look for the target state.
    Lifecycle(LifecycleCheck),
    /// A delete: 404 means an earlier attempt deleted it.
    Deleted,
}

/// Where the created item is and what was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCheck {
    pub service: Service,
    pub anchor: String,
    pub url: String,
    pub accept_json: bool,
    pub sent: Value,
}

/// Where the status is and which states mean the call took effect.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleCheck {
    pub service: Service,
    pub anchor: String,
    pub url: String,
    pub kind: StatusKind,
    /// States that show the call took effect (the first is the one named in messages).
    pub accepted: Vec<&'static str>,
}

/// Which status document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// Deployment intent group: `.states.actions[-1].state`.
    Dig,
    /// Logical cloud: `.deployedStatus`.
    LogicalCloud,
}

/// The check for a create of `doc` (needs a name or a cluster label to find the item).
pub fn created_check(config: &Config, doc: &Document) -> Result<ReissueCheck, RouteError> {
    if doc.metadata.name.is_empty() && doc.cluster_label.is_none() {
        return Ok(ReissueCheck::None);
    }
    let anchor = doc.item_anchor();
    let (service, url) = url_for(config, &anchor)?;
    Ok(ReissueCheck::Created(ItemCheck {
        service,
        accept_json: crate::commands::rules::get_accepts_json(&anchor),
        anchor,
        url,
        sent: doc.body(),
    }))
}

/// The check for a POST to `anchor` when it is a DIG or logical cloud lifecycle call.
pub fn lifecycle_check(config: &Config, anchor: &str) -> Result<ReissueCheck, RouteError> {
    let path = anchor.split('?').next().unwrap_or_default();
    let s: Vec<&str> = path.split('/').collect();
    let (status_anchor, kind, accepted) = match s.as_slice() {
        [
            "projects",
            _,
            "composite-apps",
            _,
            _,
            "deployment-intent-groups",
            _,
            op,
        ] => {
            let target = match *op {
                "approve" => "Approved",
                "instantiate" => "Instantiated",
                "terminate" => "Terminated",
                _ => return Ok(ReissueCheck::None),
            };
            let dig = s[..7].join("/");
            (
                format!("{dig}/status?status=deployed"),
                StatusKind::Dig,
                vec![target],
            )
        }
        ["projects", _, "logical-clouds", _, op] => {
            let accepted = match *op {
                "instantiate" => vec!["Instantiated", "Instantiating"],
                "terminate" => vec!["Terminated", "Terminating"],
                _ => return Ok(ReissueCheck::None),
            };
            (
                format!("{}/status", s[..4].join("/")),
                StatusKind::LogicalCloud,
                accepted,
            )
        }
        _ => return Ok(ReissueCheck::None),
    };
    let (service, url) = url_for(config, &status_anchor)?;
    Ok(ReissueCheck::Lifecycle(LifecycleCheck {
        service,
        anchor: status_anchor,
        url,
        kind,
        accepted,
    }))
}

/// The state a status document reports, if it reports one.
pub fn reported_state(kind: StatusKind, status: &Value) -> Option<&str> {
    match kind {
        StatusKind::Dig => status
            .pointer("/states/actions")
            .and_then(Value::as_array)
            .and_then(|actions| actions.last())
            .and_then(|a| a.get("state"))
            .and_then(Value::as_str),
        StatusKind::LogicalCloud => status.get("deployedStatus").and_then(Value::as_str),
    }
}

/// Whether the stored item matches what was sent: `metadata` (when a name was sent),
/// `clusterLabel` and every `spec` field that was sent. The server may add fields.
pub fn stored_matches(sent: &Value, stored: &Value) -> Result<(), String> {
    let named = sent
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if named {
        subset(&sent["metadata"], &stored["metadata"], "metadata")?;
    }
    for key in ["clusterLabel", "spec"] {
        if let Some(v) = sent.get(key) {
            subset(v, stored.get(key).unwrap_or(&Value::Null), key)?;
        }
    }
    Ok(())
}

/// `sent` is contained in `stored`: objects by key (case-insensitively, as EMCO decodes),
/// arrays element by element, numbers by value. A `null` sent matches anything (unset).
fn subset(sent: &Value, stored: &Value, path: &str) -> Result<(), String> {
    match (sent, stored) {
        (Value::Null, _) => Ok(()),
        (Value::Object(a), Value::Object(b)) => {
            for (key, v) in a {
                let found = b.get(key).or_else(|| {
                    b.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| v)
                });
                let child = format!("{path}.{key}");
                match found {
                    Some(stored_v) => subset(v, stored_v, &child)?,
                    None => return Err(format!("{child}: sent {v}, not stored")),
                }
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(i, (x, y))| subset(x, y, &format!("{path}[{i}]"))),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{path}: stored {b}, sent {a}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Endpoint;
    use serde_json::json;

    fn cfg() -> Config {
        Config::empty()
            .with_endpoint(Service::Orchestrator, Endpoint::new("o", 1))
            .with_endpoint(Service::Dcm, Endpoint::new("d", 2))
    }

    const DIG: &str = "projects/p/composite-apps/ca/v1/deployment-intent-groups/dig";

    #[test]
    fn dig_lifecycle_reads_the_deployed_status() {
        for (op, target) in [
            ("approve", "Approved"),
            ("instantiate", "Instantiated"),
            ("terminate", "Terminated"),
        ] {
            let ReissueCheck::Lifecycle(c) =
                lifecycle_check(&cfg(), &format!("{DIG}/{op}")).unwrap()
            else {
                panic!("{op}: no check");
            };
            assert_eq!(c.url, format!("http://o:1/v2/{DIG}/status?status=deployed"));
            assert_eq!(c.kind, StatusKind::Dig);
            assert_eq!(c.accepted, vec![target]);
        }
        let none = lifecycle_check(&cfg(), &format!("{DIG}/stop")).unwrap();
        assert_eq!(none, ReissueCheck::None);
    }

    #[test]
    fn logical_cloud_lifecycle_reads_deployed_status() {
        let ReissueCheck::Lifecycle(c) =
            lifecycle_check(&cfg(), "projects/p/logical-clouds/lc/terminate").unwrap()
        else {
            panic!("no check");
        };
        assert_eq!(c.url, "http://d:2/v2/projects/p/logical-clouds/lc/status");
        assert_eq!(c.kind, StatusKind::LogicalCloud);
        assert_eq!(c.accepted[0], "Terminated");
        assert_eq!(
            lifecycle_check(&cfg(), "projects/p/composite-apps").unwrap(),
            ReissueCheck::None
        );
    }

    #[test]
    fn states_are_read_from_the_right_field() {
        let dig = json!({"states": {"actions": [{"state": "Approved"}, {"state": "Instantiated"}]},
                         "deployedStatus": "Instantiating"});
        assert_eq!(reported_state(StatusKind::Dig, &dig), Some("Instantiated"));
        assert_eq!(
            reported_state(StatusKind::LogicalCloud, &dig),
            Some("Instantiating")
        );
        assert_eq!(
            reported_state(StatusKind::Dig, &json!({"states": {}})),
            None
        );
    }

    #[test]
    fn created_check_uses_the_item_url() {
        let doc = crate::resource::parse_documents(
            "resourceContext:\n  anchor: projects/p/composite-apps/ca/v1/apps\nmetadata:\n  name: a1\n",
        )
        .unwrap()
        .remove(0);
        let ReissueCheck::Created(c) = created_check(&cfg(), &doc).unwrap() else {
            panic!("no check");
        };
        assert_eq!(
            c.url,
            "http://o:1/v2/projects/p/composite-apps/ca/v1/apps/a1"
        );
        assert!(c.accept_json);
        let unnamed = Document {
            anchor: "projects".into(),
            ..Document::default()
        };
        assert_eq!(created_check(&cfg(), &unnamed).unwrap(), ReissueCheck::None);
    }

    #[test]
    fn server_defaults_do_not_count_as_differences() {
        let sent = json!({"metadata": {"name": "ca"}, "spec": {"compositeAppVersion": "v1"}});
        let stored = json!({"metadata": {"name": "ca", "description": "", "userData1": "", "userData2": ""},
                            "spec": {"compositeAppVersion": "v1", "extra": 1}});
        assert_eq!(stored_matches(&sent, &stored), Ok(()));
    }

    #[test]
    fn differences_are_named() {
        let sent = json!({"metadata": {"name": "ca", "description": "new"},
                          "spec": {"n": 2, "list": [{"a": 1}]}});
        let stored = json!({"metadata": {"name": "ca", "description": "old"}, "spec": {"n": 2.0, "list": [{"a": 1}]}});
        assert_eq!(
            stored_matches(&sent, &stored),
            Err(r#"metadata.description: stored "old", sent "new""#.to_string())
        );
        let stored = json!({"metadata": {"name": "ca", "description": "new"}, "spec": {"n": 2, "list": [{"a": 5}]}});
        assert_eq!(
            stored_matches(&sent, &stored),
            Err("spec.list[0].a: stored 5, sent 1".to_string())
        );
        let stored = json!({"metadata": {"name": "ca", "description": "new"}});
        assert!(
            stored_matches(&sent, &stored)
                .unwrap_err()
                .starts_with("spec:")
        );
    }

    #[test]
    fn labels_compare_the_label_only() {
        let sent = json!({"metadata": {"name": ""}, "clusterLabel": "edge"});
        assert_eq!(
            stored_matches(&sent, &json!({"clusterLabel": "edge"})),
            Ok(())
        );
        assert!(stored_matches(&sent, &json!({"clusterLabel": "core"})).is_err());
    }

    #[test]
    fn keys_match_case_insensitively_like_go() {
        let sent = json!({"metadata": {"name": "s"}, "spec": {"loadbalancerIp": "1.2.3.4"}});
        let stored = json!({"metadata": {"name": "s"}, "spec": {"loadBalancerIP": "1.2.3.4"}});
        assert_eq!(stored_matches(&sent, &stored), Ok(()));
    }
}
