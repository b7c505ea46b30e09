//! Objects that run on their own (tasks): the plan steps around their
//! changes, for every kind with a [`Lifecycle`].
//!
//! Snowflake refuses to change a task of a graph whose root is started, and
//! a started child can only be resumed or suspended while its root is
//! suspended. So, for each group (task graph) whose root is recorded as
//! started and that changes (a member created, updated, replaced, dropped,
//! or a member's state changes), the plan:
//! 1. suspends the root (`<root address>#suspend`), before anything else of
//!    the group;
//! 2. makes the changes (creates leave tasks suspended, as Snowflake does);
//! 3. resumes every member meant to be started, children first
//!    (`<address>#resume`), then the root last.
//!
//! A state change with nothing else is its own one-line step (`#resume` or
//! `#suspend`). Each step records the state it leaves the object in, so a
//! killed apply leaves in state which roots it suspended, and the next plan
//! resumes them. A failed apply resumes the roots it suspended
//! (`apply::apply`, from the root's `#resume` change).

use super::{Action, AttrDiff, Change};
use crate::kinds::{self, Lifecycle};
use crate::model::{Attrs, Model, ResourceId, StackName, Value};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The address of a lifecycle step of `id`.
pub fn step_address(id: &ResourceId, step: Action) -> String {
    format!("{}#{}", id.address(), step.as_str())
}

fn state_of<'a>(attrs: Option<&'a Attrs>, lc: &Lifecycle) -> Option<&'a str> {
    match attrs?.get(lc.attr) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn with_state(attrs: &Attrs, lc: &Lifecycle, state: &str) -> Attrs {
    let mut out = attrs.clone();
    out.insert(lc.attr.to_string(), Value::Text(state.to_string()));
    out
}

/// Adds the suspend / resume steps to `changes` (in execution order) for
/// the lifecycle kinds of `stack`.
pub(super) fn orchestrate(
    changes: &mut Vec<Change>,
    desired: &Model,
    stack: &StackName,
    recorded: &State,
) {
    // Fast path: no kind has a lifecycle, or the stack holds none.
    let wanted: BTreeMap<&ResourceId, &Attrs> = desired
        .owned_by(stack)
        .filter(|r| kinds::of(&r.id).rules.lifecycle.is_some())
        .map(|r| (&r.id, &r.attrs))
        .collect();
    let had: BTreeMap<&ResourceId, &Attrs> = recorded
        .resources
        .iter()
        .filter(|(id, _)| kinds::of(id).rules.lifecycle.is_some())
        .map(|(id, r)| (id, &r.attrs))
        .collect();
    if wanted.is_empty() && had.is_empty() {
        return;
    }
    let attrs_of =
        |id: &ResourceId| -> Option<&Attrs> { wanted.get(id).or_else(|| had.get(id)).copied() };

    // The structural change of each member, and the state it leaves.
    let mut structural: HashMap<ResourceId, usize> = HashMap::new();
    for (k, change) in changes.iter().enumerate() {
        if kinds::of(&change.id).rules.lifecycle.is_some() {
            structural.insert(change.id.clone(), k);
        }
    }
    let mut current: HashMap<ResourceId, String> = HashMap::new();
    for id in wanted.keys().chain(had.keys()) {
        let lc = kinds::of(id).rules.lifecycle.expect("filtered");
        let state = match structural.get(*id).map(|&k| changes[k].action) {
            Some(Action::Create | Action::Replace) => lc.inactive,
            Some(Action::Drop) => continue,
            _ => state_of(had.get(*id).copied(), lc).unwrap_or(lc.inactive),
        };
        current.insert((*id).clone(), state.to_string());
    }

    // Groups by root, in id order.
    let mut groups: BTreeMap<ResourceId, BTreeSet<&ResourceId>> = BTreeMap::new();
    for id in wanted.keys().chain(had.keys()) {
        let lc = kinds::of(id).rules.lifecycle.expect("filtered");
        groups
            .entry((lc.root)(id, &attrs_of))
            .or_default()
            .insert(id);
    }

    let mut pauses: Vec<Change> = Vec::new();
    let mut members_steps: Vec<Change> = Vec::new();
    let mut root_steps: Vec<Change> = Vec::new();
    for (root, members) in &groups {
        let lc = kinds::of(root).rules.lifecycle.expect("filtered");
        let group_changes: Vec<String> = members
            .iter()
            .filter_map(|m| structural.get(*m).map(|&k| changes[k].address.clone()))
            .collect();
        let desired_state = |id: &ResourceId| state_of(wanted.get(id).copied(), lc);
        let transitions: Vec<&ResourceId> = members
            .iter()
            .copied()
            .filter(|m| *m != root)
            .filter(|m| {
                desired_state(m).is_some_and(|d| current.get(*m).map(String::as_str) != Some(d))
            })
            .collect();
        let root_active = state_of(had.get(root).copied(), lc) == Some(lc.active)
            && current.get(root).map(String::as_str) == Some(lc.active);
        let mut waits: Vec<String> = group_changes.clone();
        if root_active && (!group_changes.is_empty() || !transitions.is_empty()) {
            let before = had[root];
            let pause = step(
                root,
                Action::Suspend,
                lc,
                before,
                lc.inactive,
                "the task graph's root is suspended while its tasks change".into(),
                Vec::new(),
            );
            for address in &group_changes {
                if let Some(c) = changes.iter_mut().find(|c| &c.address == address) {
                    c.depends_on.insert(0, pause.address.clone());
                }
            }
            waits.insert(0, pause.address.clone());
            pauses.push(pause);
            current.insert(root.clone(), lc.inactive.to_string());
        }
        let mut member_addresses = Vec::new();
        for m in transitions {
            let target = desired_state(m).expect("filtered");
            let action = if target == lc.active {
                Action::Resume
            } else {
                Action::Suspend
            };
            let attrs = attrs_of(m).expect("a member has attributes");
            let s = step(
                m,
                action,
                lc,
                &with_state(attrs, lc, &current[m]),
                target,
                format!("`{}` is `{target}` in the configuration", lc.attr),
                waits.clone(),
            );
            member_addresses.push(s.address.clone());
            members_steps.push(s);
        }
        // The root last: after its children.
        if let (Some(target), Some(now)) = (desired_state(root), current.get(root))
            && target != now
        {
            let action = if target == lc.active {
                Action::Resume
            } else {
                Action::Suspend
            };
            let attrs = attrs_of(root).expect("a root has attributes");
            let mut deps = waits.clone();
            deps.extend(member_addresses);
            root_steps.push(step(
                root,
                action,
                lc,
                &with_state(attrs, lc, now),
                target,
                format!("`{}` is `{target}` in the configuration", lc.attr),
                deps,
            ));
        }
    }

    // What each structural change leaves: created tasks are suspended, the
    // paused root is suspended, the others keep their recorded state.
    for change in changes.iter_mut() {
        let Some(lc) = kinds::of(&change.id).rules.lifecycle else {
            continue;
        };
        if let (Some(after), Some(now)) = (change.after.as_mut(), current.get(&change.id)) {
            after.insert(lc.attr.to_string(), Value::Text(now.clone()));
        }
        change
            .diffs
            .retain(|d| d.name != lc.attr || change.action != Action::Create);
    }
    if pauses.is_empty() && members_steps.is_empty() && root_steps.is_empty() {
        return;
    }
    // A step runs as the object's owner, which must exist and hold what it
    // needs (EXECUTE TASK) first: it waits for the changes that create the
    // owner role or grant to it.
    for step in members_steps.iter_mut().chain(root_steps.iter_mut()) {
        let Some(owner) = step.role.as_deref().and_then(owner_id) else {
            continue;
        };
        for c in changes.iter() {
            if (c.id == owner || c.id.references().contains(&owner))
                && !step.depends_on.contains(&c.address)
            {
                step.depends_on.push(c.address.clone());
            }
        }
    }
    let rest = std::mem::take(changes);
    changes.extend(pauses);
    changes.extend(rest);
    changes.extend(members_steps);
    changes.extend(root_steps);
}

/// The id of the role named `name` (SQL form), the kind `owner` refers to.
fn owner_id(name: &str) -> Option<ResourceId> {
    match kinds::OWNER.ty {
        kinds::AttrType::Ref(meta) => kinds::parse_name(meta, name),
        _ => None,
    }
}

/// The `owner` attribute of an object, as the role name in SQL form.
pub fn owner_of(attrs: &Attrs) -> Option<String> {
    match attrs.get(kinds::OWNER.name) {
        Some(Value::Text(owner)) => Some(owner.clone()),
        _ => None,
    }
}

/// A suspend or resume step of `id`, from the attributes `before`.
fn step(
    id: &ResourceId,
    action: Action,
    lc: &Lifecycle,
    before: &Attrs,
    target: &str,
    reason: String,
    depends_on: Vec<String>,
) -> Change {
    let sql = vec![if action == Action::Resume {
        (lc.activate)(id)
    } else {
        (lc.deactivate)(id)
    }];
    Change {
        address: step_address(id, action),
        id: id.clone(),
        action,
        before: Some(before.clone()),
        after: Some(with_state(before, lc, target)),
        diffs: vec![AttrDiff {
            name: lc.attr.to_string(),
            before: before.get(lc.attr).cloned(),
            after: Some(Value::Text(target.to_string())),
            forces_replacement: false,
        }],
        reason,
        recovery_sql: sql.clone(),
        sql,
        depends_on,
        // A task is resumed and suspended by its owner (who must hold
        // EXECUTE TASK).
        role: owner_of(before).or_else(|| kinds::of(id).admin_role.map(str::to_string)),
    }
}
