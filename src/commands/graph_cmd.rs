//! `pudo graph`: the dependency graph of the environment's resources.

use super::Context;
use crate::cli::{GraphArgs, GraphFormat};
use crate::error::Result;
use crate::graph::{Graph, NodeStyle};
use crate::model::ResourceId;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: GraphArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let model = project.resolve(&resolution.stack)?;
    let graph = Graph::of_model(&model);
    graph.check_acyclic()?;
    let stack = &resolution.stack;
    let style = |id: &ResourceId| {
        let owner = model.resources.get(id).map(|r| &r.stack);
        match owner {
            Some(owner) if owner != stack => NodeStyle {
                label: format!("{} (stack {owner})", id.address()),
                class: Some("external"),
            },
            _ => NodeStyle {
                label: id.address(),
                class: None,
            },
        }
    };
    let text = match args.format {
        GraphFormat::Mermaid => graph.to_mermaid(&style),
        GraphFormat::Dot => graph.to_dot(&style),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
