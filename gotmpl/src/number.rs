//! Number literals as Go's parser reads them (`strconv.ParseInt(s, 0, 64)`,
//! `ParseUint`, `ParseFloat`, character constants), and the untyped constant a
//! literal evaluates to.

use crate::node::Number;
use crate::value::Value;

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let b = s.trim_start_matches(['+', '-']).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.to_ascii_lowercase().is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with(['+', '-']) {
        return None;
    }
    let (radix, digits) = match s.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, &s[2..]),
        [b'0', b'o' | b'O', ..] => (8, &s[2..]),
        [b'0', b'b' | b'B', ..] => (2, &s[2..]),
        [b'0', _, ..] => (8, &s[1..]),
        _ => (10, s),
    };
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg {
        if u <= i64::MAX as u64 + 1 {
            Some((u as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for Go float literal syntax (decimal and hex).
fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 2 && (body.starts_with("0x") || body.starts_with("0X")) {
        parse_hex_float(&body[2..])?
    } else {
        if !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// The part of a hex float after `0x`: mantissa digits, optional point, `p` exponent.
fn parse_hex_float(s: &str) -> Option<f64> {
    let p = s.find(['p', 'P'])?;
    let (mant, exp) = (&s[..p], &s[p + 1..]);
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        m = m * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exp.checked_sub(4 * i32::try_from(frac_part.len()).ok()?)?;
    Some(m * 2f64.powi(shift))
}

/// Go's `newNumber` for a number literal: its int reading (if any) and float
/// reading (if any).
fn read_number(text: &str) -> Result<(Option<i64>, Option<f64>), String> {
    if text.ends_with('i') {
        return Err(format!("complex constants are not supported: {text}"));
    }
    if let Some(i) = parse_int(text) {
        return Ok((Some(i), Some(i as f64)));
    }
    if let Some(u) = parse_uint(text) {
        return Ok((None, Some(u as f64)));
    }
    let Some(f) = parse_float(text) else {
        return Err(format!(
            "illegal number syntax: {}",
            crate::quote::quote(text)
        ));
    };
    // A float reading of something that looks like an integer means it overflowed.
    if !text.contains(['.', 'e', 'E', 'p', 'P']) {
        return Err(format!("integer overflow: {}", crate::quote::quote(text)));
    }
    let int = (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64);
    Ok((int, Some(f)))
}

/// Reads a number or character-constant literal like Go's `newNumber`, then
/// computes its untyped constant value like Go's `idealConstant`.
pub(crate) fn parse_number(text: &str, is_char: bool) -> Result<Number, String> {
    let (int, float) = if is_char {
        let (c, tail) = crate::quote::unquote_char(&text[1..], '\'')?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        (Some(i64::from(u32::from(c))), Some(f64::from(u32::from(c))))
    } else {
        read_number(text)?
    };
    let is_hex_int = text.len() > 2
        && text.starts_with('0')
        && matches!(text.as_bytes()[1], b'x' | b'X')
        && !text.contains(['p', 'P']);
    let ideal = match (int, float) {
        (_, Some(f)) if !is_char && !is_hex_int && text.contains(['.', 'e', 'E', 'p', 'P']) => {
            Ok(Value::Float(f))
        }
        (Some(i), _) => Ok(Value::Int(i)),
        _ => Err(format!("{text} overflows int")),
    };
    Ok(Number {
        text: text.into(),
        int,
        float,
        ideal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ideal(s: &str) -> Result<Value, String> {
        parse_number(s, s.starts_with('\'')).and_then(|n| n.ideal)
    }

    #[test]
    fn integer_forms() {
        assert_eq!(ideal("42"), Ok(Value::Int(42)));
        assert_eq!(ideal("-7"), Ok(Value::Int(-7)));
        assert_eq!(ideal("0x1F"), Ok(Value::Int(31)));
        assert_eq!(ideal("0o17"), Ok(Value::Int(15)));
        assert_eq!(ideal("017"), Ok(Value::Int(15)));
        assert_eq!(ideal("0b101"), Ok(Value::Int(5)));
        assert_eq!(ideal("1_000_000"), Ok(Value::Int(1_000_000)));
        assert_eq!(ideal("0x1e3"), Ok(Value::Int(0x1e3)));
        assert_eq!(ideal("'a'"), Ok(Value::Int(97)));
        assert_eq!(ideal(r"'\n'"), Ok(Value::Int(10)));
    }

    #[test]
    fn float_forms() {
        assert_eq!(ideal("1.5"), Ok(Value::Float(1.5)));
        assert_eq!(ideal("1e3"), Ok(Value::Float(1000.0)));
        assert_eq!(ideal(".5"), Ok(Value::Float(0.5)));
        assert_eq!(ideal("0x1p4"), Ok(Value::Float(16.0)));
        assert_eq!(ideal("0x1.8p1"), Ok(Value::Float(3.0)));
        assert_eq!(ideal("1_0.2_5"), Ok(Value::Float(10.25)));
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(
            ideal("99999999999999999999"),
            Err("integer overflow: \"99999999999999999999\"".into())
        );
        assert_eq!(
            ideal("18446744073709551615"),
            Err("18446744073709551615 overflows int".into())
        );
        assert_eq!(ideal("1__0"), Err("illegal number syntax: \"1__0\"".into()));
        assert!(ideal("1e999").is_err());
    }
}
