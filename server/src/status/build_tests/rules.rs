//! Omission rules, filters, errors, history selection and field order.

use super::*;

#[test]
fn empty_clusters_and_apps_are_left_out_but_states_stay() {
    let spec = context(
        Owner::DeploymentIntentGroup,
        vec![
            (
                "a",
                vec![
                    cluster("p", "c1", &[("x+ConfigMap", CM)]),
                    cluster("p", "c2", &[("collectd+Service", SVC)]),
                ],
            ),
            ("b", vec![cluster("p", "c1", &[("y+ConfigMap", CM)])]),
        ],
    );
    let o = applied(&spec);
    let get = |raw: &str| {
        ok(run(
            Target::DeploymentIntentGroup,
            dig_id(),
            &instantiated(),
            Some(&spec),
            None,
            &o,
            raw,
        )
        .map(|d| d.to_value()))
    };
    let v = get("status=deployed&resource=collectd");
    let apps = v["apps"].as_array().cloned().unwrap_or_default();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["clusters"].as_array().map(Vec::len), Some(1));
    assert_eq!(apps[0]["clusters"][0]["cluster"], "c2");
    assert!(
        v.get("deployedStatus").is_none(),
        "no AppContext status recorded yet"
    );
    let none = get("resource=nothing");
    assert!(
        none.get("apps").is_none()
            && none.get("rsyncStatus").is_none()
            && none.get("states").is_some()
    );
    // App and cluster filters.
    let v = get("app=b&cluster=p%2Bc1");
    assert_eq!(v["apps"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["rsyncStatus"], json!({"Applied": 1}));
}

#[test]
fn unknown_filter_app_and_missing_context_are_errors() {
    let e = dig("app=nope")
        .err()
        .map(|e| (e.status.as_u16(), e.message));
    let text = "Filter app nope not in list of apps for composite app collection";
    assert_eq!(e, Some((400, text.to_string())));
    let e = run(
        Target::DeploymentIntentGroup,
        dig_id(),
        &instantiated(),
        None,
        None,
        &Observed::default(),
        "",
    );
    assert_eq!(
        e.err().map(|e| e.message),
        Some("AppContext for status query not found".to_string())
    );
}

#[test]
fn history_selects_an_earlier_instance_and_its_status_context() {
    let mut state = instantiated();
    state.actions.push(action("Terminated", ID, "t4", 1));
    state.actions.push(action("Approved", "", "t5", 0));
    state.actions.push(action("Instantiated", "99", "t6", 2));
    state.actions.push(action("Updated", "100", "t7", 3));
    state.statusctxid = "99".into();
    let sel = |i: Option<&str>| select(&state, i).map(|s| (s.current, s.status_context));
    assert_eq!(sel(None), Ok(("100".into(), "99".into())));
    assert_eq!(sel(Some(ID)), Ok((ID.into(), ID.into())));
    assert_eq!(sel(Some("100")), Ok(("100".into(), "99".into())));
    let unknown = select(&state, Some("5"))
        .err()
        .map(|e| (e.status.as_u16(), e.message));
    assert_eq!(
        unknown,
        Some((400, "No state information for 5".to_string()))
    );
    let only_created = StateInfo {
        statusctxid: String::new(),
        actions: vec![action("Approved", "7", "t", 0)],
    };
    assert_eq!(
        select(&only_created, Some("7")).err().map(|e| e.message),
        Some("Status context ID not found for 7".into())
    );
    // The old instance as it was left: Terminated, resources Deleted.
    let spec = collection();
    let mut o = applied(&spec);
    o.resources.values_mut().for_each(|s| *s = "Deleted".into());
    let doc = run(
        Target::DeploymentIntentGroup,
        dig_id(),
        &state,
        Some(&spec),
        Some("Terminated"),
        &o,
        &format!("instance={ID}"),
    );
    let v = ok(doc.map(|d| d.to_value()));
    assert_eq!(v["status"], "Terminated");
    assert_eq!(v["rsyncStatus"], json!({"Deleted": 3}));
    assert_eq!(v["states"], states_json(&state));
}

#[test]
fn output_order_follows_emco() {
    let spec = collection();
    let doc = run(
        Target::DeploymentIntentGroup,
        dig_id(),
        &instantiated(),
        Some(&spec),
        Some("Instantiated"),
        &applied(&spec),
        "status=deployed",
    );
    let bytes = doc.map(|d| d.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(bytes).unwrap_or_default();
    let order = [
        "\"project\"",
        "\"compositeApp\"",
        "\"compositeAppVersion\"",
        "\"compositeProfile\"",
        "\"name\"",
        "\"states\"",
        "\"deployedStatus\"",
        "\"deployedCounts\"",
        "\"apps\"",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| text.find(k).unwrap_or(usize::MAX))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.ends_with("}\n"));
}
