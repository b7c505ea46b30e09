//! `databases.<D>.database_roles.<R>.grants:` — privileges of a database
//! role on objects of its own database (`GRANT privs ON target TO DATABASE
//! ROLE D.R`), read with `SHOW GRANTS TO DATABASE ROLE D.R` (one statement
//! per database role). Targets: `database D` and `schema D.S` of the same
//! database. Privileges are a set, as for [`super::grant`].

use super::grant::{self, PRIVILEGES, privilege_attrs, privileges};
use super::{Absorb, DriftForm, Kind, LiveSpec, Naming, Paging, Query, Section, Show, Sink};
use super::{Sql, SqlHooks, database_role};
use crate::connector::Rows;
use crate::model::{Field, Ident, KindMeta, Part, ResourceId};
use std::collections::{BTreeMap, BTreeSet};

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
/// `database`, if it cannot.
pub fn refuse_target(database: &Ident, on: &ResourceId) -> Option<String> {
    let same =
        (on.is(&super::database::META) || on.is(&super::schema::META)) && on.name_at(0) == database;
    (!same).then(|| {
        format!(
            "a database role holds privileges on objects of its own database: `database {database}` or `schema {database}.SCHEMA`"
        )
    })
}

fn statement<S: AsRef<str>>(verb: &str, privs: &[S], id: &ResourceId, to: &str) -> String {
    let mut out = String::with_capacity(96);
    out.push_str(verb);
    for (i, p) in privs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(p.as_ref());
    }
    out.push_str(" ON ");
    id.target_at(2).push_target_sql(&mut out);
    out.push_str(to);
    id.name_at(0).push_sql(&mut out);
    out.push('.');
    id.name_at(1).push_sql(&mut out);
    out
}

const TO: &str = " TO DATABASE ROLE ";
const FROM: &str = " FROM DATABASE ROLE ";

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, attrs| {
        let p = privileges(attrs);
        if p.is_empty() {
            return Vec::new();
        }
        vec![statement("GRANT ", p, id, TO)]
    },
    drop: |id, attrs| {
        let p = privileges(attrs);
        if p.is_empty() {
            return Vec::new();
        }
        vec![statement("REVOKE ", p, id, FROM)]
    },
    update: |id, before, after| {
        let (old, new) = (privileges(before), privileges(after));
        let added: Vec<&String> = new.iter().filter(|p| !old.contains(p)).collect();
        let removed: Vec<&String> = old.iter().filter(|p| !new.contains(p)).collect();
        let mut out = Vec::new();
        if !added.is_empty() {
            out.push(statement("GRANT ", &added, id, TO));
        }
        if !removed.is_empty() {
            out.push(statement("REVOKE ", &removed, id, FROM));
        }
        out
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

/// Privileges by target (ownership aside).
fn absorb(scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    let mut sets: BTreeMap<ResourceId, BTreeSet<String>> = BTreeMap::new();
    for row in rows.iter() {
        let (Some(privilege), Some(on), Some(name)) =
            (row.get("privilege"), row.get("granted_on"), row.get("name"))
        else {
            continue;
        };
        if privilege == "OWNERSHIP" {
            continue;
        }
        if let Some(target) = grant::live_target(on, name) {
            sets.entry(target)
                .or_default()
                .insert(privilege.to_string());
        }
    }
    for (target, set) in sets {
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
        queries: |id, _, out| {
            out.insert(Query::new(
                &GRANTS_TO,
                [id.name_at(0).clone(), id.name_at(1).clone()],
            ));
        },
        list: None,
    },
    drift: DriftForm::Privileges,
    naming: Naming::None,
    parse_weight: 1,
    required: &[],
    lifecycle: None,
    entry_check: None,
    adopted: None,
    refused: &[],
    plan_warning: None,
    exclusive: None,
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
        assert!(refuse_target(&i("D"), &crate::kinds::database::id(i("D"))).is_none());
    }
}
