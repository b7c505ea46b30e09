//! The checks that need the whole document read: references resolve,
//! `owners:` / `grants_role:` name roles that exist, the role hierarchy and
//! task graphs have no cycle.

use super::*;

impl Builder<'_> {
    pub(super) fn check_references(&mut self) {
        let refs = std::mem::take(&mut self.refs);
        for r in refs {
            if self.external_set.contains(&r.to) {
                continue;
            }
            // A schema of an external database is external too.
            // In a container listed as external (a schema of an external
            // database).
            if r.to
                .references()
                .iter()
                .any(|c| self.external_set.contains(c))
            {
                continue;
            }
            match self.resources.get(&r.to) {
                Some(target) => {
                    if r.from_shared && !target.stack.is_shared() {
                        let message = format!(
                            "shared `{}` refers to `{}`, which belongs to environment {}",
                            r.from,
                            r.to,
                            self.env.unwrap_or("?")
                        );
                        self.error(
                            r.at,
                            &r.path(),
                            message,
                            Some(
                                "a shared object may only refer to shared or external objects"
                                    .to_string(),
                            ),
                        );
                    }
                }
                None => {
                    let (message, hint) = self.undeclared(&r.to);
                    self.error(r.at, &r.path(), message, Some(hint));
                }
            }
        }
    }

    /// A database granted IMPORTED PRIVILEGES on comes from a share: listed
    /// under `external`, never declared (pudo does not create databases
    /// from shares).
    pub(super) fn check_imported(&mut self) {
        let imported = std::mem::take(&mut self.imported);
        for (db, at, path) in imported {
            if self.resources.contains_key(&db) {
                self.error(
                    at,
                    &path,
                    format!("`{db}` is declared here, so it does not come from a share: IMPORTED PRIVILEGES does not apply to it"),
                    Some("grant IMPORTED PRIVILEGES on a database created from a share and list it under `external: { databases: [...] }`; grant USAGE on a database pudo creates".to_string()),
                );
            }
        }
    }

    /// A kind's exclusive value (the account's resource monitor) is held by
    /// one resource at most, of the shared stack: each environment stack
    /// would take it from the others.
    pub(super) fn check_exclusive(&mut self) {
        let holders = std::mem::take(&mut self.exclusive);
        let mut first: HashMap<&'static str, (ResourceId, At)> = HashMap::new();
        for (id, shared, at, key) in holders {
            let kind = kinds::of(&id);
            let Some(exclusive) = kind.rules.exclusive else {
                continue;
            };
            let setting = format!("`{}: {}`", exclusive.attr, exclusive.value);
            if !shared {
                self.error(
                    at,
                    &key,
                    format!(
                        "`{id}` is {}, which belongs to the shared stack: every environment would take it from the others",
                        exclusive.what
                    ),
                    Some(format!(
                        "add `shared: true` to its entry (applied by an account administrator), or remove {setting}"
                    )),
                );
                continue;
            }
            match first.get(kind.name()) {
                Some((other, other_at)) => {
                    let place = format!("{}:{}", self.files.name(other_at.file), other_at.line);
                    let message = format!(
                        "`{id}` and `{other}` are both {}; the account has one",
                        exclusive.what
                    );
                    self.error(
                        at,
                        &key,
                        message,
                        Some(format!(
                            "keep {setting} on one of them (`{other}` at {place})"
                        )),
                    );
                }
                None => {
                    first.insert(kind.name(), (id, at));
                }
            }
        }
    }

    pub(super) fn undeclared(&self, to: &ResourceId) -> (String, String) {
        let kind = to.kind();
        let section = kinds::of(to).external.unwrap_or("roles");
        // `DB.SCHEMA` as written in messages (identifiers in SQL form).
        let display = |id: &ResourceId| -> String {
            id.parts()
                .iter()
                .filter_map(|p| match p {
                    Part::Name(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        let name = display(to);
        let candidates: Vec<String> = self
            .resources
            .keys()
            .chain(self.external.iter())
            .filter(|id| id.kind() == kind)
            .map(display)
            .collect();
        let suggestion = did_you_mean(&name, candidates.iter().map(String::as_str));
        let scope = if self.only_shared() { " as shared" } else { "" };
        let message =
            format!("{kind} `{name}` is not declared{scope} (nor listed under `external`)");
        let hint = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            // Kinds that cannot be external (a task's predecessors).
            None if kinds::of(to).external.is_none() => {
                format!("declare it: a {kind} names others of its kind in the same container")
            }
            None if self.only_shared() => format!(
                "a shared object may only refer to shared objects, system roles, or names listed under `external: {{ {section}: [...] }}`"
            ),
            None => format!(
                "declare it, or list it under `external: {{ {section}: [...] }}` if it exists outside pudo"
            ),
        };
        (message, hint)
    }

    /// Reports each cycle of `member_of` among declared roles, in order.
    pub(super) fn check_cycles(&mut self) {
        if self.member_edges.is_empty() {
            return;
        }
        let index: HashMap<&Ident, usize> =
            self.roles.iter().enumerate().map(|(i, r)| (r, i)).collect();
        let mut edges: Vec<Vec<(usize, At)>> = vec![Vec::new(); self.roles.len()];
        for (role, parent, at) in &self.member_edges {
            if let (Some(&a), Some(&b)) = (index.get(role), index.get(parent)) {
                edges[a].push((b, *at));
            }
        }
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; self.roles.len()];
        let mut found: Vec<(Vec<usize>, At)> = Vec::new();
        for start in 0..self.roles.len() {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&(child, at)) = edges[node].get(*next) {
                    *next += 1;
                    match state[child] {
                        0 => {
                            state[child] = 1;
                            stack.push((child, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            let cycle: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                            found.push((cycle, at));
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
        for (cycle, at) in found {
            let mut names: Vec<String> = cycle
                .iter()
                .map(|&i| format!("`{}`", self.roles[i]))
                .collect();
            names.push(names[0].clone());
            let first = &self.roles[cycle[0]];
            let last = &self.roles[*cycle.last().unwrap_or(&cycle[0])];
            self.error(
                at,
                &format!("roles.{last}.member_of"),
                format!("role hierarchy has a cycle: {}", names.join(" -> ")),
                Some(format!(
                    "a role cannot be granted to itself through its parents; remove `{first}` from `member_of` of `{last}` or break the chain elsewhere"
                )),
            );
        }
    }

    /// The roles of `owners:` / `grants_role:` exist (declared, external or
    /// system).
    pub(super) fn check_role_settings(&mut self) {
        for (id, at, path) in std::mem::take(&mut self.pending_roles) {
            if !self.resources.contains_key(&id) && !self.external_set.contains(&id) {
                let (message, hint) = self.undeclared(&id);
                self.error(at, &path, message, Some(hint));
            }
        }
    }

    /// Reports each cycle among objects that name others of their kind (a
    /// task graph must be acyclic), and predecessors with another owner
    /// (the tasks of a graph have one owner).
    pub(super) fn check_sibling_cycles(&mut self) {
        if self.sibling_edges.is_empty() {
            return;
        }
        let owner = |b: &Self, id: &ResourceId| {
            b.resources
                .get(id)
                .and_then(|r| r.attrs.get(kinds::OWNER.name))
                .cloned()
        };
        for (from, to, at, path) in self.sibling_edges.clone() {
            let (a, b) = (owner(self, &from), owner(self, &to));
            if a.is_some() && b.is_some() && a != b {
                self.error(
                    at,
                    &path,
                    format!("`{from}` and its predecessor `{to}` have different owners"),
                    Some("the tasks of a graph have one owner (set it with `owners.tasks` or on every task)".to_string()),
                );
            }
        }
        let mut next: HashMap<&ResourceId, Vec<usize>> = HashMap::new();
        for (k, (from, _, _, _)) in self.sibling_edges.iter().enumerate() {
            next.entry(from).or_default().push(k);
        }
        let mut reported: HashSet<&ResourceId> = HashSet::new();
        let mut found = Vec::new();
        for (start, _, _, _) in &self.sibling_edges {
            if reported.contains(start) {
                continue;
            }
            // Depth-first from `start` along predecessors, looking for it.
            let mut stack: Vec<(&ResourceId, Vec<usize>)> = vec![(start, Vec::new())];
            let mut seen: HashSet<&ResourceId> = HashSet::new();
            while let Some((node, trail)) = stack.pop() {
                for &k in next.get(node).into_iter().flatten() {
                    let to = &self.sibling_edges[k].1;
                    let mut t = trail.clone();
                    t.push(k);
                    if to == start {
                        for &e in &t {
                            reported.insert(&self.sibling_edges[e].0);
                        }
                        found.push(t);
                        stack.clear();
                        break;
                    }
                    if seen.insert(to) {
                        stack.push((to, t));
                    }
                }
            }
        }
        for trail in found {
            let names: Vec<String> = trail
                .iter()
                .map(|&k| format!("`{}`", self.sibling_edges[k].0))
                .chain(std::iter::once(format!(
                    "`{}`",
                    self.sibling_edges[trail[0]].0
                )))
                .collect();
            let (_, _, at, path) = self.sibling_edges[trail[0]].clone();
            self.error(
                at,
                &path,
                format!("a cycle: {}", names.join(" -> ")),
                Some("a task graph is acyclic: remove one of these predecessors".to_string()),
            );
        }
    }
}
