//! `users.<U>.roles:` — `GRANT ROLE R TO USER U`, read with `SHOW GRANTS OF
//! ROLE R` (its rows `granted_to = USER`): one statement per role granted,
//! whatever the number of users. (`SHOW GRANTS TO USER u` would take one
//! statement per user.)
//!
//! Validation reads `roles:` lists like a role's `member_of` (each item is
//! a validated reference to a role); drift compares them as memberships.

use super::user;
use super::{
    DriftForm, Kind, LiveSpec, Naming, Query, Rules, Section, Sql, SqlHooks, role, role_grant,
};
use crate::model::{Field, Ident, KindMeta, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "user_grant",
    rank: 11,
    fields: &[Field::name("user"), Field::name("role")],
    keyword: None,
    address: None,
    target_sql: None,
    references: |id| {
        vec![
            user::id(id.name_at(0).clone()),
            role::id(id.name_at(1).clone()),
        ]
    },
};

/// `user_grant.USER.ROLE`: `ROLE` is granted to `USER`.
pub fn id(user: Ident, role: Ident) -> ResourceId {
    ResourceId::named(&META, [user, role])
}

fn statement(verb: &str, id: &ResourceId, to: &str) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(verb);
    id.name_at(1).push_sql(&mut out);
    out.push_str(to);
    id.name_at(0).push_sql(&mut out);
    out
}

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, _| vec![statement("GRANT ROLE ", id, " TO USER ")],
    drop: |id, _| vec![statement("REVOKE ROLE ", id, " FROM USER ")],
    update: |_, _, _| Vec::new(),
};

pub static KIND: Kind = Kind {
    admin_role: None,
    create_as_owner: false,
    meta: &META,
    section: Section::Items {
        parent: &user::KIND,
        key: "roles",
    },
    children: &[],
    external: None,
    attrs: &[],
    sql_order: &[],
    check: None,
    sql: Sql::Custom(&SQL),
    dropped_with: super::never,
    live: LiveSpec {
        queries: |id, _, out| {
            out.insert(Query::new(&role_grant::GRANTS_OF, [id.name_at(1).clone()]));
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

    #[test]
    fn grants_and_revokes_a_role() {
        let g = id(Ident::parse("\"svc\"").unwrap(), Ident::parse("r").unwrap());
        assert_eq!(g.address(), "user_grant.\"svc\".R");
        assert_eq!(
            crate::sql::create(&g, &Default::default(), false),
            ["GRANT ROLE R TO USER \"svc\""]
        );
        assert_eq!(
            crate::sql::drop(&g, &Default::default(), true),
            ["REVOKE ROLE R FROM USER \"svc\""]
        );
    }
}
