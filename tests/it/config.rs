//! Configuration: validate, render, diff, environment from the branch, and
//! the bad-input fixtures (`tests/fixtures/config/<case>/`), each with a
//! snapshot of the full message.

use crate::support::{TempProject, transcript};

fn run(project: &TempProject, args: &[&str]) -> String {
    let output = project.pudo().args(args).output().unwrap();
    transcript(&output, project.path())
}

#[test]
fn validate_passes_on_the_example() {
    let project = TempProject::example();
    insta::assert_snapshot!(run(&project, &["validate"]), @r"
    exit: 0
    --- stdout
    --- stderr
    ok: configuration is valid: 4 stacks (resources: shared 6, dev 20, staging 20, prod 20)
    ");
}

#[test]
fn render_training_for_prod_and_dev() {
    let project = TempProject::example();
    insta::assert_snapshot!(run(&project, &["config", "render", "config/training", "-e", "PROD"]), @r"
    exit: 0
    --- stdout
    model: gradient_boosting
    train_days: 365
    n_estimators: 1000
    learning_rate: 0.01
    max_depth: 8
    --- stderr
    ");
    insta::assert_snapshot!(run(&project, &["-e", "DEV", "config", "render", "config/training"]), @r"
    exit: 0
    --- stdout
    model: gradient_boosting
    train_days: 30
    n_estimators: 50
    learning_rate: 0.05
    max_depth: 6
    --- stderr
    ");
}

#[test]
fn render_needs_an_environment_outside_git() {
    let project = TempProject::example();
    let text = run(&project, &["config", "render", "config/training"]);
    assert!(text.starts_with("exit: 1\n"), "{text}");
    assert!(text.contains("--env"), "{text}");
}

#[test]
fn render_outside_a_project_requires_env() {
    let project = TempProject::example();
    std::fs::remove_dir_all(project.path().join("environments")).unwrap();
    insta::assert_snapshot!(run(&project, &["config", "render", "config/training"]), @r"
    exit: 1
    --- stdout
    --- stderr
    error: no environment: this folder is not inside a pudo project, so the git branch cannot choose one
      hint: pass `-e ENV`, e.g. `pudo config render config/training -e PROD`
    ");
    let text = run(
        &project,
        &["config", "render", "config/training", "-e", "staging"],
    );
    assert!(text.contains("train_days: 180\n"), "{text}");
}

#[test]
fn render_environment_folder_expands_templates() {
    let project = TempProject::example();
    let text = run(
        &project,
        &["config", "render", "environments", "-e", "prod"],
    );
    assert!(text.starts_with("exit: 0\n"), "{text}");
    assert!(
        text.contains("  PUDO_PROD_WH:\n    size: LARGE\n    auto_suspend: 600\n"),
        "{text}"
    );
    assert!(!text.contains("${"), "{text}");
}

#[test]
fn diff_component_between_environments() {
    let project = TempProject::example();
    insta::assert_snapshot!(run(&project, &["config", "diff", "config/training", "dev", "prod"]), @r"
    exit: 0
    --- stdout
    config/training: DEV -> PROD
    ~ train_days: 30 -> 365
    ~ n_estimators: 50 -> 1000
    ~ learning_rate: 0.05 -> 0.01
    ~ max_depth: 6 -> 8
    0 added, 4 changed, 0 removed
    --- stderr
    ");
}

#[test]
fn promotion_preview_factors_out_the_environment() {
    let project = TempProject::example();
    project.write(
        "environments/prod.override.yaml",
        "vars:\n  warehouse_size: LARGE\n  auto_suspend: 600\ndatabases:\n  PUDO_MLOPS:\n    schemas:\n      AUDIT_${env}: { comment: Audit trail }\n      PUDO_${env}: null\nroles:\n  PUDO_${env}_ROLE:\n    grants:\n      - { on: \"schema PUDO_MLOPS.PUDO_${env}\", remove: true }\n      - { on: \"schema PUDO_MLOPS.AUDIT_${env}\", privileges: [USAGE] }\n",
    );
    insta::assert_snapshot!(run(
        &project,
        &["config", "diff", "environments", "STAGING", "PROD"]
    ));
}

/// A git repository on `branch` around a copy of the example.
fn example_on_branch(branch: &str) -> TempProject {
    let project = TempProject::example();
    let repo = git2::Repository::init(project.path()).unwrap();
    repo.set_head(&format!("refs/heads/{branch}")).unwrap();
    project
}

fn environment_line(text: &str) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with("environment"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_string())
}

#[test]
fn environment_follows_the_branch() {
    for (branch, env) in [
        ("feature/x", "DEV"),
        ("dev", "DEV"),
        ("release/1.2", "STAGING"),
        ("main", "PROD"),
    ] {
        let project = example_on_branch(branch);
        let text = run(&project, &["env"]);
        assert!(text.starts_with("exit: 0\n"), "{branch}: {text}");
        assert_eq!(
            environment_line(&text).as_deref(),
            Some(env),
            "{branch}: {text}"
        );
    }
    // The component follows the branch too.
    let project = example_on_branch("release/1.2");
    let text = run(&project, &["config", "render", "config/training"]);
    assert!(text.contains("train_days: 180\n"), "{text}");
}

#[test]
fn unmapped_branch_is_a_clear_error() {
    let project = example_on_branch("hotfix/y");
    insta::assert_snapshot!(run(&project, &["env"]), @r"
    exit: 1
    --- stdout
    --- stderr
    error: branch `hotfix/y` maps to no environment
      DEV        <- dev, feature/*
      STAGING    <- staging, release/*
      PROD       <- main
      hint: pass `--env ENV` (one of DEV, STAGING, PROD), or add the branch to an environment's `branches` in environments/base.yaml
    ");
}

/// One test per bad-input fixture: `pudo validate` in a copy of
/// `tests/fixtures/config/<case>`, snapshotted as `fixture_<case>`.
macro_rules! fixture_cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let project = TempProject::fixture(concat!("config/", stringify!($case)));
                let text = run(&project, &["validate"]);
                assert!(!text.contains("panicked"), "{text}");
                insta::assert_snapshot!(concat!("fixture_", stringify!($case)), text);
            }
        )*
    };
}

mod fixtures {
    use super::*;

    fixture_cases!(
        yaml_syntax,
        tab_indent,
        unbalanced_bracket,
        empty_file,
        binary_file,
        unknown_key,
        wrong_type,
        invalid_identifier,
        invalid_warehouse_size,
        negative_auto_suspend,
        unknown_variable,
        undeclared_reference,
        duplicate_names,
        role_cycle,
        task_graph_rules,
        missing_override,
        bad_branch_pattern,
        override_changes_shared,
        override_did_you_mean,
        override_syntax,
        env_in_shared,
        bad_grant_target,
        promotion_errors,
    );
}
