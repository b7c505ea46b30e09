//! What real accounts hold besides pudo's objects, end to end against the
//! emulator: the `PUBLIC` schema Snowflake creates with every database,
//! users and their roles.

use crate::emulator::Emulator;
use crate::support::TempProject;
use serde_json::{Value, json};
use std::process::Output;
use std::time::Duration;

fn pudo(project: &TempProject, emu: &Emulator, args: &[&str]) -> Output {
    project.pudo().envs(emu.env()).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[track_caller]
fn exits(project: &TempProject, emu: &Emulator, args: &[&str], code: i32) -> Output {
    let out = pudo(project, emu, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "pudo {args:?}\n{}",
        text(&out)
    );
    out
}

#[track_caller]
fn ok(project: &TempProject, emu: &Emulator, args: &[&str]) -> Output {
    exits(project, emu, args, 0)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(out)))
}

fn sql(emu: &Emulator, statement: &str) {
    emu.sql(statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// A project whose only file is `environments/base.yaml` = `base`.
fn custom(base: &str) -> TempProject {
    let project = TempProject {
        dir: tempfile::tempdir().unwrap(),
    };
    project.write("environments/base.yaml", base);
    project
}

#[track_caller]
fn plan_is_empty(project: &TempProject, emu: &Emulator) {
    ok(project, emu, &["plan", "-e", "dev", "--detailed-exitcode"]);
}

#[track_caller]
fn drift_is_clean(project: &TempProject, emu: &Emulator) -> Value {
    let out = ok(project, emu, &["drift", "-e", "dev", "--format", "json"]);
    let report = json_of(&out);
    assert_eq!(report["clean"], json!(true), "{}", text(&out));
    report
}

/// A SHOW row by name.
fn row(
    emu: &Emulator,
    show: &str,
    name: &str,
) -> Option<std::collections::BTreeMap<String, Option<String>>> {
    emu.sql(show)
        .unwrap_or_else(|e| panic!("{show}: {e}"))
        .into_iter()
        .find(|r| r["name"].as_deref() == Some(name))
}

fn col(row: &std::collections::BTreeMap<String, Option<String>>, column: &str) -> String {
    row.get(column).cloned().flatten().unwrap_or_default()
}

const PUBLIC_SCHEMA: &str = r#"
environments:
  DEV: { branches: [dev] }

databases:
  PUB_${env}:
    comment: a database
    schemas:
      PUBLIC: { comment: "the default schema's \"comment\"", data_retention_time_in_days: 3 }
      OTHER: { comment: other }
  BARE_${env}:
    schemas:
      PUBLIC: {}

roles:
  PUB_${env}_ROLE:
    grants:
      - { on: "database PUB_${env}", privileges: [USAGE] }
      - { on: "schema PUB_${env}.PUBLIC", privileges: [USAGE, CREATE TABLE] }
      - { on: "schema BARE_${env}.PUBLIC", privileges: [USAGE] }
"#;

#[test]
fn a_declared_public_schema_is_adopted_with_its_database() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = custom(PUBLIC_SCHEMA);
    ok(&project, &emu, &["validate"]);
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(!plan.contains("CREATE SCHEMA PUB_DEV.PUBLIC"), "{plan}");
    assert!(
        plan.contains("ALTER SCHEMA PUB_DEV.PUBLIC SET DATA_RETENTION_TIME_IN_DAYS = 3 COMMENT = 'the default schema''s \"comment\"'"),
        "{plan}"
    );
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    let public = row(&emu, "SHOW SCHEMAS IN DATABASE PUB_DEV", "PUBLIC").unwrap();
    assert_eq!(col(&public, "comment"), "the default schema's \"comment\"");
    assert_eq!(col(&public, "retention_time"), "3");
    plan_is_empty(&project, &emu);
    let report = drift_is_clean(&project, &emu);
    assert_eq!(report["checked"], json!(9), "{report:#}");
    ok(&project, &emu, &["drift", "-e", "dev", "--unmanaged"]);

    // Out of band: the comment changes, a privilege goes.
    sql(&emu, "ALTER SCHEMA PUB_DEV.PUBLIC SET COMMENT = 'by hand'");
    sql(
        &emu,
        "REVOKE CREATE TABLE ON SCHEMA PUB_DEV.PUBLIC FROM ROLE PUB_DEV_ROLE",
    );
    let out = exits(
        &project,
        &emu,
        &["drift", "-e", "dev", "--format", "json"],
        2,
    );
    let report = json_of(&out);
    let addresses: Vec<&str> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "grant.PUB_DEV_ROLE.schema.PUB_DEV.PUBLIC",
            "schema.PUB_DEV.PUBLIC"
        ],
        "{report:#}"
    );
    // Import of the state thrown away adopts it again.
    std::fs::remove_file(project.path().join("state/dev.json")).unwrap();
    ok(&project, &emu, &["import", "-e", "dev", "--all"]);
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // No longer declared: pudo stops managing it and the schema stays.
    project.write(
        "environments/base.yaml",
        &PUBLIC_SCHEMA.replace(
            "      PUBLIC: { comment: \"the default schema's \\\"comment\\\"\", data_retention_time_in_days: 3 }\n",
            "",
        ).replace("      - { on: \"schema PUB_${env}.PUBLIC\", privileges: [USAGE, CREATE TABLE] }\n", ""),
    );
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    assert!(row(&emu, "SHOW SCHEMAS IN DATABASE PUB_DEV", "PUBLIC").is_some());
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);
    ok(&project, &emu, &["drift", "-e", "dev", "--unmanaged"]);
}

#[test]
fn a_killed_apply_recovers_over_a_public_schema() {
    let mut caught_mid_run = 0;
    for delay_ms in [30u64, 60, 100, 150, 200, 260, 330] {
        let Some(emu) = Emulator::start(&["--latency-ms", "40"]) else {
            return;
        };
        let project = custom(PUBLIC_SCHEMA);
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pudo"));
        cmd.current_dir(project.path())
            .args(["apply", "-e", "dev", "--auto-approve", "--parallelism", "1"])
            .env("NO_COLOR", "1")
            .envs(emu.env())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let state = project.path().join("state/dev.json");
        if state.exists()
            && std::fs::read_to_string(&state)
                .unwrap()
                .contains("\"pending\"")
        {
            caught_mid_run += 1;
        }
        ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
        plan_is_empty(&project, &emu);
        drift_is_clean(&project, &emu);
    }
    assert!(
        caught_mid_run >= 2,
        "only {caught_mid_run} kills landed mid-apply"
    );
}

#[test]
fn information_schema_cannot_be_declared() {
    let project = custom(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  D:\n    schemas:\n      information_schema: {}\n      PUBLIC: { transient: true }\n",
    );
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(
        message.contains("`INFORMATION_SCHEMA` is Snowflake's read-only schema"),
        "{message}"
    );
    assert!(message.contains("base.yaml:6"), "{message}");
    assert!(message.contains("takes its transience"), "{message}");
}
