//! Helm's `--set` syntax (`pkg/strvals`): `a.b=c`, `a[0]=x`, `a={x,y}`, several
//! assignments separated by commas, `\` escaping, and Helm's typing of values
//! (`true`/`false`/`null` and integers become typed, everything else a string).

use std::sync::Arc;

use gotmpl::{Map, Value};

const MAX_INDEX: usize = 65536;
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Why reading stopped: a stop character, or the end of input.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Stop {
    Char(char),
    Eof,
}

enum Failure {
    Eof,
    Msg(String),
}

type R<T> = Result<T, Failure>;

fn msg<T>(s: impl Into<String>) -> R<T> {
    Err(Failure::Msg(s.into()))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// Parses one `--set` argument into `dest` (Helm's `strvals.ParseInto`).
pub fn parse_into(s: &str, dest: &Map) -> Result<(), String> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
    };
    loop {
        match p.key(dest, 0) {
            Ok(()) => continue,
            Err(Failure::Eof) => return Ok(()),
            Err(Failure::Msg(m)) => return Err(m),
        }
    }
}

/// Helm's `typedVal` for `--set`.
pub fn typed_val(s: &str) -> Value {
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::Int(0);
    }
    if !s.is_empty() && !s.starts_with('0') {
        let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(i) = s.parse::<i64>()
        {
            return Value::Int(i);
        }
    }
    Value::from(s)
}

fn set(data: &Map, key: &str, val: Value) {
    if !key.is_empty() {
        data.insert(key, val);
    }
}

fn set_index(list: &mut Vec<Value>, index: usize, val: Value) -> R<()> {
    if index > MAX_INDEX {
        return msg(format!(
            "index of {index} is greater than maximum supported index of {MAX_INDEX}"
        ));
    }
    if list.len() <= index {
        list.resize(index + 1, Value::Nil);
    }
    list[index] = val;
    Ok(())
}

fn go_type(v: &Value) -> String {
    v.type_name()
}

impl Parser {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads up to a stop character, honouring `\` escapes.
    fn until(&mut self, stop: &[char]) -> (String, Stop) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, Stop::Eof),
                Some(c) if stop.contains(&c) => return (v, Stop::Char(c)),
                Some('\\') => match self.read() {
                    None => return (v, Stop::Eof),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn key(&mut self, data: &Map, level: usize) -> R<()> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        match last {
            Stop::Eof => {
                if k.is_empty() {
                    Err(Failure::Eof)
                } else {
                    msg(format!("key {k:?} has no value"))
                }
            }
            Stop::Char('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| wrap(e, "error parsing index"))?;
                let mut list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => {
                        return msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            go_type(&other)
                        ));
                    }
                };
                let r = self.list_item(&mut list, i, level);
                set(data, &k, Value::List(Arc::new(list)));
                r
            }
            Stop::Char('=') => match self.val_list() {
                Ok(vl) => {
                    set(data, &k, Value::List(Arc::new(vl)));
                    Ok(())
                }
                Err(ValListErr::Eof) => {
                    set(data, &k, Value::from(""));
                    Err(Failure::Eof)
                }
                Err(ValListErr::NotList) => {
                    let (rs, stop) = self.until(&[',']);
                    set(data, &k, typed_val(&rs));
                    if stop == Stop::Eof {
                        Err(Failure::Eof)
                    } else {
                        Ok(())
                    }
                }
                Err(ValListErr::Msg(m)) => msg(m),
            },
            Stop::Char(',') => {
                set(data, &k, Value::from(""));
                msg(format!("key {k:?} has no value (cannot end with ,)"))
            }
            Stop::Char(_) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let inner = match data.get(&k) {
                    None => Map::new(),
                    Some(Value::Map(m)) => m,
                    Some(other) => {
                        return msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                            go_type(&other)
                        ));
                    }
                };
                let e = self.key(&inner, level);
                if e.is_ok() && inner.is_empty() {
                    return msg(format!("key map {k:?} has no value"));
                }
                if !inner.is_empty() {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> R<usize> {
        let (v, stop) = self.until(&[']']);
        if stop == Stop::Eof {
            return Err(Failure::Eof);
        }
        match v.parse::<i64>() {
            Ok(i) if i < 0 => msg(format!("negative {i} index not allowed")),
            Ok(i) => Ok(usize::try_from(i).unwrap_or(usize::MAX)),
            Err(_) => msg(format!("strconv.Atoi: parsing {v:?}: invalid syntax")),
        }
    }

    fn list_item(&mut self, list: &mut Vec<Value>, i: usize, level: usize) -> R<()> {
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return msg(format!("unexpected data at end of array index: {k:?}"));
        }
        match last {
            Stop::Eof => Err(Failure::Eof),
            Stop::Char('=') => match self.val_list() {
                Ok(vl) => set_index(list, i, Value::List(Arc::new(vl))),
                Err(ValListErr::Eof) => set_index(list, i, Value::from("")),
                Err(ValListErr::NotList) => {
                    let (rs, _) = self.until(&[',']);
                    set_index(list, i, typed_val(&rs))
                }
                Err(ValListErr::Msg(m)) => msg(m),
            },
            Stop::Char('[') => {
                let next = self
                    .key_index()
                    .map_err(|e| wrap(e, "error parsing index"))?;
                let mut inner = match list.get(i) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => {
                        return msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            go_type(other)
                        ));
                    }
                };
                self.list_item(&mut inner, next, level)?;
                set_index(list, i, Value::List(Arc::new(inner)))
            }
            Stop::Char(_) => {
                let inner = match list.get(i) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                self.key(&inner, level)?;
                set_index(list, i, Value::Map(inner))
            }
        }
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ValListErr> {
        match self.chars.get(self.pos) {
            None => return Err(ValListErr::Eof),
            Some('{') => self.pos += 1,
            Some(_) => return Err(ValListErr::NotList),
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                Stop::Eof => return Err(ValListErr::Msg("list must terminate with '}'".into())),
                Stop::Char('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(typed_val(&rs));
                    return Ok(list);
                }
                Stop::Char(_) => list.push(typed_val(&rs)),
            }
        }
    }
}

enum ValListErr {
    Eof,
    NotList,
    Msg(String),
}

fn wrap(e: Failure, ctx: &str) -> Failure {
    match e {
        Failure::Eof => Failure::Msg(format!("{ctx}: EOF")),
        Failure::Msg(m) => Failure::Msg(format!("{ctx}: {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Result<serde_json::Value, String> {
        let m = Map::new();
        parse_into(s, &m)?;
        Ok(Value::Map(m).to_json())
    }

    #[test]
    fn nesting_lists_and_types() {
        assert_eq!(
            p("a.b=1,c=true,d=null,e=1.5,f=007,g=-3,h="),
            Ok(
                json!({"a": {"b": 1}, "c": true, "d": null, "e": "1.5", "f": "007", "g": -3, "h": ""})
            )
        );
        assert_eq!(p("a[1]=x"), Ok(json!({"a": [null, "x"]})));
        assert_eq!(
            p("a[0].b=x,a[0].c=y"),
            Ok(json!({"a": [{"b": "x", "c": "y"}]}))
        );
        assert_eq!(p("a[0][1]=z"), Ok(json!({"a": [[null, "z"]]})));
        assert_eq!(p("a={x,1,false}"), Ok(json!({"a": ["x", 1, false]})));
        assert_eq!(p("a=b\\,c,d\\.e=f"), Ok(json!({"a": "b,c", "d.e": "f"})));
        assert_eq!(p("name=a=b"), Ok(json!({"name": "a=b"})));
    }

    #[test]
    fn errors_like_helm() {
        assert_eq!(p("a"), Err("key \"a\" has no value".into()));
        assert_eq!(
            p("a,b=1"),
            Err("key \"a\" has no value (cannot end with ,)".into())
        );
        assert_eq!(
            p("a[-1]=x").err().as_deref(),
            Some("error parsing index: negative -1 index not allowed")
        );
        assert_eq!(
            p("a={x,y").err().as_deref(),
            Some("list must terminate with '}'")
        );
        assert!(p("a[70000]=x").is_err_and(|e| e.contains("maximum supported index")));
        assert_eq!(p(""), Ok(json!({})));
    }

    #[test]
    fn later_assignments_extend_earlier_ones() {
        let m = Map::new();
        assert!(parse_into("a.b=1", &m).is_ok());
        assert!(parse_into("a.c=2", &m).is_ok());
        assert_eq!(
            Value::Map(m.clone()).to_json(),
            json!({"a": {"b": 1, "c": 2}})
        );
        assert!(parse_into("a.b.c=1", &m).is_err_and(|e| e.contains("interface conversion")));
    }
}
