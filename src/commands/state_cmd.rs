//! `pudo state`.

use super::Context;
use crate::cli::StateCommand;
use crate::error::{Error, Result};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: StateCommand) -> Result<ExitCode> {
    let _ = (ctx, args);
    Err(Error::usage("`state` is in progress (issue 3)"))
}
