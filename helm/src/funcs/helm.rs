//! Helm's own template functions (`include`, `tpl`, `required`, `fail`,
//! `lookup`) and its rewriting of template errors into the texts `helm` prints.

use std::cell::RefCell;
use std::collections::HashMap;

use gotmpl::ArgKind::{Any as A, String as S};
use gotmpl::{Func, FuncMap, Map, Value};

use super::sarg;

/// What Go prints for a missing value; Helm removes it from every output.
pub const NO_VALUE: &str = "<no value>";
const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";
/// Helm's limit on nested `include`s of one template name.
const MAX_INCLUDE_NESTING: usize = 1000;

thread_local! {
    /// `include` nesting per template name, for the render running on this thread.
    static INCLUDED: RefCell<HashMap<String, usize>> = RefCell::new(HashMap::new());
}

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

fn quoted(s: &str) -> String {
    gotmpl::sprintf("%q", &[Value::from(s)])
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert(
        "include",
        Func::context(|ctx, args| {
            let name = sarg(args, 0);
            let data = args.get(1).cloned().unwrap_or_default();
            let depth = INCLUDED.with(|c| {
                let mut c = c.borrow_mut();
                let n = c.entry(name.clone()).or_insert(0);
                *n += 1;
                *n
            });
            let out = if depth > MAX_INCLUDE_NESTING + 1 {
                Err(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                ))
            } else {
                ctx.execute_template(&name, &data).map_err(|e| e.to_string())
            };
            INCLUDED.with(|c| {
                if let Some(n) = c.borrow_mut().get_mut(&name) {
                    *n = n.saturating_sub(1);
                }
            });
            out.map(Value::from)
        })
        .with_signature(&[S, A], None),
    );
    m.insert(
        "tpl",
        Func::context(|ctx, args| {
            let text = sarg(args, 0);
            let data = args.get(1).cloned().unwrap_or_default();
            match ctx.execute_text("gotpl", &text, &data) {
                Ok(out) => Ok(Value::from(out.replace(NO_VALUE, ""))),
                Err(e @ gotmpl::Error::Parse { .. }) => {
                    Err(format!("cannot parse template {}: {e}", quoted(&text)))
                }
                Err(e) => Err(format!(
                    "error during tpl function execution for {}: {e}",
                    quoted(&text)
                )),
            }
        })
        .with_signature(&[S, A], None),
    );
    m.insert(
        "required",
        Func::plain(|args| {
            let warn = sarg(args, 0);
            match args.get(1) {
                None | Some(Value::Nil) => Err(warn_wrap(&warn)),
                Some(Value::String(s)) if s.is_empty() => Err(warn_wrap(&warn)),
                Some(v) => Ok(v.clone()),
            }
        })
        .with_signature(&[S, A], None),
    );
    m.insert(
        "fail",
        Func::plain(|args| Err(warn_wrap(&sarg(args, 0)))).with_signature(&[S], None),
    );
    m.insert(
        "lookup",
        Func::plain(|_| Ok(Value::Map(Map::new()))).with_signature(&[S, S, S, S], None),
    );
}

/// Helm's `cleanupParseError`.
pub fn clean_parse_error(filename: &str, err: &str) -> String {
    let tokens: Vec<&str> = err.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {err}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens.last().copied().unwrap_or_default()
    )
}

/// Helm's `cleanupExecError`: `required`/`fail` messages become
/// `execution error at (FILE:LINE:COL): MESSAGE`; other errors stay Go's text.
pub fn clean_exec_error(filename: &str, err: &gotmpl::Error) -> String {
    let text = err.to_string();
    if !matches!(err, gotmpl::Error::Exec { .. }) {
        return text;
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {text}");
    }
    let msg = tokens[2];
    match (msg.find(WARN_START), msg.rfind(WARN_END)) {
        (Some(s), Some(e)) if s + WARN_START.len() <= e => format!(
            "execution error at ({}): {}",
            tokens[1],
            &msg[s + WARN_START.len()..e]
        ),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_like_helm() {
        assert_eq!(
            clean_parse_error(
                "c/templates/t.yaml",
                "template: c/templates/t.yaml:1: function \"nofunc\" not defined"
            ),
            "parse error at (c/templates/t.yaml:1): function \"nofunc\" not defined"
        );
        assert_eq!(clean_parse_error("f", "odd"), "parse error in (f): odd");
    }

    #[test]
    fn required_messages_are_unwrapped() {
        let e = gotmpl::Error::Exec {
            template: "c/templates/t.yaml".into(),
            location: Some(gotmpl::Location {
                file: "c/templates/t.yaml".into(),
                line: 2,
                col: 6,
            }),
            context: "required \"need foo\" .Values.foo".into(),
            message: format!("error calling required: {}", warn_wrap("need foo")),
        };
        assert_eq!(
            clean_exec_error("c/templates/t.yaml", &e),
            "execution error at (c/templates/t.yaml:2:6): need foo"
        );
    }
}
