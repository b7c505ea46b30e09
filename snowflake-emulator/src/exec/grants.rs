//! GRANT / REVOKE of privileges, roles and ownership, future grants, and
//! SHOW GRANTS in all its forms.

use super::{Exec, Outcome, done};
use crate::catalog::*;
use crate::error::SfError;
use crate::parser::*;
use crate::privileges;
use crate::result::*;
use crate::show_columns as cols;

fn q(part: &str) -> String {
    let plain = part
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && part
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        part.to_string()
    } else {
        format!("\"{}\"", part.replace('"', "\"\""))
    }
}

pub fn target_name(t: &Target, account: &str) -> String {
    match t {
        Target::Account => account.to_string(),
        Target::Database(d)
        | Target::Warehouse(d)
        | Target::Role(d)
        | Target::User(d)
        | Target::ResourceMonitor(d) => d.clone(),
        Target::Schema(d, s) | Target::DatabaseRole(d, s) => format!("{}.{}", q(d), q(s)),
        Target::Object(_, d, s, o) => format!("{}.{}.{}", q(d), q(s), q(o)),
    }
}

/// Case-insensitive LIKE with `%`, `_` and backslash escapes.
impl Exec<'_> {
    pub(crate) fn resolve_target(&self, t: &GrantTarget) -> Result<Target, SfError> {
        Ok(match t {
            GrantTarget::Account => Target::Account,
            GrantTarget::Database(n) => {
                self.db_exists(&n[0])?;
                Target::Database(n[0].clone())
            }
            GrantTarget::Schema(n) => {
                let (d, s) = self.schema_path(n, "GRANT")?;
                self.schema_exists(&d, &s)?;
                Target::Schema(d, s)
            }
            GrantTarget::Warehouse(n) => {
                self.wh_exists(&n[0])?;
                Target::Warehouse(n[0].clone())
            }
            GrantTarget::Role(n) => {
                self.role_exists(&n[0])?;
                Target::Role(n[0].clone())
            }
            GrantTarget::User(n) => {
                self.user_exists(&n[0])?;
                Target::User(n[0].clone())
            }
            GrantTarget::Object(kind, n) => {
                let (d, s, o) = self.object_path(n, "GRANT")?;
                self.schema_exists(&d, &s)?;
                let t = Target::Object(kind.clone(), d, s, o);
                if !self.exists(&t) {
                    return Err(self.missing(&t));
                }
                t
            }
            GrantTarget::All(..) | GrantTarget::Future(..) => {
                unreachable!("expanded by the caller")
            }
        })
    }

    pub(crate) fn owner_of(&self, t: &Target) -> Option<String> {
        match t {
            Target::Account => None,
            Target::Database(d) => self.cat.databases.get(d).map(|x| x.owner.clone()),
            Target::Schema(d, s) => self
                .cat
                .databases
                .get(d)?
                .schemas
                .get(s)
                .map(|x| x.owner.clone()),
            Target::Warehouse(w) => self.cat.warehouses.get(w).map(|x| x.owner.clone()),
            Target::Role(r) => self.cat.roles.get(r).map(|x| x.owner.clone()),
            Target::User(u) => self.cat.users.get(u).map(|x| x.owner.clone()),
            Target::Object(..) | Target::ResourceMonitor(_) | Target::DatabaseRole(..) => {
                self.owner_of_target(t)
            }
        }
    }

    pub(crate) fn set_owner(&mut self, t: &Target, role: &str) {
        let r = role.to_string();
        match t {
            Target::Account => {}
            Target::Database(d) => self.cat.databases.get_mut(d).unwrap().owner = r,
            Target::Schema(d, s) => {
                self.cat
                    .databases
                    .get_mut(d)
                    .unwrap()
                    .schemas
                    .get_mut(s)
                    .unwrap()
                    .owner = r
            }
            Target::Warehouse(w) => self.cat.warehouses.get_mut(w).unwrap().owner = r,
            Target::Role(x) => self.cat.roles.get_mut(x).unwrap().owner = r,
            Target::User(u) => self.cat.users.get_mut(u).unwrap().owner = r,
            Target::ResourceMonitor(m) => self.cat.resource_monitors.get_mut(m).unwrap().owner = r,
            Target::DatabaseRole(d, x) => {
                self.cat
                    .databases
                    .get_mut(d)
                    .unwrap()
                    .database_roles
                    .get_mut(x)
                    .unwrap()
                    .owner = r
            }
            Target::Object(k, d, s, o) => {
                let sc = self
                    .cat
                    .databases
                    .get_mut(d)
                    .unwrap()
                    .schemas
                    .get_mut(s)
                    .unwrap();
                match k.as_str() {
                    "TASK" => sc.tasks.get_mut(o).unwrap().owner = r,
                    _ => sc.tables.get_mut(o).unwrap().owner = r,
                }
            }
        }
    }

    /// Future grants that apply to a new object of `ty` in `db`(.`sch`):
    /// schema-level ones win over database-level ones.
    pub(crate) fn apply_future(&mut self, ty: &str, db: &str, sch: Option<&str>, target: Target) {
        let schema_level: Vec<FutureGrant> = match sch {
            Some(s) => self
                .cat
                .future_grants
                .iter()
                .filter(|f| {
                    f.object_type == ty && f.scope == FutureScope::Schema(db.into(), s.into())
                })
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let fgs = if schema_level.is_empty() {
            self.cat
                .future_grants
                .iter()
                .filter(|f| f.object_type == ty && f.scope == FutureScope::Database(db.into()))
                .cloned()
                .collect()
        } else {
            schema_level
        };
        let t = now_ms();
        for f in fgs {
            if f.to_database_role {
                self.cat
                    .database_role_privileges
                    .push(DatabaseRolePrivilege {
                        created_on: t,
                        privilege: f.privilege.clone(),
                        target: target.clone(),
                        database: db.to_string(),
                        role: f.grantee.clone(),
                        granted_by: self.owner_of(&target).unwrap_or_default(),
                    });
            } else if f.privilege == "OWNERSHIP" {
                self.set_owner(&target, &f.grantee);
            } else {
                let granted_by = self.owner_of(&target).unwrap_or_default();
                self.cat.grants.push(Grant {
                    created_on: t,
                    privilege: f.privilege.clone(),
                    target: target.clone(),
                    grantee: f.grantee.clone(),
                    grant_option: f.grant_option,
                    granted_by,
                });
            }
        }
    }
    pub(crate) fn expand_targets(&self, target: &GrantTarget) -> Result<Vec<Target>, SfError> {
        match target {
            GrantTarget::All(ty, in_schema, n) => {
                let mut out = Vec::new();
                if *in_schema {
                    let (d, s) = self.schema_path(n, "GRANT")?;
                    self.schema_exists(&d, &s)?;
                    if ty == "TABLE"
                        && let Some(sc) = self.cat.databases[&d].schemas.get(&s)
                    {
                        for t in sc.tables.keys() {
                            out.push(Target::Object(
                                "TABLE".into(),
                                d.clone(),
                                s.clone(),
                                t.clone(),
                            ));
                        }
                    }
                } else {
                    self.db_exists(&n[0])?;
                    let db = &self.cat.databases[&n[0]];
                    for sc in db.schemas.values() {
                        if ty == "SCHEMA" {
                            out.push(Target::Schema(n[0].clone(), sc.name.clone()));
                        } else if ty == "TABLE" {
                            for t in sc.tables.keys() {
                                out.push(Target::Object(
                                    "TABLE".into(),
                                    n[0].clone(),
                                    sc.name.clone(),
                                    t.clone(),
                                ));
                            }
                        }
                    }
                }
                Ok(out)
            }
            other => Ok(vec![self.resolve_target(other)?]),
        }
    }

    pub(crate) fn future_scope(&self, in_schema: bool, n: &Name) -> Result<FutureScope, SfError> {
        if in_schema {
            let (d, s) = self.schema_path(n, "GRANT")?;
            self.schema_exists(&d, &s)?;
            Ok(FutureScope::Schema(d, s))
        } else {
            self.db_exists(&n[0])?;
            Ok(FutureScope::Database(n[0].clone()))
        }
    }

    /// Records future grants of `privs` on new `ty` objects of `scope` to
    /// `grantee` (a database role of the scope's database when
    /// `to_database_role`).
    fn grant_future(
        &mut self,
        privs: Vec<String>,
        ty: &str,
        scope: FutureScope,
        grantee: &str,
        to_database_role: bool,
        grant_option: bool,
    ) {
        let privs = if privs == ["ALL"] {
            privileges::all(ty)
        } else {
            privs
        };
        for p in privs {
            if let Some(f) = self.cat.future_grants.iter_mut().find(|f| {
                f.privilege == p
                    && f.object_type == ty
                    && f.scope == scope
                    && f.grantee == grantee
                    && f.to_database_role == to_database_role
            }) {
                f.grant_option |= grant_option;
            } else {
                self.cat.future_grants.push(FutureGrant {
                    created_on: now_ms(),
                    privilege: p,
                    object_type: ty.to_string(),
                    scope: scope.clone(),
                    grantee: grantee.to_string(),
                    grant_option,
                    to_database_role,
                });
            }
        }
    }

    pub(crate) fn grant(
        &mut self,
        privs: Vec<String>,
        target: GrantTarget,
        role: String,
        grant_option: bool,
    ) -> Result<Outcome, SfError> {
        let t = now_ms();
        if let GrantTarget::Future(ty, in_schema, n) = &target {
            let scope = self.future_scope(*in_schema, n)?;
            self.role_exists(&role)?;
            self.grant_future(privs, ty, scope, &role, false, grant_option);
            return done(true);
        }
        let targets = self.expand_targets(&target)?;
        self.role_exists(&role)?;
        for tg in targets {
            let list = if privs == ["ALL"] {
                privileges::all(&tg.kind())
            } else {
                privs.clone()
            };
            for p in list {
                if let Some(g) = self
                    .cat
                    .grants
                    .iter_mut()
                    .find(|g| g.privilege == p && g.target == tg && g.grantee == role)
                {
                    g.grant_option |= grant_option;
                } else {
                    self.cat.grants.push(Grant {
                        created_on: t,
                        privilege: p,
                        target: tg.clone(),
                        grantee: role.clone(),
                        grant_option,
                        granted_by: self.sess.role.clone(),
                    });
                }
            }
        }
        done(true)
    }

    pub(crate) fn revoke(
        &mut self,
        grant_option_for: bool,
        privs: Vec<String>,
        target: GrantTarget,
        role: String,
    ) -> Result<Outcome, SfError> {
        let all = privs == ["ALL"];
        if let GrantTarget::Future(ty, in_schema, n) = &target {
            let scope = self.future_scope(*in_schema, n)?;
            self.role_exists(&role)?;
            let matches = |f: &FutureGrant| {
                f.object_type == *ty
                    && f.scope == scope
                    && f.to_role(&role)
                    && (all || privs.contains(&f.privilege))
            };
            if grant_option_for {
                self.cat
                    .future_grants
                    .iter_mut()
                    .filter(|f| matches(f))
                    .for_each(|f| f.grant_option = false);
            } else {
                self.cat.future_grants.retain(|f| !matches(f));
            }
            return done(true);
        }
        let targets = self.expand_targets(&target)?;
        self.role_exists(&role)?;
        for tg in targets {
            let matches = |g: &Grant| {
                g.target == tg
                    && g.grantee == role
                    && (all || privs.contains(&g.privilege))
                    && g.privilege != "OWNERSHIP"
            };
            if grant_option_for {
                self.cat
                    .grants
                    .iter_mut()
                    .filter(|g| matches(g))
                    .for_each(|g| g.grant_option = false);
            } else {
                self.cat.grants.retain(|g| !matches(g));
            }
        }
        done(true)
    }

    pub(crate) fn grant_role(&mut self, role: String, to: GranteeSpec) -> Result<Outcome, SfError> {
        self.role_exists(&role)?;
        let grantee = match to {
            GranteeSpec::Role(r) => {
                self.role_exists(&r)?;
                if self.cat.role_closure(&role).contains(&r) && r != "PUBLIC" {
                    return Err(SfError::new(
                        "003013",
                        "42501",
                        format!(
                            "SQL execution error: Cannot grant role '{role}' to role '{r}': '{r}' is already granted to '{role}'."
                        ),
                    ));
                }
                Grantee::Role(r)
            }
            GranteeSpec::User(u) => {
                self.user_exists(&u)?;
                Grantee::User(u)
            }
        };
        if !self
            .cat
            .role_grants
            .iter()
            .any(|g| g.role == role && g.grantee == grantee)
        {
            self.cat.role_grants.push(RoleGrant {
                created_on: now_ms(),
                role,
                grantee,
                granted_by: self.sess.role.clone(),
                grant_option: false,
            });
        }
        done(true)
    }

    /// `[d.]r` of an existing database role.
    pub(crate) fn database_role_path(&self, name: &Name) -> Result<(String, String), SfError> {
        let (d, r) = self.schema_path(name, "GRANT")?;
        self.db_exists(&d)?;
        let exists = self
            .cat
            .databases
            .get(&d)
            .is_some_and(|db| db.database_roles.contains_key(&r));
        if !exists {
            return Err(SfError::does_not_exist(
                "Database role",
                &format!("{d}.{r}"),
            ));
        }
        Ok((d, r))
    }

    /// `{ GRANT | REVOKE } privs ON target { TO | FROM } DATABASE ROLE d.r`:
    /// objects of the database role's own database only.
    pub(crate) fn grant_to_database_role(
        &mut self,
        revoke: bool,
        privs: Vec<String>,
        target: GrantTarget,
        role: Name,
    ) -> Result<Outcome, SfError> {
        let (d, r) = self.database_role_path(&role)?;
        let other_database = || {
            SfError::new(
                "003111",
                "0A000",
                "SQL compilation error:\nDatabase role can only be granted privileges on objects in the same database.",
            )
        };
        if let GrantTarget::Future(_, in_schema, n) | GrantTarget::All(_, in_schema, n) = &target
            && self.future_scope(*in_schema, n)?.database() != d
        {
            return Err(other_database());
        }
        if let GrantTarget::Future(ty, in_schema, n) = &target {
            let scope = self.future_scope(*in_schema, n)?;
            if revoke {
                let all = privs == ["ALL"];
                self.cat.future_grants.retain(|f| {
                    !(f.object_type == *ty
                        && f.scope == scope
                        && f.granted_to_database_role(&d, &r)
                        && (all || privs.contains(&f.privilege)))
                });
            } else {
                self.grant_future(privs, ty, scope, &r, true, false);
            }
            return done(true);
        }
        let targets = self.expand_targets(&target)?;
        for tg in &targets {
            let same = match tg {
                Target::Database(x) | Target::Schema(x, _) | Target::Object(_, x, _, _) => *x == d,
                _ => false,
            };
            if !same {
                return Err(other_database());
            }
        }
        let t = now_ms();
        for tg in targets {
            let list = if privs == ["ALL"] {
                privileges::all(&tg.kind())
            } else {
                privs.clone()
            };
            let matches = |p: &DatabaseRolePrivilege, privilege: &str| {
                p.database == d && p.role == r && p.target == tg && p.privilege == privilege
            };
            for p in list {
                if revoke {
                    self.cat
                        .database_role_privileges
                        .retain(|x| !matches(x, &p));
                } else if !self
                    .cat
                    .database_role_privileges
                    .iter()
                    .any(|x| matches(x, &p))
                {
                    self.cat
                        .database_role_privileges
                        .push(DatabaseRolePrivilege {
                            created_on: t,
                            privilege: p,
                            target: tg.clone(),
                            database: d.clone(),
                            role: r.clone(),
                            granted_by: self.sess.role.clone(),
                        });
                }
            }
        }
        done(true)
    }

    /// `{ GRANT | REVOKE } DATABASE ROLE d.r { TO | FROM } { ROLE p |
    /// DATABASE ROLE d.x }` (a database role of the same database).
    pub(crate) fn grant_database_role(
        &mut self,
        revoke: bool,
        role: Name,
        to: DatabaseRoleTo,
    ) -> Result<Outcome, SfError> {
        let (d, r) = self.database_role_path(&role)?;
        let grantee = match to {
            DatabaseRoleTo::Role(p) => {
                self.role_exists(&p)?;
                DatabaseRoleGrantee::Role(p)
            }
            DatabaseRoleTo::DatabaseRole(n) => {
                let (d2, x) = self.database_role_path(&n)?;
                if d2 != d {
                    return Err(SfError::new(
                        "003111",
                        "0A000",
                        "SQL compilation error:\nDatabase role can only be granted to a database role in the same database.",
                    ));
                }
                DatabaseRoleGrantee::DatabaseRole(x)
            }
        };
        let same = |g: &DatabaseRoleGrant| g.database == d && g.role == r && g.grantee == grantee;
        if revoke {
            self.cat.database_role_grants.retain(|g| !same(g));
        } else if !self.cat.database_role_grants.iter().any(same) {
            self.cat.database_role_grants.push(DatabaseRoleGrant {
                created_on: now_ms(),
                database: d,
                role: r,
                grantee,
                granted_by: self.sess.role.clone(),
            });
        }
        done(true)
    }

    pub(crate) fn grant_ownership(
        &mut self,
        target: GrantTarget,
        role: String,
        copy: Option<bool>,
    ) -> Result<Outcome, SfError> {
        if let GrantTarget::Future(ty, in_schema, n) = &target {
            let scope = self.future_scope(*in_schema, n)?;
            self.role_exists(&role)?;
            if copy.is_some() {
                return Err(SfError::syntax_at(1, 0, "CURRENT"));
            }
            self.cat.future_grants.retain(|f| {
                !(f.privilege == "OWNERSHIP" && f.object_type == *ty && f.scope == scope)
            });
            self.cat.future_grants.push(FutureGrant {
                created_on: now_ms(),
                privilege: "OWNERSHIP".into(),
                object_type: ty.clone(),
                scope,
                grantee: role,
                grant_option: true,
                to_database_role: false,
            });
            return done(true);
        }
        if target == GrantTarget::Account {
            return Err(SfError::syntax_at(1, 19, "ACCOUNT"));
        }
        let targets = self.expand_targets(&target)?;
        self.role_exists(&role)?;
        for tg in &targets {
            let outbound: Vec<&Grant> =
                self.cat.grants.iter().filter(|g| g.target == *tg).collect();
            if copy.is_none()
                && !matches!(tg, Target::Role(_))
                && let Some(g) = outbound.first()
            {
                return Err(SfError::new(
                    "003046",
                    "42501",
                    format!(
                        "SQL execution error:\nDependent grant of privilege '{}' on securable '{}' to role '{}' exists. It must be revoked first. More than one dependent grant may exist: use 'SHOW GRANTS' command to view them. To revoke all dependent grants while revoking the current grant use option 'CASCADE'.",
                        g.privilege,
                        target_name(tg, &self.account.name),
                        g.grantee
                    ),
                ));
            }
        }
        for tg in targets {
            match copy {
                Some(false) => self.cat.grants.retain(|g| g.target != tg),
                _ => self
                    .cat
                    .grants
                    .iter_mut()
                    .filter(|g| g.target == tg)
                    .for_each(|g| g.granted_by = role.clone()),
            }
            self.set_owner(&tg, &role);
        }
        done(true)
    }

    pub(crate) fn revoke_role(
        &mut self,
        role: String,
        from: GranteeSpec,
    ) -> Result<Outcome, SfError> {
        self.role_exists(&role)?;
        let grantee = match from {
            GranteeSpec::Role(r) => {
                self.role_exists(&r)?;
                Grantee::Role(r)
            }
            GranteeSpec::User(u) => {
                self.user_exists(&u)?;
                Grantee::User(u)
            }
        };
        self.cat
            .role_grants
            .retain(|g| !(g.role == role && g.grantee == grantee));
        done(true)
    }

    // ---------- SHOW GRANTS ----------

    fn grant_row_on(&self, g: &Grant, with_role_type: bool) -> Vec<Cell> {
        let mut row = vec![
            ts(g.created_on),
            text(&g.privilege),
            text(g.target.kind()),
            text(target_name(&g.target, &self.account.name)),
            text("ROLE"),
            text(&g.grantee),
            tf(g.grant_option),
            text(&g.granted_by),
        ];
        if with_role_type {
            row.push(text(if g.granted_by.is_empty() { "" } else { "ROLE" }));
        }
        row
    }

    /// Every object owned by some role, as OWNERSHIP grants.
    fn ownership_grants(&self) -> Vec<Grant> {
        let mut out = Vec::new();
        let mut push = |created_on: i64, target: Target, owner: &str| {
            if !owner.is_empty() {
                out.push(Grant {
                    created_on,
                    privilege: "OWNERSHIP".into(),
                    target,
                    grantee: owner.to_string(),
                    grant_option: true,
                    granted_by: owner.to_string(),
                });
            }
        };
        for db in self.cat.databases.values() {
            push(db.created_on, Target::Database(db.name.clone()), &db.owner);
            for sc in db.schemas.values() {
                push(
                    sc.created_on,
                    Target::Schema(db.name.clone(), sc.name.clone()),
                    &sc.owner,
                );
                for t in sc.tables.values() {
                    push(
                        t.created_on,
                        Target::Object(
                            "TABLE".into(),
                            db.name.clone(),
                            sc.name.clone(),
                            t.name.clone(),
                        ),
                        &t.owner,
                    );
                }
                for t in sc.tasks.values() {
                    push(
                        t.created_on,
                        Target::Object(
                            "TASK".into(),
                            db.name.clone(),
                            sc.name.clone(),
                            t.name.clone(),
                        ),
                        &t.owner,
                    );
                }
            }
        }
        for w in self.cat.warehouses.values() {
            push(w.created_on, Target::Warehouse(w.name.clone()), &w.owner);
        }
        for r in self.cat.roles.values() {
            push(r.created_on, Target::Role(r.name.clone()), &r.owner);
        }
        for u in self.cat.users.values() {
            push(u.created_on, Target::User(u.name.clone()), &u.owner);
        }
        out
    }

    fn future_name(&self, f: &FutureGrant) -> String {
        match &f.scope {
            FutureScope::Database(d) => format!("{}.<{}>", q(d), f.object_type),
            FutureScope::Schema(d, s) => format!("{}.{}.<{}>", q(d), q(s), f.object_type),
        }
    }

    pub(crate) fn show_grants(
        &self,
        g: &ShowGrants,
        limit: Option<usize>,
    ) -> Result<QueryResult, SfError> {
        let mut r;
        match g {
            ShowGrants::On(t) => {
                let target = self.resolve_target(t)?;
                r = QueryResult::with_columns(cols::GRANTS_ON);
                for og in self
                    .ownership_grants()
                    .iter()
                    .filter(|x| x.target == target)
                {
                    r.rows.push(self.grant_row_on(og, true));
                }
                for x in self.cat.grants.iter().filter(|x| x.target == target) {
                    r.rows.push(self.grant_row_on(x, true));
                }
            }
            ShowGrants::To(GranteeSpec::Role(role)) => {
                self.role_exists(role)?;
                r = QueryResult::with_columns(cols::GRANTS_TO_ROLE);
                let mut rows: Vec<(i64, Vec<Cell>)> = Vec::new();
                for og in self
                    .ownership_grants()
                    .iter()
                    .filter(|x| x.grantee == *role)
                {
                    rows.push((og.created_on, self.grant_row_on(og, false)));
                }
                for x in self.cat.grants.iter().filter(|x| x.grantee == *role) {
                    rows.push((x.created_on, self.grant_row_on(x, false)));
                }
                for rg in self
                    .cat
                    .role_grants
                    .iter()
                    .filter(|x| x.grantee == Grantee::Role(role.clone()))
                {
                    rows.push((
                        rg.created_on,
                        vec![
                            ts(rg.created_on),
                            text("USAGE"),
                            text("ROLE"),
                            text(&rg.role),
                            text("ROLE"),
                            text(role),
                            tf(rg.grant_option),
                            text(&rg.granted_by),
                        ],
                    ));
                }
                for g in self
                    .cat
                    .database_role_grants
                    .iter()
                    .filter(|g| g.grantee == DatabaseRoleGrantee::Role(role.clone()))
                {
                    rows.push((
                        g.created_on,
                        vec![
                            ts(g.created_on),
                            text("USAGE"),
                            text("DATABASE_ROLE"),
                            text(format!("{}.{}", q(&g.database), q(&g.role))),
                            text("ROLE"),
                            text(role),
                            tf(false),
                            text(&g.granted_by),
                        ],
                    ));
                }
                rows.sort_by_key(|(t, _)| *t);
                r.rows = rows.into_iter().map(|(_, c)| c).collect();
            }
            ShowGrants::To(GranteeSpec::User(_)) | ShowGrants::Current => {
                let user = match g {
                    ShowGrants::To(GranteeSpec::User(u)) => u.clone(),
                    _ => self.sess.user.clone(),
                };
                self.user_exists(&user)?;
                r = QueryResult::with_columns(cols::GRANTS_TO_USER);
                for rg in self
                    .cat
                    .role_grants
                    .iter()
                    .filter(|x| x.grantee == Grantee::User(user.clone()))
                {
                    r.rows.push(vec![
                        ts(rg.created_on),
                        text("USAGE"),
                        text("ROLE"),
                        text(&rg.role),
                        text(&rg.role),
                        text("USER"),
                        text(&user),
                        tf(false),
                        text(&rg.granted_by),
                    ]);
                }
            }
            ShowGrants::ToDatabaseRole(n) => {
                let (d, role) = self.database_role_path(n)?;
                r = QueryResult::with_columns(cols::GRANTS_TO_ROLE);
                let qualified = format!("{}.{}", q(&d), q(&role));
                for p in self
                    .cat
                    .database_role_privileges
                    .iter()
                    .filter(|p| p.database == d && p.role == role)
                {
                    r.rows.push(vec![
                        ts(p.created_on),
                        text(&p.privilege),
                        text(p.target.kind()),
                        text(target_name(&p.target, &self.account.name)),
                        text("DATABASE_ROLE"),
                        text(&qualified),
                        tf(false),
                        text(&p.granted_by),
                    ]);
                }
                for g in self.cat.database_role_grants.iter().filter(|g| {
                    g.database == d && g.grantee == DatabaseRoleGrantee::DatabaseRole(role.clone())
                }) {
                    r.rows.push(vec![
                        ts(g.created_on),
                        text("USAGE"),
                        text("DATABASE_ROLE"),
                        text(format!("{}.{}", q(&d), q(&g.role))),
                        text("DATABASE_ROLE"),
                        text(&qualified),
                        tf(false),
                        text(&g.granted_by),
                    ]);
                }
            }
            ShowGrants::OfDatabaseRole(n) => {
                let (d, role) = self.database_role_path(n)?;
                r = QueryResult::with_columns(cols::GRANTS_OF_ROLE);
                for g in self
                    .cat
                    .database_role_grants
                    .iter()
                    .filter(|g| g.database == d && g.role == role)
                {
                    let (kind, name) = match &g.grantee {
                        DatabaseRoleGrantee::Role(x) => ("ROLE", x.clone()),
                        DatabaseRoleGrantee::DatabaseRole(x) => {
                            ("DATABASE_ROLE", format!("{}.{}", q(&d), q(x)))
                        }
                    };
                    r.rows.push(vec![
                        ts(g.created_on),
                        text(format!("{}.{}", q(&d), q(&role))),
                        text(kind),
                        text(name),
                        text(&g.granted_by),
                    ]);
                }
            }
            ShowGrants::Of(role) => {
                self.role_exists(role)?;
                r = QueryResult::with_columns(cols::GRANTS_OF_ROLE);
                for rg in self.cat.role_grants.iter().filter(|x| x.role == *role) {
                    let (kind, name) = match &rg.grantee {
                        Grantee::Role(x) => ("ROLE", x),
                        Grantee::User(x) => ("USER", x),
                    };
                    r.rows.push(vec![
                        ts(rg.created_on),
                        text(role),
                        text(kind),
                        text(name),
                        text(&rg.granted_by),
                    ]);
                }
            }
            ShowGrants::FutureIn(in_schema, n) => {
                let scope = if *in_schema {
                    let (d, s) = self.schema_path(n, "SHOW FUTURE GRANTS")?;
                    self.schema_exists(&d, &s)?;
                    FutureScope::Schema(d, s)
                } else {
                    self.db_exists(&n[0])?;
                    FutureScope::Database(n[0].clone())
                };
                r = QueryResult::with_columns(cols::FUTURE_GRANTS);
                for f in self.cat.future_grants.iter().filter(|f| f.scope == scope) {
                    r.rows.push(self.future_row(f));
                }
            }
            ShowGrants::FutureToDatabaseRole(n) => {
                let (d, role) = self.database_role_path(n)?;
                r = QueryResult::with_columns(cols::FUTURE_GRANTS);
                for f in self
                    .cat
                    .future_grants
                    .iter()
                    .filter(|f| f.granted_to_database_role(&d, &role))
                {
                    r.rows.push(self.future_row(f));
                }
            }
            ShowGrants::FutureTo(role) => {
                self.role_exists(role)?;
                r = QueryResult::with_columns(cols::FUTURE_GRANTS);
                for f in self.cat.future_grants.iter().filter(|f| f.to_role(role)) {
                    r.rows.push(self.future_row(f));
                }
            }
        }
        if let Some(l) = limit {
            r.rows.truncate(l);
        }
        Ok(r)
    }

    fn future_row(&self, f: &FutureGrant) -> Vec<Cell> {
        vec![
            ts(f.created_on),
            text(&f.privilege),
            text(&f.object_type),
            text(self.future_name(f)),
            text(if f.to_database_role {
                "DATABASE_ROLE"
            } else {
                "ROLE"
            }),
            text(if f.to_database_role {
                format!("{}.{}", q(f.scope.database()), q(&f.grantee))
            } else {
                f.grantee.clone()
            }),
            tf(f.grant_option),
        ]
    }
}
