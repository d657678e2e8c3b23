//! Go's `strconv` quoting rules: `Quote`, `QuoteRune`, `Unquote`, `UnquoteChar`.

/// Go's `unicode.IsPrint`, approximated with the standard library: letters, marks,
/// numbers, punctuation, symbols and the ASCII space; not controls, other spaces or
/// invisible format characters.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
            | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
            | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF
    )
}

fn push_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii_only {
        if c.is_ascii() && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    quote_with(s, false)
}

/// `strconv.Quote` (`ascii_only == false`) or `strconv.QuoteToASCII`.
pub(crate) fn quote_with(s: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"', ascii_only);
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune` / `QuoteRuneToASCII`.
pub(crate) fn quote_rune(c: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'', ascii_only);
    out.push('\'');
    out
}

/// `strconv.CanBackquote`.
pub(crate) fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| {
        if c.len_utf8() > 1 {
            return c != '\u{feff}';
        }
        !((c < ' ' && c != '\t') || c == '`' || c == '\u{7f}')
    })
}

/// Go's `%#U` of a rune: `U+0023 '#'`.
pub(crate) fn unicode_hash(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// `strconv.UnquoteChar`: one (possibly escaped) character of a quoted literal.
/// Returns the character and the rest of the input.
pub(crate) fn unquote_char(s: &str, quote: char) -> Result<(char, &str), String> {
    let bad = || "invalid syntax".to_string();
    let mut chars = s.chars();
    let c = chars.next().ok_or_else(bad)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(bad());
    }
    if c != '\\' {
        return Ok((c, chars.as_str()));
    }
    let e = chars.next().ok_or_else(bad)?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((c, rest));
    }
    let hex = |n: usize| -> Result<(u32, &str), String> {
        let digits = rest.get(..n).ok_or_else(bad)?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| bad())?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok((v, &rest[n..]))
    };
    match e {
        // Go's \x escapes are bytes; in a Rust string only ASCII bytes can stand alone.
        'x' => {
            let (v, r) = hex(2)?;
            let c = char::from_u32(v).filter(|c| c.is_ascii()).ok_or_else(bad)?;
            Ok((c, r))
        }
        'u' | 'U' => {
            let (v, r) = hex(if e == 'u' { 4 } else { 8 })?;
            Ok((char::from_u32(v).ok_or_else(bad)?, r))
        }
        '0'..='7' => {
            let digits = s.get(1..4).ok_or_else(bad)?;
            let v = u32::from_str_radix(digits, 8).map_err(|_| bad())?;
            if v > 255 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(bad());
            }
            let c = char::from_u32(v).filter(|c| c.is_ascii()).ok_or_else(bad)?;
            Ok((c, &s[4..]))
        }
        _ => Err(bad()),
    }
}

/// `strconv.Unquote` for `"..."`, `` `...` `` and `'x'` literals.
pub(crate) fn unquote(s: &str) -> Result<String, String> {
    let bad = || "invalid syntax".to_string();
    let q = s.chars().next().ok_or_else(bad)?;
    if s.len() < 2 || !s.ends_with(q) {
        return Err(bad());
    }
    let body = &s[1..s.len() - 1];
    match q {
        '`' => {
            if body.contains('`') {
                return Err(bad());
            }
            Ok(body.replace('\r', ""))
        }
        '"' | '\'' => {
            let mut out = String::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (c, r) = unquote_char(rest, q)?;
                out.push(c);
                rest = r;
                if q == '\'' && !rest.is_empty() {
                    return Err(bad());
                }
            }
            if q == '\'' && out.is_empty() {
                return Err(bad());
            }
            Ok(out)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_like_go() {
        assert_eq!(quote("a\"b\\c\n\t\x01é"), r#""a\"b\\c\n\t\x01é""#);
        assert_eq!(quote_with("é☺", true), r#""\u00e9\u263a""#);
        assert_eq!(quote_rune('a', false), "'a'");
        assert_eq!(quote_rune('\'', false), r"'\''");
    }

    #[test]
    fn unquote_like_go() {
        assert_eq!(unquote(r#""a\tb\u00e9\x41\101""#).as_deref(), Ok("a\tbéAA"));
        assert_eq!(unquote("`raw\\n`").as_deref(), Ok("raw\\n"));
        assert_eq!(unquote(r"'\n'").as_deref(), Ok("\n"));
        assert!(unquote(r#""\q""#).is_err());
        assert!(unquote("'ab'").is_err());
    }

    #[test]
    fn unicode_hash_format() {
        assert_eq!(unicode_hash('#'), "U+0023 '#'");
        assert_eq!(unicode_hash('\u{1}'), "U+0001");
    }
}
