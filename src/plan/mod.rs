//! The plan: changes with actions, computed purely from desired x recorded.
//!
//! [`diff`] compares the desired [`Model`](crate::model::Model) of one stack
//! with that stack's recorded [`State`](crate::state::State) and returns a
//! [`Plan`]: a value that renders (human, json, markdown), saves (`plan
//! --out`) and applies. Its serde form *is* the documented JSON format
//! (`docs/plan-format.md`, [`FORMAT_VERSION`]).

mod diff;
#[cfg(test)]
pub(crate) mod fixtures;
mod json;
pub mod lifecycle;

pub use diff::{config_hash, diff};

use crate::model::{Attrs, ResourceId, StackName, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// Version of the plan JSON format (and of saved plan files). Bumped on any
/// change a consumer could notice; additions of optional fields included.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Invalid(String),
    #[error("`{path}` is not a pudo plan file: {message}")]
    NotAPlan { path: String, message: String },
    #[error(
        "`{path}` has plan format {found}, this pudo reads format {FORMAT_VERSION}\n  hint: plan again with this pudo version"
    )]
    UnsupportedFormat { path: String, found: u64 },
}

/// What a change does to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    /// In place: ALTER SET / UNSET, or GRANT / REVOKE of privilege deltas.
    Update,
    /// Drop and create again (Snowflake cannot make the change in place,
    /// or a parent being replaced takes the object with it).
    Replace,
    Drop,
    /// An object that runs on its own (a task) is stopped: the root of a
    /// graph before its tasks change, or a task meant to be suspended.
    Suspend,
    /// ... and started again (children before their root).
    Resume,
}

impl Action {
    /// The plan symbol: `+`, `~`, `-/+`, `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Drop => "-",
            Action::Suspend => "||",
            Action::Resume => ">",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Drop => "drop",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One attribute that differs. `None` on a side means "not managed" there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrDiff {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// True when this difference is why the resource must be replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
}

/// One resource's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub address: String,
    pub id: ResourceId,
    pub action: Action,
    /// Recorded attributes (`None` for a create).
    pub before: Option<Attrs>,
    /// Desired attributes (`None` for a drop). This is what apply records
    /// once the change succeeded.
    pub after: Option<Attrs>,
    /// Attribute-level differences, by attribute name.
    pub diffs: Vec<AttrDiff>,
    /// Why, for people; never parsed.
    pub reason: String,
    /// The statements apply runs, in order (no trailing semicolons). May be
    /// empty: a change that only stops managing an attribute updates the
    /// state and runs nothing.
    pub sql: Vec<String>,
    /// The idempotent statements to run instead when this change was in
    /// flight when a previous apply died (see `docs/state.md`).
    pub recovery_sql: Vec<String>,
    /// Addresses of the changes in this plan that must finish before this
    /// one starts.
    pub depends_on: Vec<String>,
    /// The role the statements run under (`USE ROLE`): the object's owner,
    /// the kind's administrative role for a creation, the grants role for a
    /// grant (see docs/permissions.md). Absent in plans of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Something that prevents the plan from being applied as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub address: String,
    pub message: String,
    pub hint: Option<String>,
}

/// The state a plan was computed against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// `None` when the stack had no state file yet.
    pub lineage: Option<String>,
    pub serial: u64,
    /// False when no state file existed (the stack was empty).
    pub exists: bool,
}

/// Counts by action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub drop: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suspend: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resume: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.drop + self.suspend + self.resume
    }

    /// Counts one change of `action`.
    pub fn add(&mut self, action: Action) {
        match action {
            Action::Create => self.create += 1,
            Action::Update => self.update += 1,
            Action::Replace => self.replace += 1,
            Action::Drop => self.drop += 1,
            Action::Suspend => self.suspend += 1,
            Action::Resume => self.resume += 1,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Plan: {} to create, {} to update, {} to replace, {} to drop",
            self.create, self.update, self.replace, self.drop
        )?;
        if self.suspend + self.resume > 0 {
            write!(
                f,
                ", {} to suspend, {} to resume",
                self.suspend, self.resume
            )?;
        }
        f.write_str(".")
    }
}

/// A computed plan. Its JSON form is the `--format json` output and the
/// saved plan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub pudo_version: String,
    pub stack: StackName,
    /// `DEV`, `STAGING`, `PROD`; `None` for the shared stack.
    pub environment: Option<String>,
    pub branch: Option<String>,
    /// The recorded state planned against.
    pub state: Basis,
    /// `sha256:<hex>` of the canonical desired resources of the stack.
    pub config_hash: String,
    pub summary: Summary,
    /// Changes in execution order: a change comes after all it depends on.
    pub changes: Vec<Change>,
    /// Reasons the plan cannot be applied yet (e.g. a shared dependency
    /// missing from the shared state). Apply refuses while any remain.
    pub blockers: Vec<Blocker>,
    /// Things a reviewer should know that do not block.
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn counts(&self) -> Summary {
        self.summary
    }

    pub fn has_drops(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.action, Action::Drop | Action::Replace))
    }

    /// For each change (by index), the indices of the changes it waits for.
    /// Every index is smaller than the change's own (changes are ordered).
    pub fn dependency_indices(&self) -> Vec<Vec<usize>> {
        let position: HashMap<&str, usize> = self
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.address.as_str(), i))
            .collect();
        self.changes
            .iter()
            .map(|c| {
                c.depends_on
                    .iter()
                    .filter_map(|a| position.get(a.as_str()).copied())
                    .collect()
            })
            .collect()
    }

    pub fn change(&self, address: &str) -> Option<&Change> {
        self.changes.iter().find(|c| c.address == address)
    }

    /// The plan as JSON text (pretty, stable field order).
    pub fn to_json(&self) -> String {
        json::to_json(self)
    }

    /// Reads a saved plan, checking its format version first.
    pub fn from_json(text: &str, path: &str) -> Result<Plan, PlanError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PlanError::NotAPlan {
                path: path.to_string(),
                message: e.to_string(),
            })?;
        let found = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| PlanError::NotAPlan {
                path: path.to_string(),
                message: "no `format_version`".to_string(),
            })?;
        if found != u64::from(FORMAT_VERSION) {
            return Err(PlanError::UnsupportedFormat {
                path: path.to_string(),
                found,
            });
        }
        serde_json::from_value(value).map_err(|e| PlanError::NotAPlan {
            path: path.to_string(),
            message: e.to_string(),
        })
    }
}
