//! `databases.<D>.database_roles.<R>.grants:` — privileges of a database
//! role on objects of its own database (`GRANT privs ON target TO DATABASE
//! ROLE D.R`), read with `SHOW GRANTS TO DATABASE ROLE D.R` (one statement
//! per database role). Targets: `database D`, `schema D.S`, `future TYPES
//! in { schema D.S | database D }` and `all TYPES in schema D.S` of the same
//! database (parsed, written and read as a role's grants: [`super::grant`]);
//! future grants are read with the container's `SHOW FUTURE GRANTS`.
//! Privileges are a set, as for [`super::grant`].

use super::grant::{self, PRIVILEGES, privilege_attrs, privileges};
use super::{Absorb, DriftForm, Kind, LiveSpec, Naming, Paging, Query, Rules, Section, Show, Sink};
use super::{Sql, SqlHooks, database_role};
use crate::connector::Rows;
use crate::model::{Field, Ident, KindMeta, Part, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "database_role_grant",
    rank: 14,
    fields: &[
        Field::name("database"),
        Field::name("role"),
        Field::target("on"),
    ],
    keyword: None,
    address: None,
    target_sql: None,
    references: |id| {
        let mut refs = vec![database_role::id(
            id.name_at(0).clone(),
            id.name_at(1).clone(),
        )];
        refs.extend(grant::object(id.target_at(2)));
        refs
    },
};

/// `database_role_grant.D.R.<target address>`.
pub fn id(database: Ident, role: Ident, on: ResourceId) -> ResourceId {
    ResourceId::new(
        &META,
        [
            Part::Name(database),
            Part::Name(role),
            Part::Target(Box::new(on)),
        ],
    )
}

/// Why `on` cannot be a target of a grant to a database role of
/// `database`, with a hint, if it cannot: only its own database, its
/// schemas, and future / all objects in them.
pub fn refuse_target(database: &Ident, on: &ResourceId) -> Option<(String, String)> {
    let container =
        grant::object(on).filter(|c| c.is(&super::database::META) || c.is(&super::schema::META));
    if container.as_ref().is_some_and(|c| c.name_at(0) == database) {
        return None;
    }
    let message = match container {
        Some(c) => format!(
            "`{}` is in database {}: a database role of {database} holds privileges on objects of its own database only",
            on.address(),
            c.name_at(0)
        ),
        None => format!(
            "a database role holds privileges on objects of its own database ({database}) only"
        ),
    };
    let hint = format!(
        "write `database {database}`, `schema {database}.SCHEMA`, `future TABLES in schema {database}.SCHEMA`, `future TABLES in database {database}` or `all TABLES in schema {database}.SCHEMA`; grant on other objects to an account role under `roles:`"
    );
    Some((message, hint))
}

/// `DATABASE ROLE D.R`: the grantee of a grant's statements.
fn grantee(id: &ResourceId) -> String {
    format!(
        "DATABASE ROLE {}.{}",
        id.name_at(0).sql(),
        id.name_at(1).sql()
    )
}

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, attrs| {
        grant::privilege_changes(&[], privileges(attrs), id.target_at(2), &grantee(id))
    },
    drop: |id, attrs| {
        grant::privilege_changes(privileges(attrs), &[], id.target_at(2), &grantee(id))
    },
    update: |id, before, after| {
        grant::privilege_changes(
            privileges(before),
            privileges(after),
            id.target_at(2),
            &grantee(id),
        )
    },
};

pub static GRANTS_TO: Show = Show {
    rank: 14,
    sql: |scope| {
        format!(
            "SHOW GRANTS TO DATABASE ROLE {}.{}",
            scope[0].sql(),
            scope[1].sql()
        )
    },
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(absorb),
};

/// Privileges by target (ownership and database roles granted to it
/// aside), `ALL <type> IN SCHEMA` as for a role's grants.
fn absorb(scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    let mut held = grant::Held::default();
    for row in rows.iter() {
        if let (Some(privilege), Some(on), Some(name)) =
            (row.get("privilege"), row.get("granted_on"), row.get("name"))
        {
            held.add(privilege, on, name);
        }
    }
    for (target, set) in held.by_target() {
        (sink.keep)(
            id(scope[0].clone(), scope[1].clone(), target),
            privilege_attrs(set),
        );
    }
}

pub static KIND: Kind = Kind {
    admin_role: None,
    create_as_owner: false,
    meta: &META,
    section: Section::Items {
        parent: &database_role::KIND,
        key: "grants",
    },
    children: &[],
    external: None,
    attrs: &[PRIVILEGES],
    sql_order: &[],
    check: None,
    sql: Sql::Custom(&SQL),
    // Dropping an object drops the grants on it.
    dropped_with: |_, _| true,
    live: LiveSpec {
        // Future grants: the container's `SHOW FUTURE GRANTS`, shared with
        // roles' future grants there (one statement per container).
        queries: |id, _, out| {
            out.insert(grant::future_query(id.target_at(2)).unwrap_or_else(|| {
                Query::new(&GRANTS_TO, [id.name_at(0).clone(), id.name_at(1).clone()])
            }));
        },
        list: None,
    },
    drift: DriftForm::Privileges,
    naming: Naming::None,
    parse_weight: 1,
    rules: Rules::NONE,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::{schema, warehouse};
    use crate::model::{Attrs, Value};

    fn i(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn grants_to_a_database_role() {
        let g = id(i("D"), i("R"), schema::id(i("D"), i("S")));
        assert_eq!(g.address(), "database_role_grant.D.R.schema.D.S");
        let a = Attrs::from([(
            "privileges".to_string(),
            Value::List(vec!["SELECT".into(), "USAGE".into()]),
        )]);
        assert_eq!(
            crate::sql::create(&g, &a, false),
            ["GRANT SELECT, USAGE ON SCHEMA D.S TO DATABASE ROLE D.R"]
        );
        assert_eq!(
            crate::sql::drop(&g, &a, true),
            ["REVOKE SELECT, USAGE ON SCHEMA D.S FROM DATABASE ROLE D.R"]
        );
        assert!(refuse_target(&i("D"), &schema::id(i("E"), i("S"))).is_some());
        assert!(refuse_target(&i("D"), &warehouse::id(i("W"))).is_some());
        assert!(refuse_target(&i("D"), &grant::account()).is_some());
        assert!(refuse_target(&i("D"), &crate::kinds::database::id(i("D"))).is_none());
    }

    #[test]
    fn future_and_all_targets_of_its_own_database() {
        let own = [
            grant::future_in_schema("TABLES", i("D"), i("S")),
            grant::future_in_database("SCHEMAS", i("D")),
            grant::all_in_schema("VIEWS", i("D"), i("S")),
        ];
        for on in &own {
            assert!(refuse_target(&i("D"), on).is_none(), "{}", on.address());
        }
        let (message, hint) =
            refuse_target(&i("D"), &grant::future_in_schema("TABLES", i("E"), i("S"))).unwrap();
        assert_eq!(
            message,
            "`future_tables_in_schema.E.S` is in database E: a database role of D holds privileges on objects of its own database only"
        );
        assert!(
            hint.contains("`future TABLES in schema D.SCHEMA`"),
            "{hint}"
        );
        assert!(refuse_target(&i("D"), &grant::all_in_schema("TABLES", i("E"), i("S"))).is_some());
        assert!(refuse_target(&i("D"), &grant::future_in_database("TABLES", i("E"))).is_some());

        let a = Attrs::from([(
            "privileges".to_string(),
            Value::List(vec!["INSERT".into(), "SELECT".into()]),
        )]);
        let g = id(i("D"), i("\"r w\""), own[0].clone());
        assert_eq!(
            g.address(),
            "database_role_grant.D.\"r w\".future_tables_in_schema.D.S"
        );
        assert_eq!(
            crate::sql::create(&g, &a, false),
            ["GRANT INSERT, SELECT ON FUTURE TABLES IN SCHEMA D.S TO DATABASE ROLE D.\"r w\""]
        );
        let fewer = Attrs::from([(
            "privileges".to_string(),
            Value::List(vec!["SELECT".into(), "UPDATE".into()]),
        )]);
        assert_eq!(
            crate::sql::update(&g, &a, &fewer),
            [
                "GRANT UPDATE ON FUTURE TABLES IN SCHEMA D.S TO DATABASE ROLE D.\"r w\"",
                "REVOKE INSERT ON FUTURE TABLES IN SCHEMA D.S FROM DATABASE ROLE D.\"r w\""
            ]
        );
        let all = id(i("D"), i("R"), own[2].clone());
        assert_eq!(
            crate::sql::drop(&all, &a, true),
            ["REVOKE INSERT, SELECT ON ALL VIEWS IN SCHEMA D.S FROM DATABASE ROLE D.R"]
        );
    }
}
