//! Resource monitors, the warehouses they cap and the account's monitor.

use super::*;

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
    refused(
        "environments:\n  DEV: { branches: [dev] }\nresource_monitors:\n  A: { shared: true, level: account }\n  B: { shared: true, level: Account }\n  C_${env}: { level: account }\n  D: { shared: true, level: warehouse }\n",
        &[
            "base.yaml:5",
            "resource_monitors.B.level",
            "`resource_monitor.B` and `resource_monitor.A` are both the account's resource monitor (`level: ACCOUNT`); the account has one",
            "keep `level: ACCOUNT` on one of them (`resource_monitor.A` at environments/base.yaml:4)",
            "base.yaml:6",
            "resource_monitors.C_${env}.level",
            "`resource_monitor.C_DEV` is the account's resource monitor (`level: ACCOUNT`), which belongs to the shared stack",
            "resource_monitors.D.level",
            "`warehouse` is not a resource monitor level",
        ],
    );
}

#[test]
fn resource_monitor_rules_are_checked() {
    refused(
        "environments:\n  DEV: { branches: [dev] }\nresource_monitors:\n  M:\n    frequency: monthly\n    triggers: [{ at_percent: 90, do: suspend }, { at_percent: 95, do: suspend }]\n  N: { start_timestamp: soon, triggers: [{ at_percent: 90, do: explode }] }\nwarehouses:\n  W: { resource_monitor: NOPE }\n",
        &[
            "base.yaml:6",
            "at most 1 `suspend` trigger",
            "a resource monitor with a `frequency` needs a `start_timestamp`",
            "`do` is `notify`, `suspend` or `suspend_immediate`",
            "resource_monitors.N.triggers[0]",
            "resource_monitor `NOPE` is not declared",
        ],
    );
}
