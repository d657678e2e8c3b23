//! Parsing of Kubernetes resource URLs (`/api/v1/...`, `/apis/{group}/{version}/...`).

/// What a resource URL addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub group: String,
    pub version: String,
    /// Namespace from the URL (`namespaces/{ns}/...`).
    pub namespace: Option<String>,
    pub plural: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Parses a resource path; `None` when it is not one (discovery paths, unknown prefixes).
pub fn parse(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => (String::new(), v.to_string(), rest),
        ["apis", g, v, rest @ ..] => (g.to_string(), v.to_string(), rest),
        _ => return None,
    };
    if rest.is_empty() {
        return None;
    }
    let (namespace, rest) = match rest {
        // `namespaces/{name}` and `namespaces/{name}/status|finalize` address a Namespace itself.
        ["namespaces", ns, next, tail @ ..] if !matches!(*next, "status" | "finalize") => {
            (Some(ns.to_string()), [&[*next][..], tail].concat())
        }
        other => (None, other.to_vec()),
    };
    let (plural, name, subresource) = match rest.as_slice() {
        [p] => (p.to_string(), None, None),
        [p, n] => (p.to_string(), Some(n.to_string()), None),
        [p, n, s] => (p.to_string(), Some(n.to_string()), Some(s.to_string())),
        _ => return None,
    };
    Some(Target {
        group,
        version,
        namespace,
        plural,
        name,
        subresource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(g: &str, ns: Option<&str>, p: &str, n: Option<&str>, s: Option<&str>) -> Option<Target> {
        Some(Target {
            group: g.into(),
            version: "v1".into(),
            namespace: ns.map(Into::into),
            plural: p.into(),
            name: n.map(Into::into),
            subresource: s.map(Into::into),
        })
    }

    #[test]
    fn resource_paths() {
        assert_eq!(parse("/api/v1/pods"), t("", None, "pods", None, None));
        assert_eq!(
            parse("/api/v1/namespaces"),
            t("", None, "namespaces", None, None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/x"),
            t("", None, "namespaces", Some("x"), None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/x/status"),
            t("", None, "namespaces", Some("x"), Some("status"))
        );
        assert_eq!(
            parse("/api/v1/namespaces/x/pods"),
            t("", Some("x"), "pods", None, None)
        );
        assert_eq!(
            parse("/api/v1/namespaces/x/pods/p/status"),
            t("", Some("x"), "pods", Some("p"), Some("status"))
        );
        assert_eq!(
            parse("/apis/apps/v1/namespaces/x/deployments/d"),
            t("apps", Some("x"), "deployments", Some("d"), None)
        );
        assert_eq!(parse("/apis/apps/v1"), None);
        assert_eq!(parse("/api/v1/a/b/c/d"), None);
        assert_eq!(parse("/healthz"), None);
    }
}
