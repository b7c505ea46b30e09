//! Plan output in every format, state store and graph.
//!
//! Scenarios run on a copy of the shipped example: an empty state, a state
//! that matches (empty plan), an override change, a removed resource (drop)
//! and a replace. Each is snapshotted in the three formats.

use crate::support::{TempProject, transcript};
use pudo::model::StackName;
use pudo::plan::Plan;
use pudo::state::State;

/// A fixed lineage for the states these tests write, so snapshots are stable.
const LINEAGE: &str = "11111111-2222-4333-8444-555555555555";

fn run(project: &TempProject, args: &[&str]) -> String {
    let output = project.pudo().args(args).output().unwrap();
    let text = transcript(&output, project.path());
    // The version moves with releases; the rest of the contract must not.
    text.replace(
        &format!("\"pudo_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"pudo_version\": \"[VERSION]\"",
    )
}

/// Records in `state/<stack>.json` exactly what a successful apply of the
/// stack's current plan would, with serial 4.
fn record(project: &TempProject, env: &str) {
    let output = project
        .pudo()
        .args(["plan", "-e", env, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        transcript(&output, project.path())
    );
    let plan = Plan::from_json(&String::from_utf8(output.stdout).unwrap(), "stdout").unwrap();
    let stack = if env == "shared" {
        StackName::shared()
    } else {
        StackName::for_environment(env)
    };
    let path = project.path().join(format!("state/{stack}.json"));
    let mut state = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => State::empty(&stack),
    };
    for change in &plan.changes {
        pudo::apply::record(&mut state, change);
    }
    state.lineage = LINEAGE.to_string();
    state.serial = 4;
    project.write(&format!("state/{stack}.json"), &state.to_json());
}

fn edit(project: &TempProject, rel: &str, from: &str, to: &str) {
    let path = project.path().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {rel}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn append(project: &TempProject, rel: &str, extra: &str) {
    let path = project.path().join(rel);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
}

/// Both stacks recorded as applied.
fn applied_example() -> TempProject {
    let project = TempProject::example();
    record(&project, "shared");
    record(&project, "DEV");
    project
}

fn snapshot_all_formats(project: &TempProject, name: &str, env: &str) {
    for format in ["human", "json", "markdown"] {
        let text = run(
            project,
            &["plan", "-e", env, "--detailed-exitcode", "--format", format],
        );
        insta::assert_snapshot!(format!("{name}_{format}"), text);
    }
}

#[test]
fn empty_state_creates_the_environment_and_nothing_shared() {
    let project = TempProject::example();
    snapshot_all_formats(&project, "empty_state", "DEV");

    let human = run(&project, &["plan", "-e", "DEV", "--detailed-exitcode"]);
    assert!(human.starts_with("exit: 2\n"));
    for name in [
        "+ schema.PUDO_MLOPS.FEATURE_STORE_DEV",
        "+ schema.PUDO_MLOPS.MODEL_REGISTRY_DEV",
        "+ schema.PUDO_MLOPS.PUDO_DEV",
        "+ warehouse.PUDO_DEV_WH",
        "+ role.PUDO_DEV_ROLE",
        "+ grant.PUDO_DEV_ROLE.warehouse.PUDO_DEV_WH",
    ] {
        assert!(human.contains(name), "{name}");
    }
    assert!(!human.contains("+ schema.PUDO_MLOPS.SHARED_DATA"));
    assert!(human.contains("apply the shared stack first"));

    let shared = run(&project, &["plan", "-e", "shared", "--detailed-exitcode"]);
    assert!(shared.starts_with("exit: 2\n"));
    assert!(shared.contains("+ database.PUDO_MLOPS"));
    assert!(shared.contains("+ schema.PUDO_MLOPS.SHARED_DATA"));
    assert!(shared.contains("+ resource_monitor.PUDO_PLATFORM_MONITOR"));
    assert!(shared.contains("ALTER ACCOUNT SET RESOURCE_MONITOR = PUDO_PLATFORM_MONITOR"));
    assert!(shared.contains("Plan: 6 to create, 0 to update, 0 to replace, 0 to drop."));
}

#[test]
fn matching_state_gives_an_empty_plan() {
    let project = applied_example();
    snapshot_all_formats(&project, "matching_state", "DEV");
    for env in ["DEV", "shared"] {
        let text = run(&project, &["plan", "-e", env, "--detailed-exitcode"]);
        assert!(text.starts_with("exit: 0\n"), "{text}");
        assert!(text.contains("No changes."), "{text}");
    }
}

#[test]
fn override_change_is_an_update() {
    let project = applied_example();
    edit(
        &project,
        "environments/dev.override.yaml",
        "warehouse_size: XSMALL",
        "warehouse_size: small",
    );
    edit(
        &project,
        "environments/dev.override.yaml",
        "auto_suspend: 60",
        "auto_suspend: 120",
    );
    snapshot_all_formats(&project, "override_change", "DEV");
}

#[test]
fn removed_resource_is_dropped_after_its_grant() {
    let project = applied_example();
    edit(
        &project,
        "environments/base.yaml",
        "      MODEL_REGISTRY_${env}: { comment: Model registry }\n",
        "",
    );
    edit(
        &project,
        "environments/base.yaml",
        "      - { on: \"schema PUDO_MLOPS.MODEL_REGISTRY_${env}\", privileges: [USAGE, CREATE TABLE] }\n",
        "",
    );
    snapshot_all_formats(&project, "removed_resource", "DEV");
}

#[test]
fn transient_change_is_a_replace() {
    let project = applied_example();
    append(
        &project,
        "environments/dev.override.yaml",
        "\ndatabases:\n  PUDO_MLOPS:\n    schemas:\n      PUDO_${env}: { transient: true }\n",
    );
    snapshot_all_formats(&project, "replace", "DEV");
}

#[test]
fn saved_plan_is_the_json_format_and_binds_its_basis() {
    let project = applied_example();
    edit(
        &project,
        "environments/dev.override.yaml",
        "auto_suspend: 60",
        "auto_suspend: 90",
    );
    let stdout = run(
        &project,
        &[
            "plan",
            "-e",
            "DEV",
            "--format",
            "json",
            "--out",
            "out/plan.json",
        ],
    );
    let saved = std::fs::read_to_string(project.path().join("out/plan.json")).unwrap();
    let plan = Plan::from_json(&saved, "out/plan.json").unwrap();
    assert_eq!(plan.stack.as_str(), "dev");
    assert_eq!(plan.state.lineage.as_deref(), Some(LINEAGE));
    assert_eq!(plan.state.serial, 4);
    assert!(plan.config_hash.starts_with("sha256:"));
    assert_eq!(plan.changes.len(), 1);
    // The file is what `--format json` prints.
    let printed = stdout
        .split("--- stdout\n")
        .nth(1)
        .unwrap()
        .split("--- stderr\n")
        .next()
        .unwrap();
    assert_eq!(
        printed,
        saved.replace(
            &format!("\"pudo_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"pudo_version\": \"[VERSION]\""
        )
    );
    assert!(stdout.contains("Saved the plan to `out/plan.json`"));
}

#[test]
fn json_format_is_pinned() {
    // The documented contract (docs/plan-format.md): top-level keys and
    // per-change keys (their order is pinned by the json snapshots).
    let project = TempProject::example();
    let output = project
        .pudo()
        .args(["plan", "-e", "DEV", "--format", "json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        sorted(vec![
            "format_version",
            "pudo_version",
            "stack",
            "environment",
            "branch",
            "state",
            "config_hash",
            "summary",
            "changes",
            "blockers",
            "warnings"
        ])
    );
    assert_eq!(value["format_version"], 1);
    let change = &value["changes"][0];
    let keys: Vec<&str> = change
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        sorted(vec![
            "address",
            "id",
            "action",
            "before",
            "after",
            "diffs",
            "reason",
            "sql",
            "recovery_sql",
            "depends_on",
            "role"
        ])
    );
}

fn sorted(mut keys: Vec<&str>) -> Vec<&str> {
    keys.sort_unstable();
    keys
}

#[test]
fn state_list_show_and_unlock() {
    let project = applied_example();
    insta::assert_snapshot!("state_list", run(&project, &["state", "list", "-e", "DEV"]));
    insta::assert_snapshot!(
        "state_show",
        run(
            &project,
            &["state", "show", "warehouse.PUDO_DEV_WH", "-e", "DEV"]
        )
    );
    let unknown = run(
        &project,
        &["state", "show", "warehouse.pudo_dev_wh", "-e", "DEV"],
    );
    assert!(unknown.starts_with("exit: 1\n"));
    assert!(
        unknown.contains("did you mean `warehouse.PUDO_DEV_WH`?"),
        "{unknown}"
    );

    // A lock left behind by a run that died.
    project.write(
        "state/dev.lock",
        r#"{"pid": 999999, "host": "ci-runner", "user": "deploy", "time": "2025-01-31T12:00:00Z", "command": "pudo apply"}"#,
    );
    let refused = run(&project, &["state", "unlock", "-e", "DEV"]);
    assert!(refused.starts_with("exit: 1\n"), "{refused}");
    assert!(refused.contains("no terminal"), "{refused}");
    assert!(project.path().join("state/dev.lock").exists());
    insta::assert_snapshot!(
        "state_unlock_force",
        run(&project, &["state", "unlock", "--force", "-e", "DEV"])
    );
    assert!(!project.path().join("state/dev.lock").exists());
}

#[test]
fn corrupt_state_is_reported_and_left_alone() {
    let project = TempProject::example();
    project.write("state/dev.json", "{ \"format_version\": 1, \"lineage\": ");
    let text = run(&project, &["plan", "-e", "DEV"]);
    assert!(text.starts_with("exit: 1\n"));
    assert!(text.contains("state file `state/dev.json` is corrupt") || text.contains("is corrupt"));
    assert_eq!(
        std::fs::read_to_string(project.path().join("state/dev.json")).unwrap(),
        "{ \"format_version\": 1, \"lineage\": "
    );
}

#[test]
fn graph_in_mermaid_and_dot() {
    let project = TempProject::example();
    insta::assert_snapshot!("graph_mermaid", run(&project, &["graph", "-e", "DEV"]));
    let dot = run(&project, &["graph", "-e", "DEV", "--format", "dot"]);
    assert!(dot.contains("digraph pudo {"));
    assert!(dot.contains(
        "\"schema.PUDO_MLOPS.PUDO_DEV\" -> \"grant.PUDO_DEV_ROLE.schema.PUDO_MLOPS.PUDO_DEV\";"
    ));
}
