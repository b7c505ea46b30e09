//! `pudo apply [PLANFILE]`: the checks before anything runs (protected
//! environments, saved-plan basis, drops, confirmation), then the run and
//! its report.

use super::Context;
use crate::apply::{self, ChangeResult, Progress};
use crate::cli::{ApplyArgs, OutputFormat};
use crate::config::Project;
use crate::connector::snowflake::SnowflakeConnector;
use crate::environment::Resolution;
use crate::error::{Error, Result};
use crate::model::StackName;
use crate::plan::{self, Change, Plan};
use crate::render::style;
use crate::state::{State, StateStore};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

pub fn run(ctx: &Context, args: ApplyArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let saved = match &args.planfile {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io("read the plan file", path, e))?;
            Some(Plan::from_json(&text, &path.display().to_string())?)
        }
        None => None,
    };
    let mut resolution = ctx.resolve_environment_or(&project, saved.as_ref().map(|p| &p.stack))?;
    if let Some(plan) = &saved {
        if plan.stack != resolution.stack {
            return Err(Error::usage_with_hint(
                format!(
                    "the plan file is for stack `{}`, but this run is for stack `{}`",
                    plan.stack, resolution.stack
                ),
                format!("drop `--env`, or pass `--env {}`", plan.stack),
            ));
        }
        resolution.environment = plan.environment.clone();
    }
    check_protection(&project, &resolution)?;
    let skipped_gate = promotion_gate(ctx, &project, &resolution, args.skip_gate.as_deref())?;

    let connection = ctx.connection(&resolution)?;
    let model = project.resolve(&resolution.stack)?;
    let stack = resolution.stack.clone();
    let store = ctx.state_store(&project, &resolution, &stack)?;
    // A plan made here also reads the shared stack's state: meanwhile, on
    // its own session, while this stack's lock is taken and its state read
    // (with state in Snowflake, that is one round trip less in series).
    let shared_store = match (&saved, stack.is_shared()) {
        (None, false) => Some(ctx.state_store(&project, &resolution, &StackName::shared())?),
        _ => None,
    };
    let (locked, shared) = std::thread::scope(|scope| {
        let shared = shared_store.as_ref().map(|s| scope.spawn(|| s.load()));
        let locked = lock_taking_over_stale(&store).and_then(|mut locked| {
            let state = locked.load()?;
            Ok((locked, state))
        });
        let shared = shared
            .map(|read| read.join().expect("reading state does not panic"))
            .transpose();
        (locked, shared)
    });
    let (mut store, mut state) = locked?;
    let shared = shared?;

    let plan = match saved {
        Some(plan) => {
            check_basis(&plan, &state, &plan::config_hash(&model, &stack))?;
            plan
        }
        None => {
            let mut plan = plan::diff(&model, &stack, &state, shared.as_ref())?;
            plan.environment = resolution.environment.clone();
            plan.branch = resolution.branch.as_ref().map(|(b, _)| b.clone());
            plan
        }
    };

    if !plan.blockers.is_empty() {
        let lines: Vec<String> = plan
            .blockers
            .iter()
            .map(|b| {
                let hint = b
                    .hint
                    .as_ref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                format!("  - `{}`: {}{hint}", b.address, b.message)
            })
            .collect();
        return Err(Error::usage_with_hint(
            format!("the plan cannot be applied yet:\n{}", lines.join("\n")),
            "apply the shared stack first: `pudo apply -e shared` from the protected branch",
        ));
    }
    if plan.is_empty() {
        if !state.pending.is_empty() {
            // Marks left by a crash for changes no longer planned.
            let mut state = state;
            state.pending.clear();
            store.save(&mut state)?;
        }
        println!("No changes. Stack `{stack}` matches the configuration.");
        return Ok(ExitCode::SUCCESS);
    }

    if args.planfile.is_none() {
        print!("{}", crate::render::plan(&plan, OutputFormat::Human));
    }
    let destructive = apply::destructive(&plan);
    if !destructive.is_empty() && !args.allow_drop {
        let names: Vec<String> = destructive
            .iter()
            .map(|c| format!("  {} {}", c.action.symbol(), c.address))
            .collect();
        return Err(Error::usage_with_hint(
            format!(
                "the plan drops objects, and apply drops nothing unless told to:\n{}",
                names.join("\n")
            ),
            "review the drops above, then run again with `--allow-drop`",
        ));
    }
    if !args.auto_approve {
        confirm(&plan)?;
    }

    let connector = SnowflakeConnector::new(&connection)?;
    // Fail fast on credentials, and on roles the user cannot use, before
    // anything is marked in the state.
    let preflight = apply::preflight::check(&plan, &connector)?;
    if !preflight.is_ready() {
        let (message, hint) = preflight.describe();
        return Err(Error::usage_with_hint(message, hint));
    }
    if let Some((from, reason)) = skipped_gate {
        // Recorded with the apply's first write, which marks its changes.
        let by = store.lock_info();
        state.gate_skips.push(crate::state::GateSkip {
            from,
            reason,
            user: by.user.clone(),
            host: by.host.clone(),
            time: by.time.clone(),
            serial: state.serial + 1,
        });
    }
    let progress = Reporter::new(plan.changes.len());
    let (report, _state) = apply::apply(
        &plan,
        state,
        &mut store,
        &connector,
        &apply::Options {
            parallelism: usize::from(args.parallelism),
            ..apply::Options::default()
        },
        &progress,
    )?;
    progress.finish();
    print_report(&plan, &report);
    store.unlock()?;
    Ok(if report.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Takes the state lock. A lock whose holder was a process of this machine
/// that no longer runs (killed, crashed) is taken over with a warning: its
/// holder cannot be writing. Any other held lock refuses the run.
fn lock_taking_over_stale(store: &StateStore) -> Result<crate::state::LockedStore> {
    match store.lock("pudo apply") {
        Err(crate::state::StateError::Locked { holder, .. }) if holder.is_stale_here() => {
            eprintln!(
                "{} taking over the lock of {holder}, which no longer runs on this host",
                style::warning().apply_to("warning:")
            );
            Ok(store.take_over(&holder, "pudo apply")?)
        }
        other => Ok(other?),
    }
}

/// PROD (any protected environment) applies only from a branch that maps to
/// it; the shared stack only from a branch that maps to a protected
/// environment.
pub(crate) fn check_protection(project: &Project, resolution: &Resolution) -> Result<()> {
    let branch = resolution
        .branch
        .as_ref()
        .map(|(b, _)| format!("`{b}`"))
        .unwrap_or_else(|| "(unknown)".to_string());
    let branch_env = resolution.branch_environment.as_deref();
    let protected: Vec<&str> = project
        .environments
        .iter()
        .filter(|e| e.protected)
        .map(|e| e.name.as_str())
        .collect();
    match &resolution.environment {
        None => {
            if branch_env.is_some_and(|e| protected.contains(&e)) {
                return Ok(());
            }
            Err(Error::usage_with_hint(
                format!(
                    "the shared stack applies only from a branch that maps to a protected environment ({}); the current branch is {branch}{}",
                    protected.join(", "),
                    branch_env
                        .map(|e| format!(", which maps to {e}"))
                        .unwrap_or_default()
                ),
                "shared objects affect every environment: merge to the protected branch and apply there",
            ))
        }
        Some(env) if protected.contains(&env.as_str()) => {
            if branch_env == Some(env.as_str()) {
                return Ok(());
            }
            Err(Error::usage_with_hint(
                format!(
                    "{env} is protected: it applies only from a branch that maps to it; the current branch is {branch}{}",
                    branch_env
                        .map(|e| format!(", which maps to {e}"))
                        .unwrap_or_default()
                ),
                format!(
                    "plans are fine from anywhere (`pudo plan --env {env}`); apply from the branch mapped to {env} after review"
                ),
            ))
        }
        Some(_) => Ok(()),
    }
}

/// A saved plan applies only to the state and configuration it was made
/// from.
fn check_basis(plan: &Plan, state: &State, config_hash: &str) -> Result<()> {
    let mut changed = Vec::new();
    let recorded_lineage = (state.serial > 0).then_some(state.lineage.as_str());
    if plan.state.lineage.as_deref() != recorded_lineage {
        changed.push(format!(
            "state lineage: planned against {}, now {}",
            plan.state.lineage.as_deref().unwrap_or("(no state)"),
            recorded_lineage.unwrap_or("(no state)")
        ));
    }
    if plan.state.serial != state.serial {
        changed.push(format!(
            "state serial: planned against {}, now {} (the state was written since)",
            plan.state.serial, state.serial
        ));
    }
    if plan.config_hash != config_hash {
        changed.push("configuration: the resolved resources differ from the planned ones".into());
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(Error::usage_with_hint(
        format!(
            "the saved plan is stale and was not applied:\n{}",
            changed
                .iter()
                .map(|c| format!("  - {c}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        "plan again (`pudo plan --out FILE`), review, and apply the new plan",
    ))
}

fn confirm(plan: &Plan) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::usage_with_hint(
            "no terminal to confirm on, and `--auto-approve` was not given; nothing was applied",
            "review the plan, then run `pudo apply --auto-approve` (or apply a saved plan)",
        ));
    }
    eprint!(
        "\nApply these {} changes to stack `{}`? Only `yes` is accepted: ",
        plan.changes.len(),
        plan.stack
    );
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("read the answer from", "stdin", e))?;
    if answer.trim() != "yes" {
        return Err(Error::usage("apply cancelled; nothing was changed"));
    }
    Ok(())
}

/// Progress: a bar on a terminal, one line per finished change otherwise.
struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    done: Mutex<usize>,
    total: usize,
}

impl Reporter {
    fn new(total: usize) -> Reporter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
                    .expect("a valid template"),
            );
            bar
        });
        Reporter {
            bar,
            done: Mutex::new(0),
            total,
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn retrying(
        &self,
        change: &Change,
        error: &crate::connector::ConnectorError,
        recovering: bool,
    ) {
        let line = format!(
            "retrying {} {} after: {error}{}",
            change.action.symbol(),
            change.address,
            if recovering {
                " (it may have run: sending its idempotent recovery statements)"
            } else {
                ""
            }
        );
        let line = style::warning().apply_to(line).to_string();
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn started(&self, change: &Change) {
        if let Some(bar) = &self.bar {
            bar.set_message(change.address.clone());
        }
    }

    fn finished(&self, change: &Change, result: &ChangeResult) {
        let n = {
            let mut done = self.done.lock().unwrap();
            *done += 1;
            *done
        };
        let line = match result {
            ChangeResult::Applied { elapsed } => format!(
                "[{n}/{}] {} {} ({} ms)",
                self.total,
                change.action.symbol(),
                change.address,
                elapsed.as_millis()
            ),
            ChangeResult::Failed { .. } => format!(
                "[{n}/{}] {} {} {}",
                self.total,
                change.action.symbol(),
                change.address,
                style::error().apply_to("FAILED")
            ),
            ChangeResult::NotAttempted => return,
        };
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

fn print_report(plan: &Plan, report: &apply::Report) {
    let failed: Vec<(&Change, &ChangeResult)> = plan
        .changes
        .iter()
        .zip(&report.results)
        .filter(|(_, r)| matches!(r, ChangeResult::Failed { .. }))
        .collect();
    for (change, result) in &failed {
        if let ChangeResult::Failed { sql, error, .. } = result {
            eprintln!(
                "\n{} {} {}\n  statement: {sql}\n  {error}",
                style::error().apply_to("error:"),
                change.action,
                change.address
            );
        }
    }
    let not_attempted: Vec<&str> = plan
        .changes
        .iter()
        .zip(&report.results)
        .filter(|(_, r)| matches!(r, ChangeResult::NotAttempted))
        .map(|(c, _)| c.address.as_str())
        .collect();
    if !report.restored.is_empty() {
        eprintln!(
            "\nResumed after the failure, so that their task graphs run as before ({}):",
            report.restored.len()
        );
        for address in &report.restored {
            eprintln!("  {address}");
        }
    }
    if !not_attempted.is_empty() {
        eprintln!("\nNot attempted ({}):", not_attempted.len());
        for address in &not_attempted {
            eprintln!("  {address}");
        }
    }
    let mut line = format!(
        "Apply {}: {} applied, {} failed, {} not attempted; {} statements in {:.1} s.",
        if failed.is_empty() {
            "complete"
        } else {
            "stopped"
        },
        report.applied(),
        report.failed(),
        report.not_attempted(),
        report.statements,
        report.elapsed.as_secs_f64()
    );
    if report.retries > 0 {
        line.push_str(&format!(
            " {} retries after overload or a lost connection",
            report.retries
        ));
        if report.run.backoffs > 0 {
            line.push_str(&format!(
                "; slowed down {} times (down to {} at once)",
                report.run.backoffs, report.run.lowest_limit
            ));
        }
        line.push('.');
    }
    let styled = if failed.is_empty() {
        style::create().apply_to(line)
    } else {
        style::error().apply_to(line)
    };
    eprintln!("\n{styled}");
    if !failed.is_empty() {
        eprintln!(
            "Everything applied is recorded in the state; fix the failure and run `pudo apply` again to continue."
        );
    }
}

/// `require_promotion: FROM` on the environment: the promotion checks from
/// FROM must pass before anything is applied, unless `--skip-gate REASON`
/// (then FROM and the reason, for the state).
fn promotion_gate(
    ctx: &Context,
    project: &crate::config::Project,
    resolution: &crate::environment::Resolution,
    skip: Option<&str>,
) -> Result<Option<(String, String)>> {
    let Some(env) = resolution.environment.as_deref() else {
        return Ok(None);
    };
    let Some(from) = project
        .environment(env)
        .and_then(|d| d.require_promotion.clone())
    else {
        return Ok(None);
    };
    if let Some(reason) = skip {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::usage_with_hint(
                "`--skip-gate` needs a reason",
                "e.g. `--skip-gate \"hotfix INC-123, approved by on-call\"`",
            ));
        }
        println!("promotion gate {from} -> {env} SKIPPED: {reason} (recorded in the state)");
        return Ok(Some((from, reason.to_string())));
    }
    let report = super::promote_cmd::evaluate(ctx, project, &from, env)?;
    print!("{}", super::promote_cmd::checks_table(&report));
    if report.passed {
        return Ok(None);
    }
    Err(Error::usage_with_hint(
        format!("apply to {env} refused: the promotion gate from {from} did not pass"),
        format!(
            "see the checks above (`pudo promote {from} {env}`); to apply anyway, pass `--skip-gate REASON`"
        ),
    ))
}
