//! `databases.<D>.database_roles.<R>.member_of:` — `GRANT DATABASE ROLE D.R
//! TO ROLE P` (an account role) or `TO DATABASE ROLE D.X` (a database role
//! of the same database), read with `SHOW GRANTS OF DATABASE ROLE D.R` (one
//! statement per database role). In the configuration a plain name is an
//! account role and `D.X` a database role.

use super::{Absorb, Rules, Sql, SqlHooks, database_role, role};
use super::{DriftForm, Kind, LiveSpec, Naming, Paging, Query, Section, Show, Sink};
use crate::connector::Rows;
use crate::model::{Attrs, Field, Ident, KindMeta, Part, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "database_role_member",
    rank: 15,
    fields: &[
        Field::name("database"),
        Field::name("role"),
        Field::target("to"),
    ],
    keyword: None,
    address: None,
    target_sql: None,
    references: |id| {
        vec![
            database_role::id(id.name_at(0).clone(), id.name_at(1).clone()),
            id.target_at(2).clone(),
        ]
    },
};

/// `database_role_member.D.R.<role.P | database_role.D.X>`.
pub fn id(database: Ident, role: Ident, to: ResourceId) -> ResourceId {
    ResourceId::new(
        &META,
        [
            Part::Name(database),
            Part::Name(role),
            Part::Target(Box::new(to)),
        ],
    )
}

fn statement(verb: &str, id: &ResourceId, to: &str) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(verb);
    id.name_at(0).push_sql(&mut out);
    out.push('.');
    id.name_at(1).push_sql(&mut out);
    out.push_str(to);
    let target = id.target_at(2);
    out.push_str(if target.is(&role::META) {
        "ROLE "
    } else {
        "DATABASE ROLE "
    });
    target.push_qualified_name(&mut out);
    out
}

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, _| vec![statement("GRANT DATABASE ROLE ", id, " TO ")],
    drop: |id, _| vec![statement("REVOKE DATABASE ROLE ", id, " FROM ")],
    update: |_, _, _| Vec::new(),
};

pub static GRANTS_OF: Show = Show {
    rank: 15,
    sql: |scope| {
        format!(
            "SHOW GRANTS OF DATABASE ROLE {}.{}",
            scope[0].sql(),
            scope[1].sql()
        )
    },
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(absorb),
};

/// The account roles and database roles `D.R` is granted to.
fn absorb(scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    for row in rows.iter() {
        let Some(grantee) = row.get("grantee_name") else {
            continue;
        };
        let to = match row.get("granted_to") {
            Some("ROLE") => role::id(Ident::from_canonical(grantee)),
            Some("DATABASE_ROLE") => match super::grant::split_qualified(grantee).as_slice() {
                [d, x] => database_role::id(
                    Ident::from_canonical(d.clone()),
                    Ident::from_canonical(x.clone()),
                ),
                [x] => database_role::id(scope[0].clone(), Ident::from_canonical(x.clone())),
                _ => continue,
            },
            _ => continue,
        };
        (sink.keep)(id(scope[0].clone(), scope[1].clone(), to), Attrs::new());
    }
}

pub static KIND: Kind = Kind {
    admin_role: None,
    create_as_owner: false,
    meta: &META,
    section: Section::Items {
        parent: &database_role::KIND,
        key: "member_of",
    },
    children: &[],
    external: None,
    attrs: &[],
    sql_order: &[],
    check: None,
    sql: Sql::Custom(&SQL),
    dropped_with: |parent, _| parent.is(&database_role::META),
    live: LiveSpec {
        queries: |id, _, out| {
            out.insert(Query::new(
                &GRANTS_OF,
                [id.name_at(0).clone(), id.name_at(1).clone()],
            ));
        },
        list: None,
    },
    drift: DriftForm::Membership,
    naming: Naming::None,
    parse_weight: 1,
    rules: Rules::NONE,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn i(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn granted_to_account_and_database_roles() {
        let to_role = id(i("D"), i("R"), role::id(i("SYSADMIN")));
        assert_eq!(to_role.address(), "database_role_member.D.R.role.SYSADMIN");
        assert_eq!(
            crate::sql::create(&to_role, &Attrs::new(), false),
            ["GRANT DATABASE ROLE D.R TO ROLE SYSADMIN"]
        );
        let to_db_role = id(i("D"), i("R"), database_role::id(i("D"), i("\"x\"")));
        assert_eq!(
            crate::sql::drop(&to_db_role, &Attrs::new(), true),
            ["REVOKE DATABASE ROLE D.R FROM DATABASE ROLE D.\"x\""]
        );
    }
}
