//! `pudo state list | show ADDRESS | unlock`.

use super::Context;
use crate::cli::StateCommand;
use crate::error::{Error, Result};
use crate::render::style;
use crate::state::{StateError, StateStore};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: StateCommand) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let store = StateStore::new(&project.root, &resolution.stack);
    match args {
        StateCommand::List => list(&store),
        StateCommand::Show { address } => show(&store, &address),
        StateCommand::Unlock { force } => unlock(&store, force),
    }
}

fn list(store: &StateStore) -> Result<ExitCode> {
    let state = store.load()?;
    if state.is_empty() {
        eprintln!(
            "No resources recorded in stack `{}`{}.",
            store.stack(),
            if store.exists() {
                String::new()
            } else {
                format!(" (`{}` does not exist yet)", relative(store))
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
    Ok(ExitCode::SUCCESS)
}

fn show(store: &StateStore, address: &str) -> Result<ExitCode> {
    let state = store.load()?;
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

fn relative(store: &StateStore) -> String {
    format!("state/{}.json", store.stack())
}
