//! A declared `PUBLIC` schema is adopted with its database (never
//! created), also after a crash; `INFORMATION_SCHEMA` cannot be declared.

use super::*;

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
    refused(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  D:\n    schemas:\n      information_schema: {}\n      PUBLIC: { transient: true }\n",
        &[
            "`INFORMATION_SCHEMA` is Snowflake's read-only schema",
            "base.yaml:6",
            "takes its transience",
        ],
    );
}
