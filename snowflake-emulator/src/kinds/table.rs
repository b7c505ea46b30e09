//! Tables (names and column lists, no data): `CREATE [OR REPLACE] [TRANSIENT]
//! TABLE [[db.]schema.]t (col type, ...) [props]`, DROP, `SHOW TABLES [HISTORY]
//! [IN ...]`, DESCRIBE TABLE. Future grants of the schema (else of the
//! database) apply to a new table, future OWNERSHIP included. ALTER TABLE is
//! not implemented (the parser refuses it).

use super::props::{PropDef, Ty, flag, on, param, text_or_none};
use super::{CreateSpec, ObjectKind, Path, ShowSyntax, with_history};
use crate::catalog::{Catalog, Database, Schema, Table, Target, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::{Name, Scope, Show};
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, num, row, text, ts};
use crate::show_columns as cols;

pub struct TableKind;

type P = PropDef<Table>;

const PROPS: &[P] = &[
    P::new("COMMENT", Ty::Text, |t, _, v| t.comment = text_or_none(v)).on(on::CREATE),
    P::new("DATA_RETENTION_TIME_IN_DAYS", Ty::Param, |t, k, v| {
        param(&mut t.params, k, v)
    })
    .on(on::CREATE),
    P::new("MAX_DATA_EXTENSION_TIME_IN_DAYS", Ty::Param, |t, k, v| {
        param(&mut t.params, k, v)
    })
    .on(on::CREATE),
    P::new("CHANGE_TRACKING", Ty::Bool, |t, _, v| {
        t.change_tracking = flag(&v)
    })
    .default("false")
    .on(on::CREATE),
    P::new("DEFAULT_DDL_COLLATION", Ty::Param, |t, k, v| {
        param(&mut t.params, k, v)
    })
    .on(on::CREATE),
];

pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("database_name", Text),
    ("schema_name", Text),
    ("kind", Text),
    ("comment", Text),
    ("cluster_by", Text),
    ("rows", Fixed),
    ("bytes", Fixed),
    ("owner", Text),
    ("retention_time", Text),
    ("automatic_clustering", Text),
    ("change_tracking", Text),
    ("search_optimization", Text),
    ("search_optimization_progress", Text),
    ("search_optimization_bytes", Text),
    ("is_external", Text),
    ("enable_schema_evolution", Text),
    ("owner_role_type", Text),
    ("is_event", Text),
    ("budget", Text),
    ("is_hybrid", Text),
    ("is_iceberg", Text),
    ("is_dynamic", Text),
    ("is_immutable", Text),
];

fn target(path: &[String]) -> Target {
    Target::Object(
        "TABLE".into(),
        path[0].clone(),
        path[1].clone(),
        path[2].clone(),
    )
}

fn all_in(db: &Database) -> Vec<(&Database, &Schema)> {
    db.schemas.values().map(|sc| (db, sc)).collect()
}

impl ObjectKind for TableKind {
    fn securable(path: &[String]) -> Target {
        Target::Object(
            "TABLE".into(),
            path[0].clone(),
            path[1].clone(),
            path[2].clone(),
        )
    }
    fn owner(obj: &Table) -> &str {
        &obj.owner
    }
    fn create_privilege(path: &[String]) -> (&'static str, Target) {
        (
            "CREATE TABLE",
            Target::Schema(path[0].clone(), path[1].clone()),
        )
    }
    type Obj = Table;
    const KIND: super::Kind = super::Kind::Table;
    const KEYWORD: &'static str = "TABLE";
    const WORD: &'static str = "Table";
    const MAX_PARTS: usize = 3;
    const PROPS: &'static [PropDef<Table>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("TABLES")
        .in_containers()
        .history()
        .paging();

    fn path(ex: &Exec, name: &Name, op: &str) -> Result<Path, SfError> {
        let (d, s, t) = ex.object_path(name, op)?;
        Ok(vec![d, s, t])
    }
    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Table> {
        cat.databases
            .get(&path[0])?
            .schemas
            .get(&path[1])?
            .tables
            .get(&path[2])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Table> {
        cat.databases
            .get_mut(&path[0])?
            .schemas
            .get_mut(&path[1])?
            .tables
            .get_mut(&path[2])
    }
    fn not_found(_ex: &Exec, path: &[String]) -> SfError {
        SfError::no_such_object("Table", &path.join("."))
    }
    fn can_create(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        ex.writable_schema(&path[0], &path[1])?;
        super::database::writable(ex, &path[0])
    }
    fn drop_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        super::database::writable(ex, &path[0])
    }

    fn new(ex: &Exec, path: &[String], spec: CreateSpec) -> Table {
        let schema_transient = ex.cat.databases[&path[0]].schemas[&path[1]].transient;
        Table {
            name: path[2].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            comment: None,
            transient: spec.transient || schema_transient,
            columns: spec.columns,
            change_tracking: false,
            params: Default::default(),
            data_id: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: Table) {
        let db = cat.databases.get_mut(&path[0]).expect("checked database");
        let sc = db.schemas.get_mut(&path[1]).expect("checked schema");
        sc.tables.insert(path[2].clone(), obj);
    }

    fn created(ex: &mut Exec, path: &[String]) {
        ex.apply_future("TABLE", &path[0], Some(&path[1]), target(path));
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Table> {
        cat.databases
            .get_mut(&path[0])?
            .schemas
            .get_mut(&path[1])?
            .tables
            .remove(&path[2])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let t = target(path);
        ex.cat.grants.retain(|g| g.target != t);
    }

    fn set_name(obj: &mut Table, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (old, new) = (target(from), target(to));
        for g in ex.cat.grants.iter_mut() {
            if g.target == old {
                g.target = new.clone();
            }
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let schemas = scope(ex, s, "SHOW TABLES")?;
        let columns = with_history(COLUMNS, s.history, "is_immutable");
        let mut rows = Vec::new();
        for (db, sc) in schemas {
            for t in sc.tables.values() {
                let retention = ex.retention(&[
                    (&t.params, "TABLE"),
                    (&sc.params, "SCHEMA"),
                    (&db.params, "DATABASE"),
                ]);
                let mut cells = vec![
                    ("created_on", ts(t.created_on)),
                    ("name", text(&t.name)),
                    ("database_name", text(&db.name)),
                    ("schema_name", text(&sc.name)),
                    (
                        "kind",
                        text(if t.transient { "TRANSIENT" } else { "TABLE" }),
                    ),
                    ("comment", text(t.comment.clone().unwrap_or_default())),
                    ("cluster_by", text("")),
                    (
                        "rows",
                        num(crate::sql_engine::row_count(ex.cat, &t.data_id)),
                    ),
                    ("bytes", num(0)),
                    ("owner", text(&t.owner)),
                    ("retention_time", text(retention)),
                    ("automatic_clustering", text("OFF")),
                    (
                        "change_tracking",
                        text(if t.change_tracking { "ON" } else { "OFF" }),
                    ),
                    ("search_optimization", text("OFF")),
                    ("search_optimization_progress", None),
                    ("search_optimization_bytes", None),
                    ("is_external", text("N")),
                    ("enable_schema_evolution", text("N")),
                    ("owner_role_type", text("ROLE")),
                    ("is_event", text("N")),
                    ("budget", None),
                    ("is_hybrid", text("N")),
                    ("is_iceberg", text("N")),
                    ("is_dynamic", text("N")),
                    ("is_immutable", text("N")),
                ];
                if s.history {
                    cells.push(("dropped_on", None));
                }
                rows.push((t.name.clone(), row(&columns, cells)));
            }
        }
        ex.finish(s, &columns, rows, Some("TABLES"))
    }

    /// One row per column.
    fn describe(ex: &Exec, name: &Name) -> Result<QueryResult, SfError> {
        let path = Self::path(ex, name, "DESCRIBE TABLE")?;
        let t = Self::get(ex.cat, &path).ok_or_else(|| Self::not_found(ex, &path))?;
        let mut r = QueryResult::with_columns(cols::DESCRIBE_TABLE);
        for (c, ty) in &t.columns {
            r.rows.push(row(
                cols::DESCRIBE_TABLE,
                vec![
                    ("name", text(c)),
                    ("type", text(ty)),
                    ("kind", text("COLUMN")),
                    ("null?", text("Y")),
                    ("default", None),
                    ("primary key", text("N")),
                    ("unique key", text("N")),
                    ("check", None),
                    ("expression", None),
                    ("comment", None),
                    ("policy name", None),
                    ("privacy domain", None),
                ],
            ));
        }
        Ok(r)
    }
}

/// The schemas a SHOW TABLES looks into: IN ACCOUNT, IN DATABASE [d], IN
/// SCHEMA [s], IN <name> (a schema of the current database, else a
/// database, or `db.schema`), or by default the current schema (else database, else account).
pub(crate) fn scope<'c>(
    ex: &'c Exec,
    s: &Show,
    op: &str,
) -> Result<Vec<(&'c Database, &'c Schema)>, SfError> {
    let cat = &*ex.cat;
    let db_named = |d: &str| cat.databases.get(d).ok_or_else(SfError::cannot_perform);
    let mut schemas = Vec::new();
    match &s.scope {
        Some(Scope::Account) => cat
            .databases
            .values()
            .for_each(|db| schemas.extend(all_in(db))),
        Some(Scope::Database(n)) => {
            let d = match n {
                Some(n) => n[0].clone(),
                None => ex
                    .sess
                    .database
                    .clone()
                    .ok_or_else(|| SfError::no_current_database(op))?,
            };
            schemas.extend(all_in(db_named(&d)?));
        }
        Some(Scope::Schema(n)) => {
            let (d, sc) = match n {
                Some(n) => ex.schema_path(n, op)?,
                None => (
                    ex.sess
                        .database
                        .clone()
                        .ok_or_else(|| SfError::no_current_database(op))?,
                    ex.sess.schema.clone().ok_or_else(SfError::cannot_perform)?,
                ),
            };
            let db = db_named(&d)?;
            if sc != "INFORMATION_SCHEMA" {
                schemas.push((db, db.schemas.get(&sc).ok_or_else(SfError::cannot_perform)?));
            }
        }
        Some(Scope::Bare(n)) => {
            if n.len() == 2 {
                let db = db_named(&n[0])?;
                schemas.push((
                    db,
                    db.schemas.get(&n[1]).ok_or_else(SfError::cannot_perform)?,
                ));
            } else if let Some(db) = ex
                .sess
                .database
                .as_ref()
                .and_then(|d| cat.databases.get(d))
                .filter(|db| db.schemas.contains_key(&n[0]))
            {
                schemas.push((db, &db.schemas[&n[0]]));
            } else {
                schemas.extend(all_in(db_named(&n[0])?));
            }
        }
        None => match (&ex.sess.database, &ex.sess.schema) {
            (Some(d), Some(sc)) => {
                if let Some(db) = cat.databases.get(d)
                    && let Some(x) = db.schemas.get(sc)
                {
                    schemas.push((db, x));
                }
            }
            (Some(d), None) => {
                if let Some(db) = cat.databases.get(d) {
                    schemas.extend(all_in(db));
                }
            }
            _ => cat
                .databases
                .values()
                .for_each(|db| schemas.extend(all_in(db))),
        },
        _ => return Err(SfError::syntax_at(1, 0, "IN")),
    }
    Ok(schemas)
}
