//! Which service serves an anchor, by EMCO emcoctl's routing rules, and the URL to call.

use crate::config::{Config, ConfigError, Service};

/// Why an anchor cannot be turned into a URL.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// The first path segment names no known resource tree (EMCO's text).
    #[error("Invalid baseUrl")]
    InvalidBaseUrl,
    /// The service is not in the configuration (fatal, exit code 1).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The service for an anchor (the path after `/v2/`, possibly with a query string).
pub fn service_for(anchor: &str) -> Result<Service, RouteError> {
    let s: Vec<&str> = anchor.split('/').collect();
    let seg = |i: usize| s.get(i).copied();
    let service = match s[0] {
        "projects" => match (seg(2), seg(7)) {
            (Some("logical-clouds"), _) => Service::Dcm,
            (Some("ca-certs"), _) => Service::CaCert,
            (Some("policy"), _) => Service::Policy,
            (_, Some("network-chains")) => Service::Sfc,
            (_, Some("sfc-clients")) => Service::SfcClient,
            (_, Some("network-controller-intent")) => Service::OvnAction,
            (_, Some("traffic-group-intents")) => Service::Dtc,
            (_, Some("generic-k8s-intents")) => Service::Gac,
            (_, Some("hpa-intents")) => Service::HpaPlacement,
            (_, Some("temporal-workflow-intents")) => Service::WorkflowMgr,
            (_, Some("temporal-action-controller")) => Service::Tac,
            (_, Some("policy-intents")) => Service::Policy,
            _ => Service::Orchestrator,
        },
        "cluster-providers" => match (seg(2), seg(4)) {
            (_, Some("networks" | "provider-networks" | "apply" | "terminate" | "stop")) => {
                Service::Ncm
            }
            (_, Some(s4)) if s4.starts_with("status") => Service::Ncm,
            (Some("ca-certs"), _) => Service::CaCert,
            _ => Service::Clm,
        },
        "controllers" => Service::Orchestrator,
        "clm-controllers" => Service::Clm,
        "dtc-controllers" => Service::Dtc,
        _ => return Err(RouteError::InvalidBaseUrl),
    };
    Ok(service)
}

/// The service and full URL for an anchor: `http://<host>:<port>/v2/<anchor>`.
pub fn url_for(config: &Config, anchor: &str) -> Result<(Service, String), RouteError> {
    let service = service_for(anchor)?;
    let base = config.base_url(service)?;
    Ok((service, format!("{base}/{anchor}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Endpoint;

    fn svc(anchor: &str) -> Service {
        service_for(anchor).unwrap()
    }

    const DIG: &str = "projects/p/composite-apps/ca/v1/deployment-intent-groups/dig";

    #[test]
    fn projects_tree() {
        assert_eq!(svc("projects"), Service::Orchestrator);
        assert_eq!(svc("projects/p/composite-apps"), Service::Orchestrator);
        assert_eq!(svc(&format!("{DIG}/instantiate")), Service::Orchestrator);
        assert_eq!(svc("projects/p/logical-clouds"), Service::Dcm);
        assert_eq!(
            svc("projects/p/logical-clouds/lc/instantiate"),
            Service::Dcm
        );
        assert_eq!(svc("projects/p/ca-certs/c"), Service::CaCert);
        assert_eq!(svc("projects/p/policy/x"), Service::Policy);
        let by_s7 = [
            ("network-chains", Service::Sfc),
            ("sfc-clients", Service::SfcClient),
            ("network-controller-intent", Service::OvnAction),
            ("traffic-group-intents", Service::Dtc),
            ("generic-k8s-intents", Service::Gac),
            ("hpa-intents", Service::HpaPlacement),
            ("temporal-workflow-intents", Service::WorkflowMgr),
            ("temporal-action-controller", Service::Tac),
            ("policy-intents", Service::Policy),
            ("generic-placement-intents", Service::Orchestrator),
            ("intents", Service::Orchestrator),
        ];
        for (s7, want) in by_s7 {
            assert_eq!(svc(&format!("{DIG}/{s7}")), want, "{s7}");
            assert_eq!(svc(&format!("{DIG}/{s7}/x/y")), want, "{s7}");
        }
        // s[7] only counts at index 7.
        assert_eq!(
            svc("projects/p/traffic-group-intents"),
            Service::Orchestrator
        );
    }

    #[test]
    fn cluster_providers_tree() {
        assert_eq!(svc("cluster-providers"), Service::Clm);
        assert_eq!(svc("cluster-providers/cp/clusters"), Service::Clm);
        assert_eq!(svc("cluster-providers/cp/clusters/c/labels"), Service::Clm);
        assert_eq!(
            svc("cluster-providers/cp/clusters/c/kv-pairs"),
            Service::Clm
        );
        for s4 in [
            "networks",
            "provider-networks",
            "apply",
            "terminate",
            "stop",
            "status",
        ] {
            assert_eq!(
                svc(&format!("cluster-providers/cp/clusters/c/{s4}")),
                Service::Ncm,
                "{s4}"
            );
        }
        assert_eq!(
            svc("cluster-providers/cp/clusters/c/status?status=ready"),
            Service::Ncm
        );
        assert_eq!(svc("cluster-providers/cp/ca-certs/x"), Service::CaCert);
    }

    #[test]
    fn controller_registries_and_unknown_roots() {
        assert_eq!(svc("controllers"), Service::Orchestrator);
        assert_eq!(svc("controllers/rsync"), Service::Orchestrator);
        assert_eq!(svc("clm-controllers"), Service::Clm);
        assert_eq!(svc("dtc-controllers"), Service::Dtc);
        for bad in ["", "/projects", "project", "v2/projects", "foo/bar"] {
            let err = service_for(bad).unwrap_err();
            assert_eq!(err.to_string(), "Invalid baseUrl", "{bad}");
        }
    }

    #[test]
    fn urls_keep_the_anchor_and_query() {
        let cfg = Config::empty()
            .with_endpoint(Service::Orchestrator, Endpoint::new("10.0.0.5", 30415))
            .with_endpoint(Service::Dcm, Endpoint::new("10.0.0.5", 30477));
        let (s, url) = url_for(&cfg, &format!("{DIG}/status?status=deployed")).unwrap();
        assert_eq!(s, Service::Orchestrator);
        assert_eq!(
            url,
            format!("http://10.0.0.5:30415/v2/{DIG}/status?status=deployed")
        );
        let (_, url) = url_for(&cfg, "projects/p/logical-clouds/default/instantiate").unwrap();
        assert_eq!(
            url,
            "http://10.0.0.5:30477/v2/projects/p/logical-clouds/default/instantiate"
        );
        let err = url_for(&cfg, "cluster-providers").unwrap_err();
        assert_eq!(err.to_string(), "Fatal: No Clm Information in Config File");
        let ingress = cfg.with_ingress(Endpoint::new("gw", 80));
        let (_, url) = url_for(&ingress, "cluster-providers").unwrap();
        assert_eq!(url, "http://gw:80/v2/cluster-providers");
    }
}
