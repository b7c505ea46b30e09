//! Resource kinds: one module per kind, and the one registry ([`ALL`]) that
//! every stage iterates.
//!
//! A kind's module holds everything specific to it:
//! - its identity ([`KindMeta`]: name, identity fields, address, SQL
//!   keyword, references from its identity);
//! - where the configuration declares it ([`Section`]) and its attributes
//!   ([`AttrSpec`]: config key, type and canonical form, SQL property,
//!   whether a change is in place, forces a replacement or is create-only,
//!   whether it can be unset, the SHOW column it is read from);
//! - its SQL ([`Sql::Object`] builds CREATE / ALTER / DROP from the
//!   attribute specs; [`Sql::Custom`] where Snowflake's syntax is special);
//! - its live reading ([`Show`] queries and their row mapping).
//!
//! The stages (config validation, graph, diff, SQL, live, drift) look a kind
//! up with [`of`] and never match on a particular kind, with two documented
//! exceptions where the semantics really differ: privilege grants
//! ([`grant`]: a grant item's `on:` target, future grants covering new
//! schemas, privileges compared as sets) and role memberships
//! ([`role_grant`]: `member_of` lists and the role hierarchy's cycle rule).
//! Config validation reads those two list forms through their modules'
//! functions; drift compares them through [`DriftForm`].
//!
//! Adding a kind: see `docs/architecture.md`.

pub mod database;
pub mod database_role;
pub mod database_role_grant;
pub mod database_role_member;
pub mod grant;
mod object;
pub mod resource_monitor;
pub mod role;
pub mod role_grant;
pub mod schema;
pub mod task;
pub mod user;
pub mod user_grant;
pub mod warehouse;

pub use object::{object_absorb, object_create, object_drop, object_ensure, object_update};

use crate::connector::Rows;
use crate::model::{Attrs, IdLookup, Ident, KindMeta, ResourceId, Value};
use smallvec::SmallVec;
use std::collections::BTreeSet;

/// Every resource kind, in rank order (the order of resources in state
/// files and plans).
pub static ALL: &[&Kind] = &[
    &database::KIND,
    &schema::KIND,
    &warehouse::KIND,
    &role::KIND,
    &grant::KIND,
    &role_grant::KIND,
    &task::KIND,
    &user::KIND,
    &user_grant::KIND,
    &resource_monitor::KIND,
    &database_role::KIND,
    &database_role_grant::KIND,
    &database_role_member::KIND,
];

/// The kind of `id`.
pub fn of(id: &ResourceId) -> &'static Kind {
    of_meta(id.kind_meta())
}

/// The kind described by `meta`.
pub fn of_meta(meta: &KindMeta) -> &'static Kind {
    ALL.iter()
        .copied()
        .find(|k| std::ptr::eq(k.meta, meta))
        .unwrap_or_else(|| panic!("`{}` is not a registered resource kind", meta.name))
}

/// The kind named `name` (`warehouse`).
pub fn by_name(name: &str) -> Option<&'static Kind> {
    ALL.iter().copied().find(|k| k.meta.name == name)
}

/// Everything pudo knows about one resource kind.
pub struct Kind {
    pub meta: &'static KindMeta,
    /// Where the configuration declares it.
    pub section: Section,
    /// Keys of the child sections its config entry may hold (`schemas` of a
    /// database), in the order they are read and listed.
    pub children: &'static [&'static str],
    /// Its key under `external:` (objects that exist outside pudo), if it
    /// can be listed there.
    pub external: Option<&'static str>,
    /// Managed attributes, in the order of their config keys.
    pub attrs: &'static [AttrSpec],
    /// The order in which properties are written in SQL.
    pub sql_order: &'static [&'static str],
    /// Checks across attributes (e.g. min <= max): `(key, message)`.
    pub check: Option<Check>,
    pub sql: Sql,
    /// Does the drop (for a replacement) of `parent` remove this resource
    /// with it? (`parent` is one of its references.)
    pub dropped_with: fn(parent: &ResourceId, this: &ResourceId) -> bool,
    /// Its SHOW queries.
    pub live: LiveSpec,
    pub drift: DriftForm,
    /// How `drift --unmanaged` recognises objects of this kind that follow
    /// a stack's names.
    pub naming: Naming,
    /// Relative validation work of one config entry (splitting a large
    /// document in two halves of equal work).
    pub parse_weight: usize,
    /// The role that creates objects of this kind and owns them unless
    /// `owner` (or `owners:`) says otherwise, per Snowflake's guidance
    /// (SYSADMIN for databases, schemas, warehouses and tasks; USERADMIN
    /// for roles). `None` for grants.
    pub admin_role: Option<&'static str>,
    /// Created by its owner role rather than by the administrative role
    /// (tasks: a graph's tasks must share their owner from the start). The
    /// owner then needs the privilege to create it (CREATE TASK on the
    /// schema), and the creation waits for the grants to the owner.
    pub create_as_owner: bool,
    /// What few kinds have (required keys, a lifecycle, refused keys, ...):
    /// [`Rules::NONE`] for most.
    pub rules: Rules,
}

/// The parts of a [`Kind`] that most kinds leave empty.
#[derive(Clone, Copy)]
pub struct Rules {
    /// Attributes an entry must set.
    pub required: &'static [&'static str],
    /// Objects that run on their own (tasks): a started / suspended state
    /// changed by separate actions, in groups that must be paused to change.
    pub lifecycle: Option<&'static Lifecycle>,
    /// Checks of an entry's name against its attributes (a reserved name,
    /// an attribute that name cannot have).
    pub entry_check: Option<EntryCheck>,
    /// Objects Snowflake creates with their container (a database's
    /// `PUBLIC` schema): adopted, never created nor dropped. Their create
    /// (and its recovery) is `ALTER ... SET` of their managed attributes;
    /// their drop only stops managing them.
    pub adopted: Option<fn(&ResourceId) -> bool>,
    /// Keys refused with an explanation (a user's `password`): `(key,
    /// message, hint)`.
    pub refused: &'static [Refused],
    /// A warning for the plan of an environment stack that changes such a
    /// resource (`before` / `after` attributes): what only an account
    /// administrator may do, for instance.
    pub plan_warning: Option<PlanWarning>,
    /// An attribute value that at most one resource of this kind may hold
    /// in the account (a resource monitor's `level: ACCOUNT`).
    pub exclusive: Option<Exclusive>,
}

impl Rules {
    /// Nothing of the above: no required key, no lifecycle, no checks.
    pub const NONE: Rules = Rules {
        required: &[],
        lifecycle: None,
        entry_check: None,
        adopted: None,
        refused: &[],
        plan_warning: None,
        exclusive: None,
    };
}

/// An attribute value one resource at most holds in the account
/// ([`Rules::exclusive`]). Validation refuses a second holder, and a holder
/// outside the shared stack (each environment would take it from the
/// others); a plan that moves it from one resource to another takes it
/// away before it gives it (giving it replaces the holder in Snowflake,
/// taking it away afterwards would leave none).
#[derive(Clone, Copy, Debug)]
pub struct Exclusive {
    pub attr: &'static str,
    /// Its canonical value.
    pub value: &'static str,
    /// What it means, for messages (`the account's resource monitor`).
    pub what: &'static str,
}

impl Exclusive {
    /// Whether `attrs` hold the value.
    pub fn held_by(&self, attrs: Option<&Attrs>) -> bool {
        matches!(attrs.and_then(|a| a.get(self.attr)), Some(Value::Text(v)) if v == self.value)
    }
}

/// See [`Rules::plan_warning`].
pub type PlanWarning = fn(&ResourceId, Option<&Attrs>, Option<&Attrs>) -> Option<String>;

/// A check of an entry's name and attributes, which may also put values
/// into their final canonical form across attributes (a login name in
/// upper case): `None` when fine, else the problem.
pub type EntryCheck = fn(&Ident, &mut Attrs) -> Option<EntryProblem>;

/// What [`EntryCheck`] found.
pub struct EntryProblem {
    /// The key to point at; `None`: the entry's name.
    pub key: Option<&'static str>,
    pub message: String,
    pub hint: String,
}

/// A key a kind refuses on purpose, with why and what to do instead.
pub struct Refused {
    pub key: &'static str,
    pub message: &'static str,
    pub hint: &'static str,
}

/// Finds the root of a group from its members' attributes.
pub type RootOf = for<'a> fn(&ResourceId, &dyn Fn(&ResourceId) -> Option<&'a Attrs>) -> ResourceId;

/// The lifecycle of objects that run on their own, such as tasks: a state
/// attribute that only its own actions change, and groups (a task graph)
/// whose root must be inactive while any member changes. Objects are
/// created inactive.
pub struct Lifecycle {
    /// The state attribute (`state`).
    pub attr: &'static str,
    /// Its active and inactive values (`started`, `suspended`).
    pub active: &'static str,
    pub inactive: &'static str,
    /// The key under `environments.<ENV>` that sets the default state of
    /// every such object of that environment (`tasks`).
    pub env_key: &'static str,
    /// `ALTER ... RESUME` / `SUSPEND`.
    pub activate: fn(&ResourceId) -> String,
    pub deactivate: fn(&ResourceId) -> String,
    /// The root of the group `id` belongs to, following the attributes of
    /// each member (`attrs_of`).
    pub root: RootOf,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        self.meta.name
    }

    /// Whether `id` exists with its container ([`Rules::adopted`]).
    pub fn is_adopted(&self, id: &ResourceId) -> bool {
        self.rules.adopted.is_some_and(|adopted| adopted(id))
    }

    pub fn attr(&self, name: &str) -> Option<&'static AttrSpec> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Config keys of an entry: `shared`, the attributes, the children.
    pub fn keys(&self) -> Vec<&'static str> {
        let mut keys = vec!["shared"];
        keys.extend(self.attrs.iter().map(|a| a.name));
        keys.extend(self.children.iter().copied());
        keys
    }

    /// Whether drift can read attribute `name` back from Snowflake.
    pub fn readable(&self, name: &str) -> bool {
        self.attr(name)
            .is_none_or(|a| !matches!(a.live, LiveCol::Unreadable))
    }

    /// Whether this kind is an object (created, altered, dropped) rather
    /// than a grant of something to a role.
    pub fn is_object(&self) -> bool {
        self.drift == DriftForm::Object
    }
}

/// A check across attributes: the key to point at, and the message.
pub type Check = fn(&Attrs) -> Option<(&'static str, String)>;

/// Where a kind is declared in the configuration.
pub enum Section {
    /// A top-level mapping of name -> settings (`warehouses:`).
    Top(&'static str),
    /// A mapping under the entry of its container (`schemas:` of a
    /// database); the id is the container's names plus its own.
    Child {
        parent: &'static Kind,
        key: &'static str,
    },
    /// Items of a list under another resource's entry (`grants:` and
    /// `member_of:` of a role).
    Items {
        parent: &'static Kind,
        key: &'static str,
    },
}

/// One managed attribute of a kind.
pub struct AttrSpec {
    /// Config key and attribute name (lower-case Snowflake property name).
    pub name: &'static str,
    pub ty: AttrType,
    pub sql: AttrSql,
    pub change: Change,
    /// Whether `ALTER ... UNSET` exists for it (if not, it is left as it is
    /// when it stops being managed).
    pub unset: bool,
    pub live: LiveCol,
    /// One line for docs/configuration.md.
    pub doc: &'static str,
}

/// The type and canonical form of an attribute value.
pub enum AttrType {
    Text,
    Bool,
    Int {
        min: i64,
        /// Hint shown when a value is below `min`.
        hint: Option<&'static str>,
    },
    /// A keyword folded to one canonical spelling.
    Keyword {
        canon: fn(&str) -> Option<&'static str>,
        /// `warehouse size` in "`HUGE` is not a warehouse size".
        what: &'static str,
        /// The valid values, for the hint.
        valid: fn() -> String,
        /// Every spelling `canon` accepts (canonical ones first), in upper
        /// case: `canon` folds ASCII case and surrounding whitespace. Read
        /// by `pudo schema`.
        spellings: fn() -> Vec<&'static str>,
    },
    /// A sorted set of privilege names (grants).
    Privileges,
    /// The name of another object (a task's warehouse): canonical as that
    /// kind's qualified name, checked like any reference ("not declared nor
    /// listed under `external`") and a graph edge.
    Ref(&'static KindMeta),
    /// Names of objects of the same kind in the same container (a task's
    /// predecessors): a sorted list of names, each a reference and an edge.
    Siblings,
    /// A list whose items (read as JSON: strings, numbers, mappings) the
    /// kind turns into canonical strings (a resource monitor's triggers):
    /// `canon` returns them in canonical order, or the index of the item at
    /// fault (`None`: the list) and the message.
    List {
        canon: ListCanon,
        /// The type for docs/configuration.md (`list of triggers`).
        doc: &'static str,
        /// Shown with an error.
        hint: &'static str,
    },
    /// A JSON document: a mapping in the configuration, or `{ from:
    /// <component folder> }` for that component's merged configuration in
    /// the environment. Canonical: compact JSON with sorted keys.
    Json,
}

impl AttrType {
    /// The value an unset attribute has when compared for a replacement
    /// (a boolean flag absent at creation is false).
    pub fn absent(&self) -> Option<Value> {
        match self {
            AttrType::Bool => Some(Value::Bool(false)),
            _ => None,
        }
    }

    /// Short type name for the docs table.
    pub fn doc_type(&self) -> &'static str {
        match self {
            AttrType::Text => "string",
            AttrType::Bool => "boolean",
            AttrType::Int { .. } => "integer",
            AttrType::Keyword { .. } => "keyword",
            AttrType::Privileges => "list of privileges",
            AttrType::Ref(_) => "name",
            AttrType::Siblings => "list of names",
            AttrType::Json => "mapping (JSON)",
            AttrType::List { doc, .. } => doc,
        }
    }
}

/// Canonical strings of a list's items ([`AttrType::List`]).
pub type ListCanon = fn(&[serde_json::Value]) -> Result<Vec<String>, (Option<usize>, String)>;

/// How an attribute appears in SQL.
pub enum AttrSql {
    /// `KEYWORD = value` in CREATE, `ALTER ... SET` and `UNSET`.
    Property(&'static str),
    /// A word after CREATE (`CREATE TRANSIENT DATABASE`), true or absent.
    CreateFlag(&'static str),
    /// A clause of CREATE when true, and `ALTER ... ENABLE / DISABLE` to
    /// change it (`WITH MANAGED ACCESS`).
    Switch {
        create: &'static str,
        enable: &'static str,
        disable: &'static str,
    },
    /// Not written as a property (handled by the kind's own SQL).
    None,
    /// The owner: `GRANT OWNERSHIP ON ... TO ROLE r COPY CURRENT GRANTS`.
    Ownership,
}

/// What a change of an attribute's value does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    InPlace,
    /// Forces a replacement (drop and create).
    Replace,
    /// Only takes effect at creation; never compared afterwards.
    CreateOnly,
    /// The object's lifecycle state ([`Lifecycle`]): changed by its own
    /// actions (resume / suspend), never by an update.
    Lifecycle,
}

/// Where drift reads an attribute back.
pub enum LiveCol {
    /// From a SHOW column, with its canonical form (`None`: not set).
    Column(&'static str, fn(Option<&str>) -> Option<Value>),
    /// Read by the kind's own mapping (a grant's privileges).
    Custom,
    /// Snowflake does not show it (create-only settings).
    Unreadable,
}

/// How a kind's statements are built.
pub enum Sql {
    /// From the attribute specs: `CREATE [flags] KEYWORD name [clauses]
    /// props`, `ALTER KEYWORD name SET / UNSET`, `DROP KEYWORD name`.
    Object,
    /// The kind's own statements (GRANT / REVOKE).
    Custom(&'static SqlHooks),
}

pub struct SqlHooks {
    pub create: fn(&ResourceId, &Attrs) -> Vec<String>,
    /// The idempotent form of `create`; `None`: `create` is idempotent
    /// already (GRANT).
    pub ensure: Option<fn(&ResourceId, &Attrs) -> Vec<String>>,
    pub drop: fn(&ResourceId, &Attrs) -> Vec<String>,
    pub update: fn(&ResourceId, &Attrs, &Attrs) -> Vec<String>,
}

/// How drift compares recorded and live resources of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftForm {
    /// An object: dropped, or attributes changed.
    Object,
    /// Privileges of a role on a target, compared as sets.
    Privileges,
    /// A role granted to a role.
    Membership,
}

/// How `drift --unmanaged` treats live objects of a kind.
pub enum Naming {
    /// Not listed.
    None,
    /// Account objects: follow the stack's names when they carry the
    /// environment's word (or, for the shared stack, the leading word of a
    /// recorded name of the kind). `system`: names Snowflake creates.
    Account {
        system: &'static [&'static str],
        /// Its names are the containers whose children drift examines.
        container: bool,
    },
    /// Objects in a database: examined in databases the stack records.
    InDatabase { system: &'static [&'static str] },
}

/// A kind's live reading.
pub struct LiveSpec {
    /// The SHOW queries that read `id` (and, with `unmanaged`, list what
    /// it contains).
    pub queries: fn(&ResourceId, unmanaged: bool, &mut BTreeSet<Query>),
    /// The query that lists every object of the kind (`--unmanaged`).
    pub list: Option<&'static Show>,
}

/// One SHOW statement shape.
pub struct Show {
    /// Order of execution and absorption.
    pub rank: u8,
    pub sql: fn(&[Ident]) -> String,
    pub paging: Paging,
    /// Per object (`SHOW GRANTS TO ROLE r`): a missing object reads as no
    /// rows, not as an error.
    pub per_object: bool,
    pub absorb: Absorb,
}

/// How a SHOW larger than one page is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// One statement (no LIMIT exists).
    Single,
    /// `LIMIT n FROM 'last name'`.
    Limit,
    /// `SHOW WAREHOUSES` has no LIMIT and stops at 10,000 rows: partitioned
    /// by `LIKE 'prefix%'`.
    LikePrefixes,
}

/// How rows become resources.
pub enum Absorb {
    /// One object of this kind per row, attributes from [`LiveCol`]s.
    Objects(&'static Kind),
    /// The kind's own mapping.
    Custom(fn(&[Ident], &Rows, &mut Sink<'_>)),
}

/// What a SHOW query found.
pub struct Sink<'a> {
    pub keep: &'a mut dyn FnMut(ResourceId, Attrs),
    pub listed: &'a mut dyn FnMut(ResourceId),
}

/// One SHOW statement to run: its shape and its scope (a database, a
/// role...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    rank: u8,
    pub scope: SmallVec<[Ident; 2]>,
    #[doc(hidden)]
    show: ShowRef,
}

/// A `&'static Show` compared by rank only (ranks are unique).
#[derive(Clone, Copy)]
struct ShowRef(&'static Show);

impl PartialEq for ShowRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.rank == other.0.rank
    }
}
impl Eq for ShowRef {}
impl PartialOrd for ShowRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ShowRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.rank.cmp(&other.0.rank)
    }
}
impl std::fmt::Debug for ShowRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Show#{}", self.0.rank)
    }
}

impl Query {
    pub fn new(show: &'static Show, scope: impl IntoIterator<Item = Ident>) -> Query {
        Query {
            rank: show.rank,
            scope: scope.into_iter().collect(),
            show: ShowRef(show),
        }
    }

    pub fn show(&self) -> &'static Show {
        self.show.0
    }

    pub fn sql(&self) -> String {
        (self.show.0.sql)(&self.scope)
    }
}

/// The kind names and identity field names, for the state reader.
struct Registry;

static KIND_NAMES: &[&str] = &[
    "database",
    "schema",
    "warehouse",
    "role",
    "grant",
    "role_grant",
    "task",
    "user",
    "user_grant",
    "resource_monitor",
    "database_role",
    "database_role_grant",
    "database_role_member",
];

impl IdLookup for Registry {
    fn kind(&self, tag: &str) -> Option<&'static KindMeta> {
        by_name(tag).map(|k| k.meta)
    }
    fn target(&self, tag: &str) -> Option<&'static KindMeta> {
        grant::target_meta(tag)
    }
    fn field(&self, key: &str) -> Option<&'static str> {
        ALL.iter()
            .flat_map(|k| k.meta.fields.iter())
            .chain(grant::TARGET_ONLY.iter().flat_map(|m| m.fields.iter()))
            .map(|f| f.name)
            .find(|n| *n == key)
    }
    fn kind_names(&self) -> &'static [&'static str] {
        KIND_NAMES
    }
    fn target_names(&self) -> &'static [&'static str] {
        grant::TARGET_NAMES
    }
}

impl<'de> serde::Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ResourceId, D::Error> {
        crate::model::deserialize_id(deserializer, &Registry)
    }
}

/// An id of `kind` from a written name, qualified as its identity needs
/// (`DB.SCHEMA` for a schema); `None` when it does not parse.
pub fn parse_name(kind: &'static KindMeta, text: &str) -> Option<ResourceId> {
    let parts = grant::split_dots(text).ok()?;
    if parts.len() != kind.fields.len() {
        return None;
    }
    let names = parts
        .iter()
        .map(|p| Ident::parse(p).ok())
        .collect::<Option<Vec<_>>>()?;
    Some(ResourceId::named(kind, names))
}

/// The objects the attributes of a `kind` resource name ([`AttrType::Ref`]).
pub fn attr_references(kind: &Kind, attrs: &Attrs) -> Vec<ResourceId> {
    attr_references_of(kind, None, attrs)
}

/// [`attr_references`], with sibling names resolved in `id`'s container.
pub fn attr_references_of(kind: &Kind, id: Option<&ResourceId>, attrs: &Attrs) -> Vec<ResourceId> {
    let mut out = Vec::new();
    for spec in kind.attrs {
        match (&spec.ty, attrs.get(spec.name)) {
            (AttrType::Ref(meta), Some(Value::Text(name))) => out.extend(parse_name(meta, name)),
            (AttrType::Siblings, Some(Value::List(names))) => {
                let Some(id) = id else { continue };
                out.extend(names.iter().filter_map(|n| sibling(id, n)));
            }
            _ => {}
        }
    }
    out
}

/// The object named `name` in the same container as `id`.
pub fn sibling(id: &ResourceId, name: &str) -> Option<ResourceId> {
    let name = Ident::parse(name).ok()?;
    let mut names: Vec<Ident> = id
        .parts()
        .iter()
        .filter_map(|p| match p {
            crate::model::Part::Name(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    *names.last_mut()? = name;
    Some(ResourceId::named(id.kind_meta(), names))
}

/// Everything `id` cannot exist without: from its identity (its container,
/// a grant's role and target) and from its attributes.
pub fn references(id: &ResourceId, attrs: &Attrs) -> Vec<ResourceId> {
    let mut out = id.references();
    out.extend(attr_references_of(of(id), Some(id), attrs));
    out
}

/// `OPTION` column tests and the like: a boolean from whether `text`
/// contains `word` (case-insensitive).
pub(crate) fn contains_word(text: Option<&str>, word: &str) -> Value {
    Value::Bool(text.unwrap_or_default().to_ascii_uppercase().contains(word))
}

/// A SHOW comment column: absent or empty is the empty comment.
pub(crate) fn live_comment(text: Option<&str>) -> Option<Value> {
    Some(Value::Text(text.unwrap_or_default().to_string()))
}

/// A SHOW integer column (`None` when absent or not a number).
pub(crate) fn live_int(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .map(Value::Int)
}

/// The `comment` attribute every object kind has.
pub(crate) const COMMENT: AttrSpec = AttrSpec {
    name: "comment",
    ty: AttrType::Text,
    sql: AttrSql::Property("COMMENT"),
    change: Change::InPlace,
    unset: true,
    live: LiveCol::Column("comment", live_comment),
    doc: "Free text shown in SHOW output.",
};

/// The role only some work needs (creating resource monitors, assigning
/// them): the pre-flight names it when the connection's user lacks it.
pub const ACCOUNT_ADMIN: &str = "ACCOUNTADMIN";

/// The `owner` attribute every object kind has: a role (declared, external
/// or system). Objects are created by their kind's administrative role;
/// another owner takes over with `GRANT OWNERSHIP ... COPY CURRENT GRANTS`
/// in the same change.
pub(crate) const OWNER: AttrSpec = AttrSpec {
    name: "owner",
    ty: AttrType::Ref(&role::META),
    sql: AttrSql::Ownership,
    change: Change::InPlace,
    unset: false,
    live: LiveCol::Column("owner", |t| {
        t.filter(|s| !s.is_empty())
            .map(|s| Value::Text(Ident::from_canonical(s).sql()))
    }),
    doc: "The role that owns it (declared, external or system); default: the kind's administrative role, or `owners:`.",
};

/// The owner an object of `kind` has in `attrs` (its `owner`, else the
/// kind's administrative role).
pub fn owner(kind: &Kind, attrs: &Attrs) -> Option<String> {
    match attrs.get(OWNER.name) {
        Some(Value::Text(o)) => Some(o.clone()),
        _ => kind.admin_role.map(str::to_string),
    }
}

/// `GRANT OWNERSHIP` when the owner in `after` differs from `before`'s
/// (for a creation: from the role that creates it).
pub fn ownership_transfer(
    kind: &Kind,
    id: &ResourceId,
    before: Option<&Attrs>,
    after: &Attrs,
) -> Option<String> {
    kind.attr(OWNER.name)?;
    let Some(Value::Text(to)) = after.get(OWNER.name) else {
        return None;
    };
    let from = match before {
        Some(b) => match b.get(OWNER.name) {
            Some(Value::Text(o)) => Some(o.as_str()),
            _ => None,
        },
        None if kind.create_as_owner => Some(to.as_str()),
        None => kind.admin_role,
    };
    (from != Some(to.as_str())).then(|| {
        let mut sql = String::from("GRANT OWNERSHIP ON ");
        id.push_target_sql(&mut sql);
        sql.push_str(" TO ROLE ");
        sql.push_str(to);
        sql.push_str(" COPY CURRENT GRANTS");
        sql
    })
}

/// A kind whose resources are never dropped with another.
pub(crate) fn never(_: &ResourceId, _: &ResourceId) -> bool {
    false
}

/// The field names interned for the state reader include every kind's.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Part;

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn the_registry_is_in_rank_order_with_unique_names() {
        for pair in ALL.windows(2) {
            assert!(pair[0].meta.rank < pair[1].meta.rank);
        }
        let names: Vec<&str> = ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, KIND_NAMES);
    }

    #[test]
    fn addresses_are_stable_and_quote_when_needed() {
        let cases = [
            (database::id(id("pudo_mlops")), "database.PUDO_MLOPS"),
            (
                schema::id(id("PUDO_MLOPS"), id("\"my.schema\"")),
                "schema.PUDO_MLOPS.\"my.schema\"",
            ),
            (
                grant::id(
                    id("PUDO_DEV_ROLE"),
                    grant::future_in_schema("TABLES", id("PUDO_MLOPS"), id("SHARED_DATA")),
                ),
                "grant.PUDO_DEV_ROLE.future_tables_in_schema.PUDO_MLOPS.SHARED_DATA",
            ),
            (
                role_grant::id(id("PUDO_DEV_ROLE"), id("SYSADMIN")),
                "role_grant.PUDO_DEV_ROLE.SYSADMIN",
            ),
            (grant::id(id("R"), grant::account()), "grant.R.account"),
        ];
        for (rid, address) in cases {
            assert_eq!(rid.address(), address);
        }
    }

    #[test]
    fn references_follow_identity() {
        let g = grant::id(id("R"), schema::id(id("D"), id("S")));
        assert_eq!(
            g.references(),
            vec![role::id(id("R")), schema::id(id("D"), id("S"))]
        );
    }

    #[test]
    fn ids_round_trip_through_json_in_the_historic_format() {
        let rid = grant::id(id("\"weird\"\"role\""), warehouse::id(id("WH")));
        let json = serde_json::to_string(&rid).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"grant","role":"weird\"role","on":{"type":"warehouse","name":"WH"}}"#
        );
        assert_eq!(serde_json::from_str::<ResourceId>(&json).unwrap(), rid);
        let future = grant::id(
            id("R"),
            grant::future_in_schema("TABLES", id("D"), Ident::from_canonical("a\"b")),
        );
        let json = serde_json::to_string(&future).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"grant","role":"R","on":{"type":"future_in_schema","object_type":"TABLES","database":"D","schema":"a\"b"}}"#
        );
        assert_eq!(serde_json::from_str::<ResourceId>(&json).unwrap(), future);
    }

    #[test]
    fn reads_the_format_whatever_the_field_order() {
        let rid: ResourceId = serde_json::from_str(
            r#"{"on":{"name":"S","database":"D","type":"schema"},"role":"R","kind":"grant","x":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            rid,
            grant::id(
                Ident::from_canonical("R"),
                schema::id(Ident::from_canonical("D"), Ident::from_canonical("S"))
            )
        );
        let account: ResourceId =
            serde_json::from_str(r#"{"kind":"grant","role":"R","on":{"type":"account"}}"#).unwrap();
        assert_eq!(account.parts()[1], Part::Target(Box::new(grant::account())));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = serde_json::from_str::<ResourceId>(r#"{"kind":"table","name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `table`"), "{e}");
        let e = serde_json::from_str::<ResourceId>(r#"{"kind":"schema","name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `database`"), "{e}");
        let e = serde_json::from_str::<ResourceId>(r#"{"name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `kind`"), "{e}");
    }

    #[test]
    fn ids_sort_by_kind_rank_then_parts() {
        let mut ids = [
            role_grant::id(id("A"), id("B")),
            grant::id(id("A"), grant::future_in_database("TABLES", id("D"))),
            grant::id(id("A"), database::id(id("D"))),
            grant::id(id("A"), grant::account()),
            role::id(id("A")),
            warehouse::id(id("W")),
            schema::id(id("D"), id("S")),
            database::id(id("D")),
        ];
        ids.sort();
        let kinds: Vec<String> = ids.iter().map(|i| i.address()).collect();
        assert_eq!(
            kinds,
            [
                "database.D",
                "schema.D.S",
                "warehouse.W",
                "role.A",
                "grant.A.account",
                "grant.A.database.D",
                "grant.A.future_tables_in_database.D",
                "role_grant.A.B",
            ]
        );
    }

    /// The keys of the table under `### <heading>` in a markdown text.
    fn table_keys(doc: &str, heading: &str) -> Option<Vec<String>> {
        let start = doc.find(&format!("\n### {heading}\n"))?;
        let rest = &doc[start + heading.len() + 6..];
        let table = rest
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'));
        Some(
            table
                .skip(2)
                .filter_map(|row| {
                    let cell = row.split('|').nth(1)?.trim();
                    Some(cell.trim_matches('`').to_string())
                })
                .collect(),
        )
    }

    #[test]
    fn the_configuration_reference_documents_every_key_of_every_kind() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
        let doc = std::fs::read_to_string(path).unwrap();
        for kind in ALL {
            let heading = match kind.section {
                Section::Top(key) | Section::Child { key, .. } => key,
                // Item kinds are keys of their parent's table.
                Section::Items { parent, key } => {
                    assert!(parent.children.contains(&key), "{}", kind.name());
                    continue;
                }
            };
            let mut documented = table_keys(&doc, heading)
                .unwrap_or_else(|| panic!("docs/configuration.md has no `### {heading}` table"));
            let mut keys: Vec<String> = kind.keys().iter().map(|k| k.to_string()).collect();
            documented.sort();
            keys.sort();
            assert_eq!(
                documented,
                keys,
                "docs/configuration.md `### {heading}` lists other keys than the `{}` kind",
                kind.name()
            );
        }
    }

    static TEST_KIND: Kind = Kind {
        meta: &role::META,
        section: Section::Top("tests"),
        children: &[],
        external: None,
        attrs: &[AttrSpec {
            name: "warehouse",
            ty: AttrType::Ref(&warehouse::META),
            sql: AttrSql::Property("WAREHOUSE"),
            change: Change::InPlace,
            unset: true,
            live: LiveCol::Unreadable,
            doc: "",
        }],
        sql_order: &["warehouse"],
        check: None,
        sql: Sql::Object,
        dropped_with: never,
        live: LiveSpec {
            queries: |_, _, _| {},
            list: None,
        },
        drift: DriftForm::Object,
        naming: Naming::None,
        parse_weight: 1,
        rules: Rules::NONE,
        admin_role: None,
        create_as_owner: false,
    };

    #[test]
    fn attributes_that_name_objects_are_references() {
        let attrs = Attrs::from([("warehouse".to_string(), Value::Text("\"wh x\"".into()))]);
        assert_eq!(
            attr_references(&TEST_KIND, &attrs),
            vec![warehouse::id(Ident::from_canonical("wh x"))]
        );
        assert!(attr_references(&TEST_KIND, &Attrs::new()).is_empty());
    }
}
