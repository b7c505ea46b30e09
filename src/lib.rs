//! pudo: declarative plan/apply for Snowflake environments.
//!
//! The program is a pipeline that moves in one direction:
//!
//! ```text
//! environments/*.yaml --load--> raw docs (with file/line)
//!    --merge base+overlay--> merged raw --expand ${env} ${var.x}--> validate --> Model (desired)
//! git branch (or --env, or CI variables) --resolve--> environment / stack
//! .env, .env.<env>, process env --> Connection (secrets in a redacting type)
//! state/<stack>.json --> State (recorded)        live SHOW queries --> Live (normalized)
//! Model x State (x Live) --diff--> Plan { changes in graph order }
//! Plan --render--> human | json | markdown | mermaid        Plan --sql--> statements
//! apply: walk the graph (bounded parallelism) -> Connector -> State saved after every step
//! drift: State x Live --compare--> drift report
//! ```
//!
//! Only [`config`] loading, the [`state`] store, [`environment`] (git),
//! [`dotenv`], the [`connector`] (and so [`live`] and [`apply`]) touch files,
//! the network or the process environment; merge, expansion,
//! validation, the graph, the diff and SQL generation are pure functions of
//! values.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connector;
pub mod dotenv;
pub mod drift;
pub mod environment;
pub mod error;
pub mod export;
pub mod graph;
pub mod hash;
pub mod kinds;
pub mod live;
pub mod model;
pub mod plan;
pub mod promotion;
pub mod render;
pub mod scaffold;
pub mod sql;
pub mod state;
pub(crate) mod suggest;

pub use error::{Error, Result};

use clap::Parser;
use std::process::ExitCode;

/// Entry point of the binary: parses arguments, runs the command, prints an
/// error to stderr if there is one, and returns the exit code
/// (0 success, 1 error, 2 changes present or drift found).
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    render::style::init(cli.global.color);
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{}", render::style::error_message(&err.to_string()));
            ExitCode::from(1)
        }
    }
}
