//! Reads YAML the way Helm does (`sigs.k8s.io/yaml`): go-yaml v2 semantics for
//! plain scalars, then a trip through JSON, so every number becomes a `float64`
//! and every map key a string.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use gotmpl::{Map, Value};
use granit_parser::{Event, Parser, ScalarStyle, Tag};

use super::resolve::{Resolved, resolve};

/// A parsed node before conversion; aliases are resolved by copying.
#[derive(Clone, Debug)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// Nesting deeper than this is refused (a guard against hostile input).
const MAX_DEPTH: usize = 512;
/// Aliases expand by copying; past this many copied nodes the input is refused
/// (the "billion laughs" guard).
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Parses the first document of `text` into Helm's values model. An empty
/// document gives `Nil`.
pub fn parse(text: &str) -> Result<Value, String> {
    let node = first_document(text)?;
    match node {
        None => Ok(Value::Nil),
        Some(n) => to_value(&n, 0),
    }
}

/// Parses a document that must be a mapping (or empty, giving an empty map), as
/// `yaml.Unmarshal` into a `map[string]interface{}` requires.
pub fn parse_map(text: &str) -> Result<Map, String> {
    match parse(text)? {
        Value::Nil => Ok(Map::new()),
        Value::Map(m) => Ok(m),
        other => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
    }
}

pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        _ => "value",
    }
}

fn tag_name(tag: &Tag) -> String {
    if tag.handle() == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix())
    } else {
        format!("{}{}", tag.handle(), tag.suffix())
    }
}

struct Builder {
    stack: Vec<(Frame, usize)>,
    anchors: HashMap<usize, Node>,
    copied: usize,
}

enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

impl Builder {
    /// Adds a finished node to the open collection; returns it at top level.
    fn push(&mut self, node: Node) -> Option<Node> {
        match self.stack.last_mut() {
            None => Some(node),
            Some((Frame::Seq(items), _)) => {
                items.push(node);
                None
            }
            Some((Frame::Map(entries, key), _)) => {
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
                None
            }
        }
    }

    fn count(node: &Node) -> usize {
        match node {
            Node::Scalar { .. } => 1,
            Node::Seq(items) => 1 + items.iter().map(Self::count).sum::<usize>(),
            Node::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| Self::count(k) + Self::count(v))
                    .sum::<usize>()
            }
        }
    }
}

fn line_error(e: &granit_parser::ScanError) -> String {
    format!("yaml: line {}: {}", e.marker().line(), e.info())
}

fn first_document(text: &str) -> Result<Option<Node>, String> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        copied: 0,
    };
    let mut done: Option<Node> = None;
    for item in Parser::new_from_str(text) {
        let (event, _span) = item.map_err(|e| line_error(&e))?;
        let finished = match event {
            Event::StreamStart | Event::DocumentStart(..) => None,
            Event::StreamEnd | Event::DocumentEnd => {
                if done.is_some() || b.stack.is_empty() {
                    break;
                }
                None
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::Scalar {
                    text: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag.as_deref().map(tag_name),
                };
                if anchor != 0 {
                    b.anchors.insert(anchor, node.clone());
                }
                b.push(node)
            }
            Event::Alias(id) => {
                let node = b
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| "yaml: unknown anchor referenced".to_string())?;
                b.copied += Builder::count(&node);
                if b.copied > MAX_ALIAS_NODES {
                    return Err("yaml: document contains excessive aliasing".into());
                }
                b.push(node)
            }
            Event::SequenceStart(_, anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    return Err("yaml: exceeded max depth".into());
                }
                b.stack.push((Frame::Seq(Vec::new()), anchor));
                None
            }
            Event::MappingStart(_, anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    return Err("yaml: exceeded max depth".into());
                }
                b.stack.push((Frame::Map(Vec::new(), None), anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (frame, anchor) = b
                    .stack
                    .pop()
                    .ok_or_else(|| "yaml: unbalanced collection".to_string())?;
                let node = match frame {
                    Frame::Seq(items) => Node::Seq(items),
                    Frame::Map(entries, _) => Node::Map(entries),
                };
                if anchor != 0 {
                    b.anchors.insert(anchor, node.clone());
                }
                b.push(node)
            }
            _ => None,
        };
        if let Some(n) = finished {
            done = Some(n);
        }
    }
    Ok(done)
}

fn is_merge_key(n: &Node) -> bool {
    matches!(n, Node::Scalar { text, plain: true, tag: None } if text == "<<")
        || matches!(n, Node::Scalar { tag: Some(t), .. } if t == "!!merge")
}

fn to_value(n: &Node, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("yaml: exceeded max depth".into());
    }
    match n {
        Node::Scalar { text, plain, tag } => scalar(text, *plain, tag.as_deref()),
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(to_value(i, depth + 1)?);
            }
            Ok(Value::List(Arc::new(out)))
        }
        Node::Map(entries) => {
            let map = Map::new();
            fill_map(&map, entries, depth)?;
            Ok(Value::Map(map))
        }
    }
}

fn fill_map(map: &Map, entries: &[(Node, Node)], depth: usize) -> Result<(), String> {
    for (k, v) in entries {
        if is_merge_key(k) {
            merge_into(map, v, depth)?;
            continue;
        }
        let key = key_string(k)?;
        let value = to_value(v, depth + 1)?;
        map.insert(key, value);
    }
    Ok(())
}

fn merge_into(map: &Map, v: &Node, depth: usize) -> Result<(), String> {
    const WANT_MAP: &str = "yaml: map merge requires map or sequence of maps as the value";
    match v {
        Node::Map(entries) => fill_map(map, entries, depth + 1),
        Node::Seq(items) => {
            for item in items.iter().rev() {
                match item {
                    Node::Map(entries) => fill_map(map, entries, depth + 1)?,
                    _ => return Err(WANT_MAP.into()),
                }
            }
            Ok(())
        }
        _ => Err(WANT_MAP.into()),
    }
}

/// A map key as `sigs.k8s.io/yaml` turns it into a JSON object key.
fn key_string(k: &Node) -> Result<String, String> {
    let Node::Scalar { text, plain, tag } = k else {
        return Err("yaml: invalid map key: a collection".into());
    };
    match scalar(text, *plain, tag.as_deref())? {
        Value::String(s) => Ok(s.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Float(_) => match resolve(text) {
            Resolved::Int(i) => Ok(i.to_string()),
            Resolved::Uint(u) => Ok(u.to_string()),
            // go-yaml's float-to-string for keys uses 32-bit precision.
            Resolved::Float(f) => Ok(super::float32_text(f)),
            _ => Ok(text.clone()),
        },
        Value::Nil => Err(format!(
            "unsupported map key of type: <nil>, key: <nil>, value: {text:?}"
        )),
        other => Ok(other.to_string()),
    }
}

fn scalar(text: &str, plain: bool, tag: Option<&str>) -> Result<Value, String> {
    let resolved = match tag {
        None if plain => resolve(text),
        None => Resolved::Str,
        Some("!!str") => Resolved::Str,
        Some("!!binary") => {
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(cleaned)
                .map_err(|e| format!("yaml: !!binary value contains invalid base64 data: {e}"))?;
            return Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()));
        }
        Some("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp" | "!!merge") => {
            resolve(text)
        }
        // go-yaml leaves scalars with other tags as strings.
        Some(_) => Resolved::Str,
    };
    Ok(match resolved {
        Resolved::Null => Value::Nil,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Float(i as f64),
        Resolved::Uint(u) => Value::Float(u as f64),
        Resolved::Float(f) if f.is_finite() => Value::Float(f),
        Resolved::Float(f) => {
            return Err(format!(
                "error converting YAML to JSON: json: unsupported value: {}",
                gotmpl::sprint(&[Value::Float(f)])
            ));
        }
        Resolved::Timestamp | Resolved::Str | Resolved::Merge => Value::from(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> serde_json::Value {
        parse(text)
            .map(|v| v.to_json())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn numbers_become_floats_and_words_booleans() {
        let v = parse("a: 1\nb: yes\nc: '1'\nd: ~\ne: 0755\n").unwrap_or_default();
        let Value::Map(m) = v else {
            panic!("not a map")
        };
        assert_eq!(m.get("a"), Some(Value::Float(1.0)));
        assert_eq!(m.get("b"), Some(Value::Bool(true)));
        assert_eq!(m.get("c"), Some(Value::from("1")));
        assert_eq!(m.get("d"), Some(Value::Nil));
        assert_eq!(m.get("e"), Some(Value::Float(493.0)));
    }

    #[test]
    fn keys_are_strings() {
        assert_eq!(
            j("1: a\ntrue: b\n1.5: c\nnull_: d"),
            serde_json::json!({"1": "a", "true": "b", "1.5": "c", "null_": "d"})
        );
        assert!(parse("~: a").is_err());
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "base: &b {x: 1, w: 2}\nuse:\n  <<: *b\n  w: 3\nlist: [*b]\n";
        assert_eq!(
            j(text),
            serde_json::json!({"base": {"x": 1.0, "w": 2.0}, "use": {"x": 1.0, "w": 3.0}, "list": [{"x": 1.0, "w": 2.0}]})
        );
    }

    #[test]
    fn first_document_only_and_empty() {
        assert_eq!(j("a: 1\n---\nb: 2\n"), serde_json::json!({"a": 1.0}));
        assert!(parse("").unwrap_or(Value::Bool(true)).is_nil());
        assert!(
            parse("# only a comment\n")
                .unwrap_or(Value::Bool(true))
                .is_nil()
        );
        assert_eq!(parse_map("").map(|m| m.len()), Ok(0));
        assert!(parse_map("- a").is_err());
    }

    #[test]
    fn block_scalars_and_tags() {
        assert_eq!(
            j("a: |\n  x\n  y\nb: !!str 12\nc: !custom 5\nd: !!binary aGk=\n"),
            serde_json::json!({"a": "x\ny\n", "b": "12", "c": "5", "d": "hi"})
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").err().unwrap_or_default();
        assert!(e.starts_with("yaml: line "), "{e}");
        assert!(parse("a: .nan").is_err());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&text).is_err());
    }
}
