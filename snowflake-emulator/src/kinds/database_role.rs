//! Database roles: `CREATE [OR REPLACE] DATABASE ROLE [IF NOT EXISTS]
//! [d.]r [COMMENT = '...']`, ALTER (rename within the database, SET / UNSET
//! COMMENT), DROP, `SHOW DATABASE ROLES IN DATABASE d`. Privileges granted
//! to them and their grants to roles (`GRANT ... TO DATABASE ROLE`, `GRANT
//! DATABASE ROLE ... TO { ROLE | DATABASE ROLE }`) are in `exec/grants.rs`.
//! Creating one takes CREATE DATABASE ROLE on the database. They go with
//! their database.

use super::props::{PropDef, Ty, text_or_none};
use super::{CreateSpec, ObjectKind, Path, ShowSyntax};
use crate::catalog::{Catalog, DatabaseRole, DatabaseRoleGrantee, Target, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::{Name, Scope, Show};
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, num, row, text, ts, yn};

pub struct DatabaseRoleKind;

type P = PropDef<DatabaseRole>;

const PROPS: &[P] = &[P::new("COMMENT", Ty::Text, |r, _, v| {
    r.comment = text_or_none(v)
})];

/// SHOW DATABASE ROLES, Output section.
pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("is_inherited", Text),
    ("granted_to_roles", Fixed),
    ("granted_to_database_roles", Fixed),
    ("granted_database_roles", Fixed),
    ("owner", Text),
    ("comment", Text),
    ("owner_role_type", Text),
];

impl ObjectKind for DatabaseRoleKind {
    fn securable(path: &[String]) -> Target {
        Target::DatabaseRole(path[0].clone(), path[1].clone())
    }
    fn owner(obj: &DatabaseRole) -> &str {
        &obj.owner
    }
    fn create_privilege(path: &[String]) -> (&'static str, Target) {
        ("CREATE DATABASE ROLE", Target::Database(path[0].clone()))
    }
    type Obj = DatabaseRole;
    const KIND: super::Kind = super::Kind::DatabaseRole;
    const KEYWORD: &'static str = "DATABASE ROLE";
    const WORD: &'static str = "Database role";
    const MAX_PARTS: usize = 2;
    const PROPS: &'static [PropDef<DatabaseRole>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("DATABASE ROLES").in_containers();

    fn path(ex: &Exec, name: &Name, op: &str) -> Result<Path, SfError> {
        let (d, r) = ex.schema_path(name, op)?;
        Ok(vec![d, r])
    }
    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c DatabaseRole> {
        cat.databases.get(&path[0])?.database_roles.get(&path[1])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut DatabaseRole> {
        cat.databases
            .get_mut(&path[0])?
            .database_roles
            .get_mut(&path[1])
    }
    fn not_found(ex: &Exec, path: &[String]) -> SfError {
        match ex.db_exists(&path[0]) {
            Err(e) => e,
            Ok(()) => SfError::does_not_exist("Database role", &path.join(".")),
        }
    }
    fn can_create(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        ex.db_exists(&path[0])
    }

    fn new(ex: &Exec, path: &[String], _spec: CreateSpec) -> DatabaseRole {
        DatabaseRole {
            name: path[1].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            comment: None,
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: DatabaseRole) {
        if let Some(d) = cat.databases.get_mut(&path[0]) {
            d.database_roles.insert(path[1].clone(), obj);
        }
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<DatabaseRole> {
        cat.databases
            .get_mut(&path[0])?
            .database_roles
            .remove(&path[1])
    }

    /// Its privileges and future grants, its grants to roles and the
    /// grants of it go.
    fn forget(ex: &mut Exec, path: &[String]) {
        let (d, r) = (&path[0], &path[1]);
        ex.cat
            .future_grants
            .retain(|f| !f.granted_to_database_role(d, r));
        ex.cat
            .database_role_privileges
            .retain(|p| !(p.database == *d && p.role == *r));
        ex.cat.database_role_grants.retain(|g| {
            g.database != *d
                || (g.role != *r && g.grantee != DatabaseRoleGrantee::DatabaseRole(r.clone()))
        });
        let target = Target::DatabaseRole(d.clone(), r.clone());
        ex.cat.grants.retain(|g| g.target != target);
    }

    /// `RENAME TO [d.]n` within the same database.
    fn rename_target(ex: &Exec, from: &[String], to: &Name) -> Result<Path, SfError> {
        let (d, n) = ex.schema_path(to, "ALTER DATABASE ROLE")?;
        if d != from[0] {
            return Err(SfError::cannot_perform());
        }
        Ok(vec![d, n])
    }

    fn set_name(obj: &mut DatabaseRole, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (d, old, new) = (&from[0], &from[1], &to[1]);
        for p in ex.cat.database_role_privileges.iter_mut() {
            if p.database == *d && p.role == *old {
                p.role = new.clone();
            }
        }
        for f in ex.cat.future_grants.iter_mut() {
            if f.granted_to_database_role(d, old) {
                f.grantee = new.clone();
            }
        }
        for g in ex.cat.database_role_grants.iter_mut() {
            if g.database != *d {
                continue;
            }
            if g.role == *old {
                g.role = new.clone();
            }
            if g.grantee == DatabaseRoleGrantee::DatabaseRole(old.clone()) {
                g.grantee = DatabaseRoleGrantee::DatabaseRole(new.clone());
            }
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let d = match &s.scope {
            Some(Scope::Database(Some(n))) | Some(Scope::Bare(n)) if n.len() == 1 => n[0].clone(),
            Some(Scope::Database(None)) => ex.current_database("SHOW DATABASE ROLES")?,
            // `SHOW DATABASE ROLES` needs `IN DATABASE d`.
            _ => return Err(SfError::syntax_at(1, 0, "DATABASE ROLES")),
        };
        let db = ex
            .cat
            .databases
            .get(&d)
            .ok_or_else(SfError::cannot_perform)?;
        let mut rows = Vec::new();
        for r in db.database_roles.values() {
            let grants = &ex.cat.database_role_grants;
            let count = |f: &dyn Fn(&crate::catalog::DatabaseRoleGrant) -> bool| {
                grants.iter().filter(|g| g.database == d && f(g)).count() as i64
            };
            let cells = vec![
                ("created_on", ts(r.created_on)),
                ("name", text(&r.name)),
                ("is_default", yn(false)),
                ("is_current", yn(false)),
                ("is_inherited", yn(false)),
                (
                    "granted_to_roles",
                    num(count(&|g| {
                        g.role == r.name && matches!(g.grantee, DatabaseRoleGrantee::Role(_))
                    })),
                ),
                (
                    "granted_to_database_roles",
                    num(count(&|g| {
                        g.role == r.name
                            && matches!(g.grantee, DatabaseRoleGrantee::DatabaseRole(_))
                    })),
                ),
                (
                    "granted_database_roles",
                    num(count(&|g| {
                        g.grantee == DatabaseRoleGrantee::DatabaseRole(r.name.clone())
                    })),
                ),
                ("owner", text(&r.owner)),
                ("comment", text(r.comment.clone().unwrap_or_default())),
                ("owner_role_type", text("ROLE")),
            ];
            rows.push((r.name.clone(), row(COLUMNS, cells)));
        }
        ex.finish(s, COLUMNS, rows, None)
    }
}
