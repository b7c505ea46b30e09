//! `databases:` — `CREATE [TRANSIENT] DATABASE`, read with `SHOW DATABASES`.
//!
//! A database contains schemas and database roles (declared under its
//! `schemas:` and `database_roles:` keys). Its names are the containers
//! whose schemas and database roles `drift --unmanaged` examines.

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, Kind, LiveCol, LiveSpec,
    Naming, OWNER, Paging, Query, Rules, Section, Show, Sql, contains_word, database_role,
    live_int, never, schema,
};
use crate::model::{Ident, KindMeta, ResourceId};
use std::collections::BTreeSet;

pub static META: KindMeta = KindMeta::account_object("database", 1, "DATABASE");

/// `database.NAME`.
pub fn id(name: Ident) -> ResourceId {
    ResourceId::named(&META, [name])
}

pub(crate) const TRANSIENT: AttrSpec = AttrSpec {
    name: "transient",
    ty: AttrType::Bool,
    sql: AttrSql::CreateFlag("TRANSIENT"),
    change: Change::Replace,
    unset: false,
    live: LiveCol::Column("options", |o| Some(contains_word(o, "TRANSIENT"))),
    doc: "No Fail-safe period; changing it replaces the object (Snowflake cannot alter it).",
};

pub(crate) const DATA_RETENTION_TIME_IN_DAYS: AttrSpec = AttrSpec {
    name: "data_retention_time_in_days",
    ty: AttrType::Int { min: 0, hint: None },
    sql: AttrSql::Property("DATA_RETENTION_TIME_IN_DAYS"),
    change: Change::InPlace,
    unset: true,
    live: LiveCol::Column("retention_time", live_int),
    doc: "Time Travel retention in days.",
};

pub static SHOW: Show = Show {
    rank: 0,
    sql: |_| "SHOW DATABASES".into(),
    paging: Paging::Limit,
    per_object: false,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Top("databases"),
    children: &["schemas", "database_roles"],
    external: Some("databases"),
    attrs: &[COMMENT, TRANSIENT, DATA_RETENTION_TIME_IN_DAYS, OWNER],
    sql_order: &["data_retention_time_in_days", "comment"],
    check: None,
    sql: Sql::Object,
    dropped_with: never,
    live: LiveSpec {
        queries,
        list: Some(&SHOW),
    },
    drift: DriftForm::Object,
    naming: Naming::Account {
        system: &["SNOWFLAKE"],
        container: true,
    },
    parse_weight: 1,
    rules: Rules::NONE,
    admin_role: Some("SYSADMIN"),
    create_as_owner: false,
};

fn queries(id: &ResourceId, unmanaged: bool, out: &mut BTreeSet<Query>) {
    out.insert(Query::new(&SHOW, []));
    if unmanaged {
        out.insert(Query::new(&schema::SHOW, [id.name_at(0).clone()]));
        out.insert(Query::new(&database_role::SHOW, [id.name_at(0).clone()]));
    }
}
