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

const KEY_1: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuV9SykUFTpflhoMf2cvZl+3jry81pauqSa2YrJoCyQ+hvjKHQaDMGmo0ja+Uu3RPi4g83DTdeHLPy5mG8bdTqEs5RrtVyQzkMAa4XpivQjJWvnAyhzEapgqOxT/hBB/SmLRbiXEHMEnJU7VWwuCAWiKV/ayMD4aeGIsKnj5njmlamMDeV08Um6pwoqnxZN+toTvxWWQoX6FOlmVS7mBgaw9h+50r4LnQm5+gdjADeUzc1VB8zBSb04iyXfzgYx4Xc+gx5s7iJf8V3bS0hmqL3S8sCLLj7wAGZPi/mRF3909x2vk+a65oj1+8P63wspkX+n++N5cysE9/Ly7EHAwblQIDAQAB";
const KEY_2: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3+aC/e7876H+ABccE0XNXtNjCo9PC53WcA7iwz+wAoQO6r/lgPsxyZmPsVfXkG6PMiIVJxz+Sp4mEhF4P3+BLw7FQWLj07iFfg9T73vATV0+tNs0FLY5j7SB8VdCfYtdB6TGwVh2F9yoBRL3C7C1ufY9DFgfNFT8SKduq8LTXDSIWfzMoTNcN82rhzfDCZ2uAgASMJZ6ZwMKnbUcNGKpLLExdrBPSx6StW9ld9orgrxnnQsKNGshnCdBaTH65kPYpfdpncS5Q4vQq4+9tIXh7fvOn/KSqvgEWItDb8c63ovKOV0kfHr6ZK5yD+1oOTqgiZ7BujlAOZl3hN+DVeQj+wIDAQAB";

fn users_config(extra: &str) -> String {
    format!(
        r#"
environments:
  DEV: {{ branches: [dev] }}

warehouses:
  APP_${{env}}_WH: {{ size: XSMALL }}
  OTHER_${{env}}_WH: {{ size: XSMALL }}

roles:
  APP_${{env}}_ROLE: {{}}
  READER_${{env}}_ROLE: {{}}

users:
  SVC_${{env}}:
    type: service
    comment: "the pipeline's \"service\" user"
    default_role: APP_${{env}}_ROLE
    default_warehouse: APP_${{env}}_WH
    default_secondary_roles: none
    rsa_public_key: |
      -----BEGIN PUBLIC KEY-----
      {KEY_1}
      -----END PUBLIC KEY-----
    roles: ["APP_${{env}}_ROLE"]
  '"jane.doe_${{env}}"':
    type: PERSON
    login_name: jane.doe@example.com
    display_name: Jane Doe
    first_name: Jane
    last_name: "O'Doe"
    email: jane.doe@example.com
    default_namespace: PUDO_MLOPS.PUBLIC
    disabled: false
    roles: ["READER_${{env}}_ROLE", "APP_${{env}}_ROLE"]
{extra}"#
    )
}

fn user_row(emu: &Emulator, name: &str) -> std::collections::BTreeMap<String, Option<String>> {
    row(emu, "SHOW USERS", name).unwrap_or_else(|| panic!("no user {name}"))
}

fn users_of(emu: &Emulator, role: &str) -> Vec<String> {
    let mut out: Vec<String> = emu
        .sql(&format!("SHOW GRANTS OF ROLE {role}"))
        .unwrap()
        .into_iter()
        .filter(|r| r["granted_to"].as_deref() == Some("USER"))
        .map(|r| r["grantee_name"].clone().unwrap_or_default())
        .collect();
    out.sort();
    out
}

#[test]
fn users_and_their_roles_end_to_end() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = custom(&users_config(""));
    ok(&project, &emu, &["validate"]);
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains(&format!("CREATE USER SVC_DEV TYPE = SERVICE DEFAULT_WAREHOUSE = APP_DEV_WH DEFAULT_ROLE = APP_DEV_ROLE RSA_PUBLIC_KEY = '{KEY_1}' COMMENT = 'the pipeline''s \"service\" user' DEFAULT_SECONDARY_ROLES = ()")), "{plan}");
    assert!(
        plan.contains("GRANT ROLE APP_DEV_ROLE TO USER \"jane.doe_DEV\""),
        "{plan}"
    );
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    let svc = user_row(&emu, "SVC_DEV");
    assert_eq!(col(&svc, "type"), "SERVICE");
    assert_eq!(col(&svc, "default_role"), "APP_DEV_ROLE");
    assert_eq!(col(&svc, "default_warehouse"), "APP_DEV_WH");
    assert_eq!(col(&svc, "default_secondary_roles"), "[]");
    assert_eq!(col(&svc, "has_rsa_public_key"), "true");
    assert_eq!(col(&svc, "has_password"), "false");
    let jane = user_row(&emu, "jane.doe_DEV");
    assert_eq!(col(&jane, "login_name"), "JANE.DOE@EXAMPLE.COM");
    assert_eq!(col(&jane, "last_name"), "O'Doe");
    assert_eq!(users_of(&emu, "APP_DEV_ROLE"), ["SVC_DEV", "jane.doe_DEV"]);
    assert_eq!(users_of(&emu, "READER_DEV_ROLE"), ["jane.doe_DEV"]);
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Every attribute changed: one plan of ALTERs, then empty again.
    let changed = users_config("")
        .replace("type: service", "type: legacy_service")
        .replace("the pipeline's", "the new pipeline's")
        .replace(
            "default_role: APP_${env}_ROLE",
            "default_role: READER_${env}_ROLE",
        )
        .replace(
            "default_warehouse: APP_${env}_WH",
            "default_warehouse: OTHER_${env}_WH",
        )
        .replace(
            "default_secondary_roles: none",
            "default_secondary_roles: all",
        )
        .replace(KEY_1, KEY_2)
        .replace("login_name: jane.doe@example.com", "login_name: jdoe")
        .replace("display_name: Jane Doe", "display_name: J. Doe")
        .replace("first_name: Jane", "first_name: Janet")
        .replace("last_name: \"O'Doe\"", "last_name: Doe")
        .replace("email: jane.doe@example.com", "email: jdoe@example.com")
        .replace("PUDO_MLOPS.PUBLIC", "PUDO_MLOPS")
        .replace("disabled: false", "disabled: true")
        .replace(
            r#"roles: ["READER_${env}_ROLE", "APP_${env}_ROLE"]"#,
            r#"roles: ["READER_${env}_ROLE"]"#,
        );
    project.write("environments/base.yaml", &changed);
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(!plan.contains("CREATE USER"), "{plan}");
    assert!(
        plan.contains("REVOKE ROLE APP_DEV_ROLE FROM USER \"jane.doe_DEV\""),
        "{plan}"
    );
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    let svc = user_row(&emu, "SVC_DEV");
    assert_eq!(col(&svc, "type"), "LEGACY_SERVICE");
    assert_eq!(col(&svc, "default_role"), "READER_DEV_ROLE");
    assert_eq!(col(&svc, "default_warehouse"), "OTHER_DEV_WH");
    assert_eq!(col(&svc, "default_secondary_roles"), "[\"ALL\"]");
    let jane = user_row(&emu, "jane.doe_DEV");
    assert_eq!(col(&jane, "login_name"), "JDOE");
    assert_eq!(col(&jane, "disabled"), "true");
    assert_eq!(col(&jane, "default_namespace"), "PUDO_MLOPS");
    assert_eq!(users_of(&emu, "APP_DEV_ROLE"), ["SVC_DEV"]);
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Out of band: an attribute, a revoked role, a role granted by hand.
    sql(
        &emu,
        "ALTER USER SVC_DEV SET DEFAULT_WAREHOUSE = APP_DEV_WH",
    );
    sql(&emu, "REVOKE ROLE APP_DEV_ROLE FROM USER SVC_DEV");
    sql(&emu, "GRANT ROLE APP_DEV_ROLE TO USER \"jane.doe_DEV\"");
    let out = exits(
        &project,
        &emu,
        &["drift", "-e", "dev", "--format", "json"],
        2,
    );
    let report = json_of(&out);
    let found: Vec<(String, String)> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("user.SVC_DEV".to_string(), "changed".to_string()),
            (
                "user_grant.\"jane.doe_DEV\".APP_DEV_ROLE".to_string(),
                "membership_granted_outside".to_string()
            ),
            (
                "user_grant.SVC_DEV.APP_DEV_ROLE".to_string(),
                "membership_revoked".to_string()
            ),
        ],
        "{report:#}"
    );
    // The refreshed plan puts them back; a role granted by hand is only
    // reported (pudo revokes nothing it does not record).
    let plan_file = project.path().join("refreshed.json");
    let plan_path = plan_file.to_str().unwrap();
    ok(
        &project,
        &emu,
        &["plan", "-e", "dev", "--refresh", "--out", plan_path],
    );
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", plan_path],
    );
    sql(&emu, "REVOKE ROLE APP_DEV_ROLE FROM USER \"jane.doe_DEV\"");
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // A user made by hand is imported.
    sql(
        &emu,
        "CREATE USER BOT_DEV TYPE = SERVICE COMMENT = 'by hand' DEFAULT_ROLE = APP_DEV_ROLE",
    );
    sql(&emu, "GRANT ROLE APP_DEV_ROLE TO USER BOT_DEV");
    project.write(
        "environments/base.yaml",
        &format!(
            "{changed}  BOT_${{env}}: {{ type: SERVICE, comment: by hand, default_role: \"APP_${{env}}_ROLE\", roles: [\"APP_${{env}}_ROLE\"] }}\n"
        ),
    );
    let out = ok(
        &project,
        &emu,
        &[
            "import",
            "-e",
            "dev",
            "user.BOT_DEV",
            "user_grant.BOT_DEV.APP_DEV_ROLE",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported user.BOT_DEV"),
        "{}",
        text(&out)
    );
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Dropped with --allow-drop.
    project.write(
        "environments/base.yaml",
        changed.split("\nusers:").next().unwrap(),
    );
    exits(&project, &emu, &["apply", "-e", "dev", "--auto-approve"], 1);
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    assert!(row(&emu, "SHOW USERS", "SVC_DEV").is_none());
    assert!(row(&emu, "SHOW USERS", "BOT_DEV").is_none());
    plan_is_empty(&project, &emu);
}

#[test]
fn passwords_and_dangling_references_are_refused() {
    let project = custom(&users_config(
        "  PW_${env}: { password: hunter2, default_warehouse: NOPE_WH, roles: [NOPE_ROLE] }\n",
    ));
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in [
        "pudo does not manage passwords",
        "key pair",
        "warehouse `NOPE_WH` is not declared",
        "users.PW_${env}.default_warehouse",
        "role `NOPE_ROLE` is not declared",
        "users.PW_${env}.roles[0]",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

fn on_main(project: &TempProject) {
    crate::support::on_main(project.path());
}

const MONITORS: &str = r#"
environments:
  DEV: { branches: [dev] }
  PROD: { branches: [main], protected: true }

resource_monitors:
  CAP:
    shared: true
    credit_quota: 100
    frequency: monthly
    start_timestamp: immediately
    triggers:
      - { at_percent: 110, do: suspend_immediate }
      - { at_percent: 80, do: notify }
      - { at_percent: 100, do: Suspend }
      - { at_percent: "90%", do: notify }

warehouses:
  WH_${env}: { size: xsmall, resource_monitor: CAP }
"#;

fn monitor(
    emu: &Emulator,
    name: &str,
) -> Option<std::collections::BTreeMap<String, Option<String>>> {
    row(emu, "SHOW RESOURCE MONITORS", name)
}

#[track_caller]
fn stack_is_clean(project: &TempProject, emu: &Emulator, env: &str) {
    ok(project, emu, &["plan", "-e", env, "--detailed-exitcode"]);
    let out = ok(project, emu, &["drift", "-e", env, "--format", "json"]);
    assert_eq!(json_of(&out)["clean"], json!(true), "{}", text(&out));
}

/// `config` with `line` added at the end of `resource_monitors:`.
fn with_monitor(config: &str, line: &str) -> String {
    config.replace("\nwarehouses:", &format!("  {line}\n\nwarehouses:"))
}

#[test]
fn resource_monitors_end_to_end() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = custom(MONITORS);
    on_main(&project);
    ok(&project, &emu, &["validate"]);
    let out = ok(&project, &emu, &["plan", "-e", "shared"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("CREATE RESOURCE MONITOR CAP WITH CREDIT_QUOTA = 100 FREQUENCY = MONTHLY START_TIMESTAMP = IMMEDIATELY TRIGGERS ON 80 PERCENT DO NOTIFY ON 90 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE"),
        "{plan}"
    );
    assert!(!plan.contains("warning:"), "{plan}");
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("apply the shared stack first"), "{plan}");
    assert!(
        plan.contains("only an account administrator (ACCOUNTADMIN) may assign a resource monitor"),
        "{plan}"
    );
    ok(&project, &emu, &["apply", "-e", "shared", "--auto-approve"]);
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    let cap = monitor(&emu, "CAP").unwrap();
    assert_eq!(col(&cap, "credit_quota"), "100.00");
    assert_eq!(col(&cap, "notify_at"), "80%,90%");
    assert_eq!(col(&cap, "level"), "WAREHOUSE");
    let wh = row(&emu, "SHOW WAREHOUSES", "WH_DEV").unwrap();
    assert_eq!(col(&wh, "resource_monitor"), "CAP");
    stack_is_clean(&project, &emu, "shared");
    stack_is_clean(&project, &emu, "dev");

    // Every attribute changed: one ALTER.
    let changed = MONITORS
        .replace("credit_quota: 100", "credit_quota: 250")
        .replace("frequency: monthly", "frequency: WEEKLY")
        .replace(
            "start_timestamp: immediately",
            "start_timestamp: 2030-01-01 00:00\n    end_timestamp: 2031-06-30\n    notify_users: [JANE]",
        )
        .replace("      - { at_percent: \"90%\", do: notify }\n", "")
        .replace("at_percent: 110", "at_percent: 120");
    project.write("environments/base.yaml", &changed);
    let out = ok(&project, &emu, &["plan", "-e", "shared"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("ALTER RESOURCE MONITOR CAP SET CREDIT_QUOTA = 250 FREQUENCY = WEEKLY START_TIMESTAMP = '2030-01-01 00:00' END_TIMESTAMP = '2031-06-30' NOTIFY_USERS = (JANE) TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 120 PERCENT DO SUSPEND_IMMEDIATE"),
        "{plan}"
    );
    ok(&project, &emu, &["apply", "-e", "shared", "--auto-approve"]);
    let cap = monitor(&emu, "CAP").unwrap();
    assert_eq!(col(&cap, "credit_quota"), "250.00");
    assert_eq!(col(&cap, "frequency"), "WEEKLY");
    assert_eq!(col(&cap, "notify_at"), "80%");
    assert_eq!(col(&cap, "suspend_immediately_at"), "120%");
    assert_eq!(col(&cap, "notify_users"), "JANE");
    stack_is_clean(&project, &emu, "shared");

    // Out of band: the quota and the triggers.
    sql(
        &emu,
        "ALTER RESOURCE MONITOR CAP SET CREDIT_QUOTA = 5 TRIGGERS ON 50 PERCENT DO SUSPEND",
    );
    let out = exits(
        &project,
        &emu,
        &["drift", "-e", "shared", "--format", "json"],
        2,
    );
    let report = json_of(&out);
    assert_eq!(
        report["drift"][0]["address"],
        json!("resource_monitor.CAP"),
        "{report:#}"
    );
    let names: Vec<&str> = report["drift"][0]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["credit_quota", "triggers"], "{report:#}");
    sql(
        &emu,
        "ALTER RESOURCE MONITOR CAP SET CREDIT_QUOTA = 250 TRIGGERS ON 80 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 120 PERCENT DO SUSPEND_IMMEDIATE",
    );
    stack_is_clean(&project, &emu, "shared");

    // One made by hand is imported.
    sql(
        &emu,
        "CREATE RESOURCE MONITOR HAND WITH CREDIT_QUOTA = 7 TRIGGERS ON 100 PERCENT DO SUSPEND",
    );
    let with_hand = with_monitor(
        &changed,
        "HAND: { shared: true, credit_quota: 7, triggers: [{ at_percent: 100, do: suspend }] }",
    );
    project.write("environments/base.yaml", &with_hand);
    let out = ok(
        &project,
        &emu,
        &["import", "-e", "shared", "resource_monitor.HAND"],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported resource_monitor.HAND"),
        "{}",
        text(&out)
    );
    stack_is_clean(&project, &emu, "shared");

    // A monitor outside the shared stack: the plan says who may create it.
    project.write(
        "environments/base.yaml",
        &with_monitor(&with_hand, "OWN_${env}: { credit_quota: 1 }"),
    );
    let out = ok(&project, &emu, &["plan", "-e", "dev"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("warning: `resource_monitor.OWN_DEV`: only an account administrator (ACCOUNTADMIN) may create and change resource monitors"),
        "{plan}"
    );

    // Dropped with --allow-drop, after the warehouse lets go of it.
    let without = MONITORS
        .split("\nresource_monitors:")
        .next()
        .unwrap()
        .to_string()
        + "\nwarehouses:\n  WH_${env}: { size: xsmall }\n";
    project.write("environments/base.yaml", &without);
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    let wh = row(&emu, "SHOW WAREHOUSES", "WH_DEV").unwrap();
    assert_eq!(col(&wh, "resource_monitor"), "null");
    exits(
        &project,
        &emu,
        &["apply", "-e", "shared", "--auto-approve"],
        1,
    );
    ok(
        &project,
        &emu,
        &["apply", "-e", "shared", "--auto-approve", "--allow-drop"],
    );
    assert!(monitor(&emu, "CAP").is_none() && monitor(&emu, "HAND").is_none());
    ok(
        &project,
        &emu,
        &["plan", "-e", "shared", "--detailed-exitcode"],
    );
    stack_is_clean(&project, &emu, "dev");
}

/// Two shared monitors and the CI user of the example (SYSADMIN and
/// SECURITYADMIN, no ACCOUNTADMIN); `cap` and `other` are extra lines of
/// the monitors' entries.
fn account_monitor_config(cap: &str, other: &str) -> String {
    format!(
        r#"
environments:
  DEV: {{ branches: [dev] }}
  PROD: {{ branches: [main], protected: true }}

resource_monitors:
  CAP: {{ shared: true, credit_quota: 100{cap} }}
  OTHER: {{ shared: true, credit_quota: 50{other} }}

users:
  PUDO_CI: {{ shared: true, type: SERVICE, default_role: SYSADMIN, roles: [SYSADMIN, SECURITYADMIN] }}
"#
    )
}

/// SHOW RESOURCE MONITORS' `level` of CAP and OTHER.
fn levels(emu: &Emulator) -> [String; 2] {
    ["CAP", "OTHER"].map(|m| col(&monitor(emu, m).unwrap(), "level"))
}

/// The account's resource monitor (`level: account`): set by the shared
/// stack as an account administrator, never by the CI user; read back
/// from SHOW's `level`, moved from one monitor to another, unset.
#[test]
fn the_account_monitor_end_to_end() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = custom(&account_monitor_config("", ""));
    on_main(&project);
    ok(&project, &emu, &["apply", "-e", "shared", "--auto-approve"]);
    assert_eq!(levels(&emu), ["", ""]);

    // The CI user may not set it: the pre-flight names ACCOUNTADMIN and
    // nothing runs.
    let account = ", level: account";
    project.write(
        "environments/base.yaml",
        &account_monitor_config(account, ""),
    );
    let out = ok(
        &project,
        &emu,
        &["plan", "-e", "shared", "--format", "json"],
    );
    let plan = json_of(&out);
    let change = &plan["changes"][0];
    assert_eq!(change["address"], json!("resource_monitor.CAP"), "{plan:#}");
    assert_eq!(change["role"], json!("ACCOUNTADMIN"), "{plan:#}");
    assert_eq!(
        change["sql"],
        json!(["ALTER ACCOUNT SET RESOURCE_MONITOR = CAP"]),
        "{plan:#}"
    );
    let out = project
        .pudo()
        .envs(emu.ci_env())
        .args(["apply", "-e", "shared", "--auto-approve"])
        .output()
        .unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(
        message.contains("`ACCOUNTADMIN`, needed by `resource_monitor.CAP`"),
        "{message}"
    );
    assert_eq!(levels(&emu), ["", ""]);

    // The administrator sets it; re-plan empty, drift clean.
    ok(&project, &emu, &["apply", "-e", "shared", "--auto-approve"]);
    assert_eq!(levels(&emu), ["ACCOUNT", ""]);
    stack_is_clean(&project, &emu, "shared");

    // Unset out of band: drift says so, and so does a refreshed plan.
    sql(&emu, "ALTER ACCOUNT UNSET RESOURCE_MONITOR");
    let out = exits(
        &project,
        &emu,
        &["drift", "-e", "shared", "--format", "json"],
        2,
    );
    assert_eq!(
        json_of(&out)["drift"],
        json!([{"address": "resource_monitor.CAP", "kind": "changed",
                "attributes": [{"name": "level", "recorded": "ACCOUNT", "live": null}]}]),
        "{}",
        text(&out)
    );
    let out = exits(
        &project,
        &emu,
        &["plan", "-e", "shared", "--refresh", "--detailed-exitcode"],
        2,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ALTER ACCOUNT SET RESOURCE_MONITOR = CAP"),
        "{}",
        text(&out)
    );
    // Another monitor made the account's by hand: CAP is no longer it.
    sql(&emu, "ALTER ACCOUNT SET RESOURCE_MONITOR = OTHER");
    assert_eq!(levels(&emu), ["", "ACCOUNT"]);
    exits(&project, &emu, &["drift", "-e", "shared"], 2);
    sql(&emu, "ALTER ACCOUNT SET RESOURCE_MONITOR = CAP");
    stack_is_clean(&project, &emu, "shared");

    // Moved to OTHER: unset for CAP first, then set for OTHER.
    project.write(
        "environments/base.yaml",
        &account_monitor_config("", account),
    );
    let out = ok(
        &project,
        &emu,
        &["plan", "-e", "shared", "--format", "json"],
    );
    let plan = json_of(&out);
    let changes: Vec<(Value, Value, Value)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].clone(),
                c["sql"].clone(),
                c["depends_on"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                json!("resource_monitor.CAP"),
                json!(["ALTER ACCOUNT UNSET RESOURCE_MONITOR"]),
                json!([])
            ),
            (
                json!("resource_monitor.OTHER"),
                json!(["ALTER ACCOUNT SET RESOURCE_MONITOR = OTHER"]),
                json!(["resource_monitor.CAP"])
            ),
        ],
        "{plan:#}"
    );
    ok(
        &project,
        &emu,
        &[
            "apply",
            "-e",
            "shared",
            "--auto-approve",
            "--parallelism",
            "8",
        ],
    );
    assert_eq!(levels(&emu), ["", "ACCOUNT"]);
    stack_is_clean(&project, &emu, "shared");

    // Removing the key unsets it.
    project.write("environments/base.yaml", &account_monitor_config("", ""));
    let out = ok(&project, &emu, &["plan", "-e", "shared"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ALTER ACCOUNT UNSET RESOURCE_MONITOR"),
        "{}",
        text(&out)
    );
    ok(&project, &emu, &["apply", "-e", "shared", "--auto-approve"]);
    assert_eq!(levels(&emu), ["", ""]);
    stack_is_clean(&project, &emu, "shared");

    // One made the account's by hand is imported with its level.
    sql(&emu, "CREATE RESOURCE MONITOR HAND WITH CREDIT_QUOTA = 7");
    sql(&emu, "ALTER ACCOUNT SET RESOURCE_MONITOR = HAND");
    let with_hand = account_monitor_config("", "").replace(
        "\nusers:",
        "  HAND: { shared: true, credit_quota: 7, level: ACCOUNT }\n\nusers:",
    );
    project.write("environments/base.yaml", &with_hand);
    ok(
        &project,
        &emu,
        &["import", "-e", "shared", "resource_monitor.HAND"],
    );
    stack_is_clean(&project, &emu, "shared");
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("state/shared.json")).unwrap(),
    )
    .unwrap();
    let hand = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == json!("resource_monitor.HAND"))
        .unwrap_or_else(|| panic!("{state:#}"));
    assert_eq!(hand["attrs"]["level"], json!("ACCOUNT"), "{hand:#}");
}

/// One account monitor, in the shared stack.
#[test]
fn the_account_has_one_monitor_in_the_shared_stack() {
    let project = custom(
        "environments:\n  DEV: { branches: [dev] }\nresource_monitors:\n  A: { shared: true, level: account }\n  B: { shared: true, level: Account }\n  C_${env}: { level: account }\n  D: { shared: true, level: warehouse }\n",
    );
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in [
        "base.yaml:5",
        "resource_monitors.B.level",
        "`resource_monitor.B` and `resource_monitor.A` are both the account's resource monitor (`level: ACCOUNT`); the account has one",
        "keep `level: ACCOUNT` on one of them (`resource_monitor.A` at environments/base.yaml:4)",
        "base.yaml:6",
        "resource_monitors.C_${env}.level",
        "`resource_monitor.C_DEV` is the account's resource monitor (`level: ACCOUNT`), which belongs to the shared stack",
        "resource_monitors.D.level",
        "`warehouse` is not a resource monitor level",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

#[test]
fn resource_monitor_rules_are_checked() {
    let project = custom(
        "environments:\n  DEV: { branches: [dev] }\nresource_monitors:\n  M:\n    frequency: monthly\n    triggers: [{ at_percent: 90, do: suspend }, { at_percent: 95, do: suspend }]\n  N: { start_timestamp: soon, triggers: [{ at_percent: 90, do: explode }] }\nwarehouses:\n  W: { resource_monitor: NOPE }\n",
    );
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in [
        "base.yaml:6",
        "at most 1 `suspend` trigger",
        "a resource monitor with a `frequency` needs a `start_timestamp`",
        "`do` is `notify`, `suspend` or `suspend_immediate`",
        "resource_monitors.N.triggers[0]",
        "resource_monitor `NOPE` is not declared",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

const DATABASE_ROLES: &str = r#"
environments:
  DEV: { branches: [dev] }

databases:
  DR_${env}:
    schemas:
      FEATURES: {}
    database_roles:
      READER:
        comment: "reads the \"features\""
        grants:
          - { on: "database DR_${env}", privileges: [USAGE] }
          - { on: "schema DR_${env}.FEATURES", privileges: [usage, monitor] }
        member_of: ["APP_${env}_ROLE"]
      WRITER:
        grants:
          - { on: "schema DR_${env}.FEATURES", privileges: [CREATE TABLE] }
        member_of: ["DR_${env}.READER"]

roles:
  APP_${env}_ROLE: {}
"#;

fn of_database_role(emu: &Emulator, role: &str) -> Vec<(String, String)> {
    emu.sql(&format!("SHOW GRANTS OF DATABASE ROLE {role}"))
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r["granted_to"].clone().unwrap_or_default(),
                r["grantee_name"].clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn database_roles_end_to_end() {
    let Some((emu, project)) = applied(
        DATABASE_ROLES,
        &[
            "CREATE DATABASE ROLE DR_DEV.READER COMMENT = 'reads the \"features\"'",
            "GRANT MONITOR, USAGE ON SCHEMA DR_DEV.FEATURES TO DATABASE ROLE DR_DEV.READER",
            "GRANT DATABASE ROLE DR_DEV.READER TO ROLE APP_DEV_ROLE",
            "GRANT DATABASE ROLE DR_DEV.WRITER TO DATABASE ROLE DR_DEV.READER",
        ],
    ) else {
        return;
    };
    let roles = emu.names("SHOW DATABASE ROLES IN DATABASE DR_DEV");
    assert_eq!(roles, ["READER", "WRITER"]);
    assert_eq!(
        of_database_role(&emu, "DR_DEV.WRITER"),
        [("DATABASE_ROLE".to_string(), "DR_DEV.READER".to_string())]
    );
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Changes: the comment, a privilege, a membership.
    let changed = DATABASE_ROLES
        .replace("reads the \\\"features\\\"", "reads")
        .replace("[usage, monitor]", "[USAGE]")
        .replace("member_of: [\"APP_${env}_ROLE\"]", "member_of: [SYSADMIN]");
    project.write("environments/base.yaml", &changed);
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    assert_eq!(
        of_database_role(&emu, "DR_DEV.READER"),
        [("ROLE".to_string(), "SYSADMIN".to_string())]
    );
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Out of band: a privilege granted, a membership revoked, the comment.
    sql(
        &emu,
        "GRANT MONITOR ON SCHEMA DR_DEV.FEATURES TO DATABASE ROLE DR_DEV.READER",
    );
    sql(
        &emu,
        "REVOKE DATABASE ROLE DR_DEV.WRITER FROM DATABASE ROLE DR_DEV.READER",
    );
    sql(
        &emu,
        "ALTER DATABASE ROLE DR_DEV.READER SET COMMENT = 'by hand'",
    );
    let out = exits(
        &project,
        &emu,
        &["drift", "-e", "dev", "--format", "json"],
        2,
    );
    let report = json_of(&out);
    let found: Vec<(String, String)> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "database_role.DR_DEV.READER".to_string(),
                "changed".to_string()
            ),
            (
                "database_role_grant.DR_DEV.READER.schema.DR_DEV.FEATURES".to_string(),
                "privileges".to_string()
            ),
            (
                "database_role_member.DR_DEV.WRITER.database_role.DR_DEV.READER".to_string(),
                "membership_revoked".to_string()
            ),
        ],
        "{report:#}"
    );

    // Import of the state thrown away adopts everything again.
    std::fs::remove_file(project.path().join("state/dev.json")).unwrap();
    sql(
        &emu,
        "REVOKE MONITOR ON SCHEMA DR_DEV.FEATURES FROM DATABASE ROLE DR_DEV.READER",
    );
    sql(
        &emu,
        "GRANT DATABASE ROLE DR_DEV.WRITER TO DATABASE ROLE DR_DEV.READER",
    );
    sql(
        &emu,
        "ALTER DATABASE ROLE DR_DEV.READER SET COMMENT = 'reads'",
    );
    ok(&project, &emu, &["import", "-e", "dev", "--all"]);
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Dropped with --allow-drop.
    let without = format!(
        "{}roles:\n  APP_${{env}}_ROLE: {{}}\n",
        changed.split("    database_roles:").next().unwrap()
    );
    project.write("environments/base.yaml", &without);
    exits(&project, &emu, &["apply", "-e", "dev", "--auto-approve"], 1);
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    assert!(
        emu.names("SHOW DATABASE ROLES IN DATABASE DR_DEV")
            .is_empty()
    );
    plan_is_empty(&project, &emu);
}

#[test]
fn database_role_rules_are_checked() {
    let project = custom(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  D:\n    database_roles:\n      R:\n        grants:\n          - { on: warehouse W, privileges: [USAGE] }\n          - { on: future tables in schema OTHER.PUBLIC, privileges: [SELECT] }\n        member_of: [OTHER.X, D.NOPE]\n  OTHER: {}\nwarehouses:\n  W: {}\n",
    );
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in [
        "a database role holds privileges on objects of its own database",
        "databases.D.database_roles.R.grants[0].on",
        "`future_tables_in_schema.OTHER.PUBLIC` is in database OTHER: a database role of D holds privileges on objects of its own database only",
        "databases.D.database_roles.R.grants[1].on",
        "`future TABLES in schema D.SCHEMA`",
        "`OTHER.X` is neither an account role nor a database role of `D`",
        "database_role `D.NOPE` is not declared",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

const GRANT_FORMS: &str = r#"
environments:
  DEV: { branches: [dev] }

external:
  databases: [SNOWFLAKE]        # created from a share

databases:
  G_${env}:
    schemas:
      S: {}

roles:
  G_${env}_ROLE:
    grants:
      - { on: "database G_${env}", privileges: [USAGE] }
      - { on: "schema G_${env}.S", privileges: [USAGE] }
      - { on: "all tables in schema G_${env}.S", privileges: [SELECT] }
      - { on: "all views in schema G_${env}.S", privileges: [SELECT] }
      - { on: "future views in schema G_${env}.S", privileges: [SELECT] }
      - { on: "future schemas in database G_${env}", privileges: [USAGE] }
      - { on: "future tables in database G_${env}", privileges: [SELECT, INSERT] }
      - { on: "future views in database G_${env}", privileges: [SELECT] }
      - { on: database SNOWFLAKE, privileges: [imported privileges] }
"#;

#[test]
fn every_grant_form_end_to_end() {
    let Some((emu, project)) = applied(
        GRANT_FORMS,
        &[
            "GRANT SELECT ON ALL TABLES IN SCHEMA G_DEV.S TO ROLE G_DEV_ROLE",
            "GRANT SELECT ON ALL VIEWS IN SCHEMA G_DEV.S TO ROLE G_DEV_ROLE",
            "GRANT SELECT ON FUTURE VIEWS IN SCHEMA G_DEV.S TO ROLE G_DEV_ROLE",
            "GRANT USAGE ON FUTURE SCHEMAS IN DATABASE G_DEV TO ROLE G_DEV_ROLE",
            "GRANT INSERT, SELECT ON FUTURE TABLES IN DATABASE G_DEV TO ROLE G_DEV_ROLE",
            "GRANT SELECT ON FUTURE VIEWS IN DATABASE G_DEV TO ROLE G_DEV_ROLE",
            "GRANT IMPORTED PRIVILEGES ON DATABASE SNOWFLAKE TO ROLE G_DEV_ROLE",
        ],
    ) else {
        return;
    };
    plan_is_empty(&project, &emu);
    // No table yet: `all tables` has nothing to compare.
    drift_is_clean(&project, &emu);

    // Tables made later get the future grant; `all tables` reads as what
    // every table holds.
    sql(&emu, "CREATE TABLE G_DEV.S.T1 (a INT)");
    sql(&emu, "CREATE TABLE G_DEV.S.T2 (a INT)");
    sql(&emu, "CREATE SCHEMA G_DEV.LATER");
    drift_is_clean(&project, &emu);
    sql(
        &emu,
        "REVOKE SELECT ON TABLE G_DEV.S.T1 FROM ROLE G_DEV_ROLE",
    );
    let report = drifted(&project, &emu);
    assert_eq!(
        report["drift"],
        json!([revoked(
            "grant.G_DEV_ROLE.all_tables_in_schema.G_DEV.S",
            "SELECT"
        )]),
        "{report:#}"
    );
    // Applying the grant again covers every table.
    apply_refreshed(&project, &emu);

    // Imported from scratch, and dropped.
    let out = reimported(&project, &emu);
    // No view exists: `all views` is left to apply (a GRANT of nothing).
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("left to `pudo apply`: grant.G_DEV_ROLE.all_views_in_schema.G_DEV.S"),
        "{}",
        text(&out)
    );
    ok(&project, &emu, &["apply", "-e", "dev", "--auto-approve"]);
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);
    project.write(
        "environments/base.yaml",
        GRANT_FORMS.split("    grants:").next().unwrap(),
    );
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    let left: Vec<String> = emu
        .sql("SHOW GRANTS TO ROLE G_DEV_ROLE")
        .unwrap()
        .into_iter()
        .filter(|r| r["privilege"].as_deref() != Some("OWNERSHIP"))
        .map(|r| format!("{:?} {:?}", r["privilege"], r["name"]))
        .collect();
    // What the future grants gave objects made since stays (Snowflake
    // revokes a future grant, not what it already granted).
    assert_eq!(
        left,
        [
            "Some(\"INSERT\") Some(\"G_DEV.S.T1\")",
            "Some(\"INSERT\") Some(\"G_DEV.S.T2\")",
            "Some(\"USAGE\") Some(\"G_DEV.LATER\")",
        ]
    );
    plan_is_empty(&project, &emu);
}

#[test]
fn imported_privileges_need_a_shared_database() {
    let project = custom(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  MINE: {}\nroles:\n  R:\n    grants:\n      - { on: database MINE, privileges: [IMPORTED PRIVILEGES] }\n      - { on: schema MINE.PUBLIC, privileges: [IMPORTED PRIVILEGES] }\n      - { on: database SNOW, privileges: [IMPORTED PRIVILEGES, USAGE] }\nexternal:\n  databases: [SNOW]\n",
    );
    let out = project.pudo().args(["validate"]).output().unwrap();
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    for needle in [
        "`database.MINE` is declared here, so it does not come from a share",
        "IMPORTED PRIVILEGES is granted on a database created from a share",
        "IMPORTED PRIVILEGES is the only privilege",
        "roles.R.grants[0].on",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

const DATABASE_ROLE_FORMS: &str = r#"
environments:
  DEV: { branches: [dev] }

databases:
  F_${env}:
    schemas:
      S: {}
    database_roles:
      READER:
        grants:
          - { on: "schema F_${env}.S", privileges: [USAGE] }
          - { on: "all tables in schema F_${env}.S", privileges: [SELECT] }
          - { on: "future tables in schema F_${env}.S", privileges: [select, insert] }
          - { on: "future schemas in database F_${env}", privileges: [USAGE] }
          - { on: "future views in database F_${env}", privileges: [SELECT] }

roles:
  F_${env}_ROLE:
    grants:
      - { on: "future tables in schema F_${env}.S", privileges: [SELECT] }
"#;

/// `(statements, SHOW statements)` of one `drift`, which finds `project` clean.
fn clean_drift_statements(project: &TempProject, emu: &Emulator) -> (u64, u64) {
    emu.control("POST", "/emulator/stats/reset", None);
    drift_is_clean(project, emu);
    let stats = emu.stats();
    (
        stats["statements"].as_u64().unwrap(),
        stats["by_kind"]["show"].as_u64().unwrap(),
    )
}

/// `(privilege, name)` of SHOW FUTURE GRANTS rows to database roles.
fn future_to_database_roles(emu: &Emulator, container: &str) -> Vec<(String, String, String)> {
    emu.sql(&format!("SHOW FUTURE GRANTS IN {container}"))
        .unwrap()
        .into_iter()
        .filter(|r| r["grant_to"].as_deref() == Some("DATABASE_ROLE"))
        .map(|r| {
            (
                col(&r, "privilege"),
                col(&r, "name"),
                col(&r, "grantee_name"),
            )
        })
        .collect()
}

#[test]
fn database_role_future_and_all_grants_end_to_end() {
    let Some((emu, project)) = applied(
        DATABASE_ROLE_FORMS,
        &[
            "GRANT SELECT ON ALL TABLES IN SCHEMA F_DEV.S TO DATABASE ROLE F_DEV.READER",
            "GRANT INSERT, SELECT ON FUTURE TABLES IN SCHEMA F_DEV.S TO DATABASE ROLE F_DEV.READER",
            "GRANT USAGE ON FUTURE SCHEMAS IN DATABASE F_DEV TO DATABASE ROLE F_DEV.READER",
            "GRANT SELECT ON FUTURE VIEWS IN DATABASE F_DEV TO DATABASE ROLE F_DEV.READER",
            "GRANT SELECT ON FUTURE TABLES IN SCHEMA F_DEV.S TO ROLE F_DEV_ROLE",
        ],
    ) else {
        return;
    };
    assert_eq!(
        future_to_database_roles(&emu, "SCHEMA F_DEV.S"),
        [
            (
                "INSERT".into(),
                "F_DEV.S.<TABLE>".into(),
                "F_DEV.READER".into()
            ),
            (
                "SELECT".into(),
                "F_DEV.S.<TABLE>".into(),
                "F_DEV.READER".into()
            ),
        ]
    );
    plan_is_empty(&project, &emu);
    // No table yet: `all tables` has nothing to compare.
    let before = clean_drift_statements(&project, &emu);

    // Objects made later: the future grants give them the privileges, which
    // are not drift; drift reads them with as many statements.
    for t in 0..20 {
        sql(&emu, &format!("CREATE TABLE F_DEV.S.T{t} (a INT)"));
    }
    sql(&emu, "CREATE SCHEMA F_DEV.LATER");
    let held: Vec<String> = emu
        .sql("SHOW GRANTS TO DATABASE ROLE F_DEV.READER")
        .unwrap()
        .into_iter()
        .filter(|r| col(r, "name") == "F_DEV.S.T7" || col(r, "name") == "F_DEV.LATER")
        .map(|r| format!("{} {}", col(&r, "privilege"), col(&r, "name")))
        .collect();
    assert_eq!(
        held,
        [
            "INSERT F_DEV.S.T7",
            "SELECT F_DEV.S.T7",
            "USAGE F_DEV.LATER"
        ]
    );
    assert_eq!(clean_drift_statements(&project, &emu), before);
    // Per drift: SHOW DATABASES, SCHEMAS IN F_DEV, DATABASE ROLES IN F_DEV,
    // ROLES, GRANTS TO / OF DATABASE ROLE F_DEV.READER, GRANTS TO / OF ROLE
    // F_DEV_ROLE, one FUTURE GRANTS IN SCHEMA F_DEV.S for both grantees, one
    // FUTURE GRANTS IN DATABASE F_DEV.
    assert_eq!(before.1, 10, "{before:?}");

    // Out of band: one table loses SELECT, the future grant loses INSERT.
    sql(
        &emu,
        "REVOKE SELECT ON TABLE F_DEV.S.T3 FROM DATABASE ROLE F_DEV.READER",
    );
    sql(
        &emu,
        "REVOKE INSERT ON FUTURE TABLES IN SCHEMA F_DEV.S FROM DATABASE ROLE F_DEV.READER",
    );
    // And a future grant no configuration declares, in a container pudo reads.
    sql(
        &emu,
        "GRANT SELECT ON FUTURE VIEWS IN SCHEMA F_DEV.S TO DATABASE ROLE F_DEV.READER",
    );
    let report = drifted(&project, &emu);
    assert_eq!(
        report["drift"],
        json!([
            revoked(
                "database_role_grant.F_DEV.READER.all_tables_in_schema.F_DEV.S",
                "SELECT"
            ),
            revoked(
                "database_role_grant.F_DEV.READER.future_tables_in_schema.F_DEV.S",
                "INSERT"
            ),
            {
                "address": "database_role_grant.F_DEV.READER.future_views_in_schema.F_DEV.S",
                "kind": "granted_outside",
                "privileges": ["SELECT"],
            },
        ]),
        "{report:#}"
    );
    // Without the future grant made by hand, a refreshed plan grants both
    // again.
    sql(
        &emu,
        "REVOKE SELECT ON FUTURE VIEWS IN SCHEMA F_DEV.S FROM DATABASE ROLE F_DEV.READER",
    );
    apply_refreshed(&project, &emu);

    // Imported from scratch: every form is found again.
    let out = reimported(&project, &emu);
    for address in [
        "database_role_grant.F_DEV.READER.all_tables_in_schema.F_DEV.S",
        "database_role_grant.F_DEV.READER.future_tables_in_schema.F_DEV.S",
        "database_role_grant.F_DEV.READER.future_schemas_in_database.F_DEV",
        "grant.F_DEV_ROLE.future_tables_in_schema.F_DEV.S",
    ] {
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("imported {address}")),
            "{address}\n{}",
            text(&out)
        );
    }
    plan_is_empty(&project, &emu);
    drift_is_clean(&project, &emu);

    // Dropped with --allow-drop: the future grants go, the role's stays.
    let without = DATABASE_ROLE_FORMS.replace(
        &DATABASE_ROLE_FORMS[DATABASE_ROLE_FORMS.find("        grants:").unwrap()
            ..DATABASE_ROLE_FORMS.find("\nroles:").unwrap()],
        "        comment: reads\n",
    );
    project.write("environments/base.yaml", &without);
    exits(&project, &emu, &["apply", "-e", "dev", "--auto-approve"], 1);
    ok(
        &project,
        &emu,
        &["apply", "-e", "dev", "--auto-approve", "--allow-drop"],
    );
    assert!(future_to_database_roles(&emu, "SCHEMA F_DEV.S").is_empty());
    assert!(future_to_database_roles(&emu, "DATABASE F_DEV").is_empty());
    assert_eq!(
        emu.names("SHOW FUTURE GRANTS IN SCHEMA F_DEV.S"),
        ["F_DEV.S.<TABLE>"]
    );
    plan_is_empty(&project, &emu);
    // What the future grants gave stays (Snowflake revokes a future grant,
    // not what it granted): no managed future grant accounts for the
    // schema's USAGE any more.
    let report = drifted(&project, &emu);
    assert_eq!(
        report["drift"],
        json!([{
            "address": "database_role_grant.F_DEV.READER.schema.F_DEV.LATER",
            "kind": "granted_outside",
            "privileges": ["USAGE"],
        }]),
        "{report:#}"
    );
}
