//! Configuration: load YAML files (with file/line), merge base and overlay,
//! expand `${env}` / `${var.x}`, validate into a [`Model`].
//!
//! Raw (serde) types never leave this module.

pub mod diagnostics;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};

use crate::model::{Model, Origin, StackName};
use std::path::{Path, PathBuf};

/// The file under the project root that marks it.
pub const BASE_FILE: &str = "environments/base.yaml";

/// One environment declared under `environments:` in base.yaml.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentDef {
    /// Upper case: `DEV`, `STAGING`, `PROD`.
    pub name: String,
    /// Branch globs, matched in order (`dev`, `feature/*`).
    pub branches: Vec<String>,
    /// Applies only from a branch that maps to it.
    pub protected: bool,
    pub origin: Option<Origin>,
}

/// A loaded project: every environment's files read and checked for syntax.
#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
    pub environments: Vec<EnvironmentDef>,
    /// Non-fatal findings (e.g. "did you mean" on an override key).
    pub warnings: Diagnostics,
}

impl Project {
    /// Reads `environments/base.yaml` and every `<env>.override.yaml`.
    pub fn load(root: &Path) -> Result<Project, Diagnostics> {
        let _ = root;
        unimplemented!("config loading: in progress (issue 2)")
    }

    /// The desired resources for a stack: for `shared`, the shared objects;
    /// for an environment's stack, its own objects plus the shared ones it
    /// depends on (tagged with their owning stack).
    pub fn resolve(&self, stack: &StackName) -> Result<Model, Diagnostics> {
        let _ = stack;
        unimplemented!("config resolution: in progress (issue 2)")
    }

    pub fn environment(&self, name: &str) -> Option<&EnvironmentDef> {
        self.environments
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}
