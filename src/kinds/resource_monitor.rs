//! `resource_monitors:` — `CREATE RESOURCE MONITOR m WITH ... TRIGGERS ...`,
//! read with `SHOW RESOURCE MONITORS` (one statement; it takes no LIMIT).
//!
//! Only account administrators may create resource monitors (and assign
//! them to warehouses or the account): they belong in the shared stack,
//! applied by an account administrator; the plan of an environment that
//! changes one says so.
//!
//! `level: ACCOUNT` makes a monitor the account's (`ALTER ACCOUNT SET
//! RESOURCE_MONITOR = m`): it caps every warehouse. The account has one at
//! most ([`Exclusive`]: setting another replaces it); removing the key
//! takes it away (`ALTER ACCOUNT UNSET RESOURCE_MONITOR`, ALTER ACCOUNT's
//! UNSET of that property). Drift reads it from SHOW's `level` column
//! (`ACCOUNT`, `WAREHOUSE` or NULL); a monitor that warehouses name is at
//! warehouse level by their `resource_monitor:`, not by a key here. Triggers are compared as a set (SHOW lists them in `notify_at`,
//! `suspend_at` and `suspend_immediately_at`); `ALTER ... TRIGGERS`
//! replaces them all. SHOW prints the timestamps in the session's time
//! zone, `IMMEDIATELY` as the moment of creation, and `notify_users` in a
//! form Snowflake does not document: drift does not compare those three
//! (the plan compares them with the state).

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, Change, DriftForm, EntryProblem, Exclusive, Kind, LiveCol,
    LiveSpec, Naming, Paging, Query, Rules, Section, Show, Sink, Sql, SqlHooks, never, object_drop,
};
use crate::connector::Rows;
use crate::model::quote::push_literal;
use crate::model::{Attrs, Ident, KindMeta, ResourceId, Value};
use std::fmt::Write;

pub static META: KindMeta = KindMeta::account_object("resource_monitor", 12, "RESOURCE MONITOR");

/// `resource_monitor.NAME`.
pub fn id(name: Ident) -> ResourceId {
    ResourceId::named(&META, [name])
}

/// `MONTHLY`, `DAILY`, `WEEKLY`, `YEARLY`, `NEVER`.
pub fn frequency(written: &str) -> Option<&'static str> {
    ["MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"]
        .into_iter()
        .find(|f| written.trim().eq_ignore_ascii_case(f))
}

/// Trigger actions: `NOTIFY`, `SUSPEND`, `SUSPEND_IMMEDIATE`.
fn action(written: &str) -> Option<&'static str> {
    match written
        .trim()
        .to_ascii_uppercase()
        .replace(' ', "_")
        .as_str()
    {
        "NOTIFY" => Some("NOTIFY"),
        "SUSPEND" => Some("SUSPEND"),
        "SUSPEND_IMMEDIATE" | "SUSPEND_IMMEDIATELY" => Some("SUSPEND_IMMEDIATE"),
        _ => None,
    }
}

/// A trigger's canonical form: `80% NOTIFY`.
fn trigger(percent: u64, action: &str) -> String {
    format!("{percent}% {action}")
}

/// `80% NOTIFY` -> (80, NOTIFY).
fn parse_trigger(canonical: &str) -> Option<(u64, &str)> {
    let (p, a) = canonical.split_once("% ")?;
    Some((p.parse().ok()?, a))
}

/// Sorted by percentage, then action; one SUSPEND, one SUSPEND_IMMEDIATE
/// and at most five NOTIFY (Snowflake's limits).
fn canonical_triggers(mut list: Vec<(u64, &'static str)>) -> Result<Vec<String>, String> {
    list.sort();
    list.dedup();
    for (what, most) in [("SUSPEND", 1), ("SUSPEND_IMMEDIATE", 1), ("NOTIFY", 5)] {
        if list.iter().filter(|(_, a)| *a == what).count() > most {
            return Err(format!(
                "a resource monitor has at most {most} `{}` trigger{}",
                what.to_ascii_lowercase(),
                if most > 1 { "s" } else { "" }
            ));
        }
    }
    Ok(list.into_iter().map(|(p, a)| trigger(p, a)).collect())
}

const TRIGGERS_HINT: &str = "write `triggers: [{ at_percent: 80, do: notify }, { at_percent: 100, do: suspend }, { at_percent: 110, do: suspend_immediate }]`";

fn read_triggers(items: &[serde_json::Value]) -> Result<Vec<String>, (Option<usize>, String)> {
    let mut list = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let bad = |m: String| (Some(i), m);
        let Some(map) = item.as_object() else {
            return Err(bad(
                "a trigger is a mapping `{ at_percent: N, do: ACTION }`".into(),
            ));
        };
        if let Some(k) = map.keys().find(|k| *k != "at_percent" && *k != "do") {
            return Err(bad(format!("unknown key `{k}` in a trigger")));
        }
        let percent = match map.get("at_percent") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().trim_end_matches('%').parse().ok(),
            _ => None,
        }
        .filter(|p| *p >= 1)
        .ok_or_else(|| bad("`at_percent` is a whole percentage of the quota, 1 or more".into()))?;
        let act = map
            .get("do")
            .and_then(|d| d.as_str())
            .and_then(action)
            .ok_or_else(|| bad("`do` is `notify`, `suspend` or `suspend_immediate`".into()))?;
        list.push((percent, act));
    }
    if list.is_empty() {
        return Err((None, "`triggers` needs at least one trigger".into()));
    }
    canonical_triggers(list).map_err(|m| (None, m))
}

fn read_users(items: &[serde_json::Value]) -> Result<Vec<String>, (Option<usize>, String)> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = item
            .as_str()
            .and_then(|s| Ident::parse(s).ok())
            .ok_or_else(|| (Some(i), "expected a user name".to_string()))?;
        out.push(name.sql());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `2026-01-01`, `2026-01-01 00:00` or with seconds (a time zone offset
/// may follow).
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)
}

/// The level a monitor is declared at: `ACCOUNT` only (a monitor is at
/// warehouse level when warehouses name it).
fn level(written: &str) -> Option<&'static str> {
    written
        .trim()
        .eq_ignore_ascii_case(ACCOUNT)
        .then_some(ACCOUNT)
}

const ACCOUNT: &str = "ACCOUNT";

/// The account's monitor: `level: ACCOUNT`.
const ACCOUNT_LEVEL: Exclusive = Exclusive {
    attr: "level",
    value: ACCOUNT,
    what: "the account's resource monitor (`level: ACCOUNT`)",
};

const fn unreadable(
    name: &'static str,
    keyword: &'static str,
    ty: AttrType,
    doc: &'static str,
) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        sql: AttrSql::Property(keyword),
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Unreadable,
        doc,
    }
}

const ATTRS: &[AttrSpec] = &[
    AttrSpec {
        name: "credit_quota",
        ty: AttrType::Int {
            min: 1,
            hint: Some("credits per frequency interval"),
        },
        sql: AttrSql::Property("CREDIT_QUOTA"),
        change: Change::InPlace,
        unset: false,
        // SHOW prints `100.00`.
        live: LiveCol::Column("credit_quota", |t| {
            t.and_then(|t| t.trim().parse::<f64>().ok())
                .map(|f| Value::Int(f.round() as i64))
        }),
        doc: "Credits per frequency interval; at 100% of it the monitor's suspend triggers fire.",
    },
    AttrSpec {
        name: "frequency",
        ty: AttrType::Keyword {
            canon: frequency,
            what: "resource monitor frequency",
            valid: || "MONTHLY, DAILY, WEEKLY, YEARLY, NEVER".into(),
            spellings: || vec!["MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"],
        },
        sql: AttrSql::Property("FREQUENCY"),
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Column("frequency", |t| {
            t.and_then(frequency).map(|f| Value::Text(f.into()))
        }),
        doc: "When the used credits reset: MONTHLY, DAILY, WEEKLY, YEARLY or NEVER (needs `start_timestamp`).",
    },
    unreadable(
        "start_timestamp",
        "START_TIMESTAMP",
        AttrType::Text,
        "`IMMEDIATELY` or `YYYY-MM-DD [HH:MM[:SS]]`; required with a frequency; not compared by drift.",
    ),
    unreadable(
        "end_timestamp",
        "END_TIMESTAMP",
        AttrType::Text,
        "`YYYY-MM-DD [HH:MM[:SS]]`: when the monitor suspends its warehouses for good; not compared by drift.",
    ),
    unreadable(
        "notify_users",
        "NOTIFY_USERS",
        AttrType::List {
            canon: read_users,
            doc: "list of user names",
            hint: "write `notify_users: [JANE_DOE]` (users with a verified e-mail address)",
        },
        "Users e-mailed by NOTIFY triggers; not compared by drift.",
    ),
    AttrSpec {
        name: "level",
        ty: AttrType::Keyword {
            canon: level,
            what: "resource monitor level",
            valid: || {
                "ACCOUNT; a monitor is at warehouse level when warehouses name it in their `resource_monitor:`".into()
            },
            spellings: || vec![ACCOUNT],
        },
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: true,
        // SHOW's `level`: ACCOUNT, WAREHOUSE or NULL; only ACCOUNT is
        // declared.
        live: LiveCol::Column("level", |t| {
            t.and_then(level).map(|l| Value::Text(l.into()))
        }),
        doc: "`ACCOUNT`: the account's monitor, capping every warehouse (`ALTER ACCOUNT SET RESOURCE_MONITOR`); one at most, in the shared stack.",
    },
    AttrSpec {
        name: "triggers",
        ty: AttrType::List {
            canon: read_triggers,
            doc: "list of triggers",
            hint: TRIGGERS_HINT,
        },
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: false,
        live: LiveCol::Custom,
        doc: "`{ at_percent: N, do: notify | suspend | suspend_immediate }` each; compared as a set.",
    },
];

const SQL_ORDER: &[&str] = &[
    "credit_quota",
    "frequency",
    "start_timestamp",
    "end_timestamp",
    "notify_users",
];

/// ` KEY = value` of attribute `name`.
fn push_prop(out: &mut String, name: &str, value: &Value) {
    let Some(AttrSql::Property(keyword)) = KIND.attr(name).map(|a| &a.sql) else {
        return;
    };
    let _ = write!(out, " {keyword} = ");
    match (name, value) {
        ("start_timestamp", Value::Text(t)) if t == "IMMEDIATELY" => out.push_str(t),
        ("frequency", Value::Text(t)) => out.push_str(t),
        (_, Value::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::List(users)) => {
            let _ = write!(out, "({})", users.join(", "));
        }
        (_, Value::Text(t)) => push_literal(out, t),
        (_, Value::Bool(b)) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
    }
}

/// ` TRIGGERS ON 80 PERCENT DO NOTIFY ...`.
fn push_triggers(out: &mut String, value: Option<&Value>) -> bool {
    let Some(Value::List(list)) = value else {
        return false;
    };
    out.push_str(" TRIGGERS");
    for (p, a) in list.iter().filter_map(|t| parse_trigger(t)) {
        let _ = write!(out, " ON {p} PERCENT DO {a}");
    }
    true
}

fn create(id: &ResourceId, attrs: &Attrs, if_not_exists: bool) -> String {
    let mut sql = String::from("CREATE RESOURCE MONITOR ");
    if if_not_exists {
        sql.push_str("IF NOT EXISTS ");
    }
    id.push_qualified_name(&mut sql);
    let mark = sql.len();
    sql.push_str(" WITH");
    let with = sql.len();
    for name in SQL_ORDER {
        if let Some(v) = attrs.get(*name) {
            push_prop(&mut sql, name, v);
        }
    }
    if sql.len() == with {
        sql.truncate(mark);
    }
    push_triggers(&mut sql, attrs.get("triggers"));
    sql
}

/// `ALTER RESOURCE MONITOR m SET ... [TRIGGERS ...]` of what `after` sets
/// differently from `before` (`skip_immediately`: leave a start of
/// `IMMEDIATELY` alone, it only means something at creation).
fn alter(id: &ResourceId, before: &Attrs, after: &Attrs, skip_immediately: bool) -> Vec<String> {
    let mut sql = format!("ALTER RESOURCE MONITOR {}", id.qualified_name());
    let base = sql.len();
    sql.push_str(" SET");
    let set = sql.len();
    for name in SQL_ORDER {
        let Some(v) = after.get(*name) else { continue };
        let immediately = *name == "start_timestamp" && *v == Value::Text("IMMEDIATELY".into());
        if before.get(*name) != Some(v) && !(skip_immediately && immediately) {
            push_prop(&mut sql, name, v);
        }
    }
    if sql.len() == set {
        sql.truncate(base);
    }
    if before.get("triggers") != after.get("triggers") {
        push_triggers(&mut sql, after.get("triggers"));
    }
    if sql.len() == base {
        Vec::new()
    } else {
        vec![sql]
    }
}

/// `ALTER ACCOUNT SET RESOURCE_MONITOR = m` when `after` makes the monitor
/// the account's and `before` did not; `UNSET` the other way round.
fn account_level(id: &ResourceId, before: &Attrs, after: &Attrs) -> Option<String> {
    match (
        ACCOUNT_LEVEL.held_by(Some(before)),
        ACCOUNT_LEVEL.held_by(Some(after)),
    ) {
        (false, true) => Some(format!(
            "ALTER ACCOUNT SET RESOURCE_MONITOR = {}",
            id.qualified_name()
        )),
        (true, false) => Some("ALTER ACCOUNT UNSET RESOURCE_MONITOR".into()),
        _ => None,
    }
}

static SQL: SqlHooks = SqlHooks {
    create: |id, attrs| {
        let mut out = vec![create(id, attrs, false)];
        out.extend(account_level(id, &Attrs::new(), attrs));
        out
    },
    ensure: Some(|id, attrs| {
        let mut out = vec![create(id, attrs, true)];
        out.extend(alter(id, &Attrs::new(), attrs, true));
        out.extend(account_level(id, &Attrs::new(), attrs));
        out
    }),
    // A dropped monitor monitors nothing, the account included. (No UNSET
    // first: another monitor may have become the account's in this plan.)
    drop: |id, _| vec![object_drop(&KIND, id, false)],
    update: |id, before, after| {
        let mut out = alter(id, before, after, false);
        out.extend(account_level(id, before, after));
        out
    },
};

/// Canonical timestamps, and Snowflake's rule that a frequency needs a
/// start.
fn entry_check(_: &Ident, attrs: &mut Attrs) -> Option<EntryProblem> {
    for key in ["start_timestamp", "end_timestamp"] {
        let Some(Value::Text(t)) = attrs.get_mut(key) else {
            continue;
        };
        *t = t.trim().to_string();
        if key == "start_timestamp" && t.eq_ignore_ascii_case("IMMEDIATELY") {
            *t = "IMMEDIATELY".into();
        } else if !is_timestamp(t) {
            return Some(EntryProblem {
                key: Some(key),
                message: format!("`{t}` is not a timestamp"),
                hint: if key == "start_timestamp" {
                    "write `IMMEDIATELY` or `YYYY-MM-DD HH:MM`".into()
                } else {
                    "write `YYYY-MM-DD HH:MM`".into()
                },
            });
        }
    }
    if attrs.contains_key("frequency") && !attrs.contains_key("start_timestamp") {
        return Some(EntryProblem {
            key: Some("frequency"),
            message: "a resource monitor with a `frequency` needs a `start_timestamp`".into(),
            hint: "add `start_timestamp: IMMEDIATELY` (or a date)".into(),
        });
    }
    None
}

/// Creating (or changing) a resource monitor takes ACCOUNTADMIN.
pub(crate) fn admin_only(id: &ResourceId, _: Option<&Attrs>, _: Option<&Attrs>) -> Option<String> {
    Some(format!(
        "`{}`: only an account administrator (ACCOUNTADMIN) may create and change resource monitors; declare it `shared: true` and apply the shared stack as an account administrator",
        id.address()
    ))
}

/// Every row's attributes, triggers gathered from three columns.
fn absorb(_: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    for row in rows.iter() {
        let Some(name) = row.get("name") else {
            continue;
        };
        let id = id(Ident::from_canonical(name));
        let mut attrs = Attrs::new();
        for spec in ATTRS {
            if let LiveCol::Column(column, read) = spec.live
                && let Some(v) = read(row.get(column))
            {
                attrs.insert(spec.name.to_string(), v);
            }
        }
        let mut list = Vec::new();
        for (column, act) in [
            ("notify_at", "NOTIFY"),
            ("suspend_at", "SUSPEND"),
            ("suspend_immediately_at", "SUSPEND_IMMEDIATE"),
        ] {
            for p in row.get(column).unwrap_or_default().split(',') {
                if let Ok(p) = p.trim().trim_end_matches('%').parse::<u64>() {
                    list.push((p, act));
                }
            }
        }
        list.sort();
        list.dedup();
        // None is no `triggers` key (an empty list is not a valid one: an
        // exported monitor without triggers must validate).
        if !list.is_empty() {
            let triggers = list.into_iter().map(|(p, a)| trigger(p, a)).collect();
            attrs.insert("triggers".into(), Value::List(triggers));
        }
        (sink.listed)(id.clone());
        (sink.keep)(id, attrs);
    }
}

pub static SHOW: Show = Show {
    rank: 12,
    sql: |_| "SHOW RESOURCE MONITORS".into(),
    paging: Paging::Single,
    per_object: false,
    absorb: Absorb::Custom(absorb),
};

pub static KIND: Kind = Kind {
    admin_role: Some("ACCOUNTADMIN"),
    create_as_owner: false,
    meta: &META,
    section: Section::Top("resource_monitors"),
    children: &[],
    external: Some("resource_monitors"),
    attrs: ATTRS,
    sql_order: SQL_ORDER,
    check: None,
    sql: Sql::Custom(&SQL),
    dropped_with: never,
    live: LiveSpec {
        queries: |_, _, out| {
            out.insert(Query::new(&SHOW, []));
        },
        list: Some(&SHOW),
    },
    drift: DriftForm::Object,
    naming: Naming::Account {
        system: &[],
        container: false,
    },
    parse_weight: 1,
    rules: Rules {
        entry_check: Some(entry_check),
        plan_warning: Some(admin_only),
        exclusive: Some(ACCOUNT_LEVEL),
        ..Rules::NONE
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{self, Step};
    use serde_json::json;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn triggers_are_canonical_and_checked() {
        let items = [
            json!({ "at_percent": 110, "do": "suspend_immediate" }),
            json!({ "at_percent": "80%", "do": "Notify" }),
            json!({ "at_percent": 100, "do": "SUSPEND" }),
            json!({ "at_percent": 80, "do": "notify" }),
        ];
        assert_eq!(
            read_triggers(&items).unwrap(),
            ["80% NOTIFY", "100% SUSPEND", "110% SUSPEND_IMMEDIATE"]
        );
        let two = [
            json!({ "at_percent": 90, "do": "suspend" }),
            json!({ "at_percent": 100, "do": "suspend" }),
        ];
        assert!(read_triggers(&two).unwrap_err().1.contains("at most 1"));
        assert_eq!(
            read_triggers(&[json!({ "at_percent": 0, "do": "notify" })])
                .unwrap_err()
                .0,
            Some(0)
        );
        assert!(read_triggers(&[json!({ "at": 1 })]).is_err());
    }

    #[test]
    fn create_alter_and_recover() {
        let m = id(Ident::parse("\"Platform cap\"").unwrap());
        let a = Attrs::from([
            ("credit_quota".to_string(), Value::Int(500)),
            ("frequency".to_string(), t("MONTHLY")),
            ("start_timestamp".to_string(), t("IMMEDIATELY")),
            (
                "notify_users".to_string(),
                Value::List(vec!["JANE".into(), "\"bob\"".into()]),
            ),
            (
                "triggers".to_string(),
                Value::List(vec!["80% NOTIFY".into(), "100% SUSPEND".into()]),
            ),
        ]);
        assert_eq!(
            sql::plain(Step::Create, &m, None, Some(&a)),
            [
                "CREATE RESOURCE MONITOR \"Platform cap\" WITH CREDIT_QUOTA = 500 FREQUENCY = MONTHLY START_TIMESTAMP = IMMEDIATELY NOTIFY_USERS = (JANE, \"bob\") TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND"
            ]
        );
        let mut b = a.clone();
        b.insert("credit_quota".into(), Value::Int(600));
        b.insert("end_timestamp".into(), t("2027-01-01 00:00"));
        b.insert(
            "triggers".into(),
            Value::List(vec!["90% SUSPEND_IMMEDIATE".into()]),
        );
        assert_eq!(
            sql::plain(Step::Update, &m, Some(&a), Some(&b)),
            [
                "ALTER RESOURCE MONITOR \"Platform cap\" SET CREDIT_QUOTA = 600 END_TIMESTAMP = '2027-01-01 00:00' TRIGGERS ON 90 PERCENT DO SUSPEND_IMMEDIATE"
            ]
        );
        let recovery = sql::recovery(Step::Create, &m, None, Some(&a));
        assert_eq!(recovery.len(), 2);
        assert!(
            recovery[0].starts_with("CREATE RESOURCE MONITOR IF NOT EXISTS \"Platform cap\" WITH")
        );
        assert!(!recovery[1].contains("IMMEDIATELY"), "{}", recovery[1]);
        assert_eq!(
            sql::recovery(Step::Drop, &m, Some(&a), None),
            ["DROP RESOURCE MONITOR IF EXISTS \"Platform cap\""]
        );
        assert_eq!(
            sql::plain(Step::Create, &m, None, Some(&Attrs::new())),
            ["CREATE RESOURCE MONITOR \"Platform cap\""]
        );
    }

    #[test]
    fn the_account_level_is_set_and_unset_on_the_account() {
        let m = id(Ident::parse("\"Platform cap\"").unwrap());
        let quota = Attrs::from([("credit_quota".to_string(), Value::Int(5))]);
        let mut account = quota.clone();
        account.insert("level".into(), t("ACCOUNT"));
        assert_eq!(
            sql::plain(Step::Create, &m, None, Some(&account)),
            [
                "CREATE RESOURCE MONITOR \"Platform cap\" WITH CREDIT_QUOTA = 5",
                "ALTER ACCOUNT SET RESOURCE_MONITOR = \"Platform cap\"",
            ]
        );
        assert_eq!(
            sql::recovery(Step::Create, &m, None, Some(&account)).last(),
            Some(&"ALTER ACCOUNT SET RESOURCE_MONITOR = \"Platform cap\"".to_string())
        );
        assert_eq!(
            sql::plain(Step::Update, &m, Some(&quota), Some(&account)),
            ["ALTER ACCOUNT SET RESOURCE_MONITOR = \"Platform cap\""]
        );
        assert_eq!(
            sql::plain(Step::Update, &m, Some(&account), Some(&quota)),
            ["ALTER ACCOUNT UNSET RESOURCE_MONITOR"]
        );
        assert!(sql::plain(Step::Update, &m, Some(&account), Some(&account)).is_empty());
        // Dropped without an UNSET (another may hold the account by then).
        assert_eq!(
            sql::plain(Step::Drop, &m, Some(&account), None),
            ["DROP RESOURCE MONITOR \"Platform cap\""]
        );
        assert_eq!(level(" account "), Some("ACCOUNT"));
        assert_eq!(level("WAREHOUSE"), None);
    }

    #[test]
    fn a_frequency_needs_a_start() {
        let mut a = Attrs::from([("frequency".to_string(), t("MONTHLY"))]);
        assert_eq!(
            entry_check(&Ident::parse("M").unwrap(), &mut a).and_then(|p| p.key),
            Some("frequency")
        );
        a.insert("start_timestamp".into(), t(" immediately "));
        assert!(entry_check(&Ident::parse("M").unwrap(), &mut a).is_none());
        assert_eq!(a["start_timestamp"], t("IMMEDIATELY"));
        a.insert("end_timestamp".into(), t("soon"));
        assert!(entry_check(&Ident::parse("M").unwrap(), &mut a).is_some());
    }
}
