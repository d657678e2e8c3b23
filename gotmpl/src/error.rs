//! Parse and execution errors, displayed exactly as Go's `text/template` does.

use std::fmt;

use crate::quote::quote;

/// Where an execution error happened: the file (parse name), line and byte column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The name the text was parsed under (the file name, not the define name).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 0-based byte offset within the line, as Go reports it.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// A template error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not a valid template: `template: NAME:LINE: MESSAGE`.
    #[error("template: {name}:{line}: {message}")]
    Parse {
        /// The name the text was parsed under.
        name: String,
        /// 1-based line of the offending token.
        line: usize,
        /// Go's message, e.g. `unexpected "}" in operand`.
        message: String,
    },
    /// Execution failed:
    /// `template: FILE:LINE:COL: executing "NAME" at <CONTEXT>: MESSAGE`.
    #[error("{}", display_exec(template, location.as_ref(), context, message))]
    Exec {
        /// The template being executed (a define name or file name).
        template: String,
        /// Where, when execution was at a node.
        location: Option<Location>,
        /// The node being executed, as Go prints it (`.a.b`, `include "x" .`).
        context: String,
        /// Go's message, e.g. `nil pointer evaluating interface {}.b`.
        message: String,
    },
    /// `execute` was asked for a name the set does not have.
    #[error(
        "template: no template {} associated with template {}",
        quote(name),
        quote(set)
    )]
    NoTemplate {
        /// The name asked for.
        name: String,
        /// The set's name.
        set: String,
    },
}

fn display_exec(
    template: &str,
    location: Option<&Location>,
    context: &str,
    message: &str,
) -> String {
    match location {
        Some(loc) => format!(
            "template: {loc}: executing {} at <{context}>: {message}",
            quote(template)
        ),
        None => format!("template: {template}: {message}"),
    }
}

impl Error {
    /// The message without the `template: ...:` prefix.
    pub fn message(&self) -> String {
        match self {
            Error::Parse { message, .. } | Error::Exec { message, .. } => message.clone(),
            Error::NoTemplate { .. } => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_go() {
        let e = Error::Exec {
            template: "t".into(),
            location: Some(Location {
                file: "t".into(),
                line: 1,
                col: 4,
            }),
            context: ".a.b".into(),
            message: "nil pointer evaluating interface {}.b".into(),
        };
        assert_eq!(
            e.to_string(),
            "template: t:1:4: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b"
        );
        let p = Error::Parse {
            name: "t".into(),
            line: 3,
            message: "unexpected EOF".into(),
        };
        assert_eq!(p.to_string(), "template: t:3: unexpected EOF");
        let n = Error::NoTemplate {
            name: "x".into(),
            set: "s".into(),
        };
        assert_eq!(
            n.to_string(),
            "template: no template \"x\" associated with template \"s\""
        );
    }
}
