//! Go's `strconv.FormatFloat` for the `e`, `f` and `g` formats, built on Rust's
//! exact shortest and fixed-precision digit generation.

/// Decimal digits (no leading/trailing zeros, except a lone "0") and the position
/// of the decimal point: value = 0.DIGITS × 10^dp.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

/// Parses Rust's `{:e}` output ("1.2345e3") into digits and decimal point.
fn from_exp_form(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d == [b'0'] {
        return Digits { d, dp: 1 };
    }
    Digits { d, dp: exp + 1 }
}

/// Shortest digits that round-trip.
fn shortest(v: f64) -> Digits {
    from_exp_form(&format!("{:e}", v.abs()))
}

/// Digits rounded to `n` (>= 1) significant digits.
fn significant(v: f64, n: usize) -> Digits {
    from_exp_form(&format!("{:.*e}", n - 1, v.abs()))
}

fn fmt_e(out: &mut String, dg: &Digits, prec: usize, e: char) {
    out.push(char::from(dg.d[0]));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(dg.d.get(i).map_or('0', |&c| char::from(c)));
        }
    }
    out.push(e);
    let exp = if dg.d == [b'0'] { 0 } else { dg.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
}

fn fmt_f(out: &mut String, dg: &Digits, prec: usize) {
    let digit = |i: i32| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| dg.d.get(i))
            .map_or('0', |&c| char::from(c))
    };
    if dg.dp > 0 {
        for i in 0..dg.dp {
            out.push(digit(i));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(digit(dg.dp + i as i32));
        }
    }
}

/// `strconv.FormatFloat(v, fmt, prec, 64)` for `fmt` in `eEfFgG`; `prec < 0`
/// means the shortest representation that round-trips.
pub(crate) fn format(v: f64, fmt: char, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    let upper = fmt.is_ascii_uppercase();
    let e = if upper { 'E' } else { 'e' };
    match fmt.to_ascii_lowercase() {
        'e' => {
            let dg = if prec < 0 {
                shortest(v)
            } else {
                significant(v, prec as usize + 1)
            };
            let p = if prec < 0 {
                dg.d.len() - 1
            } else {
                prec as usize
            };
            fmt_e(&mut out, &dg, p, e);
        }
        'f' => {
            if prec < 0 {
                let dg = shortest(v);
                let p = (dg.d.len() as i32 - dg.dp).max(0) as usize;
                fmt_f(&mut out, &dg, p);
            } else {
                out.push_str(&format!("{:.*}", prec as usize, v.abs()));
            }
        }
        _ => {
            let shortest_mode = prec < 0;
            let (dg, mut p) = if shortest_mode {
                let dg = shortest(v);
                let n = dg.d.len() as i32;
                (dg, n)
            } else {
                let p = prec.max(1);
                (significant(v, p as usize), p)
            };
            let nd = dg.d.len() as i32;
            let mut eprec = p;
            if eprec > nd && nd >= dg.dp {
                eprec = nd;
            }
            if shortest_mode {
                eprec = 6;
            }
            let exp = dg.dp - 1;
            if exp < -4 || exp >= eprec {
                if p > nd {
                    p = nd;
                }
                fmt_e(&mut out, &dg, (p - 1).max(0) as usize, e);
            } else {
                if p > dg.dp {
                    p = nd;
                }
                fmt_f(&mut out, &dg, (p - dg.dp).max(0) as usize);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn shortest_g_like_go_v() {
        // fmt's %v for float64 is strconv 'g' with shortest precision, which uses
        // exponent form when the exponent is < -4 or >= 6 (Go's eprec for shortest).
        assert_eq!(format(1e6, 'g', -1), "1e+06");
        assert_eq!(format(123456.0, 'g', -1), "123456");
        assert_eq!(format(1234567.0, 'g', -1), "1.234567e+06");
        assert_eq!(format(2.75, 'g', -1), "2.75");
        assert_eq!(format(100.0, 'g', -1), "100");
        assert_eq!(format(0.0001, 'g', -1), "0.0001");
        assert_eq!(format(0.00001, 'g', -1), "1e-05");
        assert_eq!(format(0.0, 'g', -1), "0");
        assert_eq!(format(-2.5, 'g', -1), "-2.5");
        assert_eq!(format(1e21, 'g', -1), "1e+21");
    }

    #[test]
    fn fixed_precision() {
        assert_eq!(format(1.23456, 'f', 2), "1.23");
        assert_eq!(format(2.5, 'f', 0), "2");
        assert_eq!(format(1.0, 'f', 6), "1.000000");
        assert_eq!(format(1234.5678, 'e', 2), "1.23e+03");
        assert_eq!(format(0.0, 'e', 6), "0.000000e+00");
        assert_eq!(format(1e-7, 'E', 1), "1.0E-07");
        assert_eq!(format(1e100, 'e', -1), "1e+100");
    }

    #[test]
    fn g_with_precision() {
        assert_eq!(format(100.0, 'g', 3), "100");
        assert_eq!(format(1e5, 'g', 3), "1e+05");
        assert_eq!(format(1.23456, 'g', 3), "1.23");
        assert_eq!(format(0.000012345, 'g', 2), "1.2e-05");
        assert_eq!(format(1.0, 'g', 0), "1");
    }

    #[test]
    fn special_values() {
        assert_eq!(format(f64::INFINITY, 'g', -1), "+Inf");
        assert_eq!(format(f64::NEG_INFINITY, 'f', 2), "-Inf");
        assert_eq!(format(f64::NAN, 'e', 2), "NaN");
        assert_eq!(format(-0.0, 'g', -1), "-0");
    }
}
