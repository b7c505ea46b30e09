//! Configuration: load YAML files (with file/line), merge base and overlay,
//! expand `${env}` / `${var.x}`, validate into a [`Model`].
//!
//! ```text
//! load (source.rs) -> merge (merge.rs) -> expand + validate (expand.rs, validate.rs) -> Model
//! ```
//!
//! Raw (serde) types never leave this module: the rest of the program sees
//! [`Project`], [`Model`] and [`Diagnostics`]. Component configurations
//! (`config/<name>/`) use the same overlay rules through
//! [`render_component`] and [`diff_component`].

mod component;
pub mod diagnostics;
mod expand;
mod merge;
mod source;
mod validate;

pub use component::{KeyChange, Rendered, diff_component, render_component};
pub use diagnostics::{Diagnostic, Diagnostics, Severity};

use crate::kinds::{self, Section};
use crate::model::{Ident, Model, Origin, Part, ResourceId, StackName};
use expand::{Expander, Vars};
use merge::{Merger, normalize_name};
use source::{At, Entry, Files, Kind, Loaded, Node, load_file};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file under the project root that marks it.
pub const BASE_FILE: &str = "environments/base.yaml";

/// What `${env}` expands to in [`Project::resolve_factored`]: a valid
/// identifier part that no configuration writes (shown as `<ENV>`).
pub const ENV_PLACEHOLDER: &str = "PUDO0ENV0PLACEHOLDER";

/// The folder that holds base.yaml and the overrides.
pub const ENVIRONMENTS_DIR: &str = "environments";

/// The override file of an environment, relative to the project root.
pub fn override_file(env: &str) -> String {
    format!(
        "{ENVIRONMENTS_DIR}/{}.override.yaml",
        env.to_ascii_lowercase()
    )
}

/// One environment declared under `environments:` in base.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentDef {
    /// Upper case: `DEV`, `STAGING`, `PROD`.
    pub name: String,
    /// Branch globs, matched in order (`dev`, `feature/*`).
    pub branches: Vec<String>,
    /// Applies only from a branch that maps to it.
    pub protected: bool,
    /// Default lifecycle states of the environment's objects, by the key a
    /// kind's lifecycle reads (`("tasks", "started")`).
    pub lifecycle: Vec<(String, String)>,
    /// `require_promotion: STAGING`: `pudo apply` here first runs the
    /// promotion checks from that environment (the gate).
    pub require_promotion: Option<String>,
    pub origin: Option<Origin>,
}

/// A loaded project: every environment's files read and checked for syntax.
#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
    pub environments: Vec<EnvironmentDef>,
    /// Where recorded state lives (`state:` in base.yaml).
    pub state: StateSettings,
    /// Non-fatal findings (e.g. "did you mean" on an override key).
    pub warnings: Diagnostics,
    files: Files,
    base: Node,
    /// Override documents by environment name; absent = empty overlay.
    overlays: HashMap<String, Node>,
    shared: OnceLock<Result<Model, Diagnostics>>,
}

impl Project {
    /// Reads `environments/base.yaml` and every `<env>.override.yaml`.
    ///
    /// Syntax errors, a bad `environments:` section and problems with the
    /// override files are reported here, all of them; everything else is
    /// checked by [`Project::resolve`].
    pub fn load(root: &Path) -> Result<Project, Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut files = Files::default();
        let base = match load_file(&root.join(BASE_FILE), BASE_FILE, &mut files, &mut diags) {
            Loaded::Doc(node) => node,
            Loaded::Failed => return Err(diags),
        };
        match &base.kind {
            Kind::Map(entries) if !entries.is_empty() => {}
            Kind::Null | Kind::Map(_) => {
                diags.push(
                    Diagnostic::error("the file is empty")
                        .in_file(BASE_FILE, None)
                        .with_hint(
                            "declare `environments:` and the resources; see docs/configuration.md",
                        ),
                );
                return Err(diags);
            }
            _ => {
                diags.push(files.place(
                    Diagnostic::error(format!(
                        "expected a mapping of sections (environments, vars, databases, ...), found {}",
                        base.type_name()
                    )),
                    base.at,
                ));
                return Err(diags);
            }
        }
        let environments = parse_environments(&base, &files, &mut diags);
        let state = parse_state(&base, &files, &mut diags);

        let mut overlays = HashMap::new();
        for env in &environments {
            let rel = override_file(&env.name);
            let path = root.join(&rel);
            if !path.exists() {
                // A missing override is an empty one.
                continue;
            }
            let node = match load_file(&path, &rel, &mut files, &mut diags) {
                Loaded::Doc(node) => node,
                Loaded::Failed => continue,
            };
            match &node.kind {
                Kind::Null => continue,
                Kind::Map(entries) => {
                    for e in entries
                        .iter()
                        .filter(|e| e.key == "environments" || e.key == "state")
                    {
                        diags.push(
                            files.place(
                                Diagnostic::error(format!(
                                    "{} can only be declared in base.yaml",
                                    e.key
                                ))
                                .at_key(&e.key)
                                .with_hint("move this section to environments/base.yaml"),
                                e.key_at,
                            ),
                        );
                    }
                }
                _ => {
                    diags.push(files.place(
                        Diagnostic::error(format!(
                            "expected a mapping (only what differs from base.yaml), found {}",
                            node.type_name()
                        )),
                        node.at,
                    ));
                    continue;
                }
            }
            overlays.insert(env.name.clone(), node);
        }
        stray_files(root, &environments, &mut diags);

        for env in &environments {
            if let Some(overlay) = overlays.get(&env.name) {
                let vars = merged_vars(&base, Some(overlay));
                let x = Expander::new(Some(&env.name), &vars);
                for w in merge::overlay_warnings(&base, overlay, &x, &files) {
                    diags.push(w);
                }
            }
        }

        let mut project = Project {
            root: root.to_path_buf(),
            environments,
            state,
            warnings: Diagnostics::default(),
            files,
            base,
            overlays,
            shared: OnceLock::new(),
        };
        diags.extend(project.check_sections());
        if diags.has_errors() {
            return Err(diags);
        }
        project.warnings = diags;
        Ok(project)
    }

    /// The desired resources for a stack: for `shared`, the shared objects;
    /// for an environment's stack, its own objects plus the shared ones it
    /// depends on (tagged with their owning stack).
    pub fn resolve(&self, stack: &StackName) -> Result<Model, Diagnostics> {
        self.resolve_with(stack, None, &[])
    }

    /// An environment's model with every `${env}` written as
    /// [`ENV_PLACEHOLDER`] instead of the environment's name (its override,
    /// variables and lifecycle still apply): names and values then show
    /// exactly where the configuration wrote `${env}`, which a text search
    /// for the name cannot tell (`PROD` written literally stays `PROD`).
    ///
    /// An override that names one of the environment's own objects by its
    /// expanded name (`on: warehouse PUDO_PROD_WH`) keeps that name (it was
    /// written literally); such references resolve against the
    /// environment's real model.
    pub fn resolve_factored(&self, env: &str) -> Result<Model, Diagnostics> {
        let stack = StackName::for_environment(env);
        let real = self.resolve(&stack)?;
        let known: Vec<ResourceId> = real.resources.into_keys().collect();
        self.resolve_with(&stack, Some(ENV_PLACEHOLDER), &known)
    }

    fn resolve_with(
        &self,
        stack: &StackName,
        env_text: Option<&str>,
        known: &[ResourceId],
    ) -> Result<Model, Diagnostics> {
        if stack.is_shared() {
            return self.shared_model().clone();
        }
        let Some(env) = self
            .environments
            .iter()
            .find(|e| StackName::for_environment(&e.name) == *stack)
        else {
            let names: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            let mut d = Diagnostics::default();
            d.push(
                Diagnostic::error(format!("no environment has the stack `{stack}`"))
                    .with_hint(format!("environments: {}", names.join(", "))),
            );
            return Err(d);
        };
        let overlay = self.overlays.get(&env.name);
        let vars = merged_vars(&self.base, overlay);
        // Overlay keys match base names as expanded with the real name
        // (`PUDO_PROD_WH` addresses `PUDO_${env}_WH`); the merged entry keeps
        // the base's key, so `env_text` applies where `${env}` was written.
        let x = Expander::new(Some(&env.name), &vars);
        let merged = self.merged(overlay, x);
        let root = self.root.clone();
        let (name, component_vars) = (env.name.clone(), vars.clone());
        let reader = move |dir: &str| component::component_json(&root, dir, &name, &component_vars);
        let settings = validate::Settings {
            lifecycle: &env.lifecycle,
            component: Some(&reader),
            env_text,
            known,
        };
        let model = validate::build_model(&merged, &self.files, Some(&env.name), &vars, &settings)?;
        if let (Ok(shared), Some(overlay)) = (self.shared_model(), overlay) {
            self.check_shared_unchanged(&model, shared, overlay, &env.name, x)?;
        }
        Ok(model)
    }

    pub fn environment(&self, name: &str) -> Option<&EnvironmentDef> {
        self.environments
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// base.yaml merged with the environment's override and expanded, as
    /// YAML (`pudo config render environments -e ENV`).
    pub fn render_environment(&self, env: &str) -> Result<String, Diagnostics> {
        let Some(def) = self.environment(env) else {
            let names: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            let mut d = Diagnostics::default();
            d.push(
                Diagnostic::error(format!("unknown environment `{env}`"))
                    .with_hint(format!("use one of {}", names.join(", "))),
            );
            return Err(d);
        };
        let overlay = self.overlays.get(&def.name);
        let vars = merged_vars(&self.base, overlay);
        let x = Expander::new(Some(&def.name), &vars);
        let merged = self.merged(overlay, x);
        let mut errors = Vec::new();
        let expanded = x.tree(&merged, &mut errors);
        if !errors.is_empty() {
            let mut d = Diagnostics::default();
            for (e, node) in errors {
                let (message, hint) = e.describe();
                let mut diag = Diagnostic::error(message);
                if let Some(hint) = hint {
                    diag = diag.with_hint(hint);
                }
                d.push(self.files.place(diag, node.at));
            }
            return Err(d);
        }
        Ok(source::render_yaml(&expanded.to_yaml()))
    }

    fn merged<'a>(&'a self, overlay: Option<&Node>, x: Expander<'_>) -> Cow<'a, Node> {
        match overlay {
            Some(o) => Cow::Owned(Merger::project(x).merge(&self.base, o)),
            None => Cow::Borrowed(&self.base),
        }
    }

    fn shared_model(&self) -> &Result<Model, Diagnostics> {
        self.shared.get_or_init(|| {
            let vars = merged_vars(&self.base, None);
            validate::build_model(
                &self.base,
                &self.files,
                None,
                &vars,
                &validate::Settings::default(),
            )
        })
    }

    /// Shared objects are identical in every environment: an override may
    /// not add, change or remove one (directly, or through a variable).
    fn check_shared_unchanged(
        &self,
        model: &Model,
        shared: &Model,
        overlay: &Node,
        env: &str,
        x: Expander<'_>,
    ) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut report = |id: &ResourceId, what: &str| {
            let (at, path) = find_in_overlay(overlay, id, &x)
                .or_else(|| {
                    overlay
                        .as_map()?
                        .iter()
                        .find(|e| e.key == "vars")
                        .map(|e| (e.key_at, "vars".to_string()))
                })
                .unwrap_or((overlay.at, String::new()));
            let mut d = Diagnostic::error(format!(
                "`{id}` is shared, so {} cannot {what} it",
                override_file(env)
            ))
            .with_hint(
                "shared objects are identical in every environment: change them in base.yaml (a variable they use must not differ either)",
            );
            if !path.is_empty() {
                d = d.at_key(path);
            }
            diags.push(self.files.place(d, at));
        };
        for r in model.resources.values().filter(|r| r.stack.is_shared()) {
            match shared.resources.get(&r.id) {
                Some(s) if s.attrs == r.attrs => {}
                Some(_) => report(&r.id, "change"),
                None => report(&r.id, "add"),
            }
        }
        for id in shared.resources.keys() {
            if !model.resources.contains_key(id) {
                report(id, "remove");
            }
        }
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }
}

/// `vars:` of base, with the override's `vars:` applied.
fn merged_vars(base: &Node, overlay: Option<&Node>) -> Vars {
    let empty = Node::empty_map(At::default());
    let base_vars = base.get("vars").unwrap_or(&empty);
    let merged = match overlay.and_then(|o| o.get("vars")) {
        Some(o) => Merger::plain().merge(base_vars, o),
        None => base_vars.clone(),
    };
    let mut vars = Vars::new();
    if let Some(entries) = merged.as_map() {
        for e in entries {
            vars.insert(e.key.clone(), e.value.clone());
        }
    }
    vars
}

/// Where an override writes about resource `id` (for messages): the entry
/// of the resource, or of the resource whose entry declares it (a grant is
/// written under its role).
fn find_in_overlay(overlay: &Node, id: &ResourceId, x: &Expander<'_>) -> Option<(At, String)> {
    let names: Vec<&Ident> = id
        .parts()
        .iter()
        .filter_map(|p| match p {
            Part::Name(n) => Some(n),
            _ => None,
        })
        .collect();
    let kind = kinds::of(id);
    let (kind, names) = match kind.section {
        Section::Items { parent, .. } => (parent, &names[..parent.meta.fields.len()]),
        _ => (kind, &names[..]),
    };
    locate(overlay, kind, names, x).map(|(at, path, _)| (at, path))
}

/// The entry of a `kind` resource named `names` in `doc`: where, its key
/// path, its value.
fn locate(
    doc: &Node,
    kind: &'static kinds::Kind,
    names: &[&Ident],
    x: &Expander<'_>,
) -> Option<(At, String, Node)> {
    let (name, outer) = names.split_last()?;
    let find = |section: &Node| -> Option<(At, String, Node)> {
        section.as_map()?.iter().find_map(|e| {
            (normalize_name(x, &e.key) == name.as_str())
                .then(|| (e.key_at, e.key.clone(), e.value.clone()))
        })
    };
    match kind.section {
        Section::Top(section) => {
            let (at, key, node) = find(doc.get(section)?)?;
            Some((at, format!("{section}.{key}"), node))
        }
        Section::Child { parent, key: child } => {
            let (_, path, node) = locate(doc, parent, outer, x)?;
            let (at, key, node) = find(node.get(child)?)?;
            Some((at, format!("{path}.{child}.{key}"), node))
        }
        Section::Items { .. } => None,
    }
}

/// Compiles one branch pattern.
pub fn branch_matcher(pattern: &str) -> Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::Glob::new(pattern)?.compile_matcher())
}

/// The lifecycle whose environment key is `key` (`tasks`).
fn lifecycle_of(key: &str) -> Option<&'static crate::kinds::Lifecycle> {
    kinds::ALL
        .iter()
        .filter_map(|k| k.rules.lifecycle)
        .find(|lc| lc.env_key == key)
}

/// The keys of an environment's entry: `branches`, `protected`, and each
/// lifecycle's default (`tasks`).
pub fn environment_keys() -> Vec<&'static str> {
    let mut keys = vec!["branches", "protected", "require_promotion"];
    keys.extend(
        kinds::ALL
            .iter()
            .filter_map(|k| k.rules.lifecycle)
            .map(|lc| lc.env_key),
    );
    keys
}

/// Reads and checks `environments:`.
/// Where recorded state lives: `state:` in base.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateSettings {
    /// `local` (files under `state/`, the default) or `snowflake`.
    pub backend: StateBackendKind,
    /// The Snowflake tables' place (default `PUDO_ADMIN.STATE`), and how
    /// many serials to keep (`history`, default all).
    pub snowflake: crate::state::snowflake::Location,
    /// The role the state sessions log in with (default: the connection's
    /// role, else the user's default role).
    pub role: Option<crate::model::Ident>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateBackendKind {
    Local,
    Snowflake,
}

impl std::fmt::Display for StateBackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StateBackendKind::Local => "local",
            StateBackendKind::Snowflake => "snowflake",
        })
    }
}

impl Default for StateSettings {
    fn default() -> StateSettings {
        StateSettings {
            backend: StateBackendKind::Local,
            snowflake: crate::state::snowflake::Location {
                database: crate::model::Ident::parse("PUDO_ADMIN").expect("an identifier"),
                schema: crate::model::Ident::parse("STATE").expect("an identifier"),
                history: None,
            },
            role: None,
        }
    }
}

/// The entries of top-level section `key` of `doc`: `None` when it is
/// absent or `null`, or (reported) when it is not a mapping; `keys` names
/// what the mapping holds, for the message.
fn optional_section<'d>(
    doc: &'d Node,
    key: &str,
    keys: &str,
    files: &Files,
    diags: &mut Diagnostics,
) -> Option<&'d [Entry]> {
    let section = doc.get(key)?;
    match section.as_map() {
        Some(entries) => Some(entries),
        None => {
            if !section.is_null() {
                diags.push(
                    files.place(
                        Diagnostic::error(format!(
                            "expected a mapping ({keys}), found {}",
                            section.type_name()
                        ))
                        .at_key(key),
                        section.at,
                    ),
                );
            }
            None
        }
    }
}

/// The keys of `state:`.
pub const STATE_KEYS: &[&str] = &["backend", "database", "schema", "history", "role"];

fn parse_state(base: &Node, files: &Files, diags: &mut Diagnostics) -> StateSettings {
    let mut settings = StateSettings::default();
    let Some(section) = base
        .as_map()
        .and_then(|m| m.iter().find(|e| e.key == "state"))
    else {
        return settings;
    };
    let Some(entries) = section.value.as_map() else {
        diags.push(
            files.place(
                Diagnostic::error(format!(
                    "expected a mapping (backend, database, schema, history, role), found {}",
                    section.value.type_name()
                ))
                .at_key("state"),
                section.value.at,
            ),
        );
        return settings;
    };
    for e in entries {
        let path = format!("state.{}", e.key);
        let mut bad = |message: String, hint: &str| {
            diags.push(files.place(
                Diagnostic::error(message).at_key(&path).with_hint(hint),
                e.value.at,
            ));
        };
        match (e.key.as_str(), &e.value.kind) {
            ("backend", Kind::Str(s)) if s == "local" => settings.backend = StateBackendKind::Local,
            ("backend", Kind::Str(s)) if s == "snowflake" => {
                settings.backend = StateBackendKind::Snowflake
            }
            ("backend", _) => bad(
                "expected `local` or `snowflake`".to_string(),
                "local: files under state/ (the default); snowflake: tables in the account",
            ),
            ("database" | "schema" | "role", Kind::Str(s)) => match crate::model::Ident::parse(s) {
                Ok(ident) if e.key == "database" => settings.snowflake.database = ident,
                Ok(ident) if e.key == "schema" => settings.snowflake.schema = ident,
                Ok(ident) => settings.role = Some(ident),
                Err(err) => bad(format!("not an identifier: {err}"), "e.g. PUDO_ADMIN"),
            },
            ("database" | "schema" | "role", _) => bad(
                format!("expected a name, found {}", e.value.type_name()),
                "e.g. PUDO_ADMIN",
            ),
            ("history", Kind::Int(n)) if *n >= 1 => settings.snowflake.history = Some(*n as u64),
            ("history", _) => bad(
                "expected a number of serials to keep, at least 1".to_string(),
                "omit it to keep every serial",
            ),
            (key, _) => {
                let hint = crate::suggest::did_you_mean(key, STATE_KEYS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("keys: {}", STATE_KEYS.join(", ")));
                diags.push(
                    files.place(
                        Diagnostic::error(format!("unknown key `{key}` in `state`"))
                            .at_key(&path)
                            .with_hint(hint),
                        e.key_at,
                    ),
                );
            }
        }
    }
    settings
}

fn parse_environments(base: &Node, files: &Files, diags: &mut Diagnostics) -> Vec<EnvironmentDef> {
    let example = "environments:\n    DEV: { branches: [dev, \"feature/*\"] }\n    PROD: { branches: [main], protected: true }";
    let Some(section) = base
        .as_map()
        .and_then(|m| m.iter().find(|e| e.key == "environments"))
    else {
        diags.push(
            Diagnostic::error("base.yaml declares no environments")
                .in_file(BASE_FILE, None)
                .at_key("environments")
                .with_hint(format!("add, for example:\n    {example}")),
        );
        return Vec::new();
    };
    let Some(entries) = section.value.as_map().filter(|m| !m.is_empty()) else {
        diags.push(
            files.place(
                Diagnostic::error(format!(
                    "expected a mapping of environment names, found {}",
                    section.value.type_name()
                ))
                .at_key("environments")
                .with_hint(format!("for example:\n    {example}")),
                section.value.at,
            ),
        );
        return Vec::new();
    };
    let mut out: Vec<EnvironmentDef> = Vec::new();
    let mut requires: Vec<(String, String, At)> = Vec::new();
    for e in entries {
        let path = format!("environments.{}", e.key);
        let place = |d: Diagnostic, at: At| files.place(d.at_key(path.clone()), at);
        let valid = e
            .key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && e.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let name = e.key.to_ascii_uppercase();
        if !valid {
            diags.push(place(
                Diagnostic::error(format!("`{}` is not a valid environment name", e.key))
                    .with_hint("use letters, digits and `_`, starting with a letter (e.g. DEV)"),
                e.key_at,
            ));
            continue;
        }
        if name == "SHARED" {
            diags.push(place(
                Diagnostic::error("`SHARED` is reserved for the shared stack")
                    .with_hint("choose another environment name"),
                e.key_at,
            ));
            continue;
        }
        if out.iter().any(|o| o.name == name) {
            diags.push(place(
                Diagnostic::error(format!("environment `{name}` is declared twice")),
                e.key_at,
            ));
            continue;
        }
        let mut def = EnvironmentDef {
            name,
            branches: Vec::new(),
            protected: false,
            lifecycle: Vec::new(),
            require_promotion: None,
            origin: Some(Origin {
                file: BASE_FILE.to_string(),
                line: e.key_at.line as usize,
            }),
        };
        let fields = match &e.value.kind {
            Kind::Map(fields) => fields.as_slice(),
            Kind::Null => &[],
            _ => {
                diags.push(place(
                    Diagnostic::error(format!(
                        "expected `{{ branches: [...], protected: ... }}`, found {}",
                        e.value.type_name()
                    )),
                    e.value.at,
                ));
                continue;
            }
        };
        for f in fields {
            let fpath = format!("{path}.{}", f.key);
            match f.key.as_str() {
                "branches" => {
                    let items = match &f.value.kind {
                        Kind::List(items) => items.as_slice(),
                        Kind::Str(_) => std::slice::from_ref(&f.value),
                        Kind::Null => &[],
                        _ => {
                            diags.push(
                                files.place(
                                    Diagnostic::error(format!(
                                        "expected a list of branch patterns, found {}",
                                        f.value.type_name()
                                    ))
                                    .at_key(fpath.clone()),
                                    f.value.at,
                                ),
                            );
                            continue;
                        }
                    };
                    for item in items {
                        let Some(pattern) = item.as_str() else {
                            diags.push(
                                files.place(
                                    Diagnostic::error(format!(
                                        "expected a branch pattern, found {}",
                                        item.type_name()
                                    ))
                                    .at_key(fpath.clone()),
                                    item.at,
                                ),
                            );
                            continue;
                        };
                        match branch_matcher(pattern) {
                            Ok(_) => def.branches.push(pattern.to_string()),
                            Err(err) => diags.push(files.place(
                                Diagnostic::error(format!(
                                    "branch pattern `{pattern}` is not a valid glob: {}",
                                    err.kind()
                                ))
                                .at_key(fpath.clone())
                                .with_hint("patterns are globs: `main`, `feature/*`, `release/**`; quote them in YAML"),
                                item.at,
                            )),
                        }
                    }
                }
                "protected" => match f.value.kind {
                    Kind::Bool(b) => def.protected = b,
                    _ => diags.push(
                        files.place(
                            Diagnostic::error(format!(
                                "expected `true` or `false`, found {}",
                                f.value.describe()
                            ))
                            .at_key(fpath.clone())
                            .with_hint("YAML booleans are `true` and `false`"),
                            f.value.at,
                        ),
                    ),
                },
                "require_promotion" => match f.value.as_str() {
                    Some(v) if !v.trim().is_empty() => {
                        let from = v.trim().to_ascii_uppercase();
                        requires.push((def.name.clone(), from.clone(), f.value.at));
                        def.require_promotion = Some(from);
                    }
                    _ => diags.push(
                        files.place(
                            Diagnostic::error(format!(
                                "expected the name of the environment promoted from, found {}",
                                f.value.describe()
                            ))
                            .at_key(fpath.clone())
                            .with_hint("e.g. `require_promotion: STAGING`"),
                            f.value.at,
                        ),
                    ),
                },
                key if lifecycle_of(key).is_some() => {
                    let lc = lifecycle_of(key).expect("checked");
                    match f.value.as_str().map(|v| v.trim().to_ascii_lowercase()) {
                        Some(v) if v == lc.active || v == lc.inactive => {
                            def.lifecycle.push((key.to_string(), v))
                        }
                        _ => diags.push(
                            files.place(
                                Diagnostic::error(format!(
                                    "`{key}` is `{}` or `{}`, found {}",
                                    lc.active,
                                    lc.inactive,
                                    f.value.describe()
                                ))
                                .at_key(fpath.clone()),
                                f.value.at,
                            ),
                        ),
                    }
                }
                other => {
                    let keys = environment_keys();
                    let hint = match crate::suggest::did_you_mean(other, keys.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("valid keys: {}", keys.join(", ")),
                    };
                    diags.push(
                        files.place(
                            Diagnostic::error(format!("unknown key `{other}` in an environment"))
                                .at_key(fpath.clone())
                                .with_hint(hint),
                            f.key_at,
                        ),
                    );
                }
            }
        }
        out.push(def);
    }
    for (env, from, at) in requires {
        let path = format!("environments.{env}.require_promotion");
        if from == env {
            diags.push(
                files.place(
                    Diagnostic::error(format!("`{env}` cannot require a promotion from itself"))
                        .at_key(path),
                    at,
                ),
            );
        } else if !out.iter().any(|o| o.name == from) {
            let names: Vec<&str> = out.iter().map(|o| o.name.as_str()).collect();
            diags.push(
                files.place(
                    Diagnostic::error(format!("`{from}` is not a declared environment"))
                        .at_key(path)
                        .with_hint(format!("use one of {}", names.join(", "))),
                    at,
                ),
            );
        }
    }
    out
}

/// Warns about override files that no declared environment reads.
fn stray_files(root: &Path, environments: &[EnvironmentDef], diags: &mut Diagnostics) {
    let Ok(dir) = std::fs::read_dir(root.join(ENVIRONMENTS_DIR)) else {
        return;
    };
    let declared: Vec<String> = environments
        .iter()
        .map(|e| e.name.to_ascii_lowercase())
        .collect();
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let rel = format!("{ENVIRONMENTS_DIR}/{name}");
        if let Some(env) = name.strip_suffix(".override.yaml") {
            if declared.iter().any(|d| d == env) {
                continue;
            }
            let hint = match crate::suggest::did_you_mean(env, declared.iter().map(String::as_str))
            {
                Some(s) => format!("did you mean `{s}.override.yaml`?"),
                None => {
                    "declare the environment under `environments:` in base.yaml, or delete the file"
                        .to_string()
                }
            };
            diags.push(
                Diagnostic::warning(format!(
                    "`{name}` is not read: no environment `{}` is declared",
                    env.to_ascii_uppercase()
                ))
                .in_file(rel, None)
                .with_hint(hint),
            );
        } else if name.ends_with(".yml") {
            diags.push(
                Diagnostic::warning(format!("`{name}` is not read: pudo reads `.yaml` files"))
                    .in_file(rel, None)
                    .with_hint("rename it to end in `.yaml`"),
            );
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

/// Keys of `promotion:` and of each of its checks, and of `connection:`.
pub const PROMOTION_KEYS: &[&str] = &["checks", "missing_baseline"];
pub const CHECK_KEYS: &[&str] = &["name", "query", "expect"];
pub const CONNECTION_KEYS: &[&str] = &["role", "warehouse", "name"];

impl Project {
    /// The merged document of an environment (base.yaml and its override)
    /// and the expander of its templates.
    fn env_doc<R>(&self, env: &str, f: impl FnOnce(&Node, &Expander<'_>) -> R) -> Option<R> {
        let def = self.environment(env)?;
        let overlay = self.overlays.get(&def.name);
        let vars = merged_vars(&self.base, overlay);
        let x = Expander::new(Some(&def.name), &vars);
        let merged = self.merged(overlay, x);
        Some(f(&merged, &x))
    }

    /// `promotion:` for `env` (queries expanded for it).
    pub fn promotion(&self, env: &str) -> Result<crate::promotion::PromotionConfig, Diagnostics> {
        let mut diags = Diagnostics::default();
        let config = self
            .env_doc(env, |doc, x| {
                read_promotion(doc, x, &self.files, &mut diags)
            })
            .unwrap_or_default();
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(config)
        }
    }

    /// `connection:` for `env` (templates expanded for it).
    pub fn connection_config(
        &self,
        env: &str,
    ) -> Result<crate::promotion::ConnectionConfig, Diagnostics> {
        let mut diags = Diagnostics::default();
        let config = self
            .env_doc(env, |doc, x| {
                read_connection(doc, x, &self.files, &mut diags)
            })
            .unwrap_or_default();
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(config)
        }
    }

    /// Problems of `promotion:` and `connection:` in every environment,
    /// each reported once.
    fn check_sections(&self) -> Diagnostics {
        let mut all = Diagnostics::default();
        let mut seen = std::collections::HashSet::new();
        for env in &self.environments {
            let mut diags = Diagnostics::default();
            self.env_doc(&env.name, |doc, x| {
                read_promotion(doc, x, &self.files, &mut diags);
                read_connection(doc, x, &self.files, &mut diags);
            });
            for d in diags.0.iter() {
                if seen.insert(d.to_string()) {
                    all.push(d.clone());
                }
            }
        }
        all
    }
}

fn unknown_key_diag(files: &Files, e: &source::Entry, path: &str, keys: &[&str]) -> Diagnostic {
    let hint = match crate::suggest::did_you_mean(&e.key, keys.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("valid keys: {}", keys.join(", ")),
    };
    files.place(
        Diagnostic::error(format!("unknown key `{}`", e.key))
            .at_key(format!("{path}.{}", e.key))
            .with_hint(hint),
        e.key_at,
    )
}

/// A string value with its templates expanded, or a diagnostic.
fn expanded_text(
    node: &Node,
    path: &str,
    x: &Expander<'_>,
    files: &Files,
    diags: &mut Diagnostics,
) -> Option<String> {
    let text = match &node.kind {
        Kind::Str(s) => s.clone(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        _ => {
            diags.push(
                files.place(
                    Diagnostic::error(format!("expected a string, found {}", node.describe()))
                        .at_key(path.to_string()),
                    node.at,
                ),
            );
            return None;
        }
    };
    match x.text(&text) {
        Ok(t) => Some(t.into_owned()),
        Err(e) => {
            let (message, hint) = e.describe();
            let mut d = Diagnostic::error(message).at_key(path.to_string());
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            diags.push(files.place(d, node.at));
            None
        }
    }
}

fn read_promotion(
    doc: &Node,
    x: &Expander<'_>,
    files: &Files,
    diags: &mut Diagnostics,
) -> crate::promotion::PromotionConfig {
    use crate::promotion::{CheckDef, Expectation, MissingBaseline, PromotionConfig};
    let mut config = PromotionConfig::default();
    let Some(entries) = optional_section(
        doc,
        "promotion",
        "`checks:`, `missing_baseline:`",
        files,
        diags,
    ) else {
        return config;
    };
    for e in entries {
        match e.key.as_str() {
            "missing_baseline" => match e.value.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("pass") => config.missing_baseline = MissingBaseline::Pass,
                Some("fail") => config.missing_baseline = MissingBaseline::Fail,
                _ => diags.push(
                    files.place(
                        Diagnostic::error(format!(
                            "`missing_baseline` is `pass` or `fail`, found {}",
                            e.value.describe()
                        ))
                        .at_key("promotion.missing_baseline"),
                        e.value.at,
                    ),
                ),
            },
            "checks" => {
                let items = match &e.value.kind {
                    Kind::List(items) => items.as_slice(),
                    Kind::Null => &[],
                    _ => {
                        diags.push(
                            files.place(
                                Diagnostic::error(format!(
                                    "expected a list of checks (`- name: ...`), found {}",
                                    e.value.type_name()
                                ))
                                .at_key("promotion.checks"),
                                e.value.at,
                            ),
                        );
                        continue;
                    }
                };
                for (i, item) in items.iter().enumerate() {
                    let path = format!("promotion.checks[{i}]");
                    let Some(fields) = item.as_map() else {
                        diags.push(
                            files.place(
                                Diagnostic::error(format!(
                                    "expected `{{ name: ..., query: ..., expect: ... }}`, found {}",
                                    item.type_name()
                                ))
                                .at_key(path),
                                item.at,
                            ),
                        );
                        continue;
                    };
                    let (mut name, mut query, mut expect) = (None, None, None);
                    for f in fields {
                        let fpath = format!("{path}.{}", f.key);
                        match f.key.as_str() {
                            "name" => name = expanded_text(&f.value, &fpath, x, files, diags),
                            "query" => query = expanded_text(&f.value, &fpath, x, files, diags),
                            "expect" => {
                                let Some(text) = expanded_text(&f.value, &fpath, x, files, diags)
                                else {
                                    continue;
                                };
                                match Expectation::parse(&text) {
                                    Ok(e) => expect = Some(e),
                                    Err(message) => {
                                        diags.push(files.place(
                                            Diagnostic::error(message).at_key(fpath).with_hint(
                                                format!("write {}", Expectation::GRAMMAR),
                                            ),
                                            f.value.at,
                                        ))
                                    }
                                }
                            }
                            _ => diags.push(unknown_key_diag(files, f, &path, CHECK_KEYS)),
                        }
                    }
                    for (key, missing) in [
                        ("name", name.is_none()),
                        ("query", query.is_none()),
                        ("expect", expect.is_none()),
                    ] {
                        if missing && !fields.iter().any(|f| f.key == key) {
                            diags.push(
                                files.place(
                                    Diagnostic::error(format!("a check needs `{key}`"))
                                        .at_key(path.clone()),
                                    item.at,
                                ),
                            );
                        }
                    }
                    if let (Some(name), Some(query), Some(expect)) = (name, query, expect) {
                        if config.checks.iter().any(|c| c.name == name) {
                            diags.push(
                                files.place(
                                    Diagnostic::error(format!("two checks are named `{name}`"))
                                        .at_key(format!("{path}.name")),
                                    item.at,
                                ),
                            );
                            continue;
                        }
                        let origin = format!("{}:{}", files.name(item.at.file), item.at.line);
                        config.checks.push(CheckDef {
                            name,
                            query: query.trim().to_string(),
                            expect,
                            origin,
                        });
                    }
                }
            }
            _ => diags.push(unknown_key_diag(files, e, "promotion", PROMOTION_KEYS)),
        }
    }
    config
}

fn read_connection(
    doc: &Node,
    x: &Expander<'_>,
    files: &Files,
    diags: &mut Diagnostics,
) -> crate::promotion::ConnectionConfig {
    let mut config = crate::promotion::ConnectionConfig::default();
    let Some(entries) = optional_section(
        doc,
        "connection",
        "`role:`, `warehouse:`, `name:`",
        files,
        diags,
    ) else {
        return config;
    };
    for e in entries {
        let path = format!("connection.{}", e.key);
        let slot = match e.key.as_str() {
            "role" => &mut config.role,
            "warehouse" => &mut config.warehouse,
            "name" => &mut config.name,
            _ => {
                diags.push(unknown_key_diag(files, e, "connection", CONNECTION_KEYS));
                continue;
            }
        };
        if e.value.is_null() {
            continue;
        }
        *slot = expanded_text(&e.value, &path, x, files, diags).filter(|v| !v.is_empty());
    }
    config
}
