//! `pudo config render|diff`: component configuration views.
//!
//! A component folder (`config/training`) holds `base.yaml` and
//! `<env>.override.yaml` files merged with the overlay rules. On the
//! project's own `environments/` folder, `render` prints the merged and
//! expanded configuration of one environment, and `diff` compares the
//! resolved resources of two environments with the environment name
//! factored out (the promotion preview).

use super::{Context, find_project_root};
use crate::cli::ConfigCommand;
use crate::config::{self, Diagnostics, KeyChange, Project};
use crate::error::{Error, Result};
use crate::model::{Attrs, StackName};
use crate::render::style;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(ctx: &Context, cmd: ConfigCommand) -> Result<ExitCode> {
    match cmd {
        ConfigCommand::Render { dir } => render(ctx, &dir),
        ConfigCommand::Diff { dir, env_a, env_b } => diff(ctx, &dir, &env_a, &env_b),
    }
}

/// The folder asked for, and the project root when it is the project's
/// `environments/` folder.
fn locate(ctx: &Context, dir: &Path) -> Result<(PathBuf, Option<PathBuf>)> {
    let path = ctx.cwd.join(dir);
    if !path.is_dir() {
        return Err(Error::usage_with_hint(
            format!("`{}` is not a folder", dir.display()),
            "pass a component folder that holds base.yaml, e.g. `config/training`",
        ));
    }
    let canonical = std::fs::canonicalize(&path).map_err(|e| Error::io("open", &path, e))?;
    let environments_of = canonical
        .parent()
        .filter(|root| {
            let base = root.join(config::BASE_FILE);
            base == canonical.join("base.yaml") && base.is_file()
        })
        .map(Path::to_path_buf);
    Ok((path, environments_of))
}

/// The project around the folder or the current directory, if any.
fn nearby_project(ctx: &Context, path: &Path) -> Result<Option<Project>> {
    let root = find_project_root(&ctx.cwd).or_else(|| find_project_root(path));
    match root {
        Some(root) => Ok(Some(load(&root)?)),
        None => Ok(None),
    }
}

fn load(root: &Path) -> Result<Project> {
    let project = Project::load(root)?;
    print_warnings(&project.warnings);
    Ok(project)
}

fn print_warnings(diags: &Diagnostics) {
    for w in diags.warnings() {
        eprintln!("{}", style::error_message(&w.to_string()));
    }
}

/// The declared name of `given` (case-insensitive), or an error listing
/// the environments.
fn declared(project: &Project, given: &str) -> Result<String> {
    match project.environment(given) {
        Some(env) => Ok(env.name.clone()),
        None => Err(crate::environment::EnvironmentError::Unknown {
            given: given.to_string(),
            environments: project.environments.clone(),
        }
        .into()),
    }
}

/// `-e ENV`, else the environment of the git branch (needs a project).
fn environment_for(ctx: &Context, project: Option<&Project>) -> Result<String> {
    let name = match (ctx.global.env.as_deref(), project) {
        (Some(given), Some(project)) => {
            if given.eq_ignore_ascii_case(StackName::SHARED) {
                None
            } else {
                Some(declared(project, given)?)
            }
        }
        (Some(given), None) => Some(given.to_ascii_uppercase()),
        (None, Some(project)) => ctx.resolve_environment(project)?.environment,
        (None, None) => {
            return Err(Error::usage_with_hint(
                "no environment: this folder is not inside a pudo project, so the git branch cannot choose one",
                "pass `-e ENV`, e.g. `pudo config render config/training -e PROD`",
            ));
        }
    };
    name.ok_or_else(|| {
        Error::usage_with_hint(
            "`config render` shows one environment, not the shared stack",
            "pass `-e ENV` with an environment name",
        )
    })
}

fn render(ctx: &Context, dir: &Path) -> Result<ExitCode> {
    let (path, environments_of) = locate(ctx, dir)?;
    if let Some(root) = environments_of {
        let project = load(&root)?;
        let env = environment_for(ctx, Some(&project))?;
        print!("{}", project.render_environment(&env)?);
        return Ok(ExitCode::SUCCESS);
    }
    let project = nearby_project(ctx, &path)?;
    let env = environment_for(ctx, project.as_ref())?;
    let override_name = format!("{}.override.yaml", env.to_ascii_lowercase());
    if project.is_none() && !path.join(&override_name).is_file() {
        eprintln!(
            "{}",
            style::error_message(&format!(
                "warning: `{}/{override_name}` does not exist: showing base.yaml alone",
                dir.display()
            ))
        );
    }
    let rendered = config::render_component(&path, &shown(dir), &env, project.as_ref())?;
    print_warnings(&rendered.warnings);
    print!("{}", rendered.yaml);
    Ok(ExitCode::SUCCESS)
}

/// The folder as the user wrote it, without a trailing slash.
fn shown(dir: &Path) -> String {
    let text = dir.display().to_string();
    text.trim_end_matches('/').to_string()
}

fn diff(ctx: &Context, dir: &Path, a: &str, b: &str) -> Result<ExitCode> {
    let (path, environments_of) = locate(ctx, dir)?;
    if let Some(root) = environments_of {
        let project = load(&root)?;
        return promotion_preview(&project, a, b);
    }
    let project = nearby_project(ctx, &path)?;
    let (a, b) = match &project {
        Some(p) => (declared(p, a)?, declared(p, b)?),
        None => (a.to_ascii_uppercase(), b.to_ascii_uppercase()),
    };
    let (changes, warnings) = config::diff_component(&path, &shown(dir), &a, &b)?;
    print_warnings(&warnings);
    println!(
        "{}",
        style::heading().apply_to(format!("{}: {a} -> {b}", shown(dir)))
    );
    if changes.is_empty() {
        println!("no differences");
        return Ok(ExitCode::SUCCESS);
    }
    for change in &changes {
        println!("{}", key_change_line(change));
    }
    println!("{}", summary(&changes));
    Ok(ExitCode::SUCCESS)
}

fn key_change_line(change: &KeyChange) -> String {
    match (&change.before, &change.after) {
        (None, Some(after)) => style::create()
            .apply_to(format!("+ {}: {after}", change.path))
            .to_string(),
        (Some(before), None) => style::drop()
            .apply_to(format!("- {}: {before}", change.path))
            .to_string(),
        (Some(before), Some(after)) => style::update()
            .apply_to(format!("~ {}: {before} -> {after}", change.path))
            .to_string(),
        (None, None) => String::new(),
    }
}

fn summary(changes: &[KeyChange]) -> String {
    let added = changes.iter().filter(|c| c.before.is_none()).count();
    let removed = changes.iter().filter(|c| c.after.is_none()).count();
    let changed = changes.len() - added - removed;
    format!("{added} added, {changed} changed, {removed} removed")
}

/// The preview's placeholder for the environment's name.
pub const ENV_SHOWN: &str = "<ENV>";

/// `text` with the placeholder that `${env}` expanded to shown as `<ENV>`.
fn factor_env(text: &str) -> String {
    text.replace(config::ENV_PLACEHOLDER, ENV_SHOWN)
        .replace(&config::ENV_PLACEHOLDER.to_ascii_lowercase(), ENV_SHOWN)
}

/// An environment's own resources keyed by address, with `${env}` shown as
/// `<ENV>` where the configuration wrote it.
fn factored(project: &Project, env: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let stack = StackName::for_environment(env);
    let model = project.resolve_factored(env)?;
    Ok(model
        .owned_by(&stack)
        .map(|r| (factor_env(&r.id.address()), factored_attrs(&r.attrs)))
        .collect())
}

fn factored_attrs(attrs: &Attrs) -> BTreeMap<String, String> {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), factor_env(&v.to_string())))
        .collect()
}

/// One line of the promotion preview: `+` only in B, `-` only in A, `~`
/// different (with its attribute lines).
#[derive(Clone, Debug, serde::Serialize)]
pub struct PreviewEntry {
    pub change: &'static str,
    pub address: String,
    pub details: Vec<String>,
}

/// What B gets compared with what A has, `${env}` factored out.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Preview {
    pub from: String,
    pub to: String,
    pub entries: Vec<PreviewEntry>,
    pub same: usize,
}

impl Preview {
    pub fn compute(project: &Project, a: &str, b: &str) -> Result<Preview> {
        let a = declared(project, a)?;
        let b = declared(project, b)?;
        let left = factored(project, &a)?;
        let right = factored(project, &b)?;
        let mut entries = Vec::new();
        let mut same = 0;
        for (address, after) in &right {
            match left.get(address) {
                None => entries.push(PreviewEntry {
                    change: "+",
                    address: address.clone(),
                    details: after.iter().map(|(k, v)| format!("+ {k}: {v}")).collect(),
                }),
                Some(before) if before != after => {
                    let mut details = Vec::new();
                    for (k, v) in before {
                        match after.get(k) {
                            Some(w) if w == v => {}
                            Some(w) => details.push(format!("~ {k}: {v} -> {w}")),
                            None => details.push(format!("- {k}: {v}  (unmanaged in {b})")),
                        }
                    }
                    for (k, w) in after {
                        if !before.contains_key(k) {
                            details.push(format!("+ {k}: {w}"));
                        }
                    }
                    entries.push(PreviewEntry {
                        change: "~",
                        address: address.clone(),
                        details,
                    });
                }
                Some(_) => same += 1,
            }
        }
        for address in left.keys() {
            if !right.contains_key(address) {
                entries.push(PreviewEntry {
                    change: "-",
                    address: address.clone(),
                    details: Vec::new(),
                });
            }
        }
        Ok(Preview {
            from: a,
            to: b,
            entries,
            same,
        })
    }

    fn count(&self, change: &str) -> usize {
        self.entries.iter().filter(|e| e.change == change).count()
    }

    /// The preview as printed by `config diff environments A B`.
    pub fn human(&self) -> String {
        let (a, b) = (&self.from, &self.to);
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(
            style::heading()
                .apply_to(format!(
                    "promotion preview: {a} -> {b} (`{ENV_SHOWN}` stands for the environment's name)"
                ))
                .to_string(),
        );
        for e in &self.entries {
            let paint = |s: String, c: &str| match c {
                "+" => style::create().apply_to(s).to_string(),
                "-" => style::drop().apply_to(s).to_string(),
                _ => style::update().apply_to(s).to_string(),
            };
            let head = match e.change {
                "+" => format!("+ {}  (only in {b})", e.address),
                "-" => format!("- {}  (only in {a})", e.address),
                _ => format!("~ {}", e.address),
            };
            line(paint(head, e.change));
            for d in &e.details {
                line(paint(format!("    {d}"), &d[..1]));
            }
        }
        let (added, changed, removed) = (self.count("+"), self.count("~"), self.count("-"));
        if self.entries.is_empty() {
            line(format!("no differences: {b} gets exactly what {a} has"));
        } else {
            line(format!(
                "{added} only in {b}, {changed} different, {removed} only in {a}; {} the same",
                self.same
            ));
        }
        out
    }
}

/// `config diff environments A B`: what B gets that A has (or not).
fn promotion_preview(project: &Project, a: &str, b: &str) -> Result<ExitCode> {
    print!("{}", Preview::compute(project, a, b)?.human());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::factor_env;
    use crate::config::ENV_PLACEHOLDER;

    #[test]
    fn shows_only_the_placeholder_as_env() {
        let name = format!("warehouse.PUDO_{ENV_PLACEHOLDER}_WH");
        assert_eq!(factor_env(&name), "warehouse.PUDO_<ENV>_WH");
        assert_eq!(factor_env("database.ABRIGHT_PROD"), "database.ABRIGHT_PROD");
    }
}
