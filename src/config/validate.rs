//! Merged document -> [`Model`]: expands templates, checks every key, type
//! and reference, and decides canonical values. Collects every problem.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::expand::{ExpandError, Expander, Scalar, Vars};
use super::merge::is_remove;
use super::source::{At, Entry, Files, Kind, Node};
use crate::kinds::{
    self, AttrType, Kind as ResourceKind, Section, database_role, database_role_grant,
    database_role_member, grant, role, role_grant,
};
use crate::model::{
    Attrs, Ident, Model, Origin, Part, Resource, ResourceId, StackName, Value, canonical,
};
use crate::suggest::did_you_mean;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Top-level keys of an environments file besides the kinds' sections.
const PLAIN_TOP_KEYS: &[&str] = &[
    "environments",
    "state",
    "vars",
    "external",
    "owners",
    "grants_role",
    "promotion",
    "connection",
];

const GRANT_KEYS: &[&str] = &["on", "privileges", "remove"];
/// The privilege on a database created from a share.
const IMPORTED: &str = "IMPORTED PRIVILEGES";

/// Every top-level key: the plain ones, then each kind's section.
pub(crate) fn top_keys() -> Vec<&'static str> {
    let mut keys = PLAIN_TOP_KEYS.to_vec();
    keys.extend(kinds::ALL.iter().filter_map(|k| match k.section {
        Section::Top(s) => Some(s),
        _ => None,
    }));
    keys
}

/// The kind declared in top-level section `key`.
fn top_kind(key: &str) -> Option<&'static ResourceKind> {
    kinds::ALL
        .iter()
        .copied()
        .find(|k| matches!(k.section, Section::Top(s) if s == key))
}

/// The keys `external:` accepts, with their kinds.
fn external_keys() -> Vec<&'static str> {
    kinds::ALL.iter().filter_map(|k| k.external).collect()
}

/// Variables from a document's `vars:` (checked by [`Builder`]).
#[cfg(test)]
pub(crate) fn collect_vars(doc: &Node) -> Vars {
    let mut vars = Vars::new();
    if let Some(entries) = doc.get("vars").and_then(Node::as_map) {
        for e in entries {
            vars.insert(e.key.clone(), e.value.clone());
        }
    }
    vars
}

/// Builds the model of `doc` (base.yaml, or base merged with an overlay).
/// With `env` = `None` only shared resources are read (the shared stack).
pub(crate) fn build_model(
    doc: &Node,
    files: &Files,
    env: Option<&str>,
    vars: &Vars,
    settings: &Settings<'_>,
) -> Result<Model, Diagnostics> {
    build_model_with(doc, files, env, vars, settings, true)
}

/// What validation needs besides the document: the environment's default
/// lifecycle states (`tasks: started`) and a reader of component
/// configurations (for `config: { from: config/<component> }`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Settings<'a> {
    /// `(env_key, value)` of the environment (`("tasks", "started")`).
    pub lifecycle: &'a [(String, String)],
    /// A component folder's merged configuration in the environment, as
    /// JSON; `Err` is the message.
    pub component: Option<&'a ComponentReader>,
    /// What `${env}` expands to when not the environment's name (the
    /// promotion preview expands it to [`super::ENV_PLACEHOLDER`]).
    pub env_text: Option<&'a str>,
    /// Objects references may also name (the preview: the environment's
    /// objects by their real names, which an override may write literally).
    pub known: &'a [ResourceId],
}

/// Reads a component folder (relative to the project) as JSON.
pub(crate) type ComponentReader = dyn Fn(&str) -> Result<serde_json::Value, String> + Sync;

/// [`build_model`], in one pass when `may_split` is false.
fn build_model_with(
    doc: &Node,
    files: &Files,
    env: Option<&str>,
    vars: &Vars,
    settings: &Settings<'_>,
    may_split: bool,
) -> Result<Model, Diagnostics> {
    let env_text = settings.env_text.or(env);
    let (owners, grants_role) = role_settings(doc, Expander::new(env_text, vars));
    let new_builder = || {
        let mut b = Builder {
            owners: owners.clone(),
            grants_role: grants_role.clone(),
            files,
            env,
            settings: *settings,
            sibling_edges: Vec::new(),
            pending_roles: Vec::new(),
            x: Expander::new(env_text, vars),
            diags: Diagnostics::default(),
            resources: BTreeMap::new(),
            external: Vec::new(),
            external_set: HashSet::new(),
            refs: Vec::new(),
            member_edges: Vec::new(),
            roles: Vec::new(),
            imported: Vec::new(),
        };
        for id in role::system_roles() {
            b.add_external(id);
        }
        b
    };
    let mut b = match split_document(doc).filter(|_| may_split) {
        Some((first, second)) => {
            // Two halves on two threads; the same result as one pass unless
            // the halves declare a common resource (a duplicate, reported
            // by one pass in its place).
            let (mut a, b) = std::thread::scope(|scope| {
                let other = scope.spawn(|| {
                    let mut b = new_builder();
                    b.units(&second);
                    b
                });
                let mut a = new_builder();
                a.units(&first);
                let b = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (a, b)
            });
            if a.absorb(b) {
                a
            } else {
                let mut b = new_builder();
                b.document(doc);
                b
            }
        }
        None => {
            let mut b = new_builder();
            b.document(doc);
            b
        }
    };
    b.external_set.extend(settings.known.iter().cloned());
    b.check_references();
    b.check_role_settings();
    b.check_imported();
    b.check_cycles();
    b.check_sibling_cycles();
    if b.diags.has_errors() {
        return Err(b.diags);
    }
    Ok(Model {
        environment: env.map(str::to_string),
        resources: b.resources,
        external: b.external,
        grants_role: b.grants_role,
    })
}

/// A contiguous part of the document's top-level work, in document order.
#[derive(Clone, Copy)]
enum Unit<'a> {
    /// A whole `vars` or `external` section.
    Section(&'a Entry),
    /// Entries of a kind's top-level section.
    Resources(&'static ResourceKind, &'a [Entry]),
}

impl Unit<'_> {
    /// Relative work.
    fn len(&self) -> usize {
        match self {
            Unit::Section(_) => 1,
            Unit::Resources(kind, e) => kind.parse_weight * e.len(),
        }
    }

    /// The number of entries.
    fn count(&self) -> usize {
        match self {
            Unit::Section(_) => 1,
            Unit::Resources(_, e) => e.len(),
        }
    }
}

/// Below this much work (entries of the resource sections) a second thread
/// costs more than it saves.
const PARALLEL_MIN: usize = 600;

/// The document's work split in two halves of about equal size, when it is
/// large and regular enough: every section is known and every resource
/// section is a mapping (otherwise the errors of one pass come in an order
/// two halves would not keep).
fn split_document(doc: &Node) -> Option<(Vec<Unit<'_>>, Vec<Unit<'_>>)> {
    let Kind::Map(entries) = &doc.kind else {
        return None;
    };
    let mut units = Vec::with_capacity(entries.len());
    for e in entries {
        units.push(match e.key.as_str() {
            "environments" | "state" | "promotion" | "connection" => continue,
            "vars" | "external" | "owners" | "grants_role" => Unit::Section(e),
            key => match (top_kind(key), &e.value.kind) {
                (Some(kind), Kind::Map(items)) => Unit::Resources(kind, items.as_slice()),
                _ => return None,
            },
        });
    }
    let total: usize = units.iter().map(Unit::len).sum();
    if total < PARALLEL_MIN {
        return None;
    }
    let mut first = Vec::new();
    let mut second = Vec::new();
    let mut done = 0;
    for unit in units {
        let half = total / 2;
        if done >= half {
            second.push(unit);
            continue;
        }
        let weight = unit.len() / unit.count().max(1);
        let take = (half - done).div_ceil(weight.max(1));
        match unit {
            Unit::Resources(kind, e) if take < e.len() => {
                first.push(Unit::Resources(kind, &e[..take]));
                second.push(Unit::Resources(kind, &e[take..]));
            }
            unit => first.push(unit),
        }
        done += unit.len();
    }
    Some((first, second))
}

/// A reference to check once everything is declared. Its key path is
/// `roles.<role>.<field>[<index>]` (`.on` for grants), kept in parts.
struct Reference<'a> {
    from: ResourceId,
    from_shared: bool,
    to: ResourceId,
    at: At,
    role_key: &'a str,
    field: &'static str,
    index: usize,
    /// The key path of an attribute that names an object (instead of a
    /// role's list item).
    attr_path: Option<String>,
}

impl Reference<'_> {
    fn path(&self) -> String {
        if let Some(path) = &self.attr_path {
            return path.clone();
        }
        let on = if self.field == "grants" { ".on" } else { "" };
        format!("roles.{}.{}[{}]{on}", self.role_key, self.field, self.index)
    }
}

/// The resource whose entry holds a child section.
struct Parent<'p> {
    kind: &'static ResourceKind,
    names: &'p [Ident],
    shared: bool,
    path: &'p KeyPath<'p>,
}

/// Whether `kind`'s entries hold memberships (the roles checked for cycles).
fn member_parent(kind: &ResourceKind) -> bool {
    matches!(role_grant::KIND.section, Section::Items { parent, .. } if std::ptr::eq(parent, kind))
}

struct Builder<'a> {
    /// Default owners by section key (`owners:`), in SQL form.
    owners: HashMap<String, String>,
    /// `grants_role:`, in SQL form.
    grants_role: Option<String>,
    files: &'a Files,
    env: Option<&'a str>,
    settings: Settings<'a>,
    /// Roles named by `owners:` / `grants_role:`, checked once everything
    /// is declared.
    pending_roles: Vec<(ResourceId, At, String)>,
    /// Objects naming others of their kind (a task's predecessors), with
    /// where: checked for cycles.
    sibling_edges: Vec<(ResourceId, ResourceId, At, String)>,
    x: Expander<'a>,
    diags: Diagnostics,
    resources: BTreeMap<ResourceId, Resource>,
    external: Vec<ResourceId>,
    external_set: HashSet<ResourceId>,
    refs: Vec<Reference<'a>>,
    /// role -> parent, with where it was written.
    member_edges: Vec<(Ident, Ident, At)>,
    /// Declared roles in order.
    roles: Vec<Ident>,
    /// Databases granted IMPORTED PRIVILEGES on, with where: they must come
    /// from a share (listed under `external`), not be declared.
    imported: Vec<(ResourceId, At, String)>,
}

/// Whether `env` stands as a word part in `text` (`PUDO_DEV_WH`).
fn names_env(text: &str, env: &str) -> bool {
    text.match_indices(env).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + env.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// A key path built as validation walks the document and turned into text
/// only for a message (`roles.PUDO_${env}_ROLE.grants[2].on`).
#[derive(Clone, Copy)]
enum KeyPath<'a> {
    Root,
    Key(&'a KeyPath<'a>, &'a str),
    Index(&'a KeyPath<'a>, usize),
}

impl<'a> KeyPath<'a> {
    fn key(&'a self, key: &'a str) -> KeyPath<'a> {
        KeyPath::Key(self, key)
    }

    fn index(&'a self, i: usize) -> KeyPath<'a> {
        KeyPath::Index(self, i)
    }

    /// The last key (for messages about that key).
    fn last_key(&self) -> &str {
        match self {
            KeyPath::Root => "",
            KeyPath::Key(_, key) => key,
            KeyPath::Index(parent, _) => parent.last_key(),
        }
    }

    /// Whether a key on the way is a template (`PUDO_${env}_WH`).
    fn templated(&self) -> bool {
        match self {
            KeyPath::Root => false,
            KeyPath::Key(parent, key) => key.contains("${") || parent.templated(),
            KeyPath::Index(parent, _) => parent.templated(),
        }
    }
}

impl fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPath::Root => Ok(()),
            KeyPath::Key(KeyPath::Root, key) => f.write_str(key),
            KeyPath::Key(parent, key) => write!(f, "{parent}.{key}"),
            KeyPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

static VARS: KeyPath<'static> = KeyPath::Key(&KeyPath::Root, "vars");
static EXTERNAL: KeyPath<'static> = KeyPath::Key(&KeyPath::Root, "external");

impl<'a> Builder<'a> {
    fn only_shared(&self) -> bool {
        self.env.is_none()
    }

    fn stack(&self, shared: bool) -> StackName {
        match (shared, self.env) {
            (false, Some(env)) => StackName::for_environment(env),
            _ => StackName::shared(),
        }
    }

    fn error(&mut self, at: At, path: &dyn fmt::Display, message: String, hint: Option<String>) {
        let mut d = Diagnostic::error(message).at_key(path.to_string());
        if let Some(hint) = hint {
            d = d.with_hint(hint);
        }
        self.diags.push(self.files.place(d, at));
    }

    fn expand_error(&mut self, at: At, path: &KeyPath<'_>, e: ExpandError) {
        let (message, hint) = e.describe();
        self.error(at, path, message, hint);
    }

    fn add_external(&mut self, id: ResourceId) {
        if self.external_set.insert(id.clone()) {
            self.external.push(id);
        }
    }

    fn unknown_key(&mut self, e: &Entry, path: &KeyPath<'_>, what: &str, allowed: &[&str]) {
        let hint = match did_you_mean(&e.key, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("valid keys: {}", allowed.join(", ")),
        };
        self.error(
            e.key_at,
            &path.key(&e.key),
            format!("unknown key `{}` in {what}", e.key),
            Some(hint),
        );
    }

    /// The entries of a mapping; `null` is an empty mapping.
    fn map_of<'n>(
        &mut self,
        node: &'n Node,
        path: &KeyPath<'_>,
        what: &str,
    ) -> Option<&'n [Entry]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            Kind::Null => Some(&[]),
            _ => {
                self.error(
                    node.at,
                    path,
                    format!("expected a mapping of {what}, found {}", node.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn scalar(&mut self, node: &Node, path: &KeyPath<'_>, x: Expander<'_>) -> Option<Scalar> {
        match x.scalar(node) {
            Ok(s) => Some(s),
            Err(e) => {
                self.expand_error(node.at, path, e);
                None
            }
        }
    }

    fn read_bool(&mut self, node: &Node, path: &KeyPath<'_>, x: Expander<'_>) -> Option<bool> {
        match self.scalar(node, path, x)? {
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            other => {
                self.error(
                    node.at,
                    path,
                    format!("expected `true` or `false`, found {}", other.describe()),
                    None,
                );
                None
            }
        }
    }

    fn read_int(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
        min: i64,
        hint: Option<&str>,
    ) -> Option<i64> {
        let value = match self.scalar(node, path, x)? {
            Scalar::Int(i) => i,
            Scalar::Str(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok()?,
            other => {
                self.error(
                    node.at,
                    path,
                    format!("expected a whole number, found {}", other.describe()),
                    None,
                );
                return None;
            }
        };
        if value < min {
            let key = path.last_key();
            let hint = hint.map(str::to_string);
            self.error(
                node.at,
                path,
                format!("`{key}` must be {min} or more, found {value}"),
                hint,
            );
            return None;
        }
        Some(value)
    }

    fn read_text(&mut self, node: &Node, path: &KeyPath<'_>, x: Expander<'_>) -> Option<String> {
        match self.scalar(node, path, x)? {
            Scalar::Str(s) => Some(s),
            other => {
                self.error(
                    node.at,
                    path,
                    format!("expected a string, found {}", other.describe()),
                    Some("write text, in quotes if it looks like a number".to_string()),
                );
                None
            }
        }
    }

    /// A canonical keyword (`size`, `type`, `scaling_policy`).
    fn read_keyword(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
        canon: fn(&str) -> Option<&'static str>,
        what: &str,
        valid: &str,
    ) -> Option<Value> {
        let text = self.read_text(node, path, x)?;
        match canon(&text) {
            Some(c) => Some(Value::Text(c.to_string())),
            None => {
                self.error(
                    node.at,
                    path,
                    format!("`{text}` is not a {what}"),
                    Some(format!("use one of {valid}")),
                );
                None
            }
        }
    }

    /// A resource name (a map key), expanded and parsed.
    fn name(&mut self, e: &Entry, path: &KeyPath<'_>, x: Expander<'_>) -> Option<Ident> {
        let expanded = match x.text(&e.key) {
            Ok(k) => k,
            Err(err) => {
                self.expand_error(e.key_at, path, err);
                return None;
            }
        };
        match Ident::parse(&expanded) {
            Ok(id) => Some(id),
            Err(err) => {
                self.error(
                    e.key_at,
                    path,
                    format!("invalid identifier: {err}"),
                    Some(
                        "in YAML, write a quoted identifier inside single quotes: '\"My Name\"'"
                            .to_string(),
                    ),
                );
                None
            }
        }
    }

    /// `shared:` of a resource (false when absent or invalid).
    fn shared_flag(&mut self, node: &Node, path: &KeyPath<'_>) -> bool {
        match node.get("shared") {
            Some(v) => {
                let x = self.x;
                self.read_bool(v, &path.key("shared"), x).unwrap_or(false)
            }
            None => false,
        }
    }

    fn insert(&mut self, id: ResourceId, shared: bool, attrs: Attrs, at: At, path: &KeyPath<'_>) {
        use std::collections::btree_map::Entry as Slot;
        let stack = self.stack(shared);
        let origin = Origin {
            file: self.files.name(at.file).to_string(),
            line: at.line as usize,
        };
        let first = match self.resources.entry(id) {
            Slot::Vacant(slot) => {
                let id = slot.key().clone();
                slot.insert(Resource {
                    id,
                    stack,
                    attrs,
                    origin: Some(origin),
                });
                return;
            }
            Slot::Occupied(slot) => (slot.key().clone(), slot.get().origin.clone()),
        };
        let (id, first) = first;
        let place = match first {
            Some(Origin { file, line: 0 }) => file,
            Some(Origin { file, line }) => format!("{file}:{line}"),
            None => "another place".to_string(),
        };
        // Name the environment when the name comes from it (`PUDO_DEV_WH`).
        let env = match self.env {
            Some(e) if path.templated() || names_env(&id.address(), e) => format!(" in {e}"),
            _ => String::new(),
        };
        self.error(
            at,
            path,
            format!("`{id}` is declared twice{env}: here and at {place}"),
            Some("two entries expand to the same name; rename or remove one".to_string()),
        );
    }

    fn document(&mut self, doc: &'a Node) {
        let Some(entries) = self.map_of(doc, &KeyPath::Root, "sections") else {
            return;
        };
        for e in entries {
            match e.key.as_str() {
                // Read by the loader.
                "environments" | "state" | "promotion" | "connection" => {}
                "vars" => self.vars(e),
                "external" => self.externals(e),
                "owners" | "grants_role" => self.role_setting(e),
                key => match top_kind(key) {
                    Some(kind) => self.section(kind, e),
                    None => self.unknown_key(e, &KeyPath::Root, "the top level", &top_keys()),
                },
            }
        }
    }

    /// What [`document`](Self::document) does for part of the document.
    fn units(&mut self, units: &[Unit<'a>]) {
        for unit in units {
            match *unit {
                Unit::Section(e) => match e.key.as_str() {
                    "vars" => self.vars(e),
                    "owners" | "grants_role" => self.role_setting(e),
                    _ => self.externals(e),
                },
                Unit::Resources(kind, e) => {
                    let path = KeyPath::Root;
                    let Section::Top(section) = kind.section else {
                        continue;
                    };
                    self.entries(kind, e, &path.key(section), None);
                }
            }
        }
    }

    /// Appends what `later` found in the part of the document after this
    /// builder's part. False when both declared a common resource: then only
    /// one pass over the whole document reports it as it should.
    fn absorb(&mut self, mut later: Builder<'a>) -> bool {
        let expected = self.resources.len() + later.resources.len();
        self.resources.append(&mut later.resources);
        if self.resources.len() != expected {
            return false;
        }
        self.diags.extend(later.diags);
        for id in later.external {
            self.add_external(id);
        }
        self.refs.append(&mut later.refs);
        self.member_edges.append(&mut later.member_edges);
        self.sibling_edges.append(&mut later.sibling_edges);
        self.pending_roles.append(&mut later.pending_roles);
        self.roles.append(&mut later.roles);
        self.imported.append(&mut later.imported);
        true
    }

    fn vars(&mut self, e: &Entry) {
        let Some(entries) = self.map_of(&e.value, &VARS, "variables") else {
            return;
        };
        for v in entries {
            let path = VARS.key(&v.key);
            let valid = v
                .key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && v.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                self.error(
                    v.key_at,
                    &path,
                    format!("`{}` is not a valid variable name", v.key),
                    Some("use letters, digits and `_`, starting with a letter".to_string()),
                );
            }
            if matches!(v.value.kind, Kind::List(_) | Kind::Map(_)) {
                self.error(
                    v.value.at,
                    &path,
                    format!("a variable holds one value, found {}", v.value.type_name()),
                    None,
                );
            }
        }
    }

    fn externals(&mut self, e: &Entry) {
        let Some(entries) = self.map_of(&e.value, &EXTERNAL, "object kinds") else {
            return;
        };
        for kind in entries {
            let path = EXTERNAL.key(&kind.key);
            let Some(object_kind) = kinds::ALL
                .iter()
                .copied()
                .find(|k| k.external == Some(kind.key.as_str()))
            else {
                self.unknown_key(kind, &EXTERNAL, "`external`", &external_keys());
                continue;
            };
            let items = match &kind.value.kind {
                Kind::List(items) => items.as_slice(),
                Kind::Null => &[],
                _ => {
                    self.error(
                        kind.value.at,
                        &path,
                        format!("expected a list of names, found {}", kind.value.type_name()),
                        None,
                    );
                    continue;
                }
            };
            for item in items {
                let Some(raw) = item.as_str() else {
                    self.error(
                        item.at,
                        &path,
                        format!("expected a name, found {}", item.type_name()),
                        None,
                    );
                    continue;
                };
                let text = match self.x.text(raw) {
                    Ok(t) => t.into_owned(),
                    // The shared stack has no `${env}`; such names cannot be
                    // what a shared object refers to anyway.
                    Err(ExpandError::NoEnv) if self.only_shared() => continue,
                    Err(err) => {
                        self.expand_error(item.at, &path, err);
                        continue;
                    }
                };
                match kinds::parse_name(object_kind.meta, &text) {
                    Some(id) => self.add_external(id),
                    None => self.error(
                        item.at,
                        &path,
                        format!("`{text}` is not a valid name"),
                        (object_kind.meta.fields.len() > 1).then(|| {
                            format!(
                                "write {} as `DATABASE.{}`",
                                kind.key,
                                object_kind.name().to_ascii_uppercase()
                            )
                        }),
                    ),
                }
            }
        }
    }

    /// Checks `owners:` (a role per kind section) and `grants_role:`.
    fn role_setting(&mut self, e: &Entry) {
        let root = KeyPath::Root;
        let path = root.key(&e.key);
        let x = self.x;
        let check = |b: &mut Self, node: &Node, p: &KeyPath<'_>| {
            let text = match x.scalar(node) {
                Ok(Scalar::Str(s)) => s,
                Ok(other) => {
                    b.error(
                        node.at,
                        p,
                        format!("expected a role name, found {}", other.describe()),
                        None,
                    );
                    return;
                }
                // The shared stack has no environment: checked per environment.
                Err(ExpandError::NoEnv) if b.only_shared() => return,
                Err(err) => return b.expand_error(node.at, p, err),
            };
            let Ok(name) = Ident::parse(&text) else {
                b.error(
                    node.at,
                    p,
                    format!("`{text}` is not a valid role name"),
                    None,
                );
                return;
            };
            let id = role::id(name);
            if !b.only_shared() && !b.external_set.contains(&id) {
                b.pending_roles.push((id, node.at, p.to_string()));
            }
        };
        if e.key == "grants_role" {
            check(self, &e.value, &path);
            return;
        }
        let Some(entries) = self.map_of(&e.value, &path, "owners by kind") else {
            return;
        };
        let keys: Vec<&str> = kinds::ALL
            .iter()
            .filter(|k| k.attr(kinds::OWNER.name).is_some())
            .map(|k| section_key(k))
            .collect();
        for o in entries {
            if !keys.contains(&o.key.as_str()) {
                self.unknown_key(o, &path, "`owners`", &keys);
                continue;
            }
            check(self, &o.value, &path.key(&o.key));
        }
    }

    /// A list of names of objects of the same kind (sorted, SQL form).
    fn sibling_names(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
    ) -> Option<Vec<String>> {
        let items = match &node.kind {
            Kind::List(items) => items.as_slice(),
            Kind::Null => &[],
            _ => {
                self.error(
                    node.at,
                    path,
                    format!("expected a list of names, found {}", node.type_name()),
                    Some(format!("write `{}: [NAME]`", path.last_key())),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let text = self.read_text(item, &p, x)?;
            match Ident::parse(&text) {
                Ok(id) => out.push(id.sql()),
                Err(err) => {
                    self.error(item.at, &p, format!("invalid name: {err}"), None);
                    return None;
                }
            }
        }
        out.sort();
        out.dedup();
        Some(out)
    }

    /// A JSON document: a mapping (strings expanded), or `{ from: DIR }`.
    fn json(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
    ) -> Option<serde_json::Value> {
        let Kind::Map(entries) = &node.kind else {
            self.error(
                node.at,
                path,
                format!("expected a mapping, found {}", node.type_name()),
                Some("write a mapping, or `{ from: config/<component> }`".to_string()),
            );
            return None;
        };
        if let [only] = entries.as_slice()
            && only.key == "from"
        {
            let dir = self.read_text(&only.value, &path.key("from"), x)?;
            let Some(read) = self.settings.component else {
                return Some(serde_json::Value::Null);
            };
            return match read(&dir) {
                Ok(json) => Some(json),
                Err(message) => {
                    self.error(
                        only.value.at,
                        &path.key("from"),
                        message,
                        Some("`from:` names a component folder such as `config/training` (base.yaml and <env>.override.yaml)".to_string()),
                    );
                    None
                }
            };
        }
        match node_json(node, &x) {
            Ok(json) => Some(json),
            Err(e) => {
                self.expand_error(node.at, path, e);
                None
            }
        }
    }

    /// A kind's top-level section.
    fn section(&mut self, kind: &'static ResourceKind, section: &'a Entry) {
        let root = KeyPath::Root;
        let path = root.key(&section.key);
        let what = format!("{}s", kind.name());
        let Some(entries) = self.map_of(&section.value, &path, &what) else {
            return;
        };
        self.entries(kind, entries, &path, None);
    }

    /// The entries of a kind's section (all, or a contiguous part): each
    /// one's keys checked against the kind's attributes and children, its
    /// values read in canonical form, then its children.
    fn entries(
        &mut self,
        kind: &'static ResourceKind,
        entries: &'a [Entry],
        section_path: &KeyPath<'_>,
        parent: Option<&Parent<'_>>,
    ) {
        for e in entries {
            let path = section_path.key(&e.key);
            let shared = self.shared_flag(&e.value, &path);
            if let Some(p) = parent
                && shared
                && !p.shared
            {
                if !self.only_shared() {
                    let (k, pk) = (kind.name(), p.kind.name());
                    self.error(
                        e.key_at,
                        &path,
                        format!("a shared {k} must be in a shared {pk}"),
                        Some(format!(
                            "add `shared: true` to the {pk}, or remove it from the {k} ({})",
                            p.path
                        )),
                    );
                }
                continue;
            }
            if self.only_shared() && !shared {
                continue;
            }
            let x = self.x.with_env_allowed(!shared);
            let name = self.name(e, &path, x);
            let what = format!("{} settings", kind.name());
            let Some(fields) = self.map_of(&e.value, &path, &what) else {
                continue;
            };
            let mut attrs = Attrs::new();
            let mut children: Vec<&'a Entry> = Vec::new();
            for f in fields {
                let p = path.key(&f.key);
                if f.key == "shared" {
                    continue;
                }
                if let Some(spec) = kind.attr(&f.key) {
                    if let Some(value) = self.read_attr(&spec.ty, &f.value, &p, x) {
                        attrs.insert(f.key.clone(), value);
                    }
                } else if kind.children.contains(&f.key.as_str()) {
                    children.push(f);
                } else if let Some(r) = kind.refused.iter().find(|r| r.key == f.key) {
                    self.error(
                        f.key_at,
                        &p,
                        r.message.to_string(),
                        Some(r.hint.to_string()),
                    );
                } else {
                    let what = format!("a {}", kind.name());
                    self.unknown_key(f, &path, &what, &kind.keys());
                }
            }
            for required in kind.required {
                if !e
                    .value
                    .as_map()
                    .is_some_and(|m| m.iter().any(|f| f.key == *required))
                {
                    self.error(
                        e.key_at,
                        &path,
                        format!("a {} needs `{required}:`", kind.name()),
                        kind.attr(required).map(|a| a.doc.to_string()),
                    );
                }
            }
            if kind.attr(kinds::OWNER.name).is_some()
                && !attrs.contains_key(kinds::OWNER.name)
                && let Some(owner) = self
                    .owners
                    .get(section_key(kind))
                    .cloned()
                    .or(kind.admin_role.map(str::to_string))
            {
                attrs.insert(kinds::OWNER.name.to_string(), Value::Text(owner));
            }
            if let Some(lc) = kind.lifecycle
                && !attrs.contains_key(lc.attr)
            {
                let default = self
                    .settings
                    .lifecycle
                    .iter()
                    .find(|(k, _)| k == lc.env_key)
                    .map_or(lc.inactive, |(_, v)| v.as_str());
                attrs.insert(lc.attr.to_string(), Value::Text(default.to_string()));
            }
            if let Some(check) = kind.check
                && let Some((key, message)) = check(&attrs)
            {
                let at = e.value.get(key).map_or(e.key_at, |n| n.at);
                self.error(at, &path.key(key), message, None);
            }
            let Some(name) = name else { continue };
            if let Some(check) = kind.entry_check
                && let Some(problem) = check(&name, &mut attrs)
            {
                let (at, p) = match problem.key {
                    Some(key) => (e.value.get(key).map_or(e.key_at, |n| n.at), path.key(key)),
                    None => (e.key_at, path),
                };
                self.error(at, &p, problem.message, Some(problem.hint));
                continue;
            }
            let mut names: Vec<Ident> = parent.map(|p| p.names.to_vec()).unwrap_or_default();
            names.push(name.clone());
            let id = ResourceId::named(kind.meta, names.iter().cloned());
            if self.resources.contains_key(&id) {
                // Reported by insert; its children would only repeat the error.
                self.insert(id, shared, attrs, e.key_at, &path);
                continue;
            }
            for to in kinds::attr_references_of(kind, Some(&id), &attrs) {
                let key = kind
                    .attrs
                    .iter()
                    .find(|a| match a.ty {
                        AttrType::Ref(m) => std::ptr::eq(m, to.kind_meta()),
                        AttrType::Siblings => std::ptr::eq(kind.meta, to.kind_meta()),
                        _ => false,
                    })
                    .map_or("", |a| a.name);
                if std::ptr::eq(kind.meta, to.kind_meta()) {
                    let at = e.value.get(key).map_or(e.key_at, |n| n.at);
                    self.sibling_edges.push((
                        id.clone(),
                        to.clone(),
                        at,
                        path.key(key).to_string(),
                    ));
                }
                let at = e.value.get(key).map_or(e.key_at, |n| n.at);
                self.refs.push(Reference {
                    from: id.clone(),
                    from_shared: shared,
                    to,
                    at,
                    role_key: "",
                    field: "",
                    index: 0,
                    attr_path: Some(path.key(key).to_string()),
                });
            }
            self.insert(id, shared, attrs, e.key_at, &path);
            if member_parent(kind) {
                self.roles.push(name.clone());
            }
            for f in children {
                self.child(kind, f, &names, shared, &path, &e.key, x);
            }
        }
    }

    /// A child section of a resource's entry: a mapping of resources it
    /// contains, or (special handling, see `kinds`) grants and memberships.
    #[allow(clippy::too_many_arguments)]
    fn child(
        &mut self,
        kind: &'static ResourceKind,
        f: &'a Entry,
        names: &[Ident],
        shared: bool,
        path: &KeyPath<'_>,
        entry_key: &'a str,
        x: Expander<'_>,
    ) {
        let Some(child) = kinds::ALL.iter().copied().find(|c| match c.section {
            Section::Child { parent, key } | Section::Items { parent, key } => {
                std::ptr::eq(parent, kind) && key == f.key
            }
            Section::Top(_) => false,
        }) else {
            return;
        };
        match child.section {
            Section::Child { key, .. } => {
                let section_path = path.key(key);
                let what = format!("{}s", child.name());
                let Some(entries) = self.map_of(&f.value, &section_path, &what) else {
                    return;
                };
                let parent = Parent {
                    kind,
                    names,
                    shared,
                    path,
                };
                self.entries(child, entries, &section_path, Some(&parent));
            }
            _ if std::ptr::eq(child, &grant::KIND) => {
                self.grants(f, names, shared, path, entry_key, x)
            }
            _ if std::ptr::eq(child, &database_role_grant::KIND) => {
                self.grants(f, names, shared, path, entry_key, x)
            }
            _ if std::ptr::eq(child, &database_role_member::KIND) => {
                self.database_role_member_of(f, names, shared, path, x)
            }
            _ => self.member_of(child, f, &names[0], shared, path, entry_key, x),
        }
    }

    /// A value of an attribute, in canonical form.
    fn read_attr(
        &mut self,
        ty: &AttrType,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
    ) -> Option<Value> {
        match ty {
            AttrType::Text => self.read_text(node, path, x).map(Value::Text),
            AttrType::Bool => self.read_bool(node, path, x).map(Value::Bool),
            AttrType::Int { min, hint } => {
                self.read_int(node, path, x, *min, *hint).map(Value::Int)
            }
            AttrType::Keyword {
                canon, what, valid, ..
            } => self.read_keyword(node, path, x, *canon, what, &valid()),
            AttrType::Privileges => self
                .privileges(node, path, x)
                .map(|p| Value::List(canonical::privilege_set(p))),
            AttrType::Siblings => self.sibling_names(node, path, x).map(Value::List),
            AttrType::Json => self.json(node, path, x).map(|j| Value::Text(j.to_string())),
            AttrType::List { canon, hint, .. } => {
                let Kind::List(items) = &node.kind else {
                    self.error(
                        node.at,
                        path,
                        format!("expected a list, found {}", node.type_name()),
                        Some(hint.to_string()),
                    );
                    return None;
                };
                let mut json = Vec::with_capacity(items.len());
                for item in items {
                    match node_json(item, &x) {
                        Ok(j) => json.push(j),
                        Err(e) => {
                            self.expand_error(item.at, path, e);
                            return None;
                        }
                    }
                }
                match canon(&json) {
                    Ok(list) => Some(Value::List(list)),
                    Err((index, message)) => {
                        let (at, p) = match index {
                            Some(i) => (items[i].at, path.index(i)),
                            None => (node.at, *path),
                        };
                        self.error(at, &p, message, Some(hint.to_string()));
                        None
                    }
                }
            }
            AttrType::Ref(meta) => {
                let text = self.read_text(node, path, x)?;
                match kinds::parse_name(meta, &text) {
                    Some(id) => Some(Value::Text(id.qualified_name())),
                    None => {
                        self.error(
                            node.at,
                            path,
                            format!("`{text}` is not a valid {} name", meta.name),
                            None,
                        );
                        None
                    }
                }
            }
        }
    }

    /// A list of roles the entry is granted to (`member_of` of a role) or
    /// that are granted to it (`roles` of a user): one `kind` item each.
    #[allow(clippy::too_many_arguments)]
    fn member_of(
        &mut self,
        kind: &'static ResourceKind,
        f: &Entry,
        role: &Ident,
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
        x: Expander<'_>,
    ) {
        let memberships = std::ptr::eq(kind, &role_grant::KIND);
        let path = role_path.key(&f.key);
        let items = match &f.value.kind {
            Kind::List(items) => items.as_slice(),
            Kind::Null => &[],
            _ => {
                self.error(
                    f.value.at,
                    &path,
                    format!("expected a list of roles, found {}", f.value.type_name()),
                    Some(format!("write `{}: [SYSADMIN]`", f.key)),
                );
                return;
            }
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                continue;
            };
            let parent = match Ident::parse(&text) {
                Ok(id) => id,
                Err(err) => {
                    self.error(item.at, &p, format!("invalid role name: {err}"), None);
                    continue;
                }
            };
            let id = ResourceId::named(kind.meta, [role.clone(), parent.clone()]);
            if self.resources.contains_key(&id) {
                continue;
            }
            self.refs.push(Reference {
                from: id.clone(),
                from_shared: shared,
                to: role::id(parent.clone()),
                at: item.at,
                role_key,
                field: "member_of",
                index: i,
                attr_path: (!memberships).then(|| p.to_string()),
            });
            if memberships {
                self.member_edges.push((role.clone(), parent, item.at));
            }
            self.insert(id, shared, Attrs::new(), item.at, &p);
        }
    }

    /// The roles a database role (`names`: its database and name) is
    /// granted to: account roles (`P`) and database roles of its database
    /// (`D.X`).
    fn database_role_member_of(
        &mut self,
        f: &Entry,
        names: &[Ident],
        shared: bool,
        role_path: &KeyPath<'_>,
        x: Expander<'_>,
    ) {
        let path = role_path.key("member_of");
        let items = match &f.value.kind {
            Kind::List(items) => items.as_slice(),
            Kind::Null => &[],
            _ => {
                self.error(
                    f.value.at,
                    &path,
                    format!("expected a list of roles, found {}", f.value.type_name()),
                    Some("write `member_of: [SYSADMIN, DB.OTHER_DATABASE_ROLE]`".to_string()),
                );
                return;
            }
        };
        let database = &names[0];
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                continue;
            };
            let parts = grant::split_dots(&text).unwrap_or_default();
            let idents: Result<Vec<Ident>, _> = parts.iter().map(|p| Ident::parse(p)).collect();
            let to = match idents.as_deref() {
                Ok([r]) => role::id(r.clone()),
                Ok([d, r]) if d == database => database_role::id(d.clone(), r.clone()),
                _ => {
                    self.error(
                        item.at,
                        &p,
                        format!("`{text}` is neither an account role nor a database role of `{database}`"),
                        Some(format!(
                            "write an account role (`SYSADMIN`) or a database role of the same database (`{database}.OTHER`)"
                        )),
                    );
                    continue;
                }
            };
            let id = database_role_member::id(database.clone(), names[1].clone(), to.clone());
            if self.resources.contains_key(&id) {
                continue;
            }
            self.refs.push(Reference {
                from: id.clone(),
                from_shared: shared,
                to,
                at: item.at,
                role_key: "",
                field: "member_of",
                index: i,
                attr_path: Some(p.to_string()),
            });
            self.insert(id, shared, Attrs::new(), item.at, &p);
        }
    }

    /// Privilege grants of a role (`names`: its name) or of a database role
    /// (its database and name: only on objects of that database).
    fn grants(
        &mut self,
        f: &Entry,
        names: &[Ident],
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
        x: Expander<'_>,
    ) {
        let role = &names[0];
        let path = role_path.key("grants");
        let items = match &f.value.kind {
            Kind::List(items) => items.as_slice(),
            Kind::Null => &[],
            _ => {
                self.error(
                    f.value.at,
                    &path,
                    format!("expected a list of grants, found {}", f.value.type_name()),
                    Some("write `grants: [{ on: database DB, privileges: [USAGE] }]`".to_string()),
                );
                return;
            }
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(fields) = item.as_map() else {
                self.error(
                    item.at,
                    &p,
                    format!(
                        "expected a grant `{{ on: ..., privileges: [...] }}`, found {}",
                        item.type_name()
                    ),
                    None,
                );
                continue;
            };
            if is_remove(item) {
                self.error(
                    item.at,
                    &p,
                    "`remove: true` only has a meaning in an override file".to_string(),
                    Some("in an override it deletes the base grant with the same `on`; here, delete the item".to_string()),
                );
                continue;
            }
            let mut target: Option<ResourceId> = None;
            let mut privileges: Option<Vec<String>> = None;
            let mut saw_on = false;
            let mut saw_privileges = false;
            for g in fields {
                let gp = p.key(&g.key);
                match g.key.as_str() {
                    "on" => {
                        saw_on = true;
                        if let Some(text) = self.read_text(&g.value, &gp, x) {
                            match grant::parse_target(&text) {
                                Ok(t) => target = Some(t),
                                Err(message) => self.error(
                                    g.value.at,
                                    &gp,
                                    message,
                                    Some(format!("grant targets: {}", grant::target_forms())),
                                ),
                            }
                        }
                    }
                    "privileges" => {
                        saw_privileges = true;
                        privileges = self.privileges(&g.value, &gp, x);
                    }
                    "remove" => {}
                    _ => self.unknown_key(g, &p, "a grant", GRANT_KEYS),
                }
            }
            if !saw_on {
                self.error(
                    item.at,
                    &p,
                    "a grant needs `on:` (what it is on)".to_string(),
                    Some(format!("grant targets: {}", grant::target_forms())),
                );
            }
            if !saw_privileges {
                self.error(
                    item.at,
                    &p,
                    "a grant needs `privileges:`".to_string(),
                    Some("e.g. `privileges: [USAGE]`".to_string()),
                );
            }
            let (Some(target), Some(privileges)) = (target, privileges) else {
                continue;
            };
            if privileges.iter().any(|p| p == IMPORTED) {
                let at = item.get("on").map_or(item.at, |n| n.at);
                if !target.is(&kinds::database::META) {
                    self.error(
                        at,
                        &p.key("on"),
                        "IMPORTED PRIVILEGES is granted on a database created from a share".to_string(),
                        Some("write `on: database SHARED_DB` and list the database under `external: { databases: [...] }`".to_string()),
                    );
                    continue;
                }
                if privileges.iter().any(|p| p != IMPORTED) {
                    self.error(
                        at,
                        &p.key("privileges"),
                        "IMPORTED PRIVILEGES is the only privilege a database created from a share takes".to_string(),
                        Some("write `privileges: [IMPORTED PRIVILEGES]` alone".to_string()),
                    );
                    continue;
                }
                self.imported
                    .push((target.clone(), at, p.key("on").to_string()));
            }
            let object = grant::object(&target);
            let (id, attr_path) = match names {
                [database, database_role] => {
                    if let Some(message) = database_role_grant::refuse_target(database, &target) {
                        let at = item.get("on").map_or(item.at, |n| n.at);
                        self.error(at, &p.key("on"), message, None);
                        continue;
                    }
                    let id =
                        database_role_grant::id(database.clone(), database_role.clone(), target);
                    (id, Some(p.key("on").to_string()))
                }
                _ => (grant::id(role.clone(), target), None),
            };
            if let Some(existing) = self.resources.get_mut(&id) {
                // Two entries on one target: one grant with both sets.
                if let Some(Value::List(list)) = existing.attrs.get_mut(grant::PRIVILEGES.name) {
                    let merged = canonical::privilege_set(list.drain(..).chain(privileges));
                    *list = merged;
                }
                continue;
            }
            if let Some(object) = object {
                self.refs.push(Reference {
                    from: id.clone(),
                    from_shared: shared,
                    to: object,
                    at: item.at,
                    role_key,
                    field: "grants",
                    index: i,
                    attr_path,
                });
            }
            let mut attrs = Attrs::new();
            attrs.insert(
                grant::PRIVILEGES.name.into(),
                Value::List(canonical::privilege_set(privileges)),
            );
            self.insert(id, shared, attrs, item.at, &p);
        }
    }

    fn privileges(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
    ) -> Option<Vec<String>> {
        let items = match &node.kind {
            Kind::List(items) => items,
            _ => {
                self.error(
                    node.at,
                    path,
                    format!("expected a list of privileges, found {}", node.type_name()),
                    Some("write `privileges: [USAGE]`".to_string()),
                );
                return None;
            }
        };
        if items.is_empty() {
            self.error(
                node.at,
                path,
                "a grant needs at least one privilege".to_string(),
                Some(
                    "to drop a base grant in an override, write `remove: true` instead".to_string(),
                ),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                ok = false;
                continue;
            };
            match canonical::privilege(&text) {
                Some(c) => out.push(c),
                None => {
                    ok = false;
                    self.error(
                        item.at,
                        &p,
                        format!("`{text}` is not a privilege name"),
                        Some(
                            "privileges are words such as USAGE, SELECT, CREATE TABLE".to_string(),
                        ),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    fn check_references(&mut self) {
        let refs = std::mem::take(&mut self.refs);
        for r in refs {
            if self.external_set.contains(&r.to) {
                continue;
            }
            // A schema of an external database is external too.
            // In a container listed as external (a schema of an external
            // database).
            if r.to
                .references()
                .iter()
                .any(|c| self.external_set.contains(c))
            {
                continue;
            }
            match self.resources.get(&r.to) {
                Some(target) => {
                    if r.from_shared && !target.stack.is_shared() {
                        let message = format!(
                            "shared `{}` refers to `{}`, which belongs to environment {}",
                            r.from,
                            r.to,
                            self.env.unwrap_or("?")
                        );
                        self.error(
                            r.at,
                            &r.path(),
                            message,
                            Some(
                                "a shared object may only refer to shared or external objects"
                                    .to_string(),
                            ),
                        );
                    }
                }
                None => {
                    let (message, hint) = self.undeclared(&r.to);
                    self.error(r.at, &r.path(), message, Some(hint));
                }
            }
        }
    }

    /// A database granted IMPORTED PRIVILEGES on comes from a share: listed
    /// under `external`, never declared (pudo does not create databases
    /// from shares).
    fn check_imported(&mut self) {
        let imported = std::mem::take(&mut self.imported);
        for (db, at, path) in imported {
            if self.resources.contains_key(&db) {
                self.error(
                    at,
                    &path,
                    format!("`{db}` is declared here, so it does not come from a share: IMPORTED PRIVILEGES does not apply to it"),
                    Some("grant IMPORTED PRIVILEGES on a database created from a share and list it under `external: { databases: [...] }`; grant USAGE on a database pudo creates".to_string()),
                );
            }
        }
    }

    fn undeclared(&self, to: &ResourceId) -> (String, String) {
        let kind = to.kind();
        let section = kinds::of(to).external.unwrap_or("roles");
        // `DB.SCHEMA` as written in messages (identifiers in SQL form).
        let display = |id: &ResourceId| -> String {
            id.parts()
                .iter()
                .filter_map(|p| match p {
                    Part::Name(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let name = display(to);
        let candidates: Vec<String> = self
            .resources
            .keys()
            .chain(self.external.iter())
            .filter(|id| id.kind() == kind)
            .map(display)
            .collect();
        let suggestion = did_you_mean(&name, candidates.iter().map(String::as_str));
        let scope = if self.only_shared() { " as shared" } else { "" };
        let message =
            format!("{kind} `{name}` is not declared{scope} (nor listed under `external`)");
        let hint = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            // Kinds that cannot be external (a task's predecessors).
            None if kinds::of(to).external.is_none() => {
                format!("declare it: a {kind} names others of its kind in the same container")
            }
            None if self.only_shared() => format!(
                "a shared object may only refer to shared objects, system roles, or names listed under `external: {{ {section}: [...] }}`"
            ),
            None => format!(
                "declare it, or list it under `external: {{ {section}: [...] }}` if it exists outside pudo"
            ),
        };
        (message, hint)
    }

    /// Reports each cycle of `member_of` among declared roles, in order.
    fn check_cycles(&mut self) {
        if self.member_edges.is_empty() {
            return;
        }
        let index: HashMap<&Ident, usize> =
            self.roles.iter().enumerate().map(|(i, r)| (r, i)).collect();
        let mut edges: Vec<Vec<(usize, At)>> = vec![Vec::new(); self.roles.len()];
        for (role, parent, at) in &self.member_edges {
            if let (Some(&a), Some(&b)) = (index.get(role), index.get(parent)) {
                edges[a].push((b, *at));
            }
        }
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; self.roles.len()];
        let mut found: Vec<(Vec<usize>, At)> = Vec::new();
        for start in 0..self.roles.len() {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&(child, at)) = edges[node].get(*next) {
                    *next += 1;
                    match state[child] {
                        0 => {
                            state[child] = 1;
                            stack.push((child, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let cycle: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                            found.push((cycle, at));
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
        for (cycle, at) in found {
            let mut names: Vec<String> = cycle
                .iter()
                .map(|&i| format!("`{}`", self.roles[i]))
                .collect();
            names.push(names[0].clone());
            let first = &self.roles[cycle[0]];
            let last = &self.roles[*cycle.last().unwrap_or(&cycle[0])];
            self.error(
                at,
                &format!("roles.{last}.member_of"),
                format!("role hierarchy has a cycle: {}", names.join(" -> ")),
                Some(format!(
                    "a role cannot be granted to itself through its parents; remove `{first}` from `member_of` of `{last}` or break the chain elsewhere"
                )),
            );
        }
    }
}

/// The key of `kind`'s section (`databases`, `schemas`, `tasks`).
fn section_key(kind: &ResourceKind) -> &'static str {
    match kind.section {
        Section::Top(k) | Section::Child { key: k, .. } | Section::Items { key: k, .. } => k,
    }
}

/// `owners:` and `grants_role:` as the builders use them: role names in
/// SQL form (problems are reported by [`Builder::role_setting`]).
fn role_settings(doc: &Node, x: Expander<'_>) -> (HashMap<String, String>, Option<String>) {
    let role = |node: &Node| -> Option<String> {
        let text = x.text(node.as_str()?).ok()?;
        Ident::parse(&text).ok().map(|i| i.sql())
    };
    let owners = doc
        .get("owners")
        .and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| Some((e.key.clone(), role(&e.value)?)))
                .collect()
        })
        .unwrap_or_default();
    (owners, doc.get("grants_role").and_then(role))
}

/// A configuration mapping as JSON, its strings expanded.
pub(crate) fn node_json(node: &Node, x: &Expander<'_>) -> Result<serde_json::Value, ExpandError> {
    use serde_json::Value as J;
    Ok(match &node.kind {
        Kind::Null => J::Null,
        Kind::Bool(b) => J::Bool(*b),
        Kind::Int(i) => J::from(*i),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Kind::Str(s) => J::String(x.text(s)?.into_owned()),
        Kind::List(items) => J::Array(
            items
                .iter()
                .map(|n| node_json(n, x))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Map(entries) => {
            let mut map = serde_json::Map::new();
            for e in entries {
                map.insert(e.key.clone(), node_json(&e.value, x)?);
            }
            J::Object(map)
        }
    })
}

impl Builder<'_> {
    /// The roles of `owners:` / `grants_role:` exist (declared, external or
    /// system).
    fn check_role_settings(&mut self) {
        for (id, at, path) in std::mem::take(&mut self.pending_roles) {
            if !self.resources.contains_key(&id) && !self.external_set.contains(&id) {
                let (message, hint) = self.undeclared(&id);
                self.error(at, &path, message, Some(hint));
            }
        }
    }

    /// Reports each cycle among objects that name others of their kind (a
    /// task graph must be acyclic), and predecessors with another owner
    /// (the tasks of a graph have one owner).
    fn check_sibling_cycles(&mut self) {
        if self.sibling_edges.is_empty() {
            return;
        }
        let owner = |b: &Self, id: &ResourceId| {
            b.resources
                .get(id)
                .and_then(|r| r.attrs.get(kinds::OWNER.name))
                .cloned()
        };
        for (from, to, at, path) in self.sibling_edges.clone() {
            let (a, b) = (owner(self, &from), owner(self, &to));
            if a.is_some() && b.is_some() && a != b {
                self.error(
                    at,
                    &path,
                    format!("`{from}` and its predecessor `{to}` have different owners"),
                    Some("the tasks of a graph have one owner (set it with `owners.tasks` or on every task)".to_string()),
                );
            }
        }
        let mut next: HashMap<&ResourceId, Vec<usize>> = HashMap::new();
        for (k, (from, _, _, _)) in self.sibling_edges.iter().enumerate() {
            next.entry(from).or_default().push(k);
        }
        let mut reported: HashSet<&ResourceId> = HashSet::new();
        let mut found = Vec::new();
        for (start, _, _, _) in &self.sibling_edges {
            if reported.contains(start) {
                continue;
            }
            // Depth-first from `start` along predecessors, looking for it.
            let mut stack: Vec<(&ResourceId, Vec<usize>)> = vec![(start, Vec::new())];
            let mut seen: HashSet<&ResourceId> = HashSet::new();
            while let Some((node, trail)) = stack.pop() {
                for &k in next.get(node).into_iter().flatten() {
                    let to = &self.sibling_edges[k].1;
                    let mut t = trail.clone();
                    t.push(k);
                    if to == start {
                        for &e in &t {
                            reported.insert(&self.sibling_edges[e].0);
                        }
                        found.push(t);
                        stack.clear();
                        break;
                    }
                    if seen.insert(to) {
                        stack.push((to, t));
                    }
                }
            }
        }
        for trail in found {
            let names: Vec<String> = trail
                .iter()
                .map(|&k| format!("`{}`", self.sibling_edges[k].0))
                .chain(std::iter::once(format!(
                    "`{}`",
                    self.sibling_edges[trail[0]].0
                )))
                .collect();
            let (_, _, at, path) = self.sibling_edges[trail[0]].clone();
            self.error(
                at,
                &path,
                format!("a cycle: {}", names.join(" -> ")),
                Some("a task graph is acyclic: remove one of these predecessors".to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diagnostics::Diagnostics;
    use crate::config::source::{Loaded, parse_bytes};

    fn model(text: &str, env: Option<&str>) -> Result<Model, Diagnostics> {
        let mut d = Diagnostics::default();
        let doc = match parse_bytes(text.as_bytes(), 0, "base.yaml", &mut d) {
            Loaded::Doc(n) => n,
            Loaded::Failed => panic!("{d}"),
        };
        let mut files = Files::default();
        files.add("base.yaml".into());
        let vars = collect_vars(&doc);
        build_model(&doc, &files, env, &vars, &Settings::default())
    }

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    const BASE: &str = "\
vars:
  size: x-small
databases:
  PUDO_MLOPS:
    shared: true
    schemas:
      SHARED_DATA: { shared: true }
      PUDO_${env}: { managed_access: true }
warehouses:
  PUDO_${env}_WH: { size: \"${var.size}\", auto_suspend: 60, auto_resume: true }
roles:
  PUDO_${env}_ROLE:
    member_of: [sysadmin]
    grants:
      - { on: database PUDO_MLOPS, privileges: [usage] }
      - { on: database pudo_mlops, privileges: [monitor, USAGE] }
      - { on: future tables in schema PUDO_MLOPS.SHARED_DATA, privileges: [select] }
";

    #[test]
    fn builds_canonical_resources_with_stacks() {
        let m = model(BASE, Some("DEV")).unwrap();
        let wh = &m.resources[&kinds::warehouse::id(id("PUDO_DEV_WH"))];
        assert_eq!(wh.attrs["size"], Value::Text("XSMALL".into()));
        assert_eq!(wh.attrs["auto_suspend"], Value::Int(60));
        assert_eq!(wh.stack.as_str(), "dev");
        let db = &m.resources[&kinds::database::id(id("PUDO_MLOPS"))];
        assert!(db.stack.is_shared());
        let grant = &m.resources
            [&kinds::grant::id(id("PUDO_DEV_ROLE"), kinds::database::id(id("PUDO_MLOPS")))];
        assert_eq!(
            grant.attrs["privileges"],
            Value::List(vec!["MONITOR".into(), "USAGE".into()])
        );
        assert!(
            m.resources
                .contains_key(&kinds::role_grant::id(id("PUDO_DEV_ROLE"), id("SYSADMIN")))
        );
        assert_eq!(m.owned_by(&StackName::shared()).count(), 2);
        assert_eq!(m.owned_by(&StackName::for_environment("DEV")).count(), 6);
        assert!(m.external.contains(&kinds::role::id(id("PUBLIC"))));
    }

    #[test]
    fn shared_stack_has_only_shared_resources() {
        let m = model(BASE, None).unwrap();
        assert_eq!(m.resources.len(), 2);
        assert!(m.resources.values().all(|r| r.stack.is_shared()));
        assert_eq!(m.environment, None);
    }

    #[test]
    fn collects_every_error() {
        let text = "\
warehouses:
  W: { size: HUGE, auto_suspend: -1, auto_resum: true }
roles:
  A: { member_of: [B] }
  B: { member_of: [A], grants: [{ on: warehouse NOPE, privileges: [USAGE] }] }
  C: { member_of: [C] }
  \"bad name\": {}
databases:
  D:
    schemas:
      S_${var.nope}: {}
";
        let err = model(text, Some("DEV")).unwrap_err().to_string();
        for needle in [
            "`HUGE` is not a warehouse size",
            "`auto_suspend` must be 0 or more, found -1",
            "did you mean `auto_resume`?",
            "cycle: `A` -> `B` -> `A`",
            "cycle: `C` -> `C`",
            "warehouse `NOPE` is not declared",
            "invalid identifier",
            "unknown variable `nope`",
        ] {
            assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
        }
    }

    #[test]
    fn env_in_shared_resource_is_an_error() {
        let text = "databases:\n  DB_${env}: { shared: true }\n";
        let err = model(text, None).unwrap_err().to_string();
        assert!(
            err.contains("`${env}` cannot be used in a shared resource"),
            "{err}"
        );
    }

    #[test]
    fn two_halves_give_what_one_pass_gives() {
        fn both(text: &str, env: Option<&str>) -> (String, String) {
            let mut d = Diagnostics::default();
            let Loaded::Doc(doc) = parse_bytes(text.as_bytes(), 0, "base.yaml", &mut d) else {
                panic!("{d}");
            };
            let mut files = Files::default();
            files.add("base.yaml".into());
            let vars = collect_vars(&doc);
            assert!(split_document(&doc).is_some(), "large enough to split");
            let show = |r: Result<Model, Diagnostics>| match r {
                Ok(m) => format!("{m:?}"),
                Err(d) => format!("{d}"),
            };
            (
                show(build_model_with(
                    &doc,
                    &files,
                    env,
                    &vars,
                    &Settings::default(),
                    true,
                )),
                show(build_model_with(
                    &doc,
                    &files,
                    env,
                    &vars,
                    &Settings::default(),
                    false,
                )),
            )
        }
        let mut text = String::from(
            "vars:\n  size: XSMALL\nexternal:\n  roles: [EXT_ROLE]\ndatabases:\n  DB:\n    schemas:\n",
        );
        for i in 0..300 {
            text.push_str(&format!("      S_{i}: {{ comment: \"s{i}\" }}\n"));
        }
        text.push_str("warehouses:\n");
        for i in 0..300 {
            text.push_str(&format!(
                "  WH_{i}_${{env}}: {{ size: \"${{var.size}}\" }}\n"
            ));
        }
        text.push_str("roles:\n");
        for i in 0..300 {
            text.push_str(&format!(
                "  R_{i}:\n    member_of: [{}, EXT_ROLE]\n    grants:\n      - {{ on: schema DB.S_{i}, privileges: [usage] }}\n      - {{ on: \"warehouse WH_{i}_${{env}}\", privileges: [usage] }}\n",
                if i < 299 {
                    format!("R_{}", i + 1)
                } else {
                    "SYSADMIN".to_string()
                }
            ));
        }
        // Valid, errors in both halves, a duplicate across the halves, a
        // membership cycle across the halves, shared resources.
        let cases = [
            text.clone(),
            text.replace("R_5:\n", "R_5:\n    colour: red\n")
                .replace("R_290:\n", "R_290:\n    colour: blue\n")
                .replace("schema DB.S_7,", "schema DB.NOPE,"),
            text.replace("      S_1: {", "      S_1: { bad: 1,")
                .replace("R_299:\n", "WH_1_DEV:\n"),
            format!("{text}  r_3:\n    comment: again\n"),
            text.replace("DB:\n", "DB:\n    shared: true\n"),
            text.replace("SYSADMIN, EXT_ROLE", "R_0, EXT_ROLE"),
        ];
        assert!(both(&cases[0], Some("DEV")).0.starts_with("Model"));
        assert!(both(&cases[4], None).0.starts_with("Model"));
        for (k, case) in cases.iter().enumerate() {
            for env in [Some("DEV"), None] {
                let (split, one) = both(case, env);
                assert_eq!(split, one, "case {k}, {env:?}");
            }
        }
    }

    #[test]
    fn duplicates_after_expansion() {
        let text = "warehouses:\n  W_${env}: {}\n  w_dev: {}\n";
        let err = model(text, Some("DEV")).unwrap_err().to_string();
        assert!(
            err.contains("`warehouse.W_DEV` is declared twice in DEV"),
            "{err}"
        );
        assert!(model(text, Some("PROD")).is_ok());
    }
}
