//! Sprig's `semver` and `semverCompare` (Masterminds/semver v3 rules).

use gotmpl::ArgKind::String as S;
use gotmpl::{Object, Value};

use super::{Reg, sarg};
use crate::semver::{Constraints, Version};

/// A `*semver.Version`.
struct VersionObj(Version);

impl Object for VersionObj {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Major"
                | "Minor"
                | "Patch"
                | "Prerelease"
                | "Metadata"
                | "Original"
                | "String"
                | crate::json::JSON_METHOD
        )
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        let v = &self.0;
        let int = |u: u64| Value::Int(i64::try_from(u).unwrap_or(i64::MAX));
        Ok(match name {
            "Major" => int(v.major),
            "Minor" => int(v.minor),
            "Patch" => int(v.patch),
            "Prerelease" => Value::from(v.pre.as_str()),
            "Metadata" => Value::from(v.metadata.as_str()),
            "Original" => Value::from(v.original.as_str()),
            _ => Value::from(v.to_string()),
        })
    }
    fn display(&self) -> String {
        self.0.to_string()
    }
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("semver", &[S], None, |a| {
        Version::parse(&sarg(a, 0)).map(|v| Value::object(VersionObj(v)))
    });
    r.f("semverCompare", &[S, S], None, |a| {
        let c = Constraints::parse(&sarg(a, 0))?;
        let v = Version::parse(&sarg(a, 1))?;
        Ok(Value::Bool(c.check(&v)))
    });
}
