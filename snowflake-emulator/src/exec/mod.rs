//! Statement execution against the catalog, with Snowflake's semantics and
//! messages. Pure with respect to I/O: the server handles locking and persistence.
//!
//! This module dispatches statements and resolves names; the per-kind
//! statements (CREATE / ALTER / DROP / SHOW / DESCRIBE of databases, schemas,
//! ...) live in `crate::kinds`, grants in [`grants`], SHOW helpers and SHOW
//! PARAMETERS in [`show`], SELECT in [`select`].

pub mod grants;
pub mod select;
pub mod show;

use crate::catalog::*;
use crate::error::SfError;
use crate::kinds::{self, CreateSpec, with_kind};
use crate::params;
use crate::parser::*;
use crate::result::*;

pub use show::like;

/// Per-login session state.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: u64,
    pub user: String,
    pub role: String,
    pub secondary_all: bool,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
    pub params: Params,
}

/// Facts about the emulated account.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub edition: String,
}

pub const REGION: &str = "AWS_US_WEST_2";
pub const VERSION: &str = "9.20.0";
pub const ORGANIZATION: &str = "EMULATOR";

/// Outcome of one statement: the result and whether the catalog changed.
pub struct Outcome {
    pub result: QueryResult,
    pub changed: bool,
}

pub fn status(msg: impl Into<String>, changed: bool) -> Result<Outcome, SfError> {
    Ok(Outcome {
        result: QueryResult::status(msg),
        changed,
    })
}

pub(crate) fn done(changed: bool) -> Result<Outcome, SfError> {
    status("Statement executed successfully.", changed)
}

pub struct Exec<'a> {
    pub cat: &'a mut Catalog,
    pub sess: &'a mut Session,
    pub account: &'a Account,
}

impl Exec<'_> {
    pub fn run(&mut self, stmt: Stmt) -> Result<Outcome, SfError> {
        if let Some(refused) = self.authorize(&stmt)? {
            return Ok(refused);
        }
        if matches!(
            stmt,
            Stmt::Create { .. } | Stmt::Drop { .. } | Stmt::Alter { .. }
        ) {
            // DDL waits for other sessions' transactions and commits this one's.
            crate::sql_engine::check_busy(self)?;
            crate::sql_engine::implicit_commit(self)?;
        }
        // Statements that can create or drop tables: the data store follows.
        let tables_change = match &stmt {
            Stmt::Create {
                kind, or_replace, ..
            } => {
                *kind == kinds::Kind::Table
                    || (*or_replace && matches!(kind, kinds::Kind::Database | kinds::Kind::Schema))
            }
            Stmt::Drop { kind, .. } => matches!(
                kind,
                kinds::Kind::Table | kinds::Kind::Database | kinds::Kind::Schema
            ),
            _ => false,
        };
        let out = self.run_stmt(stmt)?;
        if out.changed && tables_change {
            crate::sql_engine::reconcile(self.cat)?;
        }
        Ok(out)
    }

    fn run_stmt(&mut self, stmt: Stmt) -> Result<Outcome, SfError> {
        match stmt {
            Stmt::Create {
                kind,
                or_replace,
                if_not_exists,
                transient,
                managed_access,
                name,
                props,
                columns,
                task,
            } => {
                let spec = CreateSpec {
                    transient,
                    managed_access,
                    columns,
                    task,
                };
                with_kind!(kind, K => kinds::create::<K>(self, or_replace, if_not_exists, &name, &props, spec))
            }
            Stmt::Alter {
                kind,
                if_exists,
                name,
                action,
            } => with_kind!(kind, K => kinds::alter::<K>(self, if_exists, &name, action)),
            Stmt::Drop {
                kind,
                if_exists,
                name,
            } => with_kind!(kind, K => kinds::drop::<K>(self, if_exists, &name)),
            Stmt::AlterSession(a) => {
                set_unset(&mut self.sess.params, a, false)?;
                done(false)
            }
            Stmt::AlterAccount(a) => {
                // The account's resource monitor is not a parameter.
                let (a, monitor) = kinds::resource_monitor::account_assignment(self, a)?;
                set_unset(&mut self.cat.account_params, a, true)?;
                if let Some(monitor) = monitor {
                    self.cat.account_monitor = monitor;
                }
                done(true)
            }
            Stmt::Use(w) => self.use_(w),
            Stmt::Grant {
                privileges,
                target,
                role,
                grant_option,
            } => self.grant(privileges, target, role, grant_option),
            Stmt::Revoke {
                grant_option_for,
                privileges,
                target,
                role,
            } => self.revoke(grant_option_for, privileges, target, role),
            Stmt::GrantRole { role, to } => self.grant_role(role, to),
            Stmt::RevokeRole { role, from } => self.revoke_role(role, from),
            Stmt::GrantOwnership { target, role, copy } => self.grant_ownership(target, role, copy),
            Stmt::GrantToDatabaseRole {
                revoke,
                privileges,
                target,
                role,
            } => self.grant_to_database_role(revoke, privileges, target, role),
            Stmt::GrantDatabaseRole { revoke, role, to } => {
                self.grant_database_role(revoke, role, to)
            }
            Stmt::Show(s) => Ok(Outcome {
                result: self.show(s)?,
                changed: false,
            }),
            Stmt::Describe { kind, name } => Ok(Outcome {
                result: with_kind!(kind, K => <K as kinds::ObjectKind>::describe(self, &name))?,
                changed: false,
            }),
            Stmt::Select(items) => {
                let changed = kinds::task::select_calls(self, &items)?;
                Ok(Outcome {
                    result: self.select(items)?,
                    changed,
                })
            }
            Stmt::ExecuteTask(name) => kinds::task::execute(self, &name),
            Stmt::Transaction(t) => crate::sql_engine::transaction(self, t),
            Stmt::Sql { text, binds } => crate::sql_engine::run(self, &text, &binds),
        }
    }

    // ---------- name resolution ----------

    pub(crate) fn db_exists(&self, db: &str) -> Result<(), SfError> {
        if self.cat.databases.contains_key(db) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Database", db))
        }
    }
    pub(crate) fn role_exists(&self, r: &str) -> Result<(), SfError> {
        if self.cat.roles.contains_key(r) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Role", r))
        }
    }
    pub(crate) fn user_exists(&self, u: &str) -> Result<(), SfError> {
        if self.cat.users.contains_key(u) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("User", u))
        }
    }
    pub(crate) fn wh_exists(&self, w: &str) -> Result<(), SfError> {
        if self.cat.warehouses.contains_key(w) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Warehouse", w))
        }
    }

    pub(crate) fn current_database(&self, op: &str) -> Result<String, SfError> {
        self.sess
            .database
            .clone()
            .ok_or_else(|| SfError::no_current_database(op))
    }

    /// `[db.]schema` with the current database filled in.
    pub(crate) fn schema_path(&self, name: &Name, op: &str) -> Result<(String, String), SfError> {
        match name.len() {
            2 => Ok((name[0].clone(), name[1].clone())),
            _ => Ok((self.current_database(op)?, name[0].clone())),
        }
    }

    /// `[[db.]schema.]object` with the current database and schema filled in.
    pub(crate) fn object_path(
        &self,
        name: &Name,
        op: &str,
    ) -> Result<(String, String, String), SfError> {
        match name.len() {
            3 => Ok((name[0].clone(), name[1].clone(), name[2].clone())),
            2 => Ok((self.current_database(op)?, name[0].clone(), name[1].clone())),
            _ => {
                let db = self.current_database(op)?;
                let sch = self.sess.schema.clone().ok_or_else(|| {
                    SfError::new(
                        "090106",
                        "22000",
                        format!("Cannot perform {op}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name."),
                    )
                })?;
                Ok((db, sch, name[0].clone()))
            }
        }
    }

    /// The schema exists (INFORMATION_SCHEMA always does), else 002003 for
    /// the database or the schema.
    pub(crate) fn schema_exists(&self, db: &str, sch: &str) -> Result<(), SfError> {
        self.db_exists(db)?;
        if sch == "INFORMATION_SCHEMA" || self.cat.databases[db].schemas.contains_key(sch) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Schema", &format!("{db}.{sch}")))
        }
    }

    /// A schema that may hold new objects: not INFORMATION_SCHEMA.
    pub(crate) fn writable_schema(&self, db: &str, sch: &str) -> Result<&Schema, SfError> {
        self.schema_exists(db, sch)?;
        if sch == "INFORMATION_SCHEMA" {
            return Err(SfError::insufficient_privileges("schema", sch));
        }
        Ok(&self.cat.databases[db].schemas[sch])
    }

    // ---------- USE ----------

    fn use_(&mut self, w: UseWhat) -> Result<Outcome, SfError> {
        match w {
            UseWhat::Role(r) => {
                let available = self.available_roles();
                if !self.cat.roles.contains_key(&r) || !available.contains(&r) {
                    return Err(SfError::does_not_exist("Role", &r));
                }
                self.sess.role = r;
            }
            UseWhat::SecondaryRoles(all) => self.sess.secondary_all = all,
            UseWhat::Warehouse(n) => {
                if !self.cat.warehouses.contains_key(&n) {
                    return Err(SfError::cannot_perform());
                }
                self.sess.warehouse = Some(n);
            }
            UseWhat::Database(n) => {
                if !self.cat.databases.contains_key(&n) {
                    return Err(SfError::cannot_perform());
                }
                self.sess.database = Some(n);
                self.sess.schema = Some("PUBLIC".into());
            }
            UseWhat::Schema(n) => {
                let (d, s) = self
                    .schema_path(&n, "USE SCHEMA")
                    .map_err(|_| SfError::cannot_perform())?;
                if self.schema_exists(&d, &s).is_err() {
                    return Err(SfError::cannot_perform());
                }
                self.sess.database = Some(d);
                self.sess.schema = Some(s);
            }
        }
        done(false)
    }

    /// Every role the user can activate: the closure of its granted roles.
    pub fn available_roles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.cat.user_roles(&self.sess.user) {
            for x in self.cat.role_closure(&r) {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
        }
        out.sort();
        out
    }

    /// Roles whose privileges the session has: primary closure plus, with
    /// secondary roles ALL, every available role.
    pub(crate) fn session_roles(&self) -> Vec<String> {
        if self.sess.secondary_all {
            self.available_roles()
        } else {
            self.cat.role_closure(&self.sess.role)
        }
    }

    /// Ownership passes from `old` to `new` (a role dropped or renamed),
    /// and so does every grant `old` made.
    pub(crate) fn rename_owner(&mut self, old: &str, new: &str) {
        let fix = |o: &mut String| {
            if o == old {
                *o = new.to_string();
            }
        };
        for db in self.cat.databases.values_mut() {
            fix(&mut db.owner);
            for s in db.schemas.values_mut() {
                fix(&mut s.owner);
                for t in s.tables.values_mut() {
                    fix(&mut t.owner);
                }
                for t in s.tasks.values_mut() {
                    fix(&mut t.owner);
                }
            }
        }
        for w in self.cat.warehouses.values_mut() {
            fix(&mut w.owner);
        }
        for r in self.cat.roles.values_mut() {
            fix(&mut r.owner);
        }
        for u in self.cat.users.values_mut() {
            fix(&mut u.owner);
        }
        for g in self.cat.grants.iter_mut() {
            fix(&mut g.granted_by);
        }
        for g in self.cat.role_grants.iter_mut() {
            fix(&mut g.granted_by);
        }
    }
}

/// ALTER SESSION / ALTER ACCOUNT { SET k = v ... | UNSET k, ... }.
fn set_unset(map: &mut Params, a: AlterAction, validate: bool) -> Result<(), SfError> {
    match a {
        AlterAction::Set(props) => {
            for (k, v) in props {
                if v == Value::Null {
                    map.remove(&k);
                    continue;
                }
                if validate {
                    params::validate(&k, &v)?;
                }
                map.insert(k, v.text());
            }
        }
        AlterAction::Unset(names) => {
            for k in names {
                map.remove(&k);
            }
        }
        _ => unreachable!("the parser builds only SET/UNSET for sessions and the account"),
    }
    Ok(())
}

#[cfg(test)]
mod tests;
