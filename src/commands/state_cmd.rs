//! `pudo state list | show ADDRESS | unlock | init | migrate`.

use super::Context;
use crate::cli::StateCommand;
use crate::config::StateBackendKind;
use crate::error::{Error, Result};
use crate::render::style;
use crate::state::{StateError, StateStore};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: StateCommand) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    match args {
        StateCommand::Init { dry_run } => return init(ctx, &project, &resolution, dry_run),
        StateCommand::Migrate { to } => return migrate(ctx, &project, &resolution, &to),
        _ => {}
    }
    let store = ctx.state_store(&project, &resolution, &resolution.stack)?;
    match args {
        StateCommand::List => list(&store),
        StateCommand::Show { address, serial } => show(&store, &address, serial),
        StateCommand::Unlock { force } => unlock(&store, force),
        StateCommand::Init { .. } | StateCommand::Migrate { .. } => unreachable!(),
    }
}

/// `pudo state init [--dry-run]`: the Snowflake state tables.
fn init(
    ctx: &Context,
    project: &crate::config::Project,
    resolution: &crate::environment::Resolution,
    dry_run: bool,
) -> Result<ExitCode> {
    let location = &project.state.snowflake;
    let statements = location.init_sql();
    if dry_run {
        for sql in &statements {
            println!("{sql};");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let connector = ctx.state_connector(project, resolution)?;
    let mut session = connector.open()?;
    for sql in &statements {
        session.execute(sql)?;
    }
    eprintln!(
        "State tables ready in {}{}.",
        location.describe(),
        if project.state.backend == StateBackendKind::Local {
            " (state.backend is `local`: set `backend: snowflake` under `state:` in environments/base.yaml to use them, after `pudo state migrate --to snowflake`)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `pudo state migrate --to snowflake|local`: copies every stack with its
/// lineage and serial; refuses when the target holds another lineage or a
/// newer serial; leaves the source as it is.
fn migrate(
    ctx: &Context,
    project: &crate::config::Project,
    resolution: &crate::environment::Resolution,
    to: &str,
) -> Result<ExitCode> {
    let (from_kind, to_kind) = if to == "snowflake" {
        (StateBackendKind::Local, StateBackendKind::Snowflake)
    } else {
        (StateBackendKind::Snowflake, StateBackendKind::Local)
    };
    // Check every stack before writing any.
    let mut copies = Vec::new();
    for stack in super::all_stacks(project) {
        let source = ctx.store_on(project, resolution, &stack, from_kind)?;
        let Some(state) = source.load_existing()? else {
            continue;
        };
        let target = ctx.store_on(project, resolution, &stack, to_kind)?;
        let locked = target.lock("pudo state migrate")?;
        let existing = locked.store().load_existing()?;
        if let Some(t) = &existing {
            if !t.lineage.is_empty() && t.lineage != state.lineage {
                return Err(Error::usage_with_hint(
                    format!(
                        "{} holds another history of stack `{stack}` (lineage `{}`, not `{}`): nothing was copied",
                        target.describe(),
                        t.lineage,
                        state.lineage
                    ),
                    "remove it from the target first if it is obsolete",
                ));
            }
            if t.serial > state.serial {
                return Err(Error::usage_with_hint(
                    format!(
                        "{} holds a newer serial of stack `{stack}` ({} > {}): nothing was copied",
                        target.describe(),
                        t.serial,
                        state.serial
                    ),
                    "migrate in the other direction, or find out who wrote it",
                ));
            }
        }
        let same = existing.as_ref() == Some(&state);
        if !same && existing.as_ref().is_some_and(|t| t.serial == state.serial) {
            return Err(Error::usage_with_hint(
                format!(
                    "{} holds serial {} of stack `{stack}` with other content: nothing was copied",
                    target.describe(),
                    state.serial
                ),
                "two histories diverged; find out which is right",
            ));
        }
        copies.push((stack, source, state, locked, same));
    }
    let mut sources = Vec::new();
    for (stack, source, state, mut locked, same) in copies {
        if same {
            eprintln!(
                "Stack `{stack}`: already at serial {} in {}.",
                state.serial,
                locked.store().describe()
            );
        } else {
            locked.put(&state)?;
            eprintln!(
                "Stack `{stack}`: copied serial {} ({} resources) from {} to {}.",
                state.serial,
                state.len(),
                source.describe(),
                locked.store().describe()
            );
        }
        locked.unlock()?;
        sources.push(stack);
    }
    if sources.is_empty() {
        eprintln!("Nothing recorded in the {from_kind} backend: nothing to copy.");
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<String> = sources.iter().map(|s| format!("'{s}'")).collect();
    match to_kind {
        StateBackendKind::Snowflake => eprintln!(
            "The source was left as it is. Next: set `state: {{ backend: snowflake }}` in environments/base.yaml, then delete the files: git rm {}",
            sources
                .iter()
                .map(|s| format!("state/{s}.json"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        StateBackendKind::Local => {
            let l = &project.state.snowflake;
            eprintln!(
                "The source was left as it is. Next: set `state: {{ backend: local }}` in environments/base.yaml, commit state/, then delete the rows: DELETE FROM {loc}.RESOURCES WHERE STACK IN ({n}); DELETE FROM {loc}.STACKS WHERE STACK IN ({n});",
                loc = l.describe(),
                n = names.join(", ")
            )
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(store: &StateStore) -> Result<ExitCode> {
    let state = store.load()?;
    if state.is_empty() {
        eprintln!(
            "No resources recorded in stack `{}`{}.",
            store.stack(),
            if store.load_existing()?.is_some() {
                String::new()
            } else {
                format!(" (`{}` holds nothing yet)", store.describe())
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut addresses: Vec<&str> = state
        .resources
        .values()
        .map(|r| r.address.as_str())
        .collect();
    addresses.sort_unstable();
    let mut out = String::new();
    for address in addresses {
        out.push_str(address);
        out.push('\n');
    }
    print!("{out}");
    // The audit trail on stderr, so that stdout stays one address per line.
    for skip in &state.gate_skips {
        eprintln!("{}", style::muted().apply_to(format!("# {skip}")));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(store: &StateStore, address: &str, serial: Option<u64>) -> Result<ExitCode> {
    let state = match serial {
        None => store.load()?,
        Some(n) => match store.load_serial(n)? {
            Some(state) => state,
            None => return Err(not_kept(store, n)?),
        },
    };
    let Some(resource) = state.by_address(address) else {
        return Err(StateError::UnknownAddress {
            address: address.to_string(),
            stack: store.stack().to_string(),
            suggestion: crate::suggest::closest_address(
                address,
                state.resources.values().map(|r| r.address.as_str()),
            )
            .map(str::to_string),
        }
        .into());
    };
    let mut out = format!("# {}\n", resource.address);
    out.push_str(&format!("kind = {}\n", resource.id.kind()));
    let width = resource.attrs.keys().map(String::len).max().unwrap_or(0);
    for (name, value) in &resource.attrs {
        out.push_str(&format!("{name:<width$} = {value}\n"));
    }
    out.push_str(&format!(
        "{}\n",
        style::muted().apply_to(format!(
            "# stack `{}`, state serial {}",
            store.stack(),
            state.serial
        ))
    ));
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// Why `state show --serial n` has nothing to show: which serials exist.
fn not_kept(store: &StateStore, n: u64) -> Result<Error> {
    let stack = store.stack();
    let at = store.describe();
    let message = match store.kept_serials()? {
        None => format!("serial {n} of stack `{stack}` does not exist: {at} holds nothing yet"),
        Some((_, newest)) if n > newest => {
            format!("serial {n} of stack `{stack}` does not exist yet: {at} is at serial {newest}")
        }
        Some((oldest, newest)) => format!(
            "serial {n} of stack `{stack}` is no longer kept in {at}, which keeps serials {oldest} to {newest}"
        ),
    };
    Ok(Error::usage_with_hint(
        message,
        "the local backend keeps the current serial and the one before (the backup); the Snowflake backend every serial, or the last `state.history` of them",
    ))
}

fn unlock(store: &StateStore, force: bool) -> Result<ExitCode> {
    let holder = match store.lock_holder() {
        Ok(Some(holder)) => Some(holder),
        Ok(None) => {
            eprintln!("The state of stack `{}` is not locked.", store.stack());
            return Ok(ExitCode::SUCCESS);
        }
        Err(StateError::BadLock { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let described = holder
        .as_ref()
        .map(|h| h.to_string())
        .unwrap_or_else(|| "an unreadable lock file".to_string());
    if !force {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage_with_hint(
                format!(
                    "the state of stack `{}` is locked by {described}; removing a lock needs confirmation, and there is no terminal to ask on",
                    store.stack()
                ),
                "make sure that run is gone, then pass `--force`",
            ));
        }
        let stale = holder.as_ref().is_some_and(|h| h.is_stale_here());
        eprintln!(
            "The state of stack `{}` is locked by {described}.{}",
            store.stack(),
            if stale {
                " That process no longer runs on this machine."
            } else {
                ""
            }
        );
        eprint!(
            "Remove the lock? Only do this if that run is gone: a second writer can lose recorded changes. Type `yes` to remove it: "
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Error::io("read the answer from", "stdin", e))?;
        if answer.trim() != "yes" {
            eprintln!("Kept the lock.");
            return Ok(ExitCode::from(1));
        }
    }
    store.force_unlock()?;
    eprintln!(
        "Removed the lock of stack `{}` (was held by {described}).",
        store.stack()
    );
    Ok(ExitCode::SUCCESS)
}
