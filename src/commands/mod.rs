//! One module per command. Each takes the [`Context`] and its arguments and
//! returns the exit code; errors go back to `main` to be printed.

pub mod apply_cmd;
pub mod completions_cmd;
pub mod config_cmd;
pub mod drift_cmd;
pub mod env_cmd;
pub mod exec_cmd;
pub mod export_cmd;
pub mod graph_cmd;
pub mod import_cmd;
pub mod init_cmd;
pub mod man_cmd;
pub mod plan_cmd;
pub mod promote_cmd;
pub mod schema_cmd;
pub mod state_cmd;
pub mod validate;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{BASE_FILE, Project};
use crate::environment::{self, Resolution};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What every command needs: where it runs and the global options.
pub struct Context {
    /// The directory pudo was started in (or `-C DIR`).
    pub cwd: PathBuf,
    pub global: GlobalArgs,
    /// The connection of the Snowflake state backend, opened once.
    pub state_connector: std::sync::OnceLock<std::sync::Arc<dyn crate::connector::Connector>>,
}

impl Context {
    /// The state store of `stack`, on the backend `state:` configures: files
    /// under `state/`, or tables in the account `resolution` connects to.
    pub fn state_store(
        &self,
        project: &Project,
        resolution: &Resolution,
        stack: &crate::model::StackName,
    ) -> Result<crate::state::StateStore> {
        self.store_on(project, resolution, stack, project.state.backend)
    }

    /// The state store of `stack` on `backend`, whatever is configured.
    pub fn store_on(
        &self,
        project: &Project,
        resolution: &Resolution,
        stack: &crate::model::StackName,
        backend: crate::config::StateBackendKind,
    ) -> Result<crate::state::StateStore> {
        use crate::state::{StateStore, snowflake::SnowflakeBackend};
        Ok(match backend {
            crate::config::StateBackendKind::Local => StateStore::new(&project.root, stack),
            crate::config::StateBackendKind::Snowflake => {
                StateStore::with_backend(std::sync::Arc::new(SnowflakeBackend::new(
                    project.state.snowflake.clone(),
                    stack,
                    self.state_connector(project, resolution)?,
                )))
            }
        })
    }

    /// The connector the Snowflake state backend uses (the environment's
    /// connection settings, logged in as `state.role` when set).
    pub fn state_connector(
        &self,
        project: &Project,
        resolution: &Resolution,
    ) -> Result<std::sync::Arc<dyn crate::connector::Connector>> {
        if let Some(c) = self.state_connector.get() {
            return Ok(c.clone());
        }
        let mut connection = self.connection(resolution)?;
        if let Some(role) = &project.state.role {
            connection.role = Some(role.as_str().to_string());
        }
        let connector: std::sync::Arc<dyn crate::connector::Connector> = std::sync::Arc::new(
            crate::connector::snowflake::SnowflakeConnector::new(&connection)?,
        );
        Ok(self.state_connector.get_or_init(|| connector).clone())
    }

    /// The project root: the nearest folder, from `cwd` upwards, that holds
    /// `environments/base.yaml`.
    pub fn project_root(&self) -> Result<PathBuf> {
        find_project_root(&self.cwd).ok_or_else(|| {
            Error::usage_with_hint(
                format!(
                    "no `{BASE_FILE}` in `{}` or any folder above it",
                    self.cwd.display()
                ),
                "run pudo inside a pudo project, or pass `-C DIR`",
            )
        })
    }

    /// Loads the project and prints its warnings to stderr.
    pub fn load_project(&self) -> Result<Project> {
        let root = self.project_root()?;
        let project = Project::load(&root)?;
        for warning in project.warnings.warnings() {
            eprintln!(
                "{}",
                crate::render::style::error_message(&warning.to_string())
            );
        }
        Ok(project)
    }

    /// Connection settings for the resolved environment: `.env` and
    /// `.env.<env>` from the current directory (or `--env-file`), then the
    /// process environment.
    pub fn connection(&self, resolution: &Resolution) -> Result<crate::dotenv::Connection> {
        Ok(crate::dotenv::load(
            &self.cwd,
            resolution.environment.as_deref(),
            self.global.env_file.as_deref(),
            &|name| std::env::var(name).ok(),
        )?)
    }

    /// The connection of work done in environment `env` (promotion checks,
    /// `pudo exec`, `pudo env`): [`Context::connection`] for that
    /// environment, then the configuration's `connection:` role and
    /// warehouse where the files and the process environment set none.
    pub fn workload_connection(
        &self,
        project: &Project,
        env: &str,
    ) -> Result<crate::dotenv::Connection> {
        let config = project.connection_config(env)?;
        let mut conn = crate::dotenv::load_with_toml(
            &self.cwd,
            Some(env),
            self.global.env_file.as_deref(),
            config.name.as_deref(),
            &|name| std::env::var(name).ok(),
        )?;
        conn.apply_defaults(&config);
        Ok(conn)
    }

    /// The environment and stack to work on: `--env`, else the git branch.
    pub fn resolve_environment(&self, project: &Project) -> Result<Resolution> {
        self.resolve_environment_or(project, None)
    }

    /// Like [`Context::resolve_environment`], with `default` standing in
    /// for `--env` when it is not given (a saved plan names its stack).
    pub fn resolve_environment_or(
        &self,
        project: &Project,
        default: Option<&crate::model::StackName>,
    ) -> Result<Resolution> {
        let flag = self
            .global
            .env
            .clone()
            .or_else(|| default.map(|s| s.as_str().to_string()));
        Ok(environment::resolve(
            flag.as_deref(),
            &project.root,
            &project.environments,
            &|name| std::env::var(name).ok(),
        )?)
    }
}

/// Every stack of a project: `shared`, then one per environment in
/// declaration order.
/// Writes a saved plan (the JSON format, which binds stack, lineage, serial
/// and config hash).
pub fn write_plan_file(plan: &crate::plan::Plan, path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io("create the folder of", parent, e))?;
    }
    std::fs::write(path, plan.to_json()).map_err(|e| Error::io("write the plan to", path, e))
}
pub fn all_stacks(project: &Project) -> Vec<crate::model::StackName> {
    let mut stacks = vec![crate::model::StackName::shared()];
    stacks.extend(
        project
            .environments
            .iter()
            .map(|e| crate::model::StackName::for_environment(&e.name)),
    );
    stacks
}

pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(BASE_FILE).is_file())
        .map(Path::to_path_buf)
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let cwd = match &cli.global.directory {
        Some(dir) => std::fs::canonicalize(dir).map_err(|e| Error::io("open directory", dir, e))?,
        None => std::env::current_dir().map_err(|e| Error::io("read current directory", ".", e))?,
    };
    let ctx = Context {
        cwd,
        global: cli.global,
        state_connector: std::sync::OnceLock::new(),
    };
    match cli.command {
        Command::Init(args) => init_cmd::run(&ctx, args),
        Command::Validate => validate::run(&ctx),
        Command::Env(args) => env_cmd::run(&ctx, args),
        Command::Promote(args) => promote_cmd::run(&ctx, args),
        Command::Exec(args) => exec_cmd::run(&ctx, args),
        Command::Config(cmd) => config_cmd::run(&ctx, cmd),
        Command::Plan(args) => plan_cmd::run(&ctx, args),
        Command::Apply(args) => apply_cmd::run(&ctx, args),
        Command::State(cmd) => state_cmd::run(&ctx, cmd),
        Command::Graph(args) => graph_cmd::run(&ctx, args),
        Command::Drift(args) => drift_cmd::run(&ctx, args),
        Command::Import(args) => import_cmd::run(&ctx, args),
        Command::Export(args) => export_cmd::run(&ctx, args),
        Command::Schema(args) => schema_cmd::run(args),
        Command::Completions(args) => completions_cmd::run(args),
        Command::Man(args) => man_cmd::run(&ctx, args),
    }
}
