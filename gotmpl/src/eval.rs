//! Evaluation of pipelines, commands, field chains, function and method calls,
//! with Go's argument conversion rules and error messages.

use std::sync::Arc;

use crate::builtins::Builtin;
use crate::exec::{R, State, Val};
use crate::funcs::{ArgKind, Context, Func, Imp};
use crate::node::{Arg, At, Command, Pipe};
use crate::quote::quote;
use crate::set::MissingKey;
use crate::value::Value;

impl<'a> State<'a> {
    pub fn eval_pipeline(&mut self, dot: &Val, pipe: &'a Pipe) -> R<Val> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.unwrap_iface());
        }
        let value = value.unwrap_or(Val::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(var, value.clone())?;
            } else {
                self.vars.push((var.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Val>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.err(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &'a Command, fin: Option<Val>) -> R<Val> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                self.eval_field_chain(dot, dot.clone(), first, idents, &cmd.args, fin)
            }
            Arg::Chain { node, fields, .. } => {
                self.eval_chain(dot, first, node, fields, &cmd.args, fin)
            }
            Arg::Ident { name, .. } => {
                self.eval_function(dot, first, At::Command(cmd), name, &cmd.args[1..], fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                crate::exec::grow(|| self.eval_pipeline(dot, p))
            }
            Arg::Variable { idents, .. } => self.eval_variable(dot, first, idents, &cmd.args, fin),
            _ => {
                self.at = At::Arg(first);
                self.not_a_function(&cmd.args, &fin)?;
                match first {
                    Arg::Nil(_) => Err(self.err("nil is not a command")),
                    Arg::Dot(_) => Ok(dot.clone()),
                    _ => self.literal(first),
                }
            }
        }
    }

    /// A literal's untyped constant value (Go's `idealConstant`).
    fn literal(&self, arg: &Arg) -> R<Val> {
        match arg {
            Arg::Bool(_, b) => Ok(Val::Conc(Value::Bool(*b))),
            Arg::String { text, .. } => Ok(Val::Conc(Value::String(text.clone()))),
            Arg::Number(_, n) => match &n.ideal {
                Ok(v) => Ok(Val::Conc(v.clone())),
                Err(e) => Err(self.err(e.clone())),
            },
            _ => Err(self.err(format!(
                "can't evaluate command {}",
                quote(&arg.to_string())
            ))),
        }
    }

    fn eval_chain(
        &mut self,
        dot: &Val,
        chain: &'a Arg,
        node: &'a Arg,
        fields: &[Arc<str>],
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(chain);
        if matches!(node, Arg::Nil(_)) {
            return Err(self.err(format!("indirection through explicit nil in {chain}")));
        }
        let recv = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, recv, chain, fields, args, fin)
    }

    fn eval_variable(
        &mut self,
        dot: &Val,
        var: &'a Arg,
        idents: &[Arc<str>],
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(var);
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, var, &idents[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Val,
        receiver: Val,
        node: &'a Arg,
        idents: &[Arc<str>],
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let (last, init) = idents
            .split_last()
            .ok_or_else(|| self.err("empty field chain"))?;
        let mut recv = receiver;
        for id in init {
            recv = self.eval_field(dot, id, node, &[], None, recv)?;
        }
        self.eval_field(dot, last, node, args, fin, recv)
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        node: &'a Arg,
        args: &'a [Arg],
        fin: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        let has_args = args.len() > 1 || fin.is_some();
        let v = match &receiver {
            Val::Invalid => {
                if self.env.options.missing_key == MissingKey::Error {
                    return Err(self.err(format!("nil data; no entry for key {}", quote(name))));
                }
                return Ok(Val::Invalid);
            }
            Val::Iface(Value::Nil) => {
                return Err(self.err(format!("nil pointer evaluating interface {{}}.{name}")));
            }
            Val::Iface(v) | Val::Conc(v) => v,
        };
        match v {
            Value::Object(o) => {
                if o.has_method(name) {
                    let rest = args.get(1..).unwrap_or(&[]);
                    let argv = self.eval_args(dot, None, rest, fin)?;
                    self.at = At::Arg(node);
                    let values: Vec<Value> = argv.iter().map(Val::value).collect();
                    return match o.call_method(name, &values) {
                        Ok(v) => Ok(Val::conc(v)),
                        Err(e) => Err(self.err(format!("error calling {name}: {e}"))),
                    };
                }
                match o.field(name) {
                    Some(_) if has_args => Err(self.err(format!(
                        "{name} has arguments but cannot be invoked as function"
                    ))),
                    Some(Value::Nil) => Ok(Val::Iface(Value::Nil)),
                    Some(f) => Ok(Val::Conc(f)),
                    None => Err(self.err(format!(
                        "can't evaluate field {name} in type {}",
                        receiver.type_name()
                    ))),
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(self.err(format!("{name} is not a method but has arguments")));
                }
                match m.get(name) {
                    Some(x) => Ok(Val::Iface(x)),
                    None => match self.env.options.missing_key {
                        MissingKey::Default => Ok(Val::Invalid),
                        MissingKey::Zero => Ok(Val::Iface(Value::Nil)),
                        MissingKey::Error => {
                            Err(self.err(format!("map has no entry for key {}", quote(name))))
                        }
                    },
                }
            }
            _ => Err(self.err(format!(
                "can't evaluate field {name} in type {}",
                receiver.type_name()
            ))),
        }
    }

    /// Calls function `name`; `args` excludes the function's own node.
    fn eval_function(
        &mut self,
        dot: &Val,
        ident: &'a Arg,
        cmd: At<'a>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(ident);
        let Some(f) = self.env.funcs.find(name) else {
            return Err(self.err(format!("{} is not a defined function", quote(name))));
        };
        self.eval_call(dot, &f, name, cmd, args, fin)
    }

    fn eval_call(
        &mut self,
        dot: &Val,
        f: &Func,
        name: &str,
        cmd: At<'a>,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let num_in = args.len() + usize::from(fin.is_some());
        if let Some(sig) = &f.sig {
            let fixed = sig.params.len();
            if sig.variadic.is_some() {
                if num_in < fixed {
                    return Err(self.err(format!(
                        "wrong number of args for {name}: want at least {fixed} got {}",
                        args.len()
                    )));
                }
            } else if num_in != fixed {
                return Err(self.err(format!(
                    "wrong number of args for {name}: want {fixed} got {num_in}"
                )));
            }
        }
        if let Imp::Builtin(b @ (Builtin::And | Builtin::Or)) = f.imp {
            // Go 1.18+: evaluation stops at the first argument that decides.
            let mut v = Val::Invalid;
            for a in args {
                v = self.eval_arg(dot, Some(ArgKind::Any), a)?;
                if v.truth() == (b == Builtin::Or) {
                    return Ok(v);
                }
            }
            return Ok(fin.unwrap_or(v));
        }
        let argv = self.eval_args(
            dot,
            f.sig.as_ref().map(|s| (&s.params[..], s.variadic)),
            args,
            fin,
        )?;
        self.at = cmd;
        let result = match &f.imp {
            Imp::Builtin(b) => crate::builtins::call(*b, args, &argv),
            Imp::Plain(p) => {
                let values: Vec<Value> = argv.iter().map(Val::value).collect();
                p(&values).map(Val::Iface)
            }
            Imp::Context(c) => {
                let values: Vec<Value> = argv.iter().map(Val::value).collect();
                let ctx = Context {
                    env: self.env,
                    depth: self.depth,
                    template: &self.tree.name,
                };
                c(&ctx, &values).map(Val::Iface)
            }
        };
        result.map_err(|e| self.err(format!("error calling {name}: {e}")))
    }

    /// Evaluates call arguments (and the piped final value) against a signature.
    fn eval_args(
        &mut self,
        dot: &Val,
        sig: Option<(&[ArgKind], Option<ArgKind>)>,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Vec<Val>> {
        let kind = |i: usize| match sig {
            None => ArgKind::Any,
            Some((params, variadic)) => params.get(i).copied().or(variadic).unwrap_or(ArgKind::Any),
        };
        let mut argv = Vec::with_capacity(args.len() + 1);
        for (i, a) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, Some(kind(i)), a)?);
        }
        if let Some(f) = fin {
            let k = kind(argv.len());
            argv.push(self.validate(f, Some(k))?);
        }
        Ok(argv)
    }

    /// Go's `evalArg`: `typ` is `None` for a chain receiver (no conversion).
    fn eval_arg(&mut self, dot: &Val, typ: Option<ArgKind>, n: &'a Arg) -> R<Val> {
        self.at = At::Arg(n);
        let v = match n {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return match typ {
                    None | Some(ArgKind::Any) => Ok(Val::Invalid),
                    Some(k) => Err(self.err(format!("cannot assign nil to {}", k.go_name()))),
                };
            }
            Arg::Field { idents, .. } => {
                self.eval_field_chain(dot, dot.clone(), n, idents, std::slice::from_ref(n), None)?
            }
            Arg::Variable { idents, .. } => self.eval_variable(dot, n, idents, &[], None)?,
            Arg::Pipe(p) => crate::exec::grow(|| self.eval_pipeline(dot, p))?,
            Arg::Ident { name, .. } => self.eval_function(dot, n, At::Arg(n), name, &[], None)?,
            Arg::Chain { node, fields, .. } => self.eval_chain(dot, n, node, fields, &[], None)?,
            _ => return self.literal_as(typ.unwrap_or(ArgKind::Any), n),
        };
        self.validate(v, typ)
    }

    /// A literal argument for a parameter of kind `k` (Go's `evalBool`, `evalString`, ...).
    fn literal_as(&self, k: ArgKind, n: &Arg) -> R<Val> {
        let found = |what: &str| self.err(format!("expected {what}; found {n}"));
        match (k, n) {
            (ArgKind::Any, _) => self.literal(n),
            (ArgKind::Bool, Arg::Bool(_, b)) => Ok(Val::Conc(Value::Bool(*b))),
            (ArgKind::Bool, _) => Err(found("bool")),
            (ArgKind::String, Arg::String { text, .. }) => {
                Ok(Val::Conc(Value::String(text.clone())))
            }
            (ArgKind::String, _) => Err(found("string")),
            (ArgKind::Int, Arg::Number(_, num)) if num.int.is_some() => {
                Ok(Val::Conc(Value::Int(num.int.unwrap_or_default())))
            }
            (ArgKind::Int, _) => Err(found("integer")),
            (ArgKind::Float, Arg::Number(_, num)) if num.float.is_some() => {
                Ok(Val::Conc(Value::Float(num.float.unwrap_or_default())))
            }
            (ArgKind::Float, _) => Err(found("float")),
        }
    }

    /// Go's `validateType`: checks (and unwraps) a computed value for a parameter.
    fn validate(&self, v: Val, typ: Option<ArgKind>) -> R<Val> {
        let k = match typ {
            None | Some(ArgKind::Any) => return Ok(v),
            Some(k) => k,
        };
        let inner = match &v {
            Val::Invalid => {
                return Err(self.err(format!("invalid value; expected {}", k.go_name())));
            }
            Val::Iface(Value::Nil) => None,
            Val::Iface(x) | Val::Conc(x) => Some(x),
        };
        let ok = matches!(
            (k, inner),
            (ArgKind::String, Some(Value::String(_)))
                | (ArgKind::Int, Some(Value::Int(_)))
                | (ArgKind::Float, Some(Value::Float(_)))
                | (ArgKind::Bool, Some(Value::Bool(_)))
        );
        match inner {
            Some(x) if ok => Ok(Val::Conc(x.clone())),
            Some(x) => Err(self.err(format!(
                "wrong type for value; expected {}; got {}",
                k.go_name(),
                x.type_name()
            ))),
            None => Err(self.err(format!(
                "wrong type for value; expected {}; got interface {{}}",
                k.go_name()
            ))),
        }
    }
}
