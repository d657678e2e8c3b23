//! Execution: walking a tree's control flow (`if`, `range`, `with`, `template`,
//! `break`, `continue`) and printing action results, as Go's `exec.go` does.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Location};
use crate::funcs::FuncMap;
use crate::node::{At, Branch, Node, Pipe, Tree};
use crate::set::{Options, Scope, associate};
pub(crate) use crate::val::Val;
use crate::value::Value;

/// What execution can see: templates, functions, options.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub scope: &'a Scope<'a>,
    pub funcs: &'a FuncMap,
    pub options: &'a Options,
    /// The set's name, for "no template" errors.
    pub set_name: &'a str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) type R<T> = Result<T, Error>;

/// Runs `f` with stack to spare, continuing on a heap-allocated stack segment when
/// the thread's stack runs low: template calls and nested blocks recurse, and
/// Go's limits are far deeper than a 2 MiB thread stack allows.
pub(crate) fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}

pub(crate) struct State<'a> {
    pub env: Env<'a>,
    pub tree: &'a Tree,
    pub vars: Vec<(Arc<str>, Val)>,
    pub at: At<'a>,
    pub depth: usize,
    pub out: String,
}

/// Executes `tree` with `data`, appending to `out`.
pub(crate) fn execute_tree(
    env: Env<'_>,
    depth: usize,
    tree: &Tree,
    data: &Value,
    out: &mut String,
) -> R<()> {
    let dot = Val::conc(data.clone());
    let mut s = State {
        env,
        tree,
        vars: vec![("$".into(), dot.clone())],
        at: At::None,
        depth,
        out: std::mem::take(out),
    };
    let r = grow(|| s.walk_list(&dot, &tree.root));
    *out = s.out;
    r.map(|_| ())
}

fn depth_error(env: Env<'_>, depth: usize, name: &str) -> Option<Error> {
    (depth >= env.options.max_depth).then(|| Error::Exec {
        template: name.to_string(),
        location: None,
        context: String::new(),
        message: format!(
            "exceeded maximum template depth ({})",
            env.options.max_depth
        ),
    })
}

/// `include`: the named template of the running set, as a string.
pub(crate) fn execute_nested(env: Env<'_>, depth: usize, name: &str, data: &Value) -> R<String> {
    if let Some(e) = depth_error(env, depth, name) {
        return Err(e);
    }
    let tree = env.scope.lookup(name).ok_or_else(|| Error::NoTemplate {
        name: name.to_string(),
        set: env.set_name.to_string(),
    })?;
    let mut out = String::new();
    execute_tree(env, depth + 1, tree, data, &mut out)?;
    Ok(out)
}

/// `tpl`: new text parsed over the running set, executed, as a string.
pub(crate) fn execute_text(
    env: Env<'_>,
    depth: usize,
    name: &str,
    text: &str,
    data: &Value,
) -> R<String> {
    if let Some(e) = depth_error(env, depth, name) {
        return Err(e);
    }
    let parsed = crate::parse::parse(name, text, &|f| env.funcs.contains(f))?;
    let mut local: HashMap<String, Arc<Tree>> = HashMap::new();
    associate(&mut local, parsed, |n| env.scope.lookup(n).is_some());
    let scope = Scope {
        trees: &local,
        parent: Some(env.scope),
    };
    let inner = Env {
        scope: &scope,
        ..env
    };
    let tree = scope.lookup(name).ok_or_else(|| Error::NoTemplate {
        name: name.to_string(),
        set: env.set_name.to_string(),
    })?;
    let mut out = String::new();
    execute_tree(inner, depth + 1, tree, data, &mut out)?;
    Ok(out)
}

impl<'a> State<'a> {
    /// An execution error at the current node, formatted like Go's `state.errorf`.
    pub fn err(&self, message: impl Into<String>) -> Error {
        let message = message.into();
        match self.at.pos() {
            Some(pos) => {
                let (line, col) = self.tree.location(pos);
                Error::Exec {
                    template: self.tree.name.clone(),
                    location: Some(Location {
                        file: self.tree.parse_name.to_string(),
                        line,
                        col,
                    }),
                    context: self.at.context(),
                    message,
                }
            }
            None => Error::Exec {
                template: self.tree.name.clone(),
                location: None,
                context: String::new(),
                message,
            },
        }
    }

    pub fn walk_list(&mut self, dot: &Val, list: &'a [Node]) -> R<Flow> {
        for n in list {
            let flow = self.walk(dot, n)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Val, node: &'a Node) -> R<Flow> {
        self.at = At::Node(node);
        match node {
            Node::Text(t) => self.out.push_str(t),
            Node::Action { pipe, .. } => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = At::Node(node);
                    self.print_value(node, &v)?;
                }
            }
            Node::If(b) => return grow(|| self.walk_if_or_with(false, dot, b)),
            Node::With(b) => return grow(|| self.walk_if_or_with(true, dot, b)),
            Node::Range(b) => return grow(|| self.walk_range(dot, b)),
            Node::Template { name, pipe, .. } => {
                self.walk_template(dot, node, name, pipe.as_ref())?
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn print_value(&mut self, node: &Node, v: &Val) -> R<()> {
        match v.get() {
            None => self.out.push_str("<no value>"),
            Some(Value::Func(_)) => {
                return Err(self.err(format!("can't print {node} of type {}", v.type_name())));
            }
            Some(v) => crate::gofmt::write_value(&mut self.out, v),
        }
        Ok(())
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Val, b: &'a Branch) -> R<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let flow = if val.truth() {
            self.walk_list(if with { &val } else { dot }, &b.list)?
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(&mut self, dot: &Val, r: &'a Branch) -> R<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let body = self.vars.len();
        let mut ran = false;
        match val.get().map(Value::data) {
            None | Some(Value::Nil) => {}
            Some(Value::List(items)) => {
                for (i, e) in items.iter().enumerate() {
                    ran = true;
                    let index = Val::Conc(Value::from(i));
                    if self.one_iteration(r, body, index, Val::Iface(e.clone()))? == Flow::Break {
                        break;
                    }
                }
            }
            Some(Value::Map(m)) => {
                for (k, v) in m.entries() {
                    ran = true;
                    let key = Val::Conc(Value::String(k));
                    if self.one_iteration(r, body, key, Val::Iface(v))? == Flow::Break {
                        break;
                    }
                }
            }
            Some(Value::Int(n)) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.err(format!(
                        "can't use {n} to iterate over more than one variable"
                    )));
                }
                for i in 0..n {
                    ran = true;
                    let v = Val::Conc(Value::Int(i));
                    if self.one_iteration(r, body, Val::Invalid, v)? == Flow::Break {
                        break;
                    }
                }
            }
            Some(other) => {
                return Err(self.err(format!(
                    "range can't iterate over {}",
                    crate::gofmt::sprint(std::slice::from_ref(&other))
                )));
            }
        }
        if !ran && let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    fn one_iteration(&mut self, r: &'a Branch, body: usize, index: Val, elem: Val) -> R<Flow> {
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                let target = if decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(&decl[0], target)?;
            } else {
                self.vars[body - 1].1 = elem.clone();
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(&decl[1], elem.clone())?;
            } else {
                self.vars[body - 2].1 = index;
            }
        }
        let flow = self.walk_list(&elem, &r.list)?;
        self.vars.truncate(body);
        Ok(flow)
    }

    fn walk_template(
        &mut self,
        dot: &Val,
        node: &'a Node,
        name: &str,
        pipe: Option<&'a Pipe>,
    ) -> R<()> {
        let Some(tree) = self.env.scope.lookup(name) else {
            return Err(self.err(format!(
                "template {} not defined",
                crate::quote::quote(name)
            )));
        };
        if self.depth >= self.env.options.max_depth {
            return Err(self.err(format!(
                "exceeded maximum template depth ({})",
                self.env.options.max_depth
            )));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Val::Invalid,
        };
        self.at = At::Node(node);
        let mut child = State {
            env: self.env,
            tree,
            vars: vec![("$".into(), new_dot.clone())],
            at: At::None,
            depth: self.depth + 1,
            out: std::mem::take(&mut self.out),
        };
        let r = grow(|| child.walk_list(&new_dot, &tree.root));
        self.out = child.out;
        r.map(|_| ())
    }

    pub fn var_value(&self, name: &str) -> R<Val> {
        match self.vars.iter().rev().find(|(n, _)| **n == *name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.err(format!("undefined variable: {name}"))),
        }
    }

    pub fn set_var(&mut self, name: &str, v: Val) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| **n == *name) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(self.err(format!("undefined variable: {name}"))),
        }
    }
}
