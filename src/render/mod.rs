//! Output renderers (human, json, markdown, mermaid) and the named styles.
//!
//! Renderers take values and return text; commands decide where it goes
//! (data to stdout, messages to stderr).

pub mod drift;
pub mod human;
pub mod markdown;
pub mod style;

use crate::plan::{Plan, Summary};

/// The output formats of plan and drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
    Markdown,
}

/// How a plan is rendered beyond its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Markdown: the most bytes the comment may take (see
    /// [`markdown::DEFAULT_MAX_BYTES`]).
    pub max_bytes: usize,
    /// Markdown: where the full plan is (a CI artifact or run page), linked
    /// from the line that counts the changes not shown.
    pub full_plan_url: Option<String>,
    /// Human: one line per change, no attributes and no SQL.
    pub compact: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            max_bytes: markdown::DEFAULT_MAX_BYTES,
            full_plan_url: None,
            compact: false,
        }
    }
}

/// A plan in the requested format, with the default options.
pub fn plan(plan: &Plan, format: OutputFormat) -> String {
    plan_with(plan, format, &PlanOptions::default())
}

/// A plan in the requested format.
pub fn plan_with(plan: &Plan, format: OutputFormat, options: &PlanOptions) -> String {
    match format {
        OutputFormat::Human => human::plan_with(plan, options.compact),
        OutputFormat::Json => plan.to_json(),
        OutputFormat::Markdown => markdown::plan_with(plan, options),
    }
}

/// The changes of a plan counted by resource kind (`change.id.kind()`) and
/// action, in the registry's rank order.
pub fn kind_counts(plan: &Plan) -> Vec<(&'static str, Summary)> {
    let mut counts: Vec<(u8, &'static str, Summary)> = Vec::new();
    for change in &plan.changes {
        let kind = change.id.kind();
        let i = match counts.iter().position(|(_, k, _)| *k == kind) {
            Some(i) => i,
            None => {
                counts.push((change.id.kind_meta().rank, kind, Summary::default()));
                counts.len() - 1
            }
        };
        counts[i].2.add(change.action);
    }
    counts.sort_by_key(|(rank, kind, _)| (*rank, *kind));
    counts.into_iter().map(|(_, k, s)| (k, s)).collect()
}
