//! `pudo exec -- COMMAND...`: runs a command with the resolved
//! environment's connection settings (SNOWFLAKE_* variables, including the
//! configuration's `connection:` role and warehouse) and `PUDO_ENV`.
//! pudo prints nothing of the settings; the command's exit code is pudo's.

use super::Context;
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let resolution = ctx.resolve_environment(&project)?;
    let env = resolution.environment.clone().ok_or_else(|| {
        Error::usage_with_hint(
            "`pudo exec` runs in an environment, not the shared stack",
            "pass `-e ENV` with an environment name",
        )
    })?;
    let conn = ctx.workload_connection(&project, &env)?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage_with_hint("no command", "pudo exec -- COMMAND [ARGS...]"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest).current_dir(&ctx.cwd).env("PUDO_ENV", &env);
    for (name, value, _) in conn.variables() {
        cmd.env(name, value);
    }
    let status = cmd.status().map_err(|e| {
        Error::usage_with_hint(
            format!("cannot run `{program}`: {e}"),
            "check the command name and PATH",
        )
    })?;
    Ok(ExitCode::from(match status.code() {
        Some(code) => u8::try_from(code).unwrap_or(1),
        None => 1,
    }))
}
