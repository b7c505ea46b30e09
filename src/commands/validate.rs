//! `pudo validate`: every environment and the shared stack, offline.

use super::Context;
use crate::config::Diagnostics;
use crate::error::Result;
use std::process::ExitCode;

pub fn run(ctx: &Context) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let stacks = super::all_stacks(&project);
    let mut all = Diagnostics::default();
    let mut counts = Vec::new();
    for stack in &stacks {
        match project.resolve(stack) {
            Ok(model) => counts.push(format!("{stack} {}", model.owned_by(stack).count())),
            Err(diags) => {
                // The same base-file problem shows up in every environment;
                // report it once.
                for d in diags.0 {
                    if !all.0.contains(&d) {
                        all.push(d);
                    }
                }
            }
        }
    }
    if all.has_errors() {
        return Err(all.into());
    }
    eprintln!(
        "{} configuration is valid: {} stacks (resources: {})",
        crate::render::style::create().apply_to("ok:"),
        stacks.len(),
        counts.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}
