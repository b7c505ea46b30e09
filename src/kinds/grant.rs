//! `roles.<R>.grants:` — the privileges a role holds on one target
//! (`GRANT privs ON target TO ROLE R`), read with `SHOW GRANTS TO ROLE R`
//! and `SHOW FUTURE GRANTS IN { SCHEMA | DATABASE }`.
//!
//! A grant's identity is its role and its target. A target is an object of
//! a grantable kind ([`OBJECT_TARGETS`]: its own id), the account, or a
//! future grant's scope ([`TARGET_ONLY`]). Privileges are a set: an update
//! grants what was added and revokes what was removed.
//!
//! Special handling outside this module (documented in `kinds`): config
//! validation reads `grants:` items (`on`, `privileges`, `remove`) with
//! [`parse_target`]; drift compares privilege sets and lets
//! [`FutureCover`] account for privileges a future grant gave new schemas.
//!
//! A database role's grants (`database_role_grant`) share all of it: the
//! target forms, the statements ([`privilege_changes`]), the reading of
//! `SHOW GRANTS TO` rows ([`Held`]), the per-container `SHOW FUTURE GRANTS`
//! statement ([`future_query`]: its rows go to whichever grantee they name)
//! and the drift rules ([`grantee_and_target`]).

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, Change, DriftForm, Kind, LiveCol, LiveSpec, Naming,
    Paging, Query, Rules, Section, Show, Sink, Sql, SqlHooks, database, database_role,
    database_role_grant, role, role_grant, schema, warehouse,
};
use crate::connector::Rows;
use crate::model::{Attrs, Field, Ident, KindMeta, Part, ResourceId, Value, canonical};
use std::collections::{BTreeMap, BTreeSet};

pub static META: KindMeta = KindMeta {
    name: "grant",
    rank: 5,
    fields: &[Field::name("role"), Field::target("on")],
    keyword: None,
    address: None,
    target_sql: None,
    references: |id| {
        let mut refs = vec![role::id(id.name_at(0).clone())];
        refs.extend(object(id.target_at(1)));
        refs
    },
};

/// `grant.ROLE.<target address>`.
pub fn id(role: Ident, on: ResourceId) -> ResourceId {
    ResourceId::new(&META, [Part::Name(role), Part::Target(Box::new(on))])
}

/// The role and the target of a grant.
pub fn parts(id: &ResourceId) -> (&Ident, &ResourceId) {
    (id.name_at(0), id.target_at(1))
}

/// The role grants and role memberships run under unless `grants_role:`
/// says otherwise: SECURITYADMIN holds MANAGE GRANTS.
pub const DEFAULT_ROLE: &str = "SECURITYADMIN";

/// Object kinds a grant may be on, with how their names are written.
pub static OBJECT_TARGETS: &[(&Kind, &str)] = &[
    (&database::KIND, "DB"),
    (&schema::KIND, "DB.SCHEMA"),
    (&warehouse::KIND, "WH"),
];

static ACCOUNT: KindMeta = KindMeta {
    name: "account",
    rank: 0,
    fields: &[],
    keyword: Some("ACCOUNT"),
    address: None,
    target_sql: None,
    references: |_| Vec::new(),
};

static FUTURE_IN_DATABASE: KindMeta = KindMeta {
    name: "future_in_database",
    rank: 250,
    fields: &[Field::word("object_type"), Field::name("database")],
    keyword: None,
    address: Some(|id, out| future_address(id, "database", out)),
    target_sql: Some(|id, out| future_sql(id, "DATABASE", out)),
    references: |_| Vec::new(),
};

static FUTURE_IN_SCHEMA: KindMeta = KindMeta {
    name: "future_in_schema",
    rank: 251,
    fields: &[
        Field::word("object_type"),
        Field::name("database"),
        Field::name("schema"),
    ],
    keyword: None,
    address: Some(|id, out| future_address(id, "schema", out)),
    target_sql: Some(|id, out| future_sql(id, "SCHEMA", out)),
    references: |_| Vec::new(),
};

/// `ALL <object_type> IN SCHEMA D.S`: what exists of that type when the
/// grant runs. Live, the privileges held on every such object the role's
/// grants list; with none listed there is nothing to compare.
static ALL_IN_SCHEMA: KindMeta = KindMeta {
    name: "all_in_schema",
    rank: 252,
    fields: &[
        Field::word("object_type"),
        Field::name("database"),
        Field::name("schema"),
    ],
    keyword: None,
    address: Some(|id, out| {
        out.push_str("all_");
        out.push_str(&id.word_at(0).to_ascii_lowercase().replace(' ', "_"));
        out.push_str("_in_schema.");
        id.push_qualified_name(out);
    }),
    target_sql: Some(|id, out| {
        out.push_str("ALL ");
        out.push_str(id.word_at(0));
        out.push_str(" IN SCHEMA ");
        id.push_qualified_name(out);
    }),
    references: |_| Vec::new(),
};

/// Target kinds that are not resources.
pub static TARGET_ONLY: &[&KindMeta] = &[
    &ACCOUNT,
    &FUTURE_IN_DATABASE,
    &FUTURE_IN_SCHEMA,
    &ALL_IN_SCHEMA,
];

/// Every serialized target `type`.
pub static TARGET_NAMES: &[&str] = &[
    "account",
    "database",
    "schema",
    "warehouse",
    "future_in_database",
    "future_in_schema",
    "all_in_schema",
    "role",
    "database_role",
];

/// The target kind serialized as `tag` (the roles a database role is
/// granted to too).
pub fn target_meta(tag: &str) -> Option<&'static KindMeta> {
    OBJECT_TARGETS
        .iter()
        .map(|(k, _)| k.meta)
        .chain(TARGET_ONLY.iter().copied())
        .chain([&role::META, &super::database_role::META])
        .find(|m| m.name == tag)
}

/// `future_tables_in_schema.D.S`.
fn future_address(id: &ResourceId, scope: &str, out: &mut String) {
    out.push_str("future_");
    out.push_str(&id.word_at(0).to_ascii_lowercase().replace(' ', "_"));
    out.push_str("_in_");
    out.push_str(scope);
    out.push('.');
    id.push_qualified_name(out);
}

/// `FUTURE TABLES IN SCHEMA D.S`.
fn future_sql(id: &ResourceId, scope: &str, out: &mut String) {
    out.push_str("FUTURE ");
    out.push_str(id.word_at(0));
    out.push_str(" IN ");
    out.push_str(scope);
    out.push(' ');
    id.push_qualified_name(out);
}

/// The account as a grant target.
pub fn account() -> ResourceId {
    ResourceId::new(&ACCOUNT, [])
}

/// `FUTURE <object_type> IN DATABASE database`.
pub fn future_in_database(object_type: &str, database: Ident) -> ResourceId {
    ResourceId::new(
        &FUTURE_IN_DATABASE,
        [Part::Word(object_type.to_string()), Part::Name(database)],
    )
}

/// `FUTURE <object_type> IN SCHEMA database.schema`.
pub fn future_in_schema(object_type: &str, database: Ident, schema: Ident) -> ResourceId {
    ResourceId::new(
        &FUTURE_IN_SCHEMA,
        [
            Part::Word(object_type.to_string()),
            Part::Name(database),
            Part::Name(schema),
        ],
    )
}

/// `ALL <object_type> IN SCHEMA database.schema`.
pub fn all_in_schema(object_type: &str, database: Ident, schema: Ident) -> ResourceId {
    ResourceId::new(
        &ALL_IN_SCHEMA,
        [
            Part::Word(object_type.to_string()),
            Part::Name(database),
            Part::Name(schema),
        ],
    )
}

/// Whether `target` is `ALL <type> IN SCHEMA` (nothing to compare live
/// while no such object exists).
pub fn is_all(target: &ResourceId) -> bool {
    target.is(&ALL_IN_SCHEMA)
}

/// The resource a target names, when pudo could manage it: the object
/// itself, or the database / schema of a future grant (the account is not
/// a resource).
pub fn object(target: &ResourceId) -> Option<ResourceId> {
    if target.is(&ALL_IN_SCHEMA) {
        return Some(schema::id(
            target.name_at(1).clone(),
            target.name_at(2).clone(),
        ));
    }
    if target.is(&FUTURE_IN_DATABASE) {
        Some(database::id(target.name_at(1).clone()))
    } else if target.is(&FUTURE_IN_SCHEMA) {
        Some(schema::id(
            target.name_at(1).clone(),
            target.name_at(2).clone(),
        ))
    } else if target.is(&ACCOUNT) {
        None
    } else {
        Some(target.clone())
    }
}

pub fn is_future(target: &ResourceId) -> bool {
    target.is(&FUTURE_IN_DATABASE) || target.is(&FUTURE_IN_SCHEMA)
}

/// The forms `on:` accepts, for hints.
pub fn target_forms() -> String {
    let mut forms = vec!["`account`".to_string()];
    for (kind, form) in OBJECT_TARGETS {
        forms.push(format!("`{} {form}`", kind.name()));
    }
    forms.push("`future TABLES in schema DB.SCHEMA`".into());
    forms.push("`future TABLES in database DB`".into());
    forms.push("`all TABLES in schema DB.SCHEMA`".into());
    forms.join(", ")
}

/// Parses a grant target as written in the configuration: `account`,
/// `database DB`, `schema DB.SCHEMA`, `warehouse WH`, `future TABLES in
/// schema DB.SCHEMA`, `future TABLES in database DB`. Keywords are
/// case-insensitive; names follow identifier rules.
pub fn parse_target(text: &str) -> Result<ResourceId, String> {
    let words = split_words(text)?;
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let object_kind = |word: &str| OBJECT_TARGETS.iter().find(|(k, _)| k.name() == word);
    match lower.as_slice() {
        [] => Err("the grant target is empty".to_string()),
        ["account"] => Ok(account()),
        ["all", rest @ ..] => {
            let Some(in_pos) = rest.iter().rposition(|w| *w == "in") else {
                return Err(format!("`{text}` is missing `in schema DB.SCHEMA`"));
            };
            let written_type = words[1..1 + in_pos].join(" ");
            let object_type = canonical::future_object_type(&written_type)
                .filter(|t| *t != "SCHEMAS")
                .ok_or_else(|| {
                    format!("`{written_type}` is not an object type that `all` grants support")
                })?;
            match (&rest[in_pos + 1..], &words[2 + in_pos..]) {
                (["schema", _], [_, name]) => {
                    let [database, schema] = qualified::<2>(name, "schema", "DB.SCHEMA")?;
                    Ok(all_in_schema(object_type, database, schema))
                }
                _ => Err(format!("`{text}`: after `in` write `schema DB.SCHEMA`")),
            }
        }
        ["future", rest @ ..] => {
            let Some(in_pos) = rest.iter().rposition(|w| *w == "in") else {
                return Err(format!(
                    "`{text}` is missing `in schema DB.SCHEMA` or `in database DB`"
                ));
            };
            let written_type = words[1..1 + in_pos].join(" ");
            if written_type.is_empty() {
                return Err(
                    "a future grant names an object type, e.g. `future tables in schema DB.SCHEMA`"
                        .to_string(),
                );
            }
            let object_type = canonical::future_object_type(&written_type).ok_or_else(|| {
                format!("`{written_type}` is not an object type that future grants support")
            })?;
            let after = &rest[in_pos + 1..];
            let after_words = &words[2 + in_pos..];
            match after {
                ["schema", _] => {
                    let [database, schema] =
                        qualified::<2>(&after_words[1], "schema", "DB.SCHEMA")?;
                    Ok(future_in_schema(object_type, database, schema))
                }
                ["database", _] => Ok(future_in_database(object_type, ident(&after_words[1])?)),
                _ => Err(format!(
                    "`{text}`: after `in` write `schema DB.SCHEMA` or `database DB`"
                )),
            }
        }
        [kind, _] if object_kind(kind).is_some() => {
            let (kind, form) = object_kind(kind).expect("checked");
            let names = match kind.meta.fields.len() {
                1 => vec![ident(&words[1])?],
                _ => qualified::<2>(&words[1], kind.name(), form)?.to_vec(),
            };
            Ok(ResourceId::named(kind.meta, names))
        }
        [kind, ..] if object_kind(kind).is_some() => Err(format!(
            "`{text}`: `{}` takes exactly one name (quote names that contain spaces)",
            words[0]
        )),
        _ => Err(format!("`{text}` is not a grant target pudo supports")),
    }
}

fn ident(written: &str) -> Result<Ident, String> {
    Ident::parse(written).map_err(|e| e.to_string())
}

/// `N` dot-separated identifiers (`DB.SCHEMA`).
fn qualified<const N: usize>(written: &str, kind: &str, form: &str) -> Result<[Ident; N], String> {
    let parts = split_dots(written)?;
    let wrong = || format!("`{written}` must name a {kind} with its database: `{form}`");
    if parts.len() != N {
        return Err(wrong());
    }
    let idents = parts
        .iter()
        .map(|p| ident(p))
        .collect::<Result<Vec<_>, _>>()?;
    idents.try_into().map_err(|_| wrong())
}

/// Whitespace-separated words, keeping double-quoted parts whole.
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if c.is_whitespace() && !quoted {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("`{text}` has an unbalanced double quote"));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Ok(words)
}

/// Dot-separated parts as written (quotes kept), dots inside quotes kept.
pub(crate) fn split_dots(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if c == '.' && !quoted {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("`{text}` has an unbalanced double quote"));
    }
    parts.push(cur);
    Ok(parts)
}

/// Splits a qualified name as SHOW prints it (`"a.b".C`) into its parts,
/// unquoted (canonical form).
pub fn split_qualified(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = name.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// A target from a `SHOW GRANTS` row (`granted_on`, `name`).
pub(crate) fn live_target(granted_on: &str, name: &str) -> Option<ResourceId> {
    if granted_on == "ACCOUNT" {
        return Some(account());
    }
    let (kind, _) = OBJECT_TARGETS
        .iter()
        .find(|(k, _)| k.meta.keyword == Some(granted_on))?;
    let parts = split_qualified(name);
    (parts.len() == kind.meta.fields.len())
        .then(|| ResourceId::named(kind.meta, parts.into_iter().map(Ident::from_canonical)))
}

/// The privileges of a grant's attributes.
pub fn privileges(attrs: &Attrs) -> &[String] {
    match attrs.get(PRIVILEGES.name) {
        Some(Value::List(items)) => items,
        _ => &[],
    }
}

/// Attributes holding `privileges` (canonical, as a set).
pub fn privilege_attrs(privileges: impl IntoIterator<Item = String>) -> Attrs {
    let set = canonical::privilege_set(
        privileges
            .into_iter()
            .filter_map(|p| canonical::privilege(&p)),
    );
    Attrs::from([(PRIVILEGES.name.to_string(), Value::List(set))])
}

pub const PRIVILEGES: AttrSpec = AttrSpec {
    name: "privileges",
    ty: AttrType::Privileges,
    sql: AttrSql::None,
    change: Change::InPlace,
    unset: false,
    live: LiveCol::Custom,
    doc: "Privilege names (USAGE, SELECT, CREATE TABLE, ...); compared as a set.",
};

/// The statements that take `grantee` (`ROLE R`, `DATABASE ROLE D.R`)
/// from privileges `before` to `after` on `on`: one GRANT of what was
/// added, one REVOKE of what was removed (create: from nothing; drop: to
/// nothing).
pub fn privilege_changes(
    before: &[String],
    after: &[String],
    on: &ResourceId,
    grantee: &str,
) -> Vec<String> {
    let statement = |verb: &str, privs: Vec<&String>, to: &str| {
        let mut out = String::with_capacity(96);
        out.push_str(verb);
        for (i, p) in privs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(p);
        }
        out.push_str(" ON ");
        on.push_target_sql(&mut out);
        out.push_str(to);
        out.push_str(grantee);
        out
    };
    let added: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
    let removed: Vec<&String> = before.iter().filter(|p| !after.contains(p)).collect();
    let mut out = Vec::new();
    if !added.is_empty() {
        out.push(statement("GRANT ", added, " TO "));
    }
    if !removed.is_empty() {
        out.push(statement("REVOKE ", removed, " FROM "));
    }
    out
}

/// `ROLE R`: the grantee of a grant's statements.
fn role_grantee(id: &ResourceId) -> String {
    format!("ROLE {}", parts(id).0.sql())
}

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, attrs| privilege_changes(&[], privileges(attrs), parts(id).1, &role_grantee(id)),
    drop: |id, attrs| privilege_changes(privileges(attrs), &[], parts(id).1, &role_grantee(id)),
    update: |id, before, after| {
        privilege_changes(
            privileges(before),
            privileges(after),
            parts(id).1,
            &role_grantee(id),
        )
    },
};

pub static GRANTS_TO: Show = Show {
    rank: 4,
    sql: |scope| format!("SHOW GRANTS TO ROLE {}", scope[0].sql()),
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(absorb_grants_to),
};

static FUTURE_IN_SCHEMA_SHOW: Show = Show {
    rank: 6,
    sql: |scope| {
        format!(
            "SHOW FUTURE GRANTS IN SCHEMA {}.{}",
            scope[0].sql(),
            scope[1].sql()
        )
    },
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(|scope, rows, sink| {
        absorb_future(rows, sink, &|t| {
            future_in_schema(t, scope[0].clone(), scope[1].clone())
        })
    }),
};

static FUTURE_IN_DATABASE_SHOW: Show = Show {
    rank: 7,
    sql: |scope| format!("SHOW FUTURE GRANTS IN DATABASE {}", scope[0].sql()),
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(|scope, rows, sink| {
        absorb_future(rows, sink, &|t| future_in_database(t, scope[0].clone()))
    }),
};

/// The statement that reads future grants on `on` when it is a future
/// grant's scope: one per container, whoever the grantees (roles and
/// database roles alike).
pub fn future_query(on: &ResourceId) -> Option<Query> {
    if on.is(&FUTURE_IN_SCHEMA) {
        Some(Query::new(
            &FUTURE_IN_SCHEMA_SHOW,
            [on.name_at(1).clone(), on.name_at(2).clone()],
        ))
    } else if on.is(&FUTURE_IN_DATABASE) {
        Some(Query::new(
            &FUTURE_IN_DATABASE_SHOW,
            [on.name_at(1).clone()],
        ))
    } else {
        None
    }
}

/// `SHOW GRANTS TO ROLE r`: privileges by target (ownership aside), and
/// the roles granted to `r`.
fn absorb_grants_to(scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    let role = &scope[0];
    let mut held = Held::default();
    for row in rows.iter() {
        let (Some(privilege), Some(on), Some(name)) =
            (row.get("privilege"), row.get("granted_on"), row.get("name"))
        else {
            continue;
        };
        if row.get("granted_to").is_some_and(|t| t != "ROLE") {
            continue;
        }
        if on == "ROLE" {
            if let [child] = split_qualified(name).as_slice() {
                let id = role_grant::id(Ident::from_canonical(child.clone()), role.clone());
                (sink.keep)(id, Attrs::new());
            }
            continue;
        }
        held.add(privilege, on, name);
    }
    for (target, privileges) in held.by_target() {
        (sink.keep)(id(role.clone(), target), privilege_attrs(privileges));
    }
}

/// The privileges `SHOW GRANTS TO { ROLE | DATABASE ROLE }` rows list, by
/// grant target (ownership aside): an object's own, and for `ALL <type> IN
/// SCHEMA D.S` what every listed object of that type in `D.S` holds.
#[derive(Default)]
pub struct Held {
    sets: BTreeMap<ResourceId, BTreeSet<String>>,
    /// (object type, database, schema) -> object -> privileges.
    objects: BTreeMap<(&'static str, String, String), BTreeMap<String, BTreeSet<String>>>,
}

impl Held {
    /// One row's `privilege`, `granted_on` and `name`.
    pub fn add(&mut self, privilege: &str, on: &str, name: &str) {
        if privilege == "OWNERSHIP" {
            return;
        }
        if let Some(target) = live_target(on, name) {
            self.sets
                .entry(target)
                .or_default()
                .insert(privilege.to_string());
            return;
        }
        // A schema object (`TABLE` `D.S.T`): for `ALL TABLES IN SCHEMA D.S`.
        let plural = format!("{}S", on.replace('_', " "));
        if let (Some(object_type), [d, s, o]) = (
            canonical::future_object_type(&plural),
            split_qualified(name).as_slice(),
        ) {
            self.objects
                .entry((object_type, d.clone(), s.clone()))
                .or_default()
                .entry(o.clone())
                .or_default()
                .insert(privilege.to_string());
        }
    }

    /// Privileges by target, `ALL <type> IN SCHEMA` targets included.
    pub fn by_target(self) -> impl Iterator<Item = (ResourceId, BTreeSet<String>)> {
        let all = self
            .objects
            .into_iter()
            .filter_map(|((object_type, d, s), by_object)| {
                let mut each = by_object.into_values();
                let first = each.next()?;
                let common = each.fold(first, |acc, p| &acc & &p);
                let target = all_in_schema(
                    object_type,
                    Ident::from_canonical(d),
                    Ident::from_canonical(s),
                );
                Some((target, common))
            });
        self.sets.into_iter().chain(all)
    }
}

/// `SHOW FUTURE GRANTS IN ...`: privileges by (grantee, object type), to
/// roles (`grant_to` `ROLE`: a `grant`) and to database roles of the
/// container's database (`DATABASE_ROLE`, `grantee_name` `D.R`: a
/// `database_role_grant`).
fn absorb_future(rows: &Rows, sink: &mut Sink<'_>, scope: &dyn Fn(&str) -> ResourceId) {
    let mut sets: BTreeMap<ResourceId, BTreeSet<String>> = BTreeMap::new();
    for row in rows.iter() {
        let (Some(privilege), Some(on), Some(grantee)) = (
            row.get("privilege"),
            row.get("grant_on"),
            row.get("grantee_name"),
        ) else {
            continue;
        };
        // `grant_on` is singular with underscores (`MATERIALIZED_VIEW`).
        let plural = format!("{}S", on.replace('_', " "));
        let Some(object_type) = canonical::future_object_type(&plural) else {
            continue;
        };
        let target = scope(object_type);
        let grant = match row.get("grant_to") {
            None | Some("ROLE") => id(Ident::from_canonical(grantee), target),
            Some("DATABASE_ROLE") => {
                // Qualified (`D.R`); a bare name is of the container's database.
                let database = target.name_at(1).clone();
                let Some(role) = split_qualified(grantee).pop() else {
                    continue;
                };
                database_role_grant::id(database, Ident::from_canonical(role), target)
            }
            Some(_) => continue,
        };
        sets.entry(grant).or_default().insert(privilege.to_string());
    }
    for (grant, privileges) in sets {
        (sink.keep)(grant, privilege_attrs(privileges));
    }
}

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Items {
        parent: &role::KIND,
        key: "grants",
    },
    children: &[],
    external: None,
    attrs: &[PRIVILEGES],
    sql_order: &[],
    check: None,
    sql: Sql::Custom(&SQL),
    // Dropping an object drops the grants on it.
    dropped_with: |_, this| object(this.target_at(1)).is_some(),
    live: LiveSpec {
        queries: |id, _, out| {
            let (role, on) = parts(id);
            out.insert(future_query(on).unwrap_or_else(|| Query::new(&GRANTS_TO, [role.clone()])));
        },
        list: None,
    },
    drift: DriftForm::Privileges,
    naming: Naming::None,
    parse_weight: 1,
    rules: Rules::NONE,
    admin_role: None,
    create_as_owner: false,
};

/// The grantee (a role, or a database role) and the target of a grant of
/// either kind: `grant` or `database_role_grant`.
pub fn grantee_and_target(id: &ResourceId) -> Option<(ResourceId, &ResourceId)> {
    if id.is(&META) {
        Some((role::id(id.name_at(0).clone()), id.target_at(1)))
    } else if id.is(&database_role_grant::META) {
        let grantee = database_role::id(id.name_at(0).clone(), id.name_at(1).clone());
        Some((grantee, id.target_at(2)))
    } else {
        None
    }
}

/// Whether `id` is a grant (of a role or a database role) on `ALL <type>
/// IN SCHEMA`.
pub fn is_all_grant(id: &ResourceId) -> bool {
    grantee_and_target(id).is_some_and(|(_, on)| is_all(on))
}

/// What the future grants of a role or database role give it on schemas
/// created after them: `future schemas in database D` puts its privileges
/// on every new schema of `D`. Those privileges are not drift. By
/// (grantee, database).
#[derive(Clone, Debug, Default)]
pub struct FutureCover(BTreeMap<(ResourceId, Ident), BTreeSet<String>>);

impl FutureCover {
    pub fn of<'a>(grants: impl IntoIterator<Item = (&'a ResourceId, &'a Attrs)>) -> FutureCover {
        let mut cover = FutureCover::default();
        for (id, attrs) in grants {
            let Some((grantee, on)) = grantee_and_target(id) else {
                continue;
            };
            if on.is(&FUTURE_IN_DATABASE) && on.word_at(0) == "SCHEMAS" {
                cover
                    .0
                    .entry((grantee, on.name_at(1).clone()))
                    .or_default()
                    .extend(privileges(attrs).iter().cloned());
            }
        }
        cover
    }

    /// The privileges of grant `id` that a future grant accounts for.
    fn covered(&self, id: &ResourceId) -> BTreeSet<String> {
        let Some((grantee, on)) = grantee_and_target(id) else {
            return BTreeSet::new();
        };
        if !on.is(&schema::META) {
            return BTreeSet::new();
        }
        self.0
            .get(&(grantee, on.name_at(0).clone()))
            .cloned()
            .unwrap_or_default()
    }

    /// Live attributes of `id` without the privileges a future grant gave
    /// it, unless `keep` (recorded or desired) holds them.
    ///
    /// An `ALL <type> IN SCHEMA` grant keeps only the privileges `keep`
    /// holds: what else every object holds came from other grants.
    pub fn strip(&self, id: &ResourceId, live: &Attrs, keep: &[Option<&Attrs>]) -> Attrs {
        let kept: BTreeSet<&String> = keep.iter().flatten().flat_map(|a| privileges(a)).collect();
        let covered = if is_all_grant(id) {
            None
        } else {
            let covered = self.covered(id);
            if covered.is_empty() {
                return live.clone();
            }
            Some(covered)
        };
        let now: Vec<String> = privileges(live)
            .iter()
            .filter(|p| kept.contains(p) || covered.as_ref().is_some_and(|c| !c.contains(*p)))
            .cloned()
            .collect();
        let mut out = live.clone();
        out.insert(PRIVILEGES.name.into(), Value::List(now));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(parse_target("ACCOUNT").unwrap(), account());
        assert_eq!(
            parse_target("database pudo_mlops").unwrap(),
            database::id(id("PUDO_MLOPS"))
        );
        assert_eq!(
            parse_target("Schema \"my db\".\"Lo.wer\"").unwrap(),
            schema::id(id("\"my db\""), id("\"Lo.wer\""))
        );
        assert_eq!(
            parse_target("  warehouse   wh ").unwrap(),
            warehouse::id(id("WH"))
        );
        assert_eq!(
            parse_target("future tables in schema PUDO_MLOPS.SHARED_DATA").unwrap(),
            future_in_schema("TABLES", id("PUDO_MLOPS"), id("SHARED_DATA"))
        );
        assert_eq!(
            parse_target("FUTURE materialized views IN DATABASE d").unwrap(),
            future_in_database("MATERIALIZED VIEWS", id("D"))
        );
        assert_eq!(
            parse_target("all views in schema d.s").unwrap(),
            all_in_schema("VIEWS", id("D"), id("S"))
        );
        assert_eq!(
            all_in_schema("TABLES", id("D"), id("S")).target_sql(),
            "ALL TABLES IN SCHEMA D.S"
        );
        assert_eq!(
            all_in_schema("TABLES", id("D"), id("S")).address(),
            "all_tables_in_schema.D.S"
        );
    }

    #[test]
    fn rejects_bad_targets() {
        for bad in [
            "",
            "table x",
            "schema justone",
            "database a b",
            "future in schema a.b",
            "future gizmos in schema a.b",
            "future tables in a.b",
            "all schemas in database d",
            "all tables in database d",
            "database \"open",
            "database 1bad",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn target_forms_list_every_form() {
        assert_eq!(
            target_forms(),
            "`account`, `database DB`, `schema DB.SCHEMA`, `warehouse WH`, `future TABLES in schema DB.SCHEMA`, `future TABLES in database DB`, `all TABLES in schema DB.SCHEMA`"
        );
    }

    #[test]
    fn targets_are_written_as_snowflake_reads_them() {
        assert_eq!(account().target_sql(), "ACCOUNT");
        assert_eq!(
            schema::id(id("D"), id("\"s\"")).target_sql(),
            "SCHEMA D.\"s\""
        );
        assert_eq!(
            future_in_database("FILE FORMATS", id("D")).target_sql(),
            "FUTURE FILE FORMATS IN DATABASE D"
        );
        assert_eq!(
            future_in_database("FILE FORMATS", id("D")).address(),
            "future_file_formats_in_database.D"
        );
    }
}
