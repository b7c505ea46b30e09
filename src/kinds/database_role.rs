//! `databases.<D>.database_roles:` — `CREATE DATABASE ROLE D.R`, read with
//! `SHOW DATABASE ROLES IN DATABASE D` (one statement per database).
//!
//! A database role's entry also holds its privileges on objects of its
//! database (`grants:`, the [`super::database_role_grant`] kind) and the
//! roles it is granted to (`member_of:`, the [`super::database_role_member`]
//! kind); reading a database role reads both.

use super::{
    Absorb, COMMENT, DriftForm, Kind, LiveSpec, Naming, Paging, Query, Rules, Section, Show, Sql,
    database, database_role_grant, database_role_member,
};
use crate::model::{Field, Ident, KindMeta, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "database_role",
    rank: 13,
    fields: &[Field::name("database"), Field::name("name")],
    keyword: Some("DATABASE ROLE"),
    address: None,
    target_sql: None,
    references: |id| vec![database::id(id.name_at(0).clone())],
};

/// `database_role.DATABASE.NAME`.
pub fn id(database: Ident, name: Ident) -> ResourceId {
    ResourceId::named(&META, [database, name])
}

pub static SHOW: Show = Show {
    rank: 13,
    sql: |scope| format!("SHOW DATABASE ROLES IN DATABASE {}", scope[0].sql()),
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    admin_role: Some("SYSADMIN"),
    create_as_owner: false,
    meta: &META,
    section: Section::Child {
        parent: &database::KIND,
        key: "database_roles",
    },
    children: &["grants", "member_of"],
    external: Some("database_roles"),
    attrs: &[COMMENT],
    sql_order: &["comment"],
    check: None,
    sql: Sql::Object,
    // Dropping a database drops its database roles.
    dropped_with: |parent, _| parent.is(&database::META),
    live: LiveSpec {
        queries: |id, _, out| {
            let scope = [id.name_at(0).clone(), id.name_at(1).clone()];
            out.insert(Query::new(&SHOW, [id.name_at(0).clone()]));
            out.insert(Query::new(&database_role_grant::GRANTS_TO, scope.clone()));
            out.insert(Query::new(&database_role_member::GRANTS_OF, scope));
        },
        list: None,
    },
    drift: DriftForm::Object,
    // `drift --unmanaged`: examined in the databases the stack records.
    naming: Naming::InDatabase { system: &[] },
    parse_weight: 3,
    rules: Rules::NONE,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attrs, Value};
    use crate::sql::{self, Step};

    #[test]
    fn create_alter_drop() {
        let r = id(
            Ident::parse("D").unwrap(),
            Ident::parse("\"reader\"").unwrap(),
        );
        let a = Attrs::from([("comment".to_string(), Value::Text("it's".into()))]);
        assert_eq!(
            sql::plain(Step::Create, &r, None, Some(&a)),
            ["CREATE DATABASE ROLE D.\"reader\" COMMENT = 'it''s'"]
        );
        assert_eq!(
            sql::plain(Step::Update, &r, Some(&a), Some(&Attrs::new())),
            ["ALTER DATABASE ROLE D.\"reader\" UNSET COMMENT"]
        );
        assert_eq!(
            sql::recovery(Step::Drop, &r, Some(&a), None),
            ["DROP DATABASE ROLE IF EXISTS D.\"reader\""]
        );
    }
}
