//! Resource monitors: `CREATE [OR REPLACE] RESOURCE MONITOR [IF NOT EXISTS] m
//! [WITH] [CREDIT_QUOTA = n] [FREQUENCY = ...] [START_TIMESTAMP = { 'ts' |
//! IMMEDIATELY }] [END_TIMESTAMP = 'ts'] [NOTIFY_USERS = (u, ...)] [TRIGGERS
//! ON n PERCENT DO { SUSPEND | SUSPEND_IMMEDIATE | NOTIFY } ...]`, `ALTER
//! RESOURCE MONITOR m [SET ...] [TRIGGERS ...]` (TRIGGERS replaces them all),
//! DROP, SHOW RESOURCE MONITORS, and the account's monitor: `ALTER ACCOUNT
//! SET RESOURCE_MONITOR = m` / `ALTER ACCOUNT UNSET RESOURCE_MONITOR`.
//!
//! Per the docs: only account administrators create them ("This command can
//! only be executed by account administrators"); a frequency needs a start
//! timestamp; at most one SUSPEND and one SUSPEND_IMMEDIATE trigger and five
//! NOTIFY. SHOW prints the quota with two decimals, the thresholds as
//! `80%,90%`, `level` ACCOUNT for the account's monitor, WAREHOUSE when a
//! warehouse uses the monitor, else NULL ("SHOW RESOURCE MONITORS", usage
//! notes). The account has at most one monitor: setting another replaces
//! it (ALTER ACCOUNT, "the account administrator can set the resource
//! monitor"); only ACCOUNTADMIN may run ALTER ACCOUNT (`crate::access`).
//! Dropping the account's monitor leaves the account without one, as
//! dropping a warehouse's monitor leaves the warehouse without one. The
//! parser hands the TRIGGERS clause over as a `TRIGGERS` property holding
//! `percent:action` items. Credits are never used here.

use super::props::{PropDef, Pv, Ty};
use super::{CreateSpec, ObjectKind, ShowSyntax};
use crate::catalog::{Catalog, ResourceMonitor, Target, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::{AlterAction, Prop, Show, Value};
use crate::result::ColType::{self, *};
use crate::result::{Cell, QueryResult, row, text, ts};

pub struct ResourceMonitorKind;

/// What creating a resource monitor or assigning one to a warehouse needs:
/// no role can be granted it, ACCOUNTADMIN holds it ("only account
/// administrators").
pub const ADMIN_ONLY: &str = "CREATE RESOURCE MONITOR";

type P = PropDef<ResourceMonitor>;

fn frequency(s: &str) -> Option<String> {
    let u = s.trim().to_ascii_uppercase();
    ["MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"]
        .contains(&u.as_str())
        .then_some(u)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `YYYY-MM-DD[ HH:MM[:SS]]` (UTC) in epoch milliseconds; `IMMEDIATELY`
/// (start only) is now.
fn timestamp(s: &str, immediately: bool) -> Option<i64> {
    let s = s.trim();
    if immediately && s.eq_ignore_ascii_case("IMMEDIATELY") {
        return Some(now_ms());
    }
    let (date, time) = s.split_once([' ', 'T']).unwrap_or((s, "00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    let mut t = time.split(':').map(|p| p.trim().parse::<i64>().ok());
    let (h, mi) = (t.next()??, t.next()??);
    let sec = t.next().flatten().unwrap_or(0);
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&sec) {
        return None;
    }
    Some(((days_from_civil(y, m, dd) * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

fn start(s: &str) -> Option<String> {
    timestamp(s, true).map(|t| t.to_string())
}

fn end(s: &str) -> Option<String> {
    timestamp(s, false).map(|t| t.to_string())
}

fn ms(v: Option<Pv>) -> Option<i64> {
    v.and_then(|v| v.text().parse().ok())
}

const PROPS: &[P] = &[
    P::new(
        "CREDIT_QUOTA",
        Ty::Int {
            min: 0,
            max: i64::MAX,
        },
        |m, _, v| m.credit_quota = v.map(|v| v.text().parse().unwrap_or(0)),
    ),
    P::new("FREQUENCY", Ty::Canon(frequency), |m, _, v| {
        m.frequency = v.map(|v| v.text())
    }),
    P::new("START_TIMESTAMP", Ty::Canon(start), |m, _, v| {
        m.start_time = ms(v)
    }),
    P::new("END_TIMESTAMP", Ty::Canon(end), |m, _, v| {
        m.end_time = ms(v)
    }),
    // `(a, b)` arrives as `a,b`.
    P::new("NOTIFY_USERS", Ty::Text, |m, _, v| {
        m.notify_users = v
            .map(|v| v.text())
            .unwrap_or_default()
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect()
    }),
    // The TRIGGERS clause, `percent:action,...` (see the module doc).
    P::new("TRIGGERS", Ty::Text, |m, _, v| {
        m.triggers = v
            .map(|v| v.text())
            .unwrap_or_default()
            .split(',')
            .filter_map(|t| {
                let (p, a) = t.split_once(':')?;
                Some((p.parse().ok()?, a.to_string()))
            })
            .collect();
        m.triggers.sort();
    })
    .on(super::props::on::CREATE | super::props::on::SET),
];

pub const COLUMNS: &[(&str, ColType)] = &[
    ("name", Text),
    ("credit_quota", Text),
    ("used_credits", Text),
    ("remaining_credits", Text),
    ("level", Text),
    ("frequency", Text),
    ("start_time", TimestampLtz),
    ("end_time", TimestampLtz),
    ("notify_at", Text),
    ("suspend_at", Text),
    ("suspend_immediately_at", Text),
    ("created_on", TimestampLtz),
    ("owner", Text),
    ("comment", Text),
    ("notify_users", Text),
];

/// `80%,90%` of the triggers doing `action` (NULL when none).
fn thresholds(m: &ResourceMonitor, action: &str) -> Cell {
    let list: Vec<String> = m
        .triggers
        .iter()
        .filter(|(_, a)| a == action)
        .map(|(p, _)| format!("{p}%"))
        .collect();
    (!list.is_empty()).then(|| list.join(","))
}

/// The account's monitor in an `ALTER ACCOUNT`: `SET RESOURCE_MONITOR =
/// m` (an existing monitor, else `002003`; `NULL` as UNSET) or `UNSET
/// RESOURCE_MONITOR`. Returns the statement's other parameters and, when it
/// names the monitor, the new assignment (applied once the parameters are
/// valid).
#[allow(clippy::type_complexity)]
pub fn account_assignment(
    ex: &Exec,
    action: AlterAction,
) -> Result<(AlterAction, Option<Option<String>>), SfError> {
    const KEY: &str = "RESOURCE_MONITOR";
    match action {
        AlterAction::Set(props) => {
            let (named, rest): (Vec<Prop>, Vec<Prop>) =
                props.into_iter().partition(|(k, _)| k == KEY);
            let Some((_, value)) = named.into_iter().last() else {
                return Ok((AlterAction::Set(rest), None));
            };
            let monitor = match value {
                Value::Null => None,
                v => Some(v.text()),
            };
            if let Some(m) = &monitor
                && !ex.cat.resource_monitors.contains_key(m)
            {
                return Err(SfError::does_not_exist("Resource monitor", m));
            }
            Ok((AlterAction::Set(rest), Some(monitor)))
        }
        AlterAction::Unset(names) => {
            let (named, rest): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|k| k == KEY);
            Ok((
                AlterAction::Unset(rest),
                (!named.is_empty()).then_some(None),
            ))
        }
        other => Ok((other, None)),
    }
}

fn credits(n: i64) -> Cell {
    text(format!("{n}.00"))
}

impl ObjectKind for ResourceMonitorKind {
    fn securable(path: &[String]) -> Target {
        Target::ResourceMonitor(path[0].clone())
    }
    fn owner(obj: &ResourceMonitor) -> &str {
        &obj.owner
    }
    /// No role but ACCOUNTADMIN holds this: "only account administrators".
    fn create_privilege(_path: &[String]) -> (&'static str, Target) {
        (ADMIN_ONLY, Target::Account)
    }
    fn alter_privilege(_action: &crate::parser::AlterAction) -> Option<&'static str> {
        Some("MODIFY")
    }
    type Obj = ResourceMonitor;
    const KIND: super::Kind = super::Kind::ResourceMonitor;
    const KEYWORD: &'static str = "RESOURCE MONITOR";
    const WORD: &'static str = "Resource monitor";
    const PROPS: &'static [PropDef<ResourceMonitor>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("RESOURCE MONITORS");

    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c ResourceMonitor> {
        cat.resource_monitors.get(&path[0])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut ResourceMonitor> {
        cat.resource_monitors.get_mut(&path[0])
    }

    fn new(ex: &Exec, path: &[String], _spec: CreateSpec) -> ResourceMonitor {
        ResourceMonitor {
            name: path[0].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            ..Default::default()
        }
    }

    /// A frequency needs a start; trigger limits.
    fn check(obj: &mut ResourceMonitor, _given: &[Prop], _creating: bool) -> Result<(), SfError> {
        if obj.frequency.is_some() && obj.start_time.is_none() {
            return Err(SfError::new(
                "001008",
                "22023",
                "Invalid parameter: START_TIMESTAMP is required when FREQUENCY is set.",
            ));
        }
        for (action, most) in [("SUSPEND", 1), ("SUSPEND_IMMEDIATE", 1), ("NOTIFY", 5)] {
            if obj.triggers.iter().filter(|(_, a)| a == action).count() > most {
                return Err(SfError::new(
                    "001008",
                    "22023",
                    format!("Invalid parameter: too many {action} triggers (at most {most})."),
                ));
            }
        }
        Ok(())
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: ResourceMonitor) {
        cat.resource_monitors.insert(path[0].clone(), obj);
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<ResourceMonitor> {
        cat.resource_monitors.remove(&path[0])
    }

    /// Its grants go; the warehouses (or the account) it monitored are
    /// monitored by none.
    fn forget(ex: &mut Exec, path: &[String]) {
        let target = Target::ResourceMonitor(path[0].clone());
        ex.cat.grants.retain(|g| g.target != target);
        if ex.cat.account_monitor.as_deref() == Some(&path[0]) {
            ex.cat.account_monitor = None;
        }
        for w in ex.cat.warehouses.values_mut() {
            if w.resource_monitor.as_deref() == Some(&path[0]) {
                w.resource_monitor = None;
            }
        }
    }

    fn set_name(obj: &mut ResourceMonitor, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        if ex.cat.account_monitor.as_deref() == Some(&from[0]) {
            ex.cat.account_monitor = Some(to[0].clone());
        }
        for w in ex.cat.warehouses.values_mut() {
            if w.resource_monitor.as_deref() == Some(&from[0]) {
                w.resource_monitor = Some(to[0].clone());
            }
        }
        for g in ex.cat.grants.iter_mut() {
            if g.target == Target::ResourceMonitor(from[0].clone()) {
                g.target = Target::ResourceMonitor(to[0].clone());
            }
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let mut rows = Vec::new();
        for m in ex.cat.resource_monitors.values() {
            let level = if ex.cat.account_monitor.as_deref() == Some(&m.name) {
                Some("ACCOUNT".to_string())
            } else {
                ex.cat
                    .warehouses
                    .values()
                    .any(|w| w.resource_monitor.as_deref() == Some(&m.name))
                    .then(|| "WAREHOUSE".to_string())
            };
            let cells = vec![
                ("name", text(&m.name)),
                ("credit_quota", m.credit_quota.and_then(credits)),
                ("used_credits", credits(0)),
                ("remaining_credits", m.credit_quota.and_then(credits)),
                ("level", level),
                ("frequency", m.frequency.clone()),
                ("start_time", m.start_time.and_then(ts)),
                ("end_time", m.end_time.and_then(ts)),
                ("notify_at", thresholds(m, "NOTIFY")),
                ("suspend_at", thresholds(m, "SUSPEND")),
                ("suspend_immediately_at", thresholds(m, "SUSPEND_IMMEDIATE")),
                ("created_on", ts(m.created_on)),
                ("owner", text(&m.owner)),
                ("comment", None),
                (
                    "notify_users",
                    (!m.notify_users.is_empty()).then(|| m.notify_users.join(", ")),
                ),
            ];
            rows.push((m.name.clone(), row(COLUMNS, cells)));
        }
        ex.finish(s, COLUMNS, rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_utc() {
        assert_eq!(timestamp("1970-01-02", false), Some(86_400_000));
        assert_eq!(
            timestamp("2000-03-01 01:02:03", false),
            Some(951_872_523_000)
        );
        assert_eq!(timestamp("IMMEDIATELY", false), None);
        assert!(timestamp("immediately", true).is_some());
        assert_eq!(timestamp("2000-13-01", false), None);
    }
}
