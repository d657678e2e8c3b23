//! The examples of emco-api.md 7.4, built from the same data.

use super::*;

#[test]
fn example_a_deployed_all() {
    let rows = json!([
        {"GVK": gvk("", "Service"), "name": "collectd", "deployedStatus": "Applied"},
        {"GVK": gvk("", "ConfigMap"), "name": "collectd-config", "deployedStatus": "Applied"},
        {"GVK": gvk("apps", "DaemonSet"), "name": "r1-collectd", "deployedStatus": "Applied"}]);
    let expected = with(
        head(),
        json!({"deployedStatus": "Instantiated", "deployedCounts": {"Applied": 3},
        "apps": [{"name": "collectd", "clusters": [{"clusterProvider": "provider1", "cluster": "cluster1",
            "connectivity": "Available", "resources": rows}]}]}),
    );
    assert_eq!(ok(dig("status=deployed")), expected);
}

#[test]
fn example_b_ready_summary_has_counts_and_no_apps() {
    let expected = with(
        head(),
        json!({"deployedStatus": "Instantiated", "readyStatus": "NotReady",
        "readyCounts": {"Ready": 4, "NotReady": 1}}),
    );
    assert_eq!(ok(dig("status=ready&output=summary")), expected);
}

#[test]
fn example_c_detail_of_one_resource_is_the_live_object() {
    let v = ok(dig("status=ready&output=detail&resource=r1-collectd"));
    assert_eq!(v["readyStatus"], "Ready");
    assert_eq!(v["readyCounts"], json!({"Ready": 1}));
    let rows = &v["apps"][0]["clusters"][0]["resources"];
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["detail"], live_daemon_set());
    assert_eq!(rows[0]["readyStatus"], "Ready");
}

#[test]
fn detail_without_a_live_object_is_the_stored_manifest() {
    let v = ok(dig(
        "status=deployed&output=detail&resource=collectd-config",
    ));
    let detail = &v["apps"][0]["clusters"][0]["resources"][0]["detail"];
    assert_eq!(
        detail,
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "collectd-config"}, "data": {"a": "b"}})
    );
}

#[test]
fn example_d_default_is_the_deprecated_rsync_view() {
    let v = ok(dig(""));
    assert_eq!(v["status"], "Instantiated");
    assert_eq!(v["rsyncStatus"], json!({"Applied": 3}));
    for absent in [
        "deployedStatus",
        "readyStatus",
        "deployedCounts",
        "readyCounts",
        "clusterStatus",
    ] {
        assert!(v.get(absent).is_none(), "{absent}");
    }
    let c = &v["apps"][0]["clusters"][0];
    assert_eq!(c["readyStatus"], "Available");
    assert!(c.get("connectivity").is_none());
    assert_eq!(
        c["resources"][1],
        json!({"GVK": gvk("", "ConfigMap"), "name": "collectd-config", "rsyncStatus": "Applied"})
    );
}

#[test]
fn example_e_type_cluster_uses_deprecated_names() {
    let v = ok(dig("type=cluster"));
    assert_eq!(v["status"], "Instantiated");
    assert_eq!(v["readyStatus"], "NotReady");
    assert_eq!(v["clusterStatus"], json!({"Ready": 4, "NotReady": 1}));
    let rows = v["apps"][0]["clusters"][0]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r.get("clusterStatus").is_some() && r.get("readyStatus").is_none())
    );
    assert_eq!(rows[3]["name"], "r1-collectd-8xk2p");
}

#[test]
fn examples_f_g_h_listings() {
    let spec = context(
        Owner::DeploymentIntentGroup,
        vec![
            (
                "operator",
                vec![cluster("provider1", "cluster1", &[("op+ConfigMap", CM)])],
            ),
            (
                "collectd",
                vec![
                    cluster("provider1", "cluster2", &[("collectd+Service", SVC)]),
                    cluster(
                        "provider1",
                        "cluster1",
                        &[
                            ("collectd+Service", SVC),
                            ("collectd-config+ConfigMap", CM),
                            ("r1-collectd+DaemonSet", DS),
                        ],
                    ),
                ],
            ),
        ],
    );
    let mut o = applied(&spec);
    collectd_rbs(&mut o);
    let get = |raw: &str| {
        ok(run(
            Target::DeploymentIntentGroup,
            dig_id(),
            &instantiated(),
            Some(&spec),
            Some("Instantiated"),
            &o,
            raw,
        )
        .map(|d| d.to_value()))
    };
    let mut id = head();
    id.as_object_mut().map(|m| m.remove("states"));
    assert_eq!(
        get("apps"),
        with(id.clone(), json!({"apps": ["collectd", "operator"]}))
    );
    let clusters = json!([{"app": "collectd", "clusters": [{"clusterProvider": "provider1", "cluster": "cluster1"},
        {"clusterProvider": "provider1", "cluster": "cluster2"}]}]);
    // The cluster filter does not apply to the clusters listing.
    assert_eq!(
        get("clusters&app=collectd&cluster=provider1%2Bcluster2"),
        with(id.clone(), json!({"clustersByApp": clusters}))
    );
    let resources = json!([{"app": "collectd", "clusterProvider": "provider1", "cluster": "cluster1", "resources": [
        {"name": "collectd", "GVK": gvk("", "Service")},
        {"name": "collectd-config", "GVK": gvk("", "ConfigMap")},
        {"name": "r1-collectd", "GVK": gvk("apps", "DaemonSet")},
        {"name": "r1-collectd-8xk2p", "GVK": gvk("", "Pod")},
        {"name": "r1-collectd-9abcd", "GVK": gvk("", "Pod")}]}]);
    let v = get("resources&status=ready&app=collectd&cluster=provider1%2Bcluster1");
    assert_eq!(v, with(id.clone(), json!({"resourcesByApp": resources})));
    // Deployed view: only the context's resources, one entry per app and cluster.
    let v = get("resources&status=deployed");
    assert_eq!(v["resourcesByApp"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["resourcesByApp"][1]["cluster"], "cluster2");
    assert_eq!(
        v["resourcesByApp"][1]["resources"],
        json!([{"name": "collectd", "GVK": gvk("", "Service")}])
    );
}

#[test]
fn example_i_never_instantiated() {
    let state = StateInfo {
        statusctxid: String::new(),
        actions: vec![action("Created", "", "t", 0)],
    };
    let o = Observed::default();
    let get = |raw: &str| {
        ok(run(
            Target::DeploymentIntentGroup,
            dig_id(),
            &state,
            None,
            None,
            &o,
            raw,
        )
        .map(|d| d.to_value()))
    };
    let mut expected = head();
    expected["states"] = states_json(&state);
    assert_eq!(get("status=ready"), expected);
    assert_eq!(get("apps")["apps"], json!([]));
    assert_eq!(get("clusters")["clustersByApp"], json!([]));
    assert_eq!(get("resources")["resourcesByApp"], json!([]));
}

#[test]
fn example_j_level_one_logical_cloud_flattens_its_app() {
    let csr = r#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"lc1-ns1-user-csr"}}"#;
    let rbac = |kind: &str, name: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        )
    };
    let (role, binding) = (
        rbac("Role", "lc1-role0"),
        rbac("RoleBinding", "lc1-roleBinding0"),
    );
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns1\n";
    let quota = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: quota1\n";
    let resources = [
        ("lc1-ns1-user-csr+CertificateSigningRequest", csr),
        ("lc1-role0+Role", role.as_str()),
        ("lc1-roleBinding0+RoleBinding", binding.as_str()),
        ("ns1+Namespace", ns),
        ("quota1+ResourceQuota", quota),
    ];
    let spec = context(
        Owner::LogicalCloud,
        vec![(
            "logical-cloud",
            vec![cluster("provider1", "cluster1", &resources)],
        )],
    );
    let mut o = applied(&spec);
    o.rbs.insert(("logical-cloud".into(), "provider1+cluster1".into()), json!({"csrStatuses": [
        {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": "lc1-ns1-user-csr"}}]}));
    let state = instantiated();
    let get = |raw: &str| {
        ok(run(
            Target::LogicalCloud,
            lc_id(),
            &state,
            Some(&spec),
            Some("Instantiated"),
            &o,
            raw,
        )
        .map(|d| d.to_value()))
    };
    let rows = json!([
        {"GVK": {"Group": "certificates.k8s.io", "Version": "v1", "Kind": "CertificateSigningRequest"}, "name": "lc1-ns1-user-csr", "readyStatus": "Ready"},
        {"GVK": gvk("rbac.authorization.k8s.io", "Role"), "name": "lc1-role0"},
        {"GVK": gvk("rbac.authorization.k8s.io", "RoleBinding"), "name": "lc1-roleBinding0"},
        {"GVK": gvk("", "Namespace"), "name": "ns1"},
        {"GVK": gvk("", "ResourceQuota"), "name": "quota1"}]);
    let expected = json!({"project": "proj1", "name": "lc1", "states": states_json(&state),
        "deployedStatus": "Instantiated", "readyStatus": "Ready", "readyCounts": {"Ready": 1},
        "clusters": [{"clusterProvider": "provider1", "cluster": "cluster1", "connectivity": "Available", "resources": rows}]});
    assert_eq!(get(""), expected);
    let deployed = get("status=deployed");
    assert_eq!(deployed["deployedCounts"], json!({"Applied": 5}));
    assert_eq!(
        deployed["clusters"][0]["resources"][4]["deployedStatus"],
        "Applied"
    );
    assert_eq!(get("clusters")["clustersByApp"][0]["app"], "logical-cloud");
    // `app` and `type` mean nothing for a logical cloud.
    assert_eq!(get("app=zzz&type=rsync"), expected);
}

#[test]
fn level_zero_logical_cloud_has_no_clusters() {
    let spec = context(
        Owner::LogicalCloud,
        vec![("logical-cloud", vec![cluster("provider1", "cluster1", &[])])],
    );
    let state = instantiated();
    let doc = run(
        Target::LogicalCloud,
        lc_id(),
        &state,
        Some(&spec),
        Some("Instantiated"),
        &Observed::default(),
        "",
    );
    let expected = json!({"project": "proj1", "name": "lc1", "states": states_json(&state),
        "deployedStatus": "Instantiated", "readyStatus": "Ready"});
    assert_eq!(ok(doc.map(|d| d.to_value())), expected);
}
