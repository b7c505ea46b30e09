//! Live state: SHOW rows turned into the same canonical resources the
//! configuration produces, in a number of queries that does not grow with
//! the number of objects of a kind.
//!
//! Queries for one read: `SHOW DATABASES`, `SHOW WAREHOUSES`, `SHOW ROLES`
//! (each once, paged past 10,000 rows), `SHOW SCHEMAS IN DATABASE` per
//! managed database, `SHOW GRANTS TO ROLE` and `SHOW GRANTS OF ROLE` per
//! managed role, `SHOW FUTURE GRANTS IN SCHEMA|DATABASE` per container that
//! holds managed future grants. They run concurrently on a bounded pool of
//! sessions. A per-object query on an object that no longer exists (a role
//! or schema dropped outside pudo) reads as empty, not as an error.

use crate::connector::{Connector, ConnectorError, Rows, Session};
use crate::model::{Attrs, GrantTarget, Ident, ResourceId, Value, attr, canonical};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// SHOW returns (or allows a LIMIT of) at most this many rows.
pub const SHOW_PAGE: usize = 10_000;

/// What was found live for the resources asked about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    /// Every requested resource that exists, with its readable attributes.
    pub resources: BTreeMap<ResourceId, Attrs>,
    /// Privilege grants and memberships that the grant queries returned but
    /// that were not asked about (granted outside pudo, or another stack's).
    pub other_grants: BTreeMap<ResourceId, Attrs>,
    /// Every database, schema, warehouse and role the listings returned
    /// (whether asked about or not), for reporting unmanaged objects.
    pub listed: BTreeSet<ResourceId>,
    /// Statements run (pages included; logins not).
    pub queries: usize,
    /// Sessions opened.
    pub sessions: usize,
    pub elapsed: Duration,
}

/// True when SHOW reports the attribute, so that live and recorded values
/// can be compared. `initially_suspended` is create-time only.
pub fn readable(attr_name: &str) -> bool {
    attr_name != attr::INITIALLY_SUSPENDED
}

/// One SHOW query to run, and what it is for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Query {
    Databases,
    Warehouses,
    Roles,
    Schemas(Ident),
    GrantsTo(Ident),
    GrantsOf(Ident),
    FutureInSchema(Ident, Ident),
    FutureInDatabase(Ident),
}

impl Query {
    fn sql(&self) -> String {
        match self {
            Query::Databases => "SHOW DATABASES".into(),
            Query::Warehouses => "SHOW WAREHOUSES".into(),
            Query::Roles => "SHOW ROLES".into(),
            Query::Schemas(db) => format!("SHOW SCHEMAS IN DATABASE {}", db.sql()),
            Query::GrantsTo(role) => format!("SHOW GRANTS TO ROLE {}", role.sql()),
            Query::GrantsOf(role) => format!("SHOW GRANTS OF ROLE {}", role.sql()),
            Query::FutureInSchema(db, schema) => {
                format!("SHOW FUTURE GRANTS IN SCHEMA {}.{}", db.sql(), schema.sql())
            }
            Query::FutureInDatabase(db) => format!("SHOW FUTURE GRANTS IN DATABASE {}", db.sql()),
        }
    }

    /// Whether the command accepts `LIMIT n FROM 'name'` paging.
    fn pages_with_limit(&self) -> bool {
        matches!(self, Query::Databases | Query::Roles | Query::Schemas(_))
    }

    /// A query about one named object (which may have been dropped).
    fn is_per_object(&self) -> bool {
        !matches!(self, Query::Databases | Query::Warehouses | Query::Roles)
    }
}

/// The queries needed to read `ids` (plus, for `unmanaged`, the
/// account-wide listings and the schemas of every database in `ids`).
fn plan_queries(ids: &[ResourceId], unmanaged: bool) -> BTreeSet<Query> {
    let mut queries = BTreeSet::new();
    if unmanaged {
        queries.extend([Query::Databases, Query::Warehouses, Query::Roles]);
    }
    for id in ids {
        match id {
            ResourceId::Database { name } => {
                queries.insert(Query::Databases);
                if unmanaged {
                    queries.insert(Query::Schemas(name.clone()));
                }
            }
            ResourceId::Schema { database, .. } => {
                queries.insert(Query::Schemas(database.clone()));
            }
            ResourceId::Warehouse { .. } => {
                queries.insert(Query::Warehouses);
            }
            ResourceId::Role { name } => {
                // Grants and memberships made outside pudo show up here.
                queries.extend([
                    Query::Roles,
                    Query::GrantsTo(name.clone()),
                    Query::GrantsOf(name.clone()),
                ]);
            }
            ResourceId::Grant { role, on } => match on {
                GrantTarget::FutureInSchema {
                    database, schema, ..
                } => {
                    queries.insert(Query::FutureInSchema(database.clone(), schema.clone()));
                }
                GrantTarget::FutureInDatabase { database, .. } => {
                    queries.insert(Query::FutureInDatabase(database.clone()));
                }
                _ => {
                    queries.insert(Query::GrantsTo(role.clone()));
                }
            },
            ResourceId::RoleGrant { role, .. } => {
                queries.insert(Query::GrantsOf(role.clone()));
            }
        }
    }
    queries
}

/// Reads the live attributes of `ids` through `connector`, with at most
/// `pool` sessions at once.
pub fn read(
    connector: &dyn Connector,
    ids: &[ResourceId],
    unmanaged: bool,
    pool: usize,
) -> Result<Live, ConnectorError> {
    let started = Instant::now();
    let queries: Vec<Query> = plan_queries(ids, unmanaged).into_iter().collect();
    let results: Mutex<Vec<(Query, Rows, usize)>> = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let sessions = Mutex::new(0usize);
    let failure: Mutex<Option<ConnectorError>> = Mutex::new(None);
    let workers = pool.clamp(1, queries.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut session: Option<Box<dyn Session>> = None;
                loop {
                    if failure.lock().unwrap().is_some() {
                        return;
                    }
                    let query = {
                        let mut n = next.lock().unwrap();
                        let Some(q) = queries.get(*n) else { return };
                        *n += 1;
                        q.clone()
                    };
                    let outcome = (|| {
                        if session.is_none() {
                            session = Some(connector.open()?);
                            *sessions.lock().unwrap() += 1;
                        }
                        let session = session.as_mut().expect("opened above").as_mut();
                        match run_paged(session, &query) {
                            // The role, schema or database is gone: it has
                            // no grants and no schemas.
                            Err(e) if query.is_per_object() && is_missing_object(&e) => {
                                Ok((Rows::default(), 1))
                            }
                            other => other,
                        }
                    })();
                    match outcome {
                        Ok((rows, count)) => results.lock().unwrap().push((query, rows, count)),
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let mut live = Live {
        sessions: sessions.into_inner().unwrap(),
        ..Live::default()
    };
    let wanted: BTreeSet<&ResourceId> = ids.iter().collect();
    let mut results = results.into_inner().unwrap();
    // Results arrive in completion order; fold them in a fixed order.
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (query, rows, count) in results {
        live.queries += count;
        absorb(&mut live, &wanted, &query, &rows);
    }
    live.elapsed = started.elapsed();
    Ok(live)
}

/// Snowflake's "does not exist or not authorized" (`002003`) and the
/// `002043` that SHOW ... IN gives for a missing container.
fn is_missing_object(e: &ConnectorError) -> bool {
    matches!(e.code(), Some("002003") | Some("002043"))
}

/// Runs a SHOW, following pages when a result is full. Returns all rows and
/// the number of statements it took.
fn run_paged(session: &mut dyn Session, query: &Query) -> Result<(Rows, usize), ConnectorError> {
    let base = query.sql();
    if *query == Query::Warehouses {
        let rows = session.execute(&base)?;
        if rows.len() < SHOW_PAGE {
            return Ok((rows, 1));
        }
        // SHOW WAREHOUSES silently stops at 10,000 rows and takes no LIMIT:
        // split the listing by name prefix (LIKE is case-insensitive), and
        // split a prefix again while its part is full.
        let mut all = Rows {
            columns: rows.columns.clone(),
            rows: Vec::new(),
        };
        let mut count = 1;
        let mut seen = BTreeSet::new();
        let mut prefixes: Vec<String> = partition_alphabet().map(String::from).collect();
        while let Some(prefix) = prefixes.pop() {
            let pattern: String = prefix.chars().map(like_escape).collect();
            let page = session.execute(&format!("{base} LIKE '{}%'", sql_literal(&pattern)))?;
            count += 1;
            if page.len() >= SHOW_PAGE && prefix.chars().count() < 8 {
                prefixes.extend(partition_alphabet().map(|c| format!("{prefix}{c}")));
                continue;
            }
            for row in page.rows {
                if seen.insert(row.clone()) {
                    all.rows.push(row);
                }
            }
        }
        return Ok((all, count));
    }
    if !query.pages_with_limit() {
        return Ok((session.execute(&base)?, 1));
    }
    let mut all: Option<Rows> = None;
    let mut count = 0;
    let mut from: Option<String> = None;
    loop {
        let sql = match &from {
            None => format!("{base} LIMIT {SHOW_PAGE}"),
            Some(last) => format!("{base} LIMIT {SHOW_PAGE} FROM '{}'", sql_literal(last)),
        };
        let page = session.execute(&sql)?;
        count += 1;
        let full = page.len() >= SHOW_PAGE;
        let name_col = page.column("name");
        let last_name = name_col.and_then(|c| page.rows.last()?.get(c)?.clone());
        match &mut all {
            None => all = Some(page),
            Some(rows) => {
                // FROM may include a name equal to the cursor: skip it.
                let skip = from.clone();
                rows.rows.extend(
                    page.rows
                        .into_iter()
                        .filter(|r| name_col.and_then(|c| r.get(c).cloned().flatten()) != skip),
                );
            }
        }
        match (full, last_name) {
            (true, Some(last)) if Some(&last) != from.as_ref() => from = Some(last),
            _ => break,
        }
    }
    Ok((all.unwrap_or_default(), count))
}

/// Characters a name can start (or continue) with, for splitting SHOW
/// WAREHOUSES by `LIKE 'prefix%'`. Quoted names that start with any other
/// character are not reached past the first 10,000 rows.
fn partition_alphabet() -> impl Iterator<Item = char> {
    ('A'..='Z').chain('0'..='9').chain(['_', '$'])
}

/// One character as a LIKE pattern that matches only itself.
fn like_escape(c: char) -> String {
    match c {
        '_' | '%' | '\\' => format!("\\{c}"),
        _ => c.to_string(),
    }
}

/// Text for inside a single-quoted SQL string literal.
fn sql_literal(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "''")
}

/// Folds one query's rows into `live`.
fn absorb(live: &mut Live, wanted: &BTreeSet<&ResourceId>, query: &Query, rows: &Rows) {
    let mut keep = |live: &mut Live, id: ResourceId, attrs: Attrs| {
        if wanted.contains(&id) {
            live.resources.insert(id, attrs);
        } else if matches!(id, ResourceId::Grant { .. } | ResourceId::RoleGrant { .. }) {
            live.other_grants.insert(id, attrs);
        }
    };
    match query {
        Query::Databases => {
            for row in rows.iter() {
                let Some(name) = row.get("name") else {
                    continue;
                };
                let name = Ident::from_canonical(name);
                live.listed
                    .insert(ResourceId::Database { name: name.clone() });
                let mut attrs = Attrs::new();
                put_comment(&mut attrs, row.get("comment"));
                let options = row.get("options").unwrap_or_default().to_ascii_uppercase();
                attrs.insert(
                    attr::TRANSIENT.into(),
                    Value::Bool(options.contains("TRANSIENT")),
                );
                put_int(
                    &mut attrs,
                    attr::DATA_RETENTION_TIME_IN_DAYS,
                    row.get("retention_time"),
                );
                keep(live, ResourceId::Database { name }, attrs);
            }
        }
        Query::Schemas(database) => {
            for row in rows.iter() {
                let Some(name) = row.get("name") else {
                    continue;
                };
                let mut attrs = Attrs::new();
                put_comment(&mut attrs, row.get("comment"));
                let options = row.get("options").unwrap_or_default().to_ascii_uppercase();
                attrs.insert(
                    attr::TRANSIENT.into(),
                    Value::Bool(options.contains("TRANSIENT")),
                );
                attrs.insert(
                    attr::MANAGED_ACCESS.into(),
                    Value::Bool(options.contains("MANAGED ACCESS")),
                );
                put_int(
                    &mut attrs,
                    attr::DATA_RETENTION_TIME_IN_DAYS,
                    row.get("retention_time"),
                );
                let db = row
                    .get("database_name")
                    .map(Ident::from_canonical)
                    .unwrap_or_else(|| database.clone());
                let id = ResourceId::Schema {
                    database: db,
                    name: Ident::from_canonical(name),
                };
                live.listed.insert(id.clone());
                keep(live, id, attrs);
            }
        }
        Query::Warehouses => {
            for row in rows.iter() {
                let Some(name) = row.get("name") else {
                    continue;
                };
                let name = Ident::from_canonical(name);
                live.listed
                    .insert(ResourceId::Warehouse { name: name.clone() });
                keep(live, ResourceId::Warehouse { name }, warehouse_attrs(row));
            }
        }
        Query::Roles => {
            for row in rows.iter() {
                let Some(name) = row.get("name") else {
                    continue;
                };
                let name = Ident::from_canonical(name);
                live.listed.insert(ResourceId::Role { name: name.clone() });
                let mut attrs = Attrs::new();
                put_comment(&mut attrs, row.get("comment"));
                keep(live, ResourceId::Role { name }, attrs);
            }
        }
        Query::GrantsTo(role) => {
            let mut sets: BTreeMap<GrantTarget, BTreeSet<String>> = BTreeMap::new();
            for row in rows.iter() {
                let (Some(privilege), Some(on), Some(name)) =
                    (row.get("privilege"), row.get("granted_on"), row.get("name"))
                else {
                    continue;
                };
                if row.get("granted_to").is_some_and(|t| t != "ROLE") {
                    continue;
                }
                // Ownership comes with creating an object; pudo does not
                // manage it as a privilege.
                if privilege == "OWNERSHIP" {
                    continue;
                }
                // A role granted to this role (its USAGE): a membership.
                if on == "ROLE" {
                    if let [child] = split_qualified(name).as_slice() {
                        let id = ResourceId::RoleGrant {
                            role: Ident::from_canonical(child.clone()),
                            parent: role.clone(),
                        };
                        keep(live, id, Attrs::new());
                    }
                    continue;
                }
                let Some(target) = parse_target(on, name) else {
                    continue;
                };
                sets.entry(target)
                    .or_default()
                    .insert(privilege.to_string());
            }
            for (target, privileges) in sets {
                let id = ResourceId::Grant {
                    role: role.clone(),
                    on: target,
                };
                keep(live, id, privilege_attrs(privileges));
            }
        }
        Query::GrantsOf(role) => {
            for row in rows.iter() {
                if row.get("granted_to") != Some("ROLE") {
                    continue;
                }
                let Some(parent) = row.get("grantee_name") else {
                    continue;
                };
                let id = ResourceId::RoleGrant {
                    role: role.clone(),
                    parent: Ident::from_canonical(parent),
                };
                keep(live, id, Attrs::new());
            }
        }
        Query::FutureInSchema(database, schema) => {
            let scope = |object_type: String| GrantTarget::FutureInSchema {
                object_type,
                database: database.clone(),
                schema: schema.clone(),
            };
            absorb_future(live, rows, &scope, &mut keep);
        }
        Query::FutureInDatabase(database) => {
            let scope = |object_type: String| GrantTarget::FutureInDatabase {
                object_type,
                database: database.clone(),
            };
            absorb_future(live, rows, &scope, &mut keep);
        }
    }
}

fn absorb_future(
    live: &mut Live,
    rows: &Rows,
    scope: &dyn Fn(String) -> GrantTarget,
    keep: &mut dyn FnMut(&mut Live, ResourceId, Attrs),
) {
    let mut sets: BTreeMap<ResourceId, BTreeSet<String>> = BTreeMap::new();
    for row in rows.iter() {
        let (Some(privilege), Some(on), Some(grantee)) = (
            row.get("privilege"),
            row.get("grant_on"),
            row.get("grantee_name"),
        ) else {
            continue;
        };
        if row.get("grant_to").is_some_and(|t| t != "ROLE") {
            continue;
        }
        let plural = format!("{}S", on.replace('_', " "));
        let Some(object_type) = canonical::future_object_type(&plural) else {
            continue;
        };
        let id = ResourceId::Grant {
            role: Ident::from_canonical(grantee),
            on: scope(object_type.to_string()),
        };
        sets.entry(id).or_default().insert(privilege.to_string());
    }
    for (id, privileges) in sets {
        keep(live, id, privilege_attrs(privileges));
    }
}

fn privilege_attrs(privileges: BTreeSet<String>) -> Attrs {
    let set = canonical::privilege_set(
        privileges
            .into_iter()
            .filter_map(|p| canonical::privilege(&p)),
    );
    Attrs::from([(attr::PRIVILEGES.to_string(), Value::List(set))])
}

fn warehouse_attrs(row: crate::connector::RowView<'_>) -> Attrs {
    let mut attrs = Attrs::new();
    if let Some(size) = row.get("size").and_then(canonical::warehouse_size) {
        attrs.insert(attr::SIZE.into(), Value::Text(size.into()));
    }
    if let Some(t) = row.get("type").and_then(canonical::warehouse_type) {
        attrs.insert(attr::TYPE.into(), Value::Text(t.into()));
    }
    // NULL (or 0) means "never suspends"; both read as 0.
    let suspend = row
        .get("auto_suspend")
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    attrs.insert(attr::AUTO_SUSPEND.into(), Value::Int(suspend));
    if let Some(b) = row.get("auto_resume").and_then(canonical::show_bool) {
        attrs.insert(attr::AUTO_RESUME.into(), Value::Bool(b));
    }
    put_int(
        &mut attrs,
        attr::MIN_CLUSTER_COUNT,
        row.get("min_cluster_count"),
    );
    put_int(
        &mut attrs,
        attr::MAX_CLUSTER_COUNT,
        row.get("max_cluster_count"),
    );
    if let Some(p) = row
        .get("scaling_policy")
        .and_then(canonical::scaling_policy)
    {
        attrs.insert(attr::SCALING_POLICY.into(), Value::Text(p.into()));
    }
    put_comment(&mut attrs, row.get("comment"));
    attrs
}

/// SHOW prints an unset comment as an empty string (or NULL): both read
/// as `""`, which is also what `comment: ""` in the configuration means.
fn put_comment(attrs: &mut Attrs, comment: Option<&str>) {
    let text = comment.unwrap_or_default().to_string();
    attrs.insert(attr::COMMENT.into(), Value::Text(text));
}

fn put_int(attrs: &mut Attrs, name: &str, text: Option<&str>) {
    if let Some(n) = text.and_then(|t| t.trim().parse::<i64>().ok()) {
        attrs.insert(name.into(), Value::Int(n));
    }
}

/// Splits a SHOW GRANTS `name` (`DB.SCH`, `"my.db"."Sch"`) into parts.
/// Parts may be double-quoted; unquoted parts are taken as stored.
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

/// The grant target of a SHOW GRANTS row; `None` for kinds pudo does not
/// manage.
fn parse_target(granted_on: &str, name: &str) -> Option<GrantTarget> {
    let parts = split_qualified(name);
    let ident = |s: &String| Ident::from_canonical(s.clone());
    match (granted_on, parts.as_slice()) {
        ("ACCOUNT", _) => Some(GrantTarget::Account),
        ("DATABASE", [db]) => Some(GrantTarget::Database { name: ident(db) }),
        ("WAREHOUSE", [wh]) => Some(GrantTarget::Warehouse { name: ident(wh) }),
        ("SCHEMA", [db, sch]) => Some(GrantTarget::Schema {
            database: ident(db),
            name: ident(sch),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], data: &[&[Option<&str>]]) -> Rows {
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: data
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn splits_quoted_names() {
        assert_eq!(split_qualified("DB.SCH"), vec!["DB", "SCH"]);
        assert_eq!(
            split_qualified("\"my.db\".\"a\"\"b\""),
            vec!["my.db", "a\"b"]
        );
    }

    #[test]
    fn warehouse_rows_become_canonical() {
        let r = rows(
            &[
                "name",
                "size",
                "type",
                "auto_suspend",
                "auto_resume",
                "min_cluster_count",
                "max_cluster_count",
                "scaling_policy",
                "comment",
            ],
            &[&[
                Some("WH"),
                Some("X-Small"),
                Some("STANDARD"),
                None,
                Some("true"),
                Some("1"),
                Some("1"),
                Some("STANDARD"),
                Some("it's"),
            ]],
        );
        let wh = ResourceId::Warehouse {
            name: Ident::from_canonical("WH"),
        };
        let wanted: BTreeSet<&ResourceId> = [&wh].into_iter().collect();
        let mut live = Live::default();
        absorb(&mut live, &wanted, &Query::Warehouses, &r);
        let attrs = &live.resources[&wh];
        assert_eq!(attrs[attr::SIZE], Value::Text("XSMALL".into()));
        assert_eq!(attrs[attr::AUTO_SUSPEND], Value::Int(0));
        assert_eq!(attrs[attr::AUTO_RESUME], Value::Bool(true));
        assert_eq!(attrs[attr::COMMENT], Value::Text("it's".into()));
    }

    #[test]
    fn grants_group_by_target_and_skip_ownership() {
        let role = Ident::from_canonical("R");
        let r = rows(
            &[
                "privilege",
                "granted_on",
                "name",
                "granted_to",
                "grantee_name",
            ],
            &[
                &[
                    Some("USAGE"),
                    Some("SCHEMA"),
                    Some("DB.S"),
                    Some("ROLE"),
                    Some("R"),
                ],
                &[
                    Some("CREATE TABLE"),
                    Some("SCHEMA"),
                    Some("DB.S"),
                    Some("ROLE"),
                    Some("R"),
                ],
                &[
                    Some("OWNERSHIP"),
                    Some("SCHEMA"),
                    Some("DB.S"),
                    Some("ROLE"),
                    Some("R"),
                ],
                &[
                    Some("USAGE"),
                    Some("WAREHOUSE"),
                    Some("WH"),
                    Some("ROLE"),
                    Some("R"),
                ],
            ],
        );
        let schema_grant = ResourceId::Grant {
            role: role.clone(),
            on: GrantTarget::Schema {
                database: Ident::from_canonical("DB"),
                name: Ident::from_canonical("S"),
            },
        };
        let wanted: BTreeSet<&ResourceId> = [&schema_grant].into_iter().collect();
        let mut live = Live::default();
        absorb(&mut live, &wanted, &Query::GrantsTo(role), &r);
        assert_eq!(
            live.resources[&schema_grant][attr::PRIVILEGES],
            Value::List(vec!["CREATE TABLE".into(), "USAGE".into()])
        );
        assert_eq!(
            live.other_grants.len(),
            1,
            "the warehouse grant was not asked for"
        );
    }

    /// An account with more than 10,000 roles and warehouses, answering
    /// SHOW like Snowflake: ROLES pages with `LIMIT n FROM 'name'`
    /// (exclusive here), WAREHOUSES stops silently at 10,000 rows and
    /// filters with a case-insensitive `LIKE 'prefix%'`.
    struct BigAccount {
        roles: Vec<String>,
        warehouses: Vec<String>,
    }

    struct BigSession<'a>(&'a BigAccount, std::sync::Arc<Mutex<Vec<String>>>);

    impl Connector for BigAccount {
        fn open(&self) -> Result<Box<dyn Session>, ConnectorError> {
            unreachable!("the test calls run_paged directly")
        }
    }

    fn names(list: impl Iterator<Item = String>) -> Rows {
        Rows {
            columns: vec!["name".into()],
            rows: list.take(SHOW_PAGE).map(|n| vec![Some(n)]).collect(),
        }
    }

    impl Session for BigSession<'_> {
        fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError> {
            self.1.lock().unwrap().push(sql.to_string());
            if let Some(rest) = sql.strip_prefix("SHOW ROLES LIMIT 10000") {
                let from = rest
                    .strip_prefix(" FROM '")
                    .map(|f| f.trim_end_matches('\''));
                return Ok(names(
                    self.0
                        .roles
                        .iter()
                        .filter(|n| from.is_none_or(|f| n.as_str() > f))
                        .cloned(),
                ));
            }
            if sql == "SHOW WAREHOUSES" {
                return Ok(names(self.0.warehouses.iter().cloned()));
            }
            let pattern = sql
                .strip_prefix("SHOW WAREHOUSES LIKE '")
                .and_then(|p| p.strip_suffix("%'"))
                .expect("a query this test knows");
            let prefix = pattern.replace("\\\\_", "_").to_ascii_uppercase();
            Ok(names(
                self.0
                    .warehouses
                    .iter()
                    .filter(|n| n.to_ascii_uppercase().starts_with(&prefix))
                    .cloned(),
            ))
        }
    }

    #[test]
    fn pages_past_ten_thousand_rows() {
        let account = BigAccount {
            roles: (0..25_000).map(|i| format!("ROLE_{i:05}")).collect(),
            warehouses: (0..23_000)
                .map(|i| format!("WH_{i:05}"))
                .chain(["a_lower".to_string(), "_UNDERSCORE".to_string()])
                .collect(),
        };
        let log = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut session = BigSession(&account, log.clone());
        let (rows, count) = run_paged(&mut session, &Query::Roles).unwrap();
        assert_eq!(rows.len(), 25_000);
        assert_eq!(count, 3);
        let (rows, count) = run_paged(&mut session, &Query::Warehouses).unwrap();
        let mut got: Vec<String> = rows.rows.iter().map(|r| r[0].clone().unwrap()).collect();
        got.sort();
        let mut want = account.warehouses.clone();
        want.sort();
        assert_eq!(got, want, "every warehouse, once");
        // 38-way splits of the full prefixes W, WH, WH_, WH_0, WH_1.
        assert!(count < 250, "{count} statements");
        assert!(
            log.lock()
                .unwrap()
                .contains(&"SHOW WAREHOUSES LIKE '\\\\_%'".to_string()),
            "an underscore is escaped for LIKE and for the string literal"
        );
    }

    #[test]
    fn query_count_does_not_grow_with_objects_of_a_kind() {
        let warehouses: Vec<ResourceId> = (0..1000)
            .map(|i| ResourceId::Warehouse {
                name: Ident::from_canonical(format!("WH_{i}")),
            })
            .collect();
        assert_eq!(plan_queries(&warehouses, false).len(), 1);
    }
}
