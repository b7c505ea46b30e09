//! Merged document -> [`Model`]: expands templates, checks every key, type
//! and reference, and decides canonical values. Collects every problem.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::expand::{ExpandError, Expander, Scalar, Vars};
use super::merge::is_remove;
use super::source::{At, Entry, Files, Kind, Node};
use super::target::{TARGET_FORMS, parse_target};
use crate::model::{
    Attrs, GrantTarget, Ident, Model, Origin, Resource, ResourceId, SYSTEM_ROLES, StackName, Value,
    attr, canonical,
};
use crate::suggest::did_you_mean;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Top-level keys of an environments file.
pub(crate) const TOP_KEYS: &[&str] = &[
    "environments",
    "vars",
    "external",
    "databases",
    "warehouses",
    "roles",
];
const DATABASE_KEYS: &[&str] = &[
    "shared",
    "comment",
    "transient",
    "data_retention_time_in_days",
    "schemas",
];
const SCHEMA_KEYS: &[&str] = &[
    "shared",
    "comment",
    "transient",
    "managed_access",
    "data_retention_time_in_days",
];
const WAREHOUSE_KEYS: &[&str] = &[
    "shared",
    "comment",
    "size",
    "type",
    "auto_suspend",
    "auto_resume",
    "min_cluster_count",
    "max_cluster_count",
    "scaling_policy",
    "initially_suspended",
];
const ROLE_KEYS: &[&str] = &["shared", "comment", "member_of", "grants"];
const GRANT_KEYS: &[&str] = &["on", "privileges", "remove"];
const EXTERNAL_KEYS: &[&str] = &["roles", "databases", "schemas", "warehouses"];

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
) -> Result<Model, Diagnostics> {
    build_model_with(doc, files, env, vars, true)
}

/// [`build_model`], in one pass when `may_split` is false.
fn build_model_with(
    doc: &Node,
    files: &Files,
    env: Option<&str>,
    vars: &Vars,
    may_split: bool,
) -> Result<Model, Diagnostics> {
    let new_builder = || {
        let mut b = Builder {
            files,
            env,
            x: Expander::new(env, vars),
            diags: Diagnostics::default(),
            resources: BTreeMap::new(),
            external: Vec::new(),
            external_set: HashSet::new(),
            refs: Vec::new(),
            member_edges: Vec::new(),
            roles: Vec::new(),
        };
        for role in SYSTEM_ROLES {
            b.add_external(ResourceId::Role {
                name: Ident::from_canonical(*role),
            });
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
    b.check_references();
    b.check_cycles();
    if b.diags.has_errors() {
        return Err(b.diags);
    }
    Ok(Model {
        environment: env.map(str::to_string),
        resources: b.resources,
        external: b.external,
    })
}

/// A contiguous part of the document's top-level work, in document order.
#[derive(Clone, Copy)]
enum Unit<'a> {
    /// A whole `vars` or `external` section.
    Section(&'a Entry),
    Databases(&'a [Entry]),
    Warehouses(&'a [Entry]),
    Roles(&'a [Entry]),
}

impl Unit<'_> {
    fn len(&self) -> usize {
        match self {
            Unit::Section(_) => 1,
            Unit::Databases(e) | Unit::Warehouses(e) => e.len(),
            // A role carries its memberships and grants: about three times
            // the work of a warehouse or a database.
            Unit::Roles(e) => 3 * e.len(),
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
        let items = || match &e.value.kind {
            Kind::Map(items) => Some(items.as_slice()),
            _ => None,
        };
        units.push(match e.key.as_str() {
            "environments" => continue,
            "vars" | "external" => Unit::Section(e),
            "databases" => Unit::Databases(items()?),
            "warehouses" => Unit::Warehouses(items()?),
            "roles" => Unit::Roles(items()?),
            _ => return None,
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
        let weight = unit.len() / unit_count(&unit).max(1);
        let take = (half - done).div_ceil(weight.max(1));
        match unit {
            Unit::Databases(e) if take < e.len() => {
                first.push(Unit::Databases(&e[..take]));
                second.push(Unit::Databases(&e[take..]));
            }
            Unit::Warehouses(e) if take < e.len() => {
                first.push(Unit::Warehouses(&e[..take]));
                second.push(Unit::Warehouses(&e[take..]));
            }
            Unit::Roles(e) if take < e.len() => {
                first.push(Unit::Roles(&e[..take]));
                second.push(Unit::Roles(&e[take..]));
            }
            unit => first.push(unit),
        }
        done += unit.len();
    }
    Some((first, second))
}

/// The number of entries of a unit.
fn unit_count(unit: &Unit<'_>) -> usize {
    match unit {
        Unit::Section(_) => 1,
        Unit::Databases(e) | Unit::Warehouses(e) | Unit::Roles(e) => e.len(),
    }
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
}

impl Reference<'_> {
    fn path(&self) -> String {
        let on = if self.field == "grants" { ".on" } else { "" };
        format!("roles.{}.{}[{}]{on}", self.role_key, self.field, self.index)
    }
}

struct Builder<'a> {
    files: &'a Files,
    env: Option<&'a str>,
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
static DATABASES: KeyPath<'static> = KeyPath::Key(&KeyPath::Root, "databases");
static WAREHOUSES: KeyPath<'static> = KeyPath::Key(&KeyPath::Root, "warehouses");
static ROLES: KeyPath<'static> = KeyPath::Key(&KeyPath::Root, "roles");

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
            let hint = (key == attr::AUTO_SUSPEND)
                .then(|| "seconds of inactivity before suspending; 0 means never".to_string());
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
                "environments" => {}
                "vars" => self.vars(e),
                "external" => self.externals(e),
                "databases" => self.databases(e),
                "warehouses" => self.warehouses(e),
                "roles" => self.roles(e),
                _ => self.unknown_key(e, &KeyPath::Root, "the top level", TOP_KEYS),
            }
        }
    }

    /// What [`document`](Self::document) does for part of the document.
    fn units(&mut self, units: &[Unit<'a>]) {
        for unit in units {
            match *unit {
                Unit::Section(e) => match e.key.as_str() {
                    "vars" => self.vars(e),
                    _ => self.externals(e),
                },
                Unit::Databases(e) => self.databases_entries(e),
                Unit::Warehouses(e) => self.warehouses_entries(e),
                Unit::Roles(e) => self.roles_entries(e),
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
        self.roles.append(&mut later.roles);
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
            if !EXTERNAL_KEYS.contains(&kind.key.as_str()) {
                self.unknown_key(kind, &EXTERNAL, "`external`", EXTERNAL_KEYS);
                continue;
            }
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
                let id = match kind.key.as_str() {
                    "schemas" => match text.split_once('.') {
                        Some(_) => parse_target(&format!("schema {text}"))
                            .ok()
                            .and_then(|t| t.object()),
                        None => None,
                    },
                    other => Ident::parse(&text).ok().map(|name| match other {
                        "roles" => ResourceId::Role { name },
                        "databases" => ResourceId::Database { name },
                        _ => ResourceId::Warehouse { name },
                    }),
                };
                match id {
                    Some(id) => self.add_external(id),
                    None => self.error(
                        item.at,
                        &path,
                        format!("`{text}` is not a valid name"),
                        (kind.key == "schemas")
                            .then(|| "write schemas as `DATABASE.SCHEMA`".to_string()),
                    ),
                }
            }
        }
    }

    fn databases(&mut self, section: &Entry) {
        let Some(entries) = self.map_of(&section.value, &DATABASES, "databases") else {
            return;
        };
        self.databases_entries(entries);
    }

    /// The entries of the `databases` section (all, or a contiguous part).
    fn databases_entries(&mut self, entries: &[Entry]) {
        for e in entries {
            let path = DATABASES.key(&e.key);
            let shared = self.shared_flag(&e.value, &path);
            if self.only_shared() && !shared {
                continue;
            }
            let x = self.x.with_env_allowed(!shared);
            let name = self.name(e, &path, x);
            let Some(fields) = self.map_of(&e.value, &path, "database settings") else {
                continue;
            };
            let mut attrs = Attrs::new();
            let mut schemas = None;
            for f in fields {
                let p = path.key(&f.key);
                match f.key.as_str() {
                    "shared" => {}
                    "comment" => {
                        if let Some(t) = self.read_text(&f.value, &p, x) {
                            attrs.insert(attr::COMMENT.into(), Value::Text(t));
                        }
                    }
                    "transient" => {
                        if let Some(b) = self.read_bool(&f.value, &p, x) {
                            attrs.insert(attr::TRANSIENT.into(), Value::Bool(b));
                        }
                    }
                    "data_retention_time_in_days" => {
                        if let Some(i) = self.read_int(&f.value, &p, x, 0) {
                            attrs.insert(attr::DATA_RETENTION_TIME_IN_DAYS.into(), Value::Int(i));
                        }
                    }
                    "schemas" => schemas = Some(f),
                    _ => self.unknown_key(f, &path, "a database", DATABASE_KEYS),
                }
            }
            let Some(name) = name else { continue };
            self.insert(
                ResourceId::Database { name: name.clone() },
                shared,
                attrs,
                e.key_at,
                &path,
            );
            if let Some(schemas) = schemas {
                self.schemas(schemas, &name, shared, &path);
            }
        }
    }

    fn schemas(
        &mut self,
        section: &Entry,
        database: &Ident,
        db_shared: bool,
        db_path: &KeyPath<'_>,
    ) {
        let section_path = db_path.key("schemas");
        let Some(entries) = self.map_of(&section.value, &section_path, "schemas") else {
            return;
        };
        for e in entries {
            let path = section_path.key(&e.key);
            let shared = self.shared_flag(&e.value, &path);
            if shared && !db_shared {
                if !self.only_shared() {
                    self.error(
                        e.key_at,
                        &path,
                        "a shared schema must be in a shared database".to_string(),
                        Some(format!(
                            "add `shared: true` to the database, or remove it from the schema ({db_path})"
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
            let Some(fields) = self.map_of(&e.value, &path, "schema settings") else {
                continue;
            };
            let mut attrs = Attrs::new();
            for f in fields {
                let p = path.key(&f.key);
                match f.key.as_str() {
                    "shared" => {}
                    "comment" => {
                        if let Some(t) = self.read_text(&f.value, &p, x) {
                            attrs.insert(attr::COMMENT.into(), Value::Text(t));
                        }
                    }
                    "transient" | "managed_access" => {
                        let key = if f.key == "transient" {
                            attr::TRANSIENT
                        } else {
                            attr::MANAGED_ACCESS
                        };
                        if let Some(b) = self.read_bool(&f.value, &p, x) {
                            attrs.insert(key.into(), Value::Bool(b));
                        }
                    }
                    "data_retention_time_in_days" => {
                        if let Some(i) = self.read_int(&f.value, &p, x, 0) {
                            attrs.insert(attr::DATA_RETENTION_TIME_IN_DAYS.into(), Value::Int(i));
                        }
                    }
                    _ => self.unknown_key(f, &path, "a schema", SCHEMA_KEYS),
                }
            }
            if let Some(name) = name {
                self.insert(
                    ResourceId::Schema {
                        database: database.clone(),
                        name,
                    },
                    shared,
                    attrs,
                    e.key_at,
                    &path,
                );
            }
        }
    }

    fn warehouses(&mut self, section: &Entry) {
        let Some(entries) = self.map_of(&section.value, &WAREHOUSES, "warehouses") else {
            return;
        };
        self.warehouses_entries(entries);
    }

    /// The entries of the `warehouses` section (all, or a contiguous part).
    fn warehouses_entries(&mut self, entries: &[Entry]) {
        let sizes = canonical::warehouse_sizes().collect::<Vec<_>>().join(", ");
        for e in entries {
            let path = WAREHOUSES.key(&e.key);
            let shared = self.shared_flag(&e.value, &path);
            if self.only_shared() && !shared {
                continue;
            }
            let x = self.x.with_env_allowed(!shared);
            let name = self.name(e, &path, x);
            let Some(fields) = self.map_of(&e.value, &path, "warehouse settings") else {
                continue;
            };
            let mut attrs = Attrs::new();
            for f in fields {
                let p = path.key(&f.key);
                let v = &f.value;
                let value = match f.key.as_str() {
                    "shared" => continue,
                    "comment" => self.read_text(v, &p, x).map(Value::Text),
                    "size" => self.read_keyword(
                        v,
                        &p,
                        x,
                        canonical::warehouse_size,
                        "warehouse size",
                        &format!("{sizes} (Snowflake's spellings such as X-SMALL work too)"),
                    ),
                    "type" => self.read_keyword(
                        v,
                        &p,
                        x,
                        canonical::warehouse_type,
                        "warehouse type",
                        "STANDARD, SNOWPARK-OPTIMIZED",
                    ),
                    "scaling_policy" => self.read_keyword(
                        v,
                        &p,
                        x,
                        canonical::scaling_policy,
                        "scaling policy",
                        "STANDARD, ECONOMY",
                    ),
                    "auto_suspend" => self.read_int(v, &p, x, 0).map(Value::Int),
                    "min_cluster_count" | "max_cluster_count" => {
                        self.read_int(v, &p, x, 1).map(Value::Int)
                    }
                    "auto_resume" | "initially_suspended" => {
                        self.read_bool(v, &p, x).map(Value::Bool)
                    }
                    _ => {
                        self.unknown_key(f, &path, "a warehouse", WAREHOUSE_KEYS);
                        continue;
                    }
                };
                if let Some(value) = value {
                    attrs.insert(f.key.clone(), value);
                }
            }
            if let (Some(Value::Int(min)), Some(Value::Int(max))) = (
                attrs.get(attr::MIN_CLUSTER_COUNT),
                attrs.get(attr::MAX_CLUSTER_COUNT),
            ) && min > max
            {
                let at = e.value.get("min_cluster_count").map_or(e.key_at, |n| n.at);
                self.error(
                    at,
                    &path.key("min_cluster_count"),
                    format!(
                        "`min_cluster_count` ({min}) is larger than `max_cluster_count` ({max})"
                    ),
                    None,
                );
            }
            if let Some(name) = name {
                self.insert(
                    ResourceId::Warehouse { name },
                    shared,
                    attrs,
                    e.key_at,
                    &path,
                );
            }
        }
    }

    fn roles(&mut self, section: &'a Entry) {
        let Some(entries) = self.map_of(&section.value, &ROLES, "roles") else {
            return;
        };
        self.roles_entries(entries);
    }

    /// The entries of the `roles` section (all, or a contiguous part).
    fn roles_entries(&mut self, entries: &'a [Entry]) {
        for e in entries {
            let path = ROLES.key(&e.key);
            let shared = self.shared_flag(&e.value, &path);
            if self.only_shared() && !shared {
                continue;
            }
            let x = self.x.with_env_allowed(!shared);
            let name = self.name(e, &path, x);
            let Some(fields) = self.map_of(&e.value, &path, "role settings") else {
                continue;
            };
            let mut attrs = Attrs::new();
            let mut member_of = None;
            let mut grants = None;
            for f in fields {
                let p = path.key(&f.key);
                match f.key.as_str() {
                    "shared" => {}
                    "comment" => {
                        if let Some(t) = self.read_text(&f.value, &p, x) {
                            attrs.insert(attr::COMMENT.into(), Value::Text(t));
                        }
                    }
                    "member_of" => member_of = Some(f),
                    "grants" => grants = Some(f),
                    _ => self.unknown_key(f, &path, "a role", ROLE_KEYS),
                }
            }
            let Some(name) = name else { continue };
            let role_id = ResourceId::Role { name: name.clone() };
            if self.resources.contains_key(&role_id) {
                // Reported by insert; its grants would only repeat the error.
                self.insert(role_id, shared, attrs, e.key_at, &path);
                continue;
            }
            self.insert(role_id, shared, attrs, e.key_at, &path);
            self.roles.push(name.clone());
            if let Some(f) = member_of {
                self.member_of(f, &name, shared, &path, &e.key, x);
            }
            if let Some(f) = grants {
                self.grants(f, &name, shared, &path, &e.key, x);
            }
        }
    }

    fn member_of(
        &mut self,
        f: &Entry,
        role: &Ident,
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
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
                    Some("write `member_of: [SYSADMIN]`".to_string()),
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
            let id = ResourceId::RoleGrant {
                role: role.clone(),
                parent: parent.clone(),
            };
            if self.resources.contains_key(&id) {
                continue;
            }
            self.refs.push(Reference {
                from: id.clone(),
                from_shared: shared,
                to: ResourceId::Role {
                    name: parent.clone(),
                },
                at: item.at,
                role_key,
                field: "member_of",
                index: i,
            });
            self.member_edges.push((role.clone(), parent, item.at));
            self.insert(id, shared, Attrs::new(), item.at, &p);
        }
    }

    fn grants(
        &mut self,
        f: &Entry,
        role: &Ident,
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
        x: Expander<'_>,
    ) {
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
            let mut target: Option<GrantTarget> = None;
            let mut privileges: Option<Vec<String>> = None;
            let mut saw_on = false;
            let mut saw_privileges = false;
            for g in fields {
                let gp = p.key(&g.key);
                match g.key.as_str() {
                    "on" => {
                        saw_on = true;
                        if let Some(text) = self.read_text(&g.value, &gp, x) {
                            match parse_target(&text) {
                                Ok(t) => target = Some(t),
                                Err(message) => self.error(
                                    g.value.at,
                                    &gp,
                                    message,
                                    Some(format!("grant targets: {TARGET_FORMS}")),
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
                    Some(format!("grant targets: {TARGET_FORMS}")),
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
            let id = ResourceId::Grant {
                role: role.clone(),
                on: target.clone(),
            };
            if let Some(existing) = self.resources.get_mut(&id) {
                // Two entries on one target: one grant with both sets.
                if let Some(Value::List(list)) = existing.attrs.get_mut(attr::PRIVILEGES) {
                    let merged = canonical::privilege_set(list.drain(..).chain(privileges));
                    *list = merged;
                }
                continue;
            }
            if let Some(object) = target.object() {
                self.refs.push(Reference {
                    from: id.clone(),
                    from_shared: shared,
                    to: object,
                    at: item.at,
                    role_key,
                    field: "grants",
                    index: i,
                });
            }
            let mut attrs = Attrs::new();
            attrs.insert(
                attr::PRIVILEGES.into(),
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
            if let ResourceId::Schema { database, .. } = &r.to
                && self.external_set.contains(&ResourceId::Database {
                    name: database.clone(),
                })
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

    fn undeclared(&self, to: &ResourceId) -> (String, String) {
        let kind = to.kind();
        let section = match to {
            ResourceId::Database { .. } => "databases",
            ResourceId::Schema { .. } => "schemas",
            ResourceId::Warehouse { .. } => "warehouses",
            _ => "roles",
        };
        let name = match to {
            ResourceId::Database { name }
            | ResourceId::Warehouse { name }
            | ResourceId::Role { name } => name.to_string(),
            ResourceId::Schema { database, name } => format!("{database}.{name}"),
            _ => to.address(),
        };
        let candidates: Vec<String> = self
            .resources
            .keys()
            .chain(self.external.iter())
            .filter(|id| id.kind() == kind)
            .map(|id| match id {
                ResourceId::Schema { database, name } => format!("{database}.{name}"),
                ResourceId::Database { name }
                | ResourceId::Warehouse { name }
                | ResourceId::Role { name } => name.to_string(),
                other => other.address(),
            })
            .collect();
        let suggestion = did_you_mean(&name, candidates.iter().map(String::as_str));
        let scope = if self.only_shared() { " as shared" } else { "" };
        let message =
            format!("{kind} `{name}` is not declared{scope} (nor listed under `external`)");
        let hint = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
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
        build_model(&doc, &files, env, &vars)
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
        let wh = &m.resources[&ResourceId::Warehouse {
            name: id("PUDO_DEV_WH"),
        }];
        assert_eq!(wh.attrs[attr::SIZE], Value::Text("XSMALL".into()));
        assert_eq!(wh.attrs[attr::AUTO_SUSPEND], Value::Int(60));
        assert_eq!(wh.stack.as_str(), "dev");
        let db = &m.resources[&ResourceId::Database {
            name: id("PUDO_MLOPS"),
        }];
        assert!(db.stack.is_shared());
        let grant = &m.resources[&ResourceId::Grant {
            role: id("PUDO_DEV_ROLE"),
            on: GrantTarget::Database {
                name: id("PUDO_MLOPS"),
            },
        }];
        assert_eq!(
            grant.attrs[attr::PRIVILEGES],
            Value::List(vec!["MONITOR".into(), "USAGE".into()])
        );
        assert!(m.resources.contains_key(&ResourceId::RoleGrant {
            role: id("PUDO_DEV_ROLE"),
            parent: id("SYSADMIN")
        }));
        assert_eq!(m.owned_by(&StackName::shared()).count(), 2);
        assert_eq!(m.owned_by(&StackName::for_environment("DEV")).count(), 6);
        assert!(
            m.external
                .contains(&ResourceId::Role { name: id("PUBLIC") })
        );
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
                show(build_model_with(&doc, &files, env, &vars, true)),
                show(build_model_with(&doc, &files, env, &vars, false)),
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
