//! Warehouses: `CREATE [OR REPLACE] WAREHOUSE [WITH] props`, ALTER (rename,
//! SET/UNSET, SUSPEND, RESUME [IF SUSPENDED], ABORT ALL QUERIES), DROP, SHOW
//! WAREHOUSES (silently capped at 10,000 rows), DESCRIBE WAREHOUSE. A new
//! warehouse becomes the session's current warehouse.

use super::props::{PropDef, Pv, Ty, flag, int, on, param, text_or_none, upper};
use super::{CreateSpec, ObjectKind, ShowSyntax};
use crate::catalog::{Catalog, Params, Target, Warehouse, now_ms};
use crate::error::SfError;
use crate::exec::{Exec, Outcome, done, status};
use crate::parser::{AlterAction, Name, Prop, Show};
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, num, row, text, tf, ts, yn};
use crate::show_columns as cols;

pub struct WarehouseKind;

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

fn size(v: &str) -> Option<String> {
    warehouse_size(v).map(str::to_string)
}

fn wtype(v: &str) -> Option<String> {
    let t = v.to_ascii_uppercase().replace('_', "-");
    ["STANDARD", "SNOWPARK-OPTIMIZED", "ADAPTIVE"]
        .contains(&t.as_str())
        .then_some(t)
}

fn scaling_policy(v: &str) -> Option<String> {
    let t = v.to_ascii_uppercase();
    (t == "STANDARD" || t == "ECONOMY").then_some(t)
}

fn pv_text(v: Option<Pv>) -> String {
    v.map(|v| v.text()).unwrap_or_default()
}

const ANY_INT: Ty = Ty::Int {
    min: i64::MIN,
    max: i64::MAX,
};

type P = PropDef<Warehouse>;

const PROPS: &[P] = &[
    P::new("WAREHOUSE_SIZE", Ty::Canon(size), |w, _, v| {
        w.size = pv_text(v)
    })
    .default("X-Small")
    .on(on::CREATE | on::SET),
    P::new("WAREHOUSE_TYPE", Ty::Canon(wtype), |w, _, v| {
        w.wtype = pv_text(v)
    })
    .default("STANDARD"),
    P::new("MAX_CLUSTER_COUNT", ANY_INT, |w, _, v| {
        w.max_cluster_count = int(&v)
    })
    .default("1"),
    P::new("MIN_CLUSTER_COUNT", ANY_INT, |w, _, v| {
        w.min_cluster_count = int(&v)
    })
    .default("1"),
    P::new("SCALING_POLICY", Ty::Canon(scaling_policy), |w, _, v| {
        w.scaling_policy = pv_text(v)
    })
    .default("STANDARD"),
    // NULL: never suspend (a value of its own; UNSET goes back to 600).
    P::new(
        "AUTO_SUSPEND",
        Ty::Int {
            min: 0,
            max: i64::MAX,
        },
        |w, _, v| {
            w.auto_suspend = match v {
                Some(Pv::Int(n)) => Some(n),
                _ => None,
            }
        },
    )
    .default("600")
    .null_is_value(),
    P::new("AUTO_RESUME", Ty::Bool, |w, _, v| w.auto_resume = flag(&v)).default("true"),
    // CREATE only, and never shown: it only decides the starting state.
    P::new("INITIALLY_SUSPENDED", Ty::Bool, |w, _, v| {
        if flag(&v) {
            w.state = "SUSPENDED".into()
        }
    })
    .default("false")
    .on(on::CREATE),
    // Stored, not checked against resource monitors (the emulator has none).
    P::new("RESOURCE_MONITOR", Ty::Text, |w, _, v| {
        w.resource_monitor = text_or_none(v)
    }),
    P::new("COMMENT", Ty::Text, |w, _, v| w.comment = text_or_none(v)),
    P::new("ENABLE_QUERY_ACCELERATION", Ty::Bool, |w, _, v| {
        w.enable_query_acceleration = flag(&v)
    })
    .default("false"),
    P::new(
        "QUERY_ACCELERATION_MAX_SCALE_FACTOR",
        Ty::Int { min: 0, max: 100 },
        |w, _, v| w.query_acceleration_max_scale_factor = int(&v),
    )
    .default("8"),
    P::new("MAX_CONCURRENCY_LEVEL", Ty::Param, |w, k, v| {
        param(&mut w.params, k, v)
    }),
    P::new(
        "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS",
        Ty::Param,
        |w, k, v| param(&mut w.params, k, v),
    ),
    P::new("STATEMENT_TIMEOUT_IN_SECONDS", Ty::Param, |w, k, v| {
        param(&mut w.params, k, v)
    }),
    P::new("RESOURCE_CONSTRAINT", Ty::Canon(upper), |w, _, v| {
        w.resource_constraint = text_or_none(v)
    }),
    P::new("GENERATION", Ty::Text, |w, _, v| {
        w.generation = text_or_none(v)
    })
    .default("1"),
    // ALTER ... SET WAREHOUSE_SIZE = ... WAIT_FOR_COMPLETION = TRUE: checked, not kept.
    P::new("WAIT_FOR_COMPLETION", Ty::Bool, |_, _, _| {}).on(on::SET),
];

/// SHOW WAREHOUSES columns (docs example order; the 2025_03 columns appended).
pub const COLUMNS: &[(&str, ColType)] = &[
    ("name", Text),
    ("state", Text),
    ("type", Text),
    ("size", Text),
    ("min_cluster_count", Fixed),
    ("max_cluster_count", Fixed),
    ("started_clusters", Fixed),
    ("running", Fixed),
    ("queued", Fixed),
    ("is_default", Text),
    ("is_current", Text),
    ("is_interactive", Text),
    ("auto_suspend", Fixed),
    ("auto_resume", Text),
    ("available", Text),
    ("provisioning", Text),
    ("quiescing", Text),
    ("other", Text),
    ("created_on", TimestampLtz),
    ("resumed_on", TimestampLtz),
    ("updated_on", TimestampLtz),
    ("owner", Text),
    ("comment", Text),
    ("enable_query_acceleration", Text),
    ("query_acceleration_max_scale_factor", Fixed),
    ("resource_monitor", Text),
    ("actives", Fixed),
    ("pendings", Fixed),
    ("failed", Fixed),
    ("suspended", Fixed),
    ("uuid", Text),
    ("scaling_policy", Text),
    ("owner_role_type", Text),
    ("resource_constraint", Text),
    ("generation", Text),
    ("warehouse_credit_limit", Text),
    ("target_statement_size", Text),
    ("disabled_reasons", Text),
];

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

impl ObjectKind for WarehouseKind {
    fn securable(path: &[String]) -> Target {
        Target::Warehouse(path[0].clone())
    }
    fn owner(obj: &Warehouse) -> &str {
        &obj.owner
    }
    fn create_privilege(_path: &[String]) -> (&'static str, Target) {
        ("CREATE WAREHOUSE", Target::Account)
    }
    fn alter_privilege(action: &AlterAction) -> Option<&'static str> {
        match action {
            AlterAction::Set(_) | AlterAction::Unset(_) => Some("MODIFY"),
            AlterAction::Suspend | AlterAction::Resume { .. } | AlterAction::AbortAllQueries => {
                Some("OPERATE")
            }
            _ => None,
        }
    }
    type Obj = Warehouse;
    const KIND: super::Kind = super::Kind::Warehouse;
    const KEYWORD: &'static str = "WAREHOUSE";
    const WORD: &'static str = "Warehouse";
    const PROPS: &'static [PropDef<Warehouse>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("WAREHOUSES");

    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Warehouse> {
        cat.warehouses.get(&path[0])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Warehouse> {
        cat.warehouses.get_mut(&path[0])
    }

    fn new(ex: &Exec, path: &[String], _spec: CreateSpec) -> Warehouse {
        let t = now_ms();
        Warehouse {
            name: path[0].clone(),
            created_on: t,
            resumed_on: t,
            updated_on: t,
            owner: ex.sess.role.clone(),
            comment: None,
            state: "STARTED".into(),
            wtype: String::new(),
            size: String::new(),
            min_cluster_count: 0,
            max_cluster_count: 0,
            scaling_policy: String::new(),
            auto_suspend: None,
            auto_resume: false,
            enable_query_acceleration: false,
            query_acceleration_max_scale_factor: 0,
            resource_monitor: None,
            resource_constraint: None,
            generation: None,
            params: Params::new(),
        }
    }

    /// Snowpark-optimized warehouses default to Medium, MEMORY_16X and no generation.
    /// `RESOURCE_MONITOR` names an existing resource monitor.
    fn validate(ex: &Exec, _path: &[String], w: &Warehouse) -> Result<(), SfError> {
        match &w.resource_monitor {
            Some(m) if !ex.cat.resource_monitors.contains_key(m) => {
                Err(SfError::does_not_exist("Resource monitor", m))
            }
            _ => Ok(()),
        }
    }
    /// Creating a warehouse with a resource monitor assigns it: account
    /// administrators only, as in ALTER.
    fn create_account_privilege(given: &[Prop]) -> Option<&'static str> {
        given
            .iter()
            .any(|(k, v)| k == "RESOURCE_MONITOR" && *v != crate::parser::Value::Null)
            .then_some(super::resource_monitor::ADMIN_ONLY)
    }
    /// Assigning a resource monitor is for account administrators.
    fn alter_account_privilege(action: &AlterAction) -> Option<&'static str> {
        let names_monitor = match action {
            AlterAction::Set(props) => props.iter().any(|(k, _)| k == "RESOURCE_MONITOR"),
            AlterAction::Unset(names) => names.iter().any(|k| k == "RESOURCE_MONITOR"),
            _ => false,
        };
        names_monitor.then_some(super::resource_monitor::ADMIN_ONLY)
    }
    fn check(w: &mut Warehouse, given: &[Prop], creating: bool) -> Result<(), SfError> {
        let was_given = |k: &str| given.iter().any(|(g, _)| g == k);
        if creating && w.wtype == "SNOWPARK-OPTIMIZED" {
            if !was_given("WAREHOUSE_SIZE") {
                w.size = "Medium".into();
            }
            if !was_given("RESOURCE_CONSTRAINT") {
                w.resource_constraint = Some("MEMORY_16X".into());
            }
            if !was_given("GENERATION") {
                w.generation = None;
            }
        }
        check_clusters(w)
    }

    fn touched(w: &mut Warehouse) {
        w.updated_on = now_ms();
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: Warehouse) {
        cat.warehouses.insert(path[0].clone(), obj);
    }

    fn created(ex: &mut Exec, path: &[String]) {
        ex.sess.warehouse = Some(path[0].clone());
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Warehouse> {
        cat.warehouses.remove(&path[0])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let target = Target::Warehouse(path[0].clone());
        ex.cat.grants.retain(|g| g.target != target);
        if ex.sess.warehouse.as_deref() == Some(&path[0]) {
            ex.sess.warehouse = None;
        }
    }

    fn set_name(obj: &mut Warehouse, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (old, new) = (
            Target::Warehouse(from[0].clone()),
            Target::Warehouse(to[0].clone()),
        );
        for g in ex.cat.grants.iter_mut() {
            if g.target == old {
                g.target = new.clone();
            }
        }
        if ex.sess.warehouse.as_deref() == Some(&from[0]) {
            ex.sess.warehouse = Some(to[0].clone());
        }
    }

    /// SUSPEND, RESUME [IF SUSPENDED], ABORT ALL QUERIES.
    fn alter_other(
        ex: &mut Exec,
        path: &[String],
        action: AlterAction,
    ) -> Result<Outcome, SfError> {
        let n = &path[0];
        let w = Self::get_mut(ex.cat, path).expect("checked by alter");
        let t = now_ms();
        match action {
            AlterAction::Suspend => {
                if w.state == "SUSPENDED" {
                    return Err(SfError::new(
                        "090064",
                        "22000",
                        format!("Invalid state. Warehouse '{n}' cannot be suspended."),
                    ));
                }
                w.state = "SUSPENDED".into();
                w.updated_on = t;
                done(true)
            }
            AlterAction::Resume { if_suspended } => {
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
                done(true)
            }
            AlterAction::AbortAllQueries => done(false),
            other => unreachable!("the parser builds no {other:?} for warehouses"),
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let mut rows = Vec::new();
        for w in ex.cat.warehouses.values() {
            let started = w.state == "STARTED";
            let pct = |v: &str| if started { text(v) } else { text("") };
            let cells = vec![
                ("name", text(&w.name)),
                ("state", text(&w.state)),
                ("type", text(&w.wtype)),
                ("size", text(&w.size)),
                ("min_cluster_count", num(w.min_cluster_count)),
                ("max_cluster_count", num(w.max_cluster_count)),
                (
                    "started_clusters",
                    num(if started { w.min_cluster_count } else { 0 }),
                ),
                ("running", num(0)),
                ("queued", num(0)),
                ("is_default", yn(false)),
                (
                    "is_current",
                    yn(ex.sess.warehouse.as_deref() == Some(&w.name)),
                ),
                ("is_interactive", yn(false)),
                ("auto_suspend", w.auto_suspend.map(|v| v.to_string())),
                ("auto_resume", tf(w.auto_resume)),
                ("available", pct("100")),
                ("provisioning", pct("0")),
                ("quiescing", pct("0")),
                ("other", pct("0")),
                ("created_on", ts(w.created_on)),
                ("resumed_on", ts(w.resumed_on)),
                ("updated_on", ts(w.updated_on)),
                ("owner", text(&w.owner)),
                ("comment", text(w.comment.clone().unwrap_or_default())),
                ("enable_query_acceleration", tf(w.enable_query_acceleration)),
                (
                    "query_acceleration_max_scale_factor",
                    num(w.query_acceleration_max_scale_factor),
                ),
                (
                    "resource_monitor",
                    text(w.resource_monitor.clone().unwrap_or_else(|| "null".into())),
                ),
                (
                    "actives",
                    num(if started { w.min_cluster_count } else { 0 }),
                ),
                ("pendings", num(0)),
                ("failed", num(0)),
                (
                    "suspended",
                    num(if started { 0 } else { w.max_cluster_count }),
                ),
                ("uuid", text(w.created_on.to_string())),
                ("scaling_policy", text(&w.scaling_policy)),
                ("owner_role_type", text("ROLE")),
                ("resource_constraint", w.resource_constraint.clone()),
                ("generation", w.generation.clone()),
                ("warehouse_credit_limit", None),
                ("target_statement_size", None),
                ("disabled_reasons", None),
            ];
            rows.push((w.name.clone(), row(COLUMNS, cells)));
        }
        let mut r = ex.finish(s, COLUMNS, rows, None)?;
        r.rows.truncate(10_000);
        Ok(r)
    }

    /// One row: `created_on, name, kind` = `WAREHOUSE`.
    fn describe(ex: &Exec, name: &Name) -> Result<QueryResult, SfError> {
        let w = ex
            .cat
            .warehouses
            .get(&name[0])
            .ok_or_else(|| SfError::does_not_exist("Warehouse", &name[0]))?;
        let mut r = QueryResult::with_columns(cols::DESCRIBE_CONTAINER);
        r.rows.push(row(
            cols::DESCRIBE_CONTAINER,
            vec![
                ("created_on", ts(w.created_on)),
                ("name", text(&w.name)),
                ("kind", text("WAREHOUSE")),
            ],
        ));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(warehouse_size("XSMALL"), Some("X-Small"));
        assert_eq!(warehouse_size("x-small"), Some("X-Small"));
        assert_eq!(warehouse_size("X2LARGE"), Some("2X-Large"));
        assert_eq!(warehouse_size("2X-LARGE"), Some("2X-Large"));
        assert_eq!(warehouse_size("HUGE"), None);
    }
}
