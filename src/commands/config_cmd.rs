//! `pudo config render|diff`: component configuration views.

use super::Context;
use crate::cli::ConfigCommand;
use crate::error::{Error, Result};
use std::process::ExitCode;

pub fn run(ctx: &Context, cmd: ConfigCommand) -> Result<ExitCode> {
    let _ = (ctx, cmd);
    Err(Error::usage("`config` is in progress (issue 2)"))
}
