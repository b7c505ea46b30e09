//! The pre-flight check before the first statement of an apply: the
//! connection's user holds every role the plan runs statements as.
//!
//! A plan runs each change under a role (`Change::role`: the object's
//! owner, the kind's administrative role for creations, the grants role).
//! The user must be able to `USE ROLE` each one: it holds it directly or
//! through the role hierarchy (`CURRENT_AVAILABLE_ROLES()`), or the plan
//! itself creates the role and grants it to a role the user holds (a
//! declared role `member_of: [SYSADMIN]`). The roles that resume tasks hold
//! EXECUTE TASK (live, or granted by the plan itself). On a miss apply
//! changes nothing and names what is missing with the GRANT that would fix
//! it.
//!
//! The read side ([`check_read`], for `drift` and `plan --refresh`): a
//! session sees an object when one of its roles owns it or holds a
//! privilege on it, and MANAGE GRANTS (SECURITYADMIN) or ACCOUNTADMIN see
//! everything. Without one of those, every owner of a recorded object must
//! be a role the user holds, or objects would read as dropped.

use crate::connector::{Connector, ConnectorError};
use crate::kinds::{self, DriftForm};
use crate::model::{Ident, Part};
use crate::plan::{Action, Plan};
use std::collections::{BTreeMap, BTreeSet};

/// A role the plan needs and the user cannot use, with the changes that
/// need it.
#[derive(Debug, PartialEq, Eq)]
pub struct Missing {
    pub role: String,
    pub needed_by: Vec<String>,
}

/// What the check found: the user, the roles missing, and the roles that
/// would resume tasks without EXECUTE TASK (both empty: ready).
#[derive(Debug)]
pub struct Preflight {
    pub user: String,
    pub missing: Vec<Missing>,
    pub without_execute_task: Vec<Missing>,
}

/// The account privilege a task's owner needs to resume it.
const EXECUTE_TASK: &str = "EXECUTE TASK";

impl Preflight {
    pub fn is_ready(&self) -> bool {
        self.missing.is_empty() && self.without_execute_task.is_empty()
    }

    /// The message and hint of a refusal.
    pub fn describe(&self) -> (String, String) {
        if self.missing.is_empty() {
            let roles: Vec<String> = self
                .without_execute_task
                .iter()
                .map(|m| format!("`{}` (resumes `{}`)", m.role, m.needed_by.join("`, `")))
                .collect();
            let grants: Vec<String> = self
                .without_execute_task
                .iter()
                .map(|m| format!("GRANT EXECUTE TASK ON ACCOUNT TO ROLE {};", m.role))
                .collect();
            return (
                format!(
                    "these roles resume tasks but do not hold EXECUTE TASK; nothing was applied: {}",
                    roles.join(", ")
                ),
                format!(
                    "grant it in the configuration (`grants: [{{ on: account, privileges: [EXECUTE TASK] }}]`), or an administrator runs: {}",
                    grants.join(" ")
                ),
            );
        }
        let mut lines = Vec::new();
        for m in &self.missing {
            let shown: Vec<&str> = m.needed_by.iter().take(3).map(String::as_str).collect();
            let more = m.needed_by.len().saturating_sub(shown.len());
            lines.push(format!(
                "  - `{}`, needed by `{}`{}",
                m.role,
                shown.join("`, `"),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        let grants: Vec<String> = self
            .missing
            .iter()
            .map(|m| format!("GRANT ROLE {} TO USER {};", m.role, self.user))
            .collect();
        (
            format!(
                "user `{}` cannot use every role this plan runs statements as; nothing was applied:\n{}",
                self.user,
                lines.join("\n")
            ),
            format!(
                "an administrator can run: {} (see docs/permissions.md for the minimal setup)",
                grants.join(" ")
            ),
        )
    }
}

/// Runs the check on one session.
pub fn check(plan: &Plan, connector: &dyn Connector) -> Result<Preflight, ConnectorError> {
    let needed = needed_roles(plan);
    let mut session = connector.open()?;
    let rows = session.execute("SELECT CURRENT_USER() AS U, CURRENT_AVAILABLE_ROLES() AS R")?;
    let user = rows.get(0, "U").unwrap_or_default().to_string();
    let listed: Vec<String> =
        serde_json::from_str(rows.get(0, "R").unwrap_or("[]")).unwrap_or_default();
    let available: BTreeSet<String> = listed
        .into_iter()
        .map(|r| Ident::from_canonical(r).sql())
        .collect();
    let available = with_granted_by_plan(plan, available);
    let missing: Vec<Missing> = needed
        .into_iter()
        .filter(|(role, _)| !available.contains(role))
        .map(|(role, needed_by)| Missing { role, needed_by })
        .collect();
    // Roles that resume tasks: EXECUTE TASK granted by this plan, or live.
    let mut without_execute_task = Vec::new();
    if missing.is_empty() {
        for (role, needed_by) in resuming_roles(plan) {
            if grants_execute_task(plan, &role) {
                continue;
            }
            let grants = session.execute(&format!("SHOW GRANTS TO ROLE {role}"));
            let held = grants.is_ok_and(|rows| {
                rows.iter().any(|r| {
                    r.get("privilege") == Some(EXECUTE_TASK)
                        && r.get("granted_on") == Some("ACCOUNT")
                })
            });
            if !held {
                without_execute_task.push(Missing { role, needed_by });
            }
        }
    }
    Ok(Preflight {
        user: Ident::from_canonical(user).sql(),
        missing,
        without_execute_task,
    })
}

/// The roles of the plan's resume steps, with their addresses.
fn resuming_roles(plan: &Plan) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in plan.changes.iter().filter(|c| c.action == Action::Resume) {
        if let Some(role) = &c.role {
            out.entry(role.clone()).or_default().push(c.address.clone());
        }
    }
    out
}

/// Whether the plan grants EXECUTE TASK on the account to `role`.
fn grants_execute_task(plan: &Plan, role: &str) -> bool {
    plan.changes.iter().any(|c| {
        c.action != Action::Drop
            && kinds::of(&c.id).drift == DriftForm::Privileges
            && matches!(c.id.parts(), [Part::Name(r), Part::Target(on)] if r.sql() == role && on.parts().is_empty())
            && c.after.as_ref().is_some_and(|a| {
                kinds::grant::privileges(a).iter().any(|p| p == EXECUTE_TASK)
            })
    })
}

/// The read-side check of `drift` and `plan --refresh`: the owners of the
/// recorded objects the user cannot use, when no role of theirs sees
/// everything. Empty: the read can see every managed object.
pub fn check_read(
    owners: BTreeMap<String, Vec<String>>,
    connector: &dyn Connector,
) -> Result<(String, Vec<Missing>), ConnectorError> {
    let mut session = connector.open()?;
    let rows = session.execute("SELECT CURRENT_USER() AS U, CURRENT_AVAILABLE_ROLES() AS R")?;
    let user = Ident::from_canonical(rows.get(0, "U").unwrap_or_default()).sql();
    let listed: Vec<String> =
        serde_json::from_str(rows.get(0, "R").unwrap_or("[]")).unwrap_or_default();
    let available: BTreeSet<String> = listed
        .into_iter()
        .map(|r| Ident::from_canonical(r).sql())
        .collect();
    // MANAGE GRANTS (SECURITYADMIN) and ACCOUNTADMIN see every object.
    if available.contains(kinds::ACCOUNT_ADMIN) || available.contains(kinds::grant::DEFAULT_ROLE) {
        return Ok((user, Vec::new()));
    }
    let missing = owners
        .into_iter()
        .filter(|(role, _)| !available.contains(role))
        .map(|(role, needed_by)| Missing { role, needed_by })
        .collect();
    Ok((user, missing))
}

/// Each role the plan's changes run as, with the addresses that need it.
pub fn needed_roles(plan: &Plan) -> BTreeMap<String, Vec<String>> {
    let mut needed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &plan.changes {
        if let Some(role) = &c.role {
            needed
                .entry(role.clone())
                .or_default()
                .push(c.address.clone());
        }
    }
    needed
}

/// `available` plus the roles this plan creates and grants (memberships it
/// creates) to a role in the set, until nothing more is added.
fn with_granted_by_plan(plan: &Plan, mut available: BTreeSet<String>) -> BTreeSet<String> {
    let memberships: Vec<(String, String)> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Create && kinds::of(&c.id).drift == DriftForm::Membership)
        .filter_map(|c| match c.id.parts() {
            [Part::Name(role), Part::Name(parent)] => Some((role.sql(), parent.sql())),
            _ => None,
        })
        .collect();
    loop {
        let before = available.len();
        for (role, parent) in &memberships {
            if available.contains(parent) {
                available.insert(role.clone());
            }
        }
        if available.len() == before {
            return available;
        }
    }
}
