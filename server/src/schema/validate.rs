//! Validation rules of EMCO's JSON schemas, applied to canonical (decoded) bodies.
//!
//! EMCO validates the re-encoded struct, so "required" rarely fails on its own: an absent
//! name becomes `""`, which then fails the name pattern. Violations are collected and
//! answered together as 400 `Invalid Input:` with one line each.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::http::error::ApiError;

/// EMCO's name rule: 1..128 characters, alphanumerics and `-_.`, alphanumeric at both ends.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("static regex")
});

/// The Kubernetes label-value rule used by status query filters.
static LABEL_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$").expect("static regex")
});

/// DNS-1123 label: what Helm requires of a release name.
static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").expect("static regex"));

pub const NAME_PATTERN: &str = "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";

pub fn is_valid_name(name: &str) -> bool {
    name.len() <= 128 && NAME.is_match(name)
}

pub fn is_label_value(value: &str) -> bool {
    !value.is_empty() && value.len() <= 63 && LABEL_VALUE.is_match(value)
}

pub fn is_dns_label(value: &str) -> bool {
    value.len() <= 63 && DNS_LABEL.is_match(value)
}

/// Collects schema violations for one body.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>, Option<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, line: impl Into<String>) {
        self.0.push(line.into());
    }

    /// The value at a `/`-separated pointer, or null.
    fn at<'a>(body: &'a Value, pointer: &str) -> &'a Value {
        body.pointer(pointer).unwrap_or(&Value::Null)
    }

    /// `field` must follow the name rule.
    pub fn name(&mut self, body: &Value, pointer: &str) -> &mut Self {
        match Self::at(body, pointer) {
            Value::String(s) if s.len() > 128 => {
                self.push(format!(
                    "{}: String length must be less than or equal to 128",
                    field_label(pointer)
                ));
            }
            Value::String(s) if is_valid_name(s) => {}
            Value::String(_) => self.push(format!(
                "{}: Does not match pattern '{NAME_PATTERN}'",
                field_label(pointer)
            )),
            _ => self.push(format!(
                "{}: Invalid type. Expected: string",
                field_label(pointer)
            )),
        }
        self
    }

    /// An optional string no longer than `max` characters.
    pub fn max_len(&mut self, body: &Value, pointer: &str, max: usize) -> &mut Self {
        if let Value::String(s) = Self::at(body, pointer)
            && s.chars().count() > max
        {
            self.push(format!(
                "{}: String length must be less than or equal to {max}",
                field_label(pointer)
            ));
        }
        self
    }

    /// An integer within `min..=max` (absent counts as zero, as in Go).
    pub fn int_range(&mut self, body: &Value, pointer: &str, min: i64, max: i64) -> &mut Self {
        let n = Self::at(body, pointer).as_i64().unwrap_or(0);
        if n < min || n > max {
            self.push(format!(
                "{}: Must be between {min} and {max}",
                field_label(pointer)
            ));
        }
        self
    }

    /// The standard metadata object: name rule plus description/userData lengths.
    pub fn metadata(&mut self, body: &Value) -> &mut Self {
        self.name(body, "/metadata/name")
            .max_len(body, "/metadata/description", 1024)
            .max_len(body, "/metadata/userData1", 512)
            .max_len(body, "/metadata/userData2", 512)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.is_none()
    }

    /// Some EMCO validations answer a fixed text instead of the schema report; the first one
    /// recorded wins.
    pub fn exact(&mut self, message: &str) {
        if self.1.is_none() {
            self.1 = Some(message.to_string());
        }
    }

    /// 400 `Invalid Input:` with one line per violation, or Ok when there are none.
    pub fn finish(self) -> Result<(), ApiError> {
        if let Some(message) = self.1 {
            return Err(ApiError::bad_request(message));
        }
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::bad_request(format!(
                "Invalid Input:\n{}",
                self.0.join("\n")
            )))
        }
    }
}

/// Turns `/metadata/name` into `metadata.name` as gojsonschema prints field paths.
fn field_label(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn name_rule() {
        for ok in ["a", "a1", "A-b_c.d", "x".repeat(128).as_str()] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a b", "a/b", "x".repeat(129).as_str()] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn label_value_rule_is_63_chars() {
        assert!(is_label_value("app-1"));
        assert!(!is_label_value(""));
        assert!(!is_label_value(&"x".repeat(64)));
    }

    #[test]
    fn dns_label_rejects_upper_case() {
        assert!(is_dns_label("r1"));
        assert!(!is_dns_label("R1"));
    }

    #[test]
    fn violations_are_reported_together() {
        let body = json!({"metadata": {"name": "", "description": "x".repeat(1025)}});
        let mut v = Violations::new();
        v.metadata(&body);
        let err = v.finish().err().map(|e| e.message).unwrap_or_default();
        assert!(err.starts_with("Invalid Input:\n"));
        assert!(err.contains("metadata.name: Does not match pattern"));
        assert!(err.contains("metadata.description: String length"));
    }

    #[test]
    fn int_range_treats_absent_as_zero() {
        let mut v = Violations::new();
        v.int_range(&json!({}), "/spec/port", 0, 50000);
        assert!(v.is_empty());
        v.int_range(&json!({"spec": {"port": 70000}}), "/spec/port", 0, 50000);
        assert!(!v.is_empty());
    }
}
