//! Users and the roles granted to them; passwords are refused.

use super::*;

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
    let report = drifted(&project, &emu);
    let found = findings_of(&report);
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
    refused(
        &users_config(
            "  PW_${env}: { password: hunter2, default_warehouse: NOPE_WH, roles: [NOPE_ROLE] }\n",
        ),
        &[
            "pudo does not manage passwords",
            "key pair",
            "warehouse `NOPE_WH` is not declared",
            "users.PW_${env}.default_warehouse",
            "role `NOPE_ROLE` is not declared",
            "users.PW_${env}.roles[0]",
        ],
    );
}
