//! The account's catalog: what Snowflake would keep for databases, schemas,
//! warehouses, roles, users and grants. Plain data, serialisable for `--data`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub type Params = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Database {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub comment: Option<String>,
    pub transient: bool,
    pub params: Params,
    pub schemas: BTreeMap<String, Schema>,
    /// The share an imported database comes from (`SNOWFLAKE.ACCOUNT_USAGE`);
    /// such a database and its schemas are read-only.
    #[serde(default)]
    pub origin: Option<String>,
    /// Its database roles, by name.
    #[serde(default)]
    pub database_roles: BTreeMap<String, DatabaseRole>,
}

/// A database role (`CREATE DATABASE ROLE d.r`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DatabaseRole {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub comment: Option<String>,
}

/// Who holds a database role: an account role or a database role of the
/// same database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum DatabaseRoleGrantee {
    Role(String),
    DatabaseRole(String),
}

/// `GRANT DATABASE ROLE d.r TO { ROLE p | DATABASE ROLE d.x }`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseRoleGrant {
    pub created_on: i64,
    pub database: String,
    pub role: String,
    pub grantee: DatabaseRoleGrantee,
    pub granted_by: String,
}

/// `GRANT privilege ON target TO DATABASE ROLE d.r`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseRolePrivilege {
    pub created_on: i64,
    pub privilege: String,
    pub target: Target,
    pub database: String,
    pub role: String,
    pub granted_by: String,
}

/// The system database every account has, imported from a share.
pub const SNOWFLAKE_DB: &str = "SNOWFLAKE";

/// Its schemas, as the SNOWFLAKE database page of the docs lists them.
const SNOWFLAKE_SCHEMAS: [&str; 9] = [
    "ACCOUNT_USAGE",
    "ALERT",
    "CORE",
    "DATA_PRIVACY",
    "DATA_SHARING_USAGE",
    "LOCAL",
    "NOTIFICATION",
    "ORGANIZATION_USAGE",
    "READER_ACCOUNT_USAGE",
];

fn snowflake_database(t: i64) -> Database {
    let schema = |name: &str| Schema {
        name: name.into(),
        created_on: t,
        owner: String::new(),
        comment: None,
        transient: false,
        managed_access: false,
        params: Params::new(),
        tables: BTreeMap::new(),
        tasks: BTreeMap::new(),
    };
    Database {
        name: SNOWFLAKE_DB.into(),
        created_on: t,
        owner: String::new(),
        comment: None,
        transient: false,
        params: Params::new(),
        schemas: SNOWFLAKE_SCHEMAS
            .iter()
            .map(|n| (n.to_string(), schema(n)))
            .collect(),
        database_roles: BTreeMap::new(),
        origin: Some("SNOWFLAKE.ACCOUNT_USAGE".into()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Schema {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub comment: Option<String>,
    pub transient: bool,
    pub managed_access: bool,
    pub params: Params,
    pub tables: BTreeMap<String, Table>,
    #[serde(default)]
    pub tasks: BTreeMap<String, Task>,
}

/// A task (`kinds::task`): its properties, graph links (predecessors in the
/// same schema, by name) and state; never run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    pub id: String,
    pub created_on: i64,
    pub owner: String,
    pub comment: Option<String>,
    pub warehouse: Option<String>,
    pub schedule: Option<String>,
    pub config: Option<String>,
    pub allow_overlapping_execution: bool,
    pub suspend_task_after_num_failures: i64,
    pub user_task_timeout_ms: Option<i64>,
    pub task_auto_retry_attempts: i64,
    /// Names of the predecessor tasks (same database and schema).
    pub predecessors: Vec<String>,
    pub condition: Option<String>,
    pub definition: String,
    /// `started` or `suspended`.
    pub state: String,
    pub last_committed_on: Option<i64>,
    pub last_suspended_on: Option<i64>,
    pub last_suspended_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub comment: Option<String>,
    pub transient: bool,
    pub columns: Vec<(String, String)>,
    #[serde(default)]
    pub change_tracking: bool,
    #[serde(default)]
    pub params: Params,
    /// Names the table's rows in the data store (new for every CREATE, kept by renames).
    #[serde(default)]
    pub data_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warehouse {
    pub name: String,
    pub created_on: i64,
    pub resumed_on: i64,
    pub updated_on: i64,
    pub owner: String,
    pub comment: Option<String>,
    pub state: String,
    pub wtype: String,
    /// Display form: `X-Small`, `Small`, ...
    pub size: String,
    pub min_cluster_count: i64,
    pub max_cluster_count: i64,
    pub scaling_policy: String,
    pub auto_suspend: Option<i64>,
    pub auto_resume: bool,
    pub enable_query_acceleration: bool,
    pub query_acceleration_max_scale_factor: i64,
    pub resource_monitor: Option<String>,
    pub resource_constraint: Option<String>,
    pub generation: Option<String>,
    pub params: Params,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub created_on: i64,
    /// Blank for system roles.
    pub owner: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct User {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub login_name: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub comment: Option<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub default_warehouse: Option<String>,
    pub default_namespace: Option<String>,
    pub default_role: Option<String>,
    pub has_password: bool,
    pub has_rsa_public_key: bool,
    pub user_type: Option<String>,
    /// `DEFAULT_SECONDARY_ROLES`: `ALL`, or empty for `()`; not set means ALL.
    #[serde(default)]
    pub default_secondary_roles: Option<String>,
}

impl User {
    /// Whether a session of this user starts with `USE SECONDARY ROLES ALL`.
    pub fn secondary_roles_all(&self) -> bool {
        self.default_secondary_roles.as_deref() != Some("")
    }
}

/// What a privilege grant is on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Account,
    Database(String),
    Schema(String, String),
    Warehouse(String),
    /// A schema object: kind (`TABLE`, ...), database, schema, name.
    Object(String, String, String, String),
    Role(String),
    User(String),
    ResourceMonitor(String),
    DatabaseRole(String, String),
}

impl Target {
    pub fn kind(&self) -> String {
        match self {
            Target::Account => "ACCOUNT".into(),
            Target::Database(_) => "DATABASE".into(),
            Target::Schema(..) => "SCHEMA".into(),
            Target::Warehouse(_) => "WAREHOUSE".into(),
            Target::Object(k, ..) => k.clone(),
            Target::Role(_) => "ROLE".into(),
            Target::User(_) => "USER".into(),
            Target::ResourceMonitor(_) => "RESOURCE_MONITOR".into(),
            Target::DatabaseRole(..) => "DATABASE_ROLE".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum Grantee {
    Role(String),
    User(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub created_on: i64,
    pub privilege: String,
    pub target: Target,
    pub grantee: String,
    pub grant_option: bool,
    pub granted_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleGrant {
    pub created_on: i64,
    pub role: String,
    pub grantee: Grantee,
    pub granted_by: String,
    pub grant_option: bool,
}

/// Where a future grant applies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum FutureScope {
    Database(String),
    Schema(String, String),
}

impl FutureScope {
    /// The database the scope is in.
    pub fn database(&self) -> &str {
        match self {
            FutureScope::Database(d) | FutureScope::Schema(d, _) => d,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FutureGrant {
    pub created_on: i64,
    pub privilege: String,
    /// Singular object kind: `TABLE`, `SCHEMA`, `VIEW`, ...
    pub object_type: String,
    pub scope: FutureScope,
    /// An account role, or with `to_database_role` a database role of the
    /// scope's database.
    pub grantee: String,
    pub grant_option: bool,
    #[serde(default)]
    pub to_database_role: bool,
}

impl FutureGrant {
    /// Whether the grantee is account role `role`.
    pub fn to_role(&self, role: &str) -> bool {
        !self.to_database_role && self.grantee == role
    }

    /// Whether the grantee is database role `d.r`.
    pub fn granted_to_database_role(&self, d: &str, r: &str) -> bool {
        self.to_database_role && self.scope.database() == d && self.grantee == r
    }
}

pub const SYSTEM_ROLES: [&str; 6] = [
    "ACCOUNTADMIN",
    "ORGADMIN",
    "PUBLIC",
    "SECURITYADMIN",
    "SYSADMIN",
    "USERADMIN",
];

/// A resource monitor (`CREATE RESOURCE MONITOR`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ResourceMonitor {
    pub name: String,
    pub created_on: i64,
    pub owner: String,
    pub credit_quota: Option<i64>,
    pub frequency: Option<String>,
    /// Epoch milliseconds (`IMMEDIATELY`: the statement's time).
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    /// `(percent, action)`: `NOTIFY`, `SUSPEND`, `SUSPEND_IMMEDIATE`.
    pub triggers: Vec<(i64, String)>,
    pub notify_users: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Catalog {
    pub databases: BTreeMap<String, Database>,
    pub warehouses: BTreeMap<String, Warehouse>,
    pub roles: BTreeMap<String, Role>,
    pub users: BTreeMap<String, User>,
    #[serde(default)]
    pub resource_monitors: BTreeMap<String, ResourceMonitor>,
    #[serde(default)]
    pub database_role_grants: Vec<DatabaseRoleGrant>,
    #[serde(default)]
    pub database_role_privileges: Vec<DatabaseRolePrivilege>,
    pub grants: Vec<Grant>,
    pub role_grants: Vec<RoleGrant>,
    pub future_grants: Vec<FutureGrant>,
    pub account_params: Params,
    /// The account-level resource monitor (`ALTER ACCOUNT SET
    /// RESOURCE_MONITOR = m`): at most one.
    #[serde(default)]
    pub account_monitor: Option<String>,
    /// Table rows (`crate::sql_engine`): not part of the JSON; kept in SQLite.
    #[serde(skip)]
    pub data: crate::sql_engine::DataStore,
}

impl Catalog {
    /// A new account as Snowflake creates it: system roles with their hierarchy,
    /// the login user holding ACCOUNTADMIN, and the shared SNOWFLAKE database.
    pub fn new_account(user: &str) -> Self {
        let t = now_ms();
        let mut c = Catalog::default();
        c.databases
            .insert(SNOWFLAKE_DB.into(), snowflake_database(t));
        for r in SYSTEM_ROLES {
            let comment = match r {
                "ACCOUNTADMIN" => "Account administrator can manage all aspects of the account.",
                "ORGADMIN" => {
                    "Organization administrator can manage organizations and accounts inside the organization"
                }
                "PUBLIC" => "Public role is automatically available to every user in the account.",
                "SECURITYADMIN" => {
                    "Security administrator can manage security aspects of the account."
                }
                "SYSADMIN" => {
                    "System administrator can create and manage databases and warehouses."
                }
                _ => "User administrator can create and manage users and roles",
            };
            c.roles.insert(
                r.into(),
                Role {
                    name: r.into(),
                    created_on: t,
                    owner: String::new(),
                    comment: Some(comment.into()),
                },
            );
        }
        for (role, parent) in [
            ("SYSADMIN", "ACCOUNTADMIN"),
            ("SECURITYADMIN", "ACCOUNTADMIN"),
            ("USERADMIN", "SECURITYADMIN"),
        ] {
            c.role_grants.push(RoleGrant {
                created_on: t,
                role: role.into(),
                grantee: Grantee::Role(parent.into()),
                granted_by: String::new(),
                grant_option: false,
            });
        }
        c.users.insert(
            user.into(),
            User {
                name: user.into(),
                created_on: t,
                owner: "ACCOUNTADMIN".into(),
                login_name: user.into(),
                display_name: user.into(),
                default_role: Some("ACCOUNTADMIN".into()),
                has_password: true,
                ..Default::default()
            },
        );
        c.role_grants.push(RoleGrant {
            created_on: t,
            role: "ACCOUNTADMIN".into(),
            grantee: Grantee::User(user.into()),
            granted_by: String::new(),
            grant_option: false,
        });
        c
    }

    /// Roles directly granted to `role` (children in the hierarchy).
    pub fn granted_roles(&self, role: &str) -> Vec<String> {
        self.role_grants
            .iter()
            .filter(|g| g.grantee == Grantee::Role(role.into()))
            .map(|g| g.role.clone())
            .collect()
    }

    /// `role` and every role it inherits, plus PUBLIC.
    pub fn role_closure(&self, role: &str) -> Vec<String> {
        let mut out = vec![role.to_string()];
        let mut i = 0;
        while i < out.len() {
            for r in self.granted_roles(&out[i].clone()) {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            i += 1;
        }
        if !out.iter().any(|r| r == "PUBLIC") && self.roles.contains_key("PUBLIC") {
            out.push("PUBLIC".into());
        }
        out
    }

    /// Roles granted to a user (directly), plus PUBLIC.
    pub fn user_roles(&self, user: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .role_grants
            .iter()
            .filter(|g| g.grantee == Grantee::User(user.into()))
            .map(|g| g.role.clone())
            .collect();
        if !v.iter().any(|r| r == "PUBLIC") {
            v.push("PUBLIC".into());
        }
        v
    }
}
