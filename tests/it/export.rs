//! `pudo export` end to end against the emulator: an account built by hand
//! (`Emulator::sql`, independent of pudo), exported, then adopted with
//! `pudo import --all`, after which `pudo plan` has nothing to do and
//! `pudo drift` is clean, for each stack.

use crate::emulator::Emulator;
use crate::support::{TempProject, run_against, text};
use std::process::Output;

#[track_caller]
fn ok(project: &TempProject, emu: &Emulator, args: &[&str]) -> Output {
    let out = run_against(emu, project, args);
    assert_eq!(out.status.code(), Some(0), "pudo {args:?}\n{}", text(&out));
    out
}

const ENVIRONMENTS: &str = "\
environments:
  DEV:  { branches: [dev] }
  PROD: { branches: [main], protected: true }
";

/// A project that declares only its environments, a git repository on
/// `main` (so that the shared stack and PROD may be imported).
fn bare() -> TempProject {
    let project = TempProject {
        dir: tempfile::tempdir().unwrap(),
    };
    project.write("environments/base.yaml", ENVIRONMENTS);
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["-c", "user.name=t", "-c", "user.email=t@example.com"][..],
    ] {
        let mut all = args.to_vec();
        if all[0] == "-c" {
            all.extend(["commit", "-q", "--allow-empty", "-m", "init"]);
        }
        let status = std::process::Command::new("git")
            .args(&all)
            .current_dir(project.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {all:?}");
    }
    project
}

/// An account with several databases (one with a quoted lower-case name),
/// schemas, a task graph, warehouses with settings, a role hierarchy,
/// grants on every target kind and future grants, for environment `env`.
fn build_account(emu: &Emulator, env: &str) {
    let statements = [
        format!(
            "CREATE DATABASE APP_{env}_DB DATA_RETENTION_TIME_IN_DAYS = 3 COMMENT = 'it''s the \"app\" database'"
        ),
        format!("CREATE SCHEMA APP_{env}_DB.RAW COMMENT = 'raw data: ${{not a template}}'"),
        format!("CREATE SCHEMA APP_{env}_DB.\"lower schema\" WITH MANAGED ACCESS"),
        "CREATE TRANSIENT DATABASE SHARED_REF COMMENT = 'reference data'".into(),
        "CREATE SCHEMA SHARED_REF.LOOKUPS".into(),
        format!("CREATE SCHEMA SHARED_REF.REPORTS_{env} COMMENT = 'per environment'"),
        "CREATE DATABASE \"lower_db\" COMMENT = 'quoted name'".into(),
        "CREATE DATABASE DEVICES".into(),
        format!(
            "CREATE WAREHOUSE APP_{env}_WH WAREHOUSE_SIZE = 'X-Small' AUTO_SUSPEND = 120 AUTO_RESUME = TRUE COMMENT = 'app compute'"
        ),
        "CREATE WAREHOUSE REPORTING_WH WAREHOUSE_SIZE = 'SMALL' MIN_CLUSTER_COUNT = 1 MAX_CLUSTER_COUNT = 2 SCALING_POLICY = 'ECONOMY' AUTO_SUSPEND = 60".into(),
        format!("CREATE ROLE APP_{env}_READ COMMENT = 'reads the app'"),
        format!("CREATE ROLE APP_{env}_WRITE"),
        "CREATE ROLE ANALYST COMMENT = 'the \"analyst\" role'".into(),
        format!("CREATE ROLE \"app_{}_lower\"", env.to_ascii_lowercase()),
        format!("GRANT ROLE APP_{env}_READ TO ROLE APP_{env}_WRITE"),
        format!("GRANT ROLE APP_{env}_WRITE TO ROLE SYSADMIN"),
        format!("GRANT ROLE APP_{env}_READ TO ROLE ANALYST"),
        "GRANT ROLE ANALYST TO ROLE SYSADMIN".into(),
        format!("GRANT USAGE ON DATABASE APP_{env}_DB TO ROLE APP_{env}_READ"),
        format!("GRANT USAGE ON SCHEMA APP_{env}_DB.RAW TO ROLE APP_{env}_READ"),
        format!("GRANT SELECT ON FUTURE TABLES IN SCHEMA APP_{env}_DB.RAW TO ROLE APP_{env}_READ"),
        format!("GRANT CREATE TABLE, USAGE ON SCHEMA APP_{env}_DB.\"lower schema\" TO ROLE APP_{env}_WRITE"),
        format!("GRANT USAGE, OPERATE ON WAREHOUSE APP_{env}_WH TO ROLE APP_{env}_READ"),
        format!("GRANT USAGE ON DATABASE SHARED_REF TO ROLE APP_{env}_READ"),
        format!("GRANT EXECUTE TASK ON ACCOUNT TO ROLE APP_{env}_WRITE"),
        "GRANT USAGE ON DATABASE SHARED_REF TO ROLE ANALYST".into(),
        "GRANT USAGE ON SCHEMA SHARED_REF.LOOKUPS TO ROLE ANALYST".into(),
        "GRANT SELECT ON FUTURE TABLES IN DATABASE SHARED_REF TO ROLE ANALYST".into(),
        "GRANT USAGE ON WAREHOUSE REPORTING_WH TO ROLE ANALYST".into(),
        "GRANT USAGE ON DATABASE \"lower_db\" TO ROLE ANALYST".into(),
        format!(
            "CREATE TASK APP_{env}_DB.RAW.LOAD WAREHOUSE = APP_{env}_WH SCHEDULE = '60 MINUTES' COMMENT = 'loads' AS SELECT 1"
        ),
        format!(
            "CREATE TASK APP_{env}_DB.RAW.AFTER_LOAD WAREHOUSE = APP_{env}_WH AFTER APP_{env}_DB.RAW.LOAD AS SELECT 2"
        ),
        // Tasks run with their owner's privileges: not ACCOUNTADMIN's
        // (pudo refuses that), but the role that writes.
        format!("GRANT OWNERSHIP ON TASK APP_{env}_DB.RAW.LOAD TO ROLE APP_{env}_WRITE"),
        format!("GRANT OWNERSHIP ON TASK APP_{env}_DB.RAW.AFTER_LOAD TO ROLE APP_{env}_WRITE"),
        // The account's resource monitor: shared although its name carries
        // the environment (the account has one, so no environment owns it).
        format!("CREATE RESOURCE MONITOR ACCOUNT_{env}_CAP WITH CREDIT_QUOTA = 500"),
        format!("ALTER ACCOUNT SET RESOURCE_MONITOR = ACCOUNT_{env}_CAP"),
    ];
    for statement in statements {
        emu.sql(&statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Export, prepend `environments:`, import every stack, then plan and
/// drift: nothing to do, nothing drifted.
fn round_trip(env: &str) {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    build_account(&emu, env);
    let project = bare();
    let out = ok(
        &project,
        &emu,
        &["export", "-e", env, "--out", "export.yaml"],
    );
    let report = String::from_utf8_lossy(&out.stderr).to_string();
    let exported = std::fs::read_to_string(project.path().join("export.yaml")).unwrap();
    let context = format!("--- export.yaml\n{exported}\n--- report\n{report}");

    // Names carrying the environment are templated, others are shared.
    for expected in [
        "  APP_${env}_DB:\n",
        "  APP_${env}_WH:\n",
        "  APP_${env}_READ:\n",
        "      REPORTS_${env}:\n",
        "  DEVICES:\n    shared: true\n",
        "  '\"lower_db\"':\n    shared: true\n",
        "  ANALYST:\n    shared: true\n",
        "'it''s the \"app\" database'",
        "'raw data: $${not a template}'",
        "      '\"lower schema\"':\n",
        "        managed_access: true\n",
        "future TABLES in schema APP_${env}_DB.RAW",
        "future TABLES in database SHARED_REF",
        "on: account, privileges: [EXECUTE TASK]",
        "member_of: [ANALYST, 'APP_${env}_WRITE']",
        "size: XSMALL",
        "scaling_policy: ECONOMY",
        "after: [LOAD]",
        "warehouse: 'APP_${env}_WH'",
    ] {
        assert!(
            exported.contains(expected),
            "missing {expected:?}\n{context}"
        );
    }
    let monitor = format!(
        "  ACCOUNT_{env}_CAP:\n    shared: true\n    credit_quota: 500\n    level: ACCOUNT\n"
    );
    assert!(
        exported.contains(&monitor),
        "missing {monitor:?}\n{context}"
    );
    for absent in [
        "SNOWFLAKE:",
        "ACCOUNTADMIN:",
        "SYSADMIN:",
        "INFORMATION_SCHEMA",
        "PUBLIC:",
        "external:",
    ] {
        assert!(
            !exported.contains(absent),
            "unexpected {absent:?}\n{context}"
        );
    }
    let lower = format!("\"app_{}_lower\"", env.to_ascii_lowercase());
    assert!(exported.contains(&format!("'{lower}':")), "{context}");
    for expected in [
        format!("APP_{env}_DB -> APP_${{env}}_DB"),
        format!("Left literal (`{env}` in another case is another name) (1):\n  {lower}"),
        "Skipped, created by Snowflake".to_string(),
        "database.SNOWFLAKE".to_string(),
        "role.ACCOUNTADMIN".to_string(),
    ] {
        assert!(
            report.contains(&expected),
            "missing {expected:?}\n{context}"
        );
    }

    project.write(
        "environments/base.yaml",
        &format!("{ENVIRONMENTS}\n{exported}"),
    );
    ok(&project, &emu, &["validate"]);
    for stack in ["shared", env] {
        let out = ok(&project, &emu, &["import", "-e", stack, "--all"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("not in Snowflake"),
            "{stack}: {}\n{context}",
            text(&out)
        );
    }
    for stack in ["shared", env] {
        let out = ok(
            &project,
            &emu,
            &["plan", "-e", stack, "--detailed-exitcode"],
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("No changes"),
            "{stack}: {}\n{context}",
            text(&out)
        );
        let out = ok(
            &project,
            &emu,
            &["plan", "-e", stack, "--refresh", "--detailed-exitcode"],
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("No changes"),
            "{stack}: {}\n{context}",
            text(&out)
        );
        ok(&project, &emu, &["drift", "-e", stack]);
    }
}

#[test]
fn round_trip_dev() {
    round_trip("DEV");
}

#[test]
fn round_trip_prod() {
    round_trip("PROD");
}

/// Filters: grants on what was filtered out become `external:` entries,
/// and the result validates.
#[test]
fn filters_write_external_entries() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    build_account(&emu, "DEV");
    let project = bare();
    let out = ok(
        &project,
        &emu,
        &["export", "-e", "DEV", "--kind", "warehouse,role"],
    );
    let exported = String::from_utf8_lossy(&out.stdout).to_string();
    let context = text(&out);
    assert!(!exported.contains("databases:\n"), "{context}");
    assert!(exported.contains("warehouses:\n"), "{context}");
    assert!(
        exported
            .contains("external:\n  databases: ['APP_${env}_DB', SHARED_REF, '\"lower_db\"']\n"),
        "{context}"
    );
    assert!(
        exported.contains("  schemas: ['APP_${env}_DB.RAW', 'APP_${env}_DB.\"lower schema\"', SHARED_REF.LOOKUPS]\n"),
        "{context}"
    );
    project.write(
        "environments/base.yaml",
        &format!("{ENVIRONMENTS}\n{exported}"),
    );
    ok(&project, &emu, &["validate"]);

    let out = ok(
        &project,
        &emu,
        &[
            "export",
            "-e",
            "DEV",
            "--database",
            "APP_DEV_DB",
            "--like",
            "app_%",
        ],
    );
    let exported = String::from_utf8_lossy(&out.stdout).to_string();
    let context = text(&out);
    assert!(exported.contains("  APP_${env}_DB:\n"), "{context}");
    assert!(!exported.contains("SHARED_REF:\n"), "{context}");
    assert!(!exported.contains("REPORTING_WH:\n"), "{context}");
    assert!(!exported.contains("ANALYST:\n"), "{context}");
    assert!(exported.contains("  roles: [ANALYST]\n"), "{context}");

    // A grant on a PUBLIC schema, which is not exported: external.
    emu.sql("GRANT USAGE ON SCHEMA DEVICES.PUBLIC TO ROLE ANALYST")
        .unwrap();
    let out = ok(&project, &emu, &["export", "-e", "DEV"]);
    let exported = String::from_utf8_lossy(&out.stdout).to_string();
    let context = text(&out);
    assert!(
        exported.contains("{ on: schema DEVICES.PUBLIC, privileges: [USAGE] }"),
        "{context}"
    );
    assert!(
        exported.contains("external:\n  schemas: [DEVICES.PUBLIC]\n"),
        "{context}"
    );
    assert!(!exported.contains("PUBLIC:"), "{context}");
    project.write(
        "environments/base.yaml",
        &format!("{ENVIRONMENTS}\n{exported}"),
    );
    ok(&project, &emu, &["validate"]);
}
