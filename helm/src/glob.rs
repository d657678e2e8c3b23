//! Glob patterns as `.Files.Glob` reads them (gobwas/glob with `/` as the
//! separator): `*` within a segment, `**` across segments, `?`, `[...]`, `[!...]`,
//! `{a,b}` and `\` escapes. Patterns are translated to a regular expression.

use regex::Regex;

pub struct Glob(Regex);

impl Glob {
    /// Compiles a pattern; an unbalanced `[` or `{` is an error.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let mut re = String::from("^");
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let mut braces = 0usize;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    re.push_str(".*");
                    i += 1;
                }
                '*' => re.push_str("[^/]*"),
                '?' => re.push_str("[^/]"),
                '\\' => {
                    i += 1;
                    let e = chars.get(i).ok_or("unexpected end of pattern after \\")?;
                    re.push_str(&regex::escape(&e.to_string()));
                }
                '[' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&x| x == ']')
                        .ok_or("unclosed character class")?
                        + i
                        + 1;
                    let mut body: String = chars[i + 1..end].iter().collect();
                    let negate = body.starts_with('!');
                    if negate {
                        body.remove(0);
                    }
                    let escaped: String = body
                        .chars()
                        .map(|x| match x {
                            '\\' | '[' | ']' | '^' | '&' | '~' => format!("\\{x}"),
                            x => x.to_string(),
                        })
                        .collect();
                    re.push_str(if negate { "[^/" } else { "[" });
                    re.push_str(&escaped);
                    re.push(']');
                    i = end;
                }
                '{' => {
                    braces += 1;
                    re.push_str("(?:");
                }
                '}' if braces > 0 => {
                    braces -= 1;
                    re.push(')');
                }
                ',' if braces > 0 => re.push('|'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
            i += 1;
        }
        if braces > 0 {
            return Err("unclosed alternatives".into());
        }
        re.push('$');
        Regex::new(&re).map(Glob).map_err(|e| e.to_string())
    }

    /// A glob matching everything (what gobwas returns for `**`).
    pub fn match_all() -> Glob {
        Glob(Regex::new("^.*$").unwrap_or_else(|_| unreachable!("static regex")))
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).map(|g| g.is_match(s)).unwrap_or(false)
    }

    #[test]
    fn segments_and_classes() {
        assert!(m("files/*.txt", "files/a.txt"));
        assert!(!m("files/*.txt", "files/sub/a.txt"));
        assert!(m("files/**.txt", "files/sub/a.txt"));
        assert!(m("files/**", "files/sub/a.txt"));
        assert!(m("f?le", "file"));
        assert!(!m("f?le", "f/le"));
        assert!(m("[ab].txt", "a.txt"));
        assert!(!m("[!ab].txt", "a.txt"));
        assert!(m("{a,b/*}.txt", "b/x.txt"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(Glob::new("[abc").is_err());
        assert!(Glob::new("{a,b").is_err());
    }
}
