//! EMCO emcoctl's per-command rules: which documents are skipped, what delete does, Accept.

use crate::resource::Document;

/// Lifecycle anchors that `update` skips silently.
const UPDATE_SKIPPED: [&str; 7] = [
    "instantiate",
    "apply",
    "approve",
    "terminate",
    "migrate",
    "update",
    "rollback",
];

/// The last path segment of an anchor.
pub fn last_segment(anchor: &str) -> &str {
    anchor.rsplit('/').next().unwrap_or(anchor)
}

/// `update` sends no PUT for lifecycle anchors.
pub fn update_skips(anchor: &str) -> bool {
    UPDATE_SKIPPED.contains(&last_segment(anchor))
}

/// `get -f` fetches nothing for lifecycle anchors (as update, plus `stop`); `status` is fetched.
pub fn get_skips(anchor: &str) -> bool {
    update_skips(anchor) || last_segment(anchor) == "stop"
}

/// What `delete -f` does with one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteAction {
    /// POST (empty body) to this anchor: an `instantiate`/`apply` document is undone by
    /// `terminate`.
    Terminate(String),
    /// Nothing to undo (`approve`, `status`, `migrate`, `update`, `rollback`).
    Skip,
    /// DELETE of this per-item anchor.
    Delete(String),
}

/// The action for one document of `delete -f`. `stop` is not special (EMCO sends DELETE).
pub fn delete_action(doc: &Document) -> DeleteAction {
    match last_segment(&doc.anchor) {
        "instantiate" | "apply" => {
            let parent = doc.anchor.rsplit_once('/').map(|(p, _)| p);
            DeleteAction::Terminate(match parent {
                Some(parent) => format!("{parent}/terminate"),
                None => "terminate".to_string(),
            })
        }
        "approve" | "status" | "migrate" | "update" | "rollback" => DeleteAction::Skip,
        _ => DeleteAction::Delete(doc.item_anchor()),
    }
}

/// GET asks for JSON when the anchor names one app, profile, cluster, resource or
/// customization (those answer 406 without it on EMCO).
pub fn get_accepts_json(anchor: &str) -> bool {
    let s: Vec<&str> = anchor.split('/').collect();
    s.len() >= 3
        && matches!(
            s[s.len() - 2],
            "apps" | "profiles" | "clusters" | "resources" | "customizations"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIG: &str = "projects/p/composite-apps/ca/v1/deployment-intent-groups/dig";

    fn doc(anchor: &str, name: &str) -> Document {
        let mut d = Document {
            anchor: anchor.to_string(),
            ..Document::default()
        };
        d.metadata.name = name.to_string();
        d
    }

    #[test]
    fn update_skips_lifecycle_anchors() {
        for op in [
            "instantiate",
            "apply",
            "approve",
            "terminate",
            "migrate",
            "update",
            "rollback",
        ] {
            assert!(update_skips(&format!("{DIG}/{op}")), "{op}");
        }
        for kept in ["stop", "status", "intents", "deployment-intent-groups"] {
            assert!(!update_skips(&format!("{DIG}/{kept}")), "{kept}");
        }
    }

    #[test]
    fn get_also_skips_stop_but_fetches_status() {
        assert!(get_skips(&format!("{DIG}/stop")));
        assert!(get_skips(&format!("{DIG}/instantiate")));
        assert!(!get_skips(&format!("{DIG}/status")));
        assert!(!get_skips("projects"));
    }

    #[test]
    fn delete_turns_instantiate_and_apply_into_terminate() {
        assert_eq!(
            delete_action(&doc(&format!("{DIG}/instantiate"), "")),
            DeleteAction::Terminate(format!("{DIG}/terminate"))
        );
        assert_eq!(
            delete_action(&doc("projects/p/logical-clouds/lc/instantiate", "")),
            DeleteAction::Terminate("projects/p/logical-clouds/lc/terminate".into())
        );
        assert_eq!(
            delete_action(&doc("cluster-providers/cp/clusters/c/apply", "")),
            DeleteAction::Terminate("cluster-providers/cp/clusters/c/terminate".into())
        );
    }

    #[test]
    fn delete_skips_and_deletes() {
        for op in ["approve", "status", "migrate", "update", "rollback"] {
            assert_eq!(
                delete_action(&doc(&format!("{DIG}/{op}"), "")),
                DeleteAction::Skip,
                "{op}"
            );
        }
        assert_eq!(
            delete_action(&doc(&format!("{DIG}/stop"), "")),
            DeleteAction::Delete(format!("{DIG}/stop"))
        );
        assert_eq!(
            delete_action(&doc("projects", "p1")),
            DeleteAction::Delete("projects/p1".into())
        );
        // The terminate of a project named "terminate" is still a DELETE of the item.
        assert_eq!(
            delete_action(&doc("projects", "terminate")),
            DeleteAction::Delete("projects/terminate".into())
        );
    }

    #[test]
    fn accept_json_for_file_backed_items() {
        for yes in [
            "projects/p/composite-apps/ca/v1/apps/a1",
            "projects/p/composite-apps/ca/v1/composite-profiles/cp/profiles/pr",
            "cluster-providers/cp/clusters/c1",
            "x/resources/r",
            "x/customizations/c",
        ] {
            assert!(get_accepts_json(yes), "{yes}");
        }
        for no in [
            "projects/p/composite-apps/ca/v1/apps",
            "cluster-providers/cp/clusters",
            "apps/x",
            "projects/p",
            "cluster-providers/cp/clusters/c1/labels",
        ] {
            assert!(!get_accepts_json(no), "{no}");
        }
    }
}
