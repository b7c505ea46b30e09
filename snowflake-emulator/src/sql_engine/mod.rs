//! Table data: INSERT / UPDATE / DELETE / MERGE and SELECT ... FROM.
//!
//! Statements are parsed by `sqlparser` (its Snowflake dialect), rewritten
//! (table names resolved through the emulator's catalog to SQLite tables
//! named `t_<data id>`, binds substituted, Snowflake functions mapped) and run
//! on an embedded SQLite (`rusqlite`, bundled). The catalog (databases,
//! schemas, the tables' names and columns) stays the emulator's own: after every
//! statement that changes it, [`reconcile`] creates and drops SQLite tables to
//! match. See docs/emulator.md, "Table data".

pub mod types;

use crate::catalog::{Catalog, now_ms};
use crate::error::SfError;
use crate::exec::{Exec, Outcome};
use crate::result::{ColType, Column, QueryResult};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value as Json;
use sqlparser::ast::{
    self, Expr, Ident, ObjectName, ObjectNamePart, SelectItem, SetExpr, Statement, TableAlias,
    TableFactor, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex};
use types::SfType;

/// Error code of a statement that must wait for another session's
/// transaction; the server retries it (never sent to a client).
pub const BUSY: &str = "__busy";

/// The SQLite database behind table data; shared by all sessions.
pub struct Engine {
    conn: Connection,
    /// A second connection for queries of other sessions while a transaction
    /// is open: in WAL mode it reads the last committed state.
    reader: Connection,
    /// The session whose explicit transaction is open.
    txn_owner: Option<u64>,
    /// A temporary database file (no `--data`), removed with the engine.
    temp: Option<std::path::PathBuf>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(p) = &self.temp {
            for ext in ["", "-wal", "-shm", "-journal"] {
                let mut f = p.as_os_str().to_owned();
                f.push(ext);
                let _ = std::fs::remove_file(f);
            }
        }
    }
}

/// Handle kept in the catalog (not serialised): in memory, or on a file next
/// to `--data`. Clones share the database.
#[derive(Clone)]
pub struct DataStore(Option<Arc<Mutex<Engine>>>);

impl Default for DataStore {
    /// A new database in a temporary file (WAL needs a file), removed when
    /// the last handle goes.
    fn default() -> Self {
        static SWEEP: std::sync::Once = std::sync::Once::new();
        SWEEP.call_once(sweep_stale_temp_files);
        let path = std::env::temp_dir().join(format!(
            "snowflake-emulator-{}-{}.sqlite",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        DataStore(
            Engine::open(&path, true)
                .ok()
                .map(|e| Arc::new(Mutex::new(e))),
        )
    }
}

/// Temporary databases left by emulators that were killed (no destructor
/// ran): `snowflake-emulator-<pid>-*.sqlite*` whose process is gone.
fn sweep_stale_temp_files() {
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("snowflake-emulator-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if name.contains(".sqlite")
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl std::fmt::Debug for DataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataStore")
    }
}

fn internal(e: impl std::fmt::Display) -> SfError {
    SfError::new(
        "000603",
        "XX000",
        format!("SQL execution internal error: {e}"),
    )
}

impl DataStore {
    /// The store on a SQLite file (`--data FILE` keeps rows in `FILE.tables.sqlite`).
    pub fn open(path: &Path) -> Result<DataStore, String> {
        Ok(DataStore(Some(Arc::new(Mutex::new(
            Engine::open(path, false).map_err(|e| format!("{}: {e}", path.display()))?,
        )))))
    }

    fn engine(&mut self) -> Result<std::sync::MutexGuard<'_, Engine>, SfError> {
        if self.0.is_none() {
            return Err(internal("the table data store could not be opened"));
        }
        Ok(self
            .0
            .as_ref()
            .expect("opened above")
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// A session ended: its open transaction is rolled back.
    pub fn session_closed(&mut self, session: u64) {
        if let Ok(mut e) = self.engine()
            && e.txn_owner == Some(session)
        {
            let _ = e.conn.execute_batch("ROLLBACK");
            e.txn_owner = None;
        }
    }
}

impl Engine {
    fn open(path: &Path, temp: bool) -> rusqlite::Result<Engine> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        if temp {
            conn.execute_batch("PRAGMA synchronous = OFF;")?;
        }
        Engine::setup(&conn)?;
        let reader = Connection::open(path)?;
        Engine::setup(&reader)?;
        Ok(Engine {
            conn,
            reader,
            txn_owner: None,
            temp: temp.then(|| path.to_path_buf()),
        })
    }

    /// Pragmas and the Snowflake functions, on each connection.
    fn setup(conn: &Connection) -> rusqlite::Result<()> {
        conn.execute_batch("PRAGMA case_sensitive_like = ON;")?;
        let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
        conn.create_scalar_function("SF_NOW", 0, FunctionFlags::SQLITE_UTF8, |_| {
            Ok(types::format_ts(now_ms() as i128 * 1_000_000))
        })?;
        conn.create_scalar_function("PARSE_JSON", 1, det, |ctx| {
            let s: Option<String> = ctx.get(0)?;
            match s {
                None => Ok(None),
                Some(s) => serde_json::from_str::<Json>(&s)
                    .map(|v| Some(v.to_string()))
                    .map_err(|e| {
                        rusqlite::Error::UserFunctionError(
                            format!("Error parsing JSON: {e}").into(),
                        )
                    }),
            }
        })?;
        conn.create_scalar_function("IFF", 3, det, |ctx| {
            let c: Option<i64> = ctx.get(0)?;
            let v: SqlValue = ctx.get(if c.unwrap_or(0) != 0 { 1 } else { 2 })?;
            Ok(v)
        })?;
        conn.create_scalar_function("NVL", 2, det, |ctx| {
            let a: SqlValue = ctx.get(0)?;
            Ok(if a == SqlValue::Null {
                ctx.get::<SqlValue>(1)?
            } else {
                a
            })
        })?;
        for f in ["TO_VARCHAR", "TO_CHAR"] {
            conn.create_scalar_function(f, 1, det, |ctx| {
                Ok(match ctx.get::<SqlValue>(0)? {
                    SqlValue::Null => None,
                    SqlValue::Integer(i) => Some(i.to_string()),
                    SqlValue::Real(r) => Some(r.to_string()),
                    SqlValue::Text(t) => Some(t),
                    SqlValue::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                })
            })?;
        }
        conn.create_scalar_function("CONTAINS", 2, det, |ctx| {
            let (a, b): (Option<String>, Option<String>) = (ctx.get(0)?, ctx.get(1)?);
            Ok(a.zip(b).map(|(a, b)| a.contains(&b)))
        })?;
        conn.create_scalar_function("STARTSWITH", 2, det, |ctx| {
            let (a, b): (Option<String>, Option<String>) = (ctx.get(0)?, ctx.get(1)?);
            Ok(a.zip(b).map(|(a, b)| a.starts_with(&b)))
        })?;
        for f in ["TO_TIMESTAMP", "TO_TIMESTAMP_NTZ", "TO_TIMESTAMP_LTZ"] {
            conn.create_scalar_function(f, 1, det, |ctx| {
                let s: Option<String> = ctx.get(0)?;
                Ok(s.map(|s| match types::parse_ts(&s) {
                    Some((secs, n)) => types::format_ts(secs as i128 * 1_000_000_000 + n as i128),
                    None => s,
                }))
            })?;
        }
        conn.create_scalar_function("SF_DATEADD", 3, det, |ctx| {
            let (p, n, t): (String, Option<i64>, Option<String>) =
                (ctx.get(0)?, ctx.get(1)?, ctx.get(2)?);
            Ok(n.zip(t).and_then(|(n, t)| types::dateadd(&p, n, &t)))
        })?;
        conn.create_scalar_function("SF_DATEDIFF", 3, det, |ctx| {
            let (p, a, b): (String, Option<String>, Option<String>) =
                (ctx.get(0)?, ctx.get(1)?, ctx.get(2)?);
            Ok(a.zip(b).and_then(|(a, b)| types::datediff(&p, &a, &b)))
        })?;
        Ok(())
    }
}

// ---------- catalog → SQLite ----------

fn sqlite_name(id: &str) -> String {
    format!("t_{id}")
}

/// Make SQLite's tables follow the catalog: a table per catalog table (by its
/// data id, so renames of schemas and databases keep the rows), none other.
/// Tables from `--data` files written before data existed get an id here.
pub fn reconcile(cat: &mut Catalog) -> Result<(), SfError> {
    let mut wanted: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for db in cat.databases.values_mut() {
        for sc in db.schemas.values_mut() {
            for t in sc.tables.values_mut() {
                if t.data_id.is_empty() {
                    t.data_id = uuid::Uuid::new_v4().simple().to_string();
                }
                wanted.push((sqlite_name(&t.data_id), t.columns.clone()));
            }
        }
    }
    let mut store = cat.data.clone();
    let e = store.engine()?;
    let existing: Vec<String> = {
        let mut st = e
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'")
            .map_err(internal)?;
        st.query_map([], |r| r.get(0))
            .map_err(internal)?
            .collect::<Result<_, _>>()
            .map_err(internal)?
    };
    for name in &existing {
        if !wanted.iter().any(|(w, _)| w == name) {
            e.conn
                .execute_batch(&format!("DROP TABLE \"{name}\""))
                .map_err(internal)?;
        }
    }
    for (name, cols) in wanted {
        if existing.contains(&name) {
            continue;
        }
        let defs: Vec<String> = cols
            .iter()
            .map(|(c, ty)| {
                let q = c.replace('"', "\"\"");
                let t = SfType::parse(ty);
                // Numbers must be numbers (SQLite would keep text); NOT NULL
                // (glued to the type by the DDL parser) is enforced.
                let check = match t {
                    SfType::Number(..) | SfType::Real => format!(
                        " CONSTRAINT \"sf_numeric:{q}\" CHECK (typeof(\"{q}\") IN ('integer', 'real', 'null'))"
                    ),
                    _ => String::new(),
                };
                let not_null = if ty.to_ascii_uppercase().contains("NOTNULL") {
                    " NOT NULL"
                } else {
                    ""
                };
                let default = types::column_default(ty)
                    .map(|d| format!(" DEFAULT {d}"))
                    .unwrap_or_default();
                format!("\"{q}\" {}{not_null}{default}{check}", t.decl())
            })
            .collect();
        e.conn
            .execute_batch(&format!("CREATE TABLE \"{name}\" ({})", defs.join(", ")))
            .map_err(internal)?;
    }
    Ok(())
}

/// Rows of a table (SHOW TABLES `rows`).
pub fn row_count(cat: &Catalog, data_id: &str) -> i64 {
    let mut store = cat.data.clone();
    let Ok(e) = store.engine() else { return 0 };
    // Committed rows only while a transaction is open.
    let conn = if e.txn_owner.is_some() {
        &e.reader
    } else {
        &e.conn
    };
    conn.query_row(
        &format!("SELECT COUNT(*) FROM \"{}\"", sqlite_name(data_id)),
        [],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

// ---------- access control hook ----------

/// The access check for each table a statement reads or writes, with the
/// privilege it needs (`SELECT`, or `INSERT` / `UPDATE` / `DELETE` for the
/// target of DML): a table the session cannot see is `002003` like a missing
/// one; one it sees without the privilege (or ownership) is `003001`.
pub fn check_table_access(ex: &Exec, path: &[String], privilege: &str) -> Result<(), SfError> {
    let t = crate::catalog::Target::Object(
        "TABLE".into(),
        path[0].clone(),
        path[1].clone(),
        path[2].clone(),
    );
    if !ex.visible(&t) {
        return Err(SfError::new(
            "002003",
            "42S02",
            format!(
                "SQL compilation error:\nObject '{}' does not exist or not authorized.",
                path.join(".")
            ),
        ));
    }
    if !ex.holds(&ex.session_roles(), &t, privilege) {
        return Err(ex.insufficient(&t));
    }
    Ok(())
}

// ---------- dispatch ----------

/// Statements the SQL engine runs: queries with FROM and DML.
pub fn handles(sql: &str) -> bool {
    let first = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "SELECT" | "WITH" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
    )
}

/// A query (not DML): counted as `select` in the statistics.
pub fn is_query(sql: &str) -> bool {
    let s = sql.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
    s.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("SELECT"))
        || s.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("WITH"))
}

/// Another session's open transaction blocks this statement (it reads or writes data,
/// or changes the catalog): the server waits and retries.
pub fn check_busy(ex: &mut Exec) -> Result<(), SfError> {
    let id = ex.sess.id;
    let mut store = ex.cat.data.clone();
    let e = store.engine()?;
    match e.txn_owner {
        Some(o) if o != id => Err(SfError::new(BUSY, "57014", "waiting for a transaction")),
        _ => Ok(()),
    }
}

/// BEGIN / COMMIT / ROLLBACK.
pub fn transaction(ex: &mut Exec, what: &str) -> Result<Outcome, SfError> {
    if what == "begin" {
        check_busy(ex)?;
    }
    let id = ex.sess.id;
    let mut store = ex.cat.data.clone();
    let mut e = store.engine()?;
    match (what, e.txn_owner) {
        ("begin", None) => {
            e.conn.execute_batch("BEGIN").map_err(internal)?;
            e.txn_owner = Some(id);
        }
        ("commit" | "rollback", Some(o)) if o == id => {
            e.conn
                .execute_batch(if what == "commit" {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                })
                .map_err(internal)?;
            e.txn_owner = None;
        }
        _ => {}
    }
    crate::exec::status("Statement executed successfully.", false)
}

/// DDL commits the session's open transaction first, as in Snowflake.
pub fn implicit_commit(ex: &mut Exec) -> Result<(), SfError> {
    transaction(ex, "commit").map(|_| ())
}

fn syntax(e: sqlparser::parser::ParserError) -> SfError {
    let msg = e.to_string();
    let found = msg
        .split("found: ")
        .nth(1)
        .map(|r| r.split(" at Line").next().unwrap_or(r).to_string())
        .unwrap_or_default();
    let num = |key: &str| -> usize {
        msg.split(key)
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
    };
    SfError::syntax_at(num("Line: "), num("Column: ").saturating_sub(1), &found)
}

fn sqlite_err(e: rusqlite::Error) -> SfError {
    let msg = e.to_string();
    if let Some(col) = msg.strip_prefix("CHECK constraint failed: sf_numeric:") {
        return SfError::new(
            "100038",
            "22018",
            format!("Numeric value for column '{col}' is not recognized"),
        );
    }
    if msg.starts_with("NOT NULL constraint failed") {
        return SfError::new(
            "100072",
            "22000",
            "NULL result in a non-nullable column".to_string(),
        );
    }
    if let Some(col) = msg.strip_prefix("no such column: ") {
        let col = col.rsplit('.').next().unwrap_or(col).to_ascii_uppercase();
        return SfError::new(
            "000904",
            "42000",
            format!(
                "SQL compilation error: error line 1 at position 0\ninvalid identifier '{col}'"
            ),
        );
    }
    if let Some(f) = msg.strip_prefix("no such function: ") {
        let f = f.split_whitespace().next().unwrap_or(f);
        return SfError::new(
            "002140",
            "42601",
            format!(
                "SQL compilation error:\nUnknown function {}",
                f.to_ascii_uppercase()
            ),
        );
    }
    if msg.contains("Error parsing JSON") {
        return SfError::new("100069", "22P02", msg);
    }
    SfError::new("002000", "42000", format!("SQL compilation error:\n{msg}"))
}

/// Run a query or DML statement with its binds (the request's `bindings`).
pub fn run(ex: &mut Exec, sql: &str, binds: &Json) -> Result<Outcome, SfError> {
    let mut stmts = Parser::parse_sql(&SnowflakeDialect {}, sql).map_err(syntax)?;
    // Writers wait for another session's transaction; queries read the last
    // committed state instead.
    if !matches!(stmts.first(), Some(Statement::Query(_))) {
        check_busy(ex)?;
    }
    if stmts.len() != 1 {
        return Err(SfError::new(
            "000008",
            "0A000",
            format!(
                "Actual statement count {} did not match the desired statement count 1.",
                stmts.len()
            ),
        ));
    }
    let mut stmt = stmts.remove(0);
    // Array binds (executemany with qmark/numeric): one execution per row.
    let rows = bind_rows(binds);
    let autocommit_off = ex
        .sess
        .params
        .get("AUTOCOMMIT")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    if autocommit_off && !matches!(stmt, Statement::Query(_)) {
        transaction(ex, "begin")?;
    }
    name_columns(&mut stmt);
    // One statement (all its bind rows) is atomic.
    let batch = rows.len() > 1;
    if batch {
        engine_batch(ex, "SAVEPOINT sf_batch")?;
    }
    let out = run_rows(ex, &stmt, rows);
    if batch {
        engine_batch(
            ex,
            if out.is_ok() {
                "RELEASE sf_batch"
            } else {
                "ROLLBACK TO sf_batch; RELEASE sf_batch"
            },
        )?;
    }
    out
}

fn engine_batch(ex: &mut Exec, sql: &str) -> Result<(), SfError> {
    let mut store = ex.cat.data.clone();
    let e = store.engine()?;
    e.conn.execute_batch(sql).map_err(internal)
}

fn run_rows(
    ex: &mut Exec,
    stmt: &Statement,
    rows: Vec<Vec<(String, String, Json)>>,
) -> Result<Outcome, SfError> {
    let mut totals: Option<QueryResult> = None;
    for row in rows {
        let mut s = stmt.clone();
        let mut rw = Rewriter {
            ex,
            binds: row,
            next_qmark: 0,
            info: Vec::new(),
            ctes: Vec::new(),
            target_privilege: match &s {
                Statement::Insert(_) => Some("INSERT"),
                Statement::Update(_) => Some("UPDATE"),
                Statement::Delete(_) => Some("DELETE"),
                // MERGE needs the privileges of the actions it takes; UPDATE stands for them.
                Statement::Merge(_) => Some("UPDATE"),
                _ => None,
            },
            err: None,
        };
        let _ = s.visit(&mut rw);
        if let Some(e) = rw.err {
            return Err(e);
        }
        let info = std::mem::take(&mut rw.info);
        let r = execute(ex, s, &info)?;
        totals = Some(match totals {
            None => r,
            Some(mut t) => {
                for (i, c) in r.rows[0].iter().enumerate() {
                    let a: i64 = t.rows[0][i].as_deref().unwrap_or("0").parse().unwrap_or(0);
                    let b: i64 = c.as_deref().unwrap_or("0").parse().unwrap_or(0);
                    t.rows[0][i] = Some((a + b).to_string());
                }
                t
            }
        });
    }
    Ok(Outcome {
        result: totals.unwrap_or_else(|| counts(&[("number of rows inserted", 0)])),
        changed: false,
    })
}

/// One binding set per execution: `{"1": {"type", "value"}, ...}` (the Rust
/// connector's named binds use the name as key) where values may be arrays
/// (executemany). Each bind is (key, type, value), numbered keys in order.
fn bind_rows(binds: &Json) -> Vec<Vec<(String, String, Json)>> {
    let Some(map) = binds.as_object() else {
        return vec![Vec::new()];
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| k.parse::<usize>().unwrap_or(usize::MAX));
    let n = map
        .values()
        .filter_map(|b| b["value"].as_array().map(Vec::len))
        .max();
    let one = |i: Option<usize>| -> Vec<(String, String, Json)> {
        keys.iter()
            .map(|k| {
                let b = &map[*k];
                let ty = b["type"].as_str().unwrap_or("TEXT").to_string();
                let v = match (i, &b["value"]) {
                    (Some(i), Json::Array(a)) => a.get(i).cloned().unwrap_or(Json::Null),
                    (_, v) => v.clone(),
                };
                (k.to_string(), ty, v)
            })
            .collect()
    };
    match n {
        Some(n) => (0..n).map(|i| one(Some(i))).collect(),
        None => vec![one(None)],
    }
}

fn bind_expr(ty: &str, v: &Json) -> Expr {
    let s = match v {
        Json::Null => return Expr::Value(Value::Null.with_empty_span()),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let value = match ty {
        "FIXED" | "REAL" if s.parse::<f64>().is_ok() => Value::Number(s, false),
        "BOOLEAN" => Value::Boolean(matches!(s.to_ascii_lowercase().as_str(), "true" | "1")),
        "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ" => match s
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<i128>().ok())
        {
            Some(n) => Value::SingleQuotedString(types::format_ts(n)),
            None => Value::SingleQuotedString(s),
        },
        "DATE" => match s.parse::<i128>() {
            Ok(ms) => Value::SingleQuotedString(types::format_ts(ms * 1_000_000)[..10].to_string()),
            Err(_) => Value::SingleQuotedString(s),
        },
        _ => Value::SingleQuotedString(s),
    };
    Expr::Value(value.with_empty_span())
}

/// Unaliased projection items get Snowflake's column names: a column's
/// (folded) name, else the item's text upper-cased.
fn name_columns(stmt: &mut Statement) {
    let Statement::Query(q) = stmt else { return };
    let SetExpr::Select(sel) = q.body.as_mut() else {
        return;
    };
    for item in sel.projection.iter_mut() {
        let name = match item {
            SelectItem::UnnamedExpr(Expr::Identifier(i)) => fold(i),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(v)) => {
                fold(v.last().expect("compound identifiers have parts"))
            }
            SelectItem::UnnamedExpr(e) => e.to_string().to_ascii_uppercase(),
            SelectItem::ExprWithAlias { alias, .. } => fold(alias),
            _ => continue,
        };
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
            _ => continue,
        };
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: Ident::with_quote('"', name),
        };
    }
}

fn fold(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_ascii_uppercase()
    }
}

fn name_parts(n: &ObjectName) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for p in &n.0 {
        match p {
            // `db..t` is the PUBLIC schema.
            ObjectNamePart::Identifier(i) if i.value.is_empty() && i.quote_style.is_none() => {
                out.push("PUBLIC".into())
            }
            ObjectNamePart::Identifier(i) => out.push(fold(i)),
            ObjectNamePart::Function(f) if f.name.value.eq_ignore_ascii_case("IDENTIFIER") => {
                let arg = f.args.first()?.to_string();
                let s = arg
                    .strip_prefix('\'')?
                    .strip_suffix('\'')?
                    .replace("''", "'");
                out.extend(crate::parser::name_from_string(&s));
            }
            ObjectNamePart::Function(_) => return None,
        }
    }
    Some(out)
}

const INFO_VIEWS: [&str; 3] = ["TABLES", "SCHEMATA", "COLUMNS"];

struct Rewriter<'a, 'b> {
    ex: &'a Exec<'b>,
    binds: Vec<(String, String, Json)>,
    next_qmark: usize,
    /// INFORMATION_SCHEMA views used: (database, view).
    info: Vec<(String, String)>,
    /// Names of common table expressions (`WITH a AS ...`): not tables.
    ctes: Vec<String>,
    /// The privilege the statement needs on the first table it names (its
    /// target: INSERT, UPDATE, DELETE, MERGE); every other table needs SELECT.
    target_privilege: Option<&'static str>,
    err: Option<SfError>,
}

impl Rewriter<'_, '_> {
    /// The bound value of a placeholder (`?` in order, `:1` / `:name` by key).
    fn bind(&mut self, p: &str) -> Result<Expr, SfError> {
        let found = if p == "?" {
            self.next_qmark += 1;
            self.binds.get(self.next_qmark - 1)
        } else {
            let key = p.trim_start_matches([':', '$']);
            self.binds.iter().find(|(k, ..)| k == key || k == p)
        };
        let (_, ty, val) = found.cloned().ok_or_else(|| {
            SfError::new(
                "002049",
                "42601",
                format!(
                    "SQL compilation error: error line 1 at position 0\nBind variable {p} not set."
                ),
            )
        })?;
        Ok(bind_expr(&ty, &val))
    }

    fn fail(&mut self, e: SfError) -> ControlFlow<()> {
        self.err = Some(e);
        ControlFlow::Break(())
    }

    /// `[db.][schema.]table` → the SQLite table name.
    fn resolve(&mut self, parts: Vec<String>) -> Result<String, SfError> {
        let name = parts.clone();
        let (d, s, t) = self.ex.object_path(&name, "this query")?;
        if s == "INFORMATION_SCHEMA" && INFO_VIEWS.contains(&t.as_str()) {
            self.ex.db_exists(&d)?;
            if !self.info.contains(&(d.clone(), t.clone())) {
                self.info.push((d.clone(), t.clone()));
            }
            return Ok(format!("is_{d}_{t}"));
        }
        let table = self
            .ex
            .cat
            .databases
            .get(&d)
            .and_then(|db| db.schemas.get(&s))
            .and_then(|sc| sc.tables.get(&t))
            .ok_or_else(|| {
                SfError::new(
                    "002003",
                    "42S02",
                    format!("SQL compilation error:\nObject '{d}.{s}.{t}' does not exist or not authorized."),
                )
            })?;
        let privilege = self.target_privilege.take().unwrap_or("SELECT");
        check_table_access(self.ex, &[d, s, t], privilege)?;
        Ok(sqlite_name(&table.data_id))
    }
}

fn parse_expr(sql: &str) -> Expr {
    Parser::new(&SnowflakeDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .expect("the emulator's own expressions parse")
}

impl VisitorMut for Rewriter<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        if let Some(w) = &q.with {
            self.ctes
                .extend(w.cte_tables.iter().map(|c| fold(&c.alias.name)));
        }
        ControlFlow::Continue(())
    }

    /// `GROUP BY ALL`: every projection item without an aggregate.
    fn post_visit_select(&mut self, sel: &mut ast::Select) -> ControlFlow<()> {
        if matches!(sel.group_by, ast::GroupByExpr::All(_)) {
            const AGGREGATES: [&str; 9] = [
                "COUNT(",
                "SUM(",
                "AVG(",
                "MIN(",
                "MAX(",
                "ARRAY_AGG(",
                "LISTAGG(",
                "GROUP_CONCAT(",
                "ANY_VALUE(",
            ];
            let exprs = sel
                .projection
                .iter()
                .filter_map(|i| match i {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        Some(e)
                    }
                    _ => None,
                })
                .filter(|e| {
                    let t = e.to_string().to_ascii_uppercase().replace(' ', "");
                    !AGGREGATES.iter().any(|a| t.contains(a))
                })
                .cloned()
                .collect();
            sel.group_by = ast::GroupByExpr::Expressions(exprs, vec![]);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = tf
            && alias.is_none()
            && let Some(parts) = name_parts(name)
            && let Some(last) = parts.last()
        {
            *alias = Some(TableAlias {
                explicit: true,
                name: Ident::with_quote('"', last.clone()),
                columns: vec![],
                at: None,
            });
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, rel: &mut ObjectName) -> ControlFlow<()> {
        // IDENTIFIER(?) / IDENTIFIER(:1): the bound name.
        for part in rel.0.iter_mut() {
            if let ObjectNamePart::Function(f) = part
                && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) =
                    f.args.first_mut()
                && let Expr::Value(v) = arg
                && let Value::Placeholder(p) = &v.value
            {
                let p = p.clone();
                match self.bind(&p) {
                    Ok(x) => *arg = x,
                    Err(err) => return self.fail(err),
                }
            }
        }
        let Some(parts) = name_parts(rel) else {
            return self.fail(SfError::syntax_at(1, 0, &rel.to_string()));
        };
        if parts.len() == 1 && self.ctes.contains(&parts[0]) {
            return ControlFlow::Continue(());
        }
        match self.resolve(parts) {
            Ok(n) => {
                *rel = ObjectName::from(vec![Ident::with_quote('"', n)]);
                ControlFlow::Continue(())
            }
            Err(e) => self.fail(e),
        }
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Value(v) => {
                if let Value::Placeholder(p) = &v.value {
                    let p = p.clone();
                    match self.bind(&p) {
                        Ok(x) => *e = x,
                        Err(err) => return self.fail(err),
                    }
                }
            }
            Expr::Function(f) => {
                let fname = f.name.to_string().to_ascii_uppercase();
                let sess = &self.ex.sess;
                let lit = |s: Option<String>| {
                    Expr::Value(
                        s.map(Value::SingleQuotedString)
                            .unwrap_or(Value::Null)
                            .with_empty_span(),
                    )
                };
                match fname.as_str() {
                    "CURRENT_TIMESTAMP" | "SYSDATE" | "LOCALTIMESTAMP" | "GETDATE" => {
                        *e = parse_expr("SF_NOW()")
                    }
                    "CURRENT_DATE" => *e = parse_expr("SUBSTR(SF_NOW(), 1, 10)"),
                    "CURRENT_DATABASE" => *e = lit(sess.database.clone()),
                    "CURRENT_SCHEMA" => *e = lit(sess.schema.clone()),
                    "CURRENT_ROLE" => *e = lit(Some(sess.role.clone())),
                    "CURRENT_USER" => *e = lit(Some(sess.user.clone())),
                    "CURRENT_WAREHOUSE" => *e = lit(sess.warehouse.clone()),
                    "DATEADD" | "TIMESTAMPADD" | "DATEDIFF" | "TIMESTAMPDIFF" => {
                        let ast::FunctionArguments::List(l) = &f.args else {
                            return ControlFlow::Continue(());
                        };
                        let args: Vec<String> = l.args.iter().map(|a| a.to_string()).collect();
                        if args.len() == 3 {
                            let func = if fname.ends_with("ADD") {
                                "SF_DATEADD"
                            } else {
                                "SF_DATEDIFF"
                            };
                            let part = args[0].trim_matches('\'').replace('\'', "");
                            *e = parse_expr(&format!("{func}('{part}', {}, {})", args[1], args[2]));
                        }
                    }
                    "LEN" => f.name = ObjectName::from(vec![Ident::new("LENGTH")]),
                    "ARRAY_CONSTRUCT" | "OBJECT_CONSTRUCT" => {
                        f.name = ObjectName::from(vec![Ident::new(if fname.starts_with("ARRAY") {
                            "JSON_ARRAY"
                        } else {
                            "JSON_OBJECT"
                        })])
                    }
                    _ => {}
                }
            }
            Expr::Cast {
                expr, data_type, ..
            } => {
                let t = SfType::parse(&data_type.to_string().replace(' ', ""));
                // `v:path::string` is the value itself, not its JSON form.
                let inner = expr.to_string();
                let inner = inner
                    .strip_prefix("json_quote(")
                    .and_then(|x| x.strip_suffix(')'))
                    .filter(|x| x.starts_with("json_extract("))
                    .map(str::to_string)
                    .unwrap_or(inner);
                *e = parse_expr(&format!("CAST(({inner}) AS {})", t.sqlite_cast()));
            }
            // `v:a.b[0]`: the element as JSON (a variant).
            Expr::JsonAccess { value, path } => {
                let mut p = String::from("$");
                for el in &path.path {
                    match el {
                        ast::JsonPathElem::Dot { key, .. } => {
                            p.push_str(&format!(".\"{}\"", key.replace('"', "")))
                        }
                        ast::JsonPathElem::Bracket {
                            key: Expr::Value(v),
                        } => match &v.value {
                            Value::Number(n, _) => p.push_str(&format!("[{n}]")),
                            Value::SingleQuotedString(k) => {
                                p.push_str(&format!(".\"{}\"", k.replace('"', "")))
                            }
                            _ => return self.fail(SfError::syntax_at(1, 0, &path.to_string())),
                        },
                        _ => return self.fail(SfError::syntax_at(1, 0, &path.to_string())),
                    }
                }
                *e = parse_expr(&format!(
                    "json_quote(json_extract({value}, '{}'))",
                    p.replace('\'', "''")
                ));
            }
            Expr::ILike {
                negated,
                expr,
                pattern,
                ..
            } => {
                *e = parse_expr(&format!(
                    "LOWER({expr}) {}LIKE LOWER({pattern})",
                    if *negated { "NOT " } else { "" }
                ));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn counts(cols: &[(&str, i64)]) -> QueryResult {
    QueryResult {
        columns: cols
            .iter()
            .map(|(n, _)| Column {
                name: n.to_string(),
                ty: ColType::Number(38, 0),
            })
            .collect(),
        rows: vec![cols.iter().map(|(_, v)| Some(v.to_string())).collect()],
    }
}

/// INFORMATION_SCHEMA views of one database as temporary tables.
fn materialize(ex: &Exec, conn: &Connection, info: &[(String, String)]) -> Result<(), SfError> {
    use SfType::*;
    for (d, view) in info {
        let db = &ex.cat.databases[d];
        let (cols, rows): (Vec<(&str, SfType)>, Vec<Vec<SqlValue>>) = match view.as_str() {
            "TABLES" => (
                vec![
                    ("TABLE_CATALOG", Text),
                    ("TABLE_SCHEMA", Text),
                    ("TABLE_NAME", Text),
                    ("TABLE_OWNER", Text),
                    ("TABLE_TYPE", Text),
                    ("IS_TRANSIENT", Text),
                    ("ROW_COUNT", Number(38, 0)),
                    ("COMMENT", Text),
                    ("CREATED", TsLtz),
                ],
                db.schemas
                    .values()
                    .flat_map(|sc| {
                        sc.tables.values().map(move |t| {
                            let n: i64 = conn
                                .query_row(
                                    &format!(
                                        "SELECT COUNT(*) FROM \"{}\"",
                                        sqlite_name(&t.data_id)
                                    ),
                                    [],
                                    |r| r.get(0),
                                )
                                .unwrap_or(0);
                            vec![
                                SqlValue::Text(db.name.clone()),
                                SqlValue::Text(sc.name.clone()),
                                SqlValue::Text(t.name.clone()),
                                SqlValue::Text(t.owner.clone()),
                                SqlValue::Text("BASE TABLE".into()),
                                SqlValue::Text(if t.transient { "YES" } else { "NO" }.into()),
                                SqlValue::Integer(n),
                                t.comment
                                    .clone()
                                    .map(SqlValue::Text)
                                    .unwrap_or(SqlValue::Null),
                                SqlValue::Text(types::format_ts(t.created_on as i128 * 1_000_000)),
                            ]
                        })
                    })
                    .collect(),
            ),
            "SCHEMATA" => (
                vec![
                    ("CATALOG_NAME", Text),
                    ("SCHEMA_NAME", Text),
                    ("SCHEMA_OWNER", Text),
                    ("IS_TRANSIENT", Text),
                    ("IS_MANAGED_ACCESS", Text),
                    ("CREATED", TsLtz),
                    ("COMMENT", Text),
                ],
                db.schemas
                    .values()
                    .map(|sc| {
                        vec![
                            SqlValue::Text(db.name.clone()),
                            SqlValue::Text(sc.name.clone()),
                            SqlValue::Text(sc.owner.clone()),
                            SqlValue::Text(if sc.transient { "YES" } else { "NO" }.into()),
                            SqlValue::Text(if sc.managed_access { "YES" } else { "NO" }.into()),
                            SqlValue::Text(types::format_ts(sc.created_on as i128 * 1_000_000)),
                            sc.comment
                                .clone()
                                .map(SqlValue::Text)
                                .unwrap_or(SqlValue::Null),
                        ]
                    })
                    .chain(std::iter::once(vec![
                        SqlValue::Text(db.name.clone()),
                        SqlValue::Text("INFORMATION_SCHEMA".into()),
                        SqlValue::Text(String::new()),
                        SqlValue::Text("NO".into()),
                        SqlValue::Text("NO".into()),
                        SqlValue::Text(types::format_ts(db.created_on as i128 * 1_000_000)),
                        SqlValue::Text(
                            "Views describing the contents of schemas in this database".into(),
                        ),
                    ]))
                    .collect(),
            ),
            _ => (
                vec![
                    ("TABLE_CATALOG", Text),
                    ("TABLE_SCHEMA", Text),
                    ("TABLE_NAME", Text),
                    ("COLUMN_NAME", Text),
                    ("ORDINAL_POSITION", Number(38, 0)),
                    ("IS_NULLABLE", Text),
                    ("DATA_TYPE", Text),
                    ("CHARACTER_MAXIMUM_LENGTH", Number(38, 0)),
                    ("NUMERIC_PRECISION", Number(38, 0)),
                    ("NUMERIC_SCALE", Number(38, 0)),
                ],
                db.schemas
                    .values()
                    .flat_map(|sc| {
                        sc.tables.values().flat_map(move |t| {
                            t.columns.iter().enumerate().map(move |(i, (c, ty))| {
                                let sf = SfType::parse(ty);
                                let (len, p, s) = match sf {
                                    Text | Variant => (
                                        SqlValue::Integer(16777216),
                                        SqlValue::Null,
                                        SqlValue::Null,
                                    ),
                                    Number(p, s) => (
                                        SqlValue::Null,
                                        SqlValue::Integer(p.into()),
                                        SqlValue::Integer(s.into()),
                                    ),
                                    _ => (SqlValue::Null, SqlValue::Null, SqlValue::Null),
                                };
                                vec![
                                    SqlValue::Text(db.name.clone()),
                                    SqlValue::Text(sc.name.clone()),
                                    SqlValue::Text(t.name.clone()),
                                    SqlValue::Text(c.clone()),
                                    SqlValue::Integer(i as i64 + 1),
                                    SqlValue::Text("YES".into()),
                                    SqlValue::Text(sf.data_type().into()),
                                    len,
                                    p,
                                    s,
                                ]
                            })
                        })
                    })
                    .collect(),
            ),
        };
        let name = format!("is_{d}_{view}");
        let defs: Vec<String> = cols
            .iter()
            .map(|(c, t)| format!("\"{c}\" {}", t.decl()))
            .collect();
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.\"{name}\"; CREATE TEMP TABLE \"{name}\" ({})",
            defs.join(", ")
        ))
        .map_err(internal)?;
        let marks = vec!["?"; cols.len()].join(", ");
        let mut st = conn
            .prepare(&format!("INSERT INTO temp.\"{name}\" VALUES ({marks})"))
            .map_err(internal)?;
        for r in rows {
            st.execute(rusqlite::params_from_iter(r))
                .map_err(internal)?;
        }
    }
    Ok(())
}

fn execute(
    ex: &mut Exec,
    stmt: Statement,
    info: &[(String, String)],
) -> Result<QueryResult, SfError> {
    let mut store = ex.cat.data.clone();
    let e = store.engine()?;
    // Another session's open transaction: read the last committed state.
    let conn = match (&stmt, e.txn_owner) {
        (Statement::Query(_), Some(o)) if o != ex.sess.id => &e.reader,
        _ => &e.conn,
    };
    materialize(ex, conn, info)?;
    match stmt {
        Statement::Query(_) => query(conn, &stmt.to_string()),
        Statement::Insert(_) => {
            let n = atomic(&e.conn, |c| {
                c.execute(&stmt.to_string(), []).map(|n| vec![n])
            })?;
            Ok(counts(&[("number of rows inserted", n[0] as i64)]))
        }
        Statement::Update(_) => {
            let n = atomic(&e.conn, |c| {
                c.execute(&stmt.to_string(), []).map(|n| vec![n])
            })?;
            Ok(counts(&[
                ("number of rows updated", n[0] as i64),
                ("number of multi-joined rows updated", 0),
            ]))
        }
        Statement::Delete(_) => {
            let n = atomic(&e.conn, |c| {
                c.execute(&stmt.to_string(), []).map(|n| vec![n])
            })?;
            Ok(counts(&[("number of rows deleted", n[0] as i64)]))
        }
        Statement::Merge(m) => merge(&e.conn, m),
        _ => Err(SfError::syntax_at(
            1,
            0,
            stmt.to_string().split(' ').next().unwrap_or(""),
        )),
    }
}

/// One statement is atomic: a savepoint around it, rolled back on error.
fn atomic<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, SfError> {
    conn.execute_batch("SAVEPOINT sf_stmt").map_err(internal)?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("RELEASE sf_stmt").map_err(internal)?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO sf_stmt; RELEASE sf_stmt");
            Err(sqlite_err(e))
        }
    }
}

fn query(conn: &Connection, sql: &str) -> Result<QueryResult, SfError> {
    let mut st = conn.prepare(sql).map_err(sqlite_err)?;
    let cols: Vec<(String, Option<SfType>)> = st
        .columns()
        .map(|c| {
            (
                c.name().to_string(),
                c.decl_type().and_then(SfType::from_decl),
            )
        })
        .collect();
    let n = cols.len();
    let mut raw: Vec<Vec<SqlValue>> = Vec::new();
    let mut rows = st.query([]).map_err(sqlite_err)?;
    while let Some(r) = rows.next().map_err(sqlite_err)? {
        raw.push(
            (0..n)
                .map(|i| r.get::<_, SqlValue>(i).unwrap_or(SqlValue::Null))
                .collect(),
        );
    }
    let types: Vec<SfType> = (0..n)
        .map(|i| {
            cols[i].1.unwrap_or_else(|| {
                let vals: Vec<ValueRef> = raw.iter().map(|r| ValueRef::from(&r[i])).collect();
                types::infer(&vals)
            })
        })
        .collect();
    Ok(QueryResult {
        columns: cols
            .iter()
            .zip(&types)
            .map(|((name, _), t)| Column {
                name: name.clone(),
                ty: t.col_type(),
            })
            .collect(),
        rows: raw
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&types)
                    .map(|(v, t)| t.cell(ValueRef::from(v)))
                    .collect()
            })
            .collect(),
    })
}

/// MERGE on SQLite (which has none): per WHEN clause an UPDATE ... FROM, a
/// DELETE ... WHERE EXISTS, or an INSERT ... SELECT ... WHERE NOT EXISTS,
/// matched clauses first, all in one savepoint.
fn merge(conn: &Connection, m: ast::Merge) -> Result<QueryResult, SfError> {
    let (target, talias) = match &m.table {
        TableFactor::Table { name, alias, .. } => (
            name.to_string(),
            alias
                .as_ref()
                .map(|a| a.name.to_string())
                .unwrap_or_default(),
        ),
        other => return Err(SfError::syntax_at(1, 0, &other.to_string())),
    };
    let source = m.source.to_string();
    let on = m.on.to_string();
    let mut sqls: Vec<(usize, String)> = Vec::new();
    let (mut has_delete, mut order) = (false, Vec::new());
    for c in &m.clauses {
        let pred = c
            .predicate
            .as_ref()
            .map(|p| format!(" AND ({p})"))
            .unwrap_or_default();
        let matched = matches!(c.clause_kind, ast::MergeClauseKind::Matched);
        match &c.action {
            ast::MergeAction::Update(u) => {
                let ast::MergeUpdateKind::Set(assigns) = &u.kind else {
                    return Err(SfError::syntax_at(1, 0, "UPDATE"));
                };
                let sets: Vec<String> = assigns
                    .iter()
                    .map(|a| {
                        let col = match &a.target {
                            ast::AssignmentTarget::ColumnName(n) => {
                                n.0.last().map(|p| p.to_string()).unwrap_or_default()
                            }
                            t => t.to_string(),
                        };
                        format!("{col} = {}", a.value)
                    })
                    .collect();
                order.push((
                    1,
                    format!(
                        "UPDATE {target} AS {talias} SET {} FROM {source} WHERE ({on}){pred}",
                        sets.join(", ")
                    ),
                ));
            }
            ast::MergeAction::Delete { .. } => {
                has_delete = true;
                order.push((2, format!(
                    "DELETE FROM {target} AS {talias} WHERE EXISTS (SELECT 1 FROM {source} WHERE ({on}){pred})"
                )));
            }
            ast::MergeAction::Insert(i) if !matched => {
                let cols: Vec<String> = i
                    .columns
                    .iter()
                    .map(|n| n.0.last().map(|p| p.to_string()).unwrap_or_default())
                    .collect();
                let ast::MergeInsertKind::Values(v) = &i.kind else {
                    return Err(SfError::syntax_at(1, 0, "ROW"));
                };
                let vals: Vec<String> = v
                    .rows
                    .first()
                    .map(|r| r.content.iter().map(|e| e.to_string()).collect())
                    .unwrap_or_default();
                let cols = if cols.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", cols.join(", "))
                };
                order.push((0, format!(
                    "INSERT INTO {target}{cols} SELECT {} FROM {source} WHERE NOT EXISTS (SELECT 1 FROM {target} AS {talias} WHERE {on}){pred}",
                    vals.join(", ")
                )));
            }
            _ => return Err(SfError::syntax_at(1, 0, "THEN")),
        }
    }
    // Matched clauses see the target as it was: updates and deletes first, then inserts.
    order.sort_by_key(|(k, _)| if *k == 0 { 1 } else { 0 });
    sqls.extend(order);
    let n = atomic(conn, |c| {
        let mut n = [0i64; 3];
        for (k, s) in &sqls {
            n[*k] += c.execute(s, [])? as i64;
        }
        Ok(n)
    })?;
    let mut cols = vec![
        ("number of rows inserted", n[0]),
        ("number of rows updated", n[1]),
    ];
    if has_delete {
        cols.push(("number of rows deleted", n[2]));
    }
    Ok(counts(&cols))
}
