//! `pudo plan`: desired configuration x recorded state -> plan, rendered to
//! stdout, optionally saved with `--out`.

use super::Context;
use crate::cli::PlanArgs;
use crate::environment::Resolution;
use crate::error::{Error, Result};
use crate::model::{Model, StackName};
use crate::plan::{self, Plan};
use crate::render::{OutputFormat, PlanOptions};
use crate::state::StateStore;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: PlanArgs) -> Result<ExitCode> {
    if args.compact && args.format != OutputFormat::Human {
        return Err(Error::usage_with_hint(
            "`--compact` shapes the human format only",
            "drop `--compact`, or use `--format human`",
        ));
    }
    if args.refresh {
        return super::drift_cmd::plan_refresh(ctx, &args);
    }
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let model = project.resolve(&resolution.stack)?;
    let plan = build_from(&model, &resolution, &|stack| {
        ctx.state_store(&project, &resolution, stack)
    })?;

    let options = PlanOptions {
        max_bytes: args.max_bytes,
        full_plan_url: args.full_plan_url.clone(),
        compact: args.compact,
    };
    print!("{}", crate::render::plan_with(&plan, args.format, &options));

    if let Some(out) = &args.out {
        super::write_plan_file(&plan, out)?;
        eprintln!(
            "Saved the plan to `{}`; `pudo apply {}` applies exactly this plan.",
            out.display(),
            out.display()
        );
    }
    if args.detailed_exitcode && !plan.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan of `resolution.stack`: reads `state/<stack>.json` (and, for an
/// environment, `state/shared.json`), diffs, and names the branch.
pub fn build(root: &Path, model: &Model, resolution: &Resolution) -> Result<Plan> {
    build_from(model, resolution, &|stack| Ok(StateStore::new(root, stack)))
}

/// [`build`] with the state stores `open` gives (any backend).
pub fn build_from(
    model: &Model,
    resolution: &Resolution,
    open: &dyn Fn(&StackName) -> Result<StateStore>,
) -> Result<Plan> {
    let stack = &resolution.stack;
    let recorded = open(stack)?.load()?;
    let shared = if stack.is_shared() {
        None
    } else {
        Some(open(&StackName::shared())?.load()?)
    };
    let mut plan = plan::diff(model, stack, &recorded, shared.as_ref())?;
    plan.environment = resolution.environment.clone();
    plan.branch = resolution.branch.as_ref().map(|(name, _)| name.clone());
    Ok(plan)
}
