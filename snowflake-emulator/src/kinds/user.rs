//! Users: `CREATE [OR REPLACE] USER props`, ALTER (rename, SET/UNSET), DROP,
//! SHOW USERS. Users made here cannot log in (only `--user` can); secrets
//! (passwords, keys) are reduced to `has_password` / `has_rsa_public_key`.

use super::props::{PropDef, Pv, Ty, flag, text_or_none, upper};
use super::{CreateSpec, ObjectKind, ShowSyntax};
use crate::catalog::{Catalog, Grantee, Target, User, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::{AlterAction, Show};
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, row, text, tf, ts};

pub struct UserKind;

/// Accepted and checked, not kept.
fn ignored(_: &mut User, _: &'static str, _: Option<Pv>) {}

type P = PropDef<User>;

const PROPS: &[P] = &[
    P::new("PASSWORD", Ty::Text, |u, _, v| u.has_password = v.is_some()),
    // Not set: the user's name.
    P::new("LOGIN_NAME", Ty::Text, |u, _, v| {
        u.login_name = v.map_or(u.name.clone(), |v| v.text().to_ascii_uppercase())
    }),
    P::new("DISPLAY_NAME", Ty::Text, |u, _, v| {
        u.display_name = v.map_or(u.name.clone(), |v| v.text())
    }),
    P::new("FIRST_NAME", Ty::Text, |u, _, v| {
        u.first_name = text_or_none(v)
    }),
    P::new("MIDDLE_NAME", Ty::Text, ignored),
    P::new("LAST_NAME", Ty::Text, |u, _, v| {
        u.last_name = text_or_none(v)
    }),
    P::new("EMAIL", Ty::Text, |u, _, v| u.email = text_or_none(v)),
    P::new("COMMENT", Ty::Text, |u, _, v| u.comment = text_or_none(v)),
    P::new("DISABLED", Ty::Bool, |u, _, v| u.disabled = flag(&v)).default("false"),
    P::new("MUST_CHANGE_PASSWORD", Ty::Bool, |u, _, v| {
        u.must_change_password = flag(&v)
    })
    .default("false"),
    P::new("DEFAULT_WAREHOUSE", Ty::Text, |u, _, v| {
        u.default_warehouse = text_or_none(v)
    }),
    P::new("DEFAULT_NAMESPACE", Ty::Text, |u, _, v| {
        u.default_namespace = text_or_none(v)
    }),
    P::new("DEFAULT_ROLE", Ty::Text, |u, _, v| {
        u.default_role = text_or_none(v)
    }),
    // `('ALL')` is kept as `ALL`, `()` as an empty text; not set means ALL.
    P::new("DEFAULT_SECONDARY_ROLES", Ty::Text, |u, _, v| {
        u.default_secondary_roles = v.map(|v| v.text().trim().to_ascii_uppercase())
    }),
    P::new("RSA_PUBLIC_KEY", Ty::Text, |u, _, v| {
        u.has_rsa_public_key = v.is_some()
    }),
    P::new("RSA_PUBLIC_KEY_2", Ty::Text, |u, _, v| {
        if v.is_some() {
            u.has_rsa_public_key = true
        }
    }),
    P::new("TYPE", Ty::Canon(upper), |u, _, v| {
        u.user_type = text_or_none(v)
    }),
    P::new("MINS_TO_UNLOCK", Ty::Text, ignored),
    P::new("DAYS_TO_EXPIRY", Ty::Text, ignored),
];

pub const COLUMNS: &[(&str, ColType)] = &[
    ("name", Text),
    ("created_on", TimestampLtz),
    ("login_name", Text),
    ("display_name", Text),
    ("first_name", Text),
    ("last_name", Text),
    ("email", Text),
    ("mins_to_unlock", Text),
    ("days_to_expiry", Text),
    ("comment", Text),
    ("disabled", Text),
    ("must_change_password", Text),
    ("snowflake_lock", Text),
    ("default_warehouse", Text),
    ("default_namespace", Text),
    ("default_role", Text),
    ("default_secondary_roles", Text),
    ("ext_authn_duo", Text),
    ("ext_authn_uid", Text),
    ("mins_to_bypass_mfa", Text),
    ("owner", Text),
    ("last_success_login", TimestampLtz),
    ("expires_at_time", TimestampLtz),
    ("locked_until_time", TimestampLtz),
    ("has_password", Text),
    ("has_rsa_public_key", Text),
    ("type", Text),
    ("has_mfa", Text),
    ("has_pat", Text),
    ("has_workload_identity", Text),
    ("is_from_organization_user", Text),
];

impl ObjectKind for UserKind {
    fn securable(path: &[String]) -> Target {
        Target::User(path[0].clone())
    }
    fn owner(obj: &User) -> &str {
        &obj.owner
    }
    fn create_privilege(_path: &[String]) -> (&'static str, Target) {
        ("CREATE USER", Target::Account)
    }
    /// ALTER USER's usage notes: users may change their own defaults.
    fn self_service(ex: &Exec, path: &[String], action: &AlterAction) -> bool {
        const OWN: [&str; 4] = [
            "DEFAULT_ROLE",
            "DEFAULT_WAREHOUSE",
            "DEFAULT_NAMESPACE",
            "DEFAULT_SECONDARY_ROLES",
        ];
        path[0] == ex.sess.user
            && match action {
                AlterAction::Set(props) => props.iter().all(|(k, _)| OWN.contains(&k.as_str())),
                AlterAction::Unset(names) => names.iter().all(|k| OWN.contains(&k.as_str())),
                _ => false,
            }
    }
    type Obj = User;
    const KIND: super::Kind = super::Kind::User;
    const KEYWORD: &'static str = "USER";
    const WORD: &'static str = "User";
    const PROPS: &'static [PropDef<User>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("USERS").paging();

    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c User> {
        cat.users.get(&path[0])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut User> {
        cat.users.get_mut(&path[0])
    }

    fn new(ex: &Exec, path: &[String], _spec: CreateSpec) -> User {
        User {
            name: path[0].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            ..Default::default()
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: User) {
        cat.users.insert(path[0].clone(), obj);
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<User> {
        cat.users.remove(&path[0])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let grantee = Grantee::User(path[0].clone());
        ex.cat.role_grants.retain(|g| g.grantee != grantee);
    }

    fn set_name(obj: &mut User, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (old, new) = (Grantee::User(from[0].clone()), Grantee::User(to[0].clone()));
        for g in ex.cat.role_grants.iter_mut() {
            if g.grantee == old {
                g.grantee = new.clone();
            }
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let mut rows = Vec::new();
        for u in ex.cat.users.values() {
            let cells = vec![
                ("name", text(&u.name)),
                ("created_on", ts(u.created_on)),
                ("login_name", text(&u.login_name)),
                ("display_name", text(&u.display_name)),
                ("first_name", u.first_name.clone()),
                ("last_name", u.last_name.clone()),
                ("email", u.email.clone()),
                ("mins_to_unlock", None),
                ("days_to_expiry", None),
                ("comment", u.comment.clone()),
                ("disabled", tf(u.disabled)),
                ("must_change_password", tf(u.must_change_password)),
                ("snowflake_lock", tf(false)),
                ("default_warehouse", u.default_warehouse.clone()),
                ("default_namespace", u.default_namespace.clone()),
                ("default_role", u.default_role.clone()),
                (
                    "default_secondary_roles",
                    text(if u.secondary_roles_all() {
                        "[\"ALL\"]"
                    } else {
                        "[]"
                    }),
                ),
                ("ext_authn_duo", tf(false)),
                ("ext_authn_uid", None),
                ("mins_to_bypass_mfa", None),
                ("owner", text(&u.owner)),
                ("last_success_login", None),
                ("expires_at_time", None),
                ("locked_until_time", None),
                ("has_password", tf(u.has_password)),
                ("has_rsa_public_key", tf(u.has_rsa_public_key)),
                ("type", u.user_type.clone()),
                ("has_mfa", tf(false)),
                ("has_pat", tf(false)),
                ("has_workload_identity", tf(false)),
                ("is_from_organization_user", tf(false)),
            ];
            rows.push((u.name.clone(), row(COLUMNS, cells)));
        }
        ex.finish(s, COLUMNS, rows, Some("USERS"))
    }
}
