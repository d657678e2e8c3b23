//! Parsing inside actions: pipelines with declarations, commands, operands,
//! terms and field chains (Go's `pipeline`, `command`, `operand`, `term`).

use std::sync::Arc;

use crate::lex::Kind;
use crate::node::{Arg, Command, Pipe};
use crate::parse::{Parser, R};
use crate::quote::{quote, unquote};

impl Parser<'_, '_> {
    /// Declarations (`$x :=`, `$x =`, `$i, $v :=`) then commands separated by `|`.
    pub(crate) fn pipeline(&mut self, context: &str, end: Kind) -> R<Pipe> {
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
