//! Object kinds, one module each, and the generic statements that serve them
//! all: CREATE [OR REPLACE] ... [IF NOT EXISTS], DROP [IF EXISTS],
//! ALTER [IF EXISTS] ... { RENAME TO | SET | UNSET }, SHOW and DESCRIBE, with
//! Snowflake's status texts and errors.
//!
//! A kind describes itself through [`ObjectKind`]: where its objects live in
//! the catalog, its property table ([`props::PropDef`]), its SHOW columns and
//! row builder, and hooks for what is particular to it (future grants applied
//! on creation, references followed on rename, ...). The statements reach a
//! kind only through `with_kind!`, the registry. See docs/emulator.md,
//! "Adding a kind to the emulator".

pub mod database;
pub mod database_role;
pub mod props;
pub mod resource_monitor;
pub mod role;
pub mod schema;
pub mod table;
pub mod task;
pub mod user;
pub mod warehouse;

use crate::catalog::{Catalog, Target};
use crate::error::SfError;
use crate::exec::{Exec, Outcome, status};
use crate::parser::{AlterAction, Name, Prop, Show, TaskSpec};
use crate::result::{ColType, QueryResult};
use props::{PropDef, Stage};

/// The kinds of object that CREATE / ALTER / DROP / SHOW / DESCRIBE know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Database,
    Schema,
    Warehouse,
    Role,
    User,
    Table,
    Task,
    ResourceMonitor,
    DatabaseRole,
}

/// Every kind, for lookups by keyword.
pub const ALL: [Kind; 9] = [
    Kind::Database,
    Kind::Schema,
    Kind::Warehouse,
    Kind::Role,
    Kind::User,
    Kind::Table,
    Kind::Task,
    Kind::ResourceMonitor,
    Kind::DatabaseRole,
];

/// The registry: evaluates `$body` with the type alias `$k` naming the
/// kind's [`ObjectKind`] implementation.
macro_rules! with_kind {
    ($kind:expr, $k:ident => $body:expr) => {
        match $kind {
            $crate::kinds::Kind::Database => {
                type $k = $crate::kinds::database::DatabaseKind;
                $body
            }
            $crate::kinds::Kind::Schema => {
                type $k = $crate::kinds::schema::SchemaKind;
                $body
            }
            $crate::kinds::Kind::Warehouse => {
                type $k = $crate::kinds::warehouse::WarehouseKind;
                $body
            }
            $crate::kinds::Kind::Role => {
                type $k = $crate::kinds::role::RoleKind;
                $body
            }
            $crate::kinds::Kind::User => {
                type $k = $crate::kinds::user::UserKind;
                $body
            }
            $crate::kinds::Kind::Table => {
                type $k = $crate::kinds::table::TableKind;
                $body
            }
            $crate::kinds::Kind::Task => {
                type $k = $crate::kinds::task::TaskKind;
                $body
            }
            $crate::kinds::Kind::ResourceMonitor => {
                type $k = $crate::kinds::resource_monitor::ResourceMonitorKind;
                $body
            }
            $crate::kinds::Kind::DatabaseRole => {
                type $k = $crate::kinds::database_role::DatabaseRoleKind;
                $body
            }
        }
    };
}
pub(crate) use with_kind;

impl Kind {
    /// Keyword after CREATE/ALTER/DROP: `DATABASE`.
    pub fn keyword(self) -> &'static str {
        with_kind!(self, K => K::KEYWORD)
    }
    /// Word used in messages: `Database`.
    pub fn word(self) -> &'static str {
        with_kind!(self, K => K::WORD)
    }
    /// How many parts a name may have (`db.schema.table` = 3).
    pub fn max_parts(self) -> usize {
        with_kind!(self, K => K::MAX_PARTS)
    }
    pub fn show_syntax(self) -> &'static ShowSyntax {
        with_kind!(self, K => &K::SHOW)
    }
    /// Property names accepted at `stage`.
    pub fn prop_names(self, stage: Stage) -> Vec<&'static str> {
        with_kind!(self, K => props::names(K::PROPS, stage))
    }
    pub fn from_keyword(w: &str) -> Option<Kind> {
        ALL.into_iter().find(|k| k.keyword() == w)
    }
    pub fn from_plural(w: &str) -> Option<Kind> {
        ALL.into_iter().find(|k| k.show_syntax().plural == w)
    }
}

/// Which SHOW clauses a kind takes (checked by the parser).
pub struct ShowSyntax {
    /// `DATABASES`.
    pub plural: &'static str,
    pub terse: bool,
    pub history: bool,
    /// `IN ACCOUNT` (the scope of every account-level object).
    pub in_account: bool,
    /// `IN DATABASE [d]`, `IN SCHEMA [s]`, `IN <name>`.
    pub in_containers: bool,
    /// `STARTS WITH` and `LIMIT n [FROM 's']`.
    pub paging: bool,
}

impl ShowSyntax {
    /// `SHOW <plural> [LIKE '...'] [IN ACCOUNT]`: what every account-level kind takes.
    pub const fn account_level(plural: &'static str) -> Self {
        ShowSyntax {
            plural,
            terse: false,
            history: false,
            in_account: true,
            in_containers: false,
            paging: false,
        }
    }
    /// Also `IN DATABASE [d]`, `IN SCHEMA [s]`, `IN <name>`.
    pub const fn in_containers(mut self) -> Self {
        self.in_containers = true;
        self
    }
    pub const fn terse(mut self) -> Self {
        self.terse = true;
        self
    }
    pub const fn history(mut self) -> Self {
        self.history = true;
        self
    }
    /// `STARTS WITH '...'` and `LIMIT n [FROM '...']`.
    pub const fn paging(mut self) -> Self {
        self.paging = true;
        self
    }
}

/// The full path of an object: `[db]`, `[db, schema]`, `[db, schema, table]`, `[warehouse]`, ...
pub type Path = Vec<String>;

/// The last part of a path: the object's own name.
pub fn leaf(path: &[String]) -> &str {
    path.last().map(String::as_str).unwrap_or("")
}

/// The flags of a CREATE statement that are not properties.
pub struct CreateSpec {
    pub transient: bool,
    pub managed_access: bool,
    pub columns: Vec<(String, String)>,
    /// `CREATE TASK`'s AFTER, WHEN and AS.
    pub task: Option<TaskSpec>,
}

/// What a kind of object is and how the generic statements reach it.
pub trait ObjectKind {
    /// The catalog record (`catalog::Database`, ...).
    type Obj: Clone + 'static;
    const KIND: Kind;
    /// Keyword in statements: `DATABASE`.
    const KEYWORD: &'static str;
    /// Word in messages: `Database 'X' does not exist or not authorized.`,
    /// `Database X successfully created.`
    const WORD: &'static str;
    const MAX_PARTS: usize = 1;
    const PROPS: &'static [PropDef<Self::Obj>];
    const SHOW: ShowSyntax;

    /// The object's full path from the name in a statement (`op` names the
    /// statement in "no current database" errors).
    fn path(_ex: &Exec, name: &Name, _op: &str) -> Result<Path, SfError> {
        Ok(vec![name[0].clone()])
    }
    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Self::Obj>;
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Self::Obj>;
    /// The error for a missing object (its container may be what is missing).
    fn not_found(_ex: &Exec, path: &[String]) -> SfError {
        SfError::does_not_exist(Self::WORD, &path.join("."))
    }
    /// Checks before CREATE: the container exists and may hold new objects.
    fn can_create(_ex: &Exec, _path: &[String]) -> Result<(), SfError> {
        Ok(())
    }
    /// Names that always exist and can never be replaced (system roles, INFORMATION_SCHEMA).
    fn reserved(_path: &[String]) -> bool {
        false
    }
    /// Refusal to drop or replace an existing object (system roles, read-only
    /// imported databases and their schemas).
    fn drop_guard(_ex: &Exec, _path: &[String]) -> Result<(), SfError> {
        Ok(())
    }
    /// Refusal to ALTER an existing object (read-only imported databases and their schemas).
    fn alter_guard(_ex: &Exec, _path: &[String]) -> Result<(), SfError> {
        Ok(())
    }
    /// A new record with everything that is not a property; properties are
    /// then set to their defaults and to the statement's values.
    fn new(ex: &Exec, path: &[String], spec: CreateSpec) -> Self::Obj;
    /// Rules across properties, after CREATE (`given` = the statement's
    /// properties) or ALTER SET/UNSET.
    fn check(_obj: &mut Self::Obj, _given: &[Prop], _creating: bool) -> Result<(), SfError> {
        Ok(())
    }
    /// Rules that look at the rest of the catalog, after `check`: on CREATE
    /// (before an existing object is replaced) and ALTER SET/UNSET.
    fn validate(_ex: &Exec, _path: &[String], _obj: &Self::Obj) -> Result<(), SfError> {
        Ok(())
    }
    /// After ALTER SET/UNSET changed the record (e.g. `updated_on`).
    fn touched(_obj: &mut Self::Obj) {}
    fn insert(cat: &mut Catalog, path: &[String], obj: Self::Obj);
    /// After CREATE inserted the object: future grants, session context.
    fn created(_ex: &mut Exec, _path: &[String]) {}
    /// Remove the record only.
    fn take(cat: &mut Catalog, path: &[String]) -> Option<Self::Obj>;
    /// After the record was removed: what referred to it (grants, session context).
    fn forget(ex: &mut Exec, path: &[String]);
    /// The path that `ALTER ... RENAME TO to` gives the object at `from`.
    fn rename_target(_ex: &Exec, _from: &[String], to: &Name) -> Result<Path, SfError> {
        Ok(vec![to[0].clone()])
    }
    fn set_name(obj: &mut Self::Obj, name: &str);
    /// After a rename: follow the references (grants, future grants, session).
    fn renamed(ex: &mut Exec, from: &[String], to: &[String]);
    /// ALTER actions other than RENAME / SET / UNSET (the parser only builds
    /// those a kind has).
    fn alter_other(
        _ex: &mut Exec,
        _path: &[String],
        action: AlterAction,
    ) -> Result<Outcome, SfError> {
        unreachable!("the parser builds no {action:?} for {}", Self::KEYWORD)
    }
    /// `SHOW <plural>`, filtered and limited.
    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError>;
    fn describe(_ex: &Exec, _name: &Name) -> Result<QueryResult, SfError> {
        Err(SfError::syntax_at(1, 9, Self::WORD))
    }

    // ---- access control (`crate::access`) ----

    /// The object as grants name it.
    fn securable(path: &[String]) -> Target;
    /// The role that owns the object (blank: owned by the system).
    fn owner(obj: &Self::Obj) -> &str;
    /// What CREATE needs: the privilege and where it must be held
    /// (`CREATE DATABASE` on the account, `CREATE SCHEMA` on the database, ...).
    fn create_privilege(path: &[String]) -> (&'static str, Target);
    /// A privilege that allows this ALTER besides OWNERSHIP (`MODIFY` to set
    /// a warehouse's properties, `OPERATE` to suspend it).
    fn alter_privilege(_action: &AlterAction) -> Option<&'static str> {
        None
    }
    /// An account privilege this ALTER needs as well (`EXECUTE TASK` to resume a task).
    fn alter_account_privilege(_action: &AlterAction) -> Option<&'static str> {
        None
    }
    /// An account privilege a CREATE with these properties needs besides
    /// [`create_privilege`](Self::create_privilege) (a warehouse's
    /// `RESOURCE_MONITOR`: account administrators only).
    fn create_account_privilege(_given: &[Prop]) -> Option<&'static str> {
        None
    }
    /// Whether a user may run this ALTER on the object without privileges
    /// because it is the user itself (its default role, warehouse, ...).
    fn self_service(_ex: &Exec, _path: &[String], _action: &AlterAction) -> bool {
        false
    }
}

/// Remove an object and what refers to it.
pub fn remove<K: ObjectKind>(ex: &mut Exec, path: &[String]) {
    K::take(ex.cat, path);
    K::forget(ex, path);
}

/// `CREATE [OR REPLACE] <kind> [IF NOT EXISTS] name [props]`.
pub fn create<K: ObjectKind>(
    ex: &mut Exec,
    or_replace: bool,
    if_not_exists: bool,
    name: &Name,
    given: &[Prop],
    spec: CreateSpec,
) -> Result<Outcome, SfError> {
    let path = K::path(ex, name, &format!("CREATE {}", K::KEYWORD))?;
    K::can_create(ex, &path)?;
    let n = leaf(&path).to_string();
    let exists = K::reserved(&path) || K::get(ex.cat, &path).is_some();
    if exists && if_not_exists {
        return status(format!("{n} already exists, statement succeeded."), false);
    }
    if exists && (!or_replace || K::reserved(&path)) {
        return Err(SfError::already_exists(&n));
    }
    if exists {
        K::drop_guard(ex, &path)?;
    }
    let mut obj = K::new(ex, &path, spec);
    props::defaults(K::PROPS, &mut obj);
    props::apply(K::PROPS, &mut obj, given, Stage::Create)?;
    K::check(&mut obj, given, true)?;
    K::validate(ex, &path, &obj)?;
    if exists {
        remove::<K>(ex, &path);
    }
    K::insert(ex.cat, &path, obj);
    K::created(ex, &path);
    status(format!("{} {n} successfully created.", K::WORD), true)
}

/// `DROP <kind> [IF EXISTS] name`.
pub fn drop<K: ObjectKind>(
    ex: &mut Exec,
    if_exists: bool,
    name: &Name,
) -> Result<Outcome, SfError> {
    let path = K::path(ex, name, &format!("DROP {}", K::KEYWORD))?;
    let n = leaf(&path).to_string();
    if K::get(ex.cat, &path).is_none() {
        if if_exists {
            return status(
                format!("Drop statement executed successfully ({n} already dropped)."),
                false,
            );
        }
        return Err(K::not_found(ex, &path));
    }
    K::drop_guard(ex, &path)?;
    remove::<K>(ex, &path);
    status(format!("{n} successfully dropped."), true)
}

/// `ALTER <kind> [IF EXISTS] name <action>`.
pub fn alter<K: ObjectKind>(
    ex: &mut Exec,
    if_exists: bool,
    name: &Name,
    action: AlterAction,
) -> Result<Outcome, SfError> {
    let path = K::path(ex, name, &format!("ALTER {}", K::KEYWORD))?;
    let Some(current) = K::get(ex.cat, &path) else {
        if if_exists {
            return status("Statement executed successfully.", false);
        }
        return Err(K::not_found(ex, &path));
    };
    let mut obj = current.clone();
    K::alter_guard(ex, &path)?;
    match action {
        AlterAction::Rename(to) => return rename::<K>(ex, &path, &to),
        AlterAction::Set(given) => {
            props::apply(K::PROPS, &mut obj, &given, Stage::Set)?;
            K::check(&mut obj, &given, false)?;
            K::validate(ex, &path, &obj)?;
        }
        AlterAction::Unset(names) => {
            props::unset(K::PROPS, &mut obj, &names);
            K::check(&mut obj, &[], false)?;
            K::validate(ex, &path, &obj)?;
        }
        other => return K::alter_other(ex, &path, other),
    }
    K::touched(&mut obj);
    *K::get_mut(ex.cat, &path).expect("checked above") = obj;
    status("Statement executed successfully.", true)
}

fn rename<K: ObjectKind>(ex: &mut Exec, from: &[String], to: &Name) -> Result<Outcome, SfError> {
    let to = K::rename_target(ex, from, to)?;
    if K::get(ex.cat, &to).is_some() {
        return Err(SfError::already_exists(leaf(&to)));
    }
    let mut obj = K::take(ex.cat, from).expect("checked by alter");
    K::set_name(&mut obj, leaf(&to));
    K::insert(ex.cat, &to, obj);
    K::renamed(ex, from, &to);
    status("Statement executed successfully.", true)
}

/// Column list of a SHOW with the `dropped_on` column of HISTORY inserted after `after`.
pub fn with_history(
    columns: &[(&'static str, ColType)],
    history: bool,
    after: &str,
) -> Vec<(&'static str, ColType)> {
    let mut cols = columns.to_vec();
    if history {
        let i = cols.iter().position(|(c, _)| *c == after).expect("column") + 1;
        cols.insert(i, ("dropped_on", ColType::TimestampLtz));
    }
    cols
}
