//! The desired (or recorded, or live) resources, in canonical form.
//!
//! Every stage after configuration loading speaks these types: the validated
//! configuration produces a [`Model`]; the state file records [`Resource`]s;
//! the live reader turns SHOW rows into [`Resource`]s. Because all three use
//! the same canonical values (see [`canonical`]), comparing them is plain
//! equality, and a plan after an apply is empty.
//!
//! A resource is its identity ([`ResourceId`], from which its address and its
//! references follow) plus a flat map of managed attributes ([`Attrs`]).
//! Nothing here names a particular kind: each kind describes itself in
//! `crate::kinds` (its [`KindMeta`] is the part the model needs). An
//! attribute that the configuration does not set is not managed: it is absent
//! from the map, and whatever Snowflake holds for it is not a difference.

pub mod canonical;
mod de;
mod id;
pub mod ident;
pub mod quote;

pub use de::{IdLookup, deserialize_id};
pub use id::{Field, Holds, KindMeta, Part, ResourceId};
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
    /// The role grants run under (`grants_role:`; `None`: SECURITYADMIN).
    pub grants_role: Option<String>,
}

impl Model {
    /// The resources owned by `stack`.
    pub fn owned_by<'a>(&'a self, stack: &'a StackName) -> impl Iterator<Item = &'a Resource> {
        self.resources.values().filter(move |r| &r.stack == stack)
    }
}
