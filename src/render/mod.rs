//! Output renderers (human, json, markdown, mermaid) and the named styles.
//!
//! Renderers take values and return text; commands decide where it goes
//! (data to stdout, messages to stderr).

pub mod drift;
pub mod human;
pub mod markdown;
pub mod style;

use crate::cli::OutputFormat;
use crate::plan::Plan;

/// A plan in the requested format.
pub fn plan(plan: &Plan, format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => human::plan(plan),
        OutputFormat::Json => plan.to_json(),
        OutputFormat::Markdown => markdown::plan(plan),
    }
}
