//! `databases.<D>.schemas.<S>.tasks:` — `CREATE TASK`, read with `SHOW
//! TASKS IN SCHEMA D.S`.
//!
//! A task graph is a root task (with a `schedule`) and children that run
//! `after` their predecessors in the same schema. Snowflake creates tasks
//! suspended and refuses to change any task of a graph whose root is
//! started; the task [`Lifecycle`] tells the plan to suspend the root
//! first and to resume the started tasks afterwards, children before the
//! root (see docs/tasks.md). The definition, schedule, condition, config
//! and parameters change in place (`ALTER TASK ... MODIFY AS / MODIFY WHEN /
//! SET / UNSET / ADD AFTER / REMOVE AFTER`), never by re-creating the task.
//!
//! The task parameters (`suspend_task_after_num_failures`,
//! `user_task_timeout_ms`, `task_auto_retry_attempts`) are not in SHOW
//! TASKS: drift does not read them (one more query per task would make the
//! number of queries grow with the number of tasks).

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, Kind, Lifecycle, LiveCol,
    LiveSpec, Naming, OWNER, Paging, Query, Rules, Section, Show, Sql, SqlHooks, object_update,
    schema, warehouse,
};
use crate::model::{Attrs, Field, Ident, KindMeta, ResourceId, Value, canonical};

pub static META: KindMeta = KindMeta {
    name: "task",
    rank: 7,
    fields: &[
        Field::name("database"),
        Field::name("schema"),
        Field::name("name"),
    ],
    keyword: Some("TASK"),
    address: None,
    target_sql: None,
    references: |id| vec![schema::id(id.name_at(0).clone(), id.name_at(1).clone())],
};

/// `task.DATABASE.SCHEMA.NAME`.
pub fn id(database: Ident, schema: Ident, name: Ident) -> ResourceId {
    ResourceId::named(&META, [database, schema, name])
}

pub const STATE: &str = "state";
pub const STARTED: &str = "started";
pub const SUSPENDED: &str = "suspended";

fn text(t: Option<&str>) -> Option<Value> {
    t.filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
        .map(|s| Value::Text(s.to_string()))
}

/// `config`: compact JSON with sorted keys (the canonical form of both the
/// configuration's mapping and SHOW's text).
pub fn canonical_json(text: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|v| v.to_string())
}

/// SHOW's `predecessors` (`["\"DB\".\"S\".\"A\""]`) as the sorted names of
/// the predecessors (in SQL form, as the configuration writes them).
fn predecessors(t: Option<&str>) -> Option<Value> {
    let list: Vec<String> = serde_json::from_str(t?).ok()?;
    let mut names: Vec<String> = list
        .iter()
        .filter_map(|q| super::grant::split_qualified(q).pop())
        .map(|n| Ident::from_canonical(n).sql())
        .collect();
    names.sort();
    names.dedup();
    (!names.is_empty()).then_some(Value::List(names))
}

fn state(t: Option<&str>) -> Option<Value> {
    match t?.trim().to_ascii_lowercase().as_str() {
        s @ (STARTED | SUSPENDED) => Some(Value::Text(s.to_string())),
        _ => None,
    }
}

const fn param(name: &'static str, keyword: &'static str, doc: &'static str) -> AttrSpec {
    AttrSpec {
        name,
        ty: AttrType::Int { min: 0, hint: None },
        sql: AttrSql::Property(keyword),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Unreadable,
        doc,
    }
}

const ATTRS: &[AttrSpec] = &[
    AttrSpec {
        name: "sql",
        ty: AttrType::Text,
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Column("definition", text),
        doc: "The statement the task runs (one statement, or a CALL); changed with MODIFY AS.",
    },
    AttrSpec {
        name: "warehouse",
        ty: AttrType::Ref(&warehouse::META),
        sql: AttrSql::Property("WAREHOUSE"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("warehouse", |t| {
            text(t).map(|v| match v {
                Value::Text(w) => Value::Text(Ident::from_canonical(w).sql()),
                other => other,
            })
        }),
        doc: "The warehouse it runs on (declared or external); absent: serverless.",
    },
    AttrSpec {
        name: "schedule",
        ty: AttrType::Text,
        sql: AttrSql::Property("SCHEDULE"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("schedule", text),
        doc: "Root tasks only: `USING CRON 0 3 * * * UTC` or `60 MINUTES`.",
    },
    AttrSpec {
        name: "after",
        ty: AttrType::Siblings,
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Column("predecessors", predecessors),
        doc: "Predecessor tasks of the same schema; a task with `after` has no schedule.",
    },
    AttrSpec {
        name: "when",
        ty: AttrType::Text,
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Column("condition", text),
        doc: "A boolean condition checked before each run (MODIFY WHEN / REMOVE WHEN).",
    },
    AttrSpec {
        name: "config",
        ty: AttrType::Json,
        sql: AttrSql::Property("CONFIG"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("config", |t| {
            text(t)
                .and_then(|v| match v {
                    Value::Text(j) => canonical_json(&j),
                    _ => None,
                })
                .map(Value::Text)
        }),
        doc: "The graph's CONFIG: a mapping, or `{ from: config/<component> }` for that component's merged configuration in the environment.",
    },
    COMMENT,
    OWNER,
    AttrSpec {
        name: STATE,
        ty: AttrType::Keyword {
            canon: |s| match s.trim().to_ascii_lowercase().as_str() {
                STARTED => Some(STARTED),
                SUSPENDED => Some(SUSPENDED),
                _ => None,
            },
            what: "task state",
            valid: || "started, suspended".into(),
            spellings: || vec!["STARTED", "SUSPENDED"],
        },
        sql: AttrSql::None,
        change: Change::Lifecycle,
        unset: false,
        live: LiveCol::Column("state", state),
        doc: "`started` or `suspended`; default: the environment's `tasks:` (itself `suspended` by default).",
    },
    AttrSpec {
        name: "allow_overlapping_execution",
        ty: AttrType::Bool,
        sql: AttrSql::Property("ALLOW_OVERLAPPING_EXECUTION"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("allow_overlapping_execution", |t| {
            t.and_then(canonical::show_bool).map(Value::Bool)
        }),
        doc: "Root tasks: let a run start while the previous one still runs.",
    },
    param(
        "suspend_task_after_num_failures",
        "SUSPEND_TASK_AFTER_NUM_FAILURES",
        "Suspend the task after this many consecutive failed runs (0: never).",
    ),
    param(
        "user_task_timeout_ms",
        "USER_TASK_TIMEOUT_MS",
        "Time limit of one run, in milliseconds.",
    ),
    param(
        "task_auto_retry_attempts",
        "TASK_AUTO_RETRY_ATTEMPTS",
        "Root tasks: how many times a failed graph run is retried.",
    ),
];

/// Roles a task must not be owned by: a task runs with its owner's
/// privileges (the CIS Snowflake benchmark asks for the same).
const FORBIDDEN_OWNERS: &[&str] = &["ACCOUNTADMIN", "SECURITYADMIN"];

/// A child task (with `after`) has no schedule; no task runs as
/// ACCOUNTADMIN or SECURITYADMIN.
fn check(attrs: &Attrs) -> Option<(&'static str, String)> {
    if let Some(Value::Text(owner)) = attrs.get(super::OWNER.name)
        && FORBIDDEN_OWNERS.contains(&owner.as_str())
    {
        return Some((
            "owner",
            format!(
                "a task runs with its owner's privileges: `{owner}` must not own one; give tasks a role of their environment that holds EXECUTE TASK"
            ),
        ));
    }
    let child = matches!(attrs.get("after"), Some(Value::List(l)) if !l.is_empty());
    (child && attrs.contains_key("schedule")).then(|| {
        (
            "schedule",
            "a task with `after` runs after its predecessors and cannot have a `schedule` (only the graph's root has one)".to_string(),
        )
    })
}

fn names(attrs: &Attrs, name: &str) -> Vec<String> {
    match attrs.get(name) {
        Some(Value::List(l)) => l.clone(),
        _ => Vec::new(),
    }
}

fn text_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    match attrs.get(name) {
        Some(Value::Text(t)) => Some(t),
        _ => None,
    }
}

/// `D.S.NAME, D.S.OTHER`: predecessors qualified like the task.
fn push_siblings(out: &mut String, id: &ResourceId, names: &[String]) {
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match super::sibling(id, n) {
            Some(s) => s.push_qualified_name(out),
            None => out.push_str(n),
        }
    }
}

fn create_sql(id: &ResourceId, attrs: &Attrs, or_replace: bool) -> String {
    // CREATE TASK name props (from the generic object form, without AS).
    let mut sql = super::object_create(&KIND, id, attrs, false);
    if or_replace {
        sql.replace_range(.."CREATE".len(), "CREATE OR REPLACE");
    }
    let after = names(attrs, "after");
    if !after.is_empty() {
        sql.push_str(" AFTER ");
        push_siblings(&mut sql, id, &after);
    }
    if let Some(when) = text_of(attrs, "when") {
        sql.push_str(" WHEN ");
        sql.push_str(when);
    }
    sql.push_str(" AS ");
    sql.push_str(text_of(attrs, "sql").unwrap_or_default());
    sql
}

fn alter(id: &ResourceId, rest: &str) -> String {
    let mut out = String::from("ALTER TASK ");
    id.push_qualified_name(&mut out);
    out.push(' ');
    out.push_str(rest);
    out
}

static SQL: SqlHooks = SqlHooks {
    create: |id, attrs| vec![create_sql(id, attrs, false)],
    ensure: Some(ensure),
    drop: |id, _| vec![super::object_drop(&KIND, id, false)],
    update: |id, before, after| {
        let mut out = Vec::new();
        let (old, new) = (names(before, "after"), names(after, "after"));
        let removed: Vec<String> = old.iter().filter(|n| !new.contains(n)).cloned().collect();
        let added: Vec<String> = new.iter().filter(|n| !old.contains(n)).cloned().collect();
        if !removed.is_empty() {
            let mut s = String::from("REMOVE AFTER ");
            push_siblings(&mut s, id, &removed);
            out.push(alter(id, &s));
        }
        // SET before UNSET; a task that stops being a child sets its
        // schedule after REMOVE AFTER, one that becomes a child unsets it
        // before ADD AFTER.
        out.extend(object_update(&KIND, id, before, after));
        if !added.is_empty() {
            let mut s = String::from("ADD AFTER ");
            push_siblings(&mut s, id, &added);
            out.push(alter(id, &s));
        }
        if let Some(sql) = text_of(after, "sql")
            && text_of(before, "sql") != Some(sql)
        {
            out.push(alter(id, &format!("MODIFY AS {sql}")));
        }
        match (text_of(before, "when"), text_of(after, "when")) {
            (b, Some(w)) if b != Some(w) => out.push(alter(id, &format!("MODIFY WHEN {w}"))),
            (Some(_), None) => out.push(alter(id, "REMOVE WHEN")),
            _ => {}
        }
        out
    },
};

/// The idempotent create: `CREATE OR REPLACE` (a task that may or may not
/// have been created by a run that died is new either way).
pub fn ensure(id: &ResourceId, attrs: &Attrs) -> Vec<String> {
    vec![create_sql(id, attrs, true)]
}

static SHOW: Show = Show {
    rank: 8,
    sql: |scope| format!("SHOW TASKS IN SCHEMA {}.{}", scope[0].sql(), scope[1].sql()),
    paging: Paging::Limit,
    per_object: true,
    absorb: Absorb::Objects(&KIND),
};

/// The root of `id`'s graph: its first predecessor's root, recursively.
fn root<'a>(id: &ResourceId, attrs_of: &dyn Fn(&ResourceId) -> Option<&'a Attrs>) -> ResourceId {
    let mut current = id.clone();
    // A cycle is a validation error; stop after as many steps as could
    // possibly be needed anyway.
    for _ in 0..10_000 {
        let Some(first) = attrs_of(&current)
            .and_then(|a| names(a, "after").into_iter().next())
            .and_then(|n| super::sibling(&current, &n))
        else {
            break;
        };
        current = first;
    }
    current
}

static LIFECYCLE: Lifecycle = Lifecycle {
    attr: STATE,
    active: STARTED,
    inactive: SUSPENDED,
    env_key: "tasks",
    activate: |id| alter(id, "RESUME"),
    deactivate: |id| alter(id, "SUSPEND"),
    root,
};

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Child {
        parent: &schema::KIND,
        key: "tasks",
    },
    children: &[],
    external: None,
    attrs: ATTRS,
    sql_order: &[
        "warehouse",
        "schedule",
        "config",
        "allow_overlapping_execution",
        "user_task_timeout_ms",
        "suspend_task_after_num_failures",
        "comment",
        "task_auto_retry_attempts",
    ],
    check: Some(check),
    sql: Sql::Custom(&SQL),
    // Dropping a schema drops its tasks.
    dropped_with: |parent, _| parent.is(&schema::META) || parent.is(&super::database::META),
    live: LiveSpec {
        queries: |id, _, out| {
            out.insert(Query::new(
                &SHOW,
                [id.name_at(0).clone(), id.name_at(1).clone()],
            ));
        },
        list: None,
    },
    drift: DriftForm::Object,
    naming: Naming::None,
    parse_weight: 2,
    rules: Rules {
        required: &["sql"],
        lifecycle: Some(&LIFECYCLE),
        ..Rules::NONE
    },
    admin_role: Some("SYSADMIN"),
    create_as_owner: true,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql;

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn create_writes_properties_then_after_when_as() {
        let id = id(ident("D"), ident("S"), ident("CHILD"));
        let a = attrs(&[
            ("sql", t("CALL D.S.TRAIN()")),
            ("warehouse", t("WH")),
            ("config", t(r#"{"a":1}"#)),
            ("after", Value::List(vec!["ROOT".into()])),
            ("when", t("SYSTEM$STREAM_HAS_DATA('X')")),
            ("comment", t("it's")),
            ("state", t("started")),
        ]);
        assert_eq!(
            sql::create(&id, &a, false),
            vec![
                r#"CREATE TASK D.S.CHILD WAREHOUSE = WH CONFIG = '{"a":1}' COMMENT = 'it''s' AFTER D.S.ROOT WHEN SYSTEM$STREAM_HAS_DATA('X') AS CALL D.S.TRAIN()"#
            ]
        );
    }

    #[test]
    fn updates_change_in_place() {
        let id = id(ident("D"), ident("S"), ident("T"));
        let before = attrs(&[
            ("sql", t("SELECT 1")),
            ("schedule", t("60 MINUTES")),
            ("comment", t("c")),
        ]);
        let after = attrs(&[
            ("sql", t("SELECT 2")),
            ("after", Value::List(vec!["ROOT".into()])),
            ("when", t("TRUE")),
        ]);
        assert_eq!(
            sql::update(&id, &before, &after),
            vec![
                "ALTER TASK D.S.T UNSET SCHEDULE, COMMENT",
                "ALTER TASK D.S.T ADD AFTER D.S.ROOT",
                "ALTER TASK D.S.T MODIFY AS SELECT 2",
                "ALTER TASK D.S.T MODIFY WHEN TRUE",
            ]
        );
        assert_eq!(
            sql::update(&id, &after, &before),
            vec![
                "ALTER TASK D.S.T REMOVE AFTER D.S.ROOT",
                "ALTER TASK D.S.T SET SCHEDULE = '60 MINUTES' COMMENT = 'c'",
                "ALTER TASK D.S.T MODIFY AS SELECT 1",
                "ALTER TASK D.S.T REMOVE WHEN",
            ]
        );
    }

    #[test]
    fn show_rows_become_canonical() {
        assert_eq!(
            predecessors(Some(r#"["\"D\".\"S\".\"B\"", "D.S.A"]"#)),
            Some(Value::List(vec!["A".into(), "B".into()]))
        );
        assert_eq!(predecessors(Some("[]")), None);
        assert_eq!(
            canonical_json(r#"{ "b": 1, "a": [true] }"#).as_deref(),
            Some(r#"{"a":[true],"b":1}"#)
        );
        assert_eq!(state(Some("STARTED")), Some(t("started")));
    }

    #[test]
    fn no_task_runs_as_an_administrator() {
        let a = attrs(&[("owner", t("ACCOUNTADMIN"))]);
        assert_eq!(check(&a).map(|(k, _)| k), Some("owner"));
        assert!(check(&attrs(&[("owner", t("PUDO_DEV_ROLE"))])).is_none());
    }

    #[test]
    fn a_child_has_no_schedule() {
        let a = attrs(&[
            ("after", Value::List(vec!["R".into()])),
            ("schedule", t("5 MINUTES")),
        ]);
        assert_eq!(check(&a).map(|(k, _)| k), Some("schedule"));
        assert!(check(&attrs(&[("schedule", t("5 MINUTES"))])).is_none());
    }

    #[test]
    fn the_root_follows_predecessors() {
        let a = id(ident("D"), ident("S"), ident("A"));
        let b = id(ident("D"), ident("S"), ident("B"));
        let c = id(ident("D"), ident("S"), ident("C"));
        let graph: std::collections::BTreeMap<ResourceId, Attrs> = [
            (a.clone(), Attrs::new()),
            (
                b.clone(),
                attrs(&[("after", Value::List(vec!["A".into()]))]),
            ),
            (
                c.clone(),
                attrs(&[("after", Value::List(vec!["B".into()]))]),
            ),
        ]
        .into();
        assert_eq!(root(&c, &|i| graph.get(i)), a);
        assert_eq!(root(&a, &|i| graph.get(i)), a);
    }
}
