//! `pudo import ADDRESS... | --all`: adopts objects the configuration
//! declares and Snowflake already holds into the stack's state, recording
//! their live attributes. Runs no DDL; writes the state under its lock.

use super::Context;
use super::drift_cmd::{LIVE_SESSIONS, connect, read_line};
use crate::cli::ImportArgs;
use crate::drift::FutureCover;
use crate::error::{Error, Result};
use crate::live;
use crate::model::{Resource, ResourceId};
use std::collections::BTreeMap;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: ImportArgs) -> Result<ExitCode> {
    if args.addresses.is_empty() && !args.all {
        return Err(Error::usage_with_hint(
            "`pudo import` needs the addresses to adopt, or `--all`",
            "`pudo plan` lists declared objects as `+ ADDRESS`; `pudo plan --refresh` names those that already exist in Snowflake",
        ));
    }
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    // Import writes the stack's state: the same branch rules as apply.
    super::apply_cmd::check_protection(&project, &resolution)?;
    let stack = resolution.stack.clone();
    let model = project.resolve(&stack)?;
    let declared: BTreeMap<String, &Resource> = model
        .owned_by(&stack)
        .map(|r| (r.id.address(), r))
        .collect();
    let mut store = ctx
        .state_store(&project, &resolution, &stack)?
        .lock("pudo import")?;
    let mut state = store.load()?;

    let mut wanted: Vec<&Resource> = Vec::new();
    if args.all {
        wanted.extend(declared.values().filter(|r| !state.contains(&r.id)));
    } else {
        for address in &args.addresses {
            let Some(resource) = declared.get(address.as_str()) else {
                let in_other_stack = model
                    .resources
                    .values()
                    .find(|r| &r.id.address() == address)
                    .map(|r| r.stack.clone());
                return Err(match in_other_stack {
                    Some(other) => Error::usage_with_hint(
                        format!("`{address}` belongs to stack `{other}`, not `{stack}`"),
                        format!("run `pudo import --env {other} {address}`"),
                    ),
                    None => Error::Usage {
                        message: format!(
                            "stack `{stack}` declares no resource at address `{address}`"
                        ),
                        hint: Some(
                            match crate::suggest::closest_address(
                                address,
                                declared.keys().map(String::as_str),
                            ) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "`pudo plan` lists the declared addresses".to_string(),
                            },
                        ),
                    },
                });
            };
            if state.contains(&resource.id) {
                eprintln!("`{address}` is already recorded in stack `{stack}`; left as is.");
                continue;
            }
            if !wanted.iter().any(|r| r.id == resource.id) {
                wanted.push(resource);
            }
        }
    }
    if wanted.is_empty() {
        eprintln!("Nothing to import: stack `{stack}` already records every object asked for.");
        store.unlock()?;
        return Ok(ExitCode::SUCCESS);
    }

    let connector = connect(ctx, &resolution)?;
    let ids: Vec<ResourceId> = wanted.iter().map(|r| r.id.clone()).collect();
    let live = live::read(&connector, &ids, false, LIVE_SESSIONS)?;
    let (found, missing): (Vec<&Resource>, Vec<&Resource>) = wanted
        .into_iter()
        .partition(|r| live.resources.contains_key(&r.id));
    if !missing.is_empty() && !args.all {
        let names: Vec<String> = missing
            .iter()
            .map(|r| format!("  `{}`", r.id.address()))
            .collect();
        return Err(Error::usage_with_hint(
            format!(
                "not found in Snowflake, so not imported (nothing was recorded):\n{}",
                names.join("\n")
            ),
            "`pudo apply` creates declared objects that do not exist; import only what already exists",
        ));
    }
    // Privileges a declared future grant gave are not recorded unless
    // declared.
    let cover = FutureCover::of(declared.values().map(|r| (&r.id, &r.attrs)));
    for resource in &found {
        let now = cover.strip(
            &resource.id,
            &live.resources[&resource.id],
            &[Some(&resource.attrs)],
        );
        let attrs = crate::drift::live_attrs(
            &resource.id,
            resource.attrs.keys(),
            &now,
            &[Some(&resource.attrs)],
        );
        state.upsert(resource.id.clone(), attrs);
    }
    if !found.is_empty() {
        store.save(&mut state)?;
    }
    store.unlock()?;
    for resource in &found {
        println!("imported {}", resource.id.address());
    }
    for resource in &missing {
        eprintln!(
            "not in Snowflake, left to `pudo apply`: {}",
            resource.id.address()
        );
    }
    eprintln!("{}", read_line(&live));
    eprintln!(
        "Imported {} resource(s) into stack `{stack}` (state serial {}); no DDL was run. `pudo plan` now shows only real differences.",
        found.len(),
        state.serial
    );
    Ok(ExitCode::SUCCESS)
}
