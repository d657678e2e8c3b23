//! A set of named templates sharing functions and options: Go's `*Template` with
//! its associated templates. Parse once, execute many times (also from several
//! threads at once: the set is `Send + Sync` and execution does not mutate it).

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::exec::{self, Env};
use crate::funcs::FuncMap;
use crate::node::Tree;
use crate::value::Value;

/// What a field access does when a map has no such key (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: the result is "no value", printed `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the map's zero value, a nil `interface{}`; printed
    /// `<no value>` too, but a further `.field` on it fails with `nil pointer
    /// evaluating interface {}.field` (Helm's non-strict mode).
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "k"`.
    Error,
}

/// Execution options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Behaviour on a missing map key.
    pub missing_key: MissingKey,
    /// Maximum nesting of template calls (`template`, `include`, `tpl`). Go allows
    /// 100000 on growable stacks; this engine recurses on the native stack, so the
    /// default is lower and errors the same way: `exceeded maximum template depth`.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            missing_key: MissingKey::Default,
            max_depth: 1000,
        }
    }
}

/// The templates visible to an execution: a set's own, possibly overlaid by the
/// defines of a `tpl` text.
pub(crate) struct Scope<'p> {
    pub trees: &'p HashMap<String, Arc<Tree>>,
    pub parent: Option<&'p Scope<'p>>,
}

impl<'p> Scope<'p> {
    pub fn lookup(&self, name: &str) -> Option<&'p Tree> {
        match self.trees.get(name) {
            Some(t) => Some(t),
            None => self.parent.and_then(|p| p.lookup(name)),
        }
    }
}

/// Adds parsed trees with Go's `associate` rule: a later definition replaces an
/// earlier one unless the later one is empty.
pub(crate) fn associate(
    trees: &mut HashMap<String, Arc<Tree>>,
    parsed: Vec<Tree>,
    existing: impl Fn(&str) -> bool,
) {
    for t in parsed {
        if t.is_empty() && (trees.contains_key(&t.name) || existing(&t.name)) {
            continue;
        }
        trees.insert(t.name.clone(), Arc::new(t));
    }
}

/// A set of templates: parse files into it, then execute any template by name.
#[derive(Clone)]
pub struct TemplateSet {
    name: String,
    trees: HashMap<String, Arc<Tree>>,
    funcs: FuncMap,
    options: Options,
}

impl TemplateSet {
    /// An empty set called `name` (the name only appears in "no template" errors),
    /// with Go's builtin functions.
    pub fn new(name: impl Into<String>) -> Self {
        Self::with_funcs(name, FuncMap::new())
    }

    /// An empty set with extra functions. Functions must be known before parsing:
    /// Go rejects a call of an unknown function at parse time.
    pub fn with_funcs(name: impl Into<String>, funcs: FuncMap) -> Self {
        TemplateSet {
            name: name.into(),
            trees: HashMap::new(),
            funcs,
            options: Options::default(),
        }
    }

    /// The functions, to add more before parsing.
    pub fn funcs_mut(&mut self) -> &mut FuncMap {
        &mut self.funcs
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The options, to change.
    pub fn options_mut(&mut self) -> &mut Options {
        &mut self.options
    }

    /// Go's `Template.Option`: `missingkey=default|invalid|zero|error`.
    pub fn set_option(&mut self, opt: &str) -> Result<(), String> {
        self.options.missing_key = match opt {
            "missingkey=default" | "missingkey=invalid" => MissingKey::Default,
            "missingkey=zero" => MissingKey::Zero,
            "missingkey=error" => MissingKey::Error,
            _ => return Err(format!("unrecognized option: {opt}")),
        };
        Ok(())
    }

    /// Parses `text` as the template `name` (Go's `t.New(name).Parse(text)`): its
    /// top level becomes template `name` and each `define` becomes available to
    /// every template of the set. A later non-empty definition of a name replaces
    /// the earlier one; two in one text are an error.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = &self.funcs;
        let parsed = crate::parse::parse(name, text, &|f| funcs.contains(f))?;
        associate(&mut self.trees, parsed, |_| false);
        Ok(())
    }

    /// The names of all templates in the set, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.trees.keys().cloned().collect();
        v.sort();
        v
    }

    /// Whether the set has a template called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// Executes template `name` with `data` as dot (and `$`).
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_into(name, data, &mut out)?;
        Ok(out)
    }

    /// Executes template `name`, appending to `out`. On error, `out` holds the
    /// output written before the failure, as Go's writer would.
    pub fn execute_into(&self, name: &str, data: &Value, out: &mut String) -> Result<(), Error> {
        let scope = Scope {
            trees: &self.trees,
            parent: None,
        };
        let env = Env {
            scope: &scope,
            funcs: &self.funcs,
            options: &self.options,
            set_name: &self.name,
        };
        let tree = scope.lookup(name).ok_or_else(|| Error::NoTemplate {
            name: name.to_string(),
            set: self.name.clone(),
        })?;
        exec::execute_tree(env, 0, tree, data, out)
    }
}
