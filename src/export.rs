//! `pudo export`: the live account written as configuration in pudo's
//! format, generated from the kind registry.
//!
//! Reading ([`read`]) lists every kind that has an account-wide listing
//! (`LiveSpec::list`), then, round after round, the queries of what was
//! found: each exported object's own queries in listing mode (a database's
//! schemas, a role's grants and memberships), its child kinds' queries
//! (tasks of a schema), and the future grants held in it. Writing
//! ([`export`]) decides what is exported and skipped, which stack owns each
//! object, where `${env}` replaces the environment's name, and renders the
//! YAML: top-level sections, child maps under their containers, item lists
//! (`grants`, `member_of`) under their role, and `external:` for the
//! objects referenced but not exported. See docs/import-export.md.

use crate::connector::{Connector, ConnectorError};
use crate::kinds::{self, AttrSql, AttrType, Kind, Naming, Query, Section, grant};
use crate::live::{self, Listing};
use crate::model::{Attrs, Holds, Ident, KindMeta, Part, ResourceId, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What to export.
#[derive(Clone, Default)]
pub struct Options {
    /// The environment whose name becomes `${env}` (`DEV`); `None`:
    /// everything is shared and nothing is templated.
    pub env: Option<String>,
    /// Kinds named with `--kind`; empty: every kind.
    pub kinds: Vec<&'static Kind>,
    /// `--like`: a SQL LIKE pattern (case-insensitive) on the names of
    /// account-level objects.
    pub like: Option<String>,
    /// `--database`: only these databases (and what they hold).
    pub databases: Vec<Ident>,
}

impl Options {
    /// The kinds exported: those named, the kinds their entries hold
    /// (recursively) and the kinds whose entries hold them (a schema needs
    /// its database's entry).
    pub fn selected(&self) -> BTreeSet<&'static str> {
        if self.kinds.is_empty() {
            return kinds::ALL.iter().map(|k| k.name()).collect();
        }
        let mut out = BTreeSet::new();
        for named in &self.kinds {
            let mut up = Some(*named);
            while let Some(k) = up {
                out.insert(k.name());
                up = parent_kind(k);
            }
            let mut down = vec![*named];
            while let Some(k) = down.pop() {
                out.insert(k.name());
                down.extend(
                    kinds::ALL
                        .iter()
                        .copied()
                        .filter(|c| parent_kind(c).is_some_and(|p| std::ptr::eq(p, k))),
                );
            }
        }
        out
    }
}

/// The kind whose entries declare `kind` (`Child` and `Items` sections).
fn parent_kind(kind: &Kind) -> Option<&'static Kind> {
    match kind.section {
        Section::Top(_) => None,
        Section::Child { parent, .. } | Section::Items { parent, .. } => Some(parent),
    }
}

/// The config key `kind` is declared under.
fn section_key(kind: &Kind) -> &'static str {
    match kind.section {
        Section::Top(key) | Section::Child { key, .. } | Section::Items { key, .. } => key,
    }
}

/// The names of an id, in order (targets and words left out).
fn names(id: &ResourceId) -> Vec<&Ident> {
    id.parts()
        .iter()
        .filter_map(|p| match p {
            Part::Name(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// The entry that declares `id` (its database for a schema, its role for a
/// grant): the first names of `id`, as its parent kind's identity.
fn parent_of(id: &ResourceId) -> Option<ResourceId> {
    let parent = parent_kind(kinds::of(id))?;
    let n = parent.meta.fields.len();
    let names = names(id);
    (names.len() >= n).then(|| ResourceId::named(parent.meta, names[..n].iter().copied().cloned()))
}

/// What the live account holds, as read for an export.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub resources: BTreeMap<ResourceId, Attrs>,
    /// The `owner` column of each object (empty: owned by the system).
    pub owners: BTreeMap<ResourceId, String>,
    pub queries: usize,
    pub sessions: usize,
    pub elapsed: std::time::Duration,
}

/// Reads what `options` exports, in rounds: the account-wide listings, then
/// the queries of each exported object, until no new query appears.
pub fn read(
    connector: &dyn Connector,
    options: &Options,
    pool: usize,
) -> Result<Found, ConnectorError> {
    let selected = options.selected();
    let mut found = Found::default();
    let mut done: BTreeSet<Query> = BTreeSet::new();
    let mut next: BTreeSet<Query> = kinds::ALL
        .iter()
        .filter(|k| selected.contains(k.name()))
        .filter_map(|k| k.live.list)
        .map(|show| Query::new(show, []))
        .collect();
    loop {
        let queries: Vec<Query> = next.difference(&done).cloned().collect();
        if queries.is_empty() {
            break;
        }
        let Listing { live, owners } = live::list(connector, &queries, pool)?;
        found.resources.extend(live.resources);
        found.owners.extend(owners);
        found.queries += live.queries;
        found.sessions += live.sessions;
        found.elapsed += live.elapsed;
        done.extend(queries);
        let decided = decide(&found, options);
        next = BTreeSet::new();
        for id in decided
            .exported
            .iter()
            .filter(|id| kinds::of(id).is_object())
        {
            listing_queries(id, &selected, &mut next);
        }
    }
    Ok(found)
}

/// The queries that list what object `id` holds: its own queries in
/// listing mode, its child kinds' queries (scoped by `id`), and the future
/// grants held in it.
fn listing_queries(id: &ResourceId, selected: &BTreeSet<&str>, out: &mut BTreeSet<Query>) {
    let kind = kinds::of(id);
    (kind.live.queries)(id, true, out);
    let own: Vec<Ident> = names(id).into_iter().cloned().collect();
    for child in kinds::ALL.iter().filter(|c| selected.contains(c.name())) {
        if let Section::Child { parent, .. } = child.section
            && std::ptr::eq(parent, kind)
            && child.meta.fields.len() == own.len() + 1
        {
            // Any name: a child kind's queries are scoped by its container.
            let mut parts = own.clone();
            parts.push(Ident::from_canonical("_"));
            (child.live.queries)(&ResourceId::named(child.meta, parts), false, out);
        }
    }
    if selected.contains(grant::KIND.name()) {
        for target in future_targets(id) {
            let probe = grant::id(Ident::from_canonical("PUBLIC"), target);
            (grant::KIND.live.queries)(&probe, false, out);
        }
    }
}

/// The future-grant scopes whose container is `id` (any object type: SHOW
/// FUTURE GRANTS lists every type of the container).
fn future_targets(id: &ResourceId) -> Vec<ResourceId> {
    let own: Vec<Part> = names(id)
        .into_iter()
        .map(|n| Part::Name(n.clone()))
        .collect();
    grant::TARGET_ONLY
        .iter()
        .filter(|meta| {
            meta.fields.len() == own.len() + 1
                && matches!(meta.fields[0].holds, Holds::Word)
                && meta.fields[1..]
                    .iter()
                    .all(|f| matches!(f.holds, Holds::Name))
        })
        .map(|meta| {
            let mut parts = vec![Part::Word("TABLES".into())];
            parts.extend(own.iter().cloned());
            ResourceId::new(meta, parts)
        })
        .filter(|t| grant::object(t).as_ref() == Some(id))
        .collect()
}

/// Why a live resource is not exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// A name Snowflake creates (system roles, `SNOWFLAKE`, `PUBLIC`,
    /// `INFORMATION_SCHEMA`).
    System,
    /// Owned by the system (SHOW's `owner` is empty).
    SystemOwned,
    /// Left out by `--kind`, `--like` or `--database`.
    Filtered,
    /// Inside an object that is not exported (or held by a role that is
    /// not).
    Inside,
}

/// What is exported and what is skipped.
#[derive(Clone, Debug, Default)]
struct Decided {
    exported: BTreeSet<ResourceId>,
    skipped: BTreeMap<ResourceId, Skip>,
}

/// SQL `LIKE`, case-insensitive as SHOW's: `%` any run, `_` one character,
/// `\` escapes.
pub fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('_', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some(('\\', rest)) if !rest.is_empty() => {
                t.first() == Some(&rest[0]) && go(&rest[1..], &t[1..])
            }
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.to_uppercase().chars().collect();
    let t: Vec<char> = text.to_uppercase().chars().collect();
    go(&p, &t)
}

/// Something worth managing on an object Snowflake created (a `PUBLIC`
/// schema): a comment, or a switch turned on (managed access). Creation
/// flags (`transient`) come from the container.
fn has_settings(kind: &Kind, attrs: &Attrs) -> bool {
    // Its owner is whoever created the database: not a setting.
    kind.attrs
        .iter()
        .filter(|spec| !matches!(spec.sql, AttrSql::Ownership))
        .any(|spec| match attrs.get(spec.name) {
            Some(Value::Text(t)) => !t.is_empty(),
            Some(Value::Bool(true)) => matches!(spec.sql, AttrSql::Switch { .. }),
            _ => false,
        })
}

fn decide(found: &Found, options: &Options) -> Decided {
    let selected = options.selected();
    let mut d = Decided::default();
    // Containers before their contents.
    let depth = |id: &ResourceId| {
        let mut n = 0;
        let mut at = parent_of(id);
        while let Some(p) = at {
            n += 1;
            at = parent_of(&p);
        }
        n
    };
    let mut ids: Vec<&ResourceId> = found.resources.keys().collect();
    ids.sort_by_key(|id| (depth(id), (*id).clone()));
    for id in ids {
        let kind = kinds::of(id);
        let attrs = &found.resources[id];
        let skip = (|| {
            if let Some(parent) = parent_of(id)
                && !d.exported.contains(&parent)
            {
                return Some(Skip::Inside);
            }
            if !selected.contains(kind.name()) {
                return Some(Skip::Filtered);
            }
            if !kind.is_object() {
                return None;
            }
            let name = id.name().map(Ident::as_str).unwrap_or_default();
            match kind.naming {
                Naming::Account { system, .. } if system.contains(&name) => {
                    return Some(Skip::System);
                }
                Naming::InDatabase { system }
                    if system.contains(&name) && !has_settings(kind, attrs) =>
                {
                    return Some(Skip::System);
                }
                _ => {}
            }
            if found.owners.get(id).is_some_and(String::is_empty) {
                return Some(Skip::SystemOwned);
            }
            if let Section::Top(_) = kind.section {
                if let Some(pattern) = &options.like
                    && !like(pattern, name)
                {
                    return Some(Skip::Filtered);
                }
                if matches!(
                    kind.naming,
                    Naming::Account {
                        container: true,
                        ..
                    }
                ) && !options.databases.is_empty()
                    && !options.databases.iter().any(|d| d.as_str() == name)
                {
                    return Some(Skip::Filtered);
                }
            }
            None
        })();
        match skip {
            None => {
                d.exported.insert(id.clone());
            }
            Some(s) => {
                d.skipped.insert(id.clone(), s);
            }
        }
    }
    d
}

/// Does `name` hold `env` as a whole `_`-separated part (exactly: a quoted
/// `"app_dev"` holds `dev`, not `DEV`)?
fn has_env(name: &Ident, env: &str) -> bool {
    name.as_str().split('_').any(|p| p == env)
}

/// Holds the environment's name in another case (`"app_dev"` for `DEV`).
fn has_env_other_case(name: &Ident, env: &str) -> bool {
    name.as_str()
        .split('_')
        .any(|p| p != env && p.eq_ignore_ascii_case(env))
}

/// The report of an export (printed on stderr).
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub environment: Option<String>,
    /// Objects exported, by kind name.
    pub objects: BTreeMap<&'static str, usize>,
    /// Grants and memberships exported, by kind name.
    pub items: BTreeMap<&'static str, usize>,
    /// Names written with `${env}`: canonical name -> as written.
    pub templated: BTreeMap<String, String>,
    /// Names left literal that hold the environment's name in another case.
    pub literal: BTreeSet<String>,
    /// Addresses owned by the environment although their name does not
    /// carry it (they refer to the environment's objects).
    pub env_literal: BTreeSet<String>,
    /// Addresses written `shared: true`.
    pub shared: BTreeSet<String>,
    /// Texts (comments, SQL) of environment objects that mention the
    /// environment: left as they are.
    pub texts_mentioning_env: BTreeSet<String>,
    /// Skipped addresses, by reason (`Inside` and `Filtered` counted only).
    pub skipped: BTreeMap<Skip, Vec<String>>,
    /// `external:` entries written: section -> names as written.
    pub external: BTreeMap<&'static str, BTreeSet<String>>,
}

/// An export: the YAML text and its report.
pub struct Export {
    pub yaml: String,
    pub report: Report,
}

/// Writes names, templating the environment's name.
struct Namer<'a> {
    env: Option<&'a str>,
    /// Names that carry the environment but are written literally (shared
    /// objects).
    kept: BTreeSet<&'a Ident>,
    templated: std::cell::RefCell<BTreeMap<String, String>>,
    literal: std::cell::RefCell<BTreeSet<String>>,
}

impl Namer<'_> {
    /// `name` as the configuration writes it (SQL form, quoted when
    /// needed), with `${env}` for the environment's name and `$${` for a
    /// literal `${`.
    fn name(&self, name: &Ident) -> String {
        let plain = name.is_plain();
        let parts: Vec<String> = name
            .as_str()
            .split('_')
            .map(|p| match self.env {
                Some(env) if p == env && !self.kept.contains(name) => "${env}".to_string(),
                _ => escape_template(p),
            })
            .collect();
        let mut joined = parts.join("_");
        if !plain {
            joined = format!("\"{}\"", joined.replace('"', "\"\""));
        }
        if let Some(env) = self.env {
            if has_env(name, env) && !self.kept.contains(name) {
                self.templated
                    .borrow_mut()
                    .insert(name.sql(), joined.clone());
            } else if has_env_other_case(name, env) {
                self.literal.borrow_mut().insert(name.sql());
            }
        }
        joined
    }

    /// A qualified name (`DB.SCHEMA`), each part written by [`Self::name`].
    fn qualified(&self, id: &ResourceId) -> String {
        names(id)
            .into_iter()
            .map(|n| self.name(n))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A grant target as `on:` takes it: `account`, `database DB`,
    /// `future TABLES in schema DB.S`.
    fn target(&self, target: &ResourceId) -> String {
        let meta = target.kind_meta();
        let qualified = self.qualified(target);
        match meta.fields.first().map(|f| &f.holds) {
            None => meta.name.to_string(),
            // `future_in_schema` -> `future TABLES in schema DB.S`,
            // `all_in_schema` -> `all TABLES in schema DB.S`.
            Some(Holds::Word) => {
                let (form, scope) = meta.name.split_once("_in_").unwrap_or((meta.name, ""));
                format!("{form} {} in {scope} {qualified}", target.word_at(0))
            }
            _ => format!("{} {qualified}", meta.name),
        }
    }
}

/// `${` as the configuration writes it literally.
fn escape_template(text: &str) -> String {
    text.replace("${", "$${")
}

/// The export of `found` with `options`.
pub fn export(found: &Found, options: &Options) -> Export {
    let decided = decide(found, options);
    let env = options.env.as_deref();
    let exported = &decided.exported;
    let attrs_of = |id: &ResourceId| &found.resources[id];

    // Items (grants, memberships) by the entry that holds them.
    let mut items_of: BTreeMap<ResourceId, Vec<&ResourceId>> = BTreeMap::new();
    let mut children_of: BTreeMap<ResourceId, Vec<&ResourceId>> = BTreeMap::new();
    for id in exported {
        if let Some(parent) = parent_of(id) {
            if kinds::of(id).is_object() {
                children_of.entry(parent).or_default().push(id);
            } else {
                items_of.entry(parent).or_default().push(id);
            }
        }
    }
    // What each object refers to (its attributes' references and its
    // items' targets and parents), itself and its containers aside.
    let refers = |id: &ResourceId| -> Vec<ResourceId> {
        let mut out = kinds::attr_references_of(kinds::of(id), Some(id), attrs_of(id));
        for item in items_of.get(id).into_iter().flatten() {
            out.extend(
                kinds::references(item, attrs_of(item))
                    .into_iter()
                    .filter(|r| r != id),
            );
        }
        out
    };
    let system_roles: BTreeSet<ResourceId> = kinds::role::system_roles().collect();

    // Stacks: a name carrying the environment, or a container owned by the
    // environment, makes an object the environment's; then an object that
    // refers to an environment object (or to an unexported name carrying
    // the environment) is the environment's too. An object that holds
    // something the account has one of (the account's resource monitor)
    // stays shared whatever its name.
    let mut env_owned: BTreeSet<ResourceId> = BTreeSet::new();
    if let Some(env) = env {
        let objects: Vec<&ResourceId> = exported
            .iter()
            .filter(|id| kinds::of(id).is_object())
            .collect();
        loop {
            let mut changed = false;
            for id in &objects {
                if env_owned.contains(*id)
                    || kinds::of(id)
                        .rules
                        .exclusive
                        .is_some_and(|x| x.held_by(Some(attrs_of(id))))
                {
                    continue;
                }
                let own = id.name().is_some_and(|n| has_env(n, env));
                let in_env = parent_of(id).is_some_and(|p| env_owned.contains(&p));
                let refers_env = refers(id).iter().any(|r| {
                    if exported.contains(r) {
                        env_owned.contains(r)
                    } else {
                        names(r).iter().any(|n| has_env(n, env))
                    }
                });
                if own || in_env || refers_env {
                    env_owned.insert((*id).clone());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    // Shared objects keep their names as written, the environment's word
    // included (`${env}` has no value in the shared stack).
    let kept: BTreeSet<&Ident> = exported
        .iter()
        .filter(|id| kinds::of(id).is_object() && !env_owned.contains(*id))
        .filter_map(|id| id.name())
        .filter(|name| env.is_some_and(|e| has_env(name, e)))
        .collect();
    let namer = Namer {
        env,
        kept,
        templated: Default::default(),
        literal: Default::default(),
    };

    let mut report = Report {
        environment: options.env.clone(),
        ..Report::default()
    };
    for (id, skip) in &decided.skipped {
        report.skipped.entry(*skip).or_default().push(id.address());
    }
    // External: referenced, not exported, not a system role.
    let mut external: BTreeMap<&'static str, BTreeSet<ResourceId>> = BTreeMap::new();
    for id in exported.iter().filter(|id| kinds::of(id).is_object()) {
        for r in refers(id) {
            if exported.contains(&r) || system_roles.contains(&r) {
                continue;
            }
            if let Some(section) = kinds::of(&r).external {
                external.entry(section).or_default().insert(r);
            }
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `pudo export`{} from the live account: review it before\n# `pudo import --all` (see docs/import-export.md).",
        env.map(|e| format!(" (environment {e}: `{e}` in names is `${{env}}`)"))
            .unwrap_or_default()
    );
    let writer = Writer {
        namer: &namer,
        found,
        env_owned: &env_owned,
        children_of: &children_of,
        items_of: &items_of,
        env,
    };
    for kind in kinds::ALL {
        let Section::Top(key) = kind.section else {
            continue;
        };
        let top: Vec<&ResourceId> = exported
            .iter()
            .filter(|id| std::ptr::eq(kinds::of(id), *kind))
            .collect();
        if top.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{key}:");
        for id in top {
            writer.entry(&mut out, 1, id, &mut report);
        }
    }
    if !external.is_empty() {
        let _ = writeln!(
            out,
            "\n# Referenced above, not exported (filtered out or created by Snowflake).\nexternal:"
        );
        for kind in kinds::ALL {
            let Some(section) = kind.external else {
                continue;
            };
            let Some(ids) = external.get(section) else {
                continue;
            };
            let written: Vec<String> = ids.iter().map(|r| namer.qualified(r)).collect();
            report
                .external
                .entry(section)
                .or_default()
                .extend(written.iter().cloned());
            let _ = writeln!(
                out,
                "  {section}: [{}]",
                written
                    .iter()
                    .map(|w| yaml_str(w))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    report.templated = namer.templated.into_inner();
    report.literal = namer.literal.into_inner();
    Export { yaml: out, report }
}

struct Writer<'a> {
    namer: &'a Namer<'a>,
    found: &'a Found,
    env_owned: &'a BTreeSet<ResourceId>,
    children_of: &'a BTreeMap<ResourceId, Vec<&'a ResourceId>>,
    items_of: &'a BTreeMap<ResourceId, Vec<&'a ResourceId>>,
    env: Option<&'a str>,
}

impl Writer<'_> {
    /// One object's entry at `depth` (two spaces each): its key, `shared`,
    /// its attributes, its children and items.
    fn entry(&self, out: &mut String, depth: usize, id: &ResourceId, report: &mut Report) {
        let kind = kinds::of(id);
        let pad = "  ".repeat(depth);
        let inner = "  ".repeat(depth + 1);
        let name = id.name().expect("an object has a name");
        let key = yaml_key(&self.namer.name(name));
        *report.objects.entry(kind.name()).or_default() += 1;
        let mut body = String::new();
        let env_owned = self.env_owned.contains(id);
        if !env_owned {
            let _ = writeln!(body, "{inner}shared: true");
            report.shared.insert(id.address());
        } else if let Some(env) = self.env
            && !has_env(name, env)
            && parent_of(id).is_none_or(|p| !self.env_owned.contains(&p))
        {
            report.env_literal.insert(id.address());
        }
        let attrs = &self.found.resources[id];
        for spec in kind.attrs {
            let Some(value) = attrs.get(spec.name) else {
                continue;
            };
            match value {
                Value::Text(t) if t.is_empty() => continue,
                // The default owner goes without saying (docs/permissions.md).
                Value::Text(t)
                    if matches!(spec.sql, AttrSql::Ownership)
                        && kind.admin_role == Some(t.as_str()) =>
                {
                    continue;
                }
                Value::Bool(false)
                    if matches!(spec.sql, AttrSql::CreateFlag(_) | AttrSql::Switch { .. }) =>
                {
                    continue;
                }
                Value::Text(t)
                    if env_owned
                        && matches!(spec.ty, AttrType::Text)
                        && self.env.is_some_and(|e| t.contains(e)) =>
                {
                    report
                        .texts_mentioning_env
                        .insert(format!("{} `{}`", id.address(), spec.name));
                }
                _ => {}
            }
            let _ = writeln!(
                body,
                "{inner}{}: {}",
                spec.name,
                self.value(id, &spec.ty, value)
            );
        }
        for key in kind.children {
            let Some(child_kind) = kinds::ALL.iter().find(|c| {
                parent_kind(c).is_some_and(|p| std::ptr::eq(p, kind)) && section_key(c) == *key
            }) else {
                continue;
            };
            match child_kind.section {
                Section::Child { .. } => {
                    let children: Vec<&&ResourceId> = self
                        .children_of
                        .get(id)
                        .into_iter()
                        .flatten()
                        .filter(|c| std::ptr::eq(kinds::of(c), *child_kind))
                        .collect();
                    if children.is_empty() {
                        continue;
                    }
                    let _ = writeln!(body, "{inner}{key}:");
                    for child in children {
                        self.entry(&mut body, depth + 2, child, report);
                    }
                }
                _ => {
                    let items: Vec<&&ResourceId> = self
                        .items_of
                        .get(id)
                        .into_iter()
                        .flatten()
                        .filter(|c| std::ptr::eq(kinds::of(c), *child_kind))
                        .collect();
                    if items.is_empty() {
                        continue;
                    }
                    *report.items.entry(child_kind.name()).or_default() += items.len();
                    self.items(&mut body, &inner, key, child_kind, &items);
                }
            }
        }
        if body.is_empty() {
            let _ = writeln!(out, "{pad}{key}: {{}}");
        } else {
            let _ = writeln!(out, "{pad}{key}:");
            out.push_str(&body);
        }
    }

    /// A list of items: names (`member_of: [A, B]`) when the kind has no
    /// attributes, else one mapping per item with its last identity field
    /// (`on:`) and its attributes.
    fn items(&self, out: &mut String, inner: &str, key: &str, kind: &Kind, items: &[&&ResourceId]) {
        let last = |id: &ResourceId| id.parts().last().cloned();
        if kind.attrs.is_empty() {
            let written: Vec<String> = items
                .iter()
                .filter_map(|id| match last(id) {
                    Some(Part::Name(n)) => Some(yaml_str(&self.namer.name(&n))),
                    _ => None,
                })
                .collect();
            let _ = writeln!(out, "{inner}{key}: [{}]", written.join(", "));
            return;
        }
        let field = kind.meta.fields.last().map(|f| f.name).unwrap_or("on");
        let _ = writeln!(out, "{inner}{key}:");
        for id in items {
            let head = match last(id) {
                Some(Part::Target(t)) => self.namer.target(&t),
                Some(Part::Name(n)) => self.namer.name(&n),
                Some(Part::Word(w)) => w,
                None => continue,
            };
            let mut fields = vec![format!("{field}: {}", yaml_str(&head))];
            let attrs = &self.found.resources[*id];
            for spec in kind.attrs {
                if let Some(value) = attrs.get(spec.name) {
                    fields.push(format!(
                        "{}: {}",
                        spec.name,
                        self.value(id, &spec.ty, value)
                    ));
                }
            }
            let _ = writeln!(out, "{inner}  - {{ {} }}", fields.join(", "));
        }
    }

    /// A value in its canonical config form, as YAML.
    fn value(&self, id: &ResourceId, ty: &AttrType, value: &Value) -> String {
        match (ty, value) {
            (_, Value::Bool(b)) => b.to_string(),
            (_, Value::Int(i)) => i.to_string(),
            (AttrType::Ref(meta), Value::Text(t)) => {
                yaml_str(&self.ref_name(meta, t).unwrap_or_else(|| escape_template(t)))
            }
            (AttrType::Json, Value::Text(t)) => match serde_json::from_str(t) {
                Ok(json) => yaml_json(&json),
                Err(_) => yaml_str(&escape_template(t)),
            },
            (_, Value::Text(t)) => yaml_str(&escape_template(t)),
            (AttrType::Siblings, Value::List(names)) => {
                let written: Vec<String> = names
                    .iter()
                    .map(|n| match kinds::sibling(id, n) {
                        Some(s) => yaml_str(&self.namer.name(s.name().expect("named"))),
                        None => yaml_str(&escape_template(n)),
                    })
                    .collect();
                format!("[{}]", written.join(", "))
            }
            (_, Value::List(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| yaml_str(&escape_template(i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn ref_name(&self, meta: &'static KindMeta, text: &str) -> Option<String> {
        let id = kinds::parse_name(meta, text)?;
        Some(self.namer.qualified(&id))
    }
}

/// YAML words that are not strings (YAML 1.1 spellings included, for
/// other readers).
const YAML_WORDS: &[&str] = &[
    "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
];

/// A string as a YAML scalar: plain when that reads back as the same
/// string, single-quoted when printable (`'` doubled), else double-quoted
/// with escapes.
pub fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '.' | '-'))
        && !YAML_WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        return s.to_string();
    }
    if s.chars().all(|c| !c.is_control()) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name as a block mapping key: like [`yaml_str`], and `${env}` needs no
/// quotes there (outside flow collections).
fn yaml_key(s: &str) -> String {
    let probe = s.replace("${env}", "ENV");
    if !probe.contains('$') && yaml_str(&probe) == probe {
        s.to_string()
    } else {
        yaml_str(s)
    }
}

/// A JSON value as a YAML flow value (strings with `${` escaped).
fn yaml_json(value: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match value {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => yaml_str(&escape_template(s)),
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(yaml_json).collect::<Vec<_>>().join(", ")
        ),
        J::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", yaml_str(&escape_template(k)), yaml_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Report {
    /// The report as lines for stderr.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let count = |m: &BTreeMap<&str, usize>| {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "Exported {}{}{}.",
            if self.objects.is_empty() {
                "nothing".to_string()
            } else {
                count(&self.objects)
            },
            if self.items.is_empty() {
                String::new()
            } else {
                format!(" and {}", count(&self.items))
            },
            self.environment
                .as_ref()
                .map(|e| format!(" (environment {e})"))
                .unwrap_or_default()
        );
        let list = |out: &mut String, title: String, items: &mut dyn Iterator<Item = String>| {
            let items: Vec<String> = items.collect();
            if items.is_empty() {
                return;
            }
            let _ = writeln!(out, "{title} ({}):", items.len());
            for i in items {
                let _ = writeln!(out, "  {i}");
            }
        };
        if let Some(env) = &self.environment {
            list(
                &mut out,
                format!("Templated `{env}` as `${{env}}`"),
                &mut self.templated.iter().map(|(a, b)| format!("{a} -> {b}")),
            );
            list(
                &mut out,
                format!("Left literal (`{env}` in another case is another name)"),
                &mut self.literal.iter().cloned(),
            );
            list(
                &mut out,
                format!(
                    "Environment objects without `{env}` in their name (they refer to environment objects; every environment declares the same name: review)"
                ),
                &mut self.env_literal.iter().cloned(),
            );
            list(
                &mut out,
                format!("Texts of environment objects that mention `{env}`, left literal"),
                &mut self.texts_mentioning_env.iter().cloned(),
            );
            list(
                &mut out,
                format!("Shared (`shared: true`: no `{env}` in the name, or the account has one)"),
                &mut self.shared.iter().cloned(),
            );
        }
        for (skip, ids) in &self.skipped {
            match skip {
                Skip::System => list(
                    &mut out,
                    "Skipped, created by Snowflake".into(),
                    &mut ids.iter().cloned(),
                ),
                Skip::SystemOwned => list(
                    &mut out,
                    "Skipped, owned by the system".into(),
                    &mut ids.iter().cloned(),
                ),
                Skip::Filtered => {
                    let _ = writeln!(
                        out,
                        "Skipped by --kind / --like / --database: {}.",
                        ids.len()
                    );
                }
                Skip::Inside => {
                    let _ = writeln!(
                        out,
                        "Skipped with what holds them (objects inside skipped objects, grants of skipped roles): {}.",
                        ids.len()
                    );
                }
            }
        }
        list(
            &mut out,
            "Written under `external:` (referenced, not exported)".into(),
            &mut self
                .external
                .iter()
                .flat_map(|(s, names)| names.iter().map(move |n| format!("{s}: {n}"))),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_is_sql_like_case_insensitive() {
        assert!(like("app_%", "APP_DEV_DB"));
        assert!(like("APP\\_%", "APP_X"));
        assert!(!like("APP\\_%", "APPX"));
        assert!(like("%_DB", "X_DB"));
        assert!(!like("A%", "BA"));
    }

    #[test]
    fn yaml_scalars_read_back_as_strings() {
        assert_eq!(yaml_str("APP_DB"), "APP_DB");
        assert_eq!(yaml_str("\"lower name\""), "'\"lower name\"'");
        assert_eq!(yaml_str("it's"), "'it''s'");
        assert_eq!(yaml_str("true"), "'true'");
        assert_eq!(yaml_str("12"), "'12'");
        assert_eq!(yaml_str("APP_${env}_DB"), "'APP_${env}_DB'");
        assert_eq!(yaml_str("a\nb"), "\"a\\nb\"");
        assert_eq!(yaml_str(""), "''");
        assert_eq!(yaml_key("APP_${env}_DB"), "APP_${env}_DB");
        assert_eq!(yaml_key("${env}_DB"), "${env}_DB");
        assert_eq!(yaml_key("A_$${x}"), "'A_$${x}'");
    }

    #[test]
    fn names_template_whole_parts_of_the_exact_environment_name() {
        let namer = Namer {
            env: Some("DEV"),
            kept: Default::default(),
            templated: Default::default(),
            literal: Default::default(),
        };
        let n = |s: &str| namer.name(&Ident::parse(s).unwrap());
        assert_eq!(n("APP_DEV_DB"), "APP_${env}_DB");
        assert_eq!(n("DEV_APP"), "${env}_APP");
        assert_eq!(n("DEVICES"), "DEVICES");
        assert_eq!(n("\"app_dev\""), "\"app_dev\"");
        assert_eq!(n("\"x DEV_y\""), "\"x DEV_y\"");
        assert_eq!(n("\"a_DEV_\"\"b\""), "\"a_${env}_\"\"b\"");
        assert!(namer.literal.borrow().contains("\"app_dev\""));
    }

    #[test]
    fn targets_are_written_as_on_takes_them() {
        let namer = Namer {
            env: Some("DEV"),
            kept: Default::default(),
            templated: Default::default(),
            literal: Default::default(),
        };
        let i = |s: &str| Ident::parse(s).unwrap();
        for (target, on) in [
            (
                grant::all_in_schema("TABLES", i("APP_DEV"), i("S")),
                "all TABLES in schema APP_${env}.S",
            ),
            (
                grant::future_in_schema("VIEWS", i("APP_DEV"), i("S")),
                "future VIEWS in schema APP_${env}.S",
            ),
            (
                grant::future_in_database("SCHEMAS", i("APP_DEV")),
                "future SCHEMAS in database APP_${env}",
            ),
        ] {
            assert_eq!(namer.target(&target), on);
            assert_eq!(
                grant::parse_target(&on.replace("${env}", "DEV")),
                Ok(target)
            );
        }
    }
}
