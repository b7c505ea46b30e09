//! `pudo drift`: live Snowflake against the recorded state of a stack; and
//! `pudo plan --refresh`, which plans against live Snowflake. Both read the
//! live side with [`crate::live::read`] and compare with [`crate::drift`].

use super::Context;
use crate::cli::{DriftArgs, OutputFormat, PlanArgs};
use crate::config::Project;
use crate::connector::snowflake::SnowflakeConnector;
use crate::drift::{self, Naming, ReadStats, Refresh};
use crate::environment::Resolution;
use crate::error::{Error, Result};
use crate::live::{self, Live};
use crate::model::{ResourceId, StackName};
use crate::plan;
use std::collections::BTreeSet;
use std::process::ExitCode;

/// Sessions a live read uses at most.
pub const LIVE_SESSIONS: usize = 8;

/// The read-side pre-flight: stops when the user's roles cannot see every
/// recorded object (it would read as dropped). See docs/permissions.md.
fn check_read(recorded: &crate::state::State, connector: &SnowflakeConnector) -> Result<()> {
    let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in recorded.resources.values() {
        if let Some(owner) = crate::plan::lifecycle::owner_of(&r.attrs) {
            owners.entry(owner).or_default().push(r.address.clone());
        }
    }
    let (user, missing) = crate::apply::preflight::check_read(owners, connector)?;
    if missing.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = missing
        .iter()
        .map(|m| {
            format!(
                "  - `{}`, which owns `{}`",
                m.role,
                m.needed_by.join("`, `")
            )
        })
        .collect();
    Err(Error::usage_with_hint(
        format!(
            "user `{user}` cannot see every recorded object (they would read as dropped):\n{}",
            lines.join("\n")
        ),
        format!(
            "read with a user that holds SECURITYADMIN (MANAGE GRANTS sees every object), or run: {}",
            missing
                .iter()
                .map(|m| format!("GRANT ROLE {} TO USER {user};", m.role))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ))
}

pub fn run(ctx: &Context, args: DriftArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let stack = &resolution.stack;
    let recorded = ctx.state_store(&project, &resolution, stack)?.load()?;
    if recorded.is_empty() && !args.unmanaged {
        eprintln!(
            "Stack `{stack}` records nothing yet (no `state/{stack}.json` resources): nothing to compare."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let connector = connect(ctx, &resolution)?;
    check_read(&recorded, &connector)?;
    let ids: Vec<ResourceId> = recorded.resources.keys().cloned().collect();
    let live = live::read(&connector, &ids, args.unmanaged, LIVE_SESSIONS)?;
    let anywhere = recorded_anywhere(ctx, &project, &resolution)?;
    let naming = args.unmanaged.then(|| {
        let envs: Vec<String> = project
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        Naming::of(stack, &recorded, &envs)
    });
    let items = drift::compare(&recorded, &live, &anywhere, naming.as_ref());
    let report = drift::report(
        &recorded,
        resolution.environment.clone(),
        items,
        args.unmanaged,
        &live,
    );
    print!("{}", crate::render::drift::report(&report, args.format));
    eprintln!("{}", read_line(&live));
    Ok(if report.clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `pudo plan --refresh`: the plan against what Snowflake holds now.
pub fn plan_refresh(ctx: &Context, args: &PlanArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let stack = resolution.stack.clone();
    let model = project.resolve(&stack)?;
    let recorded = ctx.state_store(&project, &resolution, &stack)?.load()?;
    let shared = if stack.is_shared() {
        None
    } else {
        Some(
            ctx.state_store(&project, &resolution, &StackName::shared())?
                .load()?,
        )
    };
    let connector = connect(ctx, &resolution)?;
    check_read(&recorded, &connector)?;
    let ids: Vec<ResourceId> = model
        .owned_by(&stack)
        .map(|r| r.id.clone())
        .chain(recorded.resources.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let live = live::read(&connector, &ids, false, LIVE_SESSIONS)?;
    let (refreshed, to_import) = drift::refreshed_state(&model, &stack, &recorded, &live);
    let mut plan = plan::diff(&model, &stack, &refreshed, shared.as_ref())?;
    plan.environment = resolution.environment.clone();
    plan.branch = resolution.branch.as_ref().map(|(name, _)| name.clone());
    plan.blockers.extend(drift::import_blockers(&to_import));
    let desired: BTreeSet<&ResourceId> = model.owned_by(&stack).map(|r| &r.id).collect();
    let gone: Vec<String> = recorded
        .resources
        .keys()
        .filter(|id| !desired.contains(id) && !live.resources.contains_key(id))
        .map(ResourceId::address)
        .collect();
    for address in &gone {
        plan.warnings.push(format!(
            "`{address}` is recorded and no longer configured, but it is already gone from Snowflake: nothing to drop (a plan without --refresh still lists the drop)"
        ));
    }
    let refresh = Refresh {
        changes: drift::classify(&plan, &recorded),
        to_import: to_import.iter().map(ResourceId::address).collect(),
        gone,
        read: ReadStats::of(&live),
    };

    let out = match args.format {
        OutputFormat::Json => {
            let mut value = serde_json::to_value(&plan).expect("a plan always serializes");
            value["refresh"] = serde_json::to_value(&refresh).expect("serializes");
            let mut text = serde_json::to_string_pretty(&value).expect("serializes");
            text.push('\n');
            text
        }
        format => {
            let mut text = crate::render::plan(&plan, format);
            text.push_str(&crate::render::drift::refresh(&refresh, format));
            text
        }
    };
    print!("{out}");
    eprintln!("{}", read_line(&live));
    if let Some(path) = &args.out {
        super::write_plan_file(&plan, path)?;
        eprintln!(
            "Saved the plan to `{}`; `pudo apply {}` applies exactly this plan.",
            path.display(),
            path.display()
        );
    }
    if args.detailed_exitcode && !plan.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The connector for the stack's environment (`.env`, `.env.<env>`,
/// `--env-file`, process environment).
pub(crate) fn connect(ctx: &Context, resolution: &Resolution) -> Result<SnowflakeConnector> {
    let connection = ctx.connection(resolution)?;
    Ok(SnowflakeConnector::new(&connection)?)
}

/// Every id recorded by any stack of the project.
fn recorded_anywhere(
    ctx: &Context,
    project: &Project,
    resolution: &crate::environment::Resolution,
) -> Result<BTreeSet<ResourceId>> {
    let stacks = super::all_stacks(project);
    let mut ids = BTreeSet::new();
    for stack in stacks {
        ids.extend(
            ctx.state_store(project, resolution, &stack)?
                .load()?
                .resources
                .into_keys(),
        );
    }
    Ok(ids)
}

/// `Read live state: 14 queries on 8 sessions in 0.12 s.`
pub(crate) fn read_line(live: &Live) -> String {
    format!(
        "Read live state: {} {} on {} {} in {:.2} s.",
        live.queries,
        if live.queries == 1 {
            "query"
        } else {
            "queries"
        },
        live.sessions,
        if live.sessions == 1 {
            "session"
        } else {
            "sessions"
        },
        live.elapsed.as_secs_f64()
    )
}
