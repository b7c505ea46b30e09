//! The dependency graph of resources (petgraph): edges from references,
//! creation order, reverse order for drops, cycle reports.

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}
