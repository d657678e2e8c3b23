//! go-yaml v2's resolution of plain scalars (YAML 1.1: `yes`/`on` are booleans,
//! `0755` is octal, `~` is null), used both to read values and to decide which
//! strings `toYaml` must quote.

use std::sync::LazyLock;

use regex::Regex;

/// What a plain scalar means to go-yaml v2.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Looks like a timestamp; go-yaml keeps it as a string for `interface{}`.
    Timestamp,
    /// The merge key `<<`.
    Merge,
    Str,
}

static YAML_STYLE_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").expect("static regex")
});
static BASE60_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("static regex")
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?))?$",
    )
    .expect("static regex")
});

/// Resolves a plain (untagged) scalar as go-yaml v2's `resolve("", s)` does.
pub fn resolve(s: &str) -> Resolved {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(b'<') => b'<',
        Some(_) => 0,
    };
    if hint == 0 {
        return Resolved::Str;
    }
    if let Some(r) = lookup(s) {
        return r;
    }
    match hint {
        b'.' => match s.parse::<f64>() {
            Ok(f) if go_float_syntax(s) => Resolved::Float(f),
            _ => Resolved::Str,
        },
        b'D' | b'S' => resolve_number(s),
        _ => Resolved::Str,
    }
}

fn lookup(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

fn resolve_number(s: &str) -> Resolved {
    if is_timestamp(s) {
        return Resolved::Timestamp;
    }
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Resolved::Uint(u);
    }
    if YAML_STYLE_FLOAT.is_match(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Resolved::Float(f);
    }
    if let Some(bin) = plain.strip_prefix("0b") {
        if let Ok(i) = i64::from_str_radix(bin, 2)
            && !bin.starts_with(['+', '-'])
        {
            return Resolved::Int(i);
        }
        if let Ok(u) = u64::from_str_radix(bin, 2)
            && !bin.starts_with('+')
        {
            return Resolved::Uint(u);
        }
    } else if let Some(bin) = plain.strip_prefix("-0b")
        && !bin.starts_with(['+', '-'])
        && let Ok(i) = i64::from_str_radix(&format!("-{bin}"), 2)
    {
        return Resolved::Int(i);
    }
    Resolved::Str
}

/// Whether Go's `strconv.ParseFloat` accepts the text (Rust also accepts `inf`, `nan`).
fn go_float_syntax(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'))
}

/// Go's `strconv.ParseInt(s, 0, 64)` without underscores.
pub fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = go_parse_uint(body)?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some((mag as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` without underscores.
pub fn go_parse_uint(s: &str) -> Option<u64> {
    let (radix, digits) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, r)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `isBase60Float`: such strings are quoted on output for old parsers.
pub fn is_base60_float(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'+' | b'-' | b'0'..=b'9') if s.contains(':') => BASE60_FLOAT.is_match(s),
        _ => false,
    }
}

/// go-yaml's `parseTimestamp` (the formats it tries with `time.Parse`).
pub fn is_timestamp(s: &str) -> bool {
    let Some(c) = TIMESTAMP.captures(s) else {
        return false;
    };
    let num = |i: usize| {
        c.get(i)
            .and_then(|m| m.as_str().parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (num(1), num(2), num(3));
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    let (h, m, sec) = if c.get(4).is_some() {
        (num(4), num(5), num(6))
    } else {
        (num(7), num(8), num(9))
    };
    h < 24 && m < 60 && sec < 60
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_words() {
        assert_eq!(resolve("yes"), Resolved::Bool(true));
        assert_eq!(resolve("Off"), Resolved::Bool(false));
        assert_eq!(resolve("y"), Resolved::Bool(true));
        assert_eq!(resolve("~"), Resolved::Null);
        assert_eq!(resolve(""), Resolved::Null);
        assert_eq!(resolve("<<"), Resolved::Merge);
        assert_eq!(resolve("hello"), Resolved::Str);
        assert_eq!(resolve("nope"), Resolved::Str);
    }

    #[test]
    fn numbers_like_go_yaml() {
        assert_eq!(resolve("0755"), Resolved::Int(493));
        assert_eq!(resolve("0x1F"), Resolved::Int(31));
        assert_eq!(resolve("1_000"), Resolved::Int(1000));
        assert_eq!(resolve("-12"), Resolved::Int(-12));
        assert_eq!(resolve("+1"), Resolved::Int(1));
        assert_eq!(resolve("08"), Resolved::Float(8.0));
        assert_eq!(resolve("1e3"), Resolved::Float(1000.0));
        assert_eq!(resolve("1.0"), Resolved::Float(1.0));
        assert_eq!(resolve(".5"), Resolved::Float(0.5));
        assert_eq!(resolve("0b101"), Resolved::Int(5));
        assert_eq!(resolve("18446744073709551615"), Resolved::Uint(u64::MAX));
        assert_eq!(resolve("1.2.3"), Resolved::Str);
        assert_eq!(resolve("-"), Resolved::Str);
        assert_eq!(resolve(".inf"), Resolved::Float(f64::INFINITY));
        assert_eq!(resolve(".x"), Resolved::Str);
    }

    #[test]
    fn timestamps_and_base60() {
        assert_eq!(resolve("2001-12-14"), Resolved::Timestamp);
        assert_eq!(resolve("2001-12-14T21:59:43.10Z"), Resolved::Timestamp);
        assert_eq!(resolve("2001-12-14 21:59:43.10"), Resolved::Timestamp);
        assert_eq!(resolve("2001-02-30"), Resolved::Str);
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("190:20:30.15"));
        assert!(!is_base60_float("12:70"));
        assert_eq!(resolve("12:30:45"), Resolved::Str);
    }
}
