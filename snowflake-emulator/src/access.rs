//! Access control, as Snowflake's "Overview of access control" and the
//! statements' "Access control requirements" describe it.
//!
//! - A session acts with its *primary* role (`USE ROLE`) and, with
//!   `USE SECONDARY ROLES ALL` (the default of `DEFAULT_SECONDARY_ROLES`), every
//!   other role granted to its user; each role brings the roles granted to it
//!   (the hierarchy) and PUBLIC. The authority to CREATE comes from the
//!   primary role alone (USE SECONDARY ROLES); everything else from all of them.
//! - The system roles hold account privileges from the start (SYSADMIN:
//!   CREATE DATABASE, CREATE WAREHOUSE; SECURITYADMIN: MANAGE GRANTS; USERADMIN:
//!   CREATE USER, CREATE ROLE) and ACCOUNTADMIN inherits them all; the emulator
//!   lets ACCOUNTADMIN do and see everything.
//! - An object is visible to a session when one of its roles owns it or holds
//!   any privilege on it (MANAGE GRANTS sees everything); an invisible object
//!   is reported exactly like a missing one (`002003 ... does not exist or not
//!   authorized.`). A visible object the session may not operate on gives
//!   `003001 Insufficient privileges to operate on <kind> '<name>'`.
//!
//! The statements call `Exec::authorize` once before they run (one place,
//! `exec::Exec::run`) and `SHOW <objects>` filters its rows through
//! `Exec::show_visible`; nothing here changes the catalog.

use crate::catalog::*;
use crate::error::SfError;
use crate::exec::{Exec, Outcome, status};
use crate::kinds::{Kind, ObjectKind, Path, with_kind};
use crate::parser::*;
use crate::result::QueryResult;

/// The role that may do everything.
pub const ACCOUNTADMIN: &str = "ACCOUNTADMIN";

/// Account privileges the system roles hold in a new account ("System-defined
/// roles"); ACCOUNTADMIN inherits them through SYSADMIN and SECURITYADMIN.
/// They are implicit: SHOW GRANTS does not list them.
const SYSTEM_PRIVILEGES: &[(&str, &[&str])] = &[
    ("SYSADMIN", &["CREATE DATABASE", "CREATE WAREHOUSE"]),
    ("SECURITYADMIN", &["MANAGE GRANTS"]),
    ("USERADMIN", &["CREATE USER", "CREATE ROLE"]),
];

/// The kind and path of a securable object, when the emulator keeps such objects.
fn kind_of(t: &Target) -> Option<(Kind, Path)> {
    Some(match t {
        Target::Account => return None,
        Target::Database(d) => (Kind::Database, vec![d.clone()]),
        Target::Schema(d, s) => (Kind::Schema, vec![d.clone(), s.clone()]),
        Target::Warehouse(w) => (Kind::Warehouse, vec![w.clone()]),
        Target::Role(r) => (Kind::Role, vec![r.clone()]),
        Target::User(u) => (Kind::User, vec![u.clone()]),
        Target::ResourceMonitor(m) => (Kind::ResourceMonitor, vec![m.clone()]),
        Target::DatabaseRole(d, r) => (Kind::DatabaseRole, vec![d.clone(), r.clone()]),
        Target::Object(k, d, s, o) => {
            let kind = Kind::from_keyword(k).filter(|k| k.max_parts() == 3)?;
            (kind, vec![d.clone(), s.clone(), o.clone()])
        }
    })
}

impl Exec<'_> {
    // ---------- who holds what ----------

    /// The primary role and what it inherits: the authority to CREATE.
    pub(crate) fn primary_roles(&self) -> Vec<String> {
        self.cat.role_closure(&self.sess.role)
    }

    /// Whether `roles` include ACCOUNTADMIN.
    fn admin(roles: &[String]) -> bool {
        roles.iter().any(|r| r == ACCOUNTADMIN)
    }

    /// Whether one of `roles` holds the account privilege `p`.
    pub(crate) fn holds_account(&self, roles: &[String], p: &str) -> bool {
        Self::admin(roles)
            || roles.iter().any(|r| {
                SYSTEM_PRIVILEGES
                    .iter()
                    .any(|(role, privs)| role == r && privs.contains(&p))
            })
            || self.cat.grants.iter().any(|g| {
                g.target == Target::Account && g.privilege == p && roles.contains(&g.grantee)
            })
    }

    /// The owner of a securable object (None: missing, or not kept).
    pub(crate) fn owner_of_target(&self, t: &Target) -> Option<String> {
        let (kind, path) = kind_of(t)?;
        with_kind!(kind, K => K::get(self.cat, &path).map(|o| K::owner(o).to_string()))
    }

    pub(crate) fn exists(&self, t: &Target) -> bool {
        *t == Target::Account || self.owner_of_target(t).is_some()
    }

    /// Whether one of `roles` owns `t`.
    pub(crate) fn owns(&self, roles: &[String], t: &Target) -> bool {
        Self::admin(roles)
            || self
                .owner_of_target(t)
                .is_some_and(|o| !o.is_empty() && roles.contains(&o))
    }

    /// Whether one of `roles` owns `t` or holds privilege `p` on it.
    pub(crate) fn holds(&self, roles: &[String], t: &Target, p: &str) -> bool {
        self.owns(roles, t)
            || self
                .cat
                .grants
                .iter()
                .any(|g| g.target == *t && g.privilege == p && roles.contains(&g.grantee))
    }

    /// Whether the session sees every object: ACCOUNTADMIN or MANAGE GRANTS.
    pub(crate) fn sees_all(&self) -> bool {
        let roles = self.session_roles();
        self.holds_account(&roles, "MANAGE GRANTS")
    }

    /// Whether the session may see `t`: ownership or any privilege on it
    /// through its roles (INFORMATION_SCHEMA and the schemas of an imported
    /// database with their database; a role granted to the session; the
    /// session's own user).
    pub(crate) fn visible(&self, t: &Target) -> bool {
        if self.sees_all() {
            return true;
        }
        let roles = self.session_roles();
        match t {
            Target::Schema(d, s)
                if s == "INFORMATION_SCHEMA"
                    || self
                        .cat
                        .databases
                        .get(d)
                        .is_some_and(|db| db.origin.is_some()) =>
            {
                return self.visible(&Target::Database(d.clone()));
            }
            Target::Role(r) if roles.contains(r) => return true,
            Target::User(u) if *u == self.sess.user => return true,
            _ => {}
        }
        self.owns(&roles, t)
            || self
                .cat
                .grants
                .iter()
                .any(|g| g.target == *t && roles.contains(&g.grantee))
    }

    // ---------- refusals ----------

    /// The error for an object that is missing or not visible.
    pub(crate) fn missing(&self, t: &Target) -> SfError {
        match kind_of(t) {
            Some((kind, path)) => with_kind!(kind, K => K::not_found(self, &path)),
            None => match t {
                Target::Object(_, d, s, o) => {
                    SfError::no_such_object("Object", &format!("{d}.{s}.{o}"))
                }
                _ => self.insufficient(t),
            },
        }
    }

    /// `003001 Insufficient privileges to operate on <kind> '<name>'`.
    pub(crate) fn insufficient(&self, t: &Target) -> SfError {
        let name = match t {
            Target::Account => self.account.name.clone(),
            Target::Database(n)
            | Target::Warehouse(n)
            | Target::Role(n)
            | Target::User(n)
            | Target::ResourceMonitor(n) => n.clone(),
            Target::Schema(_, s) | Target::DatabaseRole(_, s) => s.clone(),
            Target::Object(_, _, _, o) => o.clone(),
        };
        SfError::insufficient_privileges(&t.kind().to_ascii_lowercase(), &name)
    }

    /// Whether the schema `d.s` has managed access.
    fn managed(&self, d: &str, s: &str) -> bool {
        self.cat
            .databases
            .get(d)
            .and_then(|db| db.schemas.get(s))
            .is_some_and(|sc| sc.managed_access)
    }

    // ---------- the statements ----------

    /// Check that the session may run `stmt`. `Ok(Some(outcome))` ends the
    /// statement there (IF EXISTS on an object the session cannot see);
    /// `Ok(None)` lets it run. Errors the statement reports itself (a
    /// missing object, no current database) are left to it.
    pub(crate) fn authorize(&self, stmt: &Stmt) -> Result<Option<Outcome>, SfError> {
        match stmt {
            Stmt::Create {
                kind,
                or_replace,
                name,
                props,
                ..
            } => with_kind!(*kind, K => self.authorize_create::<K>(name, *or_replace, props)),
            Stmt::Alter {
                kind,
                if_exists,
                name,
                action,
            } => with_kind!(*kind, K => self.authorize_alter::<K>(*if_exists, name, action)),
            Stmt::Drop {
                kind,
                if_exists,
                name,
            } => with_kind!(*kind, K => self.authorize_drop::<K>(*if_exists, name)),
            Stmt::Describe { kind, name } => {
                with_kind!(*kind, K => self.authorize_describe::<K>(name))
            }
            Stmt::AlterAccount(_) => {
                if Self::admin(&self.session_roles()) {
                    Ok(None)
                } else {
                    Err(self.insufficient(&Target::Account))
                }
            }
            Stmt::Use(w) => self.authorize_use(w),
            Stmt::Grant {
                privileges, target, ..
            }
            | Stmt::Revoke {
                privileges, target, ..
            } => self.authorize_grant(target, privileges),
            Stmt::GrantOwnership { target, .. } => {
                self.authorize_grant(target, &["OWNERSHIP".to_string()])
            }
            Stmt::GrantRole { role, .. } | Stmt::RevokeRole { role, .. } => {
                self.authorize_role_grant(role)
            }
            Stmt::GrantToDatabaseRole {
                privileges, target, ..
            } => self.authorize_grant(target, privileges),
            Stmt::GrantDatabaseRole { role, .. } => match self.database_role_path(role) {
                Ok((d, r)) => self.authorize_database_role_grant(&Target::DatabaseRole(d, r)),
                Err(_) => Ok(None),
            },
            Stmt::Show(s) => self.authorize_show(s),
            Stmt::ExecuteTask(name) => {
                with_kind!(Kind::Task, K => self.authorize_execute::<K>(name))
            }
            // Table data: checked per table in `sql_engine::check_table_access`.
            Stmt::AlterSession(_) | Stmt::Select(_) | Stmt::Transaction(_) | Stmt::Sql { .. } => {
                Ok(None)
            }
        }
    }

    /// CREATE: the privilege on the account or the container, held by the
    /// primary role, and the account privilege its properties need (a
    /// warehouse's resource monitor); OR REPLACE also needs ownership of the
    /// object replaced.
    fn authorize_create<K: ObjectKind>(
        &self,
        name: &Name,
        or_replace: bool,
        props: &[crate::parser::Prop],
    ) -> Result<Option<Outcome>, SfError> {
        let Ok(path) = K::path(self, name, "CREATE") else {
            return Ok(None);
        };
        let (privilege, container) = K::create_privilege(&path);
        if let Target::Schema(d, _) = &container {
            let db = Target::Database(d.clone());
            if self.exists(&db) && !self.visible(&db) {
                return Err(self.missing(&db));
            }
        }
        if !self.exists(&container) {
            return Ok(None);
        }
        if container != Target::Account && !self.visible(&container) {
            return Err(self.missing(&container));
        }
        let primary = self.primary_roles();
        let allowed = match &container {
            Target::Account => self.holds_account(&primary, privilege),
            t => self.holds(&primary, t, privilege),
        };
        if !allowed {
            return Err(self.insufficient(&container));
        }
        if let Some(p) = K::create_account_privilege(props)
            && !self.holds_account(&primary, p)
        {
            return Err(self.insufficient(&Target::Account));
        }
        let target = K::securable(&path);
        if or_replace && self.exists(&target) && !self.owns(&self.session_roles(), &target) {
            return Err(self.insufficient(&target));
        }
        Ok(None)
    }

    /// An existing object the session cannot see: as if it were missing.
    fn hidden<K: ObjectKind>(&self, path: &[String]) -> bool {
        K::get(self.cat, path).is_some() && !self.visible(&K::securable(path))
    }

    /// ALTER: ownership, or the kind's privilege for the action (MODIFY,
    /// OPERATE), plus the account privilege the action needs.
    fn authorize_alter<K: ObjectKind>(
        &self,
        if_exists: bool,
        name: &Name,
        action: &AlterAction,
    ) -> Result<Option<Outcome>, SfError> {
        let Ok(path) = K::path(self, name, "ALTER") else {
            return Ok(None);
        };
        if K::get(self.cat, &path).is_none() {
            return Ok(None);
        }
        if K::self_service(self, &path, action) {
            return Ok(None);
        }
        if self.hidden::<K>(&path) {
            if if_exists {
                return status("Statement executed successfully.", false).map(Some);
            }
            return Err(K::not_found(self, &path));
        }
        let t = K::securable(&path);
        let roles = self.session_roles();
        let allowed = self.owns(&roles, &t)
            || K::alter_privilege(action).is_some_and(|p| self.holds(&roles, &t, p));
        if !allowed {
            return Err(self.insufficient(&t));
        }
        if let Some(p) = K::alter_account_privilege(action)
            && !self.holds_account(&roles, p)
        {
            return Err(self.insufficient(&Target::Account));
        }
        Ok(None)
    }

    /// DROP: ownership.
    fn authorize_drop<K: ObjectKind>(
        &self,
        if_exists: bool,
        name: &Name,
    ) -> Result<Option<Outcome>, SfError> {
        let Ok(path) = K::path(self, name, "DROP") else {
            return Ok(None);
        };
        if K::get(self.cat, &path).is_none() {
            return Ok(None);
        }
        if self.hidden::<K>(&path) {
            if if_exists {
                let n = crate::kinds::leaf(&path);
                return status(
                    format!("Drop statement executed successfully ({n} already dropped)."),
                    false,
                )
                .map(Some);
            }
            return Err(K::not_found(self, &path));
        }
        let t = K::securable(&path);
        if !self.owns(&self.session_roles(), &t) {
            return Err(self.insufficient(&t));
        }
        Ok(None)
    }

    /// DESCRIBE: the object must be visible.
    fn authorize_describe<K: ObjectKind>(&self, name: &Name) -> Result<Option<Outcome>, SfError> {
        match K::path(self, name, "DESCRIBE") {
            Ok(path) if self.hidden::<K>(&path) => Err(K::not_found(self, &path)),
            _ => Ok(None),
        }
    }

    /// EXECUTE TASK: ownership or OPERATE on the task, and EXECUTE TASK on the account.
    fn authorize_execute<K: ObjectKind>(&self, name: &Name) -> Result<Option<Outcome>, SfError> {
        let Ok(path) = K::path(self, name, "EXECUTE TASK") else {
            return Ok(None);
        };
        if K::get(self.cat, &path).is_none() {
            return Ok(None);
        }
        if self.hidden::<K>(&path) {
            return Err(K::not_found(self, &path));
        }
        let t = K::securable(&path);
        let roles = self.session_roles();
        if !self.holds(&roles, &t, "OPERATE") {
            return Err(self.insufficient(&t));
        }
        if !self.holds_account(&roles, "EXECUTE TASK") {
            return Err(self.insufficient(&Target::Account));
        }
        Ok(None)
    }

    /// USE WAREHOUSE needs USAGE; USE DATABASE / SCHEMA a visible object.
    /// (USE ROLE checks the user's roles itself.)
    fn authorize_use(&self, w: &UseWhat) -> Result<Option<Outcome>, SfError> {
        let t = match w {
            UseWhat::Warehouse(n) => Target::Warehouse(n.clone()),
            UseWhat::Database(n) => Target::Database(n.clone()),
            UseWhat::Schema(n) => match self.schema_path(n, "USE SCHEMA") {
                Ok((d, s)) => Target::Schema(d, s),
                Err(_) => return Ok(None),
            },
            UseWhat::Role(_) | UseWhat::SecondaryRoles(_) => return Ok(None),
        };
        if !self.exists(&t) {
            return Ok(None);
        }
        if let Target::Schema(d, _) = &t
            && !self.visible(&Target::Database(d.clone()))
        {
            return Err(SfError::cannot_perform());
        }
        if !self.visible(&t) {
            return Err(SfError::cannot_perform());
        }
        if matches!(t, Target::Warehouse(_)) && !self.holds(&self.session_roles(), &t, "USAGE") {
            return Err(self.insufficient(&t));
        }
        Ok(None)
    }

    /// GRANT / REVOKE (privileges or OWNERSHIP): MANAGE GRANTS, else
    /// ownership of the object (in a managed-access schema: of the schema),
    /// or, for privileges other than OWNERSHIP, holding them WITH GRANT
    /// OPTION. Privileges on the account and future grants need MANAGE
    /// GRANTS (future grants in a managed-access schema: or its owner).
    fn authorize_grant(
        &self,
        target: &GrantTarget,
        privs: &[String],
    ) -> Result<Option<Outcome>, SfError> {
        let roles = self.session_roles();
        let manage_grants = self.holds_account(&roles, "MANAGE GRANTS");
        match target {
            GrantTarget::Account if !manage_grants => Err(self.insufficient(&Target::Account)),
            GrantTarget::Account => Ok(None),
            GrantTarget::Future(_, in_schema, n) => {
                let Ok(scope) = self.future_scope(*in_schema, n) else {
                    return Ok(None);
                };
                if manage_grants {
                    return Ok(None);
                }
                let t = match scope {
                    FutureScope::Database(d) => Target::Database(d),
                    FutureScope::Schema(d, s) => {
                        if self.managed(&d, &s)
                            && self.owns(&roles, &Target::Schema(d.clone(), s.clone()))
                        {
                            return Ok(None);
                        }
                        Target::Schema(d, s)
                    }
                };
                if self.visible(&t) {
                    Err(self.insufficient(&t))
                } else {
                    Err(self.missing(&t))
                }
            }
            _ => {
                let Ok(targets) = self.expand_targets(target) else {
                    return Ok(None);
                };
                if manage_grants {
                    return Ok(None);
                }
                for t in &targets {
                    self.may_grant_on(&roles, t, privs)?;
                }
                Ok(None)
            }
        }
    }

    fn may_grant_on(&self, roles: &[String], t: &Target, privs: &[String]) -> Result<(), SfError> {
        if let Target::Object(_, d, s, _) = t
            && self.managed(d, s)
        {
            return if self.owns(roles, &Target::Schema(d.clone(), s.clone())) {
                Ok(())
            } else if self.visible(t) {
                Err(self.insufficient(t))
            } else {
                Err(self.missing(t))
            };
        }
        if !self.visible(t) {
            return Err(self.missing(t));
        }
        let with_grant_option = |p: &String| {
            p != "OWNERSHIP"
                && p != "ALL"
                && self.cat.grants.iter().any(|g| {
                    g.target == *t
                        && g.privilege == *p
                        && g.grant_option
                        && roles.contains(&g.grantee)
                })
        };
        if self.owns(roles, t) || privs.iter().all(with_grant_option) {
            Ok(())
        } else {
            Err(self.insufficient(t))
        }
    }

    /// GRANT / REVOKE ROLE: ownership of the role granted, or MANAGE GRANTS.
    fn authorize_role_grant(&self, role: &str) -> Result<Option<Outcome>, SfError> {
        let roles = self.session_roles();
        let t = Target::Role(role.to_string());
        if !self.exists(&t) || self.holds_account(&roles, "MANAGE GRANTS") || self.owns(&roles, &t)
        {
            return Ok(None);
        }
        if self.visible(&t) {
            Err(self.insufficient(&t))
        } else {
            Err(self.missing(&t))
        }
    }

    /// `GRANT DATABASE ROLE`: ownership of the database role, or MANAGE GRANTS.
    fn authorize_database_role_grant(&self, t: &Target) -> Result<Option<Outcome>, SfError> {
        let roles = self.session_roles();
        if !self.exists(t) || self.holds_account(&roles, "MANAGE GRANTS") || self.owns(&roles, t) {
            return Ok(None);
        }
        if self.visible(t) {
            Err(self.insufficient(t))
        } else {
            Err(self.missing(t))
        }
    }

    /// SHOW GRANTS and SHOW ... IN <container> on objects the session cannot see.
    fn authorize_show(&self, s: &Show) -> Result<Option<Outcome>, SfError> {
        let hidden = |t: &Target| self.exists(t) && !self.visible(t);
        match &s.what {
            ShowWhat::Grants(g) => {
                let t = match g {
                    ShowGrants::On(t) => match self.resolve_target(t) {
                        Ok(t) => t,
                        Err(_) => return Ok(None),
                    },
                    ShowGrants::To(GranteeSpec::Role(r))
                    | ShowGrants::Of(r)
                    | ShowGrants::FutureTo(r) => Target::Role(r.clone()),
                    ShowGrants::To(GranteeSpec::User(u)) => Target::User(u.clone()),
                    ShowGrants::FutureIn(in_schema, n) => match self.future_scope(*in_schema, n) {
                        Ok(FutureScope::Database(d)) => Target::Database(d),
                        Ok(FutureScope::Schema(d, s)) => Target::Schema(d, s),
                        Err(_) => return Ok(None),
                    },
                    ShowGrants::Current => return Ok(None),
                    ShowGrants::ToDatabaseRole(n)
                    | ShowGrants::OfDatabaseRole(n)
                    | ShowGrants::FutureToDatabaseRole(n) => match self.database_role_path(n) {
                        Ok((d, r)) => Target::DatabaseRole(d, r),
                        Err(_) => return Ok(None),
                    },
                };
                if hidden(&t) {
                    return Err(self.missing(&t));
                }
                Ok(None)
            }
            ShowWhat::Objects(_) => {
                let t = match &s.scope {
                    Some(Scope::Database(Some(n))) if n.len() == 1 => {
                        Target::Database(n[0].clone())
                    }
                    Some(Scope::Bare(n)) if n.len() == 1 => Target::Database(n[0].clone()),
                    Some(Scope::Schema(Some(n))) | Some(Scope::Bare(n)) => {
                        match self.schema_path(n, "SHOW") {
                            Ok((d, s)) => Target::Schema(d, s),
                            Err(_) => return Ok(None),
                        }
                    }
                    _ => return Ok(None),
                };
                if hidden(&t) {
                    return Err(SfError::cannot_perform());
                }
                Ok(None)
            }
            ShowWhat::Parameters => {
                let t = match &s.scope {
                    Some(Scope::Database(Some(n))) => Target::Database(n[0].clone()),
                    Some(Scope::Warehouse(Some(n))) => Target::Warehouse(n[0].clone()),
                    Some(Scope::Schema(Some(n))) => match self.schema_path(n, "SHOW PARAMETERS") {
                        Ok((d, s)) => Target::Schema(d, s),
                        Err(_) => return Ok(None),
                    },
                    _ => return Ok(None),
                };
                if hidden(&t) {
                    return Err(self.missing(&t));
                }
                Ok(None)
            }
        }
    }

    /// `SHOW <objects>` listing only what the session may see. LIMIT applies
    /// to the visible rows.
    pub(crate) fn show_visible<K: ObjectKind>(&self, s: &Show) -> Result<QueryResult, SfError> {
        if self.sees_all() {
            return K::show(self, s);
        }
        let mut unlimited = s.clone();
        if s.limit.is_some_and(|l| l <= 10_000) {
            unlimited.limit = None;
        }
        let mut r = K::show(self, &unlimited)?;
        let col = |name: &str| r.columns.iter().position(|c| c.name == name);
        let parts: Vec<usize> = match K::MAX_PARTS {
            1 => vec![col("name")],
            2 => vec![col("database_name"), col("name")],
            _ => vec![col("database_name"), col("schema_name"), col("name")],
        }
        .into_iter()
        .map(|i| i.expect("SHOW output names its objects"))
        .collect();
        r.rows.retain(|row| {
            let path: Path = parts
                .iter()
                .map(|&i| row[i].clone().unwrap_or_default())
                .collect();
            self.visible(&K::securable(&path))
        });
        if let Some(l) = s.limit {
            r.rows.truncate(l);
        }
        Ok(r)
    }
}
