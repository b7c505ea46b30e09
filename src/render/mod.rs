//! Output renderers (human, json, markdown, mermaid) and the named styles.
//!
//! Renderers take values and return text; commands decide where it goes
//! (data to stdout, messages to stderr).

pub mod drift;
pub mod human;
pub mod markdown;
pub mod style;

use crate::plan::Plan;

/// The output formats of plan and drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
    Markdown,
}

/// A plan in the requested format.
pub fn plan(plan: &Plan, format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => human::plan(plan),
        OutputFormat::Json => plan.to_json(),
        OutputFormat::Markdown => markdown::plan(plan),
    }
}
