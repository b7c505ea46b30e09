//! `databases.<D>.schemas:` — `CREATE [TRANSIENT] SCHEMA D.S [WITH MANAGED
//! ACCESS]`, read with `SHOW SCHEMAS IN DATABASE D`.

use super::database::{DATA_RETENTION_TIME_IN_DAYS, TRANSIENT};
use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, Kind, LiveCol, LiveSpec,
    Naming, OWNER, Paging, Query, Section, Show, Sql, contains_word, database,
};
use crate::model::{Field, Ident, KindMeta, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "schema",
    rank: 2,
    fields: &[Field::name("database"), Field::name("name")],
    keyword: Some("SCHEMA"),
    address: None,
    target_sql: None,
    references: |id| vec![database::id(id.name_at(0).clone())],
};

/// `schema.DATABASE.NAME`.
pub fn id(database: Ident, name: Ident) -> ResourceId {
    ResourceId::named(&META, [database, name])
}

const MANAGED_ACCESS: AttrSpec = AttrSpec {
    name: "managed_access",
    ty: AttrType::Bool,
    sql: AttrSql::Switch {
        create: "WITH MANAGED ACCESS",
        enable: "ENABLE MANAGED ACCESS",
        disable: "DISABLE MANAGED ACCESS",
    },
    change: Change::InPlace,
    unset: false,
    live: LiveCol::Column("options", |o| Some(contains_word(o, "MANAGED ACCESS"))),
    doc: "Only the schema owner (or MANAGE GRANTS) grants on its objects.",
};

pub static SHOW: Show = Show {
    rank: 3,
    sql: |scope| format!("SHOW SCHEMAS IN DATABASE {}", scope[0].sql()),
    paging: Paging::Limit,
    per_object: true,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Child {
        parent: &database::KIND,
        key: "schemas",
    },
    children: &["tasks"],
    external: Some("schemas"),
    attrs: &[
        COMMENT,
        TRANSIENT,
        MANAGED_ACCESS,
        DATA_RETENTION_TIME_IN_DAYS,
        OWNER,
    ],
    sql_order: &["data_retention_time_in_days", "comment"],
    check: None,
    sql: Sql::Object,
    // Dropping a database drops its schemas.
    dropped_with: |parent, _| parent.is(&database::META),
    live: LiveSpec {
        queries: |id, _, out| {
            out.insert(Query::new(&SHOW, [id.name_at(0).clone()]));
        },
        list: None,
    },
    drift: DriftForm::Object,
    naming: Naming::InDatabase {
        system: &["PUBLIC", "INFORMATION_SCHEMA"],
    },
    parse_weight: 1,
    required: &[],
    admin_role: Some("SYSADMIN"),
    create_as_owner: false,
    lifecycle: None,
};
