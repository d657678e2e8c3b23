//! Go's `fmt` package for template values: `Sprint`, `Sprintln`, `Sprintf` with
//! verbs, flags, width, precision and argument indexes, and Go's error forms
//! (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA int=1)`).

use crate::quote::{can_backquote, quote_rune, quote_with};
use crate::value::{MAX_DEPTH, Value};

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer<'o> {
    out: &'o mut String,
    f: Flags,
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

fn parse_num(b: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let mut n: usize = 0;
    let mut any = false;
    while i < b.len() && b[i].is_ascii_digit() {
        if n > 1_000_000 {
            return (None, b.len());
        }
        n = n * 10 + usize::from(b[i] - b'0');
        any = true;
        i += 1;
    }
    (any.then_some(n), i)
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut p = Printer {
        out: &mut out,
        f: Flags::default(),
    };
    let b = format.as_bytes();
    let end = b.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let start = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        p.out.push_str(&format[start..i]);
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        while i < end {
            match b[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good = true;
        let mut after_index;
        // An explicit argument index "[n]" (1-based).
        let arg_index = |i: usize,
                         arg_num: usize,
                         good: &mut bool,
                         reordered: &mut bool|
         -> (usize, usize, bool) {
            if i >= end || b[i] != b'[' {
                return (arg_num, i, false);
            }
            *reordered = true;
            let close = format[i..].find(']').map(|x| i + x);
            match close {
                Some(c) => {
                    let (n, ni) = parse_num(b, i + 1);
                    match n {
                        Some(n) if ni == c && n >= 1 && n - 1 < args.len() => (n - 1, c + 1, true),
                        Some(_) if ni == c => {
                            *good = false;
                            (arg_num, c + 1, true)
                        }
                        _ => {
                            *good = false;
                            (arg_num, c + 1, false)
                        }
                    }
                }
                None => {
                    *good = false;
                    (arg_num, i + 1, false)
                }
            }
        };
        (arg_num, i, after_index) = arg_index(i, arg_num, &mut good, &mut reordered);
        if i < end && b[i] == b'*' {
            i += 1;
            let (w, ok) = int_from_arg(args, arg_num);
            arg_num += usize::from(arg_num < args.len());
            if !ok {
                p.out.push_str("%!(BADWIDTH)");
            } else if w < 0 {
                p.f.minus = true;
                p.f.zero = false;
                p.f.wid = Some(w.unsigned_abs() as usize);
            } else {
                p.f.wid = Some(w as usize);
            }
            after_index = false;
        } else {
            let (w, ni) = parse_num(b, i);
            p.f.wid = w;
            i = ni;
            if after_index && w.is_some() {
                good = false;
            }
        }
        if i + 1 < end && b[i] == b'.' {
            i += 1;
            if after_index {
                good = false;
            }
            (arg_num, i, after_index) = arg_index(i, arg_num, &mut good, &mut reordered);
            if i < end && b[i] == b'*' {
                i += 1;
                let (pr, ok) = int_from_arg(args, arg_num);
                arg_num += usize::from(arg_num < args.len());
                if !ok || pr < 0 {
                    p.f.prec = None;
                    if !ok {
                        p.out.push_str("%!(BADPREC)");
                    }
                } else {
                    p.f.prec = Some(pr as usize);
                }
                after_index = false;
            } else {
                let (pr, ni) = parse_num(b, i);
                p.f.prec = Some(pr.unwrap_or(0));
                i = ni;
            }
        }
        if !after_index {
            (arg_num, i, _) = arg_index(i, arg_num, &mut good, &mut reordered);
        }
        if i >= end {
            p.out.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('%');
        i += verb.len_utf8();
        if verb == '%' {
            p.out.push('%');
        } else if !good {
            p.out.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            p.out.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            p.print_arg(&args[arg_num], verb);
            arg_num += 1;
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.out.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.out.push_str(", ");
            }
            if a.is_nil() {
                p.out.push_str("<nil>");
            } else {
                p.out.push_str(&a.type_name());
                p.out.push('=');
                p.print_arg(a, 'v');
            }
        }
        p.out.push(')');
    }
    out
}

fn int_from_arg(args: &[Value], n: usize) -> (i64, bool) {
    match args.get(n) {
        Some(Value::Int(i)) if i.unsigned_abs() <= 1_000_000 => (*i, true),
        _ => (0, false),
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

    fn print_arg(&mut self, a: &Value, verb: char) {
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
                    self.print_value(&Value::from(k.as_str()), verb, depth + 1);
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
