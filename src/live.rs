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
use crate::kinds::{self, Absorb, Paging, Query, Sink};
use crate::model::quote::literal;
use crate::model::{Attrs, ResourceId};
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

/// True when SHOW reports attribute `attr_name` of `id`'s kind, so that
/// live and recorded values can be compared (create-only settings are not).
pub fn readable(id: &ResourceId, attr_name: &str) -> bool {
    kinds::of(id).readable(attr_name)
}

/// The queries needed to read `ids` (plus, for `unmanaged`, the
/// account-wide listings and what the listed containers hold). Each kind
/// says which SHOW statements read it.
fn plan_queries(ids: &[ResourceId], unmanaged: bool) -> BTreeSet<Query> {
    let mut queries = BTreeSet::new();
    if unmanaged {
        for kind in kinds::ALL {
            if let Some(show) = kind.live.list {
                queries.insert(Query::new(show, []));
            }
        }
    }
    for id in ids {
        (kinds::of(id).live.queries)(id, unmanaged, &mut queries);
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
    let (results, sessions) = run_all(connector, &queries, pool)?;
    let mut live = Live {
        sessions,
        ..Live::default()
    };
    let wanted: BTreeSet<&ResourceId> = ids.iter().collect();
    for (query, rows, count) in results {
        live.queries += count;
        absorb(&mut live, Some(&wanted), &query, &rows);
    }
    live.elapsed = started.elapsed();
    Ok(live)
}

/// What a listing read found: every resource its queries returned, and the
/// `owner` column of the objects' rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Every resource the rows name, in [`Live::resources`] (nothing in
    /// `other_grants`).
    pub live: Live,
    /// The `owner` column of each object's row, where SHOW has one (empty:
    /// owned by the system).
    pub owners: BTreeMap<ResourceId, String>,
}

/// Runs `queries` (built from the kinds' [`kinds::LiveSpec`]) on at most
/// `pool` sessions and keeps every resource their rows name, asked about or
/// not: the listing mode of `pudo export`.
pub fn list(
    connector: &dyn Connector,
    queries: &[Query],
    pool: usize,
) -> Result<Listing, ConnectorError> {
    let started = Instant::now();
    let (results, sessions) = run_all(connector, queries, pool)?;
    let mut listing = Listing::default();
    listing.live.sessions = sessions;
    for (query, rows, count) in results {
        listing.live.queries += count;
        absorb(&mut listing.live, None, &query, &rows);
        if let (Some(owner), Absorb::Objects(_)) = (rows.column("owner"), &query.show().absorb) {
            // One row at a time, to tie each row's owner to its object.
            for row in &rows.rows {
                let one = Rows {
                    columns: rows.columns.clone(),
                    rows: vec![row.clone()],
                };
                let mut found = Live::default();
                absorb(&mut found, None, &query, &one);
                let owner = row.get(owner).cloned().flatten().unwrap_or_default();
                for id in found.resources.into_keys() {
                    listing.owners.insert(id, owner.clone());
                }
            }
        }
    }
    listing.live.elapsed = started.elapsed();
    Ok(listing)
}

/// Runs `queries` on at most `pool` sessions; the rows of each (in query
/// order) with the number of statements it took, and the sessions opened.
#[allow(clippy::type_complexity)]
fn run_all(
    connector: &dyn Connector,
    queries: &[Query],
    pool: usize,
) -> Result<(Vec<(Query, Rows, usize)>, usize), ConnectorError> {
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
                            Err(e) if query.show().per_object && is_missing_object(&e) => {
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
    let mut results = results.into_inner().unwrap();
    // Results arrive in completion order; fold them in a fixed order.
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((results, sessions.into_inner().unwrap()))
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
    let paging = query.show().paging;
    if paging == Paging::LikePrefixes {
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
            let page =
                session.execute(&format!("{base} LIKE {}", literal(&format!("{pattern}%"))))?;
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
    if paging == Paging::Single {
        return Ok((session.execute(&base)?, 1));
    }
    let mut all: Option<Rows> = None;
    let mut count = 0;
    let mut from: Option<String> = None;
    loop {
        let sql = match &from {
            None => format!("{base} LIMIT {SHOW_PAGE}"),
            Some(last) => format!("{base} LIMIT {SHOW_PAGE} FROM {}", literal(last)),
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

/// Files the rows of `query` into `live`: resources asked about (every
/// resource when `wanted` is `None`), grants found on the way
/// (`other_grants`), and every object listed.
fn absorb(live: &mut Live, wanted: Option<&BTreeSet<&ResourceId>>, query: &Query, rows: &Rows) {
    let Live {
        resources,
        other_grants,
        listed,
        ..
    } = live;
    let mut keep = |id: ResourceId, attrs: Attrs| {
        if wanted.is_none_or(|w| w.contains(&id)) {
            resources.insert(id, attrs);
        } else if !kinds::of(&id).is_object() {
            other_grants.insert(id, attrs);
        }
    };
    let mut list = |id: ResourceId| {
        listed.insert(id);
    };
    let mut sink = Sink {
        keep: &mut keep,
        listed: &mut list,
    };
    match &query.show().absorb {
        Absorb::Objects(kind) => kinds::object_absorb(kind, &query.scope, rows, &mut sink),
        Absorb::Custom(read) => read(&query.scope, rows, &mut sink),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::grant::split_qualified;
    use crate::model::{Ident, Value};

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
        let wh = kinds::warehouse::id(Ident::from_canonical("WH"));
        let wanted: BTreeSet<&ResourceId> = [&wh].into_iter().collect();
        let mut live = Live::default();
        absorb(
            &mut live,
            Some(&wanted),
            &Query::new(&kinds::warehouse::SHOW, []),
            &r,
        );
        let attrs = &live.resources[&wh];
        assert_eq!(attrs["size"], Value::Text("XSMALL".into()));
        assert_eq!(attrs["auto_suspend"], Value::Int(0));
        assert_eq!(attrs["auto_resume"], Value::Bool(true));
        assert_eq!(attrs["comment"], Value::Text("it's".into()));
    }

    #[test]
    fn future_grants_of_roles_and_database_roles_come_from_one_statement() {
        let (d, s) = (Ident::from_canonical("D"), Ident::from_canonical("S"));
        let on = kinds::grant::future_in_schema("TABLES", d.clone(), s.clone());
        let role = kinds::grant::id(Ident::from_canonical("R"), on.clone());
        let reader = |name: &str| {
            kinds::database_role_grant::id(d.clone(), Ident::from_canonical(name), on.clone())
        };
        let r = rows(
            &["privilege", "grant_on", "name", "grant_to", "grantee_name"],
            &[
                &[
                    Some("SELECT"),
                    Some("TABLE"),
                    Some("D.S.<TABLE>"),
                    Some("ROLE"),
                    Some("R"),
                ],
                &[
                    Some("INSERT"),
                    Some("TABLE"),
                    Some("D.S.<TABLE>"),
                    Some("DATABASE_ROLE"),
                    Some("D.READER"),
                ],
                &[
                    Some("SELECT"),
                    Some("TABLE"),
                    Some("D.S.<TABLE>"),
                    Some("DATABASE_ROLE"),
                    Some("D.READER"),
                ],
                // A bare name is a database role of the container's database.
                &[
                    Some("SELECT"),
                    Some("TABLE"),
                    Some("D.S.<TABLE>"),
                    Some("DATABASE_ROLE"),
                    Some("\"bare\""),
                ],
                &[
                    Some("SELECT"),
                    Some("TABLE"),
                    Some("D.S.<TABLE>"),
                    Some("SHARE"),
                    Some("SH"),
                ],
            ],
        );
        let mut queries = BTreeSet::new();
        (kinds::grant::KIND.live.queries)(&role, false, &mut queries);
        (kinds::database_role_grant::KIND.live.queries)(&reader("READER"), false, &mut queries);
        assert_eq!(queries.len(), 1, "one SHOW FUTURE GRANTS IN SCHEMA D.S");
        let query = queries.into_iter().next().unwrap();
        let mut live = Live::default();
        absorb(&mut live, None, &query, &r);
        let privileges = |id: &ResourceId| live.resources[id]["privileges"].clone();
        assert_eq!(privileges(&role), Value::List(vec!["SELECT".into()]));
        assert_eq!(
            privileges(&reader("READER")),
            Value::List(vec!["INSERT".into(), "SELECT".into()])
        );
        assert_eq!(
            privileges(&reader("bare")),
            Value::List(vec!["SELECT".into()])
        );
        assert_eq!(live.resources.len(), 3, "the share's row is not a grant");
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
        let schema_grant = kinds::grant::id(
            role.clone(),
            kinds::schema::id(Ident::from_canonical("DB"), Ident::from_canonical("S")),
        );
        let wanted: BTreeSet<&ResourceId> = [&schema_grant].into_iter().collect();
        let mut live = Live::default();
        absorb(
            &mut live,
            Some(&wanted),
            &Query::new(&kinds::grant::GRANTS_TO, [role.clone()]),
            &r,
        );
        assert_eq!(
            live.resources[&schema_grant]["privileges"],
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
        let (rows, count) = run_paged(&mut session, &Query::new(&kinds::role::SHOW, [])).unwrap();
        assert_eq!(rows.len(), 25_000);
        assert_eq!(count, 3);
        let (rows, count) =
            run_paged(&mut session, &Query::new(&kinds::warehouse::SHOW, [])).unwrap();
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
            .map(|i| kinds::warehouse::id(Ident::from_canonical(format!("WH_{i}"))))
            .collect();
        assert_eq!(plan_queries(&warehouses, false).len(), 1);
    }

    /// 2,000 users granted 200 roles read with as many queries as 200
    /// users: SHOW USERS once, SHOW GRANTS OF ROLE once per role.
    #[test]
    fn query_count_does_not_grow_with_users() {
        let roles: Vec<Ident> = (0..200)
            .map(|i| Ident::from_canonical(format!("R_{i}")))
            .collect();
        let ids = |users: usize| -> Vec<ResourceId> {
            (0..users)
                .flat_map(|u| {
                    let user = Ident::from_canonical(format!("U_{u}"));
                    [
                        kinds::user::id(user.clone()),
                        kinds::user_grant::id(user, roles[u % roles.len()].clone()),
                    ]
                })
                .collect()
        };
        let few = plan_queries(&ids(200), false).len();
        assert_eq!(few, plan_queries(&ids(2000), false).len());
        assert_eq!(few, 1 + roles.len(), "SHOW USERS, and GRANTS OF each role");
    }
}
