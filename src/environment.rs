//! Which environment (and so which stack) a run works on.
//!
//! `--env` wins; otherwise the current git branch is matched against each
//! environment's `branches` globs, in declaration order. On a detached HEAD
//! (CI checkouts) the branch comes from `PUDO_BRANCH`, `GITHUB_HEAD_REF`,
//! `GITHUB_REF_NAME` or `CI_COMMIT_REF_NAME`, the first one set.

use crate::config::{EnvironmentDef, branch_matcher};
use crate::model::StackName;
use std::fmt;
use std::path::Path;

/// Variables read, in order, when HEAD is detached.
pub const BRANCH_VARIABLES: &[&str] = &[
    "PUDO_BRANCH",
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
];

/// Where the branch name came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BranchSource {
    /// The checked-out branch of the git repository.
    Git,
    /// A CI variable, read because HEAD is detached.
    Variable(&'static str),
}

impl fmt::Display for BranchSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchSource::Git => f.write_str("git HEAD"),
            BranchSource::Variable(name) => write!(f, "${name} (detached HEAD)"),
        }
    }
}

/// The outcome of resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub branch: Option<(String, BranchSource)>,
    /// The environment the branch maps to, whatever `--env` says (apply's
    /// protection check compares the two).
    pub branch_environment: Option<String>,
    /// The environment worked on (`None` for the shared stack).
    pub environment: Option<String>,
    pub stack: StackName,
    /// True when `--env` chose it.
    pub from_flag: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    #[error(
        "branch `{branch}` maps to no environment\n{}\n  hint: pass `--env ENV` (one of {}), or add the branch to an environment's `branches` in environments/base.yaml",
        mapping(.environments), names(.environments)
    )]
    NoMatch {
        branch: String,
        environments: Vec<EnvironmentDef>,
    },
    #[error(
        "unknown environment `{given}`\n  hint: use one of {}, or `shared` for the shared stack",
        names(.environments)
    )]
    Unknown {
        given: String,
        environments: Vec<EnvironmentDef>,
    },
    #[error(
        "`{}` is not inside a git repository, so the environment cannot come from a branch\n  hint: pass `--env ENV` (one of {})",
        .root, names(.environments)
    )]
    NoRepository {
        root: String,
        environments: Vec<EnvironmentDef>,
    },
    #[error(
        "HEAD is detached and none of {} is set, so the branch is unknown\n  hint: set PUDO_BRANCH, or pass `--env ENV`",
        BRANCH_VARIABLES.join(", ")
    )]
    Detached,
    #[error(
        "environment `{environment}`: branch pattern `{pattern}` is not a valid glob: {message}"
    )]
    BadPattern {
        environment: String,
        pattern: String,
        message: String,
    },
}

fn names(envs: &[EnvironmentDef]) -> String {
    envs.iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn mapping(envs: &[EnvironmentDef]) -> String {
    envs.iter()
        .map(|e| format!("  {:<10} <- {}", e.name, e.branches.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first environment (in declaration order) one of whose patterns
/// matches `branch`.
pub fn environment_for_branch<'a>(
    branch: &str,
    environments: &'a [EnvironmentDef],
) -> Result<Option<&'a EnvironmentDef>, EnvironmentError> {
    for env in environments {
        for pattern in &env.branches {
            let matcher = branch_matcher(pattern).map_err(|e| EnvironmentError::BadPattern {
                environment: env.name.clone(),
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
            if matcher.is_match(branch) {
                return Ok(Some(env));
            }
        }
    }
    Ok(None)
}

/// The current branch of the repository holding `dir`, if any.
/// `Ok(None)` means "not a git repository".
pub fn current_branch(
    dir: &Path,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, BranchSource)>, EnvironmentError> {
    let Ok(repo) = git2::Repository::discover(dir) else {
        return Ok(None);
    };
    // A branch without commits yet ("unborn") has a symbolic HEAD too.
    let head = repo.find_reference("HEAD").ok();
    if let Some(name) = head
        .as_ref()
        .and_then(|h| h.symbolic_target().ok().flatten())
        .and_then(|target| target.strip_prefix("refs/heads/"))
    {
        return Ok(Some((name.to_string(), BranchSource::Git)));
    }
    for name in BRANCH_VARIABLES {
        if let Some(value) = var(name).filter(|v| !v.trim().is_empty()) {
            return Ok(Some((
                value.trim().to_string(),
                BranchSource::Variable(name),
            )));
        }
    }
    Err(EnvironmentError::Detached)
}

/// Resolves the environment for a run from `--env` (if given) and the branch.
pub fn resolve(
    flag: Option<&str>,
    root: &Path,
    environments: &[EnvironmentDef],
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolution, EnvironmentError> {
    let branch = match current_branch(root, var) {
        Ok(branch) => branch,
        // With --env the branch is informative only.
        Err(_) if flag.is_some() => None,
        Err(e) => return Err(e),
    };
    let branch_environment = match &branch {
        Some((name, _)) => match environment_for_branch(name, environments) {
            Ok(env) => env.map(|e| e.name.clone()),
            Err(e) if flag.is_none() => return Err(e),
            Err(_) => None,
        },
        None => None,
    };

    if let Some(given) = flag {
        if given.eq_ignore_ascii_case(StackName::SHARED) {
            return Ok(Resolution {
                branch,
                branch_environment,
                environment: None,
                stack: StackName::shared(),
                from_flag: true,
            });
        }
        let Some(env) = environments
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(given))
        else {
            return Err(EnvironmentError::Unknown {
                given: given.to_string(),
                environments: environments.to_vec(),
            });
        };
        return Ok(Resolution {
            branch,
            branch_environment,
            environment: Some(env.name.clone()),
            stack: StackName::for_environment(&env.name),
            from_flag: true,
        });
    }

    let Some((name, _)) = &branch else {
        return Err(EnvironmentError::NoRepository {
            root: root.display().to_string(),
            environments: environments.to_vec(),
        });
    };
    let Some(env) = branch_environment.clone() else {
        return Err(EnvironmentError::NoMatch {
            branch: name.clone(),
            environments: environments.to_vec(),
        });
    };
    Ok(Resolution {
        branch,
        stack: StackName::for_environment(&env),
        environment: Some(env),
        branch_environment,
        from_flag: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<EnvironmentDef> {
        let def = |name: &str, branches: &[&str], protected| EnvironmentDef {
            name: name.to_string(),
            branches: branches.iter().map(|s| s.to_string()).collect(),
            protected,
            lifecycle: Vec::new(),
            require_promotion: None,
            origin: None,
        };
        vec![
            def("DEV", &["dev", "feature/*"], false),
            def("STAGING", &["staging", "release/*"], false),
            def("PROD", &["main"], true),
        ]
    }

    #[test]
    fn branches_map_in_order() {
        let envs = envs();
        let cases = [
            ("dev", Some("DEV")),
            ("feature/x", Some("DEV")),
            ("feature/a/b", Some("DEV")),
            ("release/1.2", Some("STAGING")),
            ("staging", Some("STAGING")),
            ("main", Some("PROD")),
            ("hotfix/y", None),
            ("maintenance", None),
        ];
        for (branch, expected) in cases {
            let got = environment_for_branch(branch, &envs).unwrap();
            assert_eq!(got.map(|e| e.name.as_str()), expected, "{branch}");
        }
    }

    #[test]
    fn bad_pattern_is_reported() {
        let mut envs = envs();
        envs[0].branches = vec!["feature/[".to_string()];
        let err = environment_for_branch("x", &envs).unwrap_err();
        assert!(err.to_string().contains("feature/["), "{err}");
    }

    fn repo_on(branch: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        repo.set_head(&format!("refs/heads/{branch}")).unwrap();
        dir
    }

    #[test]
    fn resolves_from_git_branch_and_flag() {
        let no_vars = |_: &str| None;
        let dir = repo_on("feature/x");
        let r = resolve(None, dir.path(), &envs(), &no_vars).unwrap();
        assert_eq!(r.environment.as_deref(), Some("DEV"));
        assert_eq!(r.stack.as_str(), "dev");
        assert!(!r.from_flag);

        let r = resolve(Some("prod"), dir.path(), &envs(), &no_vars).unwrap();
        assert_eq!(r.environment.as_deref(), Some("PROD"));
        assert_eq!(r.branch_environment.as_deref(), Some("DEV"));

        let r = resolve(Some("SHARED"), dir.path(), &envs(), &no_vars).unwrap();
        assert!(r.stack.is_shared());
        assert_eq!(r.environment, None);

        let dir = repo_on("hotfix/y");
        let err = resolve(None, dir.path(), &envs(), &no_vars).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("hotfix/y") && text.contains("--env"),
            "{text}"
        );
        assert!(text.contains("feature/*"), "lists the mapping: {text}");

        let err = resolve(Some("qa"), dir.path(), &envs(), &no_vars).unwrap_err();
        assert!(matches!(err, EnvironmentError::Unknown { .. }));
    }

    #[test]
    fn outside_git_requires_flag() {
        let dir = tempfile::tempdir().unwrap();
        let no_vars = |_: &str| None;
        let err = resolve(None, dir.path(), &envs(), &no_vars).unwrap_err();
        assert!(
            matches!(err, EnvironmentError::NoRepository { .. }),
            "{err}"
        );
        let r = resolve(Some("dev"), dir.path(), &envs(), &no_vars).unwrap();
        assert_eq!(r.environment.as_deref(), Some("DEV"));
        assert_eq!(r.branch, None);
    }

    #[test]
    fn detached_head_reads_ci_variables() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let commit = repo.commit(None, &sig, &sig, "c", &tree, &[]).unwrap();
        repo.set_head_detached(commit).unwrap();

        let vars = |name: &str| (name == "GITHUB_REF_NAME").then(|| "release/3.0".to_string());
        let r = resolve(None, dir.path(), &envs(), &vars).unwrap();
        assert_eq!(r.environment.as_deref(), Some("STAGING"));
        assert_eq!(
            r.branch,
            Some((
                "release/3.0".to_string(),
                BranchSource::Variable("GITHUB_REF_NAME")
            ))
        );
        let no_vars = |_: &str| None;
        let err = resolve(None, dir.path(), &envs(), &no_vars).unwrap_err();
        assert!(matches!(err, EnvironmentError::Detached));
    }
}
