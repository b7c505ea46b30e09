//! `pudo graph`.

use super::Context;
use crate::cli::GraphArgs;
use crate::error::{Error, Result};
use std::process::ExitCode;

pub fn run(ctx: &Context, args: GraphArgs) -> Result<ExitCode> {
    let _ = (ctx, args);
    Err(Error::usage("`graph` is in progress (issue 3)"))
}
