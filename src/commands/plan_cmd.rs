//! `pudo plan`.

use super::Context;
use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: PlanArgs) -> Result<ExitCode> {
    let _ = (ctx, args);
    Err(Error::usage("`plan` is in progress (issue 3)"))
}
