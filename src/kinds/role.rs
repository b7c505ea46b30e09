//! `roles:` — `CREATE ROLE`, read with `SHOW ROLES`.
//!
//! A role's entry also holds its privilege grants (`grants:`, the
//! [`super::grant`] kind) and its memberships (`member_of:`, the
//! [`super::role_grant`] kind); reading a role reads both.

use super::{
    Absorb, COMMENT, DriftForm, Kind, LiveSpec, Naming, OWNER, Paging, Query, Rules, Section, Show,
    Sql, grant, never, role_grant,
};
use crate::model::{Ident, KindMeta, ResourceId};

/// Roles every Snowflake account has; references to them are always valid.
pub const SYSTEM_ROLES: &[&str] = &[
    "ACCOUNTADMIN",
    "SECURITYADMIN",
    "USERADMIN",
    "SYSADMIN",
    "ORGADMIN",
    "PUBLIC",
];

pub static META: KindMeta = KindMeta::account_object("role", 4, "ROLE");

/// `role.NAME`.
pub fn id(name: Ident) -> ResourceId {
    ResourceId::named(&META, [name])
}

/// The system roles, as ids.
pub fn system_roles() -> impl Iterator<Item = ResourceId> {
    SYSTEM_ROLES.iter().map(|r| id(Ident::from_canonical(*r)))
}

pub static SHOW: Show = Show {
    rank: 2,
    sql: |_| "SHOW ROLES".into(),
    paging: Paging::Limit,
    per_object: false,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    meta: &META,
    section: Section::Top("roles"),
    children: &["member_of", "grants"],
    external: Some("roles"),
    attrs: &[COMMENT, OWNER],
    sql_order: &["comment"],
    check: None,
    sql: Sql::Object,
    dropped_with: never,
    live: LiveSpec {
        queries: |id, _, out| {
            let name = id.name_at(0);
            out.insert(Query::new(&SHOW, []));
            out.insert(Query::new(&grant::GRANTS_TO, [name.clone()]));
            out.insert(Query::new(&role_grant::GRANTS_OF, [name.clone()]));
        },
        list: Some(&SHOW),
    },
    drift: DriftForm::Object,
    naming: Naming::Account {
        system: SYSTEM_ROLES,
        container: false,
    },
    // A role carries its memberships and grants: about three times the work
    // of a warehouse or a database.
    parse_weight: 3,
    rules: Rules::NONE,
    admin_role: Some("USERADMIN"),
    create_as_owner: false,
};
