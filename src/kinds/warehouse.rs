//! `warehouses:` — `CREATE WAREHOUSE`, read with `SHOW WAREHOUSES`.
//!
//! `initially_suspended` only takes effect at creation (Snowflake has no
//! `ALTER ... SET INITIALLY_SUSPENDED` and SHOW does not list it), and
//! `size` cannot be unset.

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, Kind, LiveCol, LiveSpec,
    Naming, OWNER, Paging, Query, Rules, Section, Show, Sql, live_int, never, resource_monitor,
};
use crate::model::{Attrs, Ident, KindMeta, ResourceId, Value, canonical};

pub static META: KindMeta = KindMeta::account_object("warehouse", 3, "WAREHOUSE");

/// `warehouse.NAME`.
pub fn id(name: Ident) -> ResourceId {
    ResourceId::named(&META, [name])
}

/// Canonical warehouse sizes (the keyword form CREATE WAREHOUSE takes) with
/// the spellings Snowflake accepts or shows for each.
const WAREHOUSE_SIZES: &[(&str, &[&str])] = &[
    ("XSMALL", &["XSMALL", "X-SMALL"]),
    ("SMALL", &["SMALL"]),
    ("MEDIUM", &["MEDIUM"]),
    ("LARGE", &["LARGE"]),
    ("XLARGE", &["XLARGE", "X-LARGE"]),
    ("XXLARGE", &["XXLARGE", "X2LARGE", "2X-LARGE", "2XLARGE"]),
    ("XXXLARGE", &["XXXLARGE", "X3LARGE", "3X-LARGE", "3XLARGE"]),
    ("X4LARGE", &["X4LARGE", "4X-LARGE", "4XLARGE"]),
    ("X5LARGE", &["X5LARGE", "5X-LARGE", "5XLARGE"]),
    ("X6LARGE", &["X6LARGE", "6X-LARGE", "6XLARGE"]),
];

/// `XSMALL`, `X-Small`, `x-small` -> `XSMALL`. `None` for an unknown size.
pub fn warehouse_size(written: &str) -> Option<&'static str> {
    let upper = written.trim().to_ascii_uppercase();
    WAREHOUSE_SIZES
        .iter()
        .find(|(_, spellings)| spellings.contains(&upper.as_str()))
        .map(|(canonical, _)| *canonical)
}

/// Every spelling [`warehouse_size`] accepts (in upper case), the
/// canonical sizes first.
pub fn warehouse_size_spellings() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = warehouse_sizes().collect();
    for spelling in WAREHOUSE_SIZES.iter().flat_map(|(_, s)| s.iter()) {
        if !out.contains(spelling) {
            out.push(spelling);
        }
    }
    out
}

/// Every canonical warehouse size, for error hints.
pub fn warehouse_sizes() -> impl Iterator<Item = &'static str> {
    WAREHOUSE_SIZES.iter().map(|(canonical, _)| *canonical)
}

/// Warehouse types: `STANDARD`, `SNOWPARK-OPTIMIZED` (also written with an
/// underscore).
pub fn warehouse_type(written: &str) -> Option<&'static str> {
    match written
        .trim()
        .to_ascii_uppercase()
        .replace('_', "-")
        .as_str()
    {
        "STANDARD" => Some("STANDARD"),
        "SNOWPARK-OPTIMIZED" => Some("SNOWPARK-OPTIMIZED"),
        _ => None,
    }
}

/// Scaling policies: `STANDARD`, `ECONOMY`.
pub fn scaling_policy(written: &str) -> Option<&'static str> {
    match written.trim().to_ascii_uppercase().as_str() {
        "STANDARD" => Some("STANDARD"),
        "ECONOMY" => Some("ECONOMY"),
        _ => None,
    }
}

fn sizes_hint() -> String {
    let sizes = warehouse_sizes().collect::<Vec<_>>().join(", ");
    format!("{sizes} (Snowflake's spellings such as X-SMALL work too)")
}

fn keyword(read: fn(&str) -> Option<&'static str>) -> impl Fn(Option<&str>) -> Option<Value> {
    move |text| text.and_then(read).map(|v| Value::Text(v.into()))
}

const fn property(
    name: &'static str,
    ty: AttrType,
    keyword: &'static str,
    live: LiveCol,
    doc: &'static str,
) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        sql: AttrSql::Property(keyword),
        change: Change::InPlace,
        unset: true,
        live,
        doc,
    }
}

const ATTRS: &[AttrSpec] = &[
    COMMENT,
    OWNER,
    AttrSpec {
        unset: false,
        ..property(
            "size",
            AttrType::Keyword {
                canon: warehouse_size,
                what: "warehouse size",
                valid: sizes_hint,
                spellings: warehouse_size_spellings,
            },
            "WAREHOUSE_SIZE",
            LiveCol::Column("size", |t| keyword(warehouse_size)(t)),
            "XSMALL ... X6LARGE (Snowflake's spellings such as X-SMALL work too).",
        )
    },
    property(
        "type",
        AttrType::Keyword {
            canon: warehouse_type,
            what: "warehouse type",
            valid: || "STANDARD, SNOWPARK-OPTIMIZED".into(),
            spellings: || vec!["STANDARD", "SNOWPARK-OPTIMIZED", "SNOWPARK_OPTIMIZED"],
        },
        "WAREHOUSE_TYPE",
        LiveCol::Column("type", |t| keyword(warehouse_type)(t)),
        "STANDARD or SNOWPARK-OPTIMIZED.",
    ),
    property(
        "auto_suspend",
        AttrType::Int {
            min: 0,
            hint: Some("seconds of inactivity before suspending; 0 means never"),
        },
        "AUTO_SUSPEND",
        // SHOW prints `null` (or nothing) for "never": 0 in pudo's terms.
        LiveCol::Column("auto_suspend", |t| {
            let n = t
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            Some(Value::Int(n))
        }),
        "Seconds of inactivity before the warehouse suspends; 0 means never.",
    ),
    property(
        "auto_resume",
        AttrType::Bool,
        "AUTO_RESUME",
        LiveCol::Column("auto_resume", |t| {
            t.and_then(canonical::show_bool).map(Value::Bool)
        }),
        "Resume when a statement needs it.",
    ),
    property(
        "min_cluster_count",
        AttrType::Int { min: 1, hint: None },
        "MIN_CLUSTER_COUNT",
        LiveCol::Column("min_cluster_count", live_int),
        "Multi-cluster: fewest clusters (1 or more, at most max_cluster_count).",
    ),
    property(
        "max_cluster_count",
        AttrType::Int { min: 1, hint: None },
        "MAX_CLUSTER_COUNT",
        LiveCol::Column("max_cluster_count", live_int),
        "Multi-cluster: most clusters (1 or more).",
    ),
    property(
        "scaling_policy",
        AttrType::Keyword {
            canon: scaling_policy,
            what: "scaling policy",
            valid: || "STANDARD, ECONOMY".into(),
            spellings: || vec!["STANDARD", "ECONOMY"],
        },
        "SCALING_POLICY",
        LiveCol::Column("scaling_policy", |t| keyword(scaling_policy)(t)),
        "STANDARD or ECONOMY.",
    ),
    property(
        "resource_monitor",
        AttrType::Ref(&resource_monitor::META),
        "RESOURCE_MONITOR",
        // SHOW prints `null` when none is assigned.
        LiveCol::Column("resource_monitor", |t| {
            t.filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
                .map(|s| Value::Text(Ident::from_canonical(s).sql()))
        }),
        "The resource monitor that caps its credits: declared (shared) or listed under `external`; assigning one takes ACCOUNTADMIN.",
    ),
    AttrSpec {
        change: Change::CreateOnly,
        live: LiveCol::Unreadable,
        ..property(
            "initially_suspended",
            AttrType::Bool,
            "INITIALLY_SUSPENDED",
            LiveCol::Unreadable,
            "Create the warehouse suspended (creation only; never compared afterwards).",
        )
    },
];

/// Min <= max cluster count.
fn check(attrs: &Attrs) -> Option<(&'static str, String)> {
    match (
        attrs.get("min_cluster_count"),
        attrs.get("max_cluster_count"),
    ) {
        (Some(Value::Int(min)), Some(Value::Int(max))) if min > max => Some((
            "min_cluster_count",
            format!("`min_cluster_count` ({min}) is larger than `max_cluster_count` ({max})"),
        )),
        _ => None,
    }
}

pub static SHOW: Show = Show {
    rank: 1,
    sql: |_| "SHOW WAREHOUSES".into(),
    paging: Paging::LikePrefixes,
    per_object: false,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Top("warehouses"),
    children: &[],
    external: Some("warehouses"),
    attrs: ATTRS,
    sql_order: &[
        "type",
        "size",
        "min_cluster_count",
        "max_cluster_count",
        "scaling_policy",
        "auto_suspend",
        "auto_resume",
        "initially_suspended",
        "resource_monitor",
        "comment",
    ],
    check: Some(check),
    sql: Sql::Object,
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
        plan_warning: Some(monitor_assignment),
        ..Rules::NONE
    },
    admin_role: Some("SYSADMIN"),
    create_as_owner: false,
};

/// Assigning a resource monitor to a warehouse takes ACCOUNTADMIN.
fn monitor_assignment(
    id: &ResourceId,
    before: Option<&Attrs>,
    after: Option<&Attrs>,
) -> Option<String> {
    let monitor = |a: Option<&Attrs>| a.and_then(|a| a.get("resource_monitor")).cloned();
    let (b, a) = (monitor(before), monitor(after));
    (b != a).then(|| {
        format!(
            "`{}`: only an account administrator (ACCOUNTADMIN) may assign a resource monitor to a warehouse; apply this change as an account administrator",
            id.address()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_sizes_fold_to_one_form() {
        let cases = [
            ("XSMALL", Some("XSMALL")),
            ("x-small", Some("XSMALL")),
            ("X-Small", Some("XSMALL")),
            ("Medium", Some("MEDIUM")),
            ("2X-Large", Some("XXLARGE")),
            ("X2LARGE", Some("XXLARGE")),
            ("6X-Large", Some("X6LARGE")),
            ("HUGE", None),
            ("", None),
        ];
        for (written, expected) in cases {
            assert_eq!(warehouse_size(written), expected, "{written}");
        }
    }
}
