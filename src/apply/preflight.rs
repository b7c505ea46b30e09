//! The pre-flight check before the first statement of an apply: the
//! connection's user holds every role the plan runs statements as.
//!
//! A plan runs each change under a role (`Change::role`: the object's
//! owner, the kind's administrative role for creations, the grants role).
//! The user must be able to `USE ROLE` each one: it holds it directly or
//! through the role hierarchy (`CURRENT_AVAILABLE_ROLES()`), or the plan
//! itself creates the role and grants it to a role the user holds (a
//! declared role `member_of: [SYSADMIN]`). On a miss apply changes nothing
//! and names what is missing with the GRANT that would fix it.

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

/// What the check found: the user, and the roles missing (empty: ready).
#[derive(Debug)]
pub struct Preflight {
    pub user: String,
    pub missing: Vec<Missing>,
}

impl Preflight {
    /// The message and hint of a refusal.
    pub fn describe(&self) -> (String, String) {
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
    let missing = needed
        .into_iter()
        .filter(|(role, _)| !available.contains(role))
        .map(|(role, needed_by)| Missing { role, needed_by })
        .collect();
    Ok(Preflight {
        user: Ident::from_canonical(user).sql(),
        missing,
    })
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
