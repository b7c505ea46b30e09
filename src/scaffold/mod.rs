//! What `pudo init` writes: a new project's files, rendered from the
//! templates in `src/scaffold/templates/` with the names given on the
//! command line. Pure: the files are returned as values, and
//! `commands::init_cmd` checks what exists and writes them.
//!
//! Templates mark their blanks `{{name}}`; pudo's own `${env}` and GitHub's
//! `${{ expr }}` pass through untouched.
//!
//! The project gets pudo's JSON Schemas (`pudo schema`, `pudo schema
//! --override`) at the paths pudo's own repository ships them, and every
//! configuration file names its schema on its first line for the YAML
//! language server, so editors check the files from the start.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The repository the pudo GitHub Action is used from (`uses: <this>@vX.Y.Z`)
/// in the workflow `pudo init` writes and in `docs/ci.md`.
/// TODO(release): the placeholder until pudo's public repository is named;
/// `docs/ci.md` uses the same string.
pub const ACTION_REPOSITORY: &str = "OWNER/pudo";

const BASE: &str = include_str!("templates/base.yaml");
const OVERRIDE: &str = include_str!("templates/override.yaml");
const STATE_README: &str = include_str!("templates/state-README.md");
const STATE_GITIGNORE: &str = include_str!("templates/state-gitignore");
const ENV_EXAMPLE: &str = include_str!("templates/env.example");
const WORKFLOW: &str = include_str!("templates/workflow.yml");
/// Lines `pudo init` makes sure the project's `.gitignore` holds.
const GITIGNORE: &str = include_str!("templates/gitignore");

/// The environments `pudo init` declares without `--environments`.
pub const DEFAULT_ENVIRONMENTS: [&str; 3] = ["DEV", "STAGING", "PROD"];

/// Longest database name accepted: room for `_<ENV>_ROLE` within
/// Snowflake's 255 characters.
const MAX_DATABASE_LEN: usize = 200;

/// A new project: its database and its environments, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Upper-case plain identifier.
    pub database: String,
    /// In branch-matching order.
    pub environments: Vec<EnvironmentSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentSpec {
    /// Upper case (`DEV`).
    pub name: String,
    pub branches: Vec<String>,
    pub protected: bool,
}

/// Why the names given to `pudo init` cannot make a project.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error(
        "`{0}` is not a plain Snowflake name for `--database` (letters, digits, `_` and `$`, starting with a letter or `_`)"
    )]
    InvalidDatabase(String),
    #[error("`--database` is longer than {MAX_DATABASE_LEN} characters")]
    DatabaseTooLong,
    #[error("cannot name the database after the folder `{0}`")]
    NoDefaultDatabase(String),
    #[error("`--environments` names no environment")]
    NoEnvironments,
    #[error(
        "`{0}` is not a valid environment name (letters, digits and `_`, starting with a letter)"
    )]
    InvalidEnvironment(String),
    #[error("`SHARED` cannot be an environment: it is the shared stack")]
    SharedEnvironment,
    #[error("environment `{0}` is listed twice in `--environments`")]
    DuplicateEnvironment(String),
}

impl SpecError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            SpecError::InvalidDatabase(_) | SpecError::DatabaseTooLong => {
                "e.g. `--database ANALYTICS`; the name is folded to upper case"
            }
            SpecError::NoDefaultDatabase(_) => "pass `--database NAME`",
            SpecError::NoEnvironments
            | SpecError::InvalidEnvironment(_)
            | SpecError::SharedEnvironment
            | SpecError::DuplicateEnvironment(_) => {
                "e.g. `--environments DEV,STAGING,PROD` (comma-separated, in branch-matching order)"
            }
        }
    }
}

impl Spec {
    /// Checks the names and maps each environment to its default branches:
    /// DEV <- dev, feature/*; STAGING <- staging, release/*; PROD <- main.
    /// Any other name maps from its lower-case name. The production
    /// environment (PROD if listed, else the last one) takes `main` and is
    /// protected, so that the shared stack has a branch to apply from.
    pub fn new(database: &str, environments: &[String]) -> Result<Spec, SpecError> {
        let database = check_database(database)?;
        let mut names: Vec<String> = Vec::new();
        for written in environments {
            let written = written.trim();
            if written.is_empty() {
                continue;
            }
            let valid = written.starts_with(|c: char| c.is_ascii_alphabetic())
                && written
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(SpecError::InvalidEnvironment(written.to_string()));
            }
            let name = written.to_ascii_uppercase();
            if name == "SHARED" {
                return Err(SpecError::SharedEnvironment);
            }
            if names.contains(&name) {
                return Err(SpecError::DuplicateEnvironment(name));
            }
            names.push(name);
        }
        let Some(last) = names.last() else {
            return Err(SpecError::NoEnvironments);
        };
        let production = if names.iter().any(|n| n == "PROD") {
            "PROD".to_string()
        } else {
            last.clone()
        };
        let environments = names
            .into_iter()
            .map(|name| {
                let protected = name == production;
                let branches: Vec<String> = match name.as_str() {
                    _ if protected => vec!["main".into()],
                    "DEV" => vec!["dev".into(), "feature/*".into()],
                    "STAGING" => vec!["staging".into(), "release/*".into()],
                    other => vec![other.to_ascii_lowercase()],
                };
                EnvironmentSpec {
                    name,
                    branches,
                    protected,
                }
            })
            .collect();
        Ok(Spec {
            database,
            environments,
        })
    }

    /// The protected environment that takes `main`.
    fn production(&self) -> &EnvironmentSpec {
        self.environments
            .iter()
            .find(|e| e.protected)
            .expect("Spec::new makes one environment protected")
    }
}

fn check_database(written: &str) -> Result<String, SpecError> {
    let written = written.trim();
    let valid = written.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && written
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !valid {
        return Err(SpecError::InvalidDatabase(written.to_string()));
    }
    if written.len() > MAX_DATABASE_LEN {
        return Err(SpecError::DatabaseTooLong);
    }
    Ok(written.to_ascii_uppercase())
}

/// The database name `pudo init` derives from the project folder's name:
/// upper case, with runs of other characters (`-`, `.`, spaces) as one `_`.
pub fn database_from_folder(folder: &str) -> Result<String, SpecError> {
    let mut name = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_end_matches('_');
    check_database(name).map_err(|_| SpecError::NoDefaultDatabase(folder.to_string()))
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Written whole; an existing file is a conflict unless `--force`.
    Create,
    /// Lines added to the file where missing ([`add_gitignore_lines`]);
    /// never a conflict.
    AddLines,
}

/// One file of the new project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative to the project folder, with `/`.
    pub path: String,
    pub contents: String,
    pub mode: Mode,
}

/// A JSON Schema file to write into the project: its path relative to the
/// project (`schema/pudo.schema.json`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    pub path: String,
    pub text: String,
}

/// The schemas of `environments/base.yaml` and of the overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schemas {
    pub base: SchemaFile,
    pub overrides: SchemaFile,
}

/// The first line of a file in `environments/` that points the YAML
/// language server at `schema` (a path relative to the project).
fn modeline(schema: &SchemaFile) -> String {
    format!("# yaml-language-server: $schema=../{}\n", schema.path)
}

/// Every file of the new project, in the order they are reported.
pub fn files(spec: &Spec, schemas: &Schemas) -> Vec<File> {
    let create = |path: String, contents: String| File {
        path,
        contents,
        mode: Mode::Create,
    };
    let database = spec.database.as_str();
    let mut out = vec![create(
        "environments/base.yaml".into(),
        render(
            BASE,
            &[
                ("modeline", &modeline(&schemas.base)),
                ("database", database),
                ("environments", &environments_block(spec)),
            ],
        ),
    )];
    for env in &spec.environments {
        out.push(create(
            format!(
                "environments/{}.override.yaml",
                env.name.to_ascii_lowercase()
            ),
            render(
                OVERRIDE,
                &[
                    ("modeline", &modeline(&schemas.overrides)),
                    ("database", database),
                    ("env", &env.name),
                    ("vars", &override_vars(env)),
                ],
            ),
        ));
    }
    for schema in [&schemas.base, &schemas.overrides] {
        out.push(create(schema.path.clone(), schema.text.clone()));
    }
    let state_files: String = spec
        .environments
        .iter()
        .map(|e| format!("`{}.json`", e.name.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(create(
        "state/README.md".into(),
        render(
            STATE_README,
            &[
                ("database", database),
                (
                    "state_files",
                    &format!("- {state_files}: one per environment."),
                ),
            ],
        ),
    ));
    out.push(create("state/.gitignore".into(), STATE_GITIGNORE.into()));
    out.push(create(".env.example".into(), ENV_EXAMPLE.into()));
    out.push(File {
        path: ".gitignore".into(),
        contents: GITIGNORE.into(),
        mode: Mode::AddLines,
    });
    out.push(create(".github/workflows/pudo.yml".into(), workflow(spec)));
    out
}

/// The `environments:` entries of base.yaml, aligned.
fn environments_block(spec: &Spec) -> String {
    let width = spec
        .environments
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0)
        + 1;
    let mut out = String::new();
    for env in &spec.environments {
        let branches: Vec<String> = env.branches.iter().map(|b| yaml_branch(b)).collect();
        let key = format!("{}:", env.name);
        let _ = writeln!(
            out,
            "  {key:<width$} {{ branches: [{}]{} }}",
            branches.join(", "),
            if env.protected {
                ", protected: true"
            } else {
                ""
            }
        );
    }
    out.trim_end().to_string()
}

/// A branch pattern as a flow-sequence item: quoted unless plain.
fn yaml_branch(branch: &str) -> String {
    if branch
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        branch.to_string()
    } else {
        format!("\"{branch}\"")
    }
}

/// The `vars:` an environment's override starts with: small and quick to
/// suspend in DEV, a size up in production, base.yaml's values elsewhere.
fn override_vars(env: &EnvironmentSpec) -> String {
    if env.protected {
        "\nvars:\n  warehouse_size: SMALL       # base.yaml: XSMALL\n  auto_suspend: 600           # base.yaml: 300\n".into()
    } else if env.name == "DEV" {
        "\nvars:\n  auto_suspend: 60            # suspend after one idle minute (base.yaml: 300)\n"
            .into()
    } else {
        String::new()
    }
}

fn workflow(spec: &Spec) -> String {
    let production = spec.production();
    // Pushes to an environment's plain branches apply; patterns such as
    // `feature/*` are for plans only.
    let push_branches: Vec<&str> = spec
        .environments
        .iter()
        .filter_map(|e| e.branches.iter().find(|b| yaml_branch(b) == **b))
        .map(String::as_str)
        .collect();
    let mut drift_stacks = vec!["shared".to_string()];
    drift_stacks.extend(spec.environments.iter().map(|e| e.name.clone()));
    render(
        WORKFLOW,
        &[
            ("action", ACTION_REPOSITORY),
            ("version", env!("CARGO_PKG_VERSION")),
            ("push_branches", &push_branches.join(", ")),
            ("production_branch", &production.branches[0]),
            ("production_stack", &production.name.to_ascii_lowercase()),
            ("drift_stacks", &drift_stacks.join(", ")),
        ],
    )
}

/// Fills `{{name}}` blanks. A blank without a value is a bug in pudo (the
/// templates are part of it), caught by the tests: it panics.
fn render(template: &str, values: &[(&str, &str)]) -> String {
    let values: BTreeMap<&str, &str> = values.iter().copied().collect();
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let blank = after.find("}}").map(|end| &after[..end]).filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
        match blank {
            Some(name) => {
                let value = values
                    .get(name)
                    .unwrap_or_else(|| panic!("template blank `{{{{{name}}}}}` has no value"));
                out.push_str(value);
                rest = &after[name.len() + 2..];
            }
            // Not a blank (GitHub's `${{ expr }}`): keep the braces, look on.
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `existing` with every line of `wanted` (comments aside) it lacks appended,
/// after `wanted`'s comment; `None` when nothing is missing. A negation
/// (`!.env.example`) is appended again after any pattern added, since a
/// later pattern would ignore the file again.
pub fn add_gitignore_lines(existing: &str, wanted: &str) -> Option<String> {
    let has = |line: &str| existing.lines().any(|l| l.trim() == line);
    let patterns: Vec<&str> = wanted
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let added_pattern = patterns.iter().any(|p| !p.starts_with('!') && !has(p));
    let missing: Vec<&str> = patterns
        .into_iter()
        .filter(|p| !has(p) || (added_pattern && p.starts_with('!')))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for comment in wanted.lines().filter(|l| l.starts_with('#')) {
        out.push_str(comment);
        out.push('\n');
    }
    for line in missing {
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(envs: &[&str]) -> Spec {
        let envs: Vec<String> = envs.iter().map(|s| s.to_string()).collect();
        Spec::new("acme", &envs).unwrap()
    }

    #[test]
    fn default_environments_map_to_the_documented_branches() {
        let spec = spec(&DEFAULT_ENVIRONMENTS);
        assert_eq!(spec.database, "ACME");
        let got: Vec<(&str, Vec<&str>, bool)> = spec
            .environments
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.branches.iter().map(String::as_str).collect(),
                    e.protected,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("DEV", vec!["dev", "feature/*"], false),
                ("STAGING", vec!["staging", "release/*"], false),
                ("PROD", vec!["main"], true),
            ]
        );
    }

    #[test]
    fn without_prod_the_last_environment_takes_main() {
        let spec = spec(&["dev", "qa", "live"]);
        let last = spec.environments.last().unwrap();
        assert_eq!((last.name.as_str(), last.protected), ("LIVE", true));
        assert_eq!(last.branches, vec!["main"]);
        assert_eq!(spec.environments[1].branches, vec!["qa"]);
        assert!(spec.environments.iter().filter(|e| e.protected).count() == 1);
    }

    #[test]
    fn bad_names_are_refused_with_the_name() {
        let envs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let err = |db: &str, e: &[&str]| Spec::new(db, &envs(e)).unwrap_err();
        assert_eq!(
            err("my-db", &["DEV"]),
            SpecError::InvalidDatabase("my-db".into())
        );
        assert_eq!(
            err("1st", &["DEV"]),
            SpecError::InvalidDatabase("1st".into())
        );
        assert_eq!(err("DB", &[]), SpecError::NoEnvironments);
        assert_eq!(err("DB", &["", " "]), SpecError::NoEnvironments);
        assert_eq!(
            err("DB", &["DEV", "pr-od"]),
            SpecError::InvalidEnvironment("pr-od".into())
        );
        assert_eq!(err("DB", &["shared"]), SpecError::SharedEnvironment);
        assert_eq!(
            err("DB", &["dev", "DEV"]),
            SpecError::DuplicateEnvironment("DEV".into())
        );
        assert_eq!(err(&"D".repeat(201), &["DEV"]), SpecError::DatabaseTooLong);
    }

    #[test]
    fn the_database_defaults_to_the_folder_name() {
        assert_eq!(database_from_folder("acme-data").unwrap(), "ACME_DATA");
        assert_eq!(
            database_from_folder("my data..lake").unwrap(),
            "MY_DATA_LAKE"
        );
        assert_eq!(
            database_from_folder("2024"),
            Err(SpecError::NoDefaultDatabase("2024".into()))
        );
        assert!(database_from_folder("---").is_err());
    }

    fn schemas() -> Schemas {
        let file = |path: &str| SchemaFile {
            path: path.into(),
            text: "{}\n".into(),
        };
        Schemas {
            base: file("schema/base.json"),
            overrides: file("schema/override.json"),
        }
    }

    #[test]
    fn every_blank_is_filled_and_github_expressions_stay() {
        for file in files(&spec(&["DEV", "QA", "PROD"]), &schemas()) {
            let mut rest = file.contents.as_str();
            while let Some(i) = rest.find("{{") {
                let before = &rest[..i];
                assert!(
                    before.ends_with('$'),
                    "{}: unfilled blank near `{}`",
                    file.path,
                    &rest[i..(i + 30).min(rest.len())]
                );
                rest = &rest[i + 2..];
            }
        }
        let workflow = workflow(&spec(&["DEV", "QA", "PROD"]));
        assert!(workflow.contains("branches: [dev, qa, main]"), "{workflow}");
        assert!(workflow.contains("matrix: { env: [shared, DEV, QA, PROD] }"));
        assert!(workflow.contains("${{ secrets.SNOWFLAKE_ACCOUNT }}"));
        assert!(workflow.contains("github.ref_name == 'main' && 'prod'"));
    }

    #[test]
    fn configuration_files_name_their_schema_first() {
        let files = files(&spec(&DEFAULT_ENVIRONMENTS), &schemas());
        let first_line = |path: &str| {
            let file = files.iter().find(|f| f.path == path).unwrap();
            file.contents.lines().next().unwrap().to_string()
        };
        assert_eq!(
            first_line("environments/base.yaml"),
            "# yaml-language-server: $schema=../schema/base.json"
        );
        assert_eq!(
            first_line("environments/prod.override.yaml"),
            "# yaml-language-server: $schema=../schema/override.json"
        );
        assert!(files.iter().any(|f| f.path == "schema/override.json"));
    }

    #[test]
    fn render_fills_only_known_blanks() {
        assert_eq!(
            render("a {{x}} ${{ y }} ${env} {{x}}", &[("x", "1")]),
            "a 1 ${{ y }} ${env} 1"
        );
    }

    #[test]
    #[should_panic(expected = "has no value")]
    fn render_panics_on_a_blank_without_value() {
        render("{{missing}}", &[]);
    }

    #[test]
    fn the_environments_block_is_aligned_and_quotes_globs() {
        assert_eq!(
            environments_block(&spec(&DEFAULT_ENVIRONMENTS)),
            "  DEV:     { branches: [dev, \"feature/*\"] }\n  STAGING: { branches: [staging, \"release/*\"] }\n  PROD:    { branches: [main], protected: true }"
        );
    }

    #[test]
    fn gitignore_lines_are_added_once() {
        let wanted = "# secrets\n.env\n.env.*\n!.env.example\n";
        let fresh = add_gitignore_lines("", wanted).unwrap();
        assert_eq!(fresh, wanted);
        assert_eq!(add_gitignore_lines(&fresh, wanted), None);

        let partial = add_gitignore_lines("target/\n.env", wanted).unwrap();
        assert_eq!(
            partial,
            "target/\n.env\n\n# secrets\n.env.*\n!.env.example\n"
        );
        // The negation comes again after a pattern that would hide it.
        let negated_first = add_gitignore_lines("!.env.example\n.env\n", wanted).unwrap();
        assert!(
            negated_first.ends_with(".env.*\n!.env.example\n"),
            "{negated_first}"
        );
    }
}
