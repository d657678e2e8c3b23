//! `.Chart`: the chart's metadata with Go's field names, plus `IsRoot`.

use gotmpl::{Object, Value};

use super::json_fields;
use crate::chart::{Dependency, Maintainer, Metadata};
use crate::json::JSON_METHOD;

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
    fn has_method(&self, name: &str) -> bool {
        name == JSON_METHOD
    }
    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        let m = &self.0;
        Ok(json_fields(vec![
            ("name", Value::from(m.name.as_str()), true),
            ("email", Value::from(m.email.as_str()), true),
            ("url", Value::from(m.url.as_str()), true),
        ]))
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
    fn has_method(&self, name: &str) -> bool {
        name == JSON_METHOD
    }
    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        let d = &self.0;
        Ok(json_fields(vec![
            ("name", Value::from(d.name.as_str()), false),
            ("version", Value::from(d.version.as_str()), true),
            ("repository", Value::from(d.repository.as_str()), false),
            ("condition", Value::from(d.condition.as_str()), true),
            ("tags", strings(&d.tags), true),
            ("enabled", Value::Bool(d.enabled), true),
            (
                "import-values",
                Value::list(d.import_values.iter().cloned()),
                true,
            ),
            ("alias", Value::from(d.alias.as_str()), true),
        ]))
    }
    fn display(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            self.0.name, self.0.version, self.0.repository
        )
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
    fn has_method(&self, name: &str) -> bool {
        name == JSON_METHOD
    }
    fn call_method(&self, _name: &str, _args: &[Value]) -> Result<Value, String> {
        let f = |n: &str| self.field(n).unwrap_or_default();
        let mut fields: Vec<(&str, Value, bool)> = [
            ("name", "Name"),
            ("home", "Home"),
            ("sources", "Sources"),
            ("version", "Version"),
            ("description", "Description"),
            ("keywords", "Keywords"),
            ("maintainers", "Maintainers"),
            ("icon", "Icon"),
            ("apiVersion", "APIVersion"),
            ("condition", "Condition"),
            ("tags", "Tags"),
            ("appVersion", "AppVersion"),
            ("deprecated", "Deprecated"),
            ("annotations", "Annotations"),
            ("kubeVersion", "KubeVersion"),
            ("dependencies", "Dependencies"),
            ("type", "Type"),
        ]
        .into_iter()
        .map(|(json, go)| (json, f(go), true))
        .collect();
        fields.push(("IsRoot", Value::Bool(self.is_root), false));
        Ok(json_fields(fields))
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

    #[test]
    fn chart_prints_like_go() {
        let md = Metadata {
            name: "c".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        };
        let c = ChartObj { md, is_root: true };
        assert_eq!(
            c.display(),
            "{{c  [] 0.1.0  [] []  v2    false map[]  [] } true}"
        );
    }
}
