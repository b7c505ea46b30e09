//! The desired (or recorded, or live) resources, in canonical form.
//!
//! Every stage after configuration loading speaks these types: the validated
//! configuration produces a [`Model`]; the state file records [`Resource`]s;
//! the live reader turns SHOW rows into [`Resource`]s. Because all three use
//! the same canonical values (see [`canonical`]), comparing them is plain
//! equality, and a plan after an apply is empty.
//!
//! A resource is its identity ([`ResourceId`], from which its address and its
//! references follow) plus a flat map of managed attributes ([`Attrs`]). An
//! attribute that the configuration does not set is not managed: it is absent
//! from the map, and whatever Snowflake holds for it is not a difference.

pub mod canonical;
mod de;
pub mod ident;

pub use ident::{Ident, IdentError};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One canonical attribute value. Absent means "not managed".
// Deserialize: `de.rs` (one pass instead of serde's buffering).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Text(String),
    /// A set of words kept sorted and without duplicates (privileges).
    List(Vec<String>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

/// Managed attributes by canonical name (lower-case Snowflake property name,
/// e.g. `comment`, `size`, `auto_suspend`, `privileges`).
pub type Attrs = BTreeMap<String, Value>;

/// Attribute names, one place for every stage to agree on.
pub mod attr {
    pub const COMMENT: &str = "comment";
    pub const TRANSIENT: &str = "transient";
    pub const MANAGED_ACCESS: &str = "managed_access";
    pub const DATA_RETENTION_TIME_IN_DAYS: &str = "data_retention_time_in_days";
    pub const SIZE: &str = "size";
    pub const TYPE: &str = "type";
    pub const AUTO_SUSPEND: &str = "auto_suspend";
    pub const AUTO_RESUME: &str = "auto_resume";
    pub const MIN_CLUSTER_COUNT: &str = "min_cluster_count";
    pub const MAX_CLUSTER_COUNT: &str = "max_cluster_count";
    pub const SCALING_POLICY: &str = "scaling_policy";
    pub const INITIALLY_SUSPENDED: &str = "initially_suspended";
    pub const PRIVILEGES: &str = "privileges";
}

/// The object a privilege grant is on.
// Deserialize: `de.rs` (one pass instead of serde's buffering).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GrantTarget {
    Account,
    Database {
        name: Ident,
    },
    Schema {
        database: Ident,
        name: Ident,
    },
    Warehouse {
        name: Ident,
    },
    /// `FUTURE <object_type> IN DATABASE db`; `object_type` is the plural
    /// upper-case keyword (`TABLES`, `VIEWS`, `SCHEMAS`).
    FutureInDatabase {
        object_type: String,
        database: Ident,
    },
    /// `FUTURE <object_type> IN SCHEMA db.schema`.
    FutureInSchema {
        object_type: String,
        database: Ident,
        schema: Ident,
    },
}

impl GrantTarget {
    /// The part of an address after `grant.<ROLE>.`: `database.PUDO_MLOPS`,
    /// `future_tables_in_schema.PUDO_MLOPS.SHARED_DATA`.
    pub fn address_part(&self) -> String {
        let mut out = String::with_capacity(48);
        self.push_address_part(&mut out);
        out
    }

    /// Appends [`address_part`](Self::address_part) to `out`.
    fn push_address_part(&self, out: &mut String) {
        use fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self {
            GrantTarget::Account => out.write_str("account"),
            GrantTarget::Database { name } => write!(out, "database.{name}"),
            GrantTarget::Schema { database, name } => write!(out, "schema.{database}.{name}"),
            GrantTarget::Warehouse { name } => write!(out, "warehouse.{name}"),
            GrantTarget::FutureInDatabase {
                object_type,
                database,
            } => write!(
                out,
                "future_{}_in_database.{database}",
                object_type.to_ascii_lowercase().replace(' ', "_")
            ),
            GrantTarget::FutureInSchema {
                object_type,
                database,
                schema,
            } => write!(
                out,
                "future_{}_in_schema.{database}.{schema}",
                object_type.to_ascii_lowercase().replace(' ', "_")
            ),
        };
    }

    /// The target as written after `ON` in GRANT / REVOKE.
    pub fn sql(&self) -> String {
        let mut out = String::with_capacity(48);
        self.push_sql(&mut out);
        out
    }

    /// Appends [`sql`](Self::sql) to `out`.
    pub fn push_sql(&self, out: &mut String) {
        match self {
            GrantTarget::Account => out.push_str("ACCOUNT"),
            GrantTarget::Database { name } => {
                out.push_str("DATABASE ");
                name.push_sql(out);
            }
            GrantTarget::Schema { database, name } => {
                out.push_str("SCHEMA ");
                database.push_sql(out);
                out.push('.');
                name.push_sql(out);
            }
            GrantTarget::Warehouse { name } => {
                out.push_str("WAREHOUSE ");
                name.push_sql(out);
            }
            GrantTarget::FutureInDatabase {
                object_type,
                database,
            } => {
                out.push_str("FUTURE ");
                out.push_str(object_type);
                out.push_str(" IN DATABASE ");
                database.push_sql(out);
            }
            GrantTarget::FutureInSchema {
                object_type,
                database,
                schema,
            } => {
                out.push_str("FUTURE ");
                out.push_str(object_type);
                out.push_str(" IN SCHEMA ");
                database.push_sql(out);
                out.push('.');
                schema.push_sql(out);
            }
        }
    }

    /// The resource this target names, when pudo could manage it (the
    /// account itself is not a resource).
    pub fn object(&self) -> Option<ResourceId> {
        match self {
            GrantTarget::Account => None,
            GrantTarget::Database { name }
            | GrantTarget::FutureInDatabase { database: name, .. } => {
                Some(ResourceId::Database { name: name.clone() })
            }
            GrantTarget::Schema { database, name }
            | GrantTarget::FutureInSchema {
                database,
                schema: name,
                ..
            } => Some(ResourceId::Schema {
                database: database.clone(),
                name: name.clone(),
            }),
            GrantTarget::Warehouse { name } => Some(ResourceId::Warehouse { name: name.clone() }),
        }
    }

    pub fn is_future(&self) -> bool {
        matches!(
            self,
            GrantTarget::FutureInDatabase { .. } | GrantTarget::FutureInSchema { .. }
        )
    }
}

/// The identity of a resource. Its address, its references and the SQL
/// names of the object all follow from it.
// Deserialize: `de.rs` (one pass instead of serde's buffering).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResourceId {
    Database {
        name: Ident,
    },
    Schema {
        database: Ident,
        name: Ident,
    },
    Warehouse {
        name: Ident,
    },
    Role {
        name: Ident,
    },
    /// The privileges `role` holds on `on` (one resource per role and target).
    Grant {
        role: Ident,
        on: GrantTarget,
    },
    /// `GRANT ROLE role TO ROLE parent`.
    RoleGrant {
        role: Ident,
        parent: Ident,
    },
}

impl ResourceId {
    /// The kind word used in addresses and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ResourceId::Database { .. } => "database",
            ResourceId::Schema { .. } => "schema",
            ResourceId::Warehouse { .. } => "warehouse",
            ResourceId::Role { .. } => "role",
            ResourceId::Grant { .. } => "grant",
            ResourceId::RoleGrant { .. } => "role_grant",
        }
    }

    /// Stable address: `database.PUDO_MLOPS`, `schema.PUDO_MLOPS.PUDO_DEV`,
    /// `warehouse.PUDO_DEV_WH`, `role.PUDO_DEV_ROLE`,
    /// `grant.PUDO_DEV_ROLE.warehouse.PUDO_DEV_WH`,
    /// `role_grant.PUDO_DEV_ROLE.SYSADMIN`. Names that need quoting appear
    /// quoted, so an address always parses back to one object.
    pub fn address(&self) -> String {
        // Pushed piece by piece (no formatting machinery): this runs for
        // every node of every plan.
        let mut out = String::with_capacity(64);
        match self {
            ResourceId::Database { name } => {
                out.push_str("database.");
                name.push_sql(&mut out);
            }
            ResourceId::Schema { database, name } => {
                out.push_str("schema.");
                database.push_sql(&mut out);
                out.push('.');
                name.push_sql(&mut out);
            }
            ResourceId::Warehouse { name } => {
                out.push_str("warehouse.");
                name.push_sql(&mut out);
            }
            ResourceId::Role { name } => {
                out.push_str("role.");
                name.push_sql(&mut out);
            }
            ResourceId::Grant { role, on } => {
                out.push_str("grant.");
                role.push_sql(&mut out);
                out.push('.');
                on.push_address_part(&mut out);
            }
            ResourceId::RoleGrant { role, parent } => {
                out.push_str("role_grant.");
                role.push_sql(&mut out);
                out.push('.');
                parent.push_sql(&mut out);
            }
        }
        out
    }

    /// The resources this one cannot exist without. References to objects
    /// pudo does not manage (system roles) are included; the graph decides
    /// what to do with them.
    pub fn references(&self) -> Vec<ResourceId> {
        match self {
            ResourceId::Database { .. }
            | ResourceId::Warehouse { .. }
            | ResourceId::Role { .. } => {
                vec![]
            }
            ResourceId::Schema { database, .. } => vec![ResourceId::Database {
                name: database.clone(),
            }],
            ResourceId::Grant { role, on } => {
                let mut refs = vec![ResourceId::Role { name: role.clone() }];
                refs.extend(on.object());
                refs
            }
            ResourceId::RoleGrant { role, parent } => vec![
                ResourceId::Role { name: role.clone() },
                ResourceId::Role {
                    name: parent.clone(),
                },
            ],
        }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address())
    }
}

/// The name of a stack: `shared`, or an environment's name in lower case
/// (`dev`, `staging`, `prod`). One state file per stack.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StackName(String);

impl StackName {
    pub const SHARED: &'static str = "shared";

    pub fn shared() -> StackName {
        StackName(Self::SHARED.to_string())
    }

    /// The stack of an environment (`DEV` -> `dev`).
    pub fn for_environment(env: &str) -> StackName {
        StackName(env.to_ascii_lowercase())
    }

    pub fn is_shared(&self) -> bool {
        self.0 == Self::SHARED
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a resource was declared, for messages.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// One resource with its canonical managed attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    /// The stack that owns (creates, alters, drops) it.
    pub stack: StackName,
    pub attrs: Attrs,
    pub origin: Option<Origin>,
}

/// The desired resources of one environment, as resolved from the
/// configuration: the environment's own resources plus the shared ones it
/// depends on (each tagged with its owning stack).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    /// `DEV`, `STAGING`, `PROD`; `None` when resolving the shared stack.
    pub environment: Option<String>,
    pub resources: BTreeMap<ResourceId, Resource>,
    /// Objects that exist outside pudo's management and may be referenced
    /// (system roles, and names listed as external in the configuration).
    pub external: Vec<ResourceId>,
}

impl Model {
    /// The resources owned by `stack`.
    pub fn owned_by<'a>(&'a self, stack: &'a StackName) -> impl Iterator<Item = &'a Resource> {
        self.resources.values().filter(move |r| &r.stack == stack)
    }
}

/// Roles every Snowflake account has; references to them are always valid.
pub const SYSTEM_ROLES: &[&str] = &[
    "ACCOUNTADMIN",
    "SECURITYADMIN",
    "USERADMIN",
    "SYSADMIN",
    "ORGADMIN",
    "PUBLIC",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn addresses_are_stable_and_quote_when_needed() {
        let cases = [
            (
                ResourceId::Database {
                    name: id("pudo_mlops"),
                },
                "database.PUDO_MLOPS",
            ),
            (
                ResourceId::Schema {
                    database: id("PUDO_MLOPS"),
                    name: id("\"my.schema\""),
                },
                "schema.PUDO_MLOPS.\"my.schema\"",
            ),
            (
                ResourceId::Grant {
                    role: id("PUDO_DEV_ROLE"),
                    on: GrantTarget::FutureInSchema {
                        object_type: "TABLES".into(),
                        database: id("PUDO_MLOPS"),
                        schema: id("SHARED_DATA"),
                    },
                },
                "grant.PUDO_DEV_ROLE.future_tables_in_schema.PUDO_MLOPS.SHARED_DATA",
            ),
            (
                ResourceId::RoleGrant {
                    role: id("PUDO_DEV_ROLE"),
                    parent: id("SYSADMIN"),
                },
                "role_grant.PUDO_DEV_ROLE.SYSADMIN",
            ),
        ];
        for (rid, address) in cases {
            assert_eq!(rid.address(), address);
        }
    }

    #[test]
    fn references_follow_identity() {
        let grant = ResourceId::Grant {
            role: id("R"),
            on: GrantTarget::Schema {
                database: id("D"),
                name: id("S"),
            },
        };
        assert_eq!(
            grant.references(),
            vec![
                ResourceId::Role { name: id("R") },
                ResourceId::Schema {
                    database: id("D"),
                    name: id("S")
                }
            ]
        );
    }

    #[test]
    fn resource_id_round_trips_through_json() {
        let rid = ResourceId::Grant {
            role: id("\"weird\"\"role\""),
            on: GrantTarget::Warehouse { name: id("WH") },
        };
        let json = serde_json::to_string(&rid).unwrap();
        assert_eq!(serde_json::from_str::<ResourceId>(&json).unwrap(), rid);
    }
}
