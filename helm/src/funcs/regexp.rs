//! Sprig's regular expression functions over RE2 syntax (Go's `regexp` and the
//! `regex` crate share it), with Go's `Split` and `QuoteMeta` behaviour.

use gotmpl::ArgKind::{Int as I, String as S};
use gotmpl::Value;
use regex::Regex;

use super::{Reg, iarg, sarg};

fn compile(re: &str) -> Result<Regex, String> {
    Regex::new(re).map_err(|e| format!("regexp: Compile({re:?}): {e}"))
}

fn find_all(re: &Regex, s: &str, n: i64) -> Vec<Value> {
    let limit = if n < 0 { usize::MAX } else { n as usize };
    re.find_iter(s)
        .take(limit)
        .map(|m| Value::from(m.as_str()))
        .collect()
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, s: &str, n: i64) -> Vec<Value> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![Value::from("")];
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out: Vec<Value> = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for m in re.find_iter(s) {
        if n > 0 && out.len() == limit - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(Value::from(&s[beg..end]));
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(Value::from(&s[beg..]));
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn register(r: &mut Reg<'_>) {
    r.f("regexMatch", &[S, S], None, |a| {
        Ok(Value::Bool(
            compile(&sarg(a, 0)).is_ok_and(|re| re.is_match(&sarg(a, 1))),
        ))
    });
    r.f("mustRegexMatch", &[S, S], None, |a| {
        Ok(Value::Bool(compile(&sarg(a, 0))?.is_match(&sarg(a, 1))))
    });
    for name in ["regexFindAll", "mustRegexFindAll"] {
        r.f(name, &[S, S, I], None, |a| {
            Ok(Value::list(find_all(
                &compile(&sarg(a, 0))?,
                &sarg(a, 1),
                iarg(a, 2),
            )))
        });
    }
    for name in ["regexFind", "mustRegexFind"] {
        r.f(name, &[S, S], None, |a| {
            let s = sarg(a, 1);
            Ok(Value::from(
                compile(&sarg(a, 0))?.find(&s).map_or("", |m| m.as_str()),
            ))
        });
    }
    for name in ["regexReplaceAll", "mustRegexReplaceAll"] {
        r.f(name, &[S, S, S], None, |a| {
            let re = compile(&sarg(a, 0))?;
            Ok(Value::from(
                re.replace_all(&sarg(a, 1), sarg(a, 2).as_str())
                    .into_owned(),
            ))
        });
    }
    for name in ["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"] {
        r.f(name, &[S, S, S], None, |a| {
            let re = compile(&sarg(a, 0))?;
            let repl = sarg(a, 2);
            Ok(Value::from(
                re.replace_all(&sarg(a, 1), regex::NoExpand(&repl))
                    .into_owned(),
            ))
        });
    }
    for name in ["regexSplit", "mustRegexSplit"] {
        r.f(name, &[S, S, I], None, |a| {
            Ok(Value::list(split(
                &compile(&sarg(a, 0))?,
                &sarg(a, 1),
                iarg(a, 2),
            )))
        });
    }
    r.f("regexQuoteMeta", &[S], None, |a| {
        Ok(Value::from(quote_meta(&sarg(a, 0))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_go() {
        let re = Regex::new("a*").unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<String> = split(&re, "abaabaccadaaae", 5)
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(got, vec!["", "b", "b", "c", "cadaaae"]);
        let comma = Regex::new(",").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(split(&comma, "a,b,c", -1).len(), 3);
        assert_eq!(quote_meta("a.b-c"), "a\\.b-c");
    }
}
