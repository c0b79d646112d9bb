//! A YAML document as a tree of nodes that remember where they were written.
//!
//! Built from `saphyr-parser`'s events rather than through serde, so that every node keeps its
//! line and column (Falco reports them) and aliases are expanded under a budget: a file of a few
//! kilobytes cannot grow into gigabytes of nodes (`a: &a [*b, *b, ...]`), nor nest deeper than
//! [`MAX_DEPTH`].

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting of sequences and mappings accepted (rules files use four or five levels).
pub const MAX_DEPTH: usize = 64;

/// Most nodes a document may hold once its aliases are expanded: the text's length in bytes
/// plus this (a node costs at least one byte of text unless an alias copies it).
const NODE_ALLOWANCE: usize = 100_000;

/// A place in a file: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it holds.
    pub kind: Kind,
    /// Where it starts.
    pub pos: Pos,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar's text; `quoted` for the single- and double-quoted and block styles, whose text
    /// is never `null`, a number or a boolean.
    Scalar {
        /// The text, escapes resolved.
        text: String,
        /// Written in quotes or as a block.
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, its pairs in file order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The text of a scalar, whatever it looks like.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether it is YAML's null (`~`, `null`, or nothing, unquoted).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, quoted: false }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A boolean as YAML 1.2's core schema and yaml-cpp read one (`true`, `False`, `yes`...).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar {
                text,
                quoted: false,
            } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The pairs of a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value of key `key` in a mapping (the last one, should the key repeat).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What kind of node it is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_null() => "null",
            Kind::Scalar { .. } => "scalar",
            Kind::Seq(_) => "sequence",
            Kind::Map(_) => "mapping",
        }
    }

    fn count(&self) -> usize {
        match &self.kind {
            Kind::Scalar { .. } => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Kind::Map(pairs) => {
                1 + pairs
                    .iter()
                    .map(|(k, v)| k.count() + v.count())
                    .sum::<usize>()
            }
        }
    }
}

/// Text that is not YAML, or YAML past the bounds above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

/// The documents of `text` (a rules file is one document; an empty text has none).
///
/// Like libyaml and yaml-cpp (which Falco uses), and unlike the YAML specification and
/// `saphyr-parser`, this takes the lines inside a flow collection at any indentation:
/// Falco's own rules files close lists with a `]` under their key. When the strict reading
/// fails on indentation, such lines are indented past their collection's opening line and
/// the text is read again (their columns then count the added spaces).
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    match Builder::new(text).run() {
        Err(e) if e.message.contains("invalid indentation") => match reindent_flow_lines(text) {
            Some(fixed) => Builder::new(&fixed).run().map_err(|_| e),
            None => Err(e),
        },
        other => other,
    }
}

/// `text` with every line that starts inside a flow collection (`[...]`, `{...}` spanning
/// lines) indented one column past the line that opened the outermost collection; `None`
/// when no line needed it. Quotes, comments and block scalars are followed so that brackets
/// inside them do not count.
fn reindent_flow_lines(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 256);
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut open_indent = 0usize;
    let mut block_scalar: Option<usize> = None;
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                out.push_str(line);
                continue;
            }
            block_scalar = None;
        }
        if (depth > 0 || quote.is_some()) && !blank && indent <= open_indent {
            out.extend(std::iter::repeat_n(' ', open_indent + 1 - indent));
            changed = true;
        }
        out.push_str(line);
        // Scan the line for brackets, quotes, comments and block scalar starts.
        let mut prev: Option<char> = None; // the last non-blank character on the line
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                if c == '\\' && q == '"' {
                    chars.next();
                } else if c == q {
                    if q == '\'' && chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                prev = Some(c);
                continue;
            }
            let node_start = match prev {
                None => true,
                Some(p) if depth > 0 => matches!(p, '[' | '{' | ',' | ':'),
                Some(p) => matches!(p, ':' | '-' | '?'),
            };
            match c {
                ' ' | '\t' | '\r' | '\n' => continue,
                '#' if prev.is_none() || line_has_blank_before(line, &chars) => break,
                '\'' | '"' if node_start => quote = Some(c),
                '[' | '{' if node_start || depth > 0 => {
                    if depth == 0 {
                        open_indent = indent;
                    }
                    depth += 1;
                }
                ']' | '}' if depth > 0 => depth -= 1,
                '|' | '>' if node_start && depth == 0 => {
                    block_scalar = Some(indent);
                    break;
                }
                _ => {}
            }
            prev = Some(c);
        }
    }
    changed.then_some(out)
}

/// Whether the character just taken from `rest` (a `#`) follows a blank, which makes it a
/// comment.
fn line_has_blank_before(line: &str, rest: &std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let left = rest.clone().map(char::len_utf8).sum::<usize>();
    let at = line.len() - left - 1;
    at == 0 || line[..at].ends_with([' ', '\t'])
}

/// An open collection while its children arrive.
enum Open {
    Seq(Vec<Node>, Pos, usize),
    /// Pairs so far, a key waiting for its value, the position, the anchor.
    Map(Vec<(Node, Node)>, Option<Node>, Pos, usize),
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    stack: Vec<Open>,
    nodes: usize,
    budget: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        Builder {
            parser: Parser::new_from_str(text),
            anchors: HashMap::new(),
            stack: Vec::new(),
            nodes: 0,
            budget: text.len().saturating_add(NODE_ALLOWANCE),
        }
    }

    fn run(mut self) -> Result<Vec<Node>, YamlError> {
        let mut docs = Vec::new();
        while let Some(next) = self.parser.next_event() {
            let (event, span) = next.map_err(|e| YamlError {
                message: e.info().to_string(),
                pos: Pos {
                    line: e.marker().line(),
                    col: e.marker().col() + 1,
                },
            })?;
            let pos = Pos {
                line: span.start.line(),
                col: span.start.col() + 1,
            };
            let done = match event {
                Event::StreamEnd => break,
                Event::Nothing
                | Event::StreamStart
                | Event::DocumentStart(_)
                | Event::DocumentEnd => continue,
                Event::Alias(id) => {
                    let node = self.anchors.get(&id).cloned().ok_or(YamlError {
                        message: "alias to an unknown anchor".into(),
                        pos,
                    })?;
                    self.charge(node.count(), pos)?;
                    Some(node)
                }
                Event::Scalar(text, style, anchor, _) => {
                    self.charge(1, pos)?;
                    let node = Node {
                        kind: Kind::Scalar {
                            text: text.into_owned(),
                            quoted: !matches!(style, ScalarStyle::Plain),
                        },
                        pos,
                    };
                    self.anchor(anchor, &node);
                    Some(node)
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(Open::Seq(Vec::new(), pos, anchor), pos)?;
                    None
                }
                Event::MappingStart(anchor, _) => {
                    self.open(Open::Map(Vec::new(), None, pos, anchor), pos)?;
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, anchor) = match self.stack.pop() {
                        Some(Open::Seq(items, p, a)) => (
                            Node {
                                kind: Kind::Seq(items),
                                pos: p,
                            },
                            a,
                        ),
                        Some(Open::Map(pairs, _, p, a)) => (
                            Node {
                                kind: Kind::Map(pairs),
                                pos: p,
                            },
                            a,
                        ),
                        None => {
                            return Err(YamlError {
                                message: "end of a collection that was not opened".into(),
                                pos,
                            });
                        }
                    };
                    self.anchor(anchor, &node);
                    Some(node)
                }
            };
            if let Some(node) = done {
                match self.stack.last_mut() {
                    None => docs.push(node),
                    Some(Open::Seq(items, ..)) => items.push(node),
                    Some(Open::Map(pairs, key, ..)) => match key.take() {
                        None => *key = Some(node),
                        Some(k) => pairs.push((k, node)),
                    },
                }
            }
        }
        Ok(docs)
    }

    fn open(&mut self, open: Open, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                message: format!("nested deeper than {MAX_DEPTH} levels"),
                pos,
            });
        }
        self.charge(1, pos)?;
        self.stack.push(open);
        Ok(())
    }

    fn anchor(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn charge(&mut self, nodes: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.budget {
            return Err(YamlError {
                message: format!("aliases expand the document beyond {} nodes", self.budget),
                pos,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_kinds() {
        let docs = parse("- rule: a\n  enabled: false\n  tags: [x, 'y']\n").unwrap();
        assert_eq!(docs.len(), 1);
        let items = docs[0].as_seq().unwrap();
        let rule = &items[0];
        assert_eq!(rule.pos, Pos { line: 1, col: 3 });
        assert_eq!(rule.get("rule").unwrap().as_str(), Some("a"));
        assert_eq!(rule.get("enabled").unwrap().as_bool(), Some(false));
        let tags = rule.get("tags").unwrap();
        assert_eq!(tags.pos, Pos { line: 3, col: 9 });
        let tags = tags.as_seq().unwrap();
        assert_eq!(tags[1].as_str(), Some("y"));
        assert_eq!(tags[1].as_bool(), None);
    }

    #[test]
    fn aliases_expand_within_budget() {
        let docs = parse("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(docs[0].get("b").unwrap().as_seq().unwrap().len(), 2);
        // Nine levels of ten aliases each: 10^9 nodes if expanded.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
    }

    #[test]
    fn depth_is_bounded() {
        // The parser bounds flow collections itself; this module bounds the block ones.
        assert!(parse(&"[".repeat(10_000)).is_err());
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&" ".repeat(i));
            text.push_str(&format!("k{i}:\n"));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err:?}");
    }

    #[test]
    fn flow_lines_under_their_key_are_taken() {
        let text = "- list: l\n  items: [\n    \"a b\",\n    'c]'\n  ]\n- macro: m\n  condition: >\n    x [\n    y\n";
        let docs = parse(text).unwrap();
        let items = docs[0].as_seq().unwrap();
        let l = items[0].get("items").unwrap().as_seq().unwrap();
        assert_eq!(
            l.iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>(),
            ["a b", "c]"]
        );
        assert_eq!(items[1].get("macro").unwrap().as_str(), Some("m"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("- rule: a\n  condition: [\n").unwrap_err();
        assert!(err.pos.line >= 2, "{err:?}");
    }
}
