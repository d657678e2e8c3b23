//! Tests of configuration parsing, search and defaults.

use super::*;

const GMS: &str = "  orchestrator:\n    host: 10.0.0.5\n    port: 30415\n  clm:\n    host: 10.0.0.5\n    port: 30461\n  dcm:\n    host: 10.0.0.5\n    port: 30477\n  rsync:\n   host: 10.0.0.5\n   port: 30431\n";

#[test]
fn indented_file_as_emco_examples_write_it() {
    let c = Config::from_yaml(GMS).unwrap();
    assert_eq!(
        c.base_url(Service::Orchestrator).unwrap(),
        "http://10.0.0.5:30415/v2"
    );
    assert_eq!(
        c.base_url(Service::Clm).unwrap(),
        "http://10.0.0.5:30461/v2"
    );
    assert_eq!(
        c.base_url(Service::Dcm).unwrap(),
        "http://10.0.0.5:30477/v2"
    );
    assert_eq!(c.endpoint(Service::Rsync).unwrap().port, 30431);
}

#[test]
fn keys_are_case_insensitive() {
    let c = Config::from_yaml(
        "Orchestrator:\n  Host: h1\n  Port: 1\n  StatusPort: 2\nCLM:\n  HOST: h2\n  PORT: \"3\"\n",
    )
    .unwrap();
    let o = c.endpoint(Service::Orchestrator).unwrap();
    assert_eq!((o.host.as_str(), o.port, o.status_port), ("h1", 1, Some(2)));
    assert_eq!(c.base_url(Service::Clm).unwrap(), "http://h2:3/v2");
}

#[test]
fn a_file_defines_only_its_entries() {
    let c = Config::from_yaml(GMS).unwrap();
    let err = c.base_url(Service::Dtc).unwrap_err();
    assert_eq!(err.to_string(), "Fatal: No DTC Information in Config File");
    let err = c.base_url(Service::Ncm).unwrap_err();
    assert_eq!(err.to_string(), "Fatal: No Ncm Information in Config File");
}

#[test]
fn entry_without_port_is_missing() {
    let c = Config::from_yaml("orchestrator:\n  host: h\n").unwrap();
    assert!(matches!(
        c.base_url(Service::Orchestrator),
        Err(ConfigError::MissingService(Service::Orchestrator))
    ));
}

#[test]
fn defaults_are_emcos() {
    let c = Config::defaults();
    let expect = [
        (Service::Orchestrator, 9015),
        (Service::Clm, 9061),
        (Service::Ncm, 9081),
        (Service::Dcm, 9077),
        (Service::OvnAction, 9051),
        (Service::Dtc, 9018),
        (Service::Gac, 9020),
        (Service::HpaPlacement, 9091),
        (Service::Sfc, 9055),
        (Service::SfcClient, 9057),
        (Service::WorkflowMgr, 9095),
        (Service::Tac, 9064),
        (Service::CaCert, 9036),
        (Service::Policy, 9060),
    ];
    for (svc, port) in expect {
        assert_eq!(
            c.base_url(svc).unwrap(),
            format!("http://localhost:{port}/v2")
        );
    }
    assert!(c.base_url(Service::Rsync).is_err());
    assert_eq!(
        c.endpoint(Service::Orchestrator).unwrap().status_port,
        Some(9016)
    );
    assert_eq!(c.endpoint(Service::Dcm).unwrap().status_port, Some(9078));
    assert_eq!(c.endpoint(Service::Ncm).unwrap().status_port, Some(9082));
    assert_eq!(
        c.banner(),
        "Warning: No Configuration File found. Using defaults"
    );
}

#[test]
fn ingress_takes_every_call() {
    let c = Config::from_yaml("ingress:\n  host: gw\n  port: 8080\n").unwrap();
    for svc in Service::ALL {
        assert_eq!(c.base_url(svc).unwrap(), "http://gw:8080/v2");
    }
}

#[test]
fn ipv6_hosts_are_bracketed() {
    let c = Config::empty().with_endpoint(Service::Clm, Endpoint::new("::1", 9061));
    assert_eq!(c.base_url(Service::Clm).unwrap(), "http://[::1]:9061/v2");
}

#[test]
fn bad_port_and_bad_shape_are_errors() {
    assert!(Config::from_yaml("clm:\n  host: h\n  port: abc\n").is_err());
    assert!(Config::from_yaml("clm:\n  host: h\n  port: 70000\n").is_err());
    assert!(Config::from_yaml("- a\n- b\n").is_err());
    assert!(Config::from_yaml("clm: [\n").is_err());
    assert_eq!(Config::from_yaml("").unwrap(), Config::empty());
}

#[test]
fn search_order_explicit_then_home_then_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let c = Config::load_from(None, Some(&home)).unwrap();
    assert_eq!(c.source(), &ConfigSource::Defaults);

    let home_file = home.join(".emco.yaml");
    std::fs::write(&home_file, "clm:\n  host: a\n  port: 1\n").unwrap();
    let c = Config::load_from(None, Some(&home)).unwrap();
    assert_eq!(
        c.banner(),
        format!("Using config file: {}", home_file.display())
    );
    assert!(c.base_url(Service::Orchestrator).is_err());

    let explicit = dir.path().join("emco-cfg.yaml");
    std::fs::write(&explicit, GMS).unwrap();
    let c = Config::load_from(Some(&explicit), Some(&home)).unwrap();
    assert_eq!(c.source(), &ConfigSource::File(explicit.clone()));

    let missing = dir.path().join("nope.yaml");
    let err = Config::load_from(Some(&missing), Some(&home)).unwrap_err();
    assert!(err.to_string().contains("nope.yaml"), "{err}");
}
