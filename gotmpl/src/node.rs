//! The parse tree. `Display` reproduces Go's `Node.String()`, which error messages
//! quote as the context (`executing "x" at <.a.b>`).

use std::fmt::{self, Display, Formatter};
use std::sync::Arc;

use crate::value::Value;

/// One parsed template: a file's top level or one `define`.
#[derive(Debug)]
pub(crate) struct Tree {
    /// The template's name (the define name, or the file name for the top level).
    pub name: String,
    /// The name the text was parsed under (the file), for error locations.
    pub parse_name: Arc<str>,
    /// The whole text that was parsed, for error locations.
    pub text: Arc<str>,
    pub root: Vec<Node>,
}

impl Tree {
    /// Go's `parse.IsEmptyTree`: only blank text and comments.
    pub fn is_empty(&self) -> bool {
        self.root.iter().all(|n| match n {
            Node::Text(t) => t.trim().is_empty(),
            _ => false,
        })
    }

    /// Go's `ErrorContext` location: `NAME:LINE:COL`, COL counted in bytes from 0.
    pub fn location(&self, pos: usize) -> (usize, usize) {
        let before = &self.text[..pos.min(self.text.len())];
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        (line, col)
    }
}

#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    Action {
        pos: usize,
        pipe: Pipe,
    },
    If(Box<Branch>),
    Range(Box<Branch>),
    With(Box<Branch>),
    Template {
        pos: usize,
        name: Arc<str>,
        pipe: Option<Pipe>,
    },
    Break(usize),
    Continue(usize),
}

/// The body of `if`, `range` and `with`.
#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<Arc<str>>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// A number literal with every reading Go's parser accepted for it.
#[derive(Debug)]
pub(crate) struct Number {
    pub text: Box<str>,
    pub int: Option<i64>,
    pub float: Option<f64>,
    /// Go's untyped constant value, or the error evaluating it gives.
    pub ideal: Result<Value, String>,
}

#[derive(Debug)]
pub(crate) enum Arg {
    /// `.a.b`: the identifiers without dots.
    Field {
        pos: usize,
        idents: Vec<Arc<str>>,
    },
    /// `$x.a`: the variable name (with `$`) then fields.
    Variable {
        pos: usize,
        idents: Vec<Arc<str>>,
    },
    /// `(pipe).a`, `fn.a`: a term followed by fields.
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<Arc<str>>,
    },
    Ident {
        pos: usize,
        name: Arc<str>,
    },
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number(usize, Box<Number>),
    String {
        pos: usize,
        quoted: Box<str>,
        text: Arc<str>,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _)
            | Arg::Number(pos, _)
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

/// A reference to whichever node execution is at, for error context.
#[derive(Clone, Copy)]
pub(crate) enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Command(&'t Command),
    Arg(&'t Arg),
}

impl At<'_> {
    pub fn pos(&self) -> Option<usize> {
        match self {
            At::None => None,
            At::Node(n) => Some(match n {
                Node::Text(_) => 0,
                Node::Action { pos, .. }
                | Node::Template { pos, .. }
                | Node::Break(pos)
                | Node::Continue(pos) => *pos,
                Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
            }),
            At::Pipe(p) => Some(p.pos),
            At::Command(c) => Some(c.pos),
            At::Arg(a) => Some(a.pos()),
        }
    }

    pub fn context(&self) -> String {
        match self {
            At::None => String::new(),
            At::Node(n) => n.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Command(c) => c.to_string(),
            At::Arg(a) => a.to_string(),
        }
    }
}

fn write_list(f: &mut Formatter<'_>, list: &[Node]) -> fmt::Result {
    list.iter().try_for_each(|n| write!(f, "{n}"))
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(t) => write!(f, "{t}"),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::If(b) => b.write(f, "if"),
            Node::Range(b) => b.write(f, "range"),
            Node::With(b) => b.write(f, "with"),
            Node::Template { name, pipe, .. } => {
                write!(f, "{{{{template {}", crate::quote::quote(name))?;
                if let Some(p) = pipe {
                    write!(f, " {p}")?;
                }
                write!(f, "}}}}")
            }
            Node::Break(_) => write!(f, "{{{{break}}}}"),
            Node::Continue(_) => write!(f, "{{{{continue}}}}"),
        }
    }
}

impl Branch {
    fn write(&self, f: &mut Formatter<'_>, word: &str) -> fmt::Result {
        write!(f, "{{{{{word} {}}}}}", self.pipe)?;
        write_list(f, &self.list)?;
        if let Some(e) = &self.else_list {
            write!(f, "{{{{else}}}}")?;
            write_list(f, e)?;
        }
        write!(f, "{{{{end}}}}")
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                _ => write!(f, "{a}")?,
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => idents.iter().try_for_each(|i| write!(f, ".{i}")),
            Arg::Variable { idents, .. } => write!(f, "{}", idents.join(".")),
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                fields.iter().try_for_each(|i| write!(f, ".{i}"))
            }
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, n) => f.write_str(&n.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}
