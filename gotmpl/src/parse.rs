//! The parser: items to trees, with Go's `text/template/parse/parse.go` grammar,
//! variable scoping and error messages.

use std::sync::Arc;

use crate::error::Error;
use crate::lex::{Item, Kind, lex};
use crate::node::{Arg, Branch, Command, Node, Pipe, Tree};
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

struct Parser<'a, 'f> {
    items: Vec<Item<'a>>,
    i: usize,
    /// The furthest item read: Go reports parse errors at its line.
    hi: usize,
    parse_name: Arc<str>,
    text: Arc<str>,
    has_func: &'f dyn Fn(&str) -> bool,
    vars: Vec<Arc<str>>,
    range_depth: usize,
    action_line: usize,
    depth: usize,
    trees: Vec<Tree>,
}

type R<T> = Result<T, Error>;

impl<'a> Parser<'a, '_> {
    fn next(&mut self) -> Item<'a> {
        let idx = self.i.min(self.items.len() - 1);
        self.i = idx + 1;
        self.hi = self.hi.max(idx);
        self.items[idx].clone()
    }

    fn backup(&mut self) {
        self.i -= 1;
    }

    fn peek(&mut self) -> Item<'a> {
        let t = self.next();
        self.backup();
        t
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.kind != Kind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, message: String) -> Error {
        let line = self.items.get(self.hi).map_or(1, |t| t.line);
        Error::Parse {
            name: self.parse_name.to_string(),
            line,
            message,
        }
    }

    fn unexpected(&self, tok: &Item<'_>, context: &str) -> Error {
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

    fn enter(&mut self) -> R<()> {
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

    /// Declarations (`$x :=`, `$x =`, `$i, $v :=`) then commands separated by `|`.
    fn pipeline(&mut self, context: &str, end: Kind) -> R<Pipe> {
        self.enter()?;
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let at = self.i;
            let v = self.peek_non_space();
            if v.kind != Kind::Variable {
                break;
            }
            self.next_non_space();
            let next = self.peek_non_space();
            let name: Arc<str> = v.val.as_ref().into();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = next.kind == Kind::Assign;
                    self.next_non_space();
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                }
                Kind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue,
                            _ => {
                                return Err(
                                    self.errorf("range can only initialize variables".into())
                                );
                            }
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => self.i = at,
            }
            break;
        }
        loop {
            let tok = self.next_non_space();
            if tok.kind == end {
                self.check_pipeline(&pipe, context)?;
                self.depth -= 1;
                return Ok(pipe);
            }
            match tok.kind {
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> R<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool(..)
                        | Arg::Dot(_)
                        | Arg::Nil(_)
                        | Arg::Number(..)
                        | Arg::String { .. }
                )
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> R<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let tok = self.next();
            match tok.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if args.is_empty() {
            return Err(self.errorf("empty command".into()));
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> R<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields: Vec<Arc<str>> = Vec::new();
        while self.peek().kind == Kind::Field {
            fields.push(self.next().val[1..].into());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos, idents }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos, idents }
            }
            Arg::Bool(..) | Arg::String { .. } | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    quote(&node.to_string())
                )));
            }
            other => Arg::Chain {
                pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> R<Option<Arg>> {
        let tok = self.next_non_space();
        let pos = tok.pos;
        Ok(Some(match tok.kind {
            Kind::Identifier => {
                if !(self.has_func)(&tok.val) {
                    return Err(self.errorf(format!("function {} not defined", quote(&tok.val))));
                }
                Arg::Ident {
                    pos,
                    name: tok.val.as_ref().into(),
                }
            }
            Kind::Dot => Arg::Dot(pos),
            Kind::Nil => Arg::Nil(pos),
            Kind::Variable => {
                if !self.vars.iter().any(|v| **v == *tok.val) {
                    return Err(self.errorf(format!("undefined variable {}", quote(&tok.val))));
                }
                Arg::Variable {
                    pos,
                    idents: vec![tok.val.as_ref().into()],
                }
            }
            Kind::Field => Arg::Field {
                pos,
                idents: vec![tok.val[1..].into()],
            },
            Kind::Bool => Arg::Bool(pos, tok.val == "true"),
            Kind::CharConstant | Kind::Complex | Kind::Number => {
                let n = crate::number::parse_number(&tok.val, tok.kind == Kind::CharConstant)
                    .map_err(|e| self.errorf(e))?;
                Arg::Number(pos, Box::new(n))
            }
            Kind::LeftParen => Arg::Pipe(Box::new(crate::exec::grow(|| {
                self.pipeline("parenthesized pipeline", Kind::RightParen)
            })?)),
            Kind::String | Kind::RawString => {
                let text = unquote(&tok.val).map_err(|e| self.errorf(e))?;
                Arg::String {
                    pos,
                    quoted: tok.val.as_ref().into(),
                    text: text.into(),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}
