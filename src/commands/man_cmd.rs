//! `pudo man [--dir DIR]`: manual pages generated from the clap definitions
//! in [`crate::cli`]: pudo(1) on stdout, or one page per command in DIR.

use super::Context;
use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: ManArgs) -> Result<ExitCode> {
    let command = Cli::command();
    match &args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Error::io("render the manual page", "pudo.1", e))?;
            std::io::stdout()
                .write_all(&page)
                .map_err(|e| Error::io("write the manual page to", "stdout", e))?;
        }
        Some(given) => {
            let dir = &ctx.cwd.join(given);
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
            clap_mangen::generate_to(command, dir)
                .map_err(|e| Error::io("write manual pages into", dir, e))?;
            eprintln!(
                "wrote pudo.1 and one pudo-<command>.1 per command into `{}`",
                given.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
