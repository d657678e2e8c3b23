//! Sprig's string functions: trimming, case, quoting, indentation, splitting,
//! joining, hashing-free text helpers.

use gotmpl::ArgKind::{Any as A, Int as I, String as S};
use gotmpl::{Map, Value};

use super::conv::strslice;
use super::{Reg, arg, iarg, sarg, strval};

/// Go's `unicode.IsSpace`.
pub(crate) fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `strings.Title`.
pub(crate) fn title(s: &str) -> String {
    let is_sep = |r: char| {
        if r.is_ascii() {
            !(r.is_ascii_alphanumeric() || r == '_')
        } else if r.is_alphanumeric() {
            false
        } else {
            is_go_space(r)
        }
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_sep(prev) { upper_char(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// goutils' `Uncapitalize` with whitespace delimiters.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_go_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                lower_char(c)
            } else {
                c
            }
        })
        .collect()
}

/// Go's byte slicing `s[a..b]` of a string (invalid UTF-8 cuts become U+FFFD).
fn byte_slice(s: &str, a: usize, b: usize) -> String {
    String::from_utf8_lossy(&s.as_bytes()[a..b]).into_owned()
}

fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return byte_slice(s, (len + c) as usize, s.len());
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize);
    }
    s.to_string()
}

fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let len = s.len() as i64;
    let oob = |a: i64, b: i64| {
        Err(format!(
            "runtime error: slice bounds out of range [{a}:{b}] with length {len}"
        ))
    };
    if start < 0 {
        if end < 0 || end > len {
            return oob(0, end);
        }
        return Ok(byte_slice(s, 0, end as usize));
    }
    if end < 0 || end > len {
        if start > len {
            return oob(start, len);
        }
        return Ok(byte_slice(s, start as usize, s.len()));
    }
    if start > end {
        return oob(start, end);
    }
    Ok(byte_slice(s, start as usize, end as usize))
}

/// goutils' `AbbreviateFull`.
fn abbreviate_full(s: &str, offset: i64, max: i64) -> String {
    let len = s.len() as i64;
    if s.is_empty() || max < 4 {
        return if max < 4 {
            String::new()
        } else {
            s.to_string()
        };
    }
    if len <= max {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < max - 3 {
        offset = len - (max - 3);
    }
    if offset <= 4 {
        return format!("{}...", byte_slice(s, 0, (max - 3) as usize));
    }
    if max < 7 {
        return String::new();
    }
    if offset + max - 3 < len {
        let rest = byte_slice(s, offset as usize, s.len());
        return format!("...{}", abbreviate_full(&rest, 0, max - 3));
    }
    format!("...{}", byte_slice(s, (len - (max - 3)) as usize, s.len()))
}

/// goutils' `WrapCustom`.
pub(crate) fn wrap_custom(s: &str, width: i64, newline: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if newline.is_empty() { "\n" } else { newline };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        let space = b[offset..end].iter().rposition(|&x| x == b' ');
        if let Some(sp) = space {
            let at = sp + offset;
            out.extend_from_slice(&b[offset..at]);
            out.extend_from_slice(nl.as_bytes());
            offset = at + 1;
        } else if long_words {
            let end = width + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(nl.as_bytes());
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|&x| x == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[offset..at]);
                    out.extend_from_slice(nl.as_bytes());
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    String::from_utf8_lossy(&out).into_owned()
}

fn indent(n: i64, s: &str) -> String {
    let pad = " ".repeat(usize::try_from(n).unwrap_or(0));
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

fn split_map(parts: Vec<&str>) -> Value {
    let m = Map::new();
    for (i, p) in parts.into_iter().enumerate() {
        m.insert(format!("_{i}"), Value::from(p));
    }
    Value::Map(m)
}

fn go_split(orig: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return orig.chars().map(|c| c.to_string()).collect();
    }
    orig.split(sep).map(str::to_string).collect()
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("trim", &[S], None, |a| {
        Ok(Value::from(sarg(a, 0).trim_matches(is_go_space)))
    });
    r.f("upper", &[S], None, |a| {
        Ok(Value::from(
            sarg(a, 0).chars().map(upper_char).collect::<String>(),
        ))
    });
    r.f("lower", &[S], None, |a| {
        Ok(Value::from(
            sarg(a, 0).chars().map(lower_char).collect::<String>(),
        ))
    });
    r.f("title", &[S], None, |a| Ok(Value::from(title(&sarg(a, 0)))));
    r.f("untitle", &[S], None, |a| {
        Ok(Value::from(untitle(&sarg(a, 0))))
    });
    r.f("substr", &[I, I, S], None, |a| {
        substr(iarg(a, 0), iarg(a, 1), &sarg(a, 2)).map(Value::from)
    });
    r.f("repeat", &[I, S], None, |a| {
        let n = iarg(a, 0);
        if n < 0 {
            return Err("strings: negative Repeat count".into());
        }
        Ok(Value::from(sarg(a, 1).repeat(n as usize)))
    });
    for name in ["trimall", "trimAll"] {
        r.f(name, &[S, S], None, |a| {
            let cut: Vec<char> = sarg(a, 0).chars().collect();
            Ok(Value::from(sarg(a, 1).trim_matches(cut.as_slice())))
        });
    }
    r.f("trimSuffix", &[S, S], None, |a| {
        let (suf, s) = (sarg(a, 0), sarg(a, 1));
        Ok(Value::from(s.strip_suffix(suf.as_str()).unwrap_or(&s)))
    });
    r.f("trimPrefix", &[S, S], None, |a| {
        let (pre, s) = (sarg(a, 0), sarg(a, 1));
        Ok(Value::from(s.strip_prefix(pre.as_str()).unwrap_or(&s)))
    });
    r.f("nospace", &[S], None, |a| {
        Ok(Value::from(
            sarg(a, 0)
                .chars()
                .filter(|c| !is_go_space(*c))
                .collect::<String>(),
        ))
    });
    r.f("trunc", &[I, S], None, |a| {
        Ok(Value::from(trunc(iarg(a, 0), &sarg(a, 1))))
    });
    r.f("abbrev", &[I, S], None, |a| {
        let (w, s) = (iarg(a, 0), sarg(a, 1));
        Ok(Value::from(if w < 4 {
            s
        } else {
            abbreviate_full(&s, 0, w)
        }))
    });
    r.f("abbrevboth", &[I, I, S], None, |a| {
        let (l, w, s) = (iarg(a, 0), iarg(a, 1), sarg(a, 2));
        Ok(Value::from(if w < 4 || (l > 0 && w < 7) {
            s
        } else {
            abbreviate_full(&s, l, w)
        }))
    });
    r.f("initials", &[S], None, |a| {
        Ok(Value::from(
            sarg(a, 0)
                .split(is_go_space)
                .filter_map(|w| w.chars().next())
                .collect::<String>(),
        ))
    });
    r.f("wrap", &[I, S], None, |a| {
        Ok(Value::from(wrap_custom(&sarg(a, 1), iarg(a, 0), "", false)))
    });
    r.f("wrapWith", &[I, S, S], None, |a| {
        Ok(Value::from(wrap_custom(
            &sarg(a, 2),
            iarg(a, 0),
            &sarg(a, 1),
            true,
        )))
    });
    r.f("contains", &[S, S], None, |a| {
        Ok(Value::Bool(sarg(a, 1).contains(sarg(a, 0).as_str())))
    });
    r.f("hasPrefix", &[S, S], None, |a| {
        Ok(Value::Bool(sarg(a, 1).starts_with(sarg(a, 0).as_str())))
    });
    r.f("hasSuffix", &[S, S], None, |a| {
        Ok(Value::Bool(sarg(a, 1).ends_with(sarg(a, 0).as_str())))
    });
    r.f("quote", &[], Some(A), |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| gotmpl::sprintf("%q", &[Value::from(strval(v))]))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    r.f("squote", &[], Some(A), |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", gotmpl::sprint(std::slice::from_ref(v))))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    r.f("cat", &[], Some(A), |a| {
        let parts: Vec<Value> = a.iter().filter(|v| !v.is_nil()).cloned().collect();
        let fmt = "%v ".repeat(parts.len());
        Ok(Value::from(gotmpl::sprintf(fmt.trim_end(), &parts)))
    });
    r.f("indent", &[I, S], None, |a| {
        Ok(Value::from(indent(iarg(a, 0), &sarg(a, 1))))
    });
    r.f("nindent", &[I, S], None, |a| {
        Ok(Value::from(format!(
            "\n{}",
            indent(iarg(a, 0), &sarg(a, 1))
        )))
    });
    r.f("replace", &[S, S, S], None, |a| {
        Ok(Value::from(
            sarg(a, 2).replace(sarg(a, 0).as_str(), &sarg(a, 1)),
        ))
    });
    r.f("plural", &[S, S, I], None, |a| {
        Ok(Value::from(if iarg(a, 2) == 1 {
            sarg(a, 0)
        } else {
            sarg(a, 1)
        }))
    });
    r.f("split", &[S, S], None, |a| {
        let (sep, orig) = (sarg(a, 0), sarg(a, 1));
        let parts = go_split(&orig, &sep);
        Ok(split_map(parts.iter().map(String::as_str).collect()))
    });
    r.f("splitList", &[S, S], None, |a| {
        let (sep, orig) = (sarg(a, 0), sarg(a, 1));
        Ok(Value::list(
            go_split(&orig, &sep).into_iter().map(Value::from),
        ))
    });
    r.f("splitn", &[S, I, S], None, |a| {
        let (sep, n, orig) = (sarg(a, 0), iarg(a, 1), sarg(a, 2));
        let parts: Vec<&str> = match n {
            0 => Vec::new(),
            n if n < 0 => orig.split(sep.as_str()).collect(),
            n => orig.splitn(n as usize, sep.as_str()).collect(),
        };
        Ok(split_map(parts))
    });
    r.f("join", &[S, A], None, |a| {
        Ok(Value::from(strslice(&arg(a, 1)).join(&sarg(a, 0))))
    });
    r.f("sortAlpha", &[A], None, |a| {
        let v = arg(a, 0);
        let mut items = match &v {
            Value::List(_) => strslice(&v),
            Value::Object(o) if matches!(o.as_value(), Some(Value::List(_))) => strslice(&v),
            other => vec![strval(other)],
        };
        items.sort();
        Ok(Value::list(items.into_iter().map(Value::from)))
    });
    r.f("swapcase", &[S], None, |a| {
        Ok(Value::from(
            sarg(a, 0)
                .chars()
                .map(|c| {
                    if c.is_uppercase() {
                        lower_char(c)
                    } else if c.is_lowercase() {
                        upper_char(c)
                    } else {
                        c
                    }
                })
                .collect::<String>(),
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_string_helpers() {
        assert_eq!(title("hello wORLD-x_y"), "Hello WORLD-X_y");
        assert_eq!(untitle("Hello World"), "hello world");
        assert_eq!(trunc(5, "hello world"), "hello");
        assert_eq!(trunc(-5, "hello world"), "world");
        assert_eq!(substr(1, 3, "hello"), Ok("el".into()));
        assert!(substr(3, 1, "hello").is_err());
        assert_eq!(abbreviate_full("hello world", 0, 8), "hello...");
        assert_eq!(indent(2, "a\nb"), "  a\n  b");
        assert_eq!(
            wrap_custom("the quick brown fox", 10, "", false),
            "the quick\nbrown fox"
        );
    }
}
