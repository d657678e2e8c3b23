//! The parser: items to trees, with Go's `text/template/parse/parse.go` grammar,
//! variable scoping and error messages.

use std::sync::Arc;

use crate::error::Error;
use crate::lex::{Item, Kind, lex};
use crate::node::{Branch, Node, Tree};
use crate::quote::{quote, unquote};

/// Deeper nesting than this (parentheses, control blocks) is refused: it bounds
/// the memory recursion takes. Real templates stay far below it.
const MAX_NESTING: usize = 1000;

/// Parses `text` as the template `name`. Returns the top-level tree and every
/// `define`/`block` in it, like Go's `parse.Parse`.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<Vec<Tree>, Error> {
    let parse_name: Arc<str> = name.into();
    let shared: Arc<str> = text.into();
    let items = lex(text, !has_func("break"), !has_func("continue"));
    let mut p = Parser {
        items,
        i: 0,
        hi: 0,
        parse_name,
        text: shared,
        has_func,
        vars: vec!["$".into()],
        range_depth: 0,
        action_line: 0,
        depth: 0,
        trees: Vec::new(),
    };
    let root = p.parse_top()?;
    p.add_tree(name.to_string(), root)?;
    Ok(p.trees)
}

/// What one `textOrAction` produced.
enum Parsed {
    Node(Node),
    End,
    Else,
}

impl Parsed {
    fn describe(&self) -> String {
        match self {
            Parsed::Node(n) => n.to_string(),
            Parsed::End => "{{end}}".into(),
            Parsed::Else => "{{else}}".into(),
        }
    }
}

pub(crate) struct Parser<'a, 'f> {
    pub(crate) items: Vec<Item<'a>>,
    pub(crate) i: usize,
    /// The furthest item read: Go reports parse errors at its line.
    pub(crate) hi: usize,
    pub(crate) parse_name: Arc<str>,
    pub(crate) text: Arc<str>,
    pub(crate) has_func: &'f dyn Fn(&str) -> bool,
    pub(crate) vars: Vec<Arc<str>>,
    pub(crate) range_depth: usize,
    pub(crate) action_line: usize,
    pub(crate) depth: usize,
    pub(crate) trees: Vec<Tree>,
}

pub(crate) type R<T> = Result<T, Error>;

impl<'a> Parser<'a, '_> {
    pub(crate) fn next(&mut self) -> Item<'a> {
        let idx = self.i.min(self.items.len() - 1);
        self.i = idx + 1;
        self.hi = self.hi.max(idx);
        self.items[idx].clone()
    }

    pub(crate) fn backup(&mut self) {
        self.i -= 1;
    }

    pub(crate) fn peek(&mut self) -> Item<'a> {
        let t = self.next();
        self.backup();
        t
    }

    pub(crate) fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.kind != Kind::Space {
                return t;
            }
        }
    }

    pub(crate) fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    pub(crate) fn errorf(&self, message: String) -> Error {
        let line = self.items.get(self.hi).map_or(1, |t| t.line);
        Error::Parse {
            name: self.parse_name.to_string(),
            line,
            message,
        }
    }

    pub(crate) fn unexpected(&self, tok: &Item<'_>, context: &str) -> Error {
        if tok.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != tok.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if tok.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{tok}{extra}"));
        }
        self.errorf(format!("unexpected {tok} in {context}"))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> R<Item<'a>> {
        let t = self.next_non_space();
        if t.kind != kind {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    pub(crate) fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.errorf(format!("nesting deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    /// Go's `Tree.add`: a second non-empty definition in one text is an error.
    fn add_tree(&mut self, name: String, root: Vec<Node>) -> R<()> {
        let tree = Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        };
        match self.trees.iter().position(|t| t.name == tree.name) {
            None => self.trees.push(tree),
            Some(i) if self.trees[i].is_empty() => self.trees[i] = tree,
            Some(_) if !tree.is_empty() => {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    quote(&tree.name)
                )));
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn parse_top(&mut self) -> R<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let at = self.i;
                self.next();
                if self.next_non_space().kind == Kind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.i = at;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                other => return Err(self.errorf(format!("unexpected {}", other.describe()))),
            }
        }
        Ok(root)
    }

    /// Runs `f` with the fresh variable scope of a new tree (define/block body).
    fn in_new_tree<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let r = f(self);
        self.vars = vars;
        self.range_depth = range_depth;
        r
    }

    fn parse_definition(&mut self) -> R<()> {
        const CONTEXT: &str = "define clause";
        let tok = self.next_non_space();
        if tok.kind != Kind::String && tok.kind != Kind::RawString {
            return Err(self.unexpected(&tok, CONTEXT));
        }
        let name = unquote(&tok.val).map_err(|e| self.errorf(e))?;
        self.expect(Kind::RightDelim, CONTEXT)?;
        let root = self.in_new_tree(|p| {
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return Err(p.errorf(format!("unexpected {} in {CONTEXT}", end.describe())));
            }
            Ok(root)
        })?;
        self.add_tree(name, root)
    }

    /// Nodes up to `{{end}}` or `{{else}}`, which is returned separately.
    fn item_list(&mut self) -> R<(Vec<Node>, Parsed)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                end => return Ok((list, end)),
            }
        }
        Err(self.errorf("unexpected EOF".into()))
    }

    fn text_or_action(&mut self) -> R<Parsed> {
        let tok = self.next_non_space();
        match tok.kind {
            Kind::Text => Ok(Parsed::Node(Node::Text(tok.val.as_ref().into()))),
            Kind::LeftDelim => {
                self.action_line = tok.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn action(&mut self) -> R<Parsed> {
        let tok = self.next_non_space();
        let node = match tok.kind {
            Kind::Block => self.block_control()?,
            Kind::Break | Kind::Continue => {
                let word = if tok.kind == Kind::Break {
                    "break"
                } else {
                    "continue"
                };
                let t = self.next_non_space();
                if t.kind != Kind::RightDelim {
                    return Err(self.unexpected(&t, &format!("{{{{{word}}}}}")));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{word}}}}} outside {{{{range}}}}")));
                }
                if tok.kind == Kind::Break {
                    Node::Break(tok.pos)
                } else {
                    Node::Continue(tok.pos)
                }
            }
            Kind::Else => {
                let peek = self.peek_non_space();
                if peek.kind != Kind::If && peek.kind != Kind::With {
                    self.expect(Kind::RightDelim, "else")?;
                }
                return Ok(Parsed::Else);
            }
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            Kind::If | Kind::Range | Kind::With => {
                let context = match tok.kind {
                    Kind::If => "if",
                    Kind::Range => "range",
                    _ => "with",
                };
                let branch = Box::new(crate::exec::grow(|| self.parse_control(context))?);
                match tok.kind {
                    Kind::If => Node::If(branch),
                    Kind::Range => Node::Range(branch),
                    _ => Node::With(branch),
                }
            }
            Kind::Template => self.template_control()?,
            _ => {
                self.backup();
                let pos = self.peek().pos;
                let pipe = self.pipeline("command", Kind::RightDelim)?;
                Node::Action { pos, pipe }
            }
        };
        Ok(Parsed::Node(node))
    }

    fn parse_control(&mut self, context: &str) -> R<Branch> {
        self.enter()?;
        let saved = self.vars.len();
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match next {
            Parsed::Else => {
                let peek = self.peek().kind;
                if context == "if" && peek == Kind::If {
                    self.next();
                    Some(vec![Node::If(Box::new(self.parse_control("if")?))])
                } else if context == "with" && peek == Kind::With {
                    self.next();
                    Some(vec![Node::With(Box::new(self.parse_control("with")?))])
                } else {
                    let (list, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return Err(self.errorf(format!("expected end; found {}", next.describe())));
                    }
                    Some(list)
                }
            }
            _ => None,
        };
        self.vars.truncate(saved);
        self.depth -= 1;
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&self, tok: &Item<'_>, context: &str) -> R<Arc<str>> {
        match tok.kind {
            Kind::String | Kind::RawString => {
                Ok(unquote(&tok.val).map_err(|e| self.errorf(e))?.into())
            }
            _ => Err(self.unexpected(tok, context)),
        }
    }

    fn template_control(&mut self) -> R<Node> {
        const CONTEXT: &str = "template clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, CONTEXT)?;
        let pipe = if self.next_non_space().kind != Kind::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, Kind::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: tok.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> R<Node> {
        const CONTEXT: &str = "block clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, Kind::RightDelim)?;
        let root = self.in_new_tree(|p| {
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return Err(p.errorf(format!("unexpected {} in {CONTEXT}", end.describe())));
            }
            Ok(root)
        })?;
        self.add_tree(name.to_string(), root)?;
        Ok(Node::Template {
            pos: tok.pos,
            name,
            pipe: Some(pipe),
        })
    }
}
