//! The lexer: turns template text into items, as Go's `text/template/parse/lex.go`.

pub(crate) use crate::token::{Item, Kind};

const LEFT: &str = "{{";
const RIGHT: &str = "}}";
const TRIM_LEN: usize = 2;

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

pub(crate) fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1])
}

fn has_right_trim(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0]) && s[1] == b'-'
}

/// Lexes `input` completely. The last item is `Eof` or `Error`.
/// `break_ok`/`continue_ok` are false when a function of that name exists.
pub(crate) fn lex(input: &str, break_ok: bool, continue_ok: bool) -> Vec<Item<'_>> {
    let mut l = Lexer {
        input,
        bytes: input.as_bytes(),
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        paren_depth: 0,
        items: Vec::new(),
        break_ok,
        continue_ok,
    };
    l.run();
    l.items
}

pub(crate) struct Lexer<'a> {
    pub(crate) input: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) start: usize,
    pub(crate) line: usize,
    pub(crate) start_line: usize,
    pub(crate) paren_depth: usize,
    pub(crate) items: Vec<Item<'a>>,
    pub(crate) break_ok: bool,
    pub(crate) continue_ok: bool,
}

pub(crate) enum State {
    Text,
    InsideAction,
    Done,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            };
        }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    pub(crate) fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
            if c == '\n' {
                self.line -= 1;
            }
        }
    }

    /// Moves over bytes without emitting, keeping the line count.
    fn skip_to(&mut self, pos: usize) {
        self.line += self.input[self.pos..pos].matches('\n').count();
        self.pos = pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
        self.start_line = self.line;
    }

    pub(crate) fn emit(&mut self, kind: Kind) {
        self.items.push(Item {
            kind,
            pos: self.start,
            val: self.input[self.start..self.pos].into(),
            line: self.start_line,
        });
        self.start = self.pos;
        self.start_line = self.line;
    }

    pub(crate) fn error(&mut self, msg: String) -> State {
        self.items.push(Item {
            kind: Kind::Error,
            pos: self.start,
            val: msg.into(),
            line: self.start_line,
        });
        State::Done
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.bytes[self.pos..];
        if has_right_trim(rest) && rest[TRIM_LEN..].starts_with(RIGHT.as_bytes()) {
            return (true, true);
        }
        (rest.starts_with(RIGHT.as_bytes()), false)
    }

    fn lex_text(&mut self) -> State {
        let Some(x) = self.input[self.pos..].find(LEFT) else {
            self.skip_to(self.input.len());
            if self.pos > self.start {
                self.emit(Kind::Text);
            }
            self.emit(Kind::Eof);
            return State::Done;
        };
        let delim_at = self.pos + x;
        let trim = has_left_trim(&self.bytes[delim_at + LEFT.len()..]);
        let text_end = if trim {
            let text = &self.input[self.start..delim_at];
            self.start + text.trim_end_matches([' ', '\t', '\r', '\n']).len()
        } else {
            delim_at
        };
        self.skip_to(text_end);
        if self.pos > self.start {
            self.emit(Kind::Text);
        }
        self.skip_to(delim_at);
        self.ignore();
        self.lex_left_delim()
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT.len();
        let trim = has_left_trim(&self.bytes[self.pos..]);
        let after = if trim { TRIM_LEN } else { 0 };
        if self.bytes[self.pos + after..].starts_with(b"/*") {
            self.pos += after;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(Kind::LeftDelim);
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += 2;
        let Some(x) = self.input[self.pos..].find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.skip_to(self.pos + x + 2);
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += TRIM_LEN;
        }
        self.pos += RIGHT.len();
        if trim {
            let rest = &self.input[self.pos..];
            let n = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
            self.skip_to(self.pos + n);
        }
        self.ignore();
        State::Text
    }

    fn lex_right_delim(&mut self) -> State {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_LEN;
            self.ignore();
        }
        self.pos += RIGHT.len();
        self.emit(Kind::RightDelim);
        if trim {
            let rest = &self.input[self.pos..];
            let n = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
            self.skip_to(self.pos + n);
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.lex_right_delim();
            }
            return self.error("unclosed left paren".into());
        }
        let Some(r) = self.next() else {
            return self.error("unclosed action".into());
        };
        match r {
            ' ' | '\t' | '\r' | '\n' => {
                self.backup(Some(r));
                self.lex_space()
            }
            '=' => {
                self.emit(Kind::Assign);
                State::InsideAction
            }
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(Kind::Declare);
                State::InsideAction
            }
            '|' => {
                self.emit(Kind::Pipe);
                State::InsideAction
            }
            '"' => self.lex_quote(),
            '`' => self.lex_raw_quote(),
            '$' => self.lex_variable(),
            '\'' => self.lex_char(),
            '.' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => {
                self.lex_field_or_variable(Kind::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup(Some(r));
                self.lex_number()
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(Kind::LeftParen);
                State::InsideAction
            }
            ')' => {
                if self.paren_depth == 0 {
                    return self.error("unexpected right paren".into());
                }
                self.paren_depth -= 1;
                self.emit(Kind::RightParen);
                State::InsideAction
            }
            c if is_alnum(c) => {
                self.backup(Some(r));
                self.lex_identifier()
            }
            c if c.is_ascii() && !c.is_ascii_control() => {
                self.emit(Kind::Char);
                State::InsideAction
            }
            c => self.error(format!(
                "unrecognized character in action: {}",
                crate::quote::unicode_hash(c)
            )),
        }
    }

    fn lex_space(&mut self) -> State {
        let mut n = 0;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii() && is_space(c as u8))
        {
            self.next();
            n += 1;
        }
        // A space followed by "-}}" belongs to the trim marker.
        let rest = &self.bytes[self.pos - 1..];
        if has_right_trim(rest) && rest[TRIM_LEN..].starts_with(RIGHT.as_bytes()) {
            self.pos -= 1;
            if self.bytes[self.pos] == b'\n' {
                self.line -= 1;
            }
            if n == 1 {
                return self.lex_right_delim();
            }
        }
        self.emit(Kind::Space);
        State::InsideAction
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.bytes[self.pos..].starts_with(RIGHT.as_bytes()),
        }
    }

    fn lex_identifier(&mut self) -> State {
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            return self.error(format!("bad character {}", crate::quote::unicode_hash(c)));
        }
        let word = &self.input[self.start..self.pos];
        let kind = match word {
            "block" => Kind::Block,
            "break" if self.break_ok => Kind::Break,
            "continue" if self.continue_ok => Kind::Continue,
            "define" => Kind::Define,
            "else" => Kind::Else,
            "end" => Kind::End,
            "if" => Kind::If,
            "range" => Kind::Range,
            "nil" => Kind::Nil,
            "template" => Kind::Template,
            "with" => Kind::With,
            "true" | "false" => Kind::Bool,
            _ => Kind::Identifier,
        };
        self.emit(kind);
        State::InsideAction
    }

    fn lex_variable(&mut self) -> State {
        if self.at_terminator() {
            self.emit(Kind::Variable);
            return State::InsideAction;
        }
        self.lex_field_or_variable(Kind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: Kind) -> State {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable {
                Kind::Variable
            } else {
                Kind::Dot
            });
            return State::InsideAction;
        }
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            return self.error(format!("bad character {}", crate::quote::unicode_hash(c)));
        }
        self.emit(kind);
        State::InsideAction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, String)> {
        lex(s, true, true)
            .into_iter()
            .map(|i| (i.kind, i.val.to_string()))
            .collect()
    }

    #[test]
    fn text_and_fields() {
        use Kind::*;
        assert_eq!(
            kinds("a {{.x.y}} b"),
            vec![
                (Text, "a ".into()),
                (LeftDelim, "{{".into()),
                (Field, ".x".into()),
                (Field, ".y".into()),
                (RightDelim, "}}".into()),
                (Text, " b".into()),
                (Eof, "".into()),
            ]
        );
    }

    #[test]
    fn trim_markers_eat_surrounding_space() {
        let items = kinds("a \n {{- 3 -}} \n b");
        assert_eq!(items[0], (Kind::Text, "a".into()));
        assert_eq!(items[2], (Kind::Number, "3".into()));
        assert_eq!(items[4], (Kind::Text, "b".into()));
    }

    #[test]
    fn minus_number_is_not_trim() {
        let items = kinds("{{-3}}");
        assert_eq!(items[1], (Kind::Number, "-3".into()));
    }

    #[test]
    fn comments_vanish_with_trim() {
        assert_eq!(
            kinds("x {{- /* c */ -}} y"),
            vec![
                (Kind::Text, "x".into()),
                (Kind::Text, "y".into()),
                (Kind::Eof, "".into())
            ]
        );
    }

    #[test]
    fn errors() {
        let last = |s: &str| kinds(s).pop();
        assert_eq!(
            last("{{ \"abc"),
            Some((Kind::Error, "unterminated quoted string".into()))
        );
        assert_eq!(last("{{ .a"), Some((Kind::Error, "unclosed action".into())));
        assert_eq!(
            last("{{ (1 }}"),
            Some((Kind::Error, "unclosed left paren".into()))
        );
        assert_eq!(
            last("{{ ) }}"),
            Some((Kind::Error, "unexpected right paren".into()))
        );
        assert_eq!(
            last("{{/* x"),
            Some((Kind::Error, "unclosed comment".into()))
        );
        assert_eq!(
            last("{{ 3x }}"),
            Some((Kind::Error, "bad number syntax: \"3x\"".into()))
        );
    }

    #[test]
    fn lines_are_counted() {
        let items = lex("a\nb{{\n.x}}", true, true);
        let field = items.iter().find(|i| i.kind == Kind::Field).map(|i| i.line);
        assert_eq!(field, Some(3));
    }

    #[test]
    fn keywords_and_break_toggle() {
        assert_eq!(kinds("{{break}}")[1].0, Kind::Break);
        assert_eq!(lex("{{break}}", false, true)[1].kind, Kind::Identifier);
        assert_eq!(kinds("{{ . }}")[2].0, Kind::Dot);
        assert_eq!(kinds("{{$}}")[1], (Kind::Variable, "$".into()));
        assert_eq!(kinds("{{$x.y}}")[1], (Kind::Variable, "$x".into()));
    }
}
