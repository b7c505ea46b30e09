//! `roles.<R>.member_of:` — `GRANT ROLE R TO ROLE P`, read with `SHOW GRANTS
//! OF ROLE R` (and found in `SHOW GRANTS TO ROLE P`).
//!
//! Special handling outside this module (documented in `kinds`): config
//! validation reads `member_of` lists and checks the hierarchy for cycles;
//! the graph orders `a TO b` after every membership of `b`.

use super::{Absorb, DriftForm, Kind, LiveSpec, Naming, Paging, Query, Rules, Section, Show, Sink};
use super::{Sql, SqlHooks, role, user_grant};
use crate::connector::Rows;
use crate::model::{Attrs, Field, Ident, KindMeta, ResourceId};

pub static META: KindMeta = KindMeta {
    name: "role_grant",
    rank: 6,
    fields: &[Field::name("role"), Field::name("parent")],
    keyword: None,
    address: None,
    target_sql: None,
    references: |id| {
        vec![
            role::id(id.name_at(0).clone()),
            role::id(id.name_at(1).clone()),
        ]
    },
};

/// `role_grant.ROLE.PARENT`: `ROLE` is granted to `PARENT`.
pub fn id(role: Ident, parent: Ident) -> ResourceId {
    ResourceId::named(&META, [role, parent])
}

/// The role granted and the role it is granted to.
pub fn roles(id: &ResourceId) -> (&Ident, &Ident) {
    (id.name_at(0), id.name_at(1))
}

fn membership_sql(verb: &str, role: &Ident, to: &str, parent: &Ident) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(verb);
    role.push_sql(&mut out);
    out.push_str(to);
    parent.push_sql(&mut out);
    out
}

static SQL: SqlHooks = SqlHooks {
    ensure: None,
    create: |id, _| {
        let (role, parent) = roles(id);
        vec![membership_sql("GRANT ROLE ", role, " TO ROLE ", parent)]
    },
    drop: |id, _| {
        let (role, parent) = roles(id);
        vec![membership_sql("REVOKE ROLE ", role, " FROM ROLE ", parent)]
    },
    // A membership has no attributes.
    update: |_, _, _| Vec::new(),
};

pub static GRANTS_OF: Show = Show {
    rank: 5,
    sql: |scope| format!("SHOW GRANTS OF ROLE {}", scope[0].sql()),
    paging: Paging::Single,
    per_object: true,
    absorb: Absorb::Custom(absorb_grants_of),
};

/// `SHOW GRANTS OF ROLE r`: the roles and the users `r` is granted to.
fn absorb_grants_of(scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    for row in rows.iter() {
        let Some(grantee) = row.get("grantee_name") else {
            continue;
        };
        let grantee = Ident::from_canonical(grantee);
        match row.get("granted_to") {
            Some("ROLE") => (sink.keep)(id(scope[0].clone(), grantee), Attrs::new()),
            Some("USER") => (sink.keep)(user_grant::id(grantee, scope[0].clone()), Attrs::new()),
            _ => {}
        }
    }
}

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Items {
        parent: &role::KIND,
        key: "member_of",
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
            out.insert(Query::new(&GRANTS_OF, [id.name_at(0).clone()]));
        },
        list: None,
    },
    drift: DriftForm::Membership,
    naming: Naming::None,
    parse_weight: 1,
    rules: Rules::NONE,
    admin_role: None,
    create_as_owner: false,
};
