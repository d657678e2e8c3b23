//! EMCO's GMS example prepared the way its `setup.sh` does: chart and profile archives, a
//! kubeconfig and values.yaml in a work directory.

use std::path::{Path, PathBuf};

pub const GMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/emco-gms"
);
pub const APPS: [&str; 12] = [
    "adservice",
    "checkoutservice",
    "currencyservice",
    "emailservice",
    "paymentservice",
    "recommendationservice",
    "frontend",
    "productcatalogservice",
    "cartservice",
    "redis",
    "shippingservice",
    "loadgenerator",
];

/// `tar -czf out -C dir entry` with the tar crate.
pub fn tgz(dir: &Path, entry: &str, out: &Path) {
    let file = std::fs::File::create(out).expect("create tgz");
    let enc = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    if entry == "." {
        b.append_dir_all(".", dir).expect("tar profile");
    } else {
        b.append_dir_all(entry, dir.join(entry)).expect("tar chart");
    }
    b.into_inner().and_then(|e| e.finish()).expect("finish tgz");
}

/// What EMCO's setup.sh prepares: chart and profile archives, a kubeconfig, values.yaml.
pub fn gms_workdir(root: &Path) -> PathBuf {
    gms_workdir_for(root, None)
}

/// As [`gms_workdir`], with `KubeConfig1` pointing at a real cluster's kubeconfig.
pub fn gms_workdir_for(root: &Path, kubeconfig: Option<&Path>) -> PathBuf {
    let work = root.join("gms");
    std::fs::create_dir_all(work.join("output")).expect("mkdir");
    for app in APPS {
        tgz(
            &Path::new(GMS).join("helm_charts/helm"),
            app,
            &work.join(format!("output/{app}.tgz")),
        );
    }
    tgz(
        &Path::new(GMS).join("helm_charts/profile"),
        ".",
        &work.join("output/gms-profile.tar.gz"),
    );
    std::fs::write(work.join("kubeconfig"), "apiVersion: v1\nkind: Config\n").expect("kubeconfig");
    let values = format!(
        "ClusterProvider: gmsprovider1\nCluster1: gmscluster1\nKubeConfig1: {}\nProjectName: gmsproj1\nLogicalCloud1RefName: gms-lc-cl-1\nCluster1Label: edge-cluster\nAdminCloud: default\nCompositeApp: gms-collection-composite-app\nCompositeAppVersion: v1\nApplist:\n{}CompositeProfile: gms-collection-composite-profile\nDeploymentIntentGroup: gms-collection-deployment-intent-group\nDeploymentIntent: gms-collection-deployment-intent\nGenericPlacementIntent: gms-collection-placement-intent\nDtcIntent: gmstestdtc\nDtcProductcatalogServerIntent: productcatalogserver\nDtcCartserviceServerIntent: cartserviceserver\nDtcRediscartServerIntent: rediscartserver\nDtcShippingServerIntent: shippingserver\nIntent: gmsintent\nRsyncPort: 30431\nDtcPort: 30448\nItsPort: 30440\nHostIP: 127.0.0.1\n",
        kubeconfig
            .map(Path::to_path_buf)
            .unwrap_or_else(|| work.join("kubeconfig"))
            .display(),
        APPS.iter()
            .map(|a| format!("  - {a}\n"))
            .collect::<String>()
    );
    std::fs::write(work.join("values.yaml"), values).expect("values");
    work
}

pub fn file(name: &str) -> String {
    format!("{GMS}/test/{name}")
}
