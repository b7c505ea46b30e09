//! Tasks, stored and never run: `CREATE [OR REPLACE] TASK [IF NOT EXISTS]
//! [[db.]schema.]t [props] [AFTER t1, ...] [WHEN <expr>] AS <sql>`, `ALTER TASK
//! { SUSPEND | RESUME | SET | UNSET | { ADD | REMOVE } AFTER ... | MODIFY AS |
//! MODIFY WHEN | REMOVE WHEN }`, DROP, `SHOW TASKS [IN ...]`, DESCRIBE TASK,
//! `EXECUTE TASK` and `SYSTEM$TASK_DEPENDENTS_ENABLE`.
//!
//! Snowflake's rules (CREATE TASK / ALTER TASK pages): a new task is
//! suspended; a child task (with predecessors) has no schedule; predecessors
//! exist, are in the task's schema and have its owner; the warehouse exists;
//! a graph whose root task is started cannot be changed (ALTER SET / UNSET /
//! ADD | REMOVE AFTER / MODIFY / REMOVE WHEN, CREATE OR REPLACE), though
//! SUSPEND and RESUME always work. Tasks live in their schema, so dropping the
//! schema or database drops them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use super::props::{PropDef, Pv, Ty, flag, int, on, text_or_none};
use super::{CreateSpec, ObjectKind, Path, ShowSyntax};
use crate::catalog::{Catalog, Schema, Target, Task, now_ms};
use crate::error::SfError;
use crate::exec::{Exec, Outcome, done, status};
use crate::parser::{AlterAction, Expr, Name, Prop, SelectItem, Show, Value};
use crate::result::ColType::{self, *};
use crate::result::{Cell, QueryResult, row, text, ts};

pub struct TaskKind;

type P = PropDef<Task>;

/// `'<n> MINUTE[S]'` (also SECONDS, HOURS and their short forms, as the
/// CREATE TASK page lists them) or `'USING CRON <expr> <time zone>'`; kept as given.
fn schedule(v: &str) -> Option<String> {
    let u = v.trim().to_ascii_uppercase();
    if let Some(rest) = u.strip_prefix("USING CRON ") {
        return (rest.split_whitespace().count() >= 6).then(|| v.to_string());
    }
    let digits: String = u.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = u[digits.len()..].trim();
    let ok_unit = [
        "MINUTE", "MINUTES", "M", "SECOND", "SECONDS", "S", "HOUR", "HOURS", "H",
    ]
    .contains(&unit);
    (!digits.is_empty() && ok_unit).then(|| v.to_string())
}

fn opt_int(v: Option<Pv>) -> Option<i64> {
    match v {
        Some(Pv::Int(n)) => Some(n),
        _ => None,
    }
}

const PROPS: &[P] = &[
    P::new("WAREHOUSE", Ty::Text, |t, _, v| {
        t.warehouse = text_or_none(v)
    }),
    P::new("SCHEDULE", Ty::Canon(schedule), |t, _, v| {
        t.schedule = text_or_none(v)
    }),
    P::new("CONFIG", Ty::Text, |t, _, v| t.config = text_or_none(v)),
    P::new("ALLOW_OVERLAPPING_EXECUTION", Ty::Bool, |t, _, v| {
        t.allow_overlapping_execution = flag(&v)
    })
    .default("false"),
    P::new(
        "SUSPEND_TASK_AFTER_NUM_FAILURES",
        Ty::Int {
            min: 0,
            max: i64::MAX,
        },
        |t, _, v| t.suspend_task_after_num_failures = int(&v),
    )
    .default("10"),
    P::new(
        "USER_TASK_TIMEOUT_MS",
        Ty::Int {
            min: 0,
            max: 604_800_000,
        },
        |t, _, v| t.user_task_timeout_ms = opt_int(v),
    ),
    P::new(
        "TASK_AUTO_RETRY_ATTEMPTS",
        Ty::Int { min: 0, max: 30 },
        |t, _, v| t.task_auto_retry_attempts = int(&v),
    )
    .default("0"),
    P::new("COMMENT", Ty::Text, |t, _, v| t.comment = text_or_none(v)).on(on::ALL),
];

/// SHOW TASKS / DESCRIBE TASK columns (SHOW TASKS page, Output).
pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("id", Text),
    ("database_name", Text),
    ("schema_name", Text),
    ("owner", Text),
    ("comment", Text),
    ("warehouse", Text),
    ("schedule", Text),
    ("predecessors", Text),
    ("state", Text),
    ("definition", Text),
    ("condition", Text),
    ("allow_overlapping_execution", Text),
    ("error_integration", Text),
    ("last_committed_on", TimestampLtz),
    ("last_suspended_on", TimestampLtz),
    ("owner_role_type", Text),
    ("config", Text),
    ("budget", Text),
    ("task_relations", Text),
    ("last_suspended_reason", Text),
];

const STARTED: &str = "started";
const SUSPENDED: &str = "suspended";

/// Code of "Unable to update graph with root task ... since that root task
/// is not suspended." (as reported from real accounts; the docs give none).
const ROOT_STARTED_CODE: &str = "091421";

/// Code used for the other task-graph refusals (none documented; see
/// docs/emulator.md, Known uncertainties).
const GRAPH_CODE: &str = "091003";

fn graph_error(msg: String) -> SfError {
    SfError::new(GRAPH_CODE, "22000", msg)
}

fn target(path: &[String]) -> Target {
    Target::Object(
        "TASK".into(),
        path[0].clone(),
        path[1].clone(),
        path[2].clone(),
    )
}

fn schema<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Schema> {
    cat.databases.get(&path[0])?.schemas.get(&path[1])
}

/// Predecessors that still exist (a dropped predecessor is left out).
fn live_preds<'s>(sc: &'s Schema, t: &'s Task) -> Vec<&'s str> {
    t.predecessors
        .iter()
        .map(String::as_str)
        .filter(|p| sc.tasks.contains_key(*p))
        .collect()
}

/// The root tasks of the graph `name` belongs to.
fn roots(sc: &Schema, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_string()];
    while let Some(n) = todo.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        let Some(t) = sc.tasks.get(&n) else { continue };
        let preds = live_preds(sc, t);
        if preds.is_empty() {
            out.insert(n);
        }
        todo.extend(preds.into_iter().map(str::to_string));
    }
    out
}

/// Refuse to change the graph of `name` while its root task is started.
fn graph_guard(cat: &Catalog, path: &[String], name: &str) -> Result<(), SfError> {
    child_guard(cat, path, name, None)
}

/// [`graph_guard`], leaving out the root `skip` (SUSPEND / RESUME of a root
/// task itself are always allowed).
fn child_guard(
    cat: &Catalog,
    path: &[String],
    name: &str,
    skip: Option<&str>,
) -> Result<(), SfError> {
    let Some(sc) = schema(cat, path) else {
        return Ok(());
    };
    for r in roots(sc, name) {
        if Some(r.as_str()) != skip && sc.tasks[&r].state == STARTED {
            return Err(SfError::new(
                ROOT_STARTED_CODE,
                "22000",
                format!(
                    "Unable to update graph with root task {}.{}.{r} since that root task is not suspended.",
                    path[0], path[1]
                ),
            ));
        }
    }
    Ok(())
}

/// A task name given in AFTER or a function argument, resolved against the
/// schema of `base`: `t`, `schema.t` (the task's database) or `db.schema.t`.
fn resolve(base: &[String], n: &Name) -> Path {
    match n.len() {
        3 => n.clone(),
        2 => vec![base[0].clone(), n[0].clone(), n[1].clone()],
        _ => vec![base[0].clone(), base[1].clone(), n[0].clone()],
    }
}

/// Checks on a predecessor `p` of the task `path` (owned by `owner`).
fn check_pred(cat: &Catalog, path: &[String], p: &[String], owner: &str) -> Result<(), SfError> {
    if p[0] != path[0] || p[1] != path[1] {
        return Err(graph_error(format!(
            "Task {} cannot have predecessor {}: a task and its predecessors must be in the same schema.",
            path.join("."),
            p.join(".")
        )));
    }
    let Some(pt) = TaskKind::get(cat, p) else {
        return Err(SfError::does_not_exist("Task", &p.join(".")));
    };
    if pt.owner != owner {
        return Err(graph_error(format!(
            "Task {} cannot have predecessor {}: a task and its predecessors must have the same owner.",
            path.join("."),
            p.join(".")
        )));
    }
    Ok(())
}

fn child_with_schedule(name: &str) -> SfError {
    graph_error(format!(
        "Task {name} cannot have both a schedule and predecessors: a child task (with AFTER) cannot have a SCHEDULE."
    ))
}

static IDS: AtomicU64 = AtomicU64::new(1);

/// An id in the form of the ids SHOW TASKS shows (a UUID).
fn new_id(created_on: i64) -> String {
    let n = IDS.fetch_add(1, Ordering::Relaxed);
    let hi = created_on as u64;
    format!(
        "01{:06x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (hi >> 16) & 0xff_ffff,
        hi & 0xffff,
        (n >> 16) & 0xffff,
        n & 0xffff,
        hi.wrapping_mul(0x9e37_79b9_7f4a_7c15) & 0xffff_ffff_ffff
    )
}

fn task_row(db: &str, sc: &Schema, t: &Task) -> Vec<Cell> {
    let preds: Vec<String> = live_preds(sc, t)
        .into_iter()
        .map(|p| format!("{db}.{}.{p}", sc.name))
        .collect();
    let preds_json = serde_json::to_string(&preds).expect("json");
    let relations = serde_json::json!({ "Predecessors": preds }).to_string();
    row(
        COLUMNS,
        vec![
            ("created_on", ts(t.created_on)),
            ("name", text(&t.name)),
            ("id", text(&t.id)),
            ("database_name", text(db)),
            ("schema_name", text(&sc.name)),
            ("owner", text(&t.owner)),
            ("comment", text(t.comment.clone().unwrap_or_default())),
            ("warehouse", t.warehouse.clone()),
            ("schedule", t.schedule.clone()),
            ("predecessors", text(preds_json)),
            ("state", text(&t.state)),
            ("definition", text(&t.definition)),
            ("condition", t.condition.clone()),
            (
                "allow_overlapping_execution",
                text(t.allow_overlapping_execution.to_string()),
            ),
            ("error_integration", None),
            ("last_committed_on", t.last_committed_on.and_then(ts)),
            ("last_suspended_on", t.last_suspended_on.and_then(ts)),
            ("owner_role_type", text("ROLE")),
            ("config", t.config.clone()),
            ("budget", None),
            ("task_relations", text(relations)),
            ("last_suspended_reason", t.last_suspended_reason.clone()),
        ],
    )
}

fn resume(t: &mut Task) {
    if t.state != STARTED {
        t.state = STARTED.into();
        t.last_committed_on = Some(now_ms());
    }
}

impl ObjectKind for TaskKind {
    fn securable(path: &[String]) -> Target {
        Target::Object(
            "TASK".into(),
            path[0].clone(),
            path[1].clone(),
            path[2].clone(),
        )
    }
    fn owner(obj: &Task) -> &str {
        &obj.owner
    }
    fn create_privilege(path: &[String]) -> (&'static str, Target) {
        (
            "CREATE TASK",
            Target::Schema(path[0].clone(), path[1].clone()),
        )
    }
    fn alter_privilege(action: &AlterAction) -> Option<&'static str> {
        matches!(action, AlterAction::Suspend | AlterAction::Resume { .. }).then_some("OPERATE")
    }
    fn alter_account_privilege(action: &AlterAction) -> Option<&'static str> {
        matches!(action, AlterAction::Resume { .. }).then_some("EXECUTE TASK")
    }
    type Obj = Task;
    const KIND: super::Kind = super::Kind::Task;
    const KEYWORD: &'static str = "TASK";
    const WORD: &'static str = "Task";
    const MAX_PARTS: usize = 3;
    const PROPS: &'static [PropDef<Task>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("TASKS").in_containers().paging();

    fn path(ex: &Exec, name: &Name, op: &str) -> Result<Path, SfError> {
        let (d, s, t) = ex.object_path(name, op)?;
        Ok(vec![d, s, t])
    }
    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Task> {
        schema(cat, path)?.tasks.get(&path[2])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Task> {
        cat.databases
            .get_mut(&path[0])?
            .schemas
            .get_mut(&path[1])?
            .tasks
            .get_mut(&path[2])
    }
    fn can_create(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        ex.writable_schema(&path[0], &path[1])?;
        super::database::writable(ex, &path[0])
    }
    fn drop_guard(ex: &Exec, path: &[String]) -> Result<(), SfError> {
        super::database::writable(ex, &path[0])
    }

    fn new(ex: &Exec, path: &[String], spec: CreateSpec) -> Task {
        let spec = spec.task.unwrap_or_default();
        let created_on = now_ms();
        let mut predecessors: Vec<String> = Vec::new();
        for n in &spec.after {
            // Kept qualified until `validate` has checked the schema.
            let p = resolve(path, n).join("\u{1}");
            if !predecessors.contains(&p) {
                predecessors.push(p);
            }
        }
        Task {
            name: path[2].clone(),
            id: new_id(created_on),
            created_on,
            owner: ex.sess.role.clone(),
            comment: None,
            warehouse: None,
            schedule: None,
            config: None,
            allow_overlapping_execution: false,
            suspend_task_after_num_failures: 0,
            user_task_timeout_ms: None,
            task_auto_retry_attempts: 0,
            predecessors,
            condition: spec.when,
            definition: spec.body,
            state: SUSPENDED.into(),
            last_committed_on: None,
            last_suspended_on: None,
            last_suspended_reason: None,
        }
    }

    fn check(t: &mut Task, _given: &[Prop], _creating: bool) -> Result<(), SfError> {
        if !t.predecessors.is_empty() && t.schedule.is_some() {
            return Err(child_with_schedule(&t.name));
        }
        Ok(())
    }

    /// The warehouse exists; predecessors (CREATE) are checked and stored by
    /// name; the graph being changed has no started root.
    fn validate(ex: &Exec, path: &[String], t: &Task) -> Result<(), SfError> {
        if let Some(w) = &t.warehouse {
            ex.wh_exists(w)?;
        }
        if Self::get(ex.cat, path).is_some() {
            graph_guard(ex.cat, path, &path[2])?;
        }
        for p in &t.predecessors {
            let Some(_) = p.find('\u{1}') else { continue };
            let p: Vec<String> = p.split('\u{1}').map(str::to_string).collect();
            check_pred(ex.cat, path, &p, &t.owner)?;
            graph_guard(ex.cat, path, &p[2])?;
        }
        Ok(())
    }

    fn insert(cat: &mut Catalog, path: &[String], mut obj: Task) {
        for p in obj.predecessors.iter_mut() {
            if let Some(leaf) = p.rsplit('\u{1}').next() {
                *p = leaf.to_string();
            }
        }
        let db = cat.databases.get_mut(&path[0]).expect("checked database");
        let sc = db.schemas.get_mut(&path[1]).expect("checked schema");
        sc.tasks.insert(path[2].clone(), obj);
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Task> {
        cat.databases
            .get_mut(&path[0])?
            .schemas
            .get_mut(&path[1])?
            .tasks
            .remove(&path[2])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let t = target(path);
        ex.cat.grants.retain(|g| g.target != t);
    }

    fn set_name(obj: &mut Task, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(_ex: &mut Exec, _from: &[String], _to: &[String]) {
        unreachable!("the parser builds no ALTER TASK ... RENAME")
    }

    fn alter_other(
        ex: &mut Exec,
        path: &[String],
        action: AlterAction,
    ) -> Result<Outcome, SfError> {
        let name = path[2].clone();
        match action {
            AlterAction::Suspend => {
                child_guard(ex.cat, path, &name, Some(&name))?;
                let t = Self::get_mut(ex.cat, path).expect("checked by alter");
                if t.state == STARTED {
                    t.state = SUSPENDED.into();
                    t.last_suspended_on = Some(now_ms());
                    t.last_suspended_reason = Some("USER_SUSPENDED".into());
                }
                done(true)
            }
            AlterAction::Resume { .. } => {
                child_guard(ex.cat, path, &name, Some(&name))?;
                let sc = schema(ex.cat, path).expect("checked by alter");
                let t = &sc.tasks[&name];
                if live_preds(sc, t).is_empty() && t.schedule.is_none() && t.condition.is_none() {
                    return Err(graph_error(format!(
                        "Task {} cannot be resumed: a root task needs a SCHEDULE (or a WHEN condition for a triggered task).",
                        path.join(".")
                    )));
                }
                resume(Self::get_mut(ex.cat, path).expect("checked by alter"));
                done(true)
            }
            AlterAction::TaskAfter { add, names } => {
                graph_guard(ex.cat, path, &name)?;
                let owner = Self::get(ex.cat, path).expect("checked").owner.clone();
                let mut leaves = Vec::new();
                for n in &names {
                    let p = resolve(path, n);
                    if add {
                        check_pred(ex.cat, path, &p, &owner)?;
                        graph_guard(ex.cat, path, &p[2])?;
                        let sc = schema(ex.cat, path).expect("checked");
                        if p[2] == name || roots_and_ancestors(sc, &p[2]).contains(&name) {
                            return Err(graph_error(format!(
                                "Task {} cannot be added after {}: the task graph would have a cycle.",
                                path.join("."),
                                p.join(".")
                            )));
                        }
                    }
                    leaves.push(p[2].clone());
                }
                let t = Self::get_mut(ex.cat, path).expect("checked");
                if add {
                    if t.schedule.is_some() {
                        return Err(child_with_schedule(&name));
                    }
                    for l in leaves {
                        if !t.predecessors.contains(&l) {
                            t.predecessors.push(l);
                        }
                    }
                } else {
                    t.predecessors.retain(|p| !leaves.contains(p));
                }
                done(true)
            }
            AlterAction::ModifyAs(sql) => {
                graph_guard(ex.cat, path, &name)?;
                Self::get_mut(ex.cat, path).expect("checked").definition = sql;
                done(true)
            }
            AlterAction::ModifyWhen(cond) => {
                graph_guard(ex.cat, path, &name)?;
                Self::get_mut(ex.cat, path).expect("checked").condition = Some(cond);
                done(true)
            }
            AlterAction::RemoveWhen => {
                graph_guard(ex.cat, path, &name)?;
                Self::get_mut(ex.cat, path).expect("checked").condition = None;
                done(true)
            }
            other => unreachable!("the parser builds no {other:?} for tasks"),
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let schemas = super::table::scope(ex, s, "SHOW TASKS")?;
        let mut rows = Vec::new();
        for (db, sc) in schemas {
            for t in sc.tasks.values() {
                rows.push((t.name.clone(), task_row(&db.name, sc, t)));
            }
        }
        ex.finish(s, COLUMNS, rows, None)
    }

    /// The SHOW TASKS row of the task.
    fn describe(ex: &Exec, name: &Name) -> Result<QueryResult, SfError> {
        let path = Self::path(ex, name, "DESCRIBE TASK")?;
        let t = Self::get(ex.cat, &path).ok_or_else(|| Self::not_found(ex, &path))?;
        let sc = schema(ex.cat, &path).expect("found the task");
        let mut r = QueryResult::with_columns(COLUMNS);
        r.rows.push(task_row(&path[0], sc, t));
        Ok(r)
    }
}

/// Every task `name` depends on, directly or not.
fn roots_and_ancestors(sc: &Schema, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_string()];
    while let Some(n) = todo.pop() {
        let Some(t) = sc.tasks.get(&n) else { continue };
        for p in live_preds(sc, t) {
            if seen.insert(p.to_string()) {
                todo.push(p.to_string());
            }
        }
    }
    seen
}

/// `EXECUTE TASK name`: the task must exist; nothing runs.
pub fn execute(ex: &mut Exec, name: &Name) -> Result<Outcome, SfError> {
    let path = TaskKind::path(ex, name, "EXECUTE TASK")?;
    if TaskKind::get(ex.cat, &path).is_none() {
        return Err(TaskKind::not_found(ex, &path));
    }
    status("Statement executed successfully.", false)
}

/// `SYSTEM$TASK_DEPENDENTS_ENABLE('name')` in a SELECT: resumes the task and
/// every task after it, recursively. Returns whether anything was called.
pub fn select_calls(ex: &mut Exec, items: &[SelectItem]) -> Result<bool, SfError> {
    let mut called = false;
    for it in items {
        let Expr::Call(f, args) = &it.expr else {
            continue;
        };
        if f != "SYSTEM$TASK_DEPENDENTS_ENABLE" {
            continue;
        }
        let [Expr::Lit(Value::Str(arg))] = args.as_slice() else {
            continue; // arity and types are reported by the SELECT itself
        };
        let name = crate::parser::name_from_string(arg);
        if name.len() > 3 || name.iter().any(String::is_empty) {
            return Err(SfError::does_not_exist("Task", arg));
        }
        let path = TaskKind::path(ex, &name, "SYSTEM$TASK_DEPENDENTS_ENABLE")?;
        if TaskKind::get(ex.cat, &path).is_none() {
            return Err(TaskKind::not_found(ex, &path));
        }
        let sc = schema(ex.cat, &path).expect("found the task");
        let mut enable = BTreeSet::from([path[2].clone()]);
        loop {
            let more: Vec<String> = sc
                .tasks
                .values()
                .filter(|t| !enable.contains(&t.name))
                .filter(|t| live_preds(sc, t).iter().any(|p| enable.contains(*p)))
                .map(|t| t.name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            enable.extend(more);
        }
        for n in enable {
            let p = vec![path[0].clone(), path[1].clone(), n];
            resume(TaskKind::get_mut(ex.cat, &p).expect("listed"));
        }
        called = true;
    }
    Ok(called)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert!(schedule("5 MINUTE").is_some());
        assert!(schedule("60 minutes").is_some());
        assert!(schedule("USING CRON 0 9 * * * UTC").is_some());
        assert!(schedule("USING CRON 0 9 * *").is_none());
        assert!(schedule("soon").is_none());
    }

    #[test]
    fn string_names() {
        assert_eq!(
            crate::parser::name_from_string("db.s.t"),
            vec!["DB", "S", "T"]
        );
        assert_eq!(crate::parser::name_from_string("\"Mixed\""), vec!["Mixed"]);
    }
}
