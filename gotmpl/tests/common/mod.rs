//! Helpers shared by the integration tests: render with JSON data, get the
//! output or the displayed error.

#![allow(dead_code)]

use gotmpl::{MissingKey, TemplateSet, Value};

/// Renders `text` as template "t" with `data` as dot; panics on error.
pub fn run(text: &str, data: serde_json::Value) -> String {
    match gotmpl::render("t", text, &data) {
        Ok(s) => s,
        Err(e) => panic!("template {text:?} failed: {e}"),
    }
}

/// Renders and returns the error text; panics if rendering succeeds.
pub fn fail(text: &str, data: serde_json::Value) -> String {
    match gotmpl::render("t", text, &data) {
        Ok(s) => panic!("template {text:?} should fail, rendered {s:?}"),
        Err(e) => e.to_string(),
    }
}

/// Renders with a missingkey option; returns output or error text.
pub fn with_missing(text: &str, data: serde_json::Value, mk: MissingKey) -> Result<String, String> {
    let mut set = TemplateSet::new("t");
    set.options_mut().missing_key = mk;
    set.parse("t", text).map_err(|e| e.to_string())?;
    set.execute("t", &Value::from(&data))
        .map_err(|e| e.to_string())
}
