//! desired x recorded -> Plan. Pure: no files, no network.

use super::{Action, AttrDiff, Basis, Blocker, Change, FORMAT_VERSION, Plan, Summary};
use crate::graph::{Graph, GraphError};
use crate::kinds::{self, Change as AttrChange};
use crate::model::{Attrs, Model, Resource, ResourceId, StackName};
use crate::sql::{self, Step};
use crate::state::{RecordedResource, State};
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// Compares the desired resources `stack` owns in `desired` with the
/// stack's `recorded` state. For an environment's stack, `shared_recorded`
/// is the shared stack's state: shared objects the environment depends on
/// must be recorded there, or the plan carries a blocker.
///
/// The only error is a dependency cycle.
pub fn diff(
    desired: &Model,
    stack: &StackName,
    recorded: &State,
    shared_recorded: Option<&State>,
) -> Result<Plan, GraphError> {
    if desired.resources.len() < PARALLEL_MIN {
        return diff_with(desired, stack, recorded, shared_recorded, || {
            config_hash(desired, stack)
        });
    }
    // The hash reads only the model: computed on a second thread meanwhile.
    std::thread::scope(|scope| {
        let hash = scope.spawn(|| config_hash(desired, stack));
        diff_with(desired, stack, recorded, shared_recorded, || {
            hash.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// [`diff`], with the config hash from `config_hash` (called once, at the
/// end).
fn diff_with(
    desired: &Model,
    stack: &StackName,
    recorded: &State,
    shared_recorded: Option<&State>,
    config_hash: impl FnOnce() -> String,
) -> Result<Plan, GraphError> {
    // Nodes: everything desired or recorded in this stack, in id order,
    // with what is wanted and what was recorded for each. Both sides are
    // sorted by id: one merge instead of a lookup per node.
    let mut ids: Vec<&ResourceId> = Vec::with_capacity(recorded.resources.len());
    let mut wanted: Vec<Option<&Resource>> = Vec::with_capacity(recorded.resources.len());
    let mut have: Vec<Option<&RecordedResource>> = Vec::with_capacity(recorded.resources.len());
    {
        use std::cmp::Ordering;
        let mut own = desired.owned_by(stack).peekable();
        let mut had = recorded.resources.iter().peekable();
        loop {
            let (id, w, h) = match (own.peek(), had.peek()) {
                (None, None) => break,
                (Some(w), None) => (&w.id, own.next(), None),
                (None, Some(&(id, _))) => (id, None, had.next().map(|(_, h)| h)),
                (Some(w), Some(&(id, _))) => match w.id.cmp(id) {
                    Ordering::Less => (&w.id, own.next(), None),
                    Ordering::Greater => (id, None, had.next().map(|(_, h)| h)),
                    Ordering::Equal => (&w.id, own.next(), had.next().map(|(_, h)| h)),
                },
            };
            ids.push(id);
            wanted.push(w);
            have.push(h);
        }
    }
    let mut graph = Graph::build(ids.iter().copied());
    for (i, id) in ids.iter().enumerate() {
        if let Some(attrs) = wanted[i].map(|w| &w.attrs).or(have[i].map(|h| &h.attrs)) {
            graph.link_attribute_references(id, attrs);
        }
    }
    link_owner_grants(&mut graph, &ids, &wanted);
    let n = graph.len();
    debug_assert!(
        (0..n).all(|i| graph.id(i) == ids[i]),
        "nodes in input order"
    );
    // Everything below works on node numbers: plain vectors instead of maps
    // keyed by ids (hashing and comparing ids dominated at 10,000 nodes).
    let creation = graph.creation_order_indices()?;
    let mut rank = vec![0usize; n];
    for (pos, &i) in creation.iter().enumerate() {
        rank[i] = pos;
    }

    let mut blockers = Vec::new();
    let mut warnings = Vec::new();

    // 1. Each resource's own action.
    let mut steps: Vec<Option<PlannedStep>> = vec![None; n];
    for &i in &creation {
        let id = graph.id(i);
        match (wanted[i], have[i]) {
            (Some(_), None) => {
                steps[i] = Some((Step::Create, Vec::new(), "not in the recorded state".into()));
            }
            (Some(want), Some(had)) => {
                let diffs = compare(id, &had.attrs, &want.attrs);
                if diffs.is_empty() {
                    continue;
                }
                let forcing: Vec<&str> = diffs
                    .iter()
                    .filter(|d| d.forces_replacement)
                    .map(|d| d.name.as_str())
                    .collect();
                steps[i] = Some(if forcing.is_empty() {
                    let names: Vec<&str> = diffs.iter().map(|d| d.name.as_str()).collect();
                    let reason = update_reason(&diffs, &names);
                    (Step::Update, diffs, reason)
                } else {
                    let reason = format!(
                        "`{}` cannot change in place: drop and create",
                        forcing.join("`, `")
                    );
                    (Step::Replace, diffs, reason)
                });
            }
            (None, Some(_)) => {
                if let Some(elsewhere) = desired.resources.get(id) {
                    // Owned by another stack now: dropping it here would
                    // destroy the other stack's object.
                    blockers.push(Blocker {
                        address: graph.address(i).to_string(),
                        message: format!(
                            "`{}` is recorded in stack `{stack}` but the configuration gives it to stack `{}`",
                            graph.address(i),
                            elsewhere.stack
                        ),
                        hint: Some(
                            "move its entry from the state of one stack to the other before planning"
                                .into(),
                        ),
                    });
                    continue;
                }
                steps[i] = Some((
                    Step::Drop,
                    Vec::new(),
                    "recorded, no longer in the configuration".into(),
                ));
            }
            (None, None) => unreachable!("every node is desired or recorded"),
        }
    }

    // 2. A replaced object takes what lives in it (schemas in a database,
    //    grants on it) down with its DROP: those are created again.
    for &i in &creation {
        if !matches!(steps[i], Some((Step::Replace, _, _))) {
            continue;
        }
        let id = graph.id(i);
        let mut work: Vec<usize> = graph.dependents_of(i).collect();
        let mut seen: HashSet<usize> = HashSet::new();
        while let Some(d) = work.pop() {
            if !seen.insert(d) || wanted[d].is_none() || !cascades(id, graph.id(d)) {
                continue;
            }
            let current = steps[d].as_ref().map(|s| s.0);
            if !matches!(
                current,
                Some(Step::Create) | Some(Step::Replace) | Some(Step::Recreate)
            ) {
                let diffs = steps[d].take().map(|s| s.1).unwrap_or_default();
                steps[d] = Some((
                    Step::Recreate,
                    diffs,
                    format!("re-created: replacing `{}` drops it", graph.address(i)),
                ));
            }
            work.extend(graph.dependents_of(d));
        }
        {
            let others: Vec<String> = desired
                .resources
                .values()
                .filter(|r| &r.stack != stack && r.id.references().contains(id))
                .map(|r| format!("`{}` (stack `{}`)", r.id.address(), r.stack))
                .collect();
            if !others.is_empty() {
                warnings.push(format!(
                    "replacing `{}` also drops {}, which other stacks then need to create again",
                    graph.address(i),
                    others.join(", ")
                ));
            }
        }
    }

    // 3. Shared objects this stack needs must be recorded in the shared state.
    if !stack.is_shared() {
        let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, resource) in wanted.iter().enumerate() {
            let Some(resource) = resource else { continue };
            for reference in kinds::references(&resource.id, &resource.attrs) {
                if graph.index(&reference).is_some() {
                    continue; // this stack's own
                }
                let Some(owner) = desired.resources.get(&reference) else {
                    continue;
                };
                if &owner.stack == stack {
                    continue;
                }
                let recorded_there = owner.stack.is_shared()
                    && shared_recorded.is_some_and(|s| s.contains(&reference));
                if !recorded_there {
                    missing
                        .entry(reference.address())
                        .or_default()
                        .push(graph.address(i).to_string());
                }
            }
        }
        for (address, mut needed_by) in missing {
            needed_by.sort_unstable();
            let shown: Vec<&str> = needed_by.iter().take(3).map(String::as_str).collect();
            let more = needed_by.len().saturating_sub(shown.len());
            blockers.push(Blocker {
                message: format!(
                    "`{address}` belongs to stack `shared` and is not in its recorded state; needed by `{}`{}",
                    shown.join("`, `"),
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                ),
                address,
                hint: Some("apply the shared stack first: `pudo plan -e shared`, then `pudo apply -e shared`".into()),
            });
        }
    }

    // 4. Changes (numbered in creation order), with what each waits for.
    let planned: Vec<(usize, PlannedStep)> = creation
        .iter()
        .filter_map(|&i| steps[i].take().map(|s| (i, s)))
        .collect();
    let node_of: Vec<usize> = planned.iter().map(|&(i, _)| i).collect();
    let actions: Vec<Action> = planned.iter().map(|(_, s)| action_of(s.0)).collect();
    let mut change_of = vec![usize::MAX; n];
    for (k, &i) in node_of.iter().enumerate() {
        change_of[i] = k;
    }
    let change_at = |node: usize| Some(change_of[node]).filter(|&c| c != usize::MAX);
    let mut waits: Vec<Vec<usize>> = vec![Vec::new(); planned.len()];
    for (k, &i) in node_of.iter().enumerate() {
        let action = actions[k];
        let deps = &mut waits[k];
        if action == Action::Drop {
            // Dependents go first.
            deps.extend(
                graph
                    .dependents_of(i)
                    .filter_map(change_at)
                    .filter(|&j| actions[j] == Action::Drop),
            );
        } else {
            deps.extend(
                graph
                    .dependencies_of(i)
                    .filter_map(change_at)
                    .filter(|&j| matches!(actions[j], Action::Create | Action::Replace)),
            );
            if action == Action::Replace {
                // Recorded dependents being dropped must go before the DROP.
                deps.extend(
                    graph
                        .dependents_of(i)
                        .filter_map(change_at)
                        .filter(|&j| actions[j] == Action::Drop),
                );
            }
        }
        deps.sort_unstable();
        deps.dedup();
    }
    wait_for_exclusive_moves(&mut waits, &node_of, &actions, &graph, &wanted, &have);

    // 5. Execution order: creates, updates and replaces in creation order,
    //    drops in reverse creation order and after them, unless something
    //    must wait for a drop.
    let ranks: Vec<usize> = node_of.iter().map(|&i| rank[i]).collect();
    let order = schedule(&actions, &waits, &ranks);
    let mut position = vec![0; planned.len()];
    for (pos, &k) in order.iter().enumerate() {
        position[k] = pos;
    }
    let mut slots: Vec<Option<PlannedStep>> = planned.into_iter().map(|(_, s)| Some(s)).collect();
    let in_order: Vec<(usize, PlannedStep)> = order
        .iter()
        .map(|&k| (k, slots[k].take().expect("each change once")))
        .collect();
    // Each change (attributes, diffs, statements, what it waits for)
    // depends on its own resource only: built, in execution order, in two
    // halves on two threads.
    let build = |(k, (step, diffs, reason)): (usize, PlannedStep)| {
        let i = node_of[k];
        let mut change = change(
            step,
            graph.id(i),
            graph.address(i),
            have[i],
            wanted[i],
            diffs,
            reason,
        );
        let mut deps: Vec<usize> = waits[k].clone();
        deps.sort_by_key(|&j| position[j]);
        change.depends_on = deps
            .into_iter()
            .map(|j| graph.address(node_of[j]).to_string())
            .collect();
        change
    };
    let mut changes: Vec<Change> = parallel_map(in_order, &build);
    let grants_role = desired
        .grants_role
        .as_deref()
        .unwrap_or(kinds::grant::DEFAULT_ROLE);
    for change in &mut changes {
        change.role = role_of(change, grants_role);
        hand_over(change);
    }
    super::lifecycle::orchestrate(&mut changes, desired, stack, recorded);

    let mut summary = Summary::default();
    for change in &changes {
        summary.add(change.action);
    }
    // What an environment's deployer may not be allowed to do (resource
    // monitors: account administrators only).
    if !stack.is_shared() {
        for change in &changes {
            if let Some(warn) = kinds::of(&change.id).rules.plan_warning
                && let Some(w) = warn(&change.id, change.before.as_ref(), change.after.as_ref())
                && !warnings.contains(&w)
            {
                warnings.push(w);
            }
        }
    }

    Ok(Plan {
        format_version: FORMAT_VERSION,
        pudo_version: env!("CARGO_PKG_VERSION").to_string(),
        stack: stack.clone(),
        environment: if stack.is_shared() {
            None
        } else {
            desired.environment.clone()
        },
        branch: None,
        state: Basis {
            lineage: (!recorded.lineage.is_empty()).then(|| recorded.lineage.clone()),
            serial: recorded.serial,
            exists: !recorded.lineage.is_empty(),
        },
        config_hash: config_hash(),
        summary,
        changes,
        blockers,
        warnings,
    })
}

/// A resource's step, its attribute differences (updates and replaces) and
/// the reason shown for it.
type PlannedStep = (Step, Vec<AttrDiff>, String);

/// One resource's change: its attributes on both sides, the attribute
/// differences and the statements.
fn change(
    step: Step,
    id: &ResourceId,
    address: &str,
    had: Option<&RecordedResource>,
    want: Option<&Resource>,
    diffs: Vec<AttrDiff>,
    reason: String,
) -> Change {
    let before = had.map(|r| r.attrs.clone());
    let after = want.map(|r| r.attrs.clone());
    let action = action_of(step);
    let diffs = if matches!(step, Step::Create | Step::Drop) {
        whole(before.as_ref(), after.as_ref())
    } else if step == Step::Recreate && diffs.is_empty() {
        // Nothing differs: show what is created again, unchanged.
        after
            .iter()
            .flatten()
            .map(|(name, value)| AttrDiff {
                name: name.clone(),
                before: before.as_ref().and_then(|b| b.get(name)).cloned(),
                after: Some(value.clone()),
                forces_replacement: false,
            })
            .collect()
    } else {
        diffs
    };
    let sql = sql::plain(step, id, before.as_ref(), after.as_ref());
    // An update's statements are idempotent already, and so is a GRANT:
    // the same list.
    let recovery_sql = if step == Step::Update
        || (matches!(step, Step::Create | Step::Recreate) && sql::create_is_idempotent(id))
    {
        sql.clone()
    } else {
        sql::recovery(step, id, before.as_ref(), after.as_ref())
    };
    Change {
        address: address.to_string(),
        id: id.clone(),
        action,
        sql,
        recovery_sql,
        before,
        after,
        diffs,
        reason,
        depends_on: Vec::new(),
        role: None,
    }
}

/// A kind's exclusive value (the account's resource monitor) that the plan
/// moves from one resource to another: giving it replaces the holder, so it
/// is given after it was taken away (else the taking would leave none).
fn wait_for_exclusive_moves(
    waits: &mut [Vec<usize>],
    node_of: &[usize],
    actions: &[Action],
    graph: &Graph,
    wanted: &[Option<&Resource>],
    have: &[Option<&RecordedResource>],
) {
    let mut taking: Vec<(&'static str, usize)> = Vec::new();
    let mut giving: Vec<(&'static str, usize)> = Vec::new();
    for (k, &i) in node_of.iter().enumerate() {
        let kind = kinds::of(graph.id(i));
        let Some(exclusive) = kind.rules.exclusive else {
            continue;
        };
        let before = exclusive.held_by(have[i].map(|h| &h.attrs));
        let after = exclusive.held_by(wanted[i].map(|w| &w.attrs));
        if before && !after && actions[k] != Action::Drop {
            taking.push((kind.name(), k));
        } else if after && !before {
            giving.push((kind.name(), k));
        }
    }
    for &(kind, k) in &giving {
        for &(other, j) in &taking {
            if other == kind && !waits[k].contains(&j) {
                waits[k].push(j);
                waits[k].sort_unstable();
            }
        }
    }
}

/// An object created by another role than the one its statements assume
/// (ACCOUNTADMIN, to name a resource monitor) is handed to its owner in
/// the same change.
fn hand_over(change: &mut Change) {
    let kind = kinds::of(&change.id);
    let (Some(role), Some(after)) = (change.role.as_deref(), change.after.as_ref()) else {
        return;
    };
    if change.action != Action::Create || Some(role) == kind.admin_role || kind.create_as_owner {
        return;
    }
    let creator = Attrs::from([(
        kinds::OWNER.name.to_string(),
        crate::model::Value::Text(role.to_string()),
    )]);
    let recorded_owner_transfer = kinds::ownership_transfer(kind, &change.id, None, after);
    if let Some(transfer) = kinds::ownership_transfer(kind, &change.id, Some(&creator), after) {
        // Instead of the transfer from the administrative role, if any.
        for sql in [&mut change.sql, &mut change.recovery_sql] {
            if let Some(t) = &recorded_owner_transfer {
                sql.retain(|s| s != t);
            }
            sql.push(transfer.clone());
        }
    }
}

/// An object created by its owner role waits for what makes that role able
/// to create it: the grants to the role and its memberships.
fn link_owner_grants(graph: &mut Graph, ids: &[&ResourceId], wanted: &[Option<&Resource>]) {
    let mut owners: HashSet<ResourceId> = HashSet::new();
    let mut created_by: Vec<(&ResourceId, ResourceId)> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let kind = kinds::of(id);
        if !kind.create_as_owner {
            continue;
        }
        let owner = wanted[i]
            .and_then(|w| kinds::owner(kind, &w.attrs))
            .and_then(|o| match kinds::OWNER.ty {
                kinds::AttrType::Ref(meta) => kinds::parse_name(meta, &o),
                _ => None,
            });
        if let Some(owner) = owner {
            owners.insert(owner.clone());
            created_by.push((id, owner));
        }
    }
    if created_by.is_empty() {
        return;
    }
    let mut grants_to: HashMap<&ResourceId, Vec<&ResourceId>> = HashMap::new();
    for id in ids {
        if kinds::of(id).is_object() {
            continue;
        }
        for r in id.references() {
            if let Some(owner) = owners.get(&r) {
                grants_to.entry(owner).or_default().push(id);
            }
        }
    }
    for (id, owner) in &created_by {
        for grant in grants_to.get(owner).into_iter().flatten() {
            graph.depend(id, grant);
        }
    }
}

/// The role a change runs under: a grant (or membership) as the grants
/// role; an object's creation as its kind's administrative role (which
/// then hands ownership to the owner in the same change); its update,
/// replacement or drop as its recorded owner.
fn role_of(change: &Change, grants_role: &str) -> Option<String> {
    let kind = kinds::of(&change.id);
    if !kind.is_object() {
        return Some(grants_role.to_string());
    }
    // Naming an object only an account administrator may create (a
    // warehouse's resource monitor), or no longer naming it, takes that
    // role too (dropping the object does not).
    let admin_only = change.action != Action::Drop
        && change.diffs.iter().any(|d| {
            kind.attr(&d.name).is_some_and(|spec| match spec.ty {
                kinds::AttrType::Ref(meta) => {
                    kinds::of_meta(meta).admin_role == Some(kinds::ACCOUNT_ADMIN)
                }
                _ => false,
            })
        });
    if admin_only {
        return Some(kinds::ACCOUNT_ADMIN.to_string());
    }
    match (change.action, change.before.as_ref()) {
        (Action::Create, _) | (_, None) if kind.create_as_owner => {
            change.after.as_ref().and_then(|a| kinds::owner(kind, a))
        }
        (Action::Create, _) | (_, None) => kind.admin_role.map(str::to_string),
        (_, Some(before)) => kinds::owner(kind, before),
    }
}

fn action_of(step: Step) -> Action {
    match step {
        Step::Create => Action::Create,
        Step::Update => Action::Update,
        Step::Replace | Step::Recreate => Action::Replace,
        Step::Drop => Action::Drop,
    }
}

/// Below this many items a second thread costs more than it saves.
const PARALLEL_MIN: usize = 512;

/// `items.map(f)` in order, the second half on a second thread when there
/// are enough items to pay for it (plans of thousands of resources; the
/// machines pudo runs on have at least two cores).
pub(crate) fn parallel_map<T: Send, U: Send>(
    mut items: Vec<T>,
    f: &(impl Fn(T) -> U + Sync),
) -> Vec<U> {
    if items.len() < PARALLEL_MIN {
        return items.into_iter().map(f).collect();
    }
    let total = items.len();
    let second = items.split_off(total / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| second.into_iter().map(f).collect::<Vec<U>>());
        let mut out: Vec<U> = Vec::with_capacity(total);
        out.extend(items.into_iter().map(f));
        match other.join() {
            Ok(rest) => out.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        out
    })
}

/// Kahn's algorithm over the change dependencies; among ready changes,
/// non-drops first in creation order, then drops in reverse creation order.
fn schedule(actions: &[Action], waits: &[Vec<usize>], ranks: &[usize]) -> Vec<usize> {
    let n = actions.len();
    let mut missing: Vec<usize> = waits.iter().map(Vec::len).collect();
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, deps) in waits.iter().enumerate() {
        for &j in deps {
            unblocks[j].push(i);
        }
    }
    let key = |i: usize| {
        if actions[i] == Action::Drop {
            (1u8, usize::MAX - ranks[i])
        } else {
            (0u8, ranks[i])
        }
    };
    let mut ready: BinaryHeap<Reverse<((u8, usize), usize)>> = (0..n)
        .filter(|&i| missing[i] == 0)
        .map(|i| Reverse((key(i), i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &k in &unblocks[i] {
            missing[k] -= 1;
            if missing[k] == 0 {
                ready.push(Reverse((key(k), k)));
            }
        }
    }
    debug_assert_eq!(
        order.len(),
        n,
        "change dependencies follow an acyclic graph"
    );
    order
}

/// Does dropping `parent` (being replaced) remove `dependent` with it?
/// Each kind says (databases take their schemas and the grants on them;
/// schemas take the grants on them).
fn cascades(parent: &ResourceId, dependent: &ResourceId) -> bool {
    (kinds::of(dependent).dropped_with)(parent, dependent)
}

/// Every attribute on one side, as diffs (for creates and drops).
fn whole(before: Option<&Attrs>, after: Option<&Attrs>) -> Vec<AttrDiff> {
    let side = before.or(after).expect("one side");
    side.iter()
        .map(|(name, value)| AttrDiff {
            name: name.clone(),
            before: before.map(|_| value.clone()),
            after: after.map(|_| value.clone()),
            forces_replacement: false,
        })
        .collect()
}

fn update_reason(diffs: &[AttrDiff], names: &[&str]) -> String {
    let unmanaged: Vec<&str> = diffs
        .iter()
        .filter(|d| d.after.is_none())
        .map(|d| d.name.as_str())
        .collect();
    if !unmanaged.is_empty() && unmanaged.len() == diffs.len() {
        format!("`{}` no longer managed", unmanaged.join("`, `"))
    } else {
        format!("`{}` changed", names.join("`, `"))
    }
}

/// Attribute differences between a recorded and a desired resource. An
/// attribute absent from the configuration is unmanaged: it differs only if
/// it was recorded (then it stops being managed, with UNSET where Snowflake
/// has one). Create-only attributes are never compared; a change of one
/// that cannot change in place forces a replacement.
pub(crate) fn compare(id: &ResourceId, before: &Attrs, after: &Attrs) -> Vec<AttrDiff> {
    let kind = kinds::of(id);
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let spec = kind.attr(name);
        // Create-only settings are never compared; a lifecycle state
        // changes by its own steps (plan::lifecycle).
        if spec.is_some_and(|s| matches!(s.change, AttrChange::CreateOnly | AttrChange::Lifecycle))
        {
            continue;
        }
        let (b, a) = (before.get(name), after.get(name));
        if b == a {
            continue;
        }
        let forces_replacement = match (spec, a) {
            // Compared with what the object was created with (an absent
            // flag = false).
            (Some(spec), Some(want)) if spec.change == AttrChange::Replace => {
                b.cloned().or_else(|| spec.ty.absent()) != Some(want.clone())
            }
            _ => false,
        };
        out.push(AttrDiff {
            name: name.clone(),
            before: b.cloned(),
            after: a.cloned(),
            forces_replacement,
        });
    }
    out
}

/// `sha256:<hex>` of the canonical desired resources `stack` owns (ids and
/// attributes, in id order). Equal configurations give equal hashes
/// whatever the YAML looked like.
pub fn config_hash(desired: &Model, stack: &StackName) -> String {
    /// Feeds serialized JSON straight into the hash (no buffer per resource).
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = HashWriter(Sha256::new());
    // Each id and attribute map is one JSON object: their concatenation is
    // unambiguous.
    for resource in desired.owned_by(stack) {
        serde_json::to_writer(&mut writer, &resource.id).expect("ids serialize");
        serde_json::to_writer(&mut writer, &resource.attrs).expect("attrs serialize");
    }
    let digest = writer.0.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use crate::plan::fixtures::*;

    fn summary(plan: &Plan) -> Vec<String> {
        plan.changes
            .iter()
            .map(|c| format!("{} {}", c.action.symbol(), c.address))
            .collect()
    }

    #[test]
    fn empty_state_creates_in_dependency_order_and_never_touches_shared() {
        let m = model();
        let shared = applied(&m, &StackName::shared());
        let plan = diff(&m, &dev(), &State::empty(&dev()), Some(&shared)).unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                "+ role.PUDO_DEV_ROLE",
                "+ grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.SHARED_DATA",
                "+ role_grant.PUDO_DEV_ROLE.SYSADMIN",
                "+ schema.PUDO_MLOPS.FEATURE_STORE_DEV",
                "+ schema.PUDO_MLOPS.PUDO_DEV",
                "+ grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV",
                "+ warehouse.PUDO_DEV_WH",
                "+ grant.PUDO_DEV_ROLE.warehouse.PUDO_DEV_WH",
            ]
        );
        assert!(plan.blockers.is_empty());
        assert_eq!(
            plan.summary,
            Summary {
                create: 8,
                ..Summary::default()
            }
        );
        let g = plan
            .change("grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV")
            .unwrap();
        assert_eq!(
            g.depends_on,
            vec!["role.PUDO_DEV_ROLE", "schema.PUDO_MLOPS.PUDO_DEV"]
        );
        assert_eq!(
            g.sql,
            vec!["GRANT CREATE TABLE, USAGE ON SCHEMA PUDO_MLOPS.PUDO_DEV TO ROLE PUDO_DEV_ROLE"]
        );
        // The shared schema is a dependency, not a change.
        let s = plan
            .change("grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.SHARED_DATA")
            .unwrap();
        assert_eq!(s.depends_on, vec!["role.PUDO_DEV_ROLE"]);
        for (i, deps) in plan.dependency_indices().iter().enumerate() {
            assert!(deps.iter().all(|&d| d < i), "ordered");
        }
        let wh = plan.change("warehouse.PUDO_DEV_WH").unwrap();
        assert_eq!(
            wh.sql,
            vec![
                "CREATE WAREHOUSE PUDO_DEV_WH WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 INITIALLY_SUSPENDED = TRUE"
            ]
        );
    }

    #[test]
    fn missing_shared_dependencies_block_the_env_plan() {
        let m = model();
        let plan = diff(
            &m,
            &dev(),
            &State::empty(&dev()),
            Some(&State::empty(&StackName::shared())),
        )
        .unwrap();
        let blocked: Vec<&str> = plan.blockers.iter().map(|b| b.address.as_str()).collect();
        assert_eq!(
            blocked,
            vec!["database.PUDO_MLOPS", "schema.PUDO_MLOPS.SHARED_DATA"]
        );
        assert!(
            plan.blockers[0]
                .hint
                .as_ref()
                .unwrap()
                .contains("pudo plan -e shared")
        );
        assert!(
            plan.changes
                .iter()
                .all(|c| !c.address.contains("SHARED_DATA") || c.address.starts_with("grant."))
        );

        let shared = diff(
            &m,
            &StackName::shared(),
            &State::empty(&StackName::shared()),
            None,
        )
        .unwrap();
        assert_eq!(
            summary(&shared),
            vec!["+ database.PUDO_MLOPS", "+ schema.PUDO_MLOPS.SHARED_DATA"]
        );
        assert!(shared.blockers.is_empty());
        assert_eq!(shared.environment, None);
    }

    #[test]
    fn identical_config_and_state_give_an_empty_plan() {
        let m = model();
        for stack in [dev(), StackName::shared()] {
            let plan = diff(
                &m,
                &stack,
                &applied(&m, &stack),
                Some(&applied(&m, &StackName::shared())),
            )
            .unwrap();
            assert!(plan.is_empty(), "{stack}: {:?}", summary(&plan));
            assert_eq!(plan.state.serial, 3);
        }
    }

    #[test]
    fn updates_set_unset_and_stop_managing() {
        let m = model();
        let mut state = applied(&m, &dev());
        let mut want = m.clone();
        // Recorded comment and size, now unmanaged; auto_suspend changed;
        // initially_suspended changed (create-only: ignored).
        let wh_id = wh("PUDO_DEV_WH");
        state.upsert(
            wh_id.clone(),
            attrs(&[
                ("size", text("XSMALL")),
                ("auto_suspend", Value::Int(60)),
                ("comment", text("old")),
                ("initially_suspended", Value::Bool(true)),
            ]),
        );
        want.resources.get_mut(&wh_id).unwrap().attrs = attrs(&[
            ("auto_suspend", Value::Int(300)),
            ("initially_suspended", Value::Bool(false)),
        ]);
        let plan = diff(
            &want,
            &dev(),
            &state,
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        assert_eq!(summary(&plan), vec!["~ warehouse.PUDO_DEV_WH"]);
        let c = &plan.changes[0];
        let names: Vec<&str> = c.diffs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["auto_suspend", "comment", "size"]);
        assert_eq!(
            c.sql,
            vec![
                "ALTER WAREHOUSE PUDO_DEV_WH SET AUTO_SUSPEND = 300",
                "ALTER WAREHOUSE PUDO_DEV_WH UNSET COMMENT",
            ]
        );

        // Only the size stops being managed: a change with no SQL, so the
        // state forgets it and the next plan is empty.
        let mut want2 = m.clone();
        want2
            .resources
            .get_mut(&wh_id)
            .unwrap()
            .attrs
            .remove("size");
        let plan = diff(
            &want2,
            &dev(),
            &applied(&m, &dev()),
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        assert_eq!(summary(&plan), vec!["~ warehouse.PUDO_DEV_WH"]);
        assert!(plan.changes[0].sql.is_empty());
        assert!(plan.changes[0].reason.contains("no longer managed"));
    }

    #[test]
    fn a_warehouse_monitor_is_assigned_and_unassigned_as_accountadmin() {
        let m = model();
        let shared = applied(&m, &StackName::shared());
        let wh_id = wh("PUDO_DEV_WH");
        let mut state = applied(&m, &dev());
        let mut with_monitor = state.resources[&wh_id].attrs.clone();
        with_monitor.insert("resource_monitor".into(), text("CAP"));
        state.upsert(wh_id.clone(), with_monitor);
        // Unassigned: an update run as ACCOUNTADMIN.
        let plan = diff(&m, &dev(), &state, Some(&shared)).unwrap();
        let c = plan.change("warehouse.PUDO_DEV_WH").unwrap();
        assert_eq!(
            c.sql,
            ["ALTER WAREHOUSE PUDO_DEV_WH UNSET RESOURCE_MONITOR"]
        );
        assert_eq!(c.role.as_deref(), Some("ACCOUNTADMIN"));
        // Dropped: as its owner, whatever monitor it had.
        let mut gone = m.clone();
        gone.resources.retain(|id, _| {
            !id.is(&crate::kinds::warehouse::META) && !id.references().contains(&wh_id)
        });
        let plan = diff(&gone, &dev(), &state, Some(&shared)).unwrap();
        let c = plan.change("warehouse.PUDO_DEV_WH").unwrap();
        assert_eq!(c.action, Action::Drop);
        assert_eq!(c.role.as_deref(), Some("SYSADMIN"));
    }

    #[test]
    fn grants_diff_as_privilege_deltas() {
        let m = model();
        let mut want = m.clone();
        let g = grant("PUDO_DEV_ROLE", on_schema("PUDO_MLOPS", "PUDO_DEV"));
        want.resources.get_mut(&g).unwrap().attrs = privs(&["MONITOR", "USAGE"]);
        let plan = diff(
            &want,
            &dev(),
            &applied(&m, &dev()),
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        assert_eq!(
            summary(&plan),
            vec!["~ grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV"]
        );
        assert_eq!(
            plan.changes[0].sql,
            vec![
                "GRANT MONITOR ON SCHEMA PUDO_MLOPS.PUDO_DEV TO ROLE PUDO_DEV_ROLE",
                "REVOKE CREATE TABLE ON SCHEMA PUDO_MLOPS.PUDO_DEV FROM ROLE PUDO_DEV_ROLE",
            ]
        );
    }

    #[test]
    fn transient_change_replaces_and_recreates_what_lives_inside() {
        let m = model();
        let mut want = m.clone();
        let s = schema("PUDO_MLOPS", "PUDO_DEV");
        want.resources.get_mut(&s).unwrap().attrs = attrs(&[("transient", Value::Bool(true))]);
        let plan = diff(
            &want,
            &dev(),
            &applied(&m, &dev()),
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                "-/+ schema.PUDO_MLOPS.PUDO_DEV",
                "-/+ grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV",
            ]
        );
        assert_eq!(
            plan.changes[0].sql,
            vec![
                "DROP SCHEMA PUDO_MLOPS.PUDO_DEV",
                "CREATE TRANSIENT SCHEMA PUDO_MLOPS.PUDO_DEV"
            ]
        );
        assert!(plan.changes[0].diffs[0].forces_replacement);
        // The grant went with the schema: granted again, not dropped again.
        assert_eq!(
            plan.changes[1].sql,
            vec!["GRANT CREATE TABLE, USAGE ON SCHEMA PUDO_MLOPS.PUDO_DEV TO ROLE PUDO_DEV_ROLE"]
        );
        assert_eq!(
            plan.changes[1].depends_on,
            vec!["schema.PUDO_MLOPS.PUDO_DEV"]
        );
        assert_eq!(plan.summary.replace, 2);
    }

    #[test]
    fn drops_run_in_reverse_order_after_dependents() {
        let m = model();
        let mut want = m.clone();
        let s = schema("PUDO_MLOPS", "PUDO_DEV");
        let g = grant("PUDO_DEV_ROLE", on_schema("PUDO_MLOPS", "PUDO_DEV"));
        want.resources.remove(&s);
        want.resources.remove(&g);
        // And a new schema, created before anything is dropped.
        let n = schema("PUDO_MLOPS", "NEW");
        want.resources.insert(
            n.clone(),
            Resource {
                id: n,
                stack: dev(),
                attrs: Attrs::new(),
                origin: None,
            },
        );
        let plan = diff(
            &want,
            &dev(),
            &applied(&m, &dev()),
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                "+ schema.PUDO_MLOPS.NEW",
                "- grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV",
                "- schema.PUDO_MLOPS.PUDO_DEV",
            ]
        );
        assert_eq!(
            plan.changes[2].depends_on,
            vec!["grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV"]
        );
        assert_eq!(plan.changes[2].sql, vec!["DROP SCHEMA PUDO_MLOPS.PUDO_DEV"]);
        assert_eq!(
            plan.changes[2].recovery_sql,
            vec!["DROP SCHEMA IF EXISTS PUDO_MLOPS.PUDO_DEV"]
        );
        assert_eq!(
            plan.changes[1].sql,
            vec![
                "REVOKE CREATE TABLE, USAGE ON SCHEMA PUDO_MLOPS.PUDO_DEV FROM ROLE PUDO_DEV_ROLE"
            ]
        );
    }

    #[test]
    fn replace_waits_for_dropped_dependents() {
        // Shared stack: the database becomes transient while one of its
        // recorded schemas is removed from the configuration.
        let shared = StackName::shared();
        let m = model();
        let mut state = applied(&m, &shared);
        let old = schema("PUDO_MLOPS", "OLD");
        state.upsert(old.clone(), Attrs::new());
        let mut want = m.clone();
        want.resources
            .get_mut(&db("PUDO_MLOPS"))
            .unwrap()
            .attrs
            .insert("transient".into(), Value::Bool(true));
        let plan = diff(&want, &shared, &state, None).unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                "- schema.PUDO_MLOPS.OLD",
                "-/+ database.PUDO_MLOPS",
                "-/+ schema.PUDO_MLOPS.SHARED_DATA"
            ]
        );
        assert_eq!(plan.changes[1].depends_on, vec!["schema.PUDO_MLOPS.OLD"]);
        assert!(
            plan.warnings[0].contains("schema.PUDO_MLOPS.PUDO_DEV"),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn a_resource_moved_to_another_stack_is_not_dropped() {
        let m = model();
        let mut state = applied(&m, &dev());
        state.upsert(schema("PUDO_MLOPS", "SHARED_DATA"), Attrs::new());
        let plan = diff(&m, &dev(), &state, Some(&applied(&m, &StackName::shared()))).unwrap();
        assert!(plan.is_empty());
        assert_eq!(plan.blockers.len(), 1);
        assert!(
            plan.blockers[0]
                .message
                .contains("gives it to stack `shared`")
        );
    }

    #[test]
    fn config_hash_depends_on_content_only() {
        let m = model();
        let a = config_hash(&m, &dev());
        assert_eq!(a, config_hash(&m.clone(), &dev()));
        assert!(a.starts_with("sha256:") && a.len() == 71);
        let mut changed = m.clone();
        changed
            .resources
            .get_mut(&role("PUDO_DEV_ROLE"))
            .unwrap()
            .attrs
            .insert("comment".into(), text("x"));
        assert_ne!(a, config_hash(&changed, &dev()));
        assert_ne!(a, config_hash(&m, &StackName::shared()));
    }

    #[test]
    fn saved_plan_round_trips() {
        let m = model();
        let plan = diff(&m, &dev(), &State::empty(&dev()), None).unwrap();
        let back = Plan::from_json(&plan.to_json(), "p.json").unwrap();
        assert_eq!(back, plan);
        let err = Plan::from_json("{\"format_version\": 7}", "p.json").unwrap_err();
        assert!(err.to_string().contains("plan format 7"));
    }
}
