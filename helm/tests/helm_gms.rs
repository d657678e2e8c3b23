//! The 12 charts of EMCO's GMS example rendered by `template()` and by the real
//! `helm template` 3.17: defaults, the GMS profile's values, and `--set` overrides.

mod common;

use emco_helm::{TemplateArgs, template};

const CHARTS: &[(&str, &str)] = &[
    ("adservice", "adservice.server"),
    ("cartservice", "cartservice.server"),
    ("checkoutservice", "checkoutservice.server"),
    ("currencyservice", "currencyservice.server"),
    ("emailservice", "emailservice.server"),
    ("frontend", "frontend.server"),
    ("loadgenerator", "loadgenerator.main"),
    ("paymentservice", "paymentservice.server"),
    ("productcatalogservice", "productcatalogservice.server"),
    ("recommendationservice", "recommendationservice.server"),
    ("redis", "redisCart.redis"),
    ("shippingservice", "shippingservice.server"),
];

fn cases(chart: &str, prefix: &str) -> Vec<(&'static str, TemplateArgs)> {
    let root = common::gms_charts();
    let base = TemplateArgs {
        chart: root.join("helm").join(chart),
        ..TemplateArgs::default()
    };
    vec![
        ("defaults", base.clone()),
        (
            "profile values",
            TemplateArgs {
                values: vec![root.join("profile/override_values.yaml")],
                release: "gms".into(),
                namespace: "edge".into(),
                ..base.clone()
            },
        ),
        (
            "--set",
            TemplateArgs {
                set: vec![
                    format!("{prefix}.image.tag=v9.9.9,{prefix}.image.pullPolicy=Always"),
                    format!("{prefix}.resources.limits.cpu=1,extra.flag=true"),
                ],
                ..base
            },
        ),
    ]
}

#[test]
fn gms_charts_match_helm_template() {
    let Some(helm) = common::helm() else {
        eprintln!("SKIP: helm 3.17 is not available; GMS charts not compared");
        return;
    };
    let (mut docs, mut identical_docs, mut runs, mut identical_runs) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (chart, prefix) in CHARTS {
        assert!(common::gms_charts().join("helm").join(chart).is_dir());
        for (case, args) in cases(chart, prefix) {
            let theirs = common::helm_template(&helm, &args)
                .unwrap_or_else(|e| panic!("helm failed on {chart} ({case}): {e}"));
            let ours = match template(&args) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{chart} ({case}): our error: {e}"));
                    continue;
                }
            };
            match common::compare(&ours, &theirs) {
                Ok(c) => {
                    runs += 1;
                    docs += c.documents;
                    identical_docs += c.identical_documents;
                    identical_runs += usize::from(c.identical_text);
                }
                Err(e) => failures.push(format!("{chart} ({case}): {e}")),
            }
        }
    }
    println!(
        "GMS charts: {identical_runs}/{runs} outputs byte-identical, {identical_docs}/{docs} documents byte-identical"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(runs, CHARTS.len() * 3);
    assert_eq!(
        identical_runs, runs,
        "some outputs differ from helm's in text"
    );
}
