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

mod checks;
mod items;

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
            exclusive: Vec::new(),
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
    b.check_exclusive();
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
    /// Resources holding their kind's exclusive value (`kinds::Exclusive`),
    /// whether shared, with where: one at most, in the shared stack.
    exclusive: Vec<(ResourceId, bool, At, String)>,
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

    /// The items of a list (`null`: none); anything else is an error
    /// "expected a list of WHAT" with `hint`, and `None`.
    fn list_items<'n>(
        &mut self,
        node: &'n Node,
        path: &dyn fmt::Display,
        what: &str,
        hint: Option<String>,
    ) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::List(items) => Some(items.as_slice()),
            Kind::Null => Some(&[]),
            _ => {
                self.error(
                    node.at,
                    path,
                    format!("expected a list of {what}, found {}", node.type_name()),
                    hint,
                );
                None
            }
        }
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
        self.exclusive.append(&mut later.exclusive);
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
            let Some(items) = self.list_items(&kind.value, &path, "names", None) else {
                continue;
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
        let hint = format!("write `{}: [NAME]`", path.last_key());
        let items = self.list_items(node, path, "names", Some(hint))?;
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
                } else if let Some(r) = kind.rules.refused.iter().find(|r| r.key == f.key) {
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
            for required in kind.rules.required {
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
            if let Some(lc) = kind.rules.lifecycle
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
            if let Some(check) = kind.rules.entry_check
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
            if let Some(exclusive) = kind.rules.exclusive
                && exclusive.held_by(Some(&attrs))
            {
                let at = e.value.get(exclusive.attr).map_or(e.key_at, |n| n.at);
                let key = path.key(exclusive.attr).to_string();
                self.exclusive.push((id.clone(), shared, at, key));
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

#[cfg(test)]
mod tests;
