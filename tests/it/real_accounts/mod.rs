//! What real accounts hold besides pudo's first objects, end to end against
//! the emulator, one module per subject: the `PUBLIC` schema Snowflake
//! creates with every database, users and their roles, resource monitors,
//! database roles, and every grant form. The helpers are here.

use crate::emulator::Emulator;
use crate::support::{TempProject, json_of, text};
use serde_json::{Value, json};
use std::process::Output;
use std::time::Duration;

fn pudo(project: &TempProject, emu: &Emulator, args: &[&str]) -> Output {
    project.pudo().envs(emu.env()).args(args).output().unwrap()
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

/// A project of `config` applied to a fresh emulator, after checking that
/// it validates and that its plan holds `statements`.
#[track_caller]
fn applied(config: &str, statements: &[&str]) -> Option<(Emulator, TempProject)> {
    let emu = Emulator::start(&[])?;
    let project = custom(config);
    ok(&project, &emu, &["validate"]);
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    for statement in statements {
        assert!(plan.contains(statement), "{statement}\n{plan}");
    }
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    Some((emu, project))
}

/// A drift finding: `privilege` revoked from grant `address`.
fn revoked(address: &str, privilege: &str) -> Value {
    json!({ "address": address, "kind": "privileges", "granted": [], "revoked": [privilege] })
}

/// `import --all` after the stack's state was thrown away.
#[track_caller]
fn reimported(project: &TempProject, emu: &Emulator) -> Output {
    std::fs::remove_file(project.path().join("state/dev.json")).unwrap();
    ok(project, emu, &["import", "-e", "dev", "--all"])
}

/// The JSON report of a `drift` that finds drift.
#[track_caller]
fn drifted(project: &TempProject, emu: &Emulator) -> Value {
    let out = exits(project, emu, &["drift", "-e", "dev", "--format", "json"], 2);
    json_of(&out)
}

/// `pudo validate` of a project whose base.yaml is `config` fails (exit 1),
/// and its output says each of `needles`.
#[track_caller]
fn refused(config: &str, needles: &[&str]) {
    let out = custom(config).pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

/// Each finding of a drift report as (address, kind).
fn findings_of(report: &Value) -> Vec<(String, String)> {
    report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Plans from what is live (`--refresh`), applies that plan, and drift is
/// clean afterwards.
#[track_caller]
fn apply_refreshed(project: &TempProject, emu: &Emulator) {
    let plan_file = project.path().join("refreshed.json");
    let plan_path = plan_file.to_str().unwrap();
    ok(
        project,
        emu,
        &["plan", "-e", "dev", "--refresh", "--out", plan_path],
    );
    ok(
        project,
        emu,
        &["apply", "-e", "dev", "--auto-approve", plan_path],
    );
    drift_is_clean(project, emu);
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

fn on_main(project: &TempProject) {
    crate::support::on_main(project.path());
}

mod database_roles;
mod grant_forms;
mod public_schema;
mod resource_monitors;
mod users;
