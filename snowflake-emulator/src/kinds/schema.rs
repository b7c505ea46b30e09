//! Schemas: `CREATE [OR REPLACE] [TRANSIENT] SCHEMA [WITH MANAGED ACCESS]`,
//! ALTER (rename, possibly into another database; SET/UNSET; ENABLE/DISABLE
//! MANAGED ACCESS), DROP, `SHOW [TERSE] SCHEMAS [HISTORY] [IN ...]`, DESCRIBE
//! SCHEMA. Every database also shows an INFORMATION_SCHEMA, which cannot be
//! created, replaced, dropped or written into.

use super::database::{HasParams, container_props, writable};
use super::props::PropDef;
use super::{CreateSpec, ObjectKind, Path, ShowSyntax, with_history};
use crate::catalog::{Catalog, Database, FutureScope, Params, Schema, Target, now_ms};
use crate::error::SfError;
use crate::exec::{Exec, Outcome, done};
use crate::parser::{AlterAction, Name, Scope, Show};
use crate::result::ColType::{self, *};
use crate::result::{Cell, QueryResult, row, text, ts, yn};
use crate::show_columns as cols;

pub struct SchemaKind;

pub const INFORMATION_SCHEMA: &str = "INFORMATION_SCHEMA";

impl HasParams for Schema {
    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }
    fn comment_mut(&mut self) -> &mut Option<String> {
        &mut self.comment
    }
}

const PROPS: &[PropDef<Schema>] = &container_props::<Schema>();

/// SHOW SCHEMAS columns in output order (`is_nested` after `retention_time`,
/// as in the docs example; HISTORY adds `dropped_on` after it).
pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("database_name", Text),
    ("owner", Text),
    ("comment", Text),
    ("options", Text),
    ("retention_time", Text),
    ("is_nested", Text),
    ("owner_role_type", Text),
    ("object_visibility", Text),
];

impl ObjectKind for SchemaKind {
    fn securable(path: &[String]) -> Target {
        Target::Schema(path[0].clone(), path[1].clone())
    }
    fn owner(obj: &Schema) -> &str {
        &obj.owner
    }
    fn create_privilege(path: &[String]) -> (&'static str, Target) {
        ("CREATE SCHEMA", Target::Database(path[0].clone()))
    }
    fn alter_privilege(action: &AlterAction) -> Option<&'static str> {
        matches!(action, AlterAction::Set(_) | AlterAction::Unset(_)).then_some("MODIFY")
    }
    type Obj = Schema;
    const KIND: super::Kind = super::Kind::Schema;
    const KEYWORD: &'static str = "SCHEMA";
    const WORD: &'static str = "Schema";
    const MAX_PARTS: usize = 2;
    const PROPS: &'static [PropDef<Schema>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("SCHEMAS")
        .in_containers()
        .terse()
        .history()
        .paging();

    fn path(ex: &Exec, name: &Name, op: &str) -> Result<Path, SfError> {
        let (d, s) = ex.schema_path(name, op)?;
        Ok(vec![d, s])
    }
    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Schema> {
        cat.databases.get(&path[0])?.schemas.get(&path[1])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Schema> {
        cat.databases.get_mut(&path[0])?.schemas.get_mut(&path[1])
    }
    fn not_found(ex: &Exec, path: &[String]) -> SfError {
        match ex.db_exists(&path[0]) {
            Err(e) => e,
            Ok(()) => SfError::does_not_exist("Schema", &path.join(".")),
        }
    }
    fn can_create(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        ex.db_exists(&path[0])?;
        writable(ex, &path[0])
    }
    fn drop_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        writable(ex, &path[0])
    }
    fn alter_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        writable(ex, &path[0])
    }
    fn reserved(path: &[String]) -> bool {
        path[1] == INFORMATION_SCHEMA
    }

    fn new(ex: &Exec, path: &[String], spec: CreateSpec) -> Schema {
        Schema {
            name: path[1].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            comment: None,
            transient: spec.transient || ex.cat.databases[&path[0]].transient,
            managed_access: spec.managed_access,
            params: Params::new(),
            tables: Default::default(),
            tasks: Default::default(),
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: Schema) {
        let db = cat.databases.get_mut(&path[0]).expect("checked database");
        db.schemas.insert(path[1].clone(), obj);
    }

    fn created(ex: &mut Exec, path: &[String]) {
        let (d, s) = (&path[0], &path[1]);
        ex.apply_future("SCHEMA", d, None, Target::Schema(d.clone(), s.clone()));
        ex.sess.database = Some(d.clone());
        ex.sess.schema = Some(s.clone());
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Schema> {
        cat.databases.get_mut(&path[0])?.schemas.remove(&path[1])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let (d, s) = (&path[0], &path[1]);
        ex.cat.grants.retain(|g| match &g.target {
            Target::Schema(x, y) | Target::Object(_, x, y, _) => !(x == d && y == s),
            _ => true,
        });
        ex.cat
            .future_grants
            .retain(|f| f.scope != FutureScope::Schema(d.clone(), s.clone()));
        if ex.sess.database.as_deref() == Some(d) && ex.sess.schema.as_deref() == Some(s) {
            ex.sess.schema = None;
        }
    }

    /// `RENAME TO [db.]name`: a qualified name moves the schema to that database.
    fn rename_target(ex: &Exec, from: &[String], to: &Name) -> Result<Path, SfError> {
        let path = if to.len() == 2 {
            to.clone()
        } else {
            vec![from[0].clone(), to[0].clone()]
        };
        ex.db_exists(&path[0])?;
        writable(ex, &path[0])?;
        Ok(path)
    }

    fn set_name(obj: &mut Schema, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (d, s, td, ts) = (&from[0], &from[1], &to[0], &to[1]);
        for g in ex.cat.grants.iter_mut() {
            match &mut g.target {
                Target::Schema(x, y) | Target::Object(_, x, y, _) if x == d && y == s => {
                    *x = td.clone();
                    *y = ts.clone();
                }
                _ => {}
            }
        }
        for f in ex.cat.future_grants.iter_mut() {
            if f.scope == FutureScope::Schema(d.clone(), s.clone()) {
                f.scope = FutureScope::Schema(td.clone(), ts.clone());
            }
        }
        if ex.sess.database.as_deref() == Some(d) && ex.sess.schema.as_deref() == Some(s) {
            ex.sess.database = Some(td.clone());
            ex.sess.schema = Some(ts.clone());
        }
    }

    /// `{ ENABLE | DISABLE } MANAGED ACCESS`.
    fn alter_other(
        ex: &mut Exec,
        path: &[String],
        action: AlterAction,
    ) -> Result<Outcome, SfError> {
        let AlterAction::ManagedAccess(on) = action else {
            unreachable!("the parser builds no {action:?} for schemas")
        };
        Self::get_mut(ex.cat, path)
            .expect("checked by alter")
            .managed_access = on;
        done(true)
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let dbs: Vec<&Database> = match &s.scope {
            Some(Scope::Account) => ex.cat.databases.values().collect(),
            Some(Scope::Database(Some(n))) | Some(Scope::Bare(n)) => {
                if n.len() != 1 {
                    return Err(SfError::syntax_at(1, 0, &n.join(".")));
                }
                vec![
                    ex.cat
                        .databases
                        .get(&n[0])
                        .ok_or_else(SfError::cannot_perform)?,
                ]
            }
            Some(Scope::Database(None)) | None => match &ex.sess.database {
                Some(d) => vec![
                    ex.cat
                        .databases
                        .get(d)
                        .ok_or_else(SfError::cannot_perform)?,
                ],
                None if s.scope.is_none() => ex.cat.databases.values().collect(),
                None => return Err(SfError::no_current_database("SHOW SCHEMAS")),
            },
            _ => return Err(SfError::syntax_at(1, 0, "IN")),
        };
        let columns = if s.terse {
            cols::TERSE.to_vec()
        } else {
            with_history(COLUMNS, s.history, "is_nested")
        };
        let mut all = Vec::new();
        for db in dbs {
            let is_current = |n: &str| {
                ex.sess.database.as_deref() == Some(&db.name)
                    && ex.sess.schema.as_deref() == Some(n)
            };
            let mut rows = vec![(
                INFORMATION_SCHEMA.to_string(),
                schema_row(
                    s,
                    &columns,
                    db,
                    Listed {
                        created_on: db.created_on,
                        name: INFORMATION_SCHEMA,
                        is_current: is_current(INFORMATION_SCHEMA),
                        owner: "",
                        comment: "Views describing the contents of schemas in this database",
                        options: String::new(),
                        retention: "1".into(),
                        owner_role_type: None,
                    },
                ),
            )];
            for sc in db.schemas.values() {
                let mut opts = Vec::new();
                if sc.transient {
                    opts.push("TRANSIENT");
                }
                if sc.managed_access {
                    opts.push("MANAGED ACCESS");
                }
                let listed = Listed {
                    created_on: sc.created_on,
                    name: &sc.name,
                    is_current: is_current(&sc.name),
                    owner: &sc.owner,
                    comment: sc.comment.as_deref().unwrap_or_default(),
                    options: opts.join(", "),
                    retention: ex.retention(&[(&sc.params, "SCHEMA"), (&db.params, "DATABASE")]),
                    owner_role_type: text("ROLE"),
                };
                rows.push((sc.name.clone(), schema_row(s, &columns, db, listed)));
            }
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            all.extend(rows);
        }
        ex.finish(s, &columns, all, Some("SCHEMAS"))
    }

    /// One row per table: `created_on, name, kind`.
    fn describe(ex: &Exec, name: &Name) -> Result<QueryResult, SfError> {
        let (d, s) = ex.schema_path(name, "DESCRIBE SCHEMA")?;
        ex.schema_exists(&d, &s)?;
        let mut r = QueryResult::with_columns(cols::DESCRIBE_CONTAINER);
        if let Some(sc) = ex.cat.databases[&d].schemas.get(&s) {
            for t in sc.tables.values() {
                r.rows.push(row(
                    cols::DESCRIBE_CONTAINER,
                    vec![
                        ("created_on", ts(t.created_on)),
                        ("name", text(&t.name)),
                        ("kind", text("TABLE")),
                    ],
                ));
            }
        }
        Ok(r)
    }
}

/// What one SHOW SCHEMAS row says about a schema (INFORMATION_SCHEMA included).
struct Listed<'a> {
    created_on: i64,
    name: &'a str,
    is_current: bool,
    owner: &'a str,
    comment: &'a str,
    options: String,
    retention: String,
    owner_role_type: Cell,
}

fn schema_row(s: &Show, columns: &[(&str, ColType)], db: &Database, l: Listed) -> Vec<Cell> {
    if s.terse {
        return row(
            columns,
            vec![
                ("created_on", ts(l.created_on)),
                ("name", text(l.name)),
                ("kind", None),
                ("database_name", text(&db.name)),
                ("schema_name", None),
            ],
        );
    }
    let mut cells = vec![
        ("created_on", ts(l.created_on)),
        ("name", text(l.name)),
        ("is_default", yn(false)),
        ("is_current", yn(l.is_current)),
        ("database_name", text(&db.name)),
        ("owner", text(l.owner)),
        ("comment", text(l.comment)),
        ("options", text(l.options)),
        ("retention_time", text(l.retention)),
        ("is_nested", text("N")),
        ("owner_role_type", l.owner_role_type),
        ("object_visibility", None),
    ];
    if s.history {
        cells.push(("dropped_on", None));
    }
    row(columns, cells)
}
