use super::*;

fn obj(text: &str) -> ObjectRef {
    ObjectRef::parse(text).unwrap()
}

fn on_cluster(objects: &[(&str, &str)]) -> Vec<ClusterObject> {
    objects
        .iter()
        .map(|(o, id)| ClusterObject {
            obj: obj(o),
            deployment_id: id.to_string(),
        })
        .collect()
}

/// A deployed example: two objects of app web, context 7.
fn deployed() -> (Expectation, Observation) {
    let expected: BTreeSet<ObjectRef> = ["Service/web", "Deployment/r1-web"].map(obj).into();
    let e = Expectation {
        dig: Some("Instantiated".into()),
        objects: [("edge01".to_string(), expected)].into(),
        deployment_ids: Some(["7-web".to_string()].into()),
        dig_instantiations: (1, 1),
        created: vec![("projects".into(), "shop".into(), 1)],
        ..Expectation::default()
    };
    let view = StatusView {
        exists: true,
        deployed: Some("Instantiated".into()),
        last_action: Some("Instantiated".into()),
        actions: vec!["Created".into(), "Approved".into(), "Instantiated".into()],
        statusctxid: "7".into(),
        ..StatusView::default()
    };
    let o = Observation {
        dig: Some(Ok(view)),
        clusters: [(
            "edge01".to_string(),
            Ok(on_cluster(&[
                ("Service/web", "7-web"),
                ("Deployment/r1-web", "7-web"),
            ])),
        )]
        .into(),
        created: vec![("projects".into(), "shop".into(), Ok(1))],
        ..Observation::default()
    };
    (e, o)
}

fn failed(verdicts: &[Verdict]) -> Vec<(u8, String)> {
    verdicts
        .iter()
        .flat_map(|v| v.problems.iter().map(move |p| (v.id, p.clone())))
        .collect()
}

#[test]
fn a_correct_end_state_passes() {
    let (e, o) = deployed();
    assert_eq!(failed(&check(&e, &o)), []);
    assert!(converged(&e, &o));
}

#[test]
fn a_planted_duplicate_fails_invariant_2() {
    let (e, mut o) = deployed();
    // The same object listed twice, and an object re-labelled by a second deployment.
    o.clusters.insert(
        "edge01".into(),
        Ok(on_cluster(&[
            ("Service/web", "7-web"),
            ("Service/web", "7-web"),
            ("Deployment/r1-web", "9-web"),
        ])),
    );
    let problems = failed(&check(&e, &o));
    assert_eq!(
        problems,
        [
            (2, "edge01: Service/default/web duplicated (2 copies)".to_string()),
            (
                2,
                "edge01: Deployment/default/r1-web duplicated by another instance (label emco/deployment-id=9-web)"
                    .to_string()
            ),
        ]
    );
    assert!(!converged(&e, &o));
}

#[test]
fn a_planted_leftover_fails_invariant_2() {
    let (mut e, mut o) = deployed();
    e.dig = Some("Terminated".into());
    e.objects.clear();
    e.deployment_ids = None;
    let view = o.dig.as_mut().unwrap().as_mut().unwrap();
    view.deployed = Some("Terminated".into());
    view.last_action = Some("Terminated".into());
    o.clusters
        .insert("edge01".into(), Ok(on_cluster(&[("Service/web", "7-web")])));
    assert_eq!(
        failed(&check(&e, &o)),
        [(2, "edge01: Service/default/web left over".to_string())]
    );
}

#[test]
fn a_planted_missing_object_fails_invariant_2() {
    let (e, mut o) = deployed();
    o.clusters
        .insert("edge01".into(), Ok(on_cluster(&[("Service/web", "7-web")])));
    assert_eq!(
        failed(&check(&e, &o)),
        [(2, "edge01: Deployment/default/r1-web missing".to_string())]
    );
}

#[test]
fn an_unreadable_cluster_fails_invariant_2() {
    let (e, mut o) = deployed();
    o.clusters
        .insert("edge01".into(), Err("connection refused".into()));
    assert_eq!(
        failed(&check(&e, &o)),
        [(
            2,
            "edge01: cannot list objects: connection refused".to_string()
        )]
    );
}

#[test]
fn wrong_state_fails_invariant_1() {
    let (e, mut o) = deployed();
    let view = o.dig.as_mut().unwrap().as_mut().unwrap();
    view.deployed = Some("Instantiating".into());
    assert_eq!(
        failed(&check(&e, &o)),
        [(
            1,
            "DIG: deployed status is Instantiating, expected Instantiated".to_string()
        )]
    );
    let (e, mut o) = deployed();
    o.dig = Some(Ok(StatusView::default()));
    assert!(failed(&check(&e, &o))[0].1.contains("does not exist"));
}

#[test]
fn a_double_deploy_fails_invariant_3() {
    let (e, mut o) = deployed();
    let view = o.dig.as_mut().unwrap().as_mut().unwrap();
    view.actions.push("Instantiated".into());
    o.created = vec![("projects".into(), "shop".into(), Ok(2))];
    assert_eq!(
        failed(&check(&e, &o)),
        [
            (3, "projects/shop: stored 2 times, expected 1".to_string()),
            (
                3,
                "DIG: 2 Instantiated actions recorded for 1 successful instantiate calls"
                    .to_string()
            ),
        ]
    );
    // An instantiate whose outcome is unknown may have happened.
    let (mut e, mut o) = deployed();
    e.dig_instantiations = (1, 2);
    let view = o.dig.as_mut().unwrap().as_mut().unwrap();
    view.actions.push("Instantiated".into());
    assert_eq!(failed(&check(&e, &o)), []);
}

#[test]
fn panics_and_exits_fail_invariant_4_unless_asked_for() {
    let (mut e, mut o) = deployed();
    o.panics = vec![("dcm".into(), "thread 'main' panicked at x".into())];
    o.exits = vec![
        Exit {
            process: "orchestrator".into(),
            at_ms: 5,
            code: Some(FAILPOINT_EXIT),
            signal: None,
            by_harness: false,
        },
        Exit {
            process: "clm".into(),
            at_ms: 6,
            code: None,
            signal: Some(9),
            by_harness: true,
        },
    ];
    let problems = failed(&check(&e, &o));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].1.starts_with("dcm panicked"));
    assert!(
        problems[1]
            .1
            .contains("orchestrator ended by itself (exit code 86)")
    );
    e.may_panic.insert("dcm".into());
    e.may_exit.insert("orchestrator".into());
    assert_eq!(failed(&check(&e, &o)), []);
}

#[test]
fn unresolved_info_fails_invariant_5() {
    let (e, mut o) = deployed();
    o.info_ops = vec![
        (
            "apply a.yaml".into(),
            Some("the status shows Instantiated".into()),
        ),
        ("delete b.yaml".into(), None),
    ];
    assert_eq!(
        failed(&check(&e, &o)),
        [(
            5,
            "`delete b.yaml` ended with an unknown outcome that was never resolved".to_string()
        )]
    );
}

#[test]
fn panic_lines_are_found() {
    let log = "INFO ok\nthread 'tokio-runtime-worker' panicked at src/x.rs:1:1:\nboom\n";
    assert_eq!(
        panic_lines(log),
        ["thread 'tokio-runtime-worker' panicked at src/x.rs:1:1:"]
    );
}
