//! The dependency graph of resources (petgraph): edges from references,
//! creation order, reverse order for drops, cycle reports.
//!
//! Nodes are resource ids; an edge `a -> b` means "`b` needs `a`" (a schema
//! needs its database, a grant its role and its target). References to
//! objects outside the node set (system roles, external objects, resources of
//! another stack) are not edges: whoever builds the graph checks those
//! separately. Every order this module returns is deterministic: among
//! resources that could go next, the smallest address goes first.

use crate::hash::{FastMap, FxHasher};
use crate::kinds::role_grant;
use crate::model::{Model, ResourceId};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasherDefault;

/// The [`FxHasher`] hash of an id.
fn hash_of(id: &ResourceId) -> u64 {
    use std::hash::BuildHasher;
    BuildHasherDefault::<FxHasher>::default().hash_one(id)
}

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Members in dependency order, the first repeated at the end.
    #[error(
        "dependency cycle: {}\n  hint: a resource cannot depend on itself, even through others; remove one of these references",
        .0.join(" -> ")
    )]
    Cycle(Vec<String>),
}

/// Resources and the references between them.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    graph: DiGraph<ResourceId, ()>,
    addresses: Vec<String>,
    /// Node by the hash of its id (ids are not cloned a second time as
    /// keys); a node whose hash was taken already is in `collided`.
    index: FastMap<u64, NodeIndex>,
    collided: Vec<NodeIndex>,
}

impl Graph {
    /// A graph over `ids`, with an edge for every reference between two of
    /// them. Role memberships (`GRANT ROLE a TO ROLE b`) also get an edge
    /// from the membership granting `b` upwards, so that a cycle in the role
    /// hierarchy is reported like any other cycle.
    pub fn build<'a>(ids: impl IntoIterator<Item = &'a ResourceId>) -> Graph {
        let ids = ids.into_iter();
        let mut graph = Graph::default();
        let expected = ids.size_hint().0;
        graph.graph.reserve_nodes(expected);
        graph.addresses.reserve(expected);
        graph.index.reserve(expected);
        for id in ids {
            graph.add_node(id);
        }
        let mut memberships_by_role: FastMap<&crate::model::Ident, Vec<NodeIndex>> =
            FastMap::default();
        for (idx, id) in graph.graph.node_indices().zip(graph.graph.node_weights()) {
            if id.is(&role_grant::META) {
                let (role, _) = role_grant::roles(id);
                memberships_by_role.entry(role).or_default().push(idx);
            }
        }
        let mut edges = Vec::new();
        for idx in graph.graph.node_indices() {
            let id = &graph.graph[idx];
            for reference in id.references() {
                if let Some(dep) = graph.find(&reference) {
                    edges.push((dep, idx));
                }
            }
            // `a TO b` and `b TO a` together make a cycle in the role
            // hierarchy, which Snowflake refuses: `a TO b` needs every
            // membership of `b` in place... and the other way round.
            if id.is(&role_grant::META) {
                let (_, parent) = role_grant::roles(id);
                for &upper in memberships_by_role.get(parent).into_iter().flatten() {
                    edges.push((upper, idx));
                }
            }
        }
        // `update_edge` scans the source's edges (quadratic for a database
        // with 10,000 schemas): dedup first, then add.
        edges.sort_unstable();
        edges.dedup();
        graph.graph.reserve_edges(edges.len());
        for (from, to) in edges {
            graph.graph.add_edge(from, to, ());
        }
        graph
    }

    /// The graph of every resource in a model (all stacks), for `pudo graph`.
    pub fn of_model(model: &Model) -> Graph {
        let mut graph = Graph::build(model.resources.keys());
        for r in model.resources.values() {
            graph.link_attribute_references(&r.id, &r.attrs);
        }
        graph
    }

    /// `dependent` waits for `dependency`, when both are nodes.
    pub fn depend(&mut self, dependent: &ResourceId, dependency: &ResourceId) {
        if let (Some(to), Some(from)) = (self.find(dependent), self.find(dependency)) {
            self.graph.update_edge(from, to, ());
        }
    }

    /// Adds the edges from the objects `id`'s attributes name (a task's
    /// warehouse) to `id`, for those that are nodes of this graph.
    pub fn link_attribute_references(&mut self, id: &ResourceId, attrs: &crate::model::Attrs) {
        let refs = crate::kinds::attr_references_of(crate::kinds::of(id), Some(id), attrs);
        if refs.is_empty() {
            return;
        }
        let Some(to) = self.find(id) else { return };
        for r in refs {
            if let Some(from) = self.find(&r) {
                self.graph.update_edge(from, to, ());
            }
        }
    }

    fn add_node(&mut self, id: &ResourceId) -> NodeIndex {
        self.add_node_hashed(hash_of(id), id)
    }

    fn add_node_hashed(&mut self, hash: u64, id: &ResourceId) -> NodeIndex {
        if let Some(idx) = self.find_hashed(hash, id) {
            return idx;
        }
        self.addresses.push(id.address());
        let idx = self.graph.add_node(id.clone());
        if let std::collections::hash_map::Entry::Vacant(slot) = self.index.entry(hash) {
            slot.insert(idx);
        } else {
            self.collided.push(idx);
        }
        idx
    }

    fn find(&self, id: &ResourceId) -> Option<NodeIndex> {
        self.find_hashed(hash_of(id), id)
    }

    fn find_hashed(&self, hash: u64, id: &ResourceId) -> Option<NodeIndex> {
        match self.index.get(&hash) {
            None => None,
            Some(&idx) if self.graph[idx] == *id => Some(idx),
            Some(_) => self
                .collided
                .iter()
                .copied()
                .find(|&idx| self.graph[idx] == *id),
        }
    }

    /// Adds `dependent` needs `dependency` (both added as nodes if absent).
    /// For graphs built by hand (tests, callers with extra ordering rules).
    pub fn add_dependency(&mut self, dependent: &ResourceId, dependency: &ResourceId) {
        let to = self.add_node(dependent);
        let from = self.add_node(dependency);
        self.graph.update_edge(from, to, ());
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    pub fn contains(&self, id: &ResourceId) -> bool {
        self.find(id).is_some()
    }

    /// Every node, in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = &ResourceId> {
        self.graph.node_weights()
    }

    /// Every edge as (dependency, dependent).
    pub fn edges(&self) -> impl Iterator<Item = (&ResourceId, &ResourceId)> {
        self.graph
            .raw_edges()
            .iter()
            .map(|e| (&self.graph[e.source()], &self.graph[e.target()]))
    }

    /// What `id` needs (direct references inside the graph), by address.
    pub fn dependencies(&self, id: &ResourceId) -> Vec<&ResourceId> {
        self.neighbours(id, Direction::Incoming)
    }

    /// What needs `id` (direct), by address.
    pub fn dependents(&self, id: &ResourceId) -> Vec<&ResourceId> {
        self.neighbours(id, Direction::Outgoing)
    }

    fn neighbours(&self, id: &ResourceId, direction: Direction) -> Vec<&ResourceId> {
        let Some(idx) = self.find(id) else {
            return Vec::new();
        };
        let mut out: Vec<NodeIndex> = self.graph.neighbors_directed(idx, direction).collect();
        out.sort_by(|a, b| self.addresses[a.index()].cmp(&self.addresses[b.index()]));
        out.dedup();
        out.into_iter().map(|i| &self.graph[i]).collect()
    }

    /// The node number of `id` (for the index-based accessors below).
    pub fn index(&self, id: &ResourceId) -> Option<usize> {
        self.find(id).map(|i| i.index())
    }

    /// The resource of node `i`.
    pub fn id(&self, i: usize) -> &ResourceId {
        &self.graph[NodeIndex::new(i)]
    }

    /// The address of node `i` (computed once, at insertion).
    pub fn address(&self, i: usize) -> &str {
        &self.addresses[i]
    }

    /// Nodes that node `i` needs (unordered).
    pub fn dependencies_of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(i), Direction::Incoming)
            .map(|n| n.index())
    }

    /// Nodes that need node `i` (unordered).
    pub fn dependents_of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(i), Direction::Outgoing)
            .map(|n| n.index())
    }

    /// Creation order: every resource after everything it needs; among those
    /// ready at the same time, the smallest address first.
    pub fn creation_order(&self) -> Result<Vec<&ResourceId>, GraphError> {
        Ok(self
            .creation_order_indices()?
            .into_iter()
            .map(|i| self.id(i))
            .collect())
    }

    /// [`creation_order`](Self::creation_order) as node numbers.
    pub fn creation_order_indices(&self) -> Result<Vec<usize>, GraphError> {
        let n = self.graph.node_count();
        let mut missing: Vec<usize> = self
            .graph
            .node_indices()
            .map(|i| {
                self.graph
                    .neighbors_directed(i, Direction::Incoming)
                    .count()
            })
            .collect();
        // Ready nodes leave in address order. The heap holds each node's
        // rank in that order: one sort of the addresses instead of string
        // comparisons at every push and pop.
        let mut by_address: Vec<usize> = (0..n).collect();
        by_address.sort_unstable_by(|&a, &b| {
            (self.addresses[a].as_str(), a).cmp(&(self.addresses[b].as_str(), b))
        });
        let mut rank = vec![0usize; n];
        for (r, &i) in by_address.iter().enumerate() {
            rank[i] = r;
        }
        let mut ready: BinaryHeap<Reverse<usize>> = self
            .graph
            .node_indices()
            .filter(|i| missing[i.index()] == 0)
            .map(|i| Reverse(rank[i.index()]))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(r)) = ready.pop() {
            let i = by_address[r];
            let idx = NodeIndex::new(i);
            order.push(i);
            for next in self.graph.neighbors_directed(idx, Direction::Outgoing) {
                missing[next.index()] -= 1;
                if missing[next.index()] == 0 {
                    ready.push(Reverse(rank[next.index()]));
                }
            }
        }
        if order.len() < n {
            return Err(GraphError::Cycle(self.find_cycle()));
        }
        Ok(order)
    }

    /// Drop order: the creation order reversed (dependents go first).
    pub fn drop_order(&self) -> Result<Vec<&ResourceId>, GraphError> {
        let mut order = self.creation_order()?;
        order.reverse();
        Ok(order)
    }

    /// Fails with the members of a cycle if there is one.
    pub fn check_acyclic(&self) -> Result<(), GraphError> {
        self.creation_order().map(|_| ())
    }

    /// One cycle, as addresses in dependency order, the first repeated at
    /// the end. Starts at the smallest address of the first strongly
    /// connected component that holds a cycle.
    fn find_cycle(&self) -> Vec<String> {
        let sccs = petgraph::algo::tarjan_scc(&self.graph);
        let Some(component) = sccs
            .iter()
            .filter(|c| {
                c.len() > 1 || self.graph.find_edge(c[0], c[0]).is_some() // self loop
            })
            .min_by(|a, b| self.min_address(a).cmp(self.min_address(b)))
        else {
            return Vec::new();
        };
        let in_component = |i: NodeIndex| component.contains(&i);
        let start = *component
            .iter()
            .min_by(|a, b| self.addresses[a.index()].cmp(&self.addresses[b.index()]))
            .expect("non-empty component");
        // Walk the edges inside the component, smallest address first, until a
        // node repeats; the walk from that node's first visit is the cycle.
        let mut path = vec![start];
        loop {
            let current = *path.last().expect("non-empty path");
            let next = self
                .graph
                .neighbors_directed(current, Direction::Outgoing)
                .filter(|&i| in_component(i))
                .min_by(|a, b| self.addresses[a.index()].cmp(&self.addresses[b.index()]))
                .expect("every member of a cycle has a successor in it");
            if let Some(pos) = path.iter().position(|&p| p == next) {
                let mut cycle: Vec<String> = path[pos..]
                    .iter()
                    .map(|i| self.addresses[i.index()].clone())
                    .collect();
                cycle.push(self.addresses[next.index()].clone());
                return cycle;
            }
            path.push(next);
        }
    }

    fn min_address(&self, component: &[NodeIndex]) -> &str {
        component
            .iter()
            .map(|i| self.addresses[i.index()].as_str())
            .min()
            .unwrap_or("")
    }

    /// Mermaid flowchart text (`graph LR`), dependencies pointing at their
    /// dependents. `label` decides each node's text and class.
    pub fn to_mermaid(&self, node: &dyn Fn(&ResourceId) -> NodeStyle) -> String {
        let mut out = String::from("graph LR\n");
        let mut ids: Vec<NodeIndex> = self.graph.node_indices().collect();
        ids.sort_by(|a, b| self.addresses[a.index()].cmp(&self.addresses[b.index()]));
        let mut classes: Vec<&'static str> = Vec::new();
        for (n, idx) in ids.iter().enumerate() {
            let style = node(&self.graph[*idx]);
            out.push_str(&format!("  n{n}[\"{}\"]", mermaid_escape(&style.label)));
            if let Some(class) = style.class {
                out.push_str(&format!(":::{class}"));
                if !classes.contains(&class) {
                    classes.push(class);
                }
            }
            out.push('\n');
        }
        let position: HashMap<NodeIndex, usize> =
            ids.iter().enumerate().map(|(n, &i)| (i, n)).collect();
        let mut edges: Vec<(usize, usize)> = self
            .graph
            .raw_edges()
            .iter()
            .map(|e| (position[&e.source()], position[&e.target()]))
            .collect();
        edges.sort();
        for (a, b) in edges {
            out.push_str(&format!("  n{a} --> n{b}\n"));
        }
        for class in classes {
            if let Some(def) = mermaid_class(class) {
                out.push_str(&format!("  classDef {class} {def}\n"));
            }
        }
        out
    }

    /// Graphviz dot text.
    pub fn to_dot(&self, node: &dyn Fn(&ResourceId) -> NodeStyle) -> String {
        let mut out = String::from("digraph pudo {\n  rankdir=LR;\n  node [shape=box];\n");
        let mut ids: Vec<NodeIndex> = self.graph.node_indices().collect();
        ids.sort_by(|a, b| self.addresses[a.index()].cmp(&self.addresses[b.index()]));
        for idx in &ids {
            let style = node(&self.graph[*idx]);
            let extra = match style.class {
                Some("external") => ", style=dashed",
                Some("create") => ", color=green",
                Some("update") => ", color=orange",
                Some("replace") => ", color=purple",
                Some("drop") => ", color=red, style=bold",
                _ => "",
            };
            out.push_str(&format!(
                "  \"{}\" [label=\"{}\"{extra}];\n",
                dot_escape(&self.addresses[idx.index()]),
                dot_escape(&style.label)
            ));
        }
        let mut edges: Vec<(&str, &str)> = self
            .graph
            .raw_edges()
            .iter()
            .map(|e| {
                (
                    self.addresses[e.source().index()].as_str(),
                    self.addresses[e.target().index()].as_str(),
                )
            })
            .collect();
        edges.sort();
        for (a, b) in edges {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\";\n",
                dot_escape(a),
                dot_escape(b)
            ));
        }
        out.push_str("}\n");
        out
    }
}

/// How a node is drawn: its text and an optional class (`create`,
/// `update`, `replace`, `drop`, `external`).
pub struct NodeStyle {
    pub label: String,
    pub class: Option<&'static str>,
}

fn mermaid_class(class: &str) -> Option<&'static str> {
    Some(match class {
        "create" => "fill:#e6ffed,stroke:#2da44e",
        "update" => "fill:#fff8c5,stroke:#bf8700",
        "replace" => "fill:#fbefff,stroke:#8250df",
        "drop" => "fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
        "external" => "fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:4",
        _ => return None,
    })
}

/// Mermaid labels are in double quotes; quotes and angle brackets become
/// entity codes so a hostile name cannot break out of the label.
pub fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds;
    use crate::model::Ident;

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn ids_with_the_same_hash_stay_apart() {
        let mut g = Graph::default();
        let (a, b, c) = (db("A"), db("B"), db("C"));
        let ia = g.add_node_hashed(7, &a);
        let ib = g.add_node_hashed(7, &b);
        assert_ne!(ia, ib);
        assert_eq!(g.find_hashed(7, &a), Some(ia));
        assert_eq!(g.find_hashed(7, &b), Some(ib));
        assert_eq!(g.find_hashed(7, &c), None);
        assert_eq!(g.add_node_hashed(7, &b), ib, "added once");
        assert_eq!(g.len(), 2);
    }
    fn db(n: &str) -> ResourceId {
        kinds::database::id(ident(n))
    }
    fn schema(d: &str, n: &str) -> ResourceId {
        kinds::schema::id(ident(d), ident(n))
    }
    fn role(n: &str) -> ResourceId {
        kinds::role::id(ident(n))
    }
    fn wh(n: &str) -> ResourceId {
        kinds::warehouse::id(ident(n))
    }
    fn member(r: &str, p: &str) -> ResourceId {
        kinds::role_grant::id(ident(r), ident(p))
    }

    fn addresses(ids: &[&ResourceId]) -> Vec<String> {
        ids.iter().map(|i| i.address()).collect()
    }

    #[test]
    fn creation_order_follows_references_then_address() {
        let grant = kinds::grant::id(ident("R"), schema("D", "S"));
        let ids = vec![
            grant.clone(),
            schema("D", "S"),
            wh("W"),
            role("R"),
            db("D"),
            schema("D", "A"),
            member("R", "SYSADMIN"),
        ];
        let g = Graph::build(&ids);
        let order = addresses(&g.creation_order().unwrap());
        assert_eq!(
            order,
            vec![
                "database.D",
                "role.R",
                "role_grant.R.SYSADMIN", // SYSADMIN is not a node: no edge
                "schema.D.A",
                "schema.D.S",
                "grant.R.schema.D.S",
                "warehouse.W",
            ]
        );
        let drops = addresses(&g.drop_order().unwrap());
        let mut reversed = order.clone();
        reversed.reverse();
        assert_eq!(drops, reversed);
        assert_eq!(
            addresses(&g.dependencies(&grant)),
            vec!["role.R", "schema.D.S"]
        );
        assert_eq!(
            addresses(&g.dependents(&db("D"))),
            vec!["schema.D.A", "schema.D.S"]
        );
    }

    #[test]
    fn order_does_not_depend_on_insertion_order() {
        let mut ids = vec![
            db("B"),
            db("A"),
            schema("A", "X"),
            schema("B", "X"),
            role("Z"),
        ];
        let first = addresses(&Graph::build(&ids).creation_order().unwrap());
        ids.reverse();
        let second = addresses(&Graph::build(&ids).creation_order().unwrap());
        assert_eq!(first, second);
    }

    #[test]
    fn cycle_names_every_member_in_order() {
        let mut g = Graph::default();
        g.add_dependency(&db("A"), &db("B"));
        g.add_dependency(&db("B"), &db("C"));
        g.add_dependency(&db("C"), &db("A"));
        g.add_dependency(&db("D"), &db("A"));
        let err = g.creation_order().unwrap_err();
        let GraphError::Cycle(members) = &err;
        // C needs... edges go dependency -> dependent: B -> A, C -> B, A -> C.
        assert_eq!(
            members,
            &vec!["database.A", "database.C", "database.B", "database.A"]
        );
        assert!(err.to_string().contains("database.A -> database.C"));
    }

    #[test]
    fn role_hierarchy_cycle_is_reported() {
        let ids = vec![role("A"), role("B"), member("A", "B"), member("B", "A")];
        let err = Graph::build(&ids).creation_order().unwrap_err();
        let GraphError::Cycle(members) = err;
        assert_eq!(
            members,
            vec!["role_grant.A.B", "role_grant.B.A", "role_grant.A.B"]
        );
    }

    #[test]
    fn mermaid_and_dot_escape_labels() {
        let ids = vec![db("\"a\"\"b\""), schema("\"a\"\"b\"", "S")];
        let g = Graph::build(&ids);
        let style = |id: &ResourceId| NodeStyle {
            label: id.address(),
            class: None,
        };
        let mermaid = g.to_mermaid(&style);
        assert!(
            mermaid.contains("n0[\"database.#quot;a#quot;#quot;b#quot;\"]"),
            "{mermaid}"
        );
        assert!(mermaid.contains("n0 --> n1"));
        let dot = g.to_dot(&style);
        assert!(dot.contains("\"database.\\\"a\\\"\\\"b\\\"\" -> "), "{dot}");
    }
}
