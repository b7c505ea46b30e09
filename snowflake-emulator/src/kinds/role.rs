//! Account roles: `CREATE [OR REPLACE] ROLE [COMMENT = ...]`, ALTER (rename,
//! SET/UNSET COMMENT), DROP, SHOW ROLES. System roles cannot be dropped or
//! replaced. Dropping a role takes every grant to, of and on it; what it
//! owned passes to the dropping role. A rename follows grants and ownership.

use super::props::{PropDef, Ty, text_or_none};
use super::{CreateSpec, ObjectKind, ShowSyntax};
use crate::catalog::{Catalog, Grantee, Role, SYSTEM_ROLES, Target, now_ms};
use crate::error::SfError;
use crate::exec::Exec;
use crate::parser::Show;
use crate::result::ColType::{self, *};
use crate::result::{QueryResult, num, row, text, ts, yn};

pub struct RoleKind;

type P = PropDef<Role>;

const PROPS: &[P] = &[P::new("COMMENT", Ty::Text, |r, _, v| {
    r.comment = text_or_none(v)
})];

pub const COLUMNS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("is_inherited", Text),
    ("assigned_to_users", Fixed),
    ("granted_to_roles", Fixed),
    ("granted_roles", Fixed),
    ("owner", Text),
    ("comment", Text),
];

impl ObjectKind for RoleKind {
    fn securable(path: &[String]) -> Target {
        Target::Role(path[0].clone())
    }
    fn owner(obj: &Role) -> &str {
        &obj.owner
    }
    fn create_privilege(_path: &[String]) -> (&'static str, Target) {
        ("CREATE ROLE", Target::Account)
    }
    type Obj = Role;
    const KIND: super::Kind = super::Kind::Role;
    const KEYWORD: &'static str = "ROLE";
    const WORD: &'static str = "Role";
    const PROPS: &'static [PropDef<Role>] = PROPS;
    const SHOW: ShowSyntax = ShowSyntax::account_level("ROLES").paging();

    fn get<'c>(cat: &'c Catalog, path: &[String]) -> Option<&'c Role> {
        cat.roles.get(&path[0])
    }
    fn get_mut<'c>(cat: &'c mut Catalog, path: &[String]) -> Option<&'c mut Role> {
        cat.roles.get_mut(&path[0])
    }
    fn reserved(path: &[String]) -> bool {
        SYSTEM_ROLES.contains(&path[0].as_str())
    }
    fn drop_guard(_ex: &Exec, path: &[String]) -> Result<(), SfError> {
        if Self::reserved(path) {
            return Err(SfError::insufficient_privileges("role", &path[0]));
        }
        Ok(())
    }

    fn new(ex: &Exec, path: &[String], _spec: CreateSpec) -> Role {
        Role {
            name: path[0].clone(),
            created_on: now_ms(),
            owner: ex.sess.role.clone(),
            comment: None,
        }
    }

    fn insert(cat: &mut Catalog, path: &[String], obj: Role) {
        cat.roles.insert(path[0].clone(), obj);
    }

    fn take(cat: &mut Catalog, path: &[String]) -> Option<Role> {
        cat.roles.remove(&path[0])
    }

    fn forget(ex: &mut Exec, path: &[String]) {
        let r = &path[0];
        ex.cat
            .grants
            .retain(|g| g.grantee != *r && g.target != Target::Role(r.clone()));
        ex.cat
            .role_grants
            .retain(|g| g.role != *r && g.grantee != Grantee::Role(r.clone()));
        ex.cat.future_grants.retain(|f| !f.to_role(r));
        let new_owner = if ex.sess.role == *r {
            "ACCOUNTADMIN".to_string()
        } else {
            ex.sess.role.clone()
        };
        ex.rename_owner(r, &new_owner);
    }

    fn set_name(obj: &mut Role, name: &str) {
        obj.name = name.to_string();
    }

    fn renamed(ex: &mut Exec, from: &[String], to: &[String]) {
        let (n, to) = (&from[0], &to[0]);
        for g in ex.cat.grants.iter_mut() {
            if g.grantee == *n {
                g.grantee = to.clone();
            }
            if g.target == Target::Role(n.clone()) {
                g.target = Target::Role(to.clone());
            }
        }
        for g in ex.cat.role_grants.iter_mut() {
            if g.role == *n {
                g.role = to.clone();
            }
            if g.grantee == Grantee::Role(n.clone()) {
                g.grantee = Grantee::Role(to.clone());
            }
        }
        for f in ex.cat.future_grants.iter_mut() {
            if f.to_role(n) {
                f.grantee = to.clone();
            }
        }
        ex.rename_owner(n, to);
        if ex.sess.role == *n {
            ex.sess.role = to.clone();
        }
    }

    fn show(ex: &Exec, s: &Show) -> Result<QueryResult, SfError> {
        let current = ex.cat.role_closure(&ex.sess.role);
        let default_role = ex
            .cat
            .users
            .get(&ex.sess.user)
            .and_then(|u| u.default_role.clone());
        let mut rows = Vec::new();
        for r in ex.cat.roles.values() {
            let count = |to_user: bool| {
                ex.cat
                    .role_grants
                    .iter()
                    .filter(|g| {
                        g.role == r.name && matches!(g.grantee, Grantee::User(_)) == to_user
                    })
                    .count() as i64
            };
            let cells = vec![
                ("created_on", ts(r.created_on)),
                ("name", text(&r.name)),
                ("is_default", yn(default_role.as_deref() == Some(&r.name))),
                ("is_current", yn(ex.sess.role == r.name)),
                (
                    "is_inherited",
                    yn(r.name != ex.sess.role && current.contains(&r.name)),
                ),
                ("assigned_to_users", num(count(true))),
                ("granted_to_roles", num(count(false))),
                (
                    "granted_roles",
                    num(ex.cat.granted_roles(&r.name).len() as i64),
                ),
                ("owner", text(&r.owner)),
                ("comment", text(r.comment.clone().unwrap_or_default())),
            ];
            rows.push((r.name.clone(), row(COLUMNS, cells)));
        }
        ex.finish(s, COLUMNS, rows, None)
    }
}
