//! The query parameters of a status request (emco-api.md 7.1), validated with EMCO's texts.

use crate::http::error::ApiError;

/// Which resource the status belongs to; the two accept slightly different parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    DeploymentIntentGroup,
    LogicalCloud,
}

/// What the per-resource status says: EMCO's `qType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Deprecated `type=rsync` (the DIG default): rsync status, deprecated field names.
    Rsync,
    /// Deprecated `type=cluster`: cluster readiness, deprecated field names.
    Cluster,
    /// `status=deployed`: rsync status.
    Deployed,
    /// `status=ready` (the logical cloud default): cluster readiness.
    Ready,
}

impl Mode {
    /// Modes that emit the deprecated field names (`status`, `rsyncStatus`, `clusterStatus`).
    pub fn deprecated(self) -> bool {
        matches!(self, Mode::Rsync | Mode::Cluster)
    }

    /// Modes that judge readiness from the cluster's ResourceBundleState.
    pub fn readiness(self) -> bool {
        matches!(self, Mode::Cluster | Mode::Ready)
    }
}

/// How much of each resource is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Summary,
    All,
    Detail,
}

/// Which answer is asked for; the listing flags take precedence over the full status in this
/// order: `apps`, `clusters`, `resources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Full,
    Apps,
    Clusters,
    Resources,
}

/// A parsed and validated status query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub instance: Option<String>,
    pub mode: Mode,
    pub output: Output,
    pub listing: Listing,
    /// App filter (empty: every app).
    pub apps: Vec<String>,
    /// Cluster filter as `provider+cluster` (empty: every cluster).
    pub clusters: Vec<String>,
    /// Resource name filter (empty: every resource).
    pub resources: Vec<String>,
    /// Stream the status as NDJSON, one document per change (`watch=true`); our addition.
    pub watch: bool,
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn present(pairs: &[(String, String)], name: &str) -> bool {
    pairs.iter().any(|(k, _)| k == name)
}

/// Kubernetes' label-value rule as EMCO's `IsValidName` applies it to status filters:
/// 1..=63 characters, alphanumerics plus `-_.` inside, alphanumeric at both ends.
pub fn is_label_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    match (bytes.first(), bytes.last()) {
        (Some(f), Some(l)) if bytes.len() <= 63 && alnum(f) && alnum(l) => bytes
            .iter()
            .all(|b| alnum(b) || matches!(b, b'-' | b'_' | b'.')),
        _ => false,
    }
}

fn check_all(values: &[String], ok: fn(&str) -> bool, text: &str) -> Result<(), ApiError> {
    if values.iter().all(|v| ok(v)) {
        Ok(())
    } else {
        Err(ApiError::bad_request(text))
    }
}

fn is_cluster_key(s: &str) -> bool {
    let parts: Vec<&str> = s.split('+').collect();
    parts.len() == 2 && parts.iter().all(|p| is_label_value(p))
}

impl Query {
    /// Parses decoded query pairs, checking them in EMCO's order so the first failure gives
    /// EMCO's text. Parameters a target does not support are ignored, as EMCO does.
    pub fn parse(pairs: &[(String, String)], target: Target) -> Result<Query, ApiError> {
        let dig = target == Target::DeploymentIntentGroup;
        let instance = match first(pairs, "instance") {
            Some("") => return Err(ApiError::bad_request("Invalid query instance")),
            other => other.map(str::to_string),
        };
        let mut mode = if dig { Mode::Rsync } else { Mode::Ready };
        if dig && let Some(t) = first(pairs, "type") {
            mode = match t {
                "rsync" => Mode::Rsync,
                "cluster" => Mode::Cluster,
                _ => return Err(ApiError::bad_request("Invalid query type")),
            };
        }
        if let Some(s) = first(pairs, "status") {
            mode = match s {
                "deployed" => Mode::Deployed,
                "ready" => Mode::Ready,
                _ => return Err(ApiError::bad_request("Invalid query status")),
            };
        }
        let output = match first(pairs, "output") {
            None | Some("all") => Output::All,
            Some("summary") => Output::Summary,
            Some("detail") => Output::Detail,
            Some(_) => return Err(ApiError::bad_request("Invalid query output")),
        };
        let listing = if dig && present(pairs, "apps") {
            Listing::Apps
        } else if present(pairs, "clusters") {
            Listing::Clusters
        } else if present(pairs, "resources") {
            Listing::Resources
        } else {
            Listing::Full
        };
        let apps = if dig { all(pairs, "app") } else { Vec::new() };
        check_all(&apps, is_label_value, "Invalid app query")?;
        let clusters = all(pairs, "cluster");
        check_all(&clusters, is_cluster_key, "Invalid cluster query")?;
        let resources = all(pairs, "resource");
        check_all(&resources, is_label_value, "Invalid resources query")?;
        let watch = match first(pairs, "watch") {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") | Some("") => true,
            Some(_) => return Err(ApiError::bad_request("Invalid query watch")),
        };
        Ok(Query {
            instance,
            mode,
            output,
            listing,
            apps,
            clusters,
            resources,
            watch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str, target: Target) -> Result<Query, ApiError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query::parse(&pairs, target)
    }

    fn dig(raw: &str) -> Result<Query, ApiError> {
        q(raw, Target::DeploymentIntentGroup)
    }

    fn err(raw: &str, target: Target) -> String {
        match q(raw, target) {
            Err(e) => {
                assert_eq!(e.status.as_u16(), 400, "{raw}");
                e.message
            }
            Ok(q) => panic!("{raw} was accepted: {q:?}"),
        }
    }

    #[test]
    fn defaults_differ_between_dig_and_logical_cloud() {
        let d = dig("").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (d.mode, d.output, d.listing),
            (Mode::Rsync, Output::All, Listing::Full)
        );
        assert!(d.instance.is_none() && !d.watch);
        let lc = q("", Target::LogicalCloud).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.mode, Mode::Ready);
    }

    #[test]
    fn every_validation_failure_has_emcos_text() {
        let dg = Target::DeploymentIntentGroup;
        assert_eq!(err("instance=", dg), "Invalid query instance");
        assert_eq!(err("type=ready", dg), "Invalid query type");
        assert_eq!(err("status=rsync", dg), "Invalid query status");
        assert_eq!(err("output=rsync", dg), "Invalid query output");
        assert_eq!(err("app=-bad", dg), "Invalid app query");
        assert_eq!(err("app=", dg), "Invalid app query");
        assert_eq!(
            err(&format!("app={}", "a".repeat(64)), dg),
            "Invalid app query"
        );
        assert_eq!(err("cluster=p1", dg), "Invalid cluster query");
        assert_eq!(err("cluster=p1%2Bc1%2Bx", dg), "Invalid cluster query");
        assert_eq!(err("cluster=p1%2B", dg), "Invalid cluster query");
        assert_eq!(err("resource=a/b", dg), "Invalid resources query");
        assert_eq!(err("watch=maybe", dg), "Invalid query watch");
        let lc = Target::LogicalCloud;
        assert_eq!(err("instance=", lc), "Invalid query instance");
        assert_eq!(err("status=x", lc), "Invalid query status");
        assert_eq!(err("cluster=c1", lc), "Invalid cluster query");
    }

    #[test]
    fn status_overrides_type_and_the_first_failure_wins() {
        let d = dig("type=cluster&status=deployed").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.mode, Mode::Deployed);
        assert!(!d.mode.deprecated() && !d.mode.readiness());
        assert_eq!(
            err("type=x&status=y", Target::DeploymentIntentGroup),
            "Invalid query type"
        );
        assert_eq!(
            err("output=x&app=-", Target::DeploymentIntentGroup),
            "Invalid query output"
        );
    }

    #[test]
    fn listing_flags_have_precedence() {
        assert_eq!(
            dig("resources&clusters&apps").map(|q| q.listing),
            Ok(Listing::Apps)
        );
        assert_eq!(
            dig("resources&clusters").map(|q| q.listing),
            Ok(Listing::Clusters)
        );
        assert_eq!(
            dig("resources=1").map(|q| q.listing),
            Ok(Listing::Resources)
        );
        // A logical cloud has a single app: `apps` means nothing there.
        let lc = q("apps&resources", Target::LogicalCloud).map(|q| q.listing);
        assert_eq!(lc, Ok(Listing::Resources));
    }

    #[test]
    fn filters_repeat_and_logical_clouds_ignore_app_and_type() {
        let d = dig("app=a1&app=a2&cluster=p%2Bc&resource=r1&resource=r2&instance=42&watch=1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.apps, ["a1", "a2"]);
        assert_eq!(d.clusters, ["p+c"]);
        assert_eq!(d.resources, ["r1", "r2"]);
        assert_eq!(d.instance.as_deref(), Some("42"));
        assert!(d.watch);
        let lc =
            q("app=-bad&type=nonsense", Target::LogicalCloud).unwrap_or_else(|e| panic!("{e}"));
        assert!(lc.apps.is_empty());
        assert_eq!(lc.mode, Mode::Ready);
    }

    #[test]
    fn label_value_rule() {
        for good in ["a", "a1", "A-b_c.d", &"x".repeat(63)] {
            assert!(is_label_value(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a b", "a+b", &"x".repeat(64), "é"] {
            assert!(!is_label_value(bad), "{bad}");
        }
    }
}
