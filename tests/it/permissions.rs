//! Least privilege end to end: the shared stack applied by an account
//! administrator, then every environment stack applied, re-planned and
//! drift-checked by a CI user that holds SYSADMIN and SECURITYADMIN but not
//! ACCOUNTADMIN; a user without what the plan needs is stopped before any
//! statement.

use crate::emulator::Emulator;
use crate::support::{TempProject, ok, run_against, text};
use serde_json::Value;
use std::process::Output;

fn run(emu: &Emulator, project: &TempProject, args: &[&str]) -> Output {
    run_against(emu, project, args)
}

fn sql(emu: &Emulator, statement: &str) {
    emu.sql(statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The example on `main` with the shared stack applied by the account
/// administrator (the emulator's login user starts with ACCOUNTADMIN).
fn shared_applied_by_admin() -> Option<(Emulator, TempProject)> {
    let emu = Emulator::start(&[])?;
    let project = TempProject::example();
    crate::support::on_main(project.path());
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "shared", "--auto-approve"],
    ));
    Some((emu, project))
}

/// Turns the login user into a CI service user holding only `roles`.
fn reshape_user(emu: &Emulator, roles: &[&str]) {
    for role in roles {
        sql(emu, &format!("GRANT ROLE {role} TO USER ADMIN"));
    }
    sql(
        emu,
        &format!("ALTER USER ADMIN SET DEFAULT_ROLE = {}", roles[0]),
    );
    sql(emu, "REVOKE ROLE ACCOUNTADMIN FROM USER ADMIN");
}

fn owners(emu: &Emulator, show: &str) -> Vec<(String, String)> {
    emu.sql(show)
        .unwrap_or_else(|e| panic!("{show}: {e}"))
        .into_iter()
        .map(|r| {
            (
                r["name"].clone().unwrap_or_default(),
                r["owner"].clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn every_environment_applies_without_accountadmin() {
    let Some((emu, project)) = shared_applied_by_admin() else {
        return;
    };
    reshape_user(&emu, &["SYSADMIN", "SECURITYADMIN"]);
    let roles = emu.sql("SELECT CURRENT_AVAILABLE_ROLES() AS R").unwrap();
    let available = roles[0]["R"].clone().unwrap_or_default();
    assert!(!available.contains("ACCOUNTADMIN"), "{available}");

    for env in ["dev", "staging", "prod"] {
        ok(run(&emu, &project, &["apply", "-e", env, "--auto-approve"]));
        let plan = run(&emu, &project, &["plan", "-e", env, "--detailed-exitcode"]);
        assert_eq!(plan.status.code(), Some(0), "{env}: {}", text(&plan));
        ok(run(&emu, &project, &["drift", "-e", env]));
    }
    for (name, owner) in owners(&emu, "SHOW SCHEMAS IN DATABASE PUDO_MLOPS") {
        if name != "INFORMATION_SCHEMA" {
            assert_eq!(owner, "SYSADMIN", "schema {name}");
        }
    }
    for (name, owner) in owners(&emu, "SHOW WAREHOUSES") {
        assert_eq!(owner, "SYSADMIN", "warehouse {name}");
    }
    for (name, owner) in owners(&emu, "SHOW DATABASES LIKE 'PUDO_MLOPS'") {
        assert_eq!(owner, "SYSADMIN", "database {name}");
    }
    for (name, owner) in owners(&emu, "SHOW ROLES LIKE 'PUDO_%'") {
        assert_eq!(owner, "USERADMIN", "role {name}");
    }
    // Tasks belong to their environment's role (owners.tasks) and run.
    for (name, owner) in owners(&emu, "SHOW TASKS IN SCHEMA PUDO_MLOPS.PUDO_PROD") {
        assert_eq!(owner, "PUDO_PROD_ROLE", "task {name}");
    }
}

#[test]
fn a_user_without_the_roles_the_plan_needs_is_stopped_before_any_statement() {
    let Some((emu, project)) = shared_applied_by_admin() else {
        return;
    };
    reshape_user(&emu, &["SYSADMIN"]);
    emu.control("POST", "/emulator/stats/reset", None);
    let out = run(&emu, &project, &["apply", "-e", "dev", "--auto-approve"]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("nothing was applied"), "{message}");
    for role in ["USERADMIN", "SECURITYADMIN"] {
        assert!(message.contains(&format!("`{role}`")), "{role}: {message}");
        assert!(
            message.contains(&format!("GRANT ROLE {role} TO USER ADMIN")),
            "{message}"
        );
    }
    assert!(message.contains("role.PUDO_DEV_ROLE"), "{message}");
    let stats: Value = serde_json::from_str(&emu.control("GET", "/emulator/stats", None))
        .unwrap_or_else(|e| panic!("stats: {e}"));
    for kind in ["create", "alter", "drop", "grant", "revoke"] {
        assert_eq!(stats["by_kind"][kind], 0, "{kind}: {stats}");
    }
    assert!(
        !project.path().join("state/dev.json").exists(),
        "no state is written"
    );
}

#[test]
fn an_owner_changed_in_an_override_is_handed_over_then_plans_empty() {
    let Some((emu, project)) = shared_applied_by_admin() else {
        return;
    };
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "dev", "--auto-approve"],
    ));
    let path = project.path().join("environments/dev.override.yaml");
    let base = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{base}\nwarehouses:\n  PUDO_DEV_WH: {{ owner: PUDO_DEV_ROLE }}\n"),
    )
    .unwrap();
    let out = ok(run(&emu, &project, &["plan", "-e", "dev"]));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains(
            "GRANT OWNERSHIP ON WAREHOUSE PUDO_DEV_WH TO ROLE PUDO_DEV_ROLE COPY CURRENT GRANTS"
        ),
        "{plan}"
    );
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "dev", "--auto-approve"],
    ));
    assert_eq!(
        owners(&emu, "SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'"),
        [("PUDO_DEV_WH".to_string(), "PUDO_DEV_ROLE".to_string())]
    );
    let again = run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--detailed-exitcode"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn a_task_owner_without_execute_task_is_named_before_any_statement() {
    let Some((emu, project)) = shared_applied_by_admin() else {
        return;
    };
    // PROD's tasks are started, and their owner loses EXECUTE TASK.
    let path = project.path().join("environments/prod.override.yaml");
    let base = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{base}\nroles:\n  PUDO_PROD_ROLE:\n    grants:\n      - {{ on: account, remove: true }}\n"),
    )
    .unwrap();
    emu.control("POST", "/emulator/stats/reset", None);
    let out = run(&emu, &project, &["apply", "-e", "prod", "--auto-approve"]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("do not hold EXECUTE TASK"), "{message}");
    assert!(message.contains("`PUDO_PROD_ROLE`"), "{message}");
    assert!(
        message.contains("GRANT EXECUTE TASK ON ACCOUNT TO ROLE PUDO_PROD_ROLE"),
        "{message}"
    );
    let stats: Value = serde_json::from_str(&emu.control("GET", "/emulator/stats", None)).unwrap();
    for kind in ["create", "alter", "drop", "grant", "revoke"] {
        assert_eq!(stats["by_kind"][kind], 0, "{kind}: {stats}");
    }
}

#[test]
fn drift_stops_when_the_user_cannot_see_what_it_compares() {
    let Some((emu, project)) = shared_applied_by_admin() else {
        return;
    };
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "dev", "--auto-approve"],
    ));
    // Only SYSADMIN: the roles (owned by USERADMIN) are out of its sight.
    reshape_user(&emu, &["SYSADMIN"]);
    let out = run(&emu, &project, &["drift", "-e", "dev"]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(
        message.contains("cannot see every recorded object"),
        "{message}"
    );
    assert!(
        message.contains("`USERADMIN`, which owns `role.PUDO_DEV_ROLE`"),
        "{message}"
    );
    let out = run(&emu, &project, &["plan", "-e", "dev", "--refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
