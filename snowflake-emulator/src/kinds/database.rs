//! Databases: `CREATE [OR REPLACE] [TRANSIENT] DATABASE`, ALTER (rename,
//! SET/UNSET), DROP, `SHOW [TERSE] DATABASES [HISTORY]`, DESCRIBE DATABASE.
//! A new database gets a PUBLIC schema (owned by the creator) and becomes the
//! session's current database.

use super::props::{PropDef, Ty, param, text_or_none};
use super::{CreateSpec, ObjectKind, ShowSyntax, with_history};
use crate::catalog::{Catalog, Database, FutureScope, Params, Schema, Target, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::{AlterAction, Show};
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, row, text, ts, yn};
use crate::show_columns as cols;

pub struct DatabaseKind;

/// SHOW DATABASES `kind`.
fn kind(db: &Database) -> &'static str {
    if db.origin.is_some() {
        "IMPORTED DATABASE"
    } else {
        "STANDARD"
    }
}

/// Objects may be created, changed or dropped in (and as) database `d`:
/// not in a database imported from a share, which is read-only.
pub(crate) fn writable(ex: &Exec, d: &str) -> Result<(), SfError> {
    match ex.cat.databases.get(d) {
        Some(db) if db.origin.is_some() => Err(SfError::insufficient_privileges("database", d)),
        _ => Ok(()),
    }
}

/// Records with a parameter map and a comment (databases, schemas).
pub(crate) trait HasParams {
    fn params_mut(&mut self) -> &mut Params;
    fn comment_mut(&mut self) -> &mut Option<String>;
}

impl HasParams for Database {
    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }
    fn comment_mut(&mut self) -> &mut Option<String> {
        &mut self.comment
    }
}

const PROPS: &[PropDef<Database>] = &container_props::<Database>();

/// Properties shared by databases and schemas.
pub(crate) const fn container_props<O: HasParams>() -> [PropDef<O>; 4] {
    [
        PropDef::new(
            "DATA_RETENTION_TIME_IN_DAYS",
            Ty::Param,
            |o: &mut O, k, v| param(o.params_mut(), k, v),
        ),
        PropDef::new(
            "MAX_DATA_EXTENSION_TIME_IN_DAYS",
            Ty::Param,
            |o: &mut O, k, v| param(o.params_mut(), k, v),
        ),
        PropDef::new("DEFAULT_DDL_COLLATION", Ty::Param, |o: &mut O, k, v| {
            param(o.params_mut(), k, v)
        }),
        PropDef::new("COMMENT", Ty::Text, |o: &mut O, _, v| {
            *o.comment_mut() = text_or_none(v)
        }),
    ]
}

/// SHOW DATABASES columns, in Snowflake's order (without HISTORY's `dropped_on`).
pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("origin", Text),
    ("owner", Text),
    ("comment", Text),
    ("options", Text),
    ("retention_time", Text),
    ("kind", Text),
    ("owner_role_type", Text),
    ("object_visibility", Text),
    ("data_quality_monitoring_settings", Text),
];

impl ObjectKind for DatabaseKind {
    fn securable(path: &[String]) -> Target {
        Target::Database(path[0].clone())
    }
    fn owner(obj: &Database) -> &str {
        &obj.owner
    }
    fn create_privilege(_path: &[String]) -> (&'static str, Target) {
        ("CREATE DATABASE", Target::Account)
    }
    fn alter_privilege(action: &AlterAction) -> Option<&'static str> {
        matches!(action, AlterAction::Set(_) | AlterAction::Unset(_)).then_some("MODIFY")
    }
    type Obj = Database;
    const KIND: super::Kind = super::Kind::Database;
    const KEYWORD: &'static str = "DATABASE";
    const WORD: &'static str = "Database";
    const PROPS: &'static [PropDef<Database>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("DATABASES")
        .terse()
        .history()
        .paging();

    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Database> {
        cat.databases.get(&path[0])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Database> {
        cat.databases.get_mut(&path[0])
    }

    fn drop_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        writable(ex, &path[0])
    }
    fn alter_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        writable(ex, &path[0])
    }

    fn new(ex: &Exec, path: &[String], spec: CreateSpec) -> Database {
        let t = now_ms();
        let owner = ex.sess.role.clone();
        let public = Schema {
            name: "PUBLIC".into(),
            created_on: t,
            owner: owner.clone(),
            comment: None,
            transient: spec.transient,
            managed_access: false,
            params: Params::new(),
            tables: Default::default(),
            tasks: Default::default(),
        };
        Database {
            name: path[0].clone(),
            created_on: t,
            owner,
            comment: None,
            transient: spec.transient,
            params: Params::new(),
            schemas: [("PUBLIC".to_string(), public)].into(),
            origin: None,
            database_roles: Default::default(),
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: Database) {
        cat.databases.insert(path[0].clone(), obj);
    }

    fn created(ex: &mut Exec, path: &[String]) {
        let d = &path[0];
        ex.apply_future(
            "SCHEMA",
            d,
            None,
            Target::Schema(d.clone(), "PUBLIC".into()),
        );
        ex.sess.database = Some(d.clone());
        ex.sess.schema = Some("PUBLIC".into());
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Database> {
        cat.databases.remove(&path[0])
    }

    /// Its schemas and tables went with it: so do every grant and future grant inside.
    fn forget(ex: &mut Exec, path: &[String]) {
        let d = &path[0];
        ex.cat.grants.retain(|g| match &g.target {
            Target::Database(x)
            | Target::Schema(x, _)
            | Target::Object(_, x, _, _)
            | Target::DatabaseRole(x, _) => x != d,
            _ => true,
        });
        // Its database roles went with it, and what they held.
        ex.cat.database_role_grants.retain(|g| g.database != *d);
        ex.cat
            .database_role_privileges
            .retain(|p| p.database != *d && !matches!(&p.target, Target::Database(x) | Target::Schema(x, _) | Target::Object(_, x, _, _) if x == d));
        ex.cat.future_grants.retain(|f| match &f.scope {
            FutureScope::Database(x) | FutureScope::Schema(x, _) => x != d,
        });
        if ex.sess.database.as_deref() == Some(d) {
            ex.sess.database = None;
            ex.sess.schema = None;
        }
    }

    fn set_name(obj: &mut Database, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (n, to) = (&from[0], &to[0]);
        for g in ex.cat.grants.iter_mut() {
            match &mut g.target {
                Target::Database(x) | Target::Schema(x, _) | Target::Object(_, x, _, _)
                    if x == n =>
                {
                    *x = to.clone()
                }
                _ => {}
            }
        }
        for f in ex.cat.future_grants.iter_mut() {
            match &mut f.scope {
                FutureScope::Database(x) | FutureScope::Schema(x, _) if x == n => *x = to.clone(),
                _ => {}
            }
        }
        if ex.sess.database.as_deref() == Some(n) {
            ex.sess.database = Some(to.clone());
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let columns = if s.terse {
            cols::TERSE.to_vec()
        } else {
            with_history(COLUMNS, s.history, "retention_time")
        };
        let mut rows = Vec::new();
        for db in ex.cat.databases.values() {
            // Databases imported from a share ignore DATA_RETENTION_TIME_IN_DAYS.
            let retention = match db.origin {
                Some(_) => "0".to_string(),
                None => ex.retention(&[(&db.params, "DATABASE")]),
            };
            let cells = if s.terse {
                vec![
                    ("created_on", ts(db.created_on)),
                    ("name", text(&db.name)),
                    ("kind", text(kind(db))),
                    ("database_name", None),
                    ("schema_name", None),
                ]
            } else {
                let mut c = vec![
                    ("created_on", ts(db.created_on)),
                    ("name", text(&db.name)),
                    ("is_default", yn(false)),
                    (
                        "is_current",
                        yn(ex.sess.database.as_deref() == Some(&db.name)),
                    ),
                    ("origin", text(db.origin.clone().unwrap_or_default())),
                    ("owner", text(&db.owner)),
                    ("comment", text(db.comment.clone().unwrap_or_default())),
                    ("options", text(if db.transient { "TRANSIENT" } else { "" })),
                    ("retention_time", text(retention)),
                    ("kind", text(kind(db))),
                    (
                        "owner_role_type",
                        if db.owner.is_empty() {
                            None
                        } else {
                            text("ROLE")
                        },
                    ),
                    ("object_visibility", None),
                    ("data_quality_monitoring_settings", None),
                ];
                if s.history {
                    c.push(("dropped_on", None));
                }
                c
            };
            rows.push((db.name.clone(), row(&columns, cells)));
        }
        ex.finish(s, &columns, rows, Some("DATABASES"))
    }

    /// One row per schema (INFORMATION_SCHEMA included): `created_on, name, kind`.
    fn describe(ex: &Exec, name: &crate::parser::Name) -> Result<QueryResult, SfError> {
        let db = ex
            .cat
            .databases
            .get(&name[0])
            .ok_or_else(|| SfError::does_not_exist("Database", &name[0]))?;
        let mut r = QueryResult::with_columns(cols::DESCRIBE_CONTAINER);
        let mut entries: Vec<(i64, &str)> = vec![(db.created_on, "INFORMATION_SCHEMA")];
        entries.extend(
            db.schemas
                .values()
                .map(|sc| (sc.created_on, sc.name.as_str())),
        );
        entries.sort_by(|a, b| a.1.cmp(b.1));
        for (created_on, n) in entries {
            r.rows.push(row(
                cols::DESCRIBE_CONTAINER,
                vec![
                    ("created_on", ts(created_on)),
                    ("name", text(n)),
                    ("kind", text("SCHEMA")),
                ],
            ));
        }
        Ok(r)
    }
}
