//! The plan: changes with actions, computed purely from desired x recorded.

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Invalid(String),
}
