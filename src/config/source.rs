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
use crate::hash::FxHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault};
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
    // Straight into positioned nodes: one pass, without serde_yaml's own
    // `Value` tree (and its hashed mappings) in between.
    let mut convert = Convert {
        file,
        index: &index,
        name,
        diags: &mut Vec::new(),
    };
    let seed = NodeSeed {
        convert: &mut convert,
        slot: Some(0),
        line: 1,
    };
    let doc =
        serde::de::DeserializeSeed::deserialize(seed, serde_yaml::Deserializer::from_str(text));
    let key_diags = std::mem::take(convert.diags);
    match doc {
        Ok(node) => {
            for d in key_diags {
                diags.push(d);
            }
            Loaded::Doc(node)
        }
        Err(e) => {
            diags.push(syntax_error(&e, text, name, &index));
            Loaded::Failed
        }
    }
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
    /// Keys that are not plain text (reported once the document parsed).
    diags: &'a mut Vec<Diagnostic>,
}

impl Convert<'_> {
    fn at(&self, line: u32) -> At {
        At {
            file: self.file,
            line,
        }
    }
}

/// Deserializes one value into a [`Node`] at `line`; `slot` is its place in
/// the line index (`None` once below what the index knows).
struct NodeSeed<'c, 'a> {
    convert: &'c mut Convert<'a>,
    slot: Option<u32>,
    line: u32,
}

impl<'de> serde::de::DeserializeSeed<'de> for NodeSeed<'_, '_> {
    type Value = Node;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for NodeSeed<'_, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Node, E> {
        Ok(Node::new(Kind::Bool(b), self.convert.at(self.line)))
    }

    fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Node, E> {
        Ok(Node::new(Kind::Int(i), self.convert.at(self.line)))
    }

    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Node, E> {
        let kind = match i64::try_from(u) {
            Ok(i) => Kind::Int(i),
            Err(_) => Kind::Float(u as f64),
        };
        Ok(Node::new(kind, self.convert.at(self.line)))
    }

    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Node, E> {
        Ok(Node::new(Kind::Float(f), self.convert.at(self.line)))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Node, E> {
        Ok(Node::new(
            Kind::Str(s.to_owned()),
            self.convert.at(self.line),
        ))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Node, E> {
        Ok(Node::new(Kind::Str(s), self.convert.at(self.line)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::new(Kind::Null, self.convert.at(self.line)))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::new(Kind::Null, self.convert.at(self.line)))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        serde::de::DeserializeSeed::deserialize(self, deserializer)
    }

    /// A tagged value: tags carry no meaning in pudo's files; the value counts.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        use serde::de::VariantAccess;
        let (serde::de::IgnoredAny, value) = data.variant_seed(std::marker::PhantomData)?;
        value.newtype_variant_seed(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let NodeSeed {
            convert,
            slot,
            line,
        } = self;
        let at = convert.at(line);
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            let i = items.len() as u32;
            let child = slot.and_then(|s| convert.index.items.get(&(s, i)).copied());
            let child_line = child.map_or(line, |c| convert.index.lines[c as usize]);
            let seed = NodeSeed {
                convert: &mut *convert,
                slot: child,
                line: child_line,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Node::new(Kind::List(items), at))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        use serde_yaml::Value as Y;
        let NodeSeed {
            convert,
            slot,
            line,
        } = self;
        let at = convert.at(line);
        let mut entries: Vec<Entry> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        let mut keys = SeenKeys::default();
        while let Some(k) = map.next_key::<Y>()? {
            if let Some(message) = keys.duplicate(&k, &entries) {
                return Err(serde::de::Error::custom(message));
            }
            let (key, from_text) = match k {
                Y::String(s) => (s, true),
                Y::Number(n) => {
                    keys.other.push(Y::Number(n.clone()));
                    (n.to_string(), false)
                }
                Y::Bool(b) => {
                    keys.other.push(Y::Bool(b));
                    (b.to_string(), false)
                }
                other => {
                    convert.diags.push(
                        Diagnostic::error(format!(
                            "a key must be plain text, not {}",
                            type_of(&other)
                        ))
                        .in_file(convert.name, Some(line as usize)),
                    );
                    // Parsed (it may hold errors), but not kept, nor looked
                    // into for more problems.
                    let muted = convert.diags.len();
                    map.next_value_seed(NodeSeed {
                        convert: &mut *convert,
                        slot: None,
                        line,
                    })?;
                    convert.diags.truncate(muted);
                    keys.other.push(other);
                    continue;
                }
            };
            let probe = (slot.unwrap_or(u32::MAX), key);
            let child = slot.and_then(|_| convert.index.keys.get(&probe).copied());
            let key = probe.1;
            let child_line = child.map_or(line, |c| convert.index.lines[c as usize]);
            keys.record(&key, from_text, &entries);
            let value = map.next_value_seed(NodeSeed {
                convert: &mut *convert,
                slot: child,
                line: child_line,
            })?;
            entries.push(Entry {
                key,
                key_at: convert.at(child_line),
                value,
            });
        }
        Ok(Node::new(Kind::Map(entries), at))
    }
}

/// The keys of one mapping so far, to refuse a key written twice as
/// serde_yaml's own mappings do (same message): text keys are compared as
/// text, other keys (numbers, booleans, ...) as YAML values.
#[derive(Default)]
struct SeenKeys {
    /// Per entry: was its key written as text?
    text: Vec<bool>,
    /// Hashes of the text keys, once the mapping is large enough to need it.
    hashes: Option<HashSet<u64, BuildHasherDefault<FxHasher>>>,
    /// Keys that were not text.
    other: Vec<serde_yaml::Value>,
}

/// Text keys of a mapping are indexed by hash from this many on.
const HASHED_KEYS_FROM: usize = 16;

impl SeenKeys {
    fn hash(key: &str) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(key)
    }

    fn has_text(&self, key: &str, entries: &[Entry]) -> bool {
        if let Some(hashes) = &self.hashes
            && !hashes.contains(&Self::hash(key))
        {
            return false;
        }
        entries
            .iter()
            .zip(&self.text)
            .any(|(e, &text)| text && e.key == key)
    }

    /// serde_yaml's message when `key` was seen before.
    fn duplicate(&self, key: &serde_yaml::Value, entries: &[Entry]) -> Option<String> {
        use serde_yaml::Value as Y;
        // Named as the mapping holds it (`-0.0` equals `0.0`).
        let existing = match key {
            Y::String(s) => self.has_text(s, entries).then_some(key)?,
            other => self.other.iter().find(|o| *o == other)?,
        };
        Some(match existing {
            Y::Null => "duplicate entry with null key".to_string(),
            Y::Bool(b) => format!("duplicate entry with key `{b}`"),
            Y::Number(n) => format!("duplicate entry with key {n}"),
            Y::String(s) => format!("duplicate entry with key {s:?}"),
            Y::Sequence(_) | Y::Mapping(_) | Y::Tagged(_) => {
                "duplicate entry in YAML map".to_string()
            }
        })
    }

    /// Records the key of the entry about to be pushed after `entries`.
    fn record(&mut self, key: &str, from_text: bool, entries: &[Entry]) {
        self.text.push(from_text);
        if let Some(hashes) = &mut self.hashes {
            if from_text {
                hashes.insert(Self::hash(key));
            }
        } else if self.text.len() >= HASHED_KEYS_FROM {
            let mut hashes = HashSet::default();
            for (e, &text) in entries.iter().zip(&self.text) {
                if text {
                    hashes.insert(Self::hash(&e.key));
                }
            }
            if from_text {
                hashes.insert(Self::hash(key));
            }
            self.hashes = Some(hashes);
        }
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
    // Fx hash: one lookup per key and item of the file.
    keys: HashMap<(u32, String), u32, BuildHasherDefault<FxHasher>>,
    items: HashMap<(u32, u32), u32, BuildHasherDefault<FxHasher>>,
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
    fn keys_written_twice_are_refused_like_serde_yaml_does() {
        let mut big = String::from("m:\n");
        for i in 0..40 {
            big.push_str(&format!("  k{i}: {i}\n"));
        }
        let (doc, _) = parse(&big);
        assert_eq!(
            doc.get("m").and_then(Node::as_map).map(<[_]>::len),
            Some(40)
        );
        for (text, message) in [
            (format!("{big}  k7: again\n"), "`k7` appears twice"),
            (
                "x:\n  1: a\n  1: b\n".to_string(),
                "duplicate entry with key 1",
            ),
            (
                "-0.0: y\n0.0: z\n".to_string(),
                "duplicate entry with key -0.0",
            ),
            ("~: 1\n~: 2\n".to_string(), "duplicate entry with null key"),
        ] {
            let mut diags = Diagnostics::default();
            let r = parse_bytes(text.as_bytes(), 0, "f.yaml", &mut diags);
            assert!(matches!(r, Loaded::Failed), "{text}");
            assert!(diags.to_string().contains(message), "{text}: {diags}");
        }
        // A number and the same text are two keys, as in serde_yaml.
        let (doc, _) = parse("x:\n  1: a\n  \"1\": b\n");
        assert_eq!(doc.get("x").and_then(Node::as_map).map(<[_]>::len), Some(2));
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
