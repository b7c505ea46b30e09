//! `pudo completions SHELL`: a completion script generated from the clap
//! definitions in [`crate::cli`], so it always matches the binary.

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use clap::CommandFactory;
use std::process::ExitCode;

pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    clap_complete::generate(args.shell, &mut command, name, &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
