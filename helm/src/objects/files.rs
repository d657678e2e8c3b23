//! `.Files`: the chart's non-template files with Helm's methods (`Get`,
//! `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use gotmpl::{Map, Object, Value};

use super::{Bytes, string_arg, want_args};
use crate::glob;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        let mut m = BTreeMap::new();
        m.insert(
            "conf/a.txt".to_string(),
            Arc::from(b"line1\nline2\n".to_vec()),
        );
        m.insert("conf/b.yaml".to_string(), Arc::from(b"k: v".to_vec()));
        m.insert("conf/sub/c.txt".to_string(), Arc::from(b"c".to_vec()));
        Files(Arc::new(m))
    }

    #[test]
    fn files_methods() {
        let f = files();
        let call = |n: &str, a: &[Value]| f.call_method(n, a).unwrap_or_default();
        assert_eq!(
            call("Get", &[Value::from("conf/b.yaml")]),
            Value::from("k: v")
        );
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
}
