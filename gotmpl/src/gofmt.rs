//! Go's `fmt` printing of template values: `Sprint`, `Sprintln`, and each verb
//! with its flags, width and precision, including Go's `%!d(string=x)` form for a
//! verb that does not fit the value.

use crate::quote::{can_backquote, quote_rune, quote_with};
use crate::value::{MAX_DEPTH, Value};

#[derive(Clone, Copy, Default)]
pub(crate) struct Flags {
    pub plus: bool,
    pub minus: bool,
    pub sharp: bool,
    pub space: bool,
    pub zero: bool,
    pub plus_v: bool,
    pub sharp_v: bool,
    pub wid: Option<usize>,
    pub prec: Option<usize>,
}

pub(crate) struct Printer<'o> {
    pub out: &'o mut String,
    pub f: Flags,
}

/// Go's `fmt.Sprint`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut p = Printer {
        out: &mut out,
        f: Flags::default(),
    };
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            p.out.push(' ');
        }
        p.print_arg(a, 'v');
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln`: spaces between all operands and a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    let mut p = Printer {
        out: &mut out,
        f: Flags::default(),
    };
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.out.push(' ');
        }
        p.print_arg(a, 'v');
    }
    out.push('\n');
    out
}

/// Appends `fmt.Sprint(v)` (what an action prints).
pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Int(i) => out.push_str(&i.to_string()),
        _ => Printer {
            out,
            f: Flags::default(),
        }
        .print_arg(v, 'v'),
    }
}

impl Printer<'_> {
    fn padding(&mut self, n: usize) {
        let c = if self.f.zero { '0' } else { ' ' };
        self.out.extend(std::iter::repeat_n(c, n));
    }

    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid else {
            self.out.push_str(s);
            return;
        };
        let n = w.saturating_sub(s.chars().count());
        if self.f.minus {
            self.out.push_str(s);
            self.padding(n);
        } else {
            self.padding(n);
            self.out.push_str(s);
        }
    }

    fn bad_verb(&mut self, verb: char, arg: Option<&Value>) {
        self.out.push_str("%!");
        self.out.push(verb);
        self.out.push('(');
        match arg {
            Some(a) if !a.is_nil() => {
                self.out.push_str(&a.type_name());
                self.out.push('=');
                self.print_arg(a, 'v');
            }
            _ => self.out.push_str("<nil>"),
        }
        self.out.push(')');
    }

    pub(crate) fn print_arg(&mut self, a: &Value, verb: char) {
        if a.is_nil() {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, None),
            }
            return;
        }
        if verb == 'T' {
            let t = a.type_name();
            self.fmt_s(&t);
            return;
        }
        self.print_value(a, verb, 0);
    }

    fn print_value(&mut self, a: &Value, verb: char, depth: usize) {
        if depth > MAX_DEPTH {
            self.out.push_str("...");
            return;
        }
        if depth % 16 == 15 {
            return crate::exec::grow(|| self.print_value_inner(a, verb, depth));
        }
        self.print_value_inner(a, verb, depth)
    }

    fn print_value_inner(&mut self, a: &Value, verb: char, depth: usize) {
        match a {
            Value::Nil => {
                self.out.push_str(if self.f.sharp_v {
                    "interface {}(nil)"
                } else {
                    "<nil>"
                });
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, Some(a)),
            },
            Value::Int(i) => self.fmt_integer(*i, verb, a),
            Value::Float(x) => self.fmt_float(*x, verb, a),
            Value::String(s) => self.fmt_string(s, verb, a),
            Value::List(items) => {
                if self.f.sharp_v {
                    self.out.push_str("[]interface {}{");
                } else {
                    self.out.push('[');
                }
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(e, verb, depth + 1);
                }
                self.out.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Map(m) => {
                self.out.push_str(if self.f.sharp_v {
                    "map[string]interface {}{"
                } else {
                    "map["
                });
                for (i, (k, v)) in m.entries().iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::String(k.clone()), verb, depth + 1);
                    self.out.push(':');
                    self.print_value(v, verb, depth + 1);
                }
                self.out.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => match verb {
                'v' | 's' | 'x' | 'X' | 'q' => {
                    let s = o.display();
                    self.fmt_string(&s, verb, a);
                }
                _ => match o.as_value() {
                    Some(inner) => self.print_value(&inner, verb, depth + 1),
                    None => self.bad_verb(verb, Some(&Value::from(o.display()))),
                },
            },
            Value::Func(_) => self.pad("<func>"),
        }
    }

    fn fmt_integer(&mut self, i: i64, verb: char, a: &Value) {
        match verb {
            'v' | 'd' => self.fmt_int(i, 10, verb, false),
            'b' => self.fmt_int(i, 2, verb, false),
            'o' | 'O' => self.fmt_int(i, 8, verb, false),
            'x' => self.fmt_int(i, 16, verb, false),
            'X' => self.fmt_int(i, 16, verb, true),
            'c' => {
                let c = rune_of(i);
                self.pad(&c.to_string());
            }
            'q' => {
                let q = quote_rune(rune_of(i), self.f.plus);
                self.pad(&q);
            }
            'U' => self.fmt_unicode(i as u64),
            _ => self.bad_verb(verb, Some(a)),
        }
    }

    fn fmt_int(&mut self, i: i64, base: u32, verb: char, upper: bool) {
        let negative = i < 0;
        let mut u = i.unsigned_abs();
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let zero = self.f.zero;
                self.f.zero = false;
                self.padding(self.f.wid.unwrap_or(0));
                self.f.zero = zero;
                return;
            }
        } else if self.f.zero
            && !self.f.minus
            && let Some(w) = self.f.wid
        {
            prec = w;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let digits: &[u8] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let mut buf: Vec<u8> = Vec::with_capacity(24);
        loop {
            buf.push(digits[(u % u64::from(base)) as usize]);
            u /= u64::from(base);
            if u == 0 {
                break;
            }
        }
        while buf.len() < prec {
            buf.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => buf.extend_from_slice(b"b0"),
                8 if buf.last() != Some(&b'0') => buf.push(b'0'),
                16 => buf.extend_from_slice(if upper { b"X0" } else { b"x0" }),
                _ => {}
            }
        }
        if verb == 'O' {
            buf.extend_from_slice(b"o0");
        }
        if negative {
            buf.push(b'-');
        } else if self.f.plus {
            buf.push(b'+');
        } else if self.f.space {
            buf.push(b' ');
        }
        buf.reverse();
        let s = String::from_utf8_lossy(&buf).into_owned();
        let zero = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = zero;
    }

    fn fmt_unicode(&mut self, u: u64) {
        let prec = self.f.prec.filter(|&p| p > 4).unwrap_or(4);
        let mut s = format!("U+{u:0prec$X}");
        if self.f.sharp
            && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32)
            && crate::quote::is_print(c)
        {
            s.push_str(&format!(" '{c}'"));
        }
        let zero = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = zero;
    }

    fn fmt_float(&mut self, x: f64, verb: char, a: &Value) {
        let (fmt, default_prec) = match verb {
            'v' => ('g', -1),
            'g' | 'G' => (verb, -1),
            'e' | 'E' | 'f' => (verb, 6),
            'F' => ('f', 6),
            _ => return self.bad_verb(verb, Some(a)),
        };
        let prec = self
            .f
            .prec
            .map_or(default_prec, |p| p.min(1_000_000) as i32);
        let mut num = crate::float::format(x, fmt, prec);
        if !num.starts_with(['-', '+']) {
            num.insert(0, '+');
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if num[1..].starts_with(['I', 'N']) {
            let zero = self.f.zero;
            self.f.zero = false;
            if num[1..].starts_with('N') && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = zero;
            return;
        }
        if self.f.plus || !num.starts_with('+') {
            if self.f.zero
                && let Some(w) = self.f.wid.filter(|&w| w > num.len())
            {
                self.out.push_str(&num[..1]);
                self.padding(w - num.len());
                self.out.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    fn fmt_string(&mut self, s: &str, verb: char, a: &Value) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, false),
            'X' => self.fmt_sx(s, true),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, Some(a)),
        }
    }

    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        match self.f.prec {
            Some(p) => s.char_indices().nth(p).map_or(s, |(i, _)| &s[..i]),
            None => s,
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let t = self.truncate(s);
        self.pad(t);
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            self.pad(&format!("`{s}`"));
        } else {
            let q = quote_with(s, self.f.plus);
            self.pad(&q);
        }
    }

    fn fmt_sx(&mut self, s: &str, upper: bool) {
        let bytes = s.as_bytes();
        let length = self.f.prec.map_or(bytes.len(), |p| p.min(bytes.len()));
        let mut width = 2 * length;
        if width == 0 {
            if let Some(w) = self.f.wid {
                self.padding(w);
            }
            return;
        }
        if self.f.space {
            if self.f.sharp {
                width *= 2;
            }
            width += length - 1;
        } else if self.f.sharp {
            width += 2;
        }
        let wid = self.f.wid.unwrap_or(0);
        if wid > width && !self.f.minus {
            self.padding(wid - width);
        }
        let digits: &[u8] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let prefix = if upper { "0X" } else { "0x" };
        if self.f.sharp {
            self.out.push_str(prefix);
        }
        for (i, &c) in bytes[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                self.out.push(' ');
                if self.f.sharp {
                    self.out.push_str(prefix);
                }
            }
            self.out.push(char::from(digits[usize::from(c >> 4)]));
            self.out.push(char::from(digits[usize::from(c & 0xF)]));
        }
        if wid > width && self.f.minus {
            self.padding(wid - width);
        }
    }
}

fn rune_of(i: i64) -> char {
    u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}')
}
