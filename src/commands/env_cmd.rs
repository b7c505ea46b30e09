//! `pudo env`: what a run would work on, and with which connection.

use super::Context;
use crate::cli::{EnvArgs, EnvFormat};
use crate::error::Result;
use crate::render::style;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: EnvArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let connection = match &resolution.environment {
        Some(env) => ctx.workload_connection(&project, env)?,
        None => ctx.connection(&resolution)?,
    };
    if args.format == EnvFormat::Dotenv {
        if let Some(env) = &resolution.environment {
            println!("PUDO_ENV={env}");
        }
        for (name, value, secret) in connection.variables() {
            if secret && !args.show_secrets {
                println!("# {name} is set (--show-secrets prints it)");
            } else {
                println!("{name}={}", quoted(&value));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let label = |s: &str| style::heading().apply_to(format!("{s:<12}")).to_string();
    let branch = match &resolution.branch {
        Some((name, source)) => format!("{name}  (from {source})"),
        None => "(none: not a git repository or unknown)".to_string(),
    };
    println!("{} {branch}", label("branch"));
    let chosen = if resolution.from_flag {
        "--env"
    } else {
        "branch mapping"
    };
    println!(
        "{} {}  (from {chosen})",
        label("environment"),
        resolution
            .environment
            .as_deref()
            .unwrap_or("(none: shared stack)")
    );
    println!("{} {}", label("stack"), resolution.stack);
    match project.state.backend {
        crate::config::StateBackendKind::Local => println!(
            "{} local ({})",
            label("state"),
            project
                .root
                .join("state")
                .join(format!("{}.json", resolution.stack))
                .display()
        ),
        crate::config::StateBackendKind::Snowflake => println!(
            "{} snowflake ({}, stack {})",
            label("state"),
            project.state.snowflake.describe(),
            resolution.stack
        ),
    }
    println!("{} {}", label("project"), project.root.display());
    if connection.files.is_empty() {
        println!(
            "{} (no .env files found in {})",
            label("env files"),
            ctx.cwd.display()
        );
    } else {
        let files: Vec<String> = connection
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        println!("{} {}", label("env files"), files.join(", "));
    }
    println!("{}", style::heading().apply_to("connection"));
    for (name, value) in connection.describe() {
        println!("  {name:<34} {value}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A value as a `.env` line reads it back: bare when plain, else quoted.
fn quoted(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.:/@+,".contains(c));
    if plain && !value.is_empty() {
        value.to_string()
    } else if !value.contains('\'') {
        format!("'{value}'")
    } else {
        format!(
            "\"{}\"",
            value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('$', "\\$")
        )
    }
}
