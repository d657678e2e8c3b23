//! Go's `fmt.Sprintf` format strings: flags, width, precision, `*`, argument
//! indexes `[n]`, and the `%!verb(MISSING)`, `%!(EXTRA ...)`, `%!(NOVERB)` forms.

use crate::gofmt::{Flags, Printer};
use crate::value::Value;

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
