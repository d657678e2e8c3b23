//! EMCO's GMS example end to end with emcoctl and EMCO's own files: the admin logical cloud
//! and the 12-app DIG are instantiated on a simulated cluster, every Pod runs and status
//! reaches Ready, terminate leaves nothing on the cluster, and deleting removes every record.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::gms::{APPS, file, gms_workdir_for};
use support::{Sim, Stack, http, wait_for};

const DIG: &str = "v2/projects/gmsproj1/composite-apps/gms-collection-composite-app/v1/deployment-intent-groups/gms-collection-deployment-intent-group";
const LC: &str = "v2/projects/gmsproj1/logical-clouds/default";

fn get_json(url: &str) -> Value {
    http()
        .get(url)
        .send()
        .ok()
        .and_then(|r| r.json().ok())
        .unwrap_or(Value::Null)
}

/// `deployedStatus` once it is no longer a running state.
fn settled(url: &str) -> Option<String> {
    get_json(url)["deployedStatus"]
        .as_str()
        .filter(|s| !s.ends_with("ing"))
        .map(str::to_string)
}

#[test]
fn gms_example_deploys_becomes_ready_terminates_and_deletes() {
    let stack = Stack::start();
    let rsync = stack.rsync();
    let sim = Sim::start("gmscluster1", stack.path());
    let work = gms_workdir_for(stack.path(), Some(&sim.kubeconfig));
    let emco = |cmd: &str, f: &str| {
        let out = stack.emcoctl(&work, &[cmd, "-f", &file(f), "-v", "values.yaml"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{cmd} {f}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    for f in [
        "controllers.yaml",
        "projects.yaml",
        "clusters.yaml",
        "logicalclouds.yaml",
        "instantiatelc.yaml",
    ] {
        emco("apply", f);
    }
    let (o, dcm) = (stack.orchestrator.url(), stack.dcm.url());
    let lc = wait_for(
        "logical cloud instantiated",
        Duration::from_secs(60),
        || settled(&format!("{dcm}/{LC}/status?status=deployed")),
    );
    assert_eq!(lc, "Instantiated", "rsync log:\n{}", rsync.log());
    for f in ["apps.yaml", "intents.yaml", "instantiate.yaml"] {
        emco("apply", f);
    }
    let dig = wait_for("DIG instantiated", Duration::from_secs(120), || {
        settled(&format!("{o}/{DIG}/status?status=deployed"))
    });
    assert_eq!(dig, "Instantiated", "rsync log:\n{}", rsync.log());
    let ready = wait_for("DIG ready", Duration::from_secs(120), || {
        let s = get_json(&format!("{o}/{DIG}/status?status=ready&output=summary"));
        (s["readyStatus"] == "Ready").then_some(s)
    });
    assert!(
        ready["readyCounts"]["Ready"].as_u64().unwrap_or(0) >= 12 * 2,
        "{ready}"
    );
    let pods = sim.names("/api/v1/namespaces/default/pods");
    for app in APPS {
        assert!(
            pods.iter().any(|p| p.starts_with(app) || p.contains(app)),
            "no Pod of {app} in {pods:?}"
        );
    }
    for p in sim
        .get("/api/v1/namespaces/default/pods")
        .and_then(|l| l["items"].as_array().cloned())
        .unwrap_or_default()
    {
        assert_eq!(p["status"]["phase"], "Running", "{}", p["metadata"]["name"]);
    }

    emco("apply", "terminate.yaml");
    let dig = wait_for("DIG terminated", Duration::from_secs(120), || {
        settled(&format!("{o}/{DIG}/status?status=deployed"))
    });
    assert_eq!(dig, "Terminated");
    let left: Vec<String> = [
        "/apis/apps/v1/namespaces/default/deployments",
        "/api/v1/namespaces/default/services",
    ]
    .iter()
    .flat_map(|p| sim.names(p))
    .filter(|n| n != "kubernetes")
    .collect();
    assert!(
        left.is_empty(),
        "left on the cluster after terminate: {left:?}"
    );
    wait_for("Pods gone", Duration::from_secs(60), || {
        sim.names("/api/v1/namespaces/default/pods")
            .is_empty()
            .then_some(())
    });

    emco("delete", "intents.yaml");
    emco("delete", "apps.yaml");
    emco("apply", "terminatelc.yaml");
    let lc = wait_for("logical cloud terminated", Duration::from_secs(60), || {
        settled(&format!("{dcm}/{LC}/status?status=deployed"))
    });
    assert_eq!(lc, "Terminated");
    for f in [
        "logicalclouds.yaml",
        "clusters.yaml",
        "projects.yaml",
        "controllers.yaml",
    ] {
        emco("delete", f);
    }
    assert_eq!(get_json(&format!("{o}/v2/projects")), Value::Null);
    assert_eq!(
        get_json(&format!("{}/v2/cluster-providers", stack.clm.url())),
        serde_json::json!([])
    );
}
