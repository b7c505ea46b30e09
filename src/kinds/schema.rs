//! `databases.<D>.schemas:` — `CREATE [TRANSIENT] SCHEMA D.S [WITH MANAGED
//! ACCESS]`, read with `SHOW SCHEMAS IN DATABASE D`.
//!
//! Snowflake creates a `PUBLIC` schema in every new database. A declared
//! `PUBLIC` is adopted with its database, never created: its "create" (and
//! its recovery) is `ALTER SCHEMA D.PUBLIC SET` of its managed attributes
//! (or nothing), and removing it from the configuration only stops
//! managing it. `INFORMATION_SCHEMA` is Snowflake's and cannot be declared.

use super::database::{DATA_RETENTION_TIME_IN_DAYS, TRANSIENT};
use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, EntryProblem, Kind, LiveCol,
    LiveSpec, Naming, OWNER, Paging, Query, Rules, Section, Show, Sql, contains_word, database,
    database_role,
};
use crate::model::{Attrs, Field, Ident, KindMeta, ResourceId};

/// The schema Snowflake creates with every database.
pub const PUBLIC: &str = "PUBLIC";
/// The read-only schema of views every database shows.
pub const INFORMATION_SCHEMA: &str = "INFORMATION_SCHEMA";

/// Whether `id` is a database's `PUBLIC` schema (created with it).
fn is_public(id: &ResourceId) -> bool {
    id.name_at(1).as_str() == PUBLIC
}

/// `INFORMATION_SCHEMA` cannot be declared; `PUBLIC` takes its database's
/// transience.
fn entry_check(name: &Ident, attrs: &mut Attrs) -> Option<EntryProblem> {
    match name.as_str() {
        INFORMATION_SCHEMA => Some(EntryProblem {
            key: None,
            message: "`INFORMATION_SCHEMA` is Snowflake's read-only schema of views and cannot be declared".into(),
            hint: "remove it: every database has one; grant on the database to let a role read it".into(),
        }),
        PUBLIC if attrs.contains_key(TRANSIENT.name) => Some(EntryProblem {
            key: Some(TRANSIENT.name),
            message: "the `PUBLIC` schema is created by Snowflake with its database and takes its transience".into(),
            hint: "remove `transient:` here; set it on the database".into(),
        }),
        _ => None,
    }
}

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
        queries: |id, unmanaged, out| {
            out.insert(Query::new(&SHOW, [id.name_at(0).clone()]));
            // `drift --unmanaged` examines the database roles of the
            // databases the stack's schemas live in, as their schemas.
            if unmanaged {
                out.insert(Query::new(&database_role::SHOW, [id.name_at(0).clone()]));
            }
        },
        list: None,
    },
    drift: DriftForm::Object,
    naming: Naming::InDatabase {
        system: &[PUBLIC, INFORMATION_SCHEMA],
    },
    parse_weight: 1,
    rules: Rules {
        entry_check: Some(entry_check),
        adopted: Some(is_public),
        ..Rules::NONE
    },
    admin_role: Some("SYSADMIN"),
    create_as_owner: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use crate::sql::{self, Step};

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn public_is_adopted_never_created_nor_dropped() {
        let public = id(ident("\"my db\""), ident("public"));
        let attrs = Attrs::from([
            ("comment".to_string(), Value::Text("it's".into())),
            ("managed_access".to_string(), Value::Bool(true)),
        ]);
        let expected = [
            "ALTER SCHEMA \"my db\".PUBLIC SET COMMENT = 'it''s'",
            "ALTER SCHEMA \"my db\".PUBLIC ENABLE MANAGED ACCESS",
        ];
        assert_eq!(
            sql::plain(Step::Create, &public, None, Some(&attrs)),
            expected
        );
        assert_eq!(
            sql::recovery(Step::Create, &public, None, Some(&attrs)),
            expected
        );
        assert!(sql::plain(Step::Create, &public, None, Some(&Attrs::new())).is_empty());
        assert!(sql::plain(Step::Drop, &public, Some(&attrs), None).is_empty());
        let other = id(ident("D"), ident("S"));
        assert_eq!(
            sql::plain(Step::Create, &other, None, Some(&Attrs::new())),
            ["CREATE SCHEMA D.S"]
        );
        assert_eq!(
            sql::plain(Step::Drop, &other, None, None),
            ["DROP SCHEMA D.S"]
        );
    }

    #[test]
    fn information_schema_and_a_transient_public_are_refused() {
        assert!(entry_check(&ident("information_schema"), &mut Attrs::new()).is_some());
        let mut transient = Attrs::from([("transient".to_string(), Value::Bool(false))]);
        assert_eq!(
            entry_check(&ident("PUBLIC"), &mut transient).and_then(|p| p.key),
            Some("transient")
        );
        assert!(entry_check(&ident("PUBLIC"), &mut Attrs::new()).is_none());
        assert!(entry_check(&ident("\"public\""), &mut transient).is_none());
    }
}
