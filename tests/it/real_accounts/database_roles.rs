//! Database roles: their grants and the roles they are granted to.

use super::*;

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
    let report = drifted(&project, &emu);
    let found = findings_of(&report);
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
    refused(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  D:\n    database_roles:\n      R:\n        grants:\n          - { on: warehouse W, privileges: [USAGE] }\n          - { on: future tables in schema OTHER.PUBLIC, privileges: [SELECT] }\n        member_of: [OTHER.X, D.NOPE]\n  OTHER: {}\nwarehouses:\n  W: {}\n",
        &[
            "a database role holds privileges on objects of its own database",
            "databases.D.database_roles.R.grants[0].on",
            "`future_tables_in_schema.OTHER.PUBLIC` is in database OTHER: a database role of D holds privileges on objects of its own database only",
            "databases.D.database_roles.R.grants[1].on",
            "`future TABLES in schema D.SCHEMA`",
            "`OTHER.X` is neither an account role nor a database role of `D`",
            "database_role `D.NOPE` is not declared",
        ],
    );
}
