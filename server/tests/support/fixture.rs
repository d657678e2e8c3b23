//! A deployment fixture: a stack with rsync, simulated clusters registered in clm, an
//! instantiated admin logical cloud, and the example's composite app (web, cache, worker).
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use reqwest::blocking::multipart::{Form, Part};
use serde_json::{Value, json};

use super::{Proc, Sim, Stack, http, wait_for};

pub const CA: &str = "projects/p1/composite-apps/shop/v1";
pub const DIG: &str = "projects/p1/composite-apps/shop/v1/deployment-intent-groups/dig";
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/example");

/// The objects each example app creates with release `r1` (kind plural path, name).
pub fn objects_of(app: &str) -> Vec<(&'static str, &'static str)> {
    match app {
        "web" => vec![
            ("/api/v1/namespaces/default/configmaps", "r1-web-config"),
            ("/apis/apps/v1/namespaces/default/deployments", "r1-web"),
            ("/api/v1/namespaces/default/services", "web"),
        ],
        "cache" => vec![
            ("/apis/apps/v1/namespaces/default/statefulsets", "r1-cache"),
            ("/api/v1/namespaces/default/services", "cache"),
        ],
        "worker" => vec![
            ("/apis/apps/v1/namespaces/default/deployments", "r1-worker"),
            ("/apis/batch/v1/namespaces/default/jobs", "r1-migrate"),
        ],
        _ => vec![],
    }
}

pub fn tgz_dir(dir: &Path, top: Option<&str>) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    match top {
        Some(name) => b.append_dir_all(name, dir).expect("tar chart"),
        None => b.append_dir_all(".", dir).expect("tar profile"),
    }
    b.into_inner().and_then(|e| e.finish()).expect("tgz")
}

pub struct Env {
    pub stack: Stack,
    pub rsync: Proc,
    pub sims: Vec<Sim>,
}

pub fn post(base: &str, path: &str, body: Value) -> (u16, String) {
    let r = http()
        .post(format!("{base}/v2/{path}"))
        .body(body.to_string())
        .send()
        .expect("post");
    let code = r.status().as_u16();
    (code, r.text().unwrap_or_default())
}

pub fn put(base: &str, path: &str, body: Value) -> (u16, String) {
    let r = http()
        .put(format!("{base}/v2/{path}"))
        .body(body.to_string())
        .send()
        .expect("put");
    let code = r.status().as_u16();
    (code, r.text().unwrap_or_default())
}

pub fn get(base: &str, path: &str) -> Value {
    http()
        .get(format!("{base}/v2/{path}"))
        .send()
        .ok()
        .and_then(|r| r.json().ok())
        .unwrap_or(Value::Null)
}

fn upload(base: &str, path: &str, metadata: Value, file: Vec<u8>) {
    let form = Form::new()
        .text("metadata", metadata.to_string())
        .part("file", Part::bytes(file).file_name("file"));
    let r = http()
        .post(format!("{base}/v2/{path}"))
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status().as_u16(), 201, "upload {path}");
}

impl Env {
    /// Clusters `(name, labels)` under provider `p`, an instantiated level-0 cloud `lc` over
    /// all of them, project `p1`, the `rsync` controller.
    pub fn new(clusters: &[(&str, &[&str])]) -> Env {
        let stack = Stack::start();
        let rsync = stack.rsync();
        let sims: Vec<Sim> = clusters
            .iter()
            .map(|(n, _)| Sim::start(n, stack.path()))
            .collect();
        let (o, clm, dcm) = (stack.orchestrator.url(), stack.clm.url(), stack.dcm.url());
        assert_eq!(
            post(
                &o,
                "controllers",
                json!({"metadata": {"name": "rsync"}, "spec": {"host": "127.0.0.1", "port": 9031}})
            )
            .0,
            201
        );
        assert_eq!(
            post(&o, "projects", json!({"metadata": {"name": "p1"}})).0,
            201
        );
        assert_eq!(
            post(
                &clm,
                "cluster-providers",
                json!({"metadata": {"name": "p"}})
            )
            .0,
            201
        );
        for ((name, labels), sim) in clusters.iter().zip(&sims) {
            upload(
                &clm,
                "cluster-providers/p/clusters",
                json!({"metadata": {"name": name}}),
                std::fs::read(&sim.kubeconfig).expect("kubeconfig"),
            );
            for l in labels.iter() {
                assert_eq!(
                    post(
                        &clm,
                        &format!("cluster-providers/p/clusters/{name}/labels"),
                        json!({"clusterLabel": l})
                    )
                    .0,
                    201
                );
            }
        }
        assert_eq!(
            post(
                &dcm,
                "projects/p1/logical-clouds",
                json!({"metadata": {"name": "lc"}, "spec": {"level": "0"}})
            )
            .0,
            201
        );
        for (name, _) in clusters {
            let r = json!({"metadata": {"name": format!("{name}-ref")}, "spec": {"clusterProvider": "p", "cluster": name}});
            assert_eq!(
                post(&dcm, "projects/p1/logical-clouds/lc/cluster-references", r).0,
                201
            );
        }
        assert_eq!(
            post(&dcm, "projects/p1/logical-clouds/lc/instantiate", json!({})).0,
            202
        );
        let env = Env { stack, rsync, sims };
        env.wait_lc("Instantiated");
        env
    }

    pub fn o(&self) -> String {
        self.stack.orchestrator.url()
    }

    pub fn sim(&self, name: &str) -> &Sim {
        self.sims
            .iter()
            .find(|s| s.name == name)
            .expect("no such cluster")
    }

    pub fn wait_lc(&self, want: &str) {
        let dcm = self.stack.dcm.url();
        let got = wait_for(
            &format!("logical cloud {want}"),
            Duration::from_secs(60),
            || {
                let s = get(&dcm, "projects/p1/logical-clouds/lc/status?status=deployed");
                s["deployedStatus"]
                    .as_str()
                    .filter(|s| !s.ends_with("ing"))
                    .map(str::to_string)
            },
        );
        assert_eq!(got, want, "rsync log:\n{}", self.rsync.log());
    }

    /// A composite app `shop` from chart archives `(app, tgz)`, the example profile for each.
    pub fn composite_app_from(&self, charts: &[(&str, Vec<u8>)]) {
        let o = self.o();
        let ca = json!({"metadata": {"name": "shop"}, "spec": {"compositeAppVersion": "v1"}});
        assert_eq!(post(&o, "projects/p1/composite-apps", ca).0, 201);
        let profile = tgz_dir(&Path::new(EXAMPLE).join("profile"), None);
        assert_eq!(
            post(
                &o,
                &format!("{CA}/composite-profiles"),
                json!({"metadata": {"name": "cp"}})
            )
            .0,
            201
        );
        for (app, chart) in charts {
            upload(
                &o,
                &format!("{CA}/apps"),
                json!({"metadata": {"name": app}}),
                chart.clone(),
            );
            upload(
                &o,
                &format!("{CA}/composite-profiles/cp/profiles"),
                json!({"metadata": {"name": format!("{app}-profile")}, "spec": {"app": app}}),
                profile.clone(),
            );
        }
    }

    /// The example's composite app with `apps`, one profile each, and app dependencies.
    pub fn composite_app(&self, apps: &[&str], dependencies: &[(&str, &str, &str)]) {
        let o = self.o();
        let ca = json!({"metadata": {"name": "shop"}, "spec": {"compositeAppVersion": "v1"}});
        assert_eq!(post(&o, "projects/p1/composite-apps", ca).0, 201);
        let profile = tgz_dir(&Path::new(EXAMPLE).join("profile"), None);
        assert_eq!(
            post(
                &o,
                &format!("{CA}/composite-profiles"),
                json!({"metadata": {"name": "cp"}})
            )
            .0,
            201
        );
        for app in apps {
            let chart = tgz_dir(&Path::new(EXAMPLE).join("charts").join(app), Some(app));
            upload(
                &o,
                &format!("{CA}/apps"),
                json!({"metadata": {"name": app}}),
                chart,
            );
            upload(
                &o,
                &format!("{CA}/composite-profiles/cp/profiles"),
                json!({"metadata": {"name": format!("{app}-profile")}, "spec": {"app": app}}),
                profile.clone(),
            );
        }
        for (app, on, status) in dependencies {
            let d = json!({"metadata": {"name": format!("{app}-on-{on}")}, "spec": {"app": on, "opStatus": status, "wait": 0}});
            assert_eq!(post(&o, &format!("{CA}/apps/{app}/dependency"), d).0, 201);
        }
    }

    /// DIG `dig` on the admin cloud `lc` with placement per app, approved.
    pub fn dig(&self, placement: &[(&str, Value)]) {
        self.dig_on("lc", placement);
    }

    /// A level-1 logical cloud `name` with namespace `ns` over every cluster: a permission on
    /// its namespace for everything, and a quota; instantiated.
    pub fn level1_cloud(&self, name: &str, ns: &str) {
        let dcm = self.stack.dcm.url();
        let lc = format!("projects/p1/logical-clouds/{name}");
        let body = json!({"metadata": {"name": name}, "spec": {"namespace": ns, "level": "1", "user": {"userName": "team-user"}}});
        assert_eq!(post(&dcm, "projects/p1/logical-clouds", body).0, 201);
        for sim in &self.sims {
            let r = json!({"metadata": {"name": format!("{}-ref", sim.name)}, "spec": {"clusterProvider": "p", "cluster": sim.name}});
            assert_eq!(post(&dcm, &format!("{lc}/cluster-references"), r).0, 201);
        }
        let perm = json!({"metadata": {"name": "all"}, "spec": {"namespace": ns, "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}});
        assert_eq!(post(&dcm, &format!("{lc}/user-permissions"), perm).0, 201);
        assert_eq!(
            post(
                &dcm,
                &format!("{lc}/cluster-quotas"),
                json!({"metadata": {"name": "q"}, "spec": {"pods": "50"}})
            )
            .0,
            201
        );
        assert_eq!(post(&dcm, &format!("{lc}/instantiate"), json!({})).0, 202);
        let got = wait_for(
            "level-1 cloud instantiated",
            Duration::from_secs(60),
            || {
                let s = get(&dcm, &format!("{lc}/status?status=deployed"));
                s["deployedStatus"]
                    .as_str()
                    .filter(|s| !s.ends_with("ing"))
                    .map(str::to_string)
            },
        );
        assert_eq!(got, "Instantiated", "rsync log:\n{}", self.rsync.log());
    }

    /// DIG `dig` on logical cloud `cloud` with placement per app, approved.
    pub fn dig_on(&self, cloud: &str, placement: &[(&str, Value)]) {
        let o = self.o();
        let dig = json!({"metadata": {"name": "dig"}, "spec": {"compositeProfile": "cp", "version": "r1", "logicalCloud": cloud}});
        assert_eq!(
            post(&o, &format!("{CA}/deployment-intent-groups"), dig).0,
            201
        );
        assert_eq!(post(&o, &format!("{DIG}/intents"), json!({"metadata": {"name": "i"}, "spec": {"intent": {"genericPlacementIntent": "gpi"}}})).0, 201);
        assert_eq!(
            post(
                &o,
                &format!("{DIG}/generic-placement-intents"),
                json!({"metadata": {"name": "gpi"}})
            )
            .0,
            201
        );
        for (app, intent) in placement {
            let ai = json!({"metadata": {"name": format!("{app}-placement")}, "spec": {"app": app, "intent": intent}});
            assert_eq!(
                post(
                    &o,
                    &format!("{DIG}/generic-placement-intents/gpi/app-intents"),
                    ai
                )
                .0,
                201
            );
        }
        assert_eq!(post(&o, &format!("{DIG}/approve"), json!({})).0, 202);
    }

    pub fn dig_status(&self, query: &str) -> Value {
        get(&self.o(), &format!("{DIG}/status?{query}"))
    }

    /// Waits until the DIG's AppContext leaves a running state; asserts it is `want`.
    pub fn wait_dig(&self, want: &str) {
        let got = wait_for(&format!("DIG {want}"), Duration::from_secs(90), || {
            let s = self.dig_status("status=deployed");
            s["deployedStatus"]
                .as_str()
                .filter(|s| !s.ends_with("ing"))
                .map(str::to_string)
        });
        assert_eq!(got, want, "rsync log:\n{}", self.rsync.log());
    }

    /// Which example apps have all their objects on `cluster` (and which have none).
    pub fn apps_on(&self, cluster: &str) -> Vec<String> {
        let sim = self.sim(cluster);
        let mut out = Vec::new();
        for app in ["web", "cache", "worker"] {
            let objects = objects_of(app);
            let present = objects
                .iter()
                .filter(|(path, name)| sim.names(path).iter().any(|n| n == name))
                .count();
            assert!(
                present == 0 || present == objects.len(),
                "{app} half deployed on {cluster}: {present}/{}",
                objects.len()
            );
            if present > 0 {
                out.push(app.to_string());
            }
        }
        out
    }
}
