//! Reading YAML files into [`Node`] trees that remember where each value
//! was written (file and line).
//!
//! serde_yaml parses values without positions, so the loader scans the raw
//! text once to build a small index from key paths to lines (block-style
//! YAML: `key:` lines and `- ` items, indentation-aware), and attaches each
//! value's line while converting. A value the index cannot place (inside a
//! one-line flow mapping, say) takes its parent's line, which for flow
//! style is the same line anyway. serde_yaml stays inside this file, so a
//! maintained fork or another parser could replace it in one place.

use super::diagnostics::{Diagnostic, Diagnostics};
use std::collections::HashMap;
use std::path::Path;

/// Index of a loaded file in [`Files`].
pub(crate) type FileId = u16;

/// Where a value was written: file and 1-based line (0 = unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct At {
    pub file: FileId,
    pub line: u32,
}

/// A YAML value with its position. Maps keep the order they were written in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub at: At,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` pair of a map.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: At,
    pub value: Node,
}

impl Node {
    pub fn new(kind: Kind, at: At) -> Node {
        Node { kind, at }
    }

    pub fn empty_map(at: At) -> Node {
        Node::new(Kind::Map(Vec::new()), at)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// What the value is, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "nothing (null)",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// What the value is, with the value when it is a short scalar:
    /// "the string `yes`".
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Str(s) if s.chars().count() <= 40 => format!("the string `{s}`"),
            Kind::Int(i) => format!("the integer `{i}`"),
            Kind::Bool(b) => format!("the boolean `{b}`"),
            _ => self.type_name().to_string(),
        }
    }

    /// Converts back to a serde_yaml value (for `config render`).
    pub fn to_yaml(&self) -> serde_yaml::Value {
        use serde_yaml::Value as Y;
        match &self.kind {
            Kind::Null => Y::Null,
            Kind::Bool(b) => Y::Bool(*b),
            Kind::Int(i) => Y::Number((*i).into()),
            Kind::Float(f) => Y::Number((*f).into()),
            Kind::Str(s) => Y::String(s.clone()),
            Kind::List(items) => Y::Sequence(items.iter().map(Node::to_yaml).collect()),
            Kind::Map(entries) => Y::Mapping(
                entries
                    .iter()
                    .map(|e| (Y::String(e.key.clone()), e.value.to_yaml()))
                    .collect(),
            ),
        }
    }

    /// A scalar or list as one line of YAML (flow style), for diffs.
    pub fn to_inline(&self) -> String {
        match &self.kind {
            Kind::Null => "null".to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::Float(f) => {
                let y = serde_yaml::Value::Number((*f).into());
                render_yaml(&y).trim_end().to_string()
            }
            Kind::Str(s) => {
                let y = serde_yaml::Value::String(s.clone());
                render_yaml(&y).trim_end().to_string()
            }
            Kind::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Node::to_inline)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|e| format!("{}: {}", e.key, e.value.to_inline()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Serializes a YAML value; serde_yaml cannot fail on its own value type.
pub(crate) fn render_yaml(value: &serde_yaml::Value) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}

/// The files loaded, by [`FileId`]; names are relative to the project root.
#[derive(Clone, Debug, Default)]
pub(crate) struct Files {
    names: Vec<String>,
}

impl Files {
    pub fn add(&mut self, name: String) -> FileId {
        self.names.push(name);
        (self.names.len() - 1) as FileId
    }

    pub fn name(&self, id: FileId) -> &str {
        self.names.get(id as usize).map_or("?", String::as_str)
    }

    /// A diagnostic placed at `at`.
    pub fn place(&self, d: Diagnostic, at: At) -> Diagnostic {
        let line = (at.line > 0).then_some(at.line as usize);
        d.in_file(self.name(at.file), line)
    }
}

/// How a file's content turned out.
pub(crate) enum Loaded {
    /// A document (possibly an empty one: `Kind::Null`).
    Doc(Node),
    /// Problems already reported.
    Failed,
}

/// Reads and parses one YAML file. `name` is how messages refer to it.
pub(crate) fn load_file(
    path: &Path,
    name: &str,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> Loaded {
    let file = files.add(name.to_string());
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot read the file: {e}")).in_file(name, None));
            return Loaded::Failed;
        }
    };
    parse_bytes(&bytes, file, name, diags)
}

/// Parses file content (already read). Public to the crate for tests and
/// the fuzzing property tests.
pub(crate) fn parse_bytes(
    bytes: &[u8],
    file: FileId,
    name: &str,
    diags: &mut Diagnostics,
) -> Loaded {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => text,
        _ => {
            diags.push(
                Diagnostic::error("is not a text file (binary content, or not UTF-8)")
                    .in_file(name, None)
                    .with_hint("configuration files are UTF-8 YAML"),
            );
            return Loaded::Failed;
        }
    };
    let index = LineIndex::build(text);
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            diags.push(syntax_error(&e, text, name, &index));
            return Loaded::Failed;
        }
    };
    let mut convert = Convert {
        file,
        index: &index,
        name,
        diags,
    };
    Loaded::Doc(convert.node(value, Some(0), 1))
}

/// Turns a serde_yaml error into a message with the line, without
/// repeating the position inside the text, plus a hint for common causes.
fn syntax_error(e: &serde_yaml::Error, text: &str, name: &str, index: &LineIndex) -> Diagnostic {
    let mut message = e.to_string();
    let mut line = None;
    if let Some(loc) = e.location() {
        line = Some(loc.line());
        let at = format!(" at line {} column {}", loc.line(), loc.column());
        message = message.replacen(&at, "", 1);
    }
    let mut hint = None;
    let duplicate = message
        .find("duplicate entry with key \"")
        .and_then(|pos| message[pos + 26..].strip_suffix('"'))
        .map(str::to_string);
    if let Some(key) = duplicate {
        // serde_yaml places duplicates at the start of their mapping; the
        // index knows where the second one is.
        if let Some(dup) = index.duplicates.iter().find(|(k, _)| *k == key) {
            line = Some(dup.1 as usize);
        }
        message = format!("`{key}` appears twice in the same mapping");
        hint = Some("merge the two entries into one".to_string());
    } else if line
        .and_then(|l| text.lines().nth(l.saturating_sub(1)))
        .is_some_and(|l| l.contains('\t'))
    {
        hint = Some("YAML does not allow tabs for indentation: use spaces".to_string());
    } else if message.contains("flow sequence") || message.contains("flow mapping") {
        hint = Some(
            "a `[` or `{` is not closed (or a `,` is missing); quote values that contain brackets"
                .to_string(),
        );
    } else if message.contains("quoted scalar") {
        hint = Some("a quoted string is not closed".to_string());
    } else if message.contains("did not find expected key")
        || message.contains("did not find expected '-' indicator")
    {
        hint = Some(
            "check the indentation: the keys of one mapping (or the `-` items of one list) must line up"
                .to_string(),
        );
    } else if message.contains("mapping values are not allowed") {
        hint = Some("quote values that contain `: `".to_string());
    }
    let mut d = Diagnostic::error(format!("YAML syntax error: {message}")).in_file(name, line);
    if let Some(hint) = hint {
        d = d.with_hint(hint);
    }
    d
}

struct Convert<'a> {
    file: FileId,
    index: &'a LineIndex,
    name: &'a str,
    diags: &'a mut Diagnostics,
}

impl Convert<'_> {
    fn at(&self, line: u32) -> At {
        At {
            file: self.file,
            line,
        }
    }

    fn node(&mut self, value: serde_yaml::Value, slot: Option<u32>, line: u32) -> Node {
        use serde_yaml::Value as Y;
        let at = self.at(line);
        let kind = match value {
            Y::Null => Kind::Null,
            Y::Bool(b) => Kind::Bool(b),
            Y::Number(n) => match n.as_i64() {
                Some(i) => Kind::Int(i),
                None => Kind::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Y::String(s) => Kind::Str(s),
            // Tags carry no meaning in pudo's files; the value counts.
            Y::Tagged(tagged) => return self.node(tagged.value, slot, line),
            Y::Sequence(items) => Kind::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let child =
                            slot.and_then(|s| self.index.items.get(&(s, i as u32)).copied());
                        let child_line = child.map_or(line, |c| self.index.lines[c as usize]);
                        self.node(item, child, child_line)
                    })
                    .collect(),
            ),
            Y::Mapping(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => {
                            self.diags.push(
                                Diagnostic::error(format!(
                                    "a key must be plain text, not {}",
                                    type_of(&other)
                                ))
                                .in_file(self.name, Some(line as usize)),
                            );
                            continue;
                        }
                    };
                    let probe = (slot.unwrap_or(u32::MAX), key);
                    let child = slot.and_then(|_| self.index.keys.get(&probe).copied());
                    let key = probe.1;
                    let child_line = child.map_or(line, |c| self.index.lines[c as usize]);
                    let value = self.node(v, child, child_line);
                    entries.push(Entry {
                        key,
                        key_at: self.at(child_line),
                        value,
                    });
                }
                Kind::Map(entries)
            }
        };
        Node::new(kind, at)
    }
}

fn type_of(v: &serde_yaml::Value) -> &'static str {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => "null",
        Y::Bool(_) => "a boolean",
        Y::Number(_) => "a number",
        Y::String(_) => "a string",
        Y::Sequence(_) => "a list",
        Y::Mapping(_) => "a mapping",
        Y::Tagged(_) => "a tagged value",
    }
}

/// Key paths to lines, from one scan of the text. Node 0 is the document.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    lines: Vec<u32>,
    keys: HashMap<(u32, String), u32>,
    items: HashMap<(u32, u32), u32>,
    /// Keys seen twice under one parent: (key, line of the second).
    duplicates: Vec<(String, u32)>,
}

struct Frame {
    indent: isize,
    slot: u32,
    item: bool,
    next_item: u32,
}

impl LineIndex {
    pub fn build(text: &str) -> LineIndex {
        let mut index = LineIndex {
            lines: vec![1],
            ..LineIndex::default()
        };
        let mut stack = vec![Frame {
            indent: -1,
            slot: 0,
            item: false,
            next_item: 0,
        }];
        // Lines of a block scalar (`|`, `>`) deeper than this indent.
        let mut block_scalar: Option<isize> = None;
        // Open brackets of a flow collection spanning lines.
        let mut open_brackets: i32 = 0;
        for (i, raw) in text.lines().enumerate() {
            let line_no = (i + 1) as u32;
            if open_brackets > 0 {
                open_brackets += bracket_balance(raw);
                continue;
            }
            let content = raw.trim_start_matches(' ');
            let indent = (raw.len() - content.len()) as isize;
            if content.trim().is_empty() || content.starts_with('#') {
                continue;
            }
            if let Some(limit) = block_scalar {
                if indent > limit {
                    continue;
                }
                block_scalar = None;
            }
            if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
                continue;
            }
            let mut col = indent;
            let mut rest = content;
            while rest == "-" || rest.starts_with("- ") {
                while let Some(top) = stack.last() {
                    if top.indent > col || (top.indent == col && top.item) {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let parent = stack.last_mut().expect("root frame is never popped");
                let n = parent.next_item;
                parent.next_item += 1;
                let parent_slot = parent.slot;
                let slot = index.new_slot(line_no);
                index.items.insert((parent_slot, n), slot);
                stack.push(Frame {
                    indent: col,
                    slot,
                    item: true,
                    next_item: 0,
                });
                let after = &rest[1..];
                let trimmed = after.trim_start_matches(' ');
                col += 1 + (after.len() - trimmed.len()) as isize;
                rest = trimmed;
            }
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let Some((key, value)) = split_key(rest) else {
                continue;
            };
            while stack.last().is_some_and(|top| top.indent >= col) {
                stack.pop();
            }
            let parent = stack.last().expect("root frame is never popped").slot;
            let slot = index.new_slot(line_no);
            if let Some(previous) = index.keys.insert((parent, key.clone()), slot) {
                index.duplicates.push((key.clone(), line_no));
                // Keep the first for lookups.
                index.keys.insert((parent, key), previous);
            }
            stack.push(Frame {
                indent: col,
                slot,
                item: false,
                next_item: 0,
            });
            let value = value.trim_start();
            if value.starts_with('|') || value.starts_with('>') {
                block_scalar = Some(col);
            } else if value.starts_with('[') || value.starts_with('{') {
                open_brackets = bracket_balance(value).max(0);
            }
        }
        index
    }

    fn new_slot(&mut self, line: u32) -> u32 {
        self.lines.push(line);
        (self.lines.len() - 1) as u32
    }
}

/// `[`/`{` minus `]`/`}` outside quotes, up to a comment.
fn bracket_balance(text: &str) -> i32 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' if prev == ' ' => break,
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            },
        }
        prev = c;
    }
    depth
}

/// Splits `key: value` (key plain or quoted); `None` when the line is not a
/// key line (a plain scalar, a flow collection, a continuation).
fn split_key(rest: &str) -> Option<(String, &str)> {
    let first = rest.chars().next()?;
    if first == '"' {
        let mut out = String::new();
        let mut chars = rest[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    out.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                '"' => {
                    let after = rest[1 + i + 1..].trim_start_matches(' ');
                    return after_colon(after).map(|v| (out, v));
                }
                c => out.push(c),
            }
        }
        return None;
    }
    if first == '\'' {
        let mut out = String::new();
        let body = &rest[1..];
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, n)| *n) == Some('\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                let after = body[i + 1..].trim_start_matches(' ');
                return after_colon(after).map(|v| (out, v));
            }
            out.push(c);
        }
        return None;
    }
    if "[{&*!?|>%@`#,".contains(first) {
        return None;
    }
    let bytes = rest.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            let key = rest[..i].trim_end();
            return Some((key.to_string(), &rest[i + 1..]));
        }
        if *b == b' ' && bytes.get(i + 1) == Some(&b'#') {
            return None;
        }
    }
    None
}

fn after_colon(after: &str) -> Option<&str> {
    let rest = after.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(' ')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Node, Diagnostics) {
        let mut diags = Diagnostics::default();
        match parse_bytes(text.as_bytes(), 0, "f.yaml", &mut diags) {
            Loaded::Doc(node) => (node, diags),
            Loaded::Failed => panic!("failed: {diags}"),
        }
    }

    fn line_of(node: &Node, path: &[&str]) -> u32 {
        let mut cur = node;
        for seg in path {
            cur = match seg.parse::<usize>() {
                Ok(i) => match &cur.kind {
                    Kind::List(items) => &items[i],
                    _ => panic!("not a list at {seg}"),
                },
                Err(_) => cur.get(seg).unwrap_or_else(|| panic!("no {seg}")),
            };
        }
        cur.at.line
    }

    #[test]
    fn lines_follow_block_structure() {
        let text = "\
# comment
databases:
  DB:
    comment: |
      not: a key
    schemas:
      \"S ${env}\": {}
roles:
  R:
    grants:
      - on: database DB
        privileges: [USAGE]
      - { on: account, privileges: [X] }
    member_of:
    - SYSADMIN
    - PUBLIC
  T: { grants: [ { on: x,
      privileges: [a] } ] }
  U: {}
";
        let (doc, diags) = parse(text);
        assert!(diags.is_empty());
        assert_eq!(line_of(&doc, &["databases"]), 2);
        assert_eq!(line_of(&doc, &["databases", "DB", "comment"]), 4);
        assert_eq!(line_of(&doc, &["databases", "DB", "schemas"]), 6);
        assert_eq!(
            line_of(&doc, &["databases", "DB", "schemas", "S ${env}"]),
            7
        );
        assert_eq!(line_of(&doc, &["roles", "R", "grants", "0"]), 11);
        assert_eq!(
            line_of(&doc, &["roles", "R", "grants", "0", "privileges"]),
            12
        );
        assert_eq!(line_of(&doc, &["roles", "R", "grants", "1", "on"]), 13);
        assert_eq!(line_of(&doc, &["roles", "R", "member_of", "1"]), 16);
        assert_eq!(line_of(&doc, &["roles", "T", "grants", "0", "on"]), 17);
        assert_eq!(line_of(&doc, &["roles", "U"]), 19);
    }

    #[test]
    fn syntax_errors_have_lines_and_hints() {
        let mut diags = Diagnostics::default();
        let r = parse_bytes(b"a:\n\tb: 1\n", 0, "f.yaml", &mut diags);
        assert!(matches!(r, Loaded::Failed));
        let text = diags.to_string();
        assert!(text.contains("f.yaml:2:"), "{text}");
        assert!(text.contains("tabs"), "{text}");

        let mut diags = Diagnostics::default();
        parse_bytes(b"x: 1\ny:\n  a: 1\n  a: 2\n", 0, "f.yaml", &mut diags);
        let text = diags.to_string();
        assert!(text.contains("f.yaml:4:") && text.contains("`a`"), "{text}");

        let mut diags = Diagnostics::default();
        parse_bytes(b"\x00\x01\xff", 0, "f.yaml", &mut diags);
        assert!(diags.to_string().contains("not a text file"));
    }
}
