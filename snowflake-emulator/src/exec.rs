//! Statement execution against the catalog, with Snowflake's semantics and
//! messages. Pure with respect to I/O: the server handles locking and persistence.

use crate::catalog::*;
use crate::error::SfError;
use crate::params;
use crate::parser::*;
use crate::privileges;
use crate::result::*;
use crate::show_columns as cols;

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

fn status(msg: impl Into<String>, changed: bool) -> Result<Outcome, SfError> {
    Ok(Outcome {
        result: QueryResult::status(msg),
        changed,
    })
}

/// Render a name part as Snowflake shows it inside qualified names.
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
        Target::Database(d) | Target::Warehouse(d) | Target::Role(d) | Target::User(d) => d.clone(),
        Target::Schema(d, s) => format!("{}.{}", q(d), q(s)),
        Target::Object(_, d, s, o) => format!("{}.{}.{}", q(d), q(s), q(o)),
    }
}

/// Case-insensitive LIKE with `%`, `_` and backslash escapes.
pub fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy)]
    enum P {
        Any,
        One,
        Ch(char),
    }
    let mut pat = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        pat.push(match c {
            '\\' => P::Ch(it.next().unwrap_or('\\')),
            '%' => P::Any,
            '_' => P::One,
            c => P::Ch(c),
        });
    }
    let t: Vec<char> = text.chars().flat_map(|c| c.to_lowercase()).collect();
    // dp[j]: pattern prefix matches text prefix of length j.
    let mut dp = vec![false; t.len() + 1];
    dp[0] = true;
    for p in pat {
        let mut next = vec![false; t.len() + 1];
        match p {
            P::Any => {
                let mut seen = false;
                for j in 0..=t.len() {
                    seen |= dp[j];
                    next[j] = seen;
                }
            }
            P::One => {
                next[1..].copy_from_slice(&dp[..t.len()]);
            }
            P::Ch(c) => {
                let lc: Vec<char> = c.to_lowercase().collect();
                for j in 1..=t.len() {
                    next[j] = dp[j - 1] && lc.len() == 1 && t[j - 1] == lc[0];
                }
            }
        }
        dp = next;
    }
    dp[t.len()]
}

pub struct Exec<'a> {
    pub cat: &'a mut Catalog,
    pub sess: &'a mut Session,
    pub account: &'a Account,
}

impl Exec<'_> {
    pub fn run(&mut self, stmt: Stmt) -> Result<Outcome, SfError> {
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
            } => self.create(
                kind,
                or_replace,
                if_not_exists,
                transient,
                managed_access,
                name,
                props,
                columns,
            ),
            Stmt::Alter {
                kind,
                if_exists,
                name,
                action,
            } => self.alter(kind, if_exists, name, action),
            Stmt::AlterSession(a) => {
                match a {
                    AlterAction::Set(props) => {
                        for (k, v) in props {
                            self.sess.params.insert(k, v.text());
                        }
                    }
                    AlterAction::Unset(names) => {
                        for k in names {
                            self.sess.params.remove(&k);
                        }
                    }
                    _ => unreachable!("parser only builds SET/UNSET for sessions"),
                }
                status("Statement executed successfully.", false)
            }
            Stmt::AlterAccount(a) => {
                match a {
                    AlterAction::Set(props) => {
                        for (k, v) in props {
                            params::validate(&k, &v)?;
                            self.cat.account_params.insert(k, v.text());
                        }
                    }
                    AlterAction::Unset(names) => {
                        for k in names {
                            self.cat.account_params.remove(&k);
                        }
                    }
                    _ => unreachable!("parser only builds SET/UNSET for the account"),
                }
                status("Statement executed successfully.", true)
            }
            Stmt::Drop {
                kind,
                if_exists,
                name,
            } => self.drop(kind, if_exists, name),
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
            Stmt::RevokeRole { role, from } => {
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
                status("Statement executed successfully.", true)
            }
            Stmt::GrantOwnership { target, role, copy } => self.grant_ownership(target, role, copy),
            Stmt::Show(s) => Ok(Outcome {
                result: self.show(s)?,
                changed: false,
            }),
            Stmt::Describe { kind, name } => Ok(Outcome {
                result: self.describe(kind, name)?,
                changed: false,
            }),
            Stmt::Select(items) => Ok(Outcome {
                result: self.select(items)?,
                changed: false,
            }),
            Stmt::Transaction(_) => status("Statement executed successfully.", false),
        }
    }

    // ---------- name resolution ----------

    fn db_exists(&self, db: &str) -> Result<(), SfError> {
        if self.cat.databases.contains_key(db) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Database", db))
        }
    }
    fn role_exists(&self, r: &str) -> Result<(), SfError> {
        if self.cat.roles.contains_key(r) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Role", r))
        }
    }
    fn user_exists(&self, u: &str) -> Result<(), SfError> {
        if self.cat.users.contains_key(u) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("User", u))
        }
    }
    fn wh_exists(&self, w: &str) -> Result<(), SfError> {
        if self.cat.warehouses.contains_key(w) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Warehouse", w))
        }
    }

    fn schema_path(&self, name: &Name, op: &str) -> Result<(String, String), SfError> {
        match name.len() {
            2 => Ok((name[0].clone(), name[1].clone())),
            _ => {
                let db = self
                    .sess
                    .database
                    .clone()
                    .ok_or_else(|| SfError::no_current_database(op))?;
                Ok((db, name[0].clone()))
            }
        }
    }

    fn object_path(&self, name: &Name, op: &str) -> Result<(String, String, String), SfError> {
        match name.len() {
            3 => Ok((name[0].clone(), name[1].clone(), name[2].clone())),
            2 => {
                let db = self
                    .sess
                    .database
                    .clone()
                    .ok_or_else(|| SfError::no_current_database(op))?;
                Ok((db, name[0].clone(), name[1].clone()))
            }
            _ => {
                let db = self
                    .sess
                    .database
                    .clone()
                    .ok_or_else(|| SfError::no_current_database(op))?;
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

    fn schema_exists(&self, db: &str, sch: &str) -> Result<(), SfError> {
        self.db_exists(db)?;
        if sch == "INFORMATION_SCHEMA" || self.cat.databases[db].schemas.contains_key(sch) {
            Ok(())
        } else {
            Err(SfError::does_not_exist("Schema", &format!("{db}.{sch}")))
        }
    }

    fn writable_schema(&mut self, db: &str, sch: &str) -> Result<&mut Schema, SfError> {
        self.schema_exists(db, sch)?;
        if sch == "INFORMATION_SCHEMA" {
            return Err(SfError::new(
                "003001",
                "42501",
                format!(
                    "SQL access control error:\nInsufficient privileges to operate on schema '{sch}'"
                ),
            ));
        }
        Ok(self
            .cat
            .databases
            .get_mut(db)
            .unwrap()
            .schemas
            .get_mut(sch)
            .unwrap())
    }

    fn resolve_target(&self, t: &GrantTarget) -> Result<Target, SfError> {
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
                let exists = kind == "TABLE"
                    && self.cat.databases[&d]
                        .schemas
                        .get(&s)
                        .is_some_and(|sc| sc.tables.contains_key(&o));
                if !exists {
                    let word = if kind == "TABLE" { "Table" } else { "Object" };
                    return Err(SfError::new(
                        "002003",
                        "42S02",
                        format!(
                            "SQL compilation error:\n{word} '{d}.{s}.{o}' does not exist or not authorized."
                        ),
                    ));
                }
                Target::Object(kind.clone(), d, s, o)
            }
            GrantTarget::All(..) | GrantTarget::Future(..) => {
                unreachable!("expanded by the caller")
            }
        })
    }

    fn owner_of(&self, t: &Target) -> Option<String> {
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
            Target::Object(_, d, s, o) => self
                .cat
                .databases
                .get(d)?
                .schemas
                .get(s)?
                .tables
                .get(o)
                .map(|x| x.owner.clone()),
        }
    }

    fn set_owner(&mut self, t: &Target, role: &str) {
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
            Target::Object(_, d, s, o) => {
                self.cat
                    .databases
                    .get_mut(d)
                    .unwrap()
                    .schemas
                    .get_mut(s)
                    .unwrap()
                    .tables
                    .get_mut(o)
                    .unwrap()
                    .owner = r
            }
        }
    }

    /// Future grants that apply to a new object of `ty` in `db`(.`sch`):
    /// schema-level ones win over database-level ones.
    fn apply_future(&mut self, ty: &str, db: &str, sch: Option<&str>, target: Target) {
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
            if f.privilege == "OWNERSHIP" {
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

    // ---------- CREATE ----------

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        kind: Kind,
        or_replace: bool,
        if_not_exists: bool,
        transient: bool,
        managed_access: bool,
        name: Name,
        props: Vec<Prop>,
        columns: Vec<(String, String)>,
    ) -> Result<Outcome, SfError> {
        let t = now_ms();
        let owner = self.sess.role.clone();
        match kind {
            Kind::Database => {
                let n = name[0].clone();
                if self.cat.databases.contains_key(&n) {
                    if if_not_exists {
                        return status(format!("{n} already exists, statement succeeded."), false);
                    }
                    if !or_replace {
                        return Err(SfError::already_exists(&n));
                    }
                    self.remove_database(&n);
                }
                let mut params = Params::new();
                let mut comment = None;
                for (k, v) in props {
                    if k == "COMMENT" {
                        comment = Some(v.text());
                    } else {
                        params::validate(&k, &v)?;
                        params.insert(k, v.text());
                    }
                }
                let public = Schema {
                    name: "PUBLIC".into(),
                    created_on: t,
                    owner: owner.clone(),
                    comment: None,
                    transient,
                    managed_access: false,
                    params: Params::new(),
                    tables: Default::default(),
                };
                let mut db = Database {
                    name: n.clone(),
                    created_on: t,
                    owner,
                    comment,
                    transient,
                    params,
                    schemas: Default::default(),
                };
                db.schemas.insert("PUBLIC".into(), public);
                self.cat.databases.insert(n.clone(), db);
                self.apply_future(
                    "SCHEMA",
                    &n,
                    None,
                    Target::Schema(n.clone(), "PUBLIC".into()),
                );
                self.sess.database = Some(n.clone());
                self.sess.schema = Some("PUBLIC".into());
                status(format!("Database {n} successfully created."), true)
            }
            Kind::Schema => {
                let (d, s) = self.schema_path(&name, "CREATE SCHEMA")?;
                self.db_exists(&d)?;
                if s == "INFORMATION_SCHEMA" || self.cat.databases[&d].schemas.contains_key(&s) {
                    if if_not_exists {
                        return status(format!("{s} already exists, statement succeeded."), false);
                    }
                    if !or_replace || s == "INFORMATION_SCHEMA" {
                        return Err(SfError::already_exists(&s));
                    }
                    self.remove_schema(&d, &s);
                }
                let mut params = Params::new();
                let mut comment = None;
                for (k, v) in props {
                    if k == "COMMENT" {
                        comment = Some(v.text());
                    } else {
                        params::validate(&k, &v)?;
                        params.insert(k, v.text());
                    }
                }
                let db_transient = self.cat.databases[&d].transient;
                self.cat.databases.get_mut(&d).unwrap().schemas.insert(
                    s.clone(),
                    Schema {
                        name: s.clone(),
                        created_on: t,
                        owner,
                        comment,
                        transient: transient || db_transient,
                        managed_access,
                        params,
                        tables: Default::default(),
                    },
                );
                self.apply_future("SCHEMA", &d, None, Target::Schema(d.clone(), s.clone()));
                self.sess.database = Some(d);
                self.sess.schema = Some(s.clone());
                status(format!("Schema {s} successfully created."), true)
            }
            Kind::Table => {
                let (d, s, o) = self.object_path(&name, "CREATE TABLE")?;
                let sch = self.writable_schema(&d, &s)?;
                if sch.tables.contains_key(&o) {
                    if if_not_exists {
                        return status(format!("{o} already exists, statement succeeded."), false);
                    }
                    if !or_replace {
                        return Err(SfError::already_exists(&o));
                    }
                }
                let sch_transient = sch.transient;
                let comment = props
                    .iter()
                    .find(|(k, _)| k == "COMMENT")
                    .map(|(_, v)| v.text());
                let sch = self.writable_schema(&d, &s)?;
                sch.tables.insert(
                    o.clone(),
                    Table {
                        name: o.clone(),
                        created_on: t,
                        owner,
                        comment,
                        transient: transient || sch_transient,
                        columns,
                    },
                );
                let target = Target::Object("TABLE".into(), d.clone(), s.clone(), o.clone());
                self.cat.grants.retain(|g| g.target != target);
                self.apply_future("TABLE", &d, Some(&s), target);
                status(format!("Table {o} successfully created."), true)
            }
            Kind::Warehouse => {
                let n = name[0].clone();
                if self.cat.warehouses.contains_key(&n) {
                    if if_not_exists {
                        return status(format!("{n} already exists, statement succeeded."), false);
                    }
                    if !or_replace {
                        return Err(SfError::already_exists(&n));
                    }
                    self.cat
                        .grants
                        .retain(|g| g.target != Target::Warehouse(n.clone()));
                }
                let mut wh = Warehouse {
                    name: n.clone(),
                    created_on: t,
                    resumed_on: t,
                    updated_on: t,
                    owner,
                    comment: None,
                    state: "STARTED".into(),
                    wtype: "STANDARD".into(),
                    size: "X-Small".into(),
                    min_cluster_count: 1,
                    max_cluster_count: 1,
                    scaling_policy: "STANDARD".into(),
                    auto_suspend: Some(600),
                    auto_resume: true,
                    enable_query_acceleration: false,
                    query_acceleration_max_scale_factor: 8,
                    resource_monitor: None,
                    resource_constraint: None,
                    generation: Some("1".into()),
                    params: Params::new(),
                };
                let size_given = props.iter().any(|(k, _)| k == "WAREHOUSE_SIZE");
                for (k, v) in &props {
                    if k == "INITIALLY_SUSPENDED" {
                        if bool_value(k, v)? {
                            wh.state = "SUSPENDED".into();
                        }
                    } else {
                        apply_wh_prop(&mut wh, k, v)?;
                    }
                }
                if wh.wtype == "SNOWPARK-OPTIMIZED" {
                    if !size_given {
                        wh.size = "Medium".into();
                    }
                    if !props.iter().any(|(k, _)| k == "RESOURCE_CONSTRAINT") {
                        wh.resource_constraint = Some("MEMORY_16X".into());
                    }
                    if !props.iter().any(|(k, _)| k == "GENERATION") {
                        wh.generation = None;
                    }
                }
                check_clusters(&wh)?;
                self.cat.warehouses.insert(n.clone(), wh);
                self.sess.warehouse = Some(n.clone());
                status(format!("Warehouse {n} successfully created."), true)
            }
            Kind::Role => {
                let n = name[0].clone();
                if self.cat.roles.contains_key(&n) {
                    if if_not_exists {
                        return status(format!("{n} already exists, statement succeeded."), false);
                    }
                    if !or_replace || SYSTEM_ROLES.contains(&n.as_str()) {
                        return Err(SfError::already_exists(&n));
                    }
                    self.remove_role(&n);
                }
                let comment = props
                    .iter()
                    .find(|(k, _)| k == "COMMENT")
                    .map(|(_, v)| v.text());
                self.cat.roles.insert(
                    n.clone(),
                    Role {
                        name: n.clone(),
                        created_on: t,
                        owner,
                        comment,
                    },
                );
                status(format!("Role {n} successfully created."), true)
            }
            Kind::User => {
                let n = name[0].clone();
                if self.cat.users.contains_key(&n) {
                    if if_not_exists {
                        return status(format!("{n} already exists, statement succeeded."), false);
                    }
                    if !or_replace {
                        return Err(SfError::already_exists(&n));
                    }
                    self.cat
                        .role_grants
                        .retain(|g| g.grantee != Grantee::User(n.clone()));
                }
                let mut u = User {
                    name: n.clone(),
                    created_on: t,
                    owner,
                    login_name: n.clone(),
                    display_name: n.clone(),
                    ..Default::default()
                };
                for (k, v) in &props {
                    apply_user_prop(&mut u, k, v)?;
                }
                self.cat.users.insert(n.clone(), u);
                status(format!("User {n} successfully created."), true)
            }
        }
    }

    // ---------- removal helpers ----------

    fn remove_database(&mut self, d: &str) {
        self.cat.databases.remove(d);
        self.cat.grants.retain(|g| match &g.target {
            Target::Database(x) | Target::Schema(x, _) | Target::Object(_, x, _, _) => x != d,
            _ => true,
        });
        self.cat.future_grants.retain(|f| match &f.scope {
            FutureScope::Database(x) | FutureScope::Schema(x, _) => x != d,
        });
        if self.sess.database.as_deref() == Some(d) {
            self.sess.database = None;
            self.sess.schema = None;
        }
    }

    fn remove_schema(&mut self, d: &str, s: &str) {
        if let Some(db) = self.cat.databases.get_mut(d) {
            db.schemas.remove(s);
        }
        self.cat.grants.retain(|g| match &g.target {
            Target::Schema(x, y) | Target::Object(_, x, y, _) => !(x == d && y == s),
            _ => true,
        });
        self.cat
            .future_grants
            .retain(|f| f.scope != FutureScope::Schema(d.into(), s.into()));
        if self.sess.database.as_deref() == Some(d) && self.sess.schema.as_deref() == Some(s) {
            self.sess.schema = None;
        }
    }

    /// Dropping a role: its grants go; what it owned passes to the dropping role.
    fn remove_role(&mut self, r: &str) {
        self.cat.roles.remove(r);
        self.cat
            .grants
            .retain(|g| g.grantee != r && g.target != Target::Role(r.into()));
        self.cat
            .role_grants
            .retain(|g| g.role != r && g.grantee != Grantee::Role(r.into()));
        self.cat.future_grants.retain(|f| f.grantee != r);
        let new_owner = if self.sess.role == r {
            "ACCOUNTADMIN".to_string()
        } else {
            self.sess.role.clone()
        };
        self.rename_owner(r, &new_owner);
    }

    fn rename_owner(&mut self, old: &str, new: &str) {
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

    // ---------- DROP ----------

    fn drop(&mut self, kind: Kind, if_exists: bool, name: Name) -> Result<Outcome, SfError> {
        let missing = |n: &str, e: SfError| -> Result<Outcome, SfError> {
            if if_exists {
                status(
                    format!("Drop statement executed successfully ({n} already dropped)."),
                    false,
                )
            } else {
                Err(e)
            }
        };
        match kind {
            Kind::Database => {
                let n = &name[0];
                if !self.cat.databases.contains_key(n) {
                    return missing(n, SfError::does_not_exist("Database", n));
                }
                self.remove_database(n);
                status(format!("{n} successfully dropped."), true)
            }
            Kind::Schema => {
                let (d, s) = self.schema_path(&name, "DROP SCHEMA")?;
                if !self
                    .cat
                    .databases
                    .get(&d)
                    .is_some_and(|db| db.schemas.contains_key(&s))
                {
                    if !self.cat.databases.contains_key(&d) && !if_exists {
                        return Err(SfError::does_not_exist("Database", &d));
                    }
                    return missing(&s, SfError::does_not_exist("Schema", &format!("{d}.{s}")));
                }
                self.remove_schema(&d, &s);
                status(format!("{s} successfully dropped."), true)
            }
            Kind::Table => {
                let (d, s, o) = self.object_path(&name, "DROP TABLE")?;
                let exists = self
                    .cat
                    .databases
                    .get(&d)
                    .and_then(|db| db.schemas.get(&s))
                    .is_some_and(|x| x.tables.contains_key(&o));
                if !exists {
                    return missing(
                        &o,
                        SfError::new(
                            "002003",
                            "42S02",
                            format!(
                                "SQL compilation error:\nTable '{d}.{s}.{o}' does not exist or not authorized."
                            ),
                        ),
                    );
                }
                self.cat
                    .databases
                    .get_mut(&d)
                    .unwrap()
                    .schemas
                    .get_mut(&s)
                    .unwrap()
                    .tables
                    .remove(&o);
                let target = Target::Object("TABLE".into(), d, s, o.clone());
                self.cat.grants.retain(|g| g.target != target);
                status(format!("{o} successfully dropped."), true)
            }
            Kind::Warehouse => {
                let n = &name[0];
                if self.cat.warehouses.remove(n).is_none() {
                    return missing(n, SfError::does_not_exist("Warehouse", n));
                }
                self.cat
                    .grants
                    .retain(|g| g.target != Target::Warehouse(n.clone()));
                if self.sess.warehouse.as_deref() == Some(n) {
                    self.sess.warehouse = None;
                }
                status(format!("{n} successfully dropped."), true)
            }
            Kind::Role => {
                let n = &name[0];
                if !self.cat.roles.contains_key(n) {
                    return missing(n, SfError::does_not_exist("Role", n));
                }
                if SYSTEM_ROLES.contains(&n.as_str()) {
                    return Err(SfError::new(
                        "003001",
                        "42501",
                        format!(
                            "SQL access control error:\nInsufficient privileges to operate on role '{n}'"
                        ),
                    ));
                }
                self.remove_role(n);
                status(format!("{n} successfully dropped."), true)
            }
            Kind::User => {
                let n = &name[0];
                if self.cat.users.remove(n).is_none() {
                    return missing(n, SfError::does_not_exist("User", n));
                }
                self.cat
                    .role_grants
                    .retain(|g| g.grantee != Grantee::User(n.clone()));
                status(format!("{n} successfully dropped."), true)
            }
        }
    }

    // ---------- ALTER ----------

    fn alter(
        &mut self,
        kind: Kind,
        if_exists: bool,
        name: Name,
        action: AlterAction,
    ) -> Result<Outcome, SfError> {
        let ok = || status("Statement executed successfully.", true);
        match kind {
            Kind::Database => {
                let n = name[0].clone();
                if !self.cat.databases.contains_key(&n) {
                    if if_exists {
                        return status("Statement executed successfully.", false);
                    }
                    return Err(SfError::does_not_exist("Database", &n));
                }
                match action {
                    AlterAction::Rename(to) => {
                        let to = to[0].clone();
                        if self.cat.databases.contains_key(&to) {
                            return Err(SfError::already_exists(&to));
                        }
                        let mut db = self.cat.databases.remove(&n).unwrap();
                        db.name = to.clone();
                        self.cat.databases.insert(to.clone(), db);
                        for g in self.cat.grants.iter_mut() {
                            match &mut g.target {
                                Target::Database(x)
                                | Target::Schema(x, _)
                                | Target::Object(_, x, _, _)
                                    if *x == n =>
                                {
                                    *x = to.clone()
                                }
                                _ => {}
                            }
                        }
                        for f in self.cat.future_grants.iter_mut() {
                            match &mut f.scope {
                                FutureScope::Database(x) | FutureScope::Schema(x, _) if *x == n => {
                                    *x = to.clone()
                                }
                                _ => {}
                            }
                        }
                        if self.sess.database.as_deref() == Some(&n) {
                            self.sess.database = Some(to);
                        }
                        ok()
                    }
                    AlterAction::Set(props) => {
                        for (k, v) in &props {
                            if k != "COMMENT" {
                                params::validate(k, v)?;
                            }
                        }
                        let db = self.cat.databases.get_mut(&n).unwrap();
                        for (k, v) in props {
                            if k == "COMMENT" {
                                db.comment = Some(v.text());
                            } else {
                                db.params.insert(k, v.text());
                            }
                        }
                        ok()
                    }
                    AlterAction::Unset(names) => {
                        let db = self.cat.databases.get_mut(&n).unwrap();
                        for k in names {
                            if k == "COMMENT" {
                                db.comment = None;
                            } else {
                                db.params.remove(&k);
                            }
                        }
                        ok()
                    }
                    _ => unreachable!("parser restricts database ALTER actions"),
                }
            }
            Kind::Schema => {
                let (d, s) = self.schema_path(&name, "ALTER SCHEMA")?;
                if !self
                    .cat
                    .databases
                    .get(&d)
                    .is_some_and(|db| db.schemas.contains_key(&s))
                {
                    if if_exists {
                        return status("Statement executed successfully.", false);
                    }
                    self.db_exists(&d)?;
                    return Err(SfError::does_not_exist("Schema", &format!("{d}.{s}")));
                }
                match action {
                    AlterAction::Rename(to) => {
                        let (td, ts) = if to.len() == 2 {
                            (to[0].clone(), to[1].clone())
                        } else {
                            (d.clone(), to[0].clone())
                        };
                        self.db_exists(&td)?;
                        if self.cat.databases[&td].schemas.contains_key(&ts) {
                            return Err(SfError::already_exists(&ts));
                        }
                        let mut sc = self
                            .cat
                            .databases
                            .get_mut(&d)
                            .unwrap()
                            .schemas
                            .remove(&s)
                            .unwrap();
                        sc.name = ts.clone();
                        self.cat
                            .databases
                            .get_mut(&td)
                            .unwrap()
                            .schemas
                            .insert(ts.clone(), sc);
                        for g in self.cat.grants.iter_mut() {
                            match &mut g.target {
                                Target::Schema(x, y) | Target::Object(_, x, y, _)
                                    if *x == d && *y == s =>
                                {
                                    *x = td.clone();
                                    *y = ts.clone();
                                }
                                _ => {}
                            }
                        }
                        for f in self.cat.future_grants.iter_mut() {
                            if f.scope == FutureScope::Schema(d.clone(), s.clone()) {
                                f.scope = FutureScope::Schema(td.clone(), ts.clone());
                            }
                        }
                        if self.sess.database.as_deref() == Some(&d)
                            && self.sess.schema.as_deref() == Some(&s)
                        {
                            self.sess.database = Some(td);
                            self.sess.schema = Some(ts);
                        }
                        ok()
                    }
                    AlterAction::ManagedAccess(on) => {
                        self.cat
                            .databases
                            .get_mut(&d)
                            .unwrap()
                            .schemas
                            .get_mut(&s)
                            .unwrap()
                            .managed_access = on;
                        ok()
                    }
                    AlterAction::Set(props) => {
                        for (k, v) in &props {
                            if k != "COMMENT" {
                                params::validate(k, v)?;
                            }
                        }
                        let sc = self
                            .cat
                            .databases
                            .get_mut(&d)
                            .unwrap()
                            .schemas
                            .get_mut(&s)
                            .unwrap();
                        for (k, v) in props {
                            if k == "COMMENT" {
                                sc.comment = Some(v.text());
                            } else {
                                sc.params.insert(k, v.text());
                            }
                        }
                        ok()
                    }
                    AlterAction::Unset(names) => {
                        let sc = self
                            .cat
                            .databases
                            .get_mut(&d)
                            .unwrap()
                            .schemas
                            .get_mut(&s)
                            .unwrap();
                        for k in names {
                            if k == "COMMENT" {
                                sc.comment = None;
                            } else {
                                sc.params.remove(&k);
                            }
                        }
                        ok()
                    }
                    _ => unreachable!("parser restricts schema ALTER actions"),
                }
            }
            Kind::Warehouse => {
                let n = name[0].clone();
                if !self.cat.warehouses.contains_key(&n) {
                    if if_exists {
                        return status("Statement executed successfully.", false);
                    }
                    return Err(SfError::does_not_exist("Warehouse", &n));
                }
                let t = now_ms();
                match action {
                    AlterAction::Rename(to) => {
                        let to = to[0].clone();
                        if self.cat.warehouses.contains_key(&to) {
                            return Err(SfError::already_exists(&to));
                        }
                        let mut w = self.cat.warehouses.remove(&n).unwrap();
                        w.name = to.clone();
                        self.cat.warehouses.insert(to.clone(), w);
                        for g in self.cat.grants.iter_mut() {
                            if g.target == Target::Warehouse(n.clone()) {
                                g.target = Target::Warehouse(to.clone());
                            }
                        }
                        if self.sess.warehouse.as_deref() == Some(&n) {
                            self.sess.warehouse = Some(to);
                        }
                        ok()
                    }
                    AlterAction::Suspend => {
                        let w = self.cat.warehouses.get_mut(&n).unwrap();
                        if w.state == "SUSPENDED" {
                            return Err(SfError::new(
                                "090064",
                                "22000",
                                format!("Invalid state. Warehouse '{n}' cannot be suspended."),
                            ));
                        }
                        w.state = "SUSPENDED".into();
                        w.updated_on = t;
                        ok()
                    }
                    AlterAction::Resume { if_suspended } => {
                        let w = self.cat.warehouses.get_mut(&n).unwrap();
                        if w.state == "STARTED" {
                            if if_suspended {
                                return status("Statement executed successfully.", false);
                            }
                            return Err(SfError::new(
                                "090063",
                                "22000",
                                format!(
                                    "Invalid state. Warehouse '{n}' cannot be resumed because resource is not suspended."
                                ),
                            ));
                        }
                        w.state = "STARTED".into();
                        w.resumed_on = t;
                        w.updated_on = t;
                        ok()
                    }
                    AlterAction::AbortAllQueries => {
                        status("Statement executed successfully.", false)
                    }
                    AlterAction::Set(props) => {
                        let mut w = self.cat.warehouses[&n].clone();
                        for (k, v) in &props {
                            apply_wh_prop(&mut w, k, v)?;
                        }
                        check_clusters(&w)?;
                        w.updated_on = t;
                        self.cat.warehouses.insert(n, w);
                        ok()
                    }
                    AlterAction::Unset(names) => {
                        let w = self.cat.warehouses.get_mut(&n).unwrap();
                        for k in names {
                            match k.as_str() {
                                "WAREHOUSE_TYPE" => w.wtype = "STANDARD".into(),
                                "MAX_CLUSTER_COUNT" => w.max_cluster_count = 1,
                                "MIN_CLUSTER_COUNT" => w.min_cluster_count = 1,
                                "SCALING_POLICY" => w.scaling_policy = "STANDARD".into(),
                                "AUTO_SUSPEND" => w.auto_suspend = Some(600),
                                "AUTO_RESUME" => w.auto_resume = true,
                                "RESOURCE_MONITOR" => w.resource_monitor = None,
                                "COMMENT" => w.comment = None,
                                "ENABLE_QUERY_ACCELERATION" => w.enable_query_acceleration = false,
                                "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => {
                                    w.query_acceleration_max_scale_factor = 8
                                }
                                "RESOURCE_CONSTRAINT" => w.resource_constraint = None,
                                "GENERATION" => w.generation = Some("1".into()),
                                other => {
                                    w.params.remove(other);
                                }
                            }
                        }
                        w.updated_on = t;
                        ok()
                    }
                    _ => unreachable!("parser restricts warehouse ALTER actions"),
                }
            }
            Kind::Role => {
                let n = name[0].clone();
                if !self.cat.roles.contains_key(&n) {
                    if if_exists {
                        return status("Statement executed successfully.", false);
                    }
                    return Err(SfError::does_not_exist("Role", &n));
                }
                match action {
                    AlterAction::Rename(to) => {
                        let to = to[0].clone();
                        if self.cat.roles.contains_key(&to) {
                            return Err(SfError::already_exists(&to));
                        }
                        let mut r = self.cat.roles.remove(&n).unwrap();
                        r.name = to.clone();
                        self.cat.roles.insert(to.clone(), r);
                        for g in self.cat.grants.iter_mut() {
                            if g.grantee == n {
                                g.grantee = to.clone();
                            }
                            if g.target == Target::Role(n.clone()) {
                                g.target = Target::Role(to.clone());
                            }
                        }
                        for g in self.cat.role_grants.iter_mut() {
                            if g.role == n {
                                g.role = to.clone();
                            }
                            if g.grantee == Grantee::Role(n.clone()) {
                                g.grantee = Grantee::Role(to.clone());
                            }
                        }
                        for f in self.cat.future_grants.iter_mut() {
                            if f.grantee == n {
                                f.grantee = to.clone();
                            }
                        }
                        self.rename_owner(&n, &to);
                        if self.sess.role == n {
                            self.sess.role = to;
                        }
                        ok()
                    }
                    AlterAction::Set(props) => {
                        let r = self.cat.roles.get_mut(&n).unwrap();
                        for (_, v) in props {
                            r.comment = Some(v.text());
                        }
                        ok()
                    }
                    AlterAction::Unset(_) => {
                        self.cat.roles.get_mut(&n).unwrap().comment = None;
                        ok()
                    }
                    _ => unreachable!("parser restricts role ALTER actions"),
                }
            }
            Kind::User => {
                let n = name[0].clone();
                if !self.cat.users.contains_key(&n) {
                    if if_exists {
                        return status("Statement executed successfully.", false);
                    }
                    return Err(SfError::does_not_exist("User", &n));
                }
                match action {
                    AlterAction::Rename(to) => {
                        let to = to[0].clone();
                        if self.cat.users.contains_key(&to) {
                            return Err(SfError::already_exists(&to));
                        }
                        let mut u = self.cat.users.remove(&n).unwrap();
                        u.name = to.clone();
                        self.cat.users.insert(to.clone(), u);
                        for g in self.cat.role_grants.iter_mut() {
                            if g.grantee == Grantee::User(n.clone()) {
                                g.grantee = Grantee::User(to.clone());
                            }
                        }
                        ok()
                    }
                    AlterAction::Set(props) => {
                        let mut u = self.cat.users[&n].clone();
                        for (k, v) in &props {
                            apply_user_prop(&mut u, k, v)?;
                        }
                        self.cat.users.insert(n, u);
                        ok()
                    }
                    AlterAction::Unset(names) => {
                        let u = self.cat.users.get_mut(&n).unwrap();
                        for k in names {
                            match k.as_str() {
                                "COMMENT" => u.comment = None,
                                "EMAIL" => u.email = None,
                                "FIRST_NAME" => u.first_name = None,
                                "LAST_NAME" => u.last_name = None,
                                "DEFAULT_WAREHOUSE" => u.default_warehouse = None,
                                "DEFAULT_NAMESPACE" => u.default_namespace = None,
                                "DEFAULT_ROLE" => u.default_role = None,
                                "PASSWORD" => u.has_password = false,
                                "RSA_PUBLIC_KEY" => u.has_rsa_public_key = false,
                                "DISABLED" => u.disabled = false,
                                "TYPE" => u.user_type = None,
                                _ => {}
                            }
                        }
                        ok()
                    }
                    _ => unreachable!("parser restricts user ALTER actions"),
                }
            }
            Kind::Table => unreachable!("ALTER TABLE is rejected by the parser"),
        }
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
                let (d, s) = match self.schema_path(&n, "USE SCHEMA") {
                    Ok(x) => x,
                    Err(_) => return Err(SfError::cannot_perform()),
                };
                if self.schema_exists(&d, &s).is_err() {
                    return Err(SfError::cannot_perform());
                }
                self.sess.database = Some(d);
                self.sess.schema = Some(s);
            }
        }
        status("Statement executed successfully.", false)
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
    fn session_roles(&self) -> Vec<String> {
        if self.sess.secondary_all {
            self.available_roles()
        } else {
            self.cat.role_closure(&self.sess.role)
        }
    }

    // ---------- GRANT / REVOKE ----------

    fn expand_targets(&self, target: &GrantTarget) -> Result<Vec<Target>, SfError> {
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

    fn future_scope(&self, in_schema: bool, n: &Name) -> Result<FutureScope, SfError> {
        if in_schema {
            let (d, s) = self.schema_path(n, "GRANT")?;
            self.schema_exists(&d, &s)?;
            Ok(FutureScope::Schema(d, s))
        } else {
            self.db_exists(&n[0])?;
            Ok(FutureScope::Database(n[0].clone()))
        }
    }

    fn grant(
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
            let privs = if privs == ["ALL"] {
                privileges::all(ty)
            } else {
                privs
            };
            for p in privs {
                if let Some(f) = self.cat.future_grants.iter_mut().find(|f| {
                    f.privilege == p
                        && f.object_type == *ty
                        && f.scope == scope
                        && f.grantee == role
                }) {
                    f.grant_option |= grant_option;
                } else {
                    self.cat.future_grants.push(FutureGrant {
                        created_on: t,
                        privilege: p,
                        object_type: ty.clone(),
                        scope: scope.clone(),
                        grantee: role.clone(),
                        grant_option,
                    });
                }
            }
            return status("Statement executed successfully.", true);
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
        status("Statement executed successfully.", true)
    }

    fn revoke(
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
                    && f.grantee == role
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
            return status("Statement executed successfully.", true);
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
        status("Statement executed successfully.", true)
    }

    fn grant_role(&mut self, role: String, to: GranteeSpec) -> Result<Outcome, SfError> {
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
        status("Statement executed successfully.", true)
    }

    fn grant_ownership(
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
            });
            return status("Statement executed successfully.", true);
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
        status("Statement executed successfully.", true)
    }

    // ---------- SHOW ----------

    fn filter_names(&self, s: &Show, names: &mut Vec<(String, Vec<Cell>)>) -> Result<(), SfError> {
        names.retain(|(n, _)| {
            s.like.as_ref().is_none_or(|p| like(p, n))
                && s.starts_with
                    .as_ref()
                    .is_none_or(|p| n.starts_with(p.as_str()))
                && s.from.as_ref().is_none_or(|f| n.as_str() > f.as_str())
        });
        Ok(())
    }

    fn finish(
        &self,
        s: &Show,
        columns: &[(&str, ColType)],
        mut rows: Vec<(String, Vec<Cell>)>,
        cap: Option<&str>,
    ) -> Result<QueryResult, SfError> {
        self.filter_names(s, &mut rows)?;
        if let Some(kind) = cap {
            if let Some(l) = s.limit {
                if l > 10_000 {
                    return Err(SfError::new(
                        "001003",
                        "42000",
                        format!(
                            "SQL compilation error:\nLIMIT for SHOW {kind} cannot exceed 10000."
                        ),
                    ));
                }
            } else if rows.len() > 10_000 {
                return Err(SfError::new(
                    "000903",
                    "22000",
                    format!(
                        "SHOW {kind} output exceeds the maximum of 10000 rows. Use LIMIT (with FROM to page) or a more selective filter."
                    ),
                ));
            }
        }
        if let Some(l) = s.limit {
            rows.truncate(l);
        }
        let mut r = QueryResult::with_columns(columns);
        r.rows = rows.into_iter().map(|(_, c)| c).collect();
        Ok(r)
    }

    fn effective_param(&self, key: &str, layers: &[(&Params, &str)]) -> (String, String) {
        for (p, level) in layers {
            if let Some(v) = p.get(key) {
                return (v.clone(), level.to_string());
            }
        }
        if let Some(v) = self.cat.account_params.get(key) {
            return (v.clone(), "ACCOUNT".into());
        }
        (params::default_of(key).to_string(), String::new())
    }

    fn retention(&self, layers: &[(&Params, &str)]) -> String {
        self.effective_param("DATA_RETENTION_TIME_IN_DAYS", layers)
            .0
    }

    fn show(&self, s: Show) -> Result<QueryResult, SfError> {
        match &s.what {
            ShowWhat::Databases => {
                let mut rows = Vec::new();
                for db in self.cat.databases.values() {
                    let cells = if s.terse {
                        vec![
                            ts(db.created_on),
                            text(&db.name),
                            text("STANDARD"),
                            None,
                            None,
                        ]
                    } else {
                        let mut c = vec![
                            ts(db.created_on),
                            text(&db.name),
                            yn(false),
                            yn(self.sess.database.as_deref() == Some(&db.name)),
                            text(""),
                            text(&db.owner),
                            text(db.comment.clone().unwrap_or_default()),
                            text(if db.transient { "TRANSIENT" } else { "" }),
                            text(self.retention(&[(&db.params, "DATABASE")])),
                        ];
                        if s.history {
                            c.push(None);
                        }
                        c.extend([text("STANDARD"), text("ROLE"), None, None]);
                        c
                    };
                    rows.push((db.name.clone(), cells));
                }
                let mut columns: Vec<(&str, ColType)> = if s.terse {
                    cols::TERSE.to_vec()
                } else {
                    cols::DATABASES.to_vec()
                };
                if s.history && !s.terse {
                    columns.insert(9, ("dropped_on", ColType::TimestampLtz));
                }
                self.finish(&s, &columns, rows, Some("DATABASES"))
            }
            ShowWhat::Schemas => {
                let dbs: Vec<&Database> = match &s.scope {
                    Some(Scope::Account) => self.cat.databases.values().collect(),
                    Some(Scope::Database(Some(n))) | Some(Scope::Bare(n)) => {
                        if n.len() != 1 {
                            return Err(SfError::syntax_at(1, 0, &n.join(".")));
                        }
                        vec![
                            self.cat
                                .databases
                                .get(&n[0])
                                .ok_or_else(SfError::cannot_perform)?,
                        ]
                    }
                    Some(Scope::Database(None)) | None => match &self.sess.database {
                        Some(d) => vec![
                            self.cat
                                .databases
                                .get(d)
                                .ok_or_else(SfError::cannot_perform)?,
                        ],
                        None if s.scope.is_none() => self.cat.databases.values().collect(),
                        None => return Err(SfError::no_current_database("SHOW SCHEMAS")),
                    },
                    _ => return Err(SfError::syntax_at(1, 0, "IN")),
                };
                let mut all = Vec::new();
                for db in dbs {
                    let mut rows = Vec::new();
                    let is_cur = |n: &str| {
                        self.sess.database.as_deref() == Some(&db.name)
                            && self.sess.schema.as_deref() == Some(n)
                    };
                    let info = (
                        "INFORMATION_SCHEMA".to_string(),
                        if s.terse {
                            vec![
                                ts(db.created_on),
                                text("INFORMATION_SCHEMA"),
                                None,
                                text(&db.name),
                                None,
                            ]
                        } else {
                            let mut c = vec![
                                ts(db.created_on),
                                text("INFORMATION_SCHEMA"),
                                yn(false),
                                yn(is_cur("INFORMATION_SCHEMA")),
                                text(&db.name),
                                text(""),
                                text("Views describing the contents of schemas in this database"),
                                text(""),
                                text("1"),
                                text("N"),
                            ];
                            if s.history {
                                c.push(None);
                            }
                            c.extend([None, None]);
                            c
                        },
                    );
                    rows.push(info);
                    for sc in db.schemas.values() {
                        let cells = if s.terse {
                            vec![
                                ts(sc.created_on),
                                text(&sc.name),
                                None,
                                text(&db.name),
                                None,
                            ]
                        } else {
                            let mut opts = Vec::new();
                            if sc.transient {
                                opts.push("TRANSIENT");
                            }
                            if sc.managed_access {
                                opts.push("MANAGED ACCESS");
                            }
                            let mut c = vec![
                                ts(sc.created_on),
                                text(&sc.name),
                                yn(false),
                                yn(is_cur(&sc.name)),
                                text(&db.name),
                                text(&sc.owner),
                                text(sc.comment.clone().unwrap_or_default()),
                                text(opts.join(", ")),
                                text(self.retention(&[
                                    (&sc.params, "SCHEMA"),
                                    (&db.params, "DATABASE"),
                                ])),
                                text("N"),
                            ];
                            if s.history {
                                c.push(None);
                            }
                            c.extend([text("ROLE"), None]);
                            c
                        };
                        rows.push((sc.name.clone(), cells));
                    }
                    rows.sort_by(|a, b| a.0.cmp(&b.0));
                    all.extend(rows);
                }
                let mut columns: Vec<(&str, ColType)> = if s.terse {
                    cols::TERSE.to_vec()
                } else {
                    cols::SCHEMAS.to_vec()
                };
                if !s.terse {
                    // is_nested sits after retention_time; rows above were built in that order.
                    let is_nested = columns.remove(11);
                    columns.insert(9, is_nested);
                    if s.history {
                        columns.insert(10, ("dropped_on", ColType::TimestampLtz));
                    }
                }
                self.finish(&s, &columns, all, Some("SCHEMAS"))
            }
            ShowWhat::Warehouses => {
                let mut rows = Vec::new();
                for w in self.cat.warehouses.values() {
                    let started = w.state == "STARTED";
                    let pct = |v: &str| if started { text(v) } else { text("") };
                    rows.push((
                        w.name.clone(),
                        vec![
                            text(&w.name),
                            text(&w.state),
                            text(&w.wtype),
                            text(&w.size),
                            num(w.min_cluster_count),
                            num(w.max_cluster_count),
                            num(if started { w.min_cluster_count } else { 0 }),
                            num(0),
                            num(0),
                            yn(false),
                            yn(self.sess.warehouse.as_deref() == Some(&w.name)),
                            yn(false),
                            w.auto_suspend.map(|v| v.to_string()),
                            tf(w.auto_resume),
                            pct("100"),
                            pct("0"),
                            pct("0"),
                            pct("0"),
                            ts(w.created_on),
                            ts(w.resumed_on),
                            ts(w.updated_on),
                            text(&w.owner),
                            text(w.comment.clone().unwrap_or_default()),
                            tf(w.enable_query_acceleration),
                            num(w.query_acceleration_max_scale_factor),
                            text(w.resource_monitor.clone().unwrap_or_else(|| "null".into())),
                            num(if started { w.min_cluster_count } else { 0 }),
                            num(0),
                            num(0),
                            num(if started { 0 } else { w.max_cluster_count }),
                            text(format!("{}", w.created_on)),
                            text(&w.scaling_policy),
                            text("ROLE"),
                            w.resource_constraint.clone(),
                            w.generation.clone(),
                            None,
                            None,
                            None,
                        ],
                    ));
                }
                let mut r = self.finish(&s, cols::WAREHOUSES, rows, None)?;
                r.rows.truncate(10_000);
                Ok(r)
            }
            ShowWhat::Roles => {
                let current = self.cat.role_closure(&self.sess.role);
                let default_role = self
                    .cat
                    .users
                    .get(&self.sess.user)
                    .and_then(|u| u.default_role.clone());
                let mut rows = Vec::new();
                for r in self.cat.roles.values() {
                    let users = self
                        .cat
                        .role_grants
                        .iter()
                        .filter(|g| g.role == r.name && matches!(g.grantee, Grantee::User(_)))
                        .count();
                    let to_roles = self
                        .cat
                        .role_grants
                        .iter()
                        .filter(|g| g.role == r.name && matches!(g.grantee, Grantee::Role(_)))
                        .count();
                    let granted = self.cat.granted_roles(&r.name).len();
                    rows.push((
                        r.name.clone(),
                        vec![
                            ts(r.created_on),
                            text(&r.name),
                            yn(default_role.as_deref() == Some(&r.name)),
                            yn(self.sess.role == r.name),
                            yn(r.name != self.sess.role && current.contains(&r.name)),
                            num(users as i64),
                            num(to_roles as i64),
                            num(granted as i64),
                            text(&r.owner),
                            text(r.comment.clone().unwrap_or_default()),
                        ],
                    ));
                }
                self.finish(&s, cols::ROLES, rows, None)
            }
            ShowWhat::Users => {
                let mut rows = Vec::new();
                for u in self.cat.users.values() {
                    rows.push((
                        u.name.clone(),
                        vec![
                            text(&u.name),
                            ts(u.created_on),
                            text(&u.login_name),
                            text(&u.display_name),
                            u.first_name.clone(),
                            u.last_name.clone(),
                            u.email.clone(),
                            None,
                            None,
                            u.comment.clone(),
                            tf(u.disabled),
                            tf(u.must_change_password),
                            tf(false),
                            u.default_warehouse.clone(),
                            u.default_namespace.clone(),
                            u.default_role.clone(),
                            text("[\"ALL\"]"),
                            tf(false),
                            None,
                            None,
                            text(&u.owner),
                            None,
                            None,
                            None,
                            tf(u.has_password),
                            tf(u.has_rsa_public_key),
                            u.user_type.clone(),
                            tf(false),
                            tf(false),
                            tf(false),
                            tf(false),
                        ],
                    ));
                }
                self.finish(&s, cols::USERS, rows, Some("USERS"))
            }
            ShowWhat::Tables => {
                let mut schemas: Vec<(&Database, &Schema)> = Vec::new();
                match &s.scope {
                    Some(Scope::Account) => {
                        for db in self.cat.databases.values() {
                            schemas.extend(all_in(db));
                        }
                    }
                    Some(Scope::Database(n)) => {
                        let d = match n {
                            Some(n) => n[0].clone(),
                            None => self
                                .sess
                                .database
                                .clone()
                                .ok_or_else(|| SfError::no_current_database("SHOW TABLES"))?,
                        };
                        schemas.extend(all_in(
                            self.cat
                                .databases
                                .get(&d)
                                .ok_or_else(SfError::cannot_perform)?,
                        ));
                    }
                    Some(Scope::Schema(n)) => {
                        let (d, sc) = match n {
                            Some(n) => self.schema_path(n, "SHOW TABLES")?,
                            None => (
                                self.sess
                                    .database
                                    .clone()
                                    .ok_or_else(|| SfError::no_current_database("SHOW TABLES"))?,
                                self.sess
                                    .schema
                                    .clone()
                                    .ok_or_else(SfError::cannot_perform)?,
                            ),
                        };
                        let db = self
                            .cat
                            .databases
                            .get(&d)
                            .ok_or_else(SfError::cannot_perform)?;
                        if sc != "INFORMATION_SCHEMA" {
                            schemas.push((
                                db,
                                db.schemas.get(&sc).ok_or_else(SfError::cannot_perform)?,
                            ));
                        }
                    }
                    Some(Scope::Bare(n)) => {
                        if n.len() == 2 {
                            let db = self
                                .cat
                                .databases
                                .get(&n[0])
                                .ok_or_else(SfError::cannot_perform)?;
                            schemas.push((
                                db,
                                db.schemas.get(&n[1]).ok_or_else(SfError::cannot_perform)?,
                            ));
                        } else if let Some(db) = self
                            .sess
                            .database
                            .as_ref()
                            .and_then(|d| self.cat.databases.get(d))
                            .filter(|db| db.schemas.contains_key(&n[0]))
                        {
                            schemas.push((db, &db.schemas[&n[0]]));
                        } else {
                            schemas.extend(all_in(
                                self.cat
                                    .databases
                                    .get(&n[0])
                                    .ok_or_else(SfError::cannot_perform)?,
                            ));
                        }
                    }
                    None => match (&self.sess.database, &self.sess.schema) {
                        (Some(d), Some(sc)) => {
                            if let Some(db) = self.cat.databases.get(d)
                                && let Some(x) = db.schemas.get(sc)
                            {
                                schemas.push((db, x));
                            }
                        }
                        (Some(d), None) => {
                            if let Some(db) = self.cat.databases.get(d) {
                                schemas.extend(all_in(db));
                            }
                        }
                        _ => {
                            for db in self.cat.databases.values() {
                                schemas.extend(all_in(db));
                            }
                        }
                    },
                    _ => return Err(SfError::syntax_at(1, 0, "IN")),
                }
                let mut rows = Vec::new();
                for (db, sc) in schemas {
                    for t in sc.tables.values() {
                        rows.push((
                            t.name.clone(),
                            vec![
                                ts(t.created_on),
                                text(&t.name),
                                text(&db.name),
                                text(&sc.name),
                                text(if t.transient { "TRANSIENT" } else { "TABLE" }),
                                text(t.comment.clone().unwrap_or_default()),
                                text(""),
                                num(0),
                                num(0),
                                text(&t.owner),
                                text(self.retention(&[
                                    (&sc.params, "SCHEMA"),
                                    (&db.params, "DATABASE"),
                                ])),
                                text("OFF"),
                                text("OFF"),
                                text("OFF"),
                                None,
                                None,
                                text("N"),
                                text("N"),
                                text("ROLE"),
                                text("N"),
                                None,
                                text("N"),
                                text("N"),
                                text("N"),
                                text("N"),
                            ],
                        ));
                    }
                }
                self.finish(&s, cols::TABLES, rows, Some("TABLES"))
            }
            ShowWhat::Parameters => self.show_parameters(&s),
            ShowWhat::Grants(g) => self.show_grants(g, s.limit),
        }
    }

    fn show_parameters(&self, s: &Show) -> Result<QueryResult, SfError> {
        let (scope_level, layers): (&str, Vec<(&Params, &str)>) = match &s.scope {
            None | Some(Scope::Session) => ("SESSION", vec![(&self.sess.params, "SESSION")]),
            Some(Scope::User(_)) => ("SESSION", vec![]),
            Some(Scope::Account) => ("ACCOUNT", vec![]),
            Some(Scope::Database(n)) => {
                let d = match n {
                    Some(n) => n[0].clone(),
                    None => self
                        .sess
                        .database
                        .clone()
                        .ok_or_else(|| SfError::no_current_database("SHOW PARAMETERS"))?,
                };
                let db = self
                    .cat
                    .databases
                    .get(&d)
                    .ok_or_else(|| SfError::does_not_exist("Database", &d))?;
                ("DATABASE", vec![(&db.params, "DATABASE")])
            }
            Some(Scope::Schema(n)) => {
                let (d, sc) = match n {
                    Some(n) => self.schema_path(n, "SHOW PARAMETERS")?,
                    None => (
                        self.sess
                            .database
                            .clone()
                            .ok_or_else(|| SfError::no_current_database("SHOW PARAMETERS"))?,
                        self.sess
                            .schema
                            .clone()
                            .ok_or_else(SfError::cannot_perform)?,
                    ),
                };
                self.schema_exists(&d, &sc)?;
                let db = &self.cat.databases[&d];
                match db.schemas.get(&sc) {
                    Some(x) => (
                        "SCHEMA",
                        vec![(&x.params, "SCHEMA"), (&db.params, "DATABASE")],
                    ),
                    None => ("SCHEMA", vec![(&db.params, "DATABASE")]),
                }
            }
            Some(Scope::Warehouse(n)) => {
                let w = match n {
                    Some(n) => n[0].clone(),
                    None => self
                        .sess
                        .warehouse
                        .clone()
                        .ok_or_else(SfError::cannot_perform)?,
                };
                let wh = self
                    .cat
                    .warehouses
                    .get(&w)
                    .ok_or_else(|| SfError::does_not_exist("Warehouse", &w))?;
                ("WAREHOUSE", vec![(&wh.params, "WAREHOUSE")])
            }
            Some(Scope::Bare(_)) => return Err(SfError::syntax_at(1, 0, "IN")),
        };
        let mut rows = Vec::new();
        for p in params::PARAMS
            .iter()
            .filter(|p| p.levels.contains(&scope_level))
        {
            let (value, level) = if scope_level == "ACCOUNT" {
                match self.cat.account_params.get(p.key) {
                    Some(v) => (v.clone(), "ACCOUNT".to_string()),
                    None => (p.default.to_string(), String::new()),
                }
            } else {
                self.effective_param(p.key, &layers)
            };
            rows.push((
                p.key.to_string(),
                vec![
                    text(p.key),
                    text(value),
                    text(p.default),
                    text(level),
                    text(p.description),
                    text(p.ty),
                ],
            ));
        }
        rows.retain(|(k, _)| s.like.as_ref().is_none_or(|pat| like(pat, k)));
        let mut r = QueryResult::with_columns(cols::PARAMETERS);
        r.rows = rows.into_iter().map(|(_, c)| c).collect();
        Ok(r)
    }

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

    fn show_grants(&self, g: &ShowGrants, limit: Option<usize>) -> Result<QueryResult, SfError> {
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
            ShowGrants::FutureTo(role) => {
                self.role_exists(role)?;
                r = QueryResult::with_columns(cols::FUTURE_GRANTS);
                for f in self.cat.future_grants.iter().filter(|f| f.grantee == *role) {
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
            text("ROLE"),
            text(&f.grantee),
            tf(f.grant_option),
        ]
    }

    // ---------- DESCRIBE ----------

    fn describe(&self, kind: Kind, name: Name) -> Result<QueryResult, SfError> {
        let mut r = QueryResult::with_columns(cols::DESCRIBE_CONTAINER);
        match kind {
            Kind::Database => {
                let db = self
                    .cat
                    .databases
                    .get(&name[0])
                    .ok_or_else(|| SfError::does_not_exist("Database", &name[0]))?;
                r.rows.push(vec![
                    ts(db.created_on),
                    text("INFORMATION_SCHEMA"),
                    text("SCHEMA"),
                ]);
                for sc in db.schemas.values() {
                    r.rows
                        .push(vec![ts(sc.created_on), text(&sc.name), text("SCHEMA")]);
                }
                r.rows.sort_by(|a, b| a[1].cmp(&b[1]));
            }
            Kind::Schema => {
                let (d, s) = self.schema_path(&name, "DESCRIBE SCHEMA")?;
                self.schema_exists(&d, &s)?;
                if let Some(sc) = self.cat.databases[&d].schemas.get(&s) {
                    for t in sc.tables.values() {
                        r.rows
                            .push(vec![ts(t.created_on), text(&t.name), text("TABLE")]);
                    }
                }
            }
            Kind::Warehouse => {
                let w = self
                    .cat
                    .warehouses
                    .get(&name[0])
                    .ok_or_else(|| SfError::does_not_exist("Warehouse", &name[0]))?;
                r.rows
                    .push(vec![ts(w.created_on), text(&w.name), text("WAREHOUSE")]);
            }
            Kind::Table => {
                let (d, s, o) = self.object_path(&name, "DESCRIBE TABLE")?;
                let t = self
                    .cat
                    .databases
                    .get(&d)
                    .and_then(|db| db.schemas.get(&s))
                    .and_then(|sc| sc.tables.get(&o))
                    .ok_or_else(|| {
                        SfError::new("002003", "42S02", format!("SQL compilation error:\nTable '{d}.{s}.{o}' does not exist or not authorized."))
                    })?;
                r = QueryResult::with_columns(cols::DESCRIBE_TABLE);
                for (c, ty) in &t.columns {
                    r.rows.push(vec![
                        text(c),
                        text(ty),
                        text("COLUMN"),
                        text("Y"),
                        None,
                        text("N"),
                        text("N"),
                        None,
                        None,
                        None,
                        None,
                        None,
                    ]);
                }
            }
            Kind::Role | Kind::User => return Err(SfError::syntax_at(1, 9, kind.word())),
        }
        Ok(r)
    }

    // ---------- SELECT ----------

    fn select(&self, items: Vec<SelectItem>) -> Result<QueryResult, SfError> {
        let mut r = QueryResult {
            columns: Vec::new(),
            rows: vec![Vec::new()],
        };
        for it in items {
            let (ty, v) = self.eval(&it.expr)?;
            r.columns.push(Column { name: it.name, ty });
            r.rows[0].push(v);
        }
        Ok(r)
    }

    fn eval(&self, e: &Expr) -> Result<(ColType, Cell), SfError> {
        Ok(match e {
            Expr::Lit(Value::Num(n)) => (ColType::Fixed, Some(n.clone())),
            Expr::Lit(Value::Str(s)) => (ColType::Text, Some(s.clone())),
            Expr::Lit(Value::Bool(b)) => {
                (ColType::Boolean, Some(if *b { "1" } else { "0" }.into()))
            }
            Expr::Lit(_) => (ColType::Text, None),
            Expr::Neg(inner) => match self.eval(inner)? {
                (ColType::Fixed, Some(n)) => (
                    ColType::Fixed,
                    Some(
                        n.strip_prefix('-')
                            .map(str::to_string)
                            .unwrap_or(format!("-{n}")),
                    ),
                ),
                _ => {
                    return Err(SfError::new(
                        "001044",
                        "42P13",
                        "SQL compilation error:\nInvalid argument types for function '-'",
                    ));
                }
            },
            Expr::Call(f, args) => {
                let arity = |n: usize| -> Result<(), SfError> {
                    if args.len() == n {
                        Ok(())
                    } else {
                        Err(SfError::new(
                            "000938",
                            "42601",
                            format!(
                                "SQL compilation error:\nerror line 1 at position 7\nnot enough arguments for function [{f}], expected {n}, got {}",
                                args.len()
                            ),
                        ))
                    }
                };
                let txt = |s: Option<String>| (ColType::Text, s);
                match f.as_str() {
                    "CURRENT_ACCOUNT" | "CURRENT_ACCOUNT_NAME" => {
                        arity(0)?;
                        txt(Some(self.account.name.clone()))
                    }
                    "CURRENT_ORGANIZATION_NAME" => {
                        arity(0)?;
                        txt(Some(ORGANIZATION.into()))
                    }
                    "CURRENT_REGION" => {
                        arity(0)?;
                        txt(Some(REGION.into()))
                    }
                    "CURRENT_VERSION" => {
                        arity(0)?;
                        txt(Some(VERSION.into()))
                    }
                    "CURRENT_USER" => {
                        arity(0)?;
                        txt(Some(self.sess.user.clone()))
                    }
                    "CURRENT_ROLE" => {
                        arity(0)?;
                        txt(Some(self.sess.role.clone()))
                    }
                    "CURRENT_ROLE_TYPE" => {
                        arity(0)?;
                        txt(Some("ROLE".into()))
                    }
                    "CURRENT_SECONDARY_ROLES" => {
                        arity(0)?;
                        let v = if self.sess.secondary_all {
                            let mut roles = self.cat.user_roles(&self.sess.user);
                            roles.retain(|r| *r != self.sess.role);
                            roles.sort();
                            serde_json::json!({"roles": roles.join(","), "value": "ALL"})
                        } else {
                            serde_json::json!({"roles": "", "value": ""})
                        };
                        txt(Some(v.to_string()))
                    }
                    "CURRENT_AVAILABLE_ROLES" => {
                        arity(0)?;
                        txt(Some(
                            serde_json::to_string(&self.available_roles()).unwrap_or_default(),
                        ))
                    }
                    "CURRENT_SESSION" => {
                        arity(0)?;
                        txt(Some(self.sess.id.to_string()))
                    }
                    "CURRENT_DATABASE" => {
                        arity(0)?;
                        txt(self.sess.database.clone())
                    }
                    "CURRENT_SCHEMA" => {
                        arity(0)?;
                        txt(if self.sess.database.is_some() {
                            self.sess.schema.clone()
                        } else {
                            None
                        })
                    }
                    "CURRENT_WAREHOUSE" => {
                        arity(0)?;
                        txt(self.sess.warehouse.clone())
                    }
                    "CURRENT_CLIENT" => {
                        arity(0)?;
                        txt(Some("snowflake-emulator".into()))
                    }
                    "CURRENT_TIMESTAMP" | "SYSDATE" | "LOCALTIMESTAMP" => {
                        (ColType::TimestampLtz, ts(now_ms()))
                    }
                    "IS_ROLE_IN_SESSION" => {
                        arity(1)?;
                        let (_, v) = self.eval(&args[0])?;
                        let Some(name) = v else {
                            return Ok((ColType::Boolean, None));
                        };
                        let roles = self.session_roles();
                        let inside =
                            roles.contains(&name) || roles.contains(&name.to_ascii_uppercase());
                        (
                            ColType::Boolean,
                            Some(if inside { "1" } else { "0" }.into()),
                        )
                    }
                    "SYSTEM$BOOTSTRAP_DATA_REQUEST" => {
                        if args.len() > 1 {
                            arity(1)?;
                        }
                        let doc = serde_json::json!({
                            "accountInfo": {
                                "accountName": self.account.name,
                                "accountLocator": self.account.name,
                                "organizationName": ORGANIZATION,
                                "edition": self.account.edition,
                                "region": REGION,
                                "cloud": "AWS",
                                "serverVersion": VERSION,
                            },
                            "currentSession": {
                                "id": self.sess.id,
                                "user": self.sess.user,
                                "role": self.sess.role,
                                "database": self.sess.database,
                                "schema": self.sess.schema,
                                "warehouse": self.sess.warehouse,
                            }
                        });
                        txt(Some(doc.to_string()))
                    }
                    "SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES" => {
                        arity(0)?;
                        txt(Some(
                            serde_json::json!([
                                {"name": "2025_06", "isDefault": true, "isEnabled": true},
                                {"name": "2025_07", "isDefault": false, "isEnabled": false}
                            ])
                            .to_string(),
                        ))
                    }
                    _ => {
                        return Err(SfError::new(
                            "002140",
                            "42601",
                            format!("SQL compilation error:\nUnknown function {f}"),
                        ));
                    }
                }
            }
        })
    }
}

fn all_in(db: &Database) -> Vec<(&Database, &Schema)> {
    db.schemas.values().map(|sc| (db, sc)).collect()
}

fn bool_value(k: &str, v: &Value) -> Result<bool, SfError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Str(s) | Value::Ident(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::Str(s) | Value::Ident(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(SfError::invalid_value(&other.text(), k)),
    }
}

fn int_value(k: &str, v: &Value) -> Result<i64, SfError> {
    match v {
        Value::Num(n) | Value::Str(n) => n.parse().map_err(|_| SfError::invalid_value(n, k)),
        other => Err(SfError::invalid_value(&other.text(), k)),
    }
}

/// `XSMALL`, `'X-SMALL'`, `X2LARGE`, `'2X-LARGE'`, ... to SHOW's display form.
pub fn warehouse_size(v: &str) -> Option<&'static str> {
    let k: String = v
        .to_ascii_uppercase()
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect();
    Some(match k.as_str() {
        "XSMALL" => "X-Small",
        "SMALL" => "Small",
        "MEDIUM" => "Medium",
        "LARGE" => "Large",
        "XLARGE" => "X-Large",
        "XXLARGE" | "X2LARGE" | "2XLARGE" => "2X-Large",
        "XXXLARGE" | "X3LARGE" | "3XLARGE" => "3X-Large",
        "X4LARGE" | "4XLARGE" => "4X-Large",
        "X5LARGE" | "5XLARGE" => "5X-Large",
        "X6LARGE" | "6XLARGE" => "6X-Large",
        _ => return None,
    })
}

fn apply_wh_prop(w: &mut Warehouse, k: &str, v: &Value) -> Result<(), SfError> {
    match k {
        "WAREHOUSE_SIZE" => {
            w.size = warehouse_size(&v.text())
                .ok_or_else(|| SfError::invalid_value(&v.text(), k))?
                .into()
        }
        "WAREHOUSE_TYPE" => {
            let t = v.text().to_ascii_uppercase().replace('_', "-");
            if !["STANDARD", "SNOWPARK-OPTIMIZED", "ADAPTIVE"].contains(&t.as_str()) {
                return Err(SfError::invalid_value(&v.text(), k));
            }
            w.wtype = t;
        }
        "MAX_CLUSTER_COUNT" => w.max_cluster_count = int_value(k, v)?,
        "MIN_CLUSTER_COUNT" => w.min_cluster_count = int_value(k, v)?,
        "SCALING_POLICY" => {
            let t = v.text().to_ascii_uppercase();
            if t != "STANDARD" && t != "ECONOMY" {
                return Err(SfError::invalid_value(&v.text(), k));
            }
            w.scaling_policy = t;
        }
        "AUTO_SUSPEND" => {
            w.auto_suspend = match v {
                Value::Null => None,
                _ => {
                    let n = int_value(k, v)?;
                    if n < 0 {
                        return Err(SfError::invalid_value(&n.to_string(), k));
                    }
                    Some(n)
                }
            }
        }
        "AUTO_RESUME" => w.auto_resume = bool_value(k, v)?,
        "RESOURCE_MONITOR" => {
            w.resource_monitor = if *v == Value::Null {
                None
            } else {
                Some(v.text())
            }
        }
        "COMMENT" => w.comment = Some(v.text()),
        "ENABLE_QUERY_ACCELERATION" => w.enable_query_acceleration = bool_value(k, v)?,
        "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => {
            let n = int_value(k, v)?;
            if !(0..=100).contains(&n) {
                return Err(SfError::invalid_value(&n.to_string(), k));
            }
            w.query_acceleration_max_scale_factor = n;
        }
        "RESOURCE_CONSTRAINT" => w.resource_constraint = Some(v.text().to_ascii_uppercase()),
        "GENERATION" => w.generation = Some(v.text()),
        "WAIT_FOR_COMPLETION" => {
            bool_value(k, v)?;
        }
        _ => {
            params::validate(k, v)?;
            w.params.insert(k.to_string(), v.text());
        }
    }
    Ok(())
}

fn check_clusters(w: &Warehouse) -> Result<(), SfError> {
    if w.min_cluster_count < 1 || w.max_cluster_count < 1 || w.max_cluster_count > 300 {
        let bad = if w.min_cluster_count < 1 {
            w.min_cluster_count
        } else {
            w.max_cluster_count
        };
        return Err(SfError::invalid_value(
            &bad.to_string(),
            "MAX_CLUSTER_COUNT",
        ));
    }
    if w.min_cluster_count > w.max_cluster_count {
        return Err(SfError::new(
            "001008",
            "22023",
            "SQL compilation error:\ninvalid value for MIN_CLUSTER_COUNT: must be less than or equal to MAX_CLUSTER_COUNT",
        ));
    }
    Ok(())
}

fn apply_user_prop(u: &mut User, k: &str, v: &Value) -> Result<(), SfError> {
    let s = || Some(v.text());
    match k {
        "PASSWORD" => u.has_password = true,
        "LOGIN_NAME" => u.login_name = v.text().to_ascii_uppercase(),
        "DISPLAY_NAME" => u.display_name = v.text(),
        "FIRST_NAME" => u.first_name = s(),
        "LAST_NAME" => u.last_name = s(),
        "EMAIL" => u.email = s(),
        "COMMENT" => u.comment = s(),
        "DISABLED" => u.disabled = bool_value(k, v)?,
        "MUST_CHANGE_PASSWORD" => u.must_change_password = bool_value(k, v)?,
        "DEFAULT_WAREHOUSE" => u.default_warehouse = s(),
        "DEFAULT_NAMESPACE" => u.default_namespace = s(),
        "DEFAULT_ROLE" => u.default_role = s(),
        "RSA_PUBLIC_KEY" | "RSA_PUBLIC_KEY_2" => u.has_rsa_public_key = true,
        "TYPE" => u.user_type = Some(v.text().to_ascii_uppercase()),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("my_db", "MYXDB"));
        assert!(like("%db%", "MY_DB_1"));
        assert!(!like("my\\_db", "MYXDB"));
        assert!(like("my\\_db", "MY_DB"));
        assert!(like("%\\_\\_T\\_ROLE", "A__T_ROLE"));
        assert!(!like("%\\_\\_T\\_ROLE", "A_XT_ROLE"));
        assert!(like("", ""));
        assert!(!like("a", ""));
    }

    fn run(cat: &mut Catalog, sess: &mut Session, sql: &str) -> Result<QueryResult, SfError> {
        let account = Account {
            name: "ACCT".into(),
            edition: "STANDARD".into(),
        };
        Exec {
            cat,
            sess,
            account: &account,
        }
        .run(crate::parser::parse(sql)?)
        .map(|o| o.result)
    }

    fn session() -> Session {
        Session {
            id: 1,
            user: "ADMIN".into(),
            role: "ACCOUNTADMIN".into(),
            secondary_all: true,
            warehouse: None,
            database: None,
            schema: None,
            params: Params::new(),
        }
    }

    #[test]
    fn ten_thousand_row_limits() {
        let mut cat = Catalog::new_account("ADMIN");
        let mut sess = session();
        for i in 0..10_001 {
            run(&mut cat, &mut sess, &format!("CREATE DATABASE D{i:05}")).unwrap();
            run(&mut cat, &mut sess, &format!("CREATE WAREHOUSE W{i:05}")).unwrap();
        }
        // Databases: an error without LIMIT, LIMIT capped at 10000, paging with FROM.
        assert_eq!(
            run(&mut cat, &mut sess, "SHOW DATABASES").unwrap_err().code,
            "000903"
        );
        assert_eq!(
            run(&mut cat, &mut sess, "SHOW DATABASES LIMIT 10000")
                .unwrap()
                .rows
                .len(),
            10_000
        );
        let last = run(&mut cat, &mut sess, "SHOW DATABASES LIMIT 10 FROM 'D09999'").unwrap();
        assert_eq!(last.rows.len(), 1);
        assert_eq!(
            run(&mut cat, &mut sess, "SHOW DATABASES LIKE 'D0000_'")
                .unwrap()
                .rows
                .len(),
            10
        );
        // Warehouses: silently truncated.
        assert_eq!(
            run(&mut cat, &mut sess, "SHOW WAREHOUSES")
                .unwrap()
                .rows
                .len(),
            10_000
        );
    }

    #[test]
    fn role_drop_takes_its_grants() {
        let mut cat = Catalog::new_account("ADMIN");
        let mut sess = session();
        for sql in [
            "CREATE DATABASE D",
            "CREATE ROLE R",
            "GRANT USAGE ON DATABASE D TO ROLE R",
            "GRANT ROLE R TO ROLE SYSADMIN",
            "DROP ROLE R",
        ] {
            run(&mut cat, &mut sess, sql).unwrap();
        }
        assert!(cat.grants.is_empty());
        assert_eq!(cat.role_grants.len(), 4);
    }

    #[test]
    fn sizes() {
        assert_eq!(warehouse_size("XSMALL"), Some("X-Small"));
        assert_eq!(warehouse_size("x-small"), Some("X-Small"));
        assert_eq!(warehouse_size("X2LARGE"), Some("2X-Large"));
        assert_eq!(warehouse_size("2X-LARGE"), Some("2X-Large"));
        assert_eq!(warehouse_size("HUGE"), None);
    }
}
