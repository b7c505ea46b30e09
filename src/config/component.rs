//! Component configurations (`config/<name>/`: `base.yaml` plus
//! `<env>.override.yaml`): merged with the plain rules, rendered for an
//! environment (`pudo config render`, `pudo exec`, a task's
//! `config: { from: ... }`) and compared between environments
//! (`pudo config diff`).

use super::expand::{Expander, Vars};
use super::merge::{self, Merger};
use super::source::{self, Files, Kind, Loaded, Node, load_file};
use super::{Diagnostic, Diagnostics, Project, merged_vars, validate};
use std::path::Path;

/// One difference between two environments of a component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyChange {
    /// Dotted key path (`train_days`, `model.params.depth`).
    pub path: String,
    /// The value in the first environment, as one line of YAML.
    pub before: Option<String>,
    /// The value in the second.
    pub after: Option<String>,
}

/// A component's merged configuration, with warnings.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub yaml: String,
    pub warnings: Diagnostics,
}

/// The component in `dir`: `base.yaml` plus `<env>.override.yaml` (which
/// may be missing), merged with the plain rules. `shown` is how messages
/// name the folder.
fn load_component(
    dir: &Path,
    shown: &str,
    env: &str,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let base_name = format!("{shown}/base.yaml");
    let base_path = dir.join("base.yaml");
    if !base_path.is_file() {
        diags.push(
            Diagnostic::error(format!("`{base_name}` does not exist"))
                .with_hint("a component folder holds base.yaml and <env>.override.yaml files"),
        );
        return None;
    }
    let base = match load_file(&base_path, &base_name, files, diags) {
        Loaded::Doc(node) => node,
        Loaded::Failed => return None,
    };
    if base.is_null() {
        diags.push(Diagnostic::error("the file is empty").in_file(base_name, None));
        return None;
    }
    let over_name = format!("{shown}/{}.override.yaml", env.to_ascii_lowercase());
    let over_path = dir.join(format!("{}.override.yaml", env.to_ascii_lowercase()));
    if !over_path.is_file() {
        return Some(base);
    }
    let overlay = match load_file(&over_path, &over_name, files, diags) {
        Loaded::Doc(node) => node,
        Loaded::Failed => return None,
    };
    if overlay.is_null() {
        return Some(base);
    }
    let mut warnings = Vec::new();
    merge::plain_warnings(&base, &overlay, "", files, &mut warnings);
    for w in warnings {
        diags.push(w);
    }
    Some(Merger::plain().merge(&base, &overlay))
}

/// A component folder's merged configuration in `env` as JSON, its strings
/// expanded with the environment's `${env}` and `${var.NAME}` (for a task's
/// `config: { from: ... }`). `Err`: a message naming the problem.
pub(super) fn component_json(
    root: &Path,
    dir: &str,
    env: &str,
    vars: &Vars,
) -> Result<serde_json::Value, String> {
    let path = root.join(dir);
    let mut files = Files::default();
    let mut diags = Diagnostics::default();
    let merged = load_component(&path, dir, env, &mut files, &mut diags);
    match merged {
        Some(node) if !diags.has_errors() => {
            validate::node_json(&node, &Expander::new(Some(env), vars)).map_err(|e| e.describe().0)
        }
        _ => Err(format!(
            "cannot read component `{dir}`: {}",
            diags
                .errors()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// `pudo config render DIR -e ENV` for a component folder, and the files
/// `pudo exec` passes: strings expanded as a task's `config: { from: ... }`
/// sees them, `${env}` with `env` and `${var.NAME}` with the variables of
/// `project`'s environment (none without a project).
pub fn render_component(
    dir: &Path,
    shown: &str,
    env: &str,
    project: Option<&Project>,
) -> Result<Rendered, Diagnostics> {
    let mut files = Files::default();
    let mut diags = Diagnostics::default();
    let merged = load_component(dir, shown, env, &mut files, &mut diags);
    let node = match merged {
        Some(node) if !diags.has_errors() => node,
        _ => return Err(diags),
    };
    let vars = project
        .and_then(|p| {
            let def = p.environment(env)?;
            Some(merged_vars(&p.base, p.overlays.get(&def.name)))
        })
        .unwrap_or_default();
    let mut errors = Vec::new();
    let expanded = Expander::new(Some(env), &vars).tree(&node, &mut errors);
    for (e, node) in errors {
        let (message, hint) = e.describe();
        let mut diag = Diagnostic::error(message);
        if let Some(hint) = hint {
            diag = diag.with_hint(hint);
        }
        diags.push(files.place(diag, node.at));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Rendered {
        yaml: source::render_yaml(&expanded.to_yaml()),
        warnings: diags,
    })
}

/// `pudo config diff DIR A B` for a component folder: every leaf that
/// differs, in the order of A's keys then B's new ones.
pub fn diff_component(
    dir: &Path,
    shown: &str,
    a: &str,
    b: &str,
) -> Result<(Vec<KeyChange>, Diagnostics), Diagnostics> {
    let mut files = Files::default();
    let mut diags = Diagnostics::default();
    let left = load_component(dir, shown, a, &mut files, &mut diags);
    let right = load_component(dir, shown, b, &mut files, &mut diags);
    let (Some(left), Some(right)) = (left, right) else {
        return Err(diags);
    };
    if diags.has_errors() {
        return Err(diags);
    }
    let mut changes = Vec::new();
    diff_nodes(Some(&left), Some(&right), "", &mut changes);
    Ok((changes, diags))
}

fn diff_nodes(a: Option<&Node>, b: Option<&Node>, path: &str, out: &mut Vec<KeyChange>) {
    let child = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a.map(|n| &n.kind), b.map(|n| &n.kind)) {
        (Some(Kind::Map(am)), Some(Kind::Map(bm))) => {
            for ae in am {
                let be = bm.iter().find(|e| e.key == ae.key);
                diff_nodes(Some(&ae.value), be.map(|e| &e.value), &child(&ae.key), out);
            }
            for be in bm {
                if !am.iter().any(|e| e.key == be.key) {
                    diff_nodes(None, Some(&be.value), &child(&be.key), out);
                }
            }
        }
        (Some(Kind::Map(am)), None) if !am.is_empty() => {
            for ae in am {
                diff_nodes(Some(&ae.value), None, &child(&ae.key), out);
            }
        }
        (None, Some(Kind::Map(bm))) if !bm.is_empty() => {
            for be in bm {
                diff_nodes(None, Some(&be.value), &child(&be.key), out);
            }
        }
        _ => {
            let before = a.map(Node::to_inline);
            let after = b.map(Node::to_inline);
            if before != after {
                out.push(KeyChange {
                    path: path.to_string(),
                    before,
                    after,
                });
            }
        }
    }
}
