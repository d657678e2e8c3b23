//! Whose status is asked for: a deployment intent group or a logical cloud, named by its anchor.

use std::fmt;

/// The kind of resource whose status is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// `projects/<p>/composite-apps/<ca>/<v>/deployment-intent-groups/<dig>` (orchestrator).
    DeploymentIntentGroup,
    /// `projects/<p>/logical-clouds/<lc>` (dcm).
    LogicalCloud,
}

/// A deployment intent group or logical cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The item anchor, without `/status`.
    pub item: String,
}

/// An anchor that names no deployment intent group or logical cloud.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error(
        "{0:?} is not a deployment intent group or logical cloud: expected \
         projects/<p>/composite-apps/<ca>/<version>/deployment-intent-groups/<dig> or \
         projects/<p>/logical-clouds/<lc>, optionally followed by /status"
    )]
    NotASubject(String),
    #[error("{0:?}: give query parameters as options (--status, --output, --app, ...)")]
    HasQuery(String),
}

impl Subject {
    /// Parses an anchor as in emcoctl files, with or without a trailing `/status`.
    pub fn parse(anchor: &str) -> Result<Subject, SubjectError> {
        let trimmed = anchor.trim().trim_matches('/');
        if trimmed.contains('?') {
            return Err(SubjectError::HasQuery(anchor.to_string()));
        }
        let mut s: Vec<&str> = trimmed.split('/').collect();
        if s.last() == Some(&"status") {
            s.pop();
        }
        let not = || SubjectError::NotASubject(anchor.to_string());
        if s.iter().any(|seg| seg.is_empty()) {
            return Err(not());
        }
        let kind = match s.as_slice() {
            [
                "projects",
                _,
                "composite-apps",
                _,
                _,
                "deployment-intent-groups",
                _,
            ] => SubjectKind::DeploymentIntentGroup,
            ["projects", _, "logical-clouds", _] => SubjectKind::LogicalCloud,
            _ => return Err(not()),
        };
        Ok(Subject {
            kind,
            item: s.join("/"),
        })
    }

    /// The subject of a lifecycle call's anchor (`<item>/instantiate`, `<item>/terminate`, ...)
    /// and the operation (the last segment).
    pub fn of_lifecycle(anchor: &str) -> Option<(Subject, String)> {
        let path = anchor
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_matches('/');
        let (item, op) = path.rsplit_once('/')?;
        let subject = Subject::parse(item).ok()?;
        // `.../status/<x>` would parse as the item: the item must be given exactly.
        (item == subject.item && op != "status").then(|| (subject, op.to_string()))
    }

    /// The resource's own name (the last segment).
    pub fn name(&self) -> &str {
        self.item.rsplit('/').next().unwrap_or_default()
    }

    /// The project (second segment).
    pub fn project(&self) -> &str {
        self.item.split('/').nth(1).unwrap_or_default()
    }

    /// `<item>/status`, with `?query` when the query is not empty.
    pub fn status_anchor(&self, query: &str) -> String {
        if query.is_empty() {
            format!("{}/status", self.item)
        } else {
            format!("{}/status?{query}", self.item)
        }
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubjectKind::DeploymentIntentGroup => "Deployment intent group",
            SubjectKind::LogicalCloud => "Logical cloud",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIG: &str = "projects/p/composite-apps/ca/v1/deployment-intent-groups/dig";

    #[test]
    fn dig_and_logical_cloud_anchors() {
        for anchor in [DIG, &format!("{DIG}/status"), &format!("/{DIG}/status/")] {
            let s = Subject::parse(anchor).unwrap();
            assert_eq!(s.kind, SubjectKind::DeploymentIntentGroup, "{anchor}");
            assert_eq!(s.item, DIG);
            assert_eq!(s.name(), "dig");
            assert_eq!(s.project(), "p");
        }
        let lc = Subject::parse("projects/p1/logical-clouds/lc1/status").unwrap();
        assert_eq!(lc.kind, SubjectKind::LogicalCloud);
        assert_eq!(
            lc.status_anchor(""),
            "projects/p1/logical-clouds/lc1/status"
        );
        assert_eq!(
            lc.status_anchor("status=ready"),
            "projects/p1/logical-clouds/lc1/status?status=ready"
        );
    }

    #[test]
    fn other_anchors_are_refused_with_the_expected_forms() {
        for bad in [
            "",
            "projects/p",
            "projects/p/logical-clouds",
            "projects/p/logical-clouds/lc/cluster-references",
            "projects/p/composite-apps/ca/v1/deployment-intent-groups",
            "projects//logical-clouds/lc",
            "cluster-providers/cp/clusters/c/status",
        ] {
            let err = Subject::parse(bad).unwrap_err();
            assert!(matches!(err, SubjectError::NotASubject(_)), "{bad}");
            assert!(err.to_string().contains("logical-clouds/<lc>"), "{err}");
        }
        let err = Subject::parse("projects/p/logical-clouds/lc/status?status=ready").unwrap_err();
        assert!(err.to_string().contains("--status"), "{err}");
    }

    #[test]
    fn lifecycle_anchors_name_their_subject() {
        let (s, op) = Subject::of_lifecycle(&format!("{DIG}/instantiate")).unwrap();
        assert_eq!((s.item.as_str(), op.as_str()), (DIG, "instantiate"));
        let (s, op) = Subject::of_lifecycle("projects/p/logical-clouds/lc/terminate").unwrap();
        assert_eq!(s.kind, SubjectKind::LogicalCloud);
        assert_eq!(op, "terminate");
        assert_eq!(Subject::of_lifecycle(&format!("{DIG}/status")), None);
        assert_eq!(Subject::of_lifecycle("projects/p/composite-apps"), None);
        assert_eq!(Subject::of_lifecycle(DIG), None);
    }
}
