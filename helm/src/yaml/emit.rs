//! Helm's `toYaml`, byte for byte: `sigs.k8s.io/yaml` marshals to JSON, reads
//! that back with go-yaml v2 and emits it with go-yaml v2's emitter. This is a
//! port of the parts of that emitter a JSON tree reaches (block collections,
//! empty flow collections, the four scalar styles, 80-column folding, complex
//! keys) and of its key order.

use gotmpl::Value;

use super::keys::key_cmp;
use super::resolve::{Resolved, resolve};
use super::scalar::{Style, analyze, is_break, is_printable, requested_style, select_style};
use crate::json::{self, Json};

const BEST_WIDTH: usize = 80;
const BEST_INDENT: isize = 2;

/// `yaml.Marshal(v)` as `sigs.k8s.io/yaml` does it (with the final newline).
pub fn marshal(v: &Value) -> Result<String, String> {
    let j = json::from_value(v)?;
    let mut e = Emitter::default();
    e.node(&j, Ctx::default());
    // Document end: go-yaml writes an indent, which ends the last line.
    e.write_indent_at(0);
    Ok(e.out)
}

#[derive(Clone, Copy, Default)]
struct Ctx {
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: isize,
    indents: Vec<isize>,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
        }
    }
}

/// The scalar text go-yaml prints for a JSON number after reading it back.
fn number_scalar(text: &str) -> String {
    match resolve(text) {
        Resolved::Int(i) => i.to_string(),
        Resolved::Uint(u) => u.to_string(),
        Resolved::Float(f) => gotmpl::sprint(&[Value::Float(f)]),
        _ => text.to_string(),
    }
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn push_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent_at(&mut self, indent: isize) {
        let indent = usize::try_from(indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indent(&mut self) {
        self.write_indent_at(self.indent);
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn node(&mut self, j: &Json, ctx: Ctx) {
        match j {
            Json::Null => self.scalar("null", Style::Plain, ctx),
            Json::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Json::Number(n) => self.scalar(&number_scalar(n), Style::Plain, ctx),
            Json::String(s) => self.scalar(s, requested_style(s), ctx),
            Json::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Json::Object(entries) if entries.is_empty() => self.empty_flow("{", "}"),
            Json::Array(items) => {
                self.push_indent(false, ctx.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Ctx::default());
                }
                self.pop_indent();
            }
            Json::Object(entries) => {
                let mut sorted: Vec<&(String, Json)> = entries.iter().collect();
                sorted.sort_by(|a, b| key_cmp(&a.0, &b.0));
                self.push_indent(false, false);
                for (k, v) in sorted {
                    self.write_indent();
                    let a = analyze(k);
                    let simple = !a.multiline && k.len() <= 128;
                    let key = Json::String(k.clone());
                    if simple {
                        self.node(
                            &key,
                            Ctx {
                                mapping: true,
                                simple_key: true,
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(
                            &key,
                            Ctx {
                                mapping: true,
                                simple_key: false,
                            },
                        );
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(
                        v,
                        Ctx {
                            mapping: true,
                            simple_key: false,
                        },
                    );
                }
                self.pop_indent();
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Ctx) {
        let a = analyze(value);
        let style = select_style(requested, &a, value, ctx.simple_key);
        let allow_breaks = !ctx.simple_key;
        self.push_indent(true, false);
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let last = chars.len().saturating_sub(1);
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < last
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for ch in format!("{v:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator("2", false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some('-'),
            [.., last] if !is_break(*last) => Some('-'),
            [_] => Some('+'),
            [.., prev, _] if is_break(*prev) => Some('+'),
            _ => None,
        };
        if let Some(h) = chomp {
            self.write_indicator(&h.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(text: &str) -> String {
        let v = crate::yaml::parse::parse(text).unwrap_or_default();
        marshal(&v).unwrap_or_default()
    }

    #[test]
    fn quoting_like_go_yaml() {
        let out = y(
            r##"[ "yes", "on", "1.0", "", "null", "~", "1:20", "0755", " lead", "trail ", "a: b", "#x", "x #y", "- a", "'a", "a,b", "?a", ":a", "a:", "2001-12-14", "tab\there", "ctl\u0001", "é", "😀 x" ]"##,
        );
        let want = r##"- "yes"
- "on"
- "1.0"
- ""
- "null"
- "~"
- "1:20"
- "0755"
- ' lead'
- 'trail '
- 'a: b'
- '#x'
- 'x #y'
- '- a'
- '''a'
- a,b
- ?a
- :a
- 'a:'
- "2001-12-14"
- "tab\there"
- "ctl\x01"
- é
- "\U0001F600 x"
"##;
        assert_eq!(out, want);
    }

    #[test]
    fn literal_blocks_and_chomping() {
        assert_eq!(y(r#"{a: "l1\nl2\n"}"#), "a: |\n  l1\n  l2\n");
        assert_eq!(y(r#"{a: "l1\nl2"}"#), "a: |-\n  l1\n  l2\n");
        assert_eq!(y(r#"{a: "  x\ny"}"#), "a: |2-\n    x\n  y\n");
        assert_eq!(y(r#"{a: "l1\n\n"}"#), "a: |+\n  l1\n\n");
        assert_eq!(y(r#"{a: "sp \nx"}"#), "a: \"sp \\nx\"\n");
    }

    #[test]
    fn collections_and_key_order() {
        let out =
            y("{b: {c: [1, [2, 3], {d: e}], e: {}}, a: [], a10: 1, a2: 2, _x: 1, Ax: 2, '1': 4}");
        let want = "_x: 1\n\"1\": 4\nAx: 2\na: []\na2: 2\na10: 1\nb:\n  c:\n  - 1\n  - - 2\n    - 3\n  - d: e\n  e: {}\n";
        assert_eq!(out, want);
    }

    #[test]
    fn numbers_after_the_json_trip() {
        assert_eq!(
            y("[1, 1.0, 1.5, 1000000, 1e6, 0.000001, 1e-7, -0, 1e21]"),
            "- 1\n- 1\n- 1.5\n- 1000000\n- 1000000\n- 1e-06\n- 1e-07\n- 0\n- 1e+21\n"
        );
    }

    #[test]
    fn long_lines_fold_at_80_columns() {
        let long = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr";
        assert_eq!(
            y(&format!("{{long: \"{long}\"}}")),
            "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr\n"
        );
    }

    #[test]
    fn complex_keys() {
        let k = "k".repeat(130);
        assert_eq!(y(&format!("{{{k}: 1}}")), format!("? {k}\n: 1\n"));
        assert_eq!(y("{\"m\\nk\": 2}"), "? |-\n  m\n  k\n: 2\n");
    }

    #[test]
    fn roots() {
        assert_eq!(marshal(&Value::from("abc")).unwrap_or_default(), "abc\n");
        assert_eq!(marshal(&Value::Nil).unwrap_or_default(), "null\n");
        assert_eq!(marshal(&Value::list([])).unwrap_or_default(), "[]\n");
        assert_eq!(
            marshal(&Value::from("a\nb\n\n")).unwrap_or_default(),
            "|+\n  a\n  b\n\n"
        );
    }
}
