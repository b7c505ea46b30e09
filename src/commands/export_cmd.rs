//! `pudo export`: reads the live account and writes a configuration in
//! pudo's format (stdout, or `--out FILE`), with a report on stderr of
//! what it templated, left literal, shared, skipped and listed as
//! external. Runs no DDL and writes no state. See `crate::export`.

use super::Context;
use super::drift_cmd::{LIVE_SESSIONS, connect, read_line};
use crate::cli::ExportArgs;
use crate::error::{Error, Result};
use crate::export::{self, Options};
use crate::model::Ident;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let mut kinds = Vec::new();
    for name in &args.kind {
        let name = name.trim().to_ascii_lowercase();
        let Some(kind) = crate::kinds::by_name(&name) else {
            let names: Vec<&str> = crate::kinds::ALL.iter().map(|k| k.name()).collect();
            return Err(Error::usage_with_hint(
                format!("`{name}` is not a resource kind"),
                format!("kinds: {}", names.join(", ")),
            ));
        };
        kinds.push(kind);
    }
    let mut databases = Vec::new();
    for name in &args.database {
        databases.push(Ident::parse(name).map_err(|e| {
            Error::usage_with_hint(
                format!("--database `{name}`: {e}"),
                "write a database name as in the configuration (quoted for exact case)",
            )
        })?);
    }
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let options = Options {
        env: resolution
            .environment
            .as_ref()
            .map(|e| e.to_ascii_uppercase()),
        kinds,
        like: args.like.clone(),
        databases,
    };
    let connector = connect(ctx, &resolution)?;
    let found = export::read(&connector, &options, LIVE_SESSIONS)?;
    let export = export::export(&found, &options);
    match &args.out {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io("create the folder of", parent, e))?;
            }
            std::fs::write(path, &export.yaml)
                .map_err(|e| Error::io("write the export to", path, e))?;
        }
        None => print!("{}", export.yaml),
    }
    eprint!("{}", export.report.render());
    let live = crate::live::Live {
        queries: found.queries,
        sessions: found.sessions,
        elapsed: found.elapsed,
        ..Default::default()
    };
    eprintln!("{}", read_line(&live));
    if let Some(path) = &args.out {
        eprintln!(
            "Wrote `{}`. Review it, then `pudo import --all` (per stack) and `pudo plan` (see docs/import-export.md).",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
