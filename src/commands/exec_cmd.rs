//! `pudo exec -- COMMAND...`: runs a command with the resolved
//! environment's connection settings (SNOWFLAKE_* variables, including the
//! configuration's `connection:` role and warehouse), `PUDO_ENV`, and
//! `PUDO_CONFIG_<COMPONENT>`: the path of each component's configuration
//! (`config/<component>/`) rendered for the environment. pudo prints
//! nothing of the settings; the command's exit code is pudo's.

use super::Context;
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use std::path::PathBuf;
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
    let rendered = Rendered::write(&project, &env)?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest).current_dir(&ctx.cwd).env("PUDO_ENV", &env);
    for (name, value, _) in conn.variables() {
        cmd.env(name, value);
    }
    for (variable, path) in &rendered.files {
        cmd.env(variable, path);
    }
    let status = cmd.status();
    drop(rendered);
    let status = status.map_err(|e| {
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

/// The components' configurations rendered for one environment, in a
/// private folder removed when the command is done.
struct Rendered {
    dir: Option<PathBuf>,
    /// `PUDO_CONFIG_<COMPONENT>` and the file's path.
    files: Vec<(String, PathBuf)>,
}

impl Rendered {
    /// Every `config/<component>/` of the project that holds a base.yaml.
    fn write(project: &crate::config::Project, env: &str) -> Result<Rendered> {
        let config = project.root.join("config");
        let mut components: Vec<(String, PathBuf)> = match std::fs::read_dir(config) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("base.yaml").is_file())
                .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
                .collect(),
            Err(_) => Vec::new(),
        };
        components.sort();
        let mut rendered = Rendered {
            dir: None,
            files: Vec::new(),
        };
        if components.is_empty() {
            return Ok(rendered);
        }
        let dir = std::env::temp_dir().join(format!(
            "pudo-exec-{}-{}",
            std::process::id(),
            crate::state::new_lineage()
        ));
        let mut builder = std::fs::DirBuilder::new();
        // Readable by this user only, like the settings the command gets.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|e| Error::io("create the folder", &dir, e))?;
        rendered.dir = Some(dir.clone());
        for (name, path) in components {
            let shown = format!("config/{name}");
            let component = crate::config::render_component(&path, &shown, env, Some(project))?;
            for w in component.warnings.warnings() {
                eprintln!("{w}");
            }
            let file = dir.join(format!("{name}.yaml"));
            std::fs::write(&file, component.yaml)
                .map_err(|e| Error::io("write the rendered configuration", &file, e))?;
            rendered.files.push((variable(&name), file));
        }
        Ok(rendered)
    }
}

impl Drop for Rendered {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `PUDO_CONFIG_` and the component's name in upper case, other characters
/// than letters and digits as `_` (`feature-store` -> `PUDO_CONFIG_FEATURE_STORE`).
fn variable(component: &str) -> String {
    let name: String = component
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PUDO_CONFIG_{name}")
}
