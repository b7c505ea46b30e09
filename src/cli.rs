//! Command-line definitions (clap). Parsing only: no behaviour lives here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use crate::render::OutputFormat;
pub use crate::render::style::ColorChoice;

/// What `pudo --version` prints after the name: the crate version and the
/// git commit it was built from (`unknown` outside a git checkout; see
/// `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PUDO_GIT_COMMIT"),
    ")"
);

/// Declarative plan/apply for Snowflake environments.
///
/// pudo reads `environments/base.yaml` plus `environments/<env>.override.yaml`,
/// resolves the desired databases, schemas, warehouses, roles and grants of one
/// environment (picked from the git branch, or `--env`), compares them with the
/// recorded state in `state/`, and shows or applies the difference as SQL.
#[derive(Debug, Parser)]
#[command(
    name = "pudo",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Typical flow:\n  pudo init my-project     a new project: environments, state/, CI workflow\n  pudo validate            check every environment, offline\n  pudo plan                what would change in the branch's environment\n  pudo plan --out plan.json   save it for review\n  pudo apply plan.json     run exactly the reviewed plan\n  pudo drift               compare live Snowflake with recorded state\n\nExit codes: 0 success/no changes, 1 error, 2 changes present (plan --detailed-exitcode) or drift found."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if started in DIR (the project root is found by walking up to
    /// the folder that holds `environments/base.yaml`).
    #[arg(short = 'C', long = "directory", value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,

    /// Environment (DEV, STAGING, PROD, case-insensitive) or `shared`;
    /// overrides the one mapped from the git branch.
    #[arg(short = 'e', long = "env", value_name = "ENV", global = true)]
    pub env: Option<String>,

    /// Read connection settings from FILE instead of `.env` and `.env.<env>`.
    #[arg(long = "env-file", value_name = "FILE", global = true)]
    pub env_file: Option<PathBuf>,

    /// When to color output (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Mermaid,
    Dot,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new pudo project: environments, schemas, state folder,
    /// `.env.example`, `.gitignore` entries and a GitHub Actions workflow.
    ///
    /// Writes `environments/base.yaml` and one `<env>.override.yaml` per
    /// environment (commented to teach the overlay rules, each naming its
    /// JSON Schema for editors), the schemas in `schema/`,
    /// `state/README.md` and `state/.gitignore`, `.env.example`,
    /// `.github/workflows/pudo.yml`, and adds `.env` secrets to
    /// `.gitignore` (`.env.example` stays committed). The new project passes
    /// `pudo validate` and `pudo plan -e DEV` at once.
    ///
    /// Branches: DEV <- dev, feature/*; STAGING <- staging, release/*;
    /// PROD <- main (protected). Any other environment maps from its
    /// lower-case name, and when PROD is not listed the last environment
    /// takes `main` and is protected.
    ///
    /// Refuses, listing every file it would overwrite and writing nothing,
    /// unless `--force` is given.
    #[command(
        after_help = "Examples:\n  pudo init                                   here, database named after the folder\n  pudo init acme-data --database ACME         a new folder, database ACME\n  pudo init --environments DEV,PROD           two environments (PROD from main)"
    )]
    Init(InitArgs),

    /// Load and validate every environment and the shared stack (no network).
    ///
    /// Reports every error, each with its file, line and key path.
    Validate,

    /// Show the branch, environment, stack, state file and connection settings
    /// (secrets shown only as set/unset).
    ///
    /// `--format dotenv` prints the resolved environment's SNOWFLAKE_*
    /// settings as `NAME=value` lines (secrets only with `--show-secrets`).
    Env(EnvArgs),

    /// Gate a promotion: run the `promotion:` checks in FROM (the candidate)
    /// and TO (the baseline), each with its own connection, and compare.
    ///
    /// Prints each check's candidate and baseline values, its expectation
    /// and verdict, then the promotion preview (`config diff environments
    /// FROM TO`) and the task graphs whose scheduling the promotion
    /// activates. Exit 0 when every check passes, 2 when one fails, 1 on
    /// errors (a query that fails or returns anything but one number).
    Promote(PromoteArgs),

    /// Run a command with the resolved environment's connection settings
    /// (SNOWFLAKE_* variables, `connection:` role and warehouse), `PUDO_ENV`
    /// and `PUDO_CONFIG_<COMPONENT>` (each `config/<component>/` rendered for
    /// the environment) in its environment: `pudo exec -e STAGING -- python train.py`.
    Exec(ExecArgs),

    /// Inspect a component's configuration (`base.yaml` + `<env>.override.yaml`).
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Show what would change: desired configuration against recorded state.
    Plan(PlanArgs),

    /// Apply the changes (a saved plan, or a fresh plan after confirmation).
    Apply(ApplyArgs),

    /// Compare live Snowflake with the recorded state of a stack.
    Drift(DriftArgs),

    /// Adopt existing Snowflake objects into state without running DDL.
    Import(ImportArgs),

    /// Write the live account as configuration in pudo's format.
    ///
    /// Reads databases, schemas, tasks, warehouses, roles, their grants and
    /// memberships (the same bounded SHOW queries as drift), skips what
    /// Snowflake creates, and writes names that carry the environment's
    /// name (`APP_DEV_DB` with `-e DEV`) with `${env}`. Objects without it
    /// are written `shared: true`. A report on stderr lists what was
    /// templated, left literal, skipped and written under `external:`.
    /// Runs no DDL. See docs/import-export.md.
    #[command(
        after_help = "Examples:\n  pudo export -e DEV --out environments/base.yaml\n  pudo export -e DEV --kind warehouse,role\n  pudo export -e PROD --database APP_PROD_DB --like 'APP_%'"
    )]
    Export(ExportArgs),

    /// Inspect recorded state.
    #[command(subcommand)]
    State(StateCommand),

    /// Print the dependency graph of the environment's resources.
    Graph(GraphArgs),

    /// Print a JSON Schema (draft 2020-12) of the configuration files, for
    /// editors and CI (no project needed).
    ///
    /// Generated from the resource kinds; the repository ships it as
    /// `schema/pudo.schema.json`.
    Schema(SchemaArgs),

    /// Print a shell completion script for pudo's commands and options.
    ///
    /// Generated from the same definitions as `--help`, so it always
    /// matches this binary. Load it from your shell's start-up file.
    #[command(
        after_help = "Examples:\n  bash:        echo 'source <(pudo completions bash)' >> ~/.bashrc\n  zsh:         pudo completions zsh > ~/.zfunc/_pudo   (fpath=(~/.zfunc $fpath) before compinit)\n  fish:        pudo completions fish > ~/.config/fish/completions/pudo.fish\n  PowerShell:  pudo completions powershell | Out-String | Invoke-Expression   (in $PROFILE)\n\nSee docs/editor.md."
    )]
    Completions(CompletionsArgs),

    /// Print pudo's manual page (roff), or write one page per command.
    ///
    /// Without `--dir`, prints pudo(1) to stdout; with `--dir DIR`, writes
    /// `pudo.1` and `pudo-<command>.1` for every command and subcommand
    /// into DIR (created if missing).
    #[command(
        after_help = "Examples:\n  pudo man | man -l -                     read it now\n  pudo man --dir ~/.local/share/man/man1   install every page (then: man pudo-plan)"
    )]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the project in (created if missing).
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// Environments to declare, in branch-matching order (comma-separated).
    #[arg(
        long,
        value_name = "ENV,...",
        value_delimiter = ',',
        default_value = "DEV,STAGING,PROD"
    )]
    pub environments: Vec<String>,
    /// The database to declare (a plain Snowflake name); defaults to the
    /// folder's name in upper case, with `-`, `.` and spaces as `_`.
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `pudo.1` and one `pudo-<command>.1` per command into DIR
    /// instead of printing pudo(1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the merged configuration of a component as YAML.
    ///
    /// Example: pudo config render config/training -e PROD
    Render {
        /// The component folder (holds `base.yaml` and `<env>.override.yaml`).
        dir: PathBuf,
    },
    /// Show what differs between two environments of a component.
    ///
    /// On `environments` itself, compares the resolved resources with the
    /// environment name factored out: the promotion preview.
    /// Example: pudo config diff environments STAGING PROD
    Diff {
        dir: PathBuf,
        env_a: String,
        env_b: String,
    },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan against live Snowflake instead of recorded state.
    #[arg(long)]
    pub refresh: bool,
    /// Save the plan to FILE for `pudo apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Exit 0 when there is nothing to change, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Markdown: keep the comment within N bytes (a GitHub comment holds
    /// 65,536 characters); changes beyond it are counted, not shown.
    #[arg(long, value_name = "N", default_value_t = crate::render::markdown::DEFAULT_MAX_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1000..))]
    pub max_bytes: usize,
    /// Markdown: link the changes not shown to URL (the CI run or artifact
    /// that holds the full plan).
    #[arg(long, value_name = "URL")]
    pub full_plan_url: Option<String>,
    /// Human: one line per change (no attributes, no SQL), for CI logs.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum EnvFormat {
    #[default]
    Human,
    /// `SNOWFLAKE_*=value` lines for a shell or a `.env` file.
    Dotenv,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[arg(long, value_enum, default_value_t = EnvFormat::Human)]
    pub format: EnvFormat,
    /// With `--format dotenv`: print secrets (password, passphrase) too.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// `FROM TO`, or `TO` alone (FROM is then the current branch's
    /// environment, or `--env`): the candidate environment and the one
    /// promoted into, whose values are the baseline.
    #[arg(value_name = "ENV", num_args = 1..=2, required = true)]
    pub envs: Vec<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `pudo plan --out`; without it, pudo plans first and
    /// asks for confirmation.
    pub planfile: Option<PathBuf>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow the plan to drop objects.
    #[arg(long)]
    pub allow_drop: bool,
    /// How many statements may run at once. pudo lowers it by itself while
    /// Snowflake signals overload (HTTP 429/503, too many concurrent
    /// statements) and retries what was refused. The default, 32, applied
    /// 1,300 statements 3.5x faster than 8 in the apply benchmark
    /// (docs/benchmarks.md).
    #[arg(long, default_value_t = crate::apply::DEFAULT_PARALLELISM, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    /// Apply without running the promotion gate of an environment with
    /// `require_promotion`; REASON is printed and recorded in the state.
    #[arg(long, value_name = "REASON")]
    pub skip_gate: Option<String>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Also report objects that follow the stack's names but are in no state.
    #[arg(long)]
    pub unmanaged: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Addresses to adopt (see `pudo state list` for the address format).
    pub addresses: Vec<String>,
    /// Adopt every declared object that exists live but is not in state.
    #[arg(long, conflicts_with = "addresses")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the configuration to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only these kinds (comma-separated: database, schema, warehouse, role,
    /// grant, role_grant, task), with what their entries hold and the
    /// entries that hold them.
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub kind: Vec<String>,
    /// Only account-level objects whose name matches this SQL LIKE pattern
    /// (case-insensitive: `APP_%`).
    #[arg(long, value_name = "PATTERN")]
    pub like: Option<String>,
    /// Only these databases (comma-separated or repeated) and what they hold.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub database: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses recorded in the stack's state.
    List,
    /// Show one recorded resource (at an earlier serial with --serial).
    Show {
        address: String,
        /// The serial to read (kept history: every serial, or the last
        /// `state.history`, with the Snowflake backend; the current and the
        /// backup's with the local one).
        #[arg(long)]
        serial: Option<u64>,
    },
    /// Create the Snowflake state tables (database, schema, tables) if missing.
    Init {
        /// Print the SQL instead of running it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy every stack's state to the other backend (lineage and serial kept).
    Migrate {
        /// The backend to copy to: `snowflake` or `local`.
        #[arg(long, value_parser = ["snowflake", "local"])]
        to: String,
    },
    /// Remove a stale lock (asks for confirmation unless --force).
    Unlock {
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Describe an `<env>.override.yaml` (nothing required, `null` removes)
    /// instead of base.yaml.
    #[arg(long = "override")]
    pub r#override: bool,
}
