//! Every grant form end to end: all and future objects in a schema or
//! database, imported privileges, to roles and to database roles.

use super::*;

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
    refused(
        "environments:\n  DEV: { branches: [dev] }\ndatabases:\n  MINE: {}\nroles:\n  R:\n    grants:\n      - { on: database MINE, privileges: [IMPORTED PRIVILEGES] }\n      - { on: schema MINE.PUBLIC, privileges: [IMPORTED PRIVILEGES] }\n      - { on: database SNOW, privileges: [IMPORTED PRIVILEGES, USAGE] }\nexternal:\n  databases: [SNOW]\n",
        &[
            "`database.MINE` is declared here, so it does not come from a share",
            "IMPORTED PRIVILEGES is granted on a database created from a share",
            "IMPORTED PRIVILEGES is the only privilege",
            "roles.R.grants[0].on",
        ],
    );
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
