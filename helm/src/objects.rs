//! The objects templates see besides plain data: `.Files`, `.Capabilities`,
//! `.Chart`, byte slices, as Helm 3.17 defines them (field and method names,
//! Go type names, printed forms).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use gotmpl::{Map, Object, Value};

use crate::chart::{Dependency, Maintainer, Metadata};
use crate::glob;
use crate::json::BYTES_TYPE;

/// Helm 3.17's built-in Kubernetes version (`chartutil.DefaultCapabilities`).
pub const KUBE_VERSION: &str = "v1.32.0";
const KUBE_MAJOR: &str = "1";
const KUBE_MINOR: &str = "32";
/// `helm version` of the Helm release whose behaviour this crate follows.
const HELM_VERSION: [&str; 4] = [
    "v3.17.1",
    "980d8ac1939e39138101364400756af2bdee1da5",
    "clean",
    "go1.23.5",
];

/// Helm 3.17's default API versions, in its order.
pub const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

fn want_args(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

fn string_arg(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(format!(
            "wrong type for value; expected string; got {}",
            v.type_name()
        )),
        None => Err("invalid value; expected string".into()),
    }
}

/// A Go `[]byte`.
pub struct Bytes(pub Arc<[u8]>);

impl Object for Bytes {
    fn type_name(&self) -> &str {
        BYTES_TYPE
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(self.0.iter().map(|b| Value::Int(i64::from(*b)))))
    }
}

/// The bytes of a `[]byte` object.
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Object(o) if o.type_name() == BYTES_TYPE => match o.as_value() {
            Some(Value::List(l)) => Some(
                l.iter()
                    .map(|b| match b {
                        Value::Int(i) => u8::try_from(*i).unwrap_or(0),
                        _ => 0,
                    })
                    .collect(),
            ),
            _ => None,
        },
        _ => None,
    }
}

/// `.Files`: the chart's non-template files (Helm's `engine.files`).
#[derive(Clone, Default)]
pub struct Files(pub Arc<BTreeMap<String, Arc<[u8]>>>);

impl Files {
    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    /// The files whose names match a glob (`*` stays within a path segment, `**` crosses them).
    pub fn glob(&self, pattern: &str) -> Files {
        let m = glob::Glob::new(pattern).unwrap_or_else(|_| glob::Glob::match_all());
        Files(Arc::new(
            self.0
                .iter()
                .filter(|(k, _)| m.is_match(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
    }

    fn as_config(&self, secrets: bool) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let m = Map::new();
        for (k, v) in self.0.iter() {
            let base = k.rsplit('/').next().unwrap_or(k);
            let text = if secrets {
                base64::engine::general_purpose::STANDARD.encode(v)
            } else {
                String::from_utf8_lossy(v).into_owned()
            };
            m.insert(base, Value::from(text));
        }
        crate::yaml::to_yaml(&Value::Map(m))
    }

    fn lines(&self, name: &str) -> Value {
        let s = self.get(name);
        if s.is_empty() {
            return Value::list([]);
        }
        let s = s.strip_suffix('\n').unwrap_or(&s);
        Value::list(s.split('\n').map(Value::from))
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Get" | "GetBytes" | "Glob" | "Lines" | "AsConfig" | "AsSecrets"
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "Get" => {
                want_args(name, args, 1)?;
                Ok(Value::from(self.get(string_arg(args, 0)?)))
            }
            "GetBytes" => {
                want_args(name, args, 1)?;
                let data = self
                    .0
                    .get(string_arg(args, 0)?)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(Vec::new()));
                Ok(Value::object(Bytes(data)))
            }
            "Glob" => {
                want_args(name, args, 1)?;
                Ok(Value::object(self.glob(string_arg(args, 0)?)))
            }
            "Lines" => {
                want_args(name, args, 1)?;
                Ok(self.lines(string_arg(args, 0)?))
            }
            "AsConfig" | "AsSecrets" => {
                want_args(name, args, 0)?;
                Ok(Value::from(self.as_config(name == "AsSecrets")))
            }
            _ => Err(format!("{name} is not a method of engine.files")),
        }
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::map(
            self.0
                .iter()
                .map(|(k, v)| (k.as_str(), Value::object(Bytes(v.clone())))),
        ))
    }
}

/// `.Capabilities.APIVersions` (`chartutil.VersionSet`).
struct VersionSet;

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "chartutil.VersionSet"
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        want_args(name, args, 1)?;
        let want = string_arg(args, 0)?;
        Ok(Value::Bool(API_VERSIONS.contains(&want)))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(API_VERSIONS.iter().map(|s| Value::from(*s))))
    }
}

/// `.Capabilities.KubeVersion`.
struct KubeVersion;

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "chartutil.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::from(KUBE_VERSION)),
            "Major" => Some(Value::from(KUBE_MAJOR)),
            "Minor" => Some(Value::from(KUBE_MINOR)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        want_args(name, args, 0)?;
        Ok(Value::from(KUBE_VERSION))
    }
    fn display(&self) -> String {
        KUBE_VERSION.to_string()
    }
}

/// `.Capabilities.HelmVersion`.
struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let i = ["Version", "GitCommit", "GitTreeState", "GoVersion"]
            .iter()
            .position(|f| *f == name)?;
        Some(Value::from(HELM_VERSION[i]))
    }
    fn display(&self) -> String {
        format!("{{{}}}", HELM_VERSION.join(" "))
    }
}

/// `.Capabilities`.
pub struct Capabilities;

impl Object for Capabilities {
    fn type_name(&self) -> &str {
        "*chartutil.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::object(KubeVersion)),
            "APIVersions" => Some(Value::object(VersionSet)),
            "HelmVersion" => Some(Value::object(HelmVersion)),
            _ => None,
        }
    }
    fn display(&self) -> String {
        format!(
            "{{{{{KUBE_VERSION} {KUBE_MAJOR} {KUBE_MINOR}}} [{}] {}}}",
            API_VERSIONS.join(" "),
            HelmVersion.display()
        )
    }
}

fn strings(v: &[String]) -> Value {
    Value::list(v.iter().map(|s| Value::from(s.as_str())))
}

/// A `*chart.Maintainer`.
struct MaintainerObj(Maintainer);

impl Object for MaintainerObj {
    fn type_name(&self) -> &str {
        "*chart.Maintainer"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let m = &self.0;
        Some(Value::from(match name {
            "Name" => m.name.as_str(),
            "Email" => m.email.as_str(),
            "URL" => m.url.as_str(),
            _ => return None,
        }))
    }
    fn display(&self) -> String {
        format!("&{{{} {} {}}}", self.0.name, self.0.email, self.0.url)
    }
}

/// A `*chart.Dependency`.
struct DependencyObj(Dependency);

impl Object for DependencyObj {
    fn type_name(&self) -> &str {
        "*chart.Dependency"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let d = &self.0;
        Some(match name {
            "Name" => Value::from(d.name.as_str()),
            "Version" => Value::from(d.version.as_str()),
            "Repository" => Value::from(d.repository.as_str()),
            "Condition" => Value::from(d.condition.as_str()),
            "Tags" => strings(&d.tags),
            "Enabled" => Value::Bool(d.enabled),
            "ImportValues" => Value::list(d.import_values.iter().cloned()),
            "Alias" => Value::from(d.alias.as_str()),
            _ => return None,
        })
    }
    fn display(&self) -> String {
        format!("&{{{} {} {}}}", self.0.name, self.0.version, self.0.repository)
    }
}

/// `.Chart`: the chart's metadata plus `IsRoot`.
pub struct ChartObj {
    pub md: Metadata,
    pub is_root: bool,
}

impl Object for ChartObj {
    fn type_name(&self) -> &str {
        "struct { chart.Metadata; IsRoot bool }"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let md = &self.md;
        Some(match name {
            "Name" => Value::from(md.name.as_str()),
            "Home" => Value::from(md.home.as_str()),
            "Sources" => strings(&md.sources),
            "Version" => Value::from(md.version.as_str()),
            "Description" => Value::from(md.description.as_str()),
            "Keywords" => strings(&md.keywords),
            "Maintainers" => Value::list(
                md.maintainers
                    .iter()
                    .map(|m| Value::object(MaintainerObj(m.clone()))),
            ),
            "Icon" => Value::from(md.icon.as_str()),
            "APIVersion" => Value::from(md.api_version.as_str()),
            "Condition" => Value::from(md.condition.as_str()),
            "Tags" => Value::from(md.tags.as_str()),
            "AppVersion" => Value::from(md.app_version.as_str()),
            "Deprecated" => Value::Bool(md.deprecated),
            "Annotations" => Value::map(
                md.annotations
                    .iter()
                    .map(|(k, v)| (k.as_str(), Value::from(v.as_str()))),
            ),
            "KubeVersion" => Value::from(md.kube_version.as_str()),
            "Dependencies" => Value::list(
                md.dependencies
                    .iter()
                    .map(|d| Value::object(DependencyObj(d.clone()))),
            ),
            "Type" => Value::from(md.chart_type.as_str()),
            "IsRoot" => Value::Bool(self.is_root),
            _ => return None,
        })
    }
    fn display(&self) -> String {
        let md = &self.md;
        let list = |v: &[String]| format!("[{}]", v.join(" "));
        let annotations: Vec<String> = md
            .annotations
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let maint: Vec<String> = md
            .maintainers
            .iter()
            .map(|m| MaintainerObj(m.clone()).display())
            .collect();
        let deps: Vec<String> = md
            .dependencies
            .iter()
            .map(|d| DependencyObj(d.clone()).display())
            .collect();
        format!(
            "{{{{{} {} {} {} {} {} [{}] {} {} {} {} {} {} map[{}] {} [{}] {}}} {}}}",
            md.name,
            md.home,
            list(&md.sources),
            md.version,
            md.description,
            list(&md.keywords),
            maint.join(" "),
            md.icon,
            md.api_version,
            md.condition,
            md.tags,
            md.app_version,
            md.deprecated,
            annotations.join(" "),
            md.kube_version,
            deps.join(" "),
            md.chart_type,
            self.is_root
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        let mut m = BTreeMap::new();
        m.insert("conf/a.txt".to_string(), Arc::from(b"line1\nline2\n".to_vec()));
        m.insert("conf/b.yaml".to_string(), Arc::from(b"k: v".to_vec()));
        m.insert("conf/sub/c.txt".to_string(), Arc::from(b"c".to_vec()));
        Files(Arc::new(m))
    }

    #[test]
    fn files_methods() {
        let f = files();
        let call = |n: &str, a: &[Value]| f.call_method(n, a).unwrap_or_default();
        assert_eq!(call("Get", &[Value::from("conf/b.yaml")]), Value::from("k: v"));
        assert_eq!(call("Get", &[Value::from("nope")]), Value::from(""));
        assert_eq!(
            call("Lines", &[Value::from("conf/a.txt")]),
            Value::list([Value::from("line1"), Value::from("line2")])
        );
        assert_eq!(f.glob("conf/*.txt").0.len(), 1);
        assert_eq!(f.glob("conf/**.txt").0.len(), 2);
        assert_eq!(
            f.glob("conf/*").as_config(false),
            "a.txt: |\n  line1\n  line2\nb.yaml: 'k: v'"
        );
        assert_eq!(f.glob("conf/b.yaml").as_config(true), "b.yaml: azogdg==");
        assert!(f.call_method("Get", &[]).is_err());
    }

    #[test]
    fn capabilities_like_helm() {
        let c = Capabilities;
        let Some(Value::Object(kv)) = c.field("KubeVersion") else {
            panic!("no KubeVersion")
        };
        assert_eq!(kv.display(), "v1.32.0");
        assert_eq!(kv.field("Minor"), Some(Value::from("32")));
        let Some(Value::Object(api)) = c.field("APIVersions") else {
            panic!("no APIVersions")
        };
        assert_eq!(
            api.call_method("Has", &[Value::from("apps/v1")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(API_VERSIONS.len(), 56);
    }

    #[test]
    fn chart_prints_like_go() {
        let md = Metadata {
            name: "c".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        };
        let c = ChartObj { md, is_root: true };
        assert_eq!(c.display(), "{{c  [] 0.1.0  [] []  v2    false map[]  [] } true}");
    }
}
