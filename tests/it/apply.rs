//! End-to-end apply against the emulator, through the real connector.
//! Objects are checked independently with SHOW queries sent straight to the
//! emulator, not through pudo's state.

use crate::emulator::Emulator;
use crate::support::{TempProject, pudo_in, run_as_team as run, text};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// A copy of the example in a git repository on `main` (which maps to the
/// protected PROD, so the shared stack may be applied), plus an emulator.
fn setup(emulator_args: &[&str]) -> Option<(Emulator, TempProject)> {
    let emu = Emulator::start(emulator_args)?;
    let project = TempProject::example();
    git(project.path(), &["init", "-q", "-b", "main"]);
    Some((emu, project))
}

/// [`setup`], then the shared stack and DEV applied.
fn with_dev_applied() -> Option<(Emulator, TempProject)> {
    let (emu, project) = setup(&[])?;
    ok(apply(&emu, &project, "shared", &[]));
    ok(apply(&emu, &project, "dev", &[]));
    Some((emu, project))
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[track_caller]
fn ok(out: Output) -> Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

fn apply(emu: &Emulator, project: &TempProject, env: &str, extra: &[&str]) -> Output {
    let mut args = vec!["apply", "-e", env, "--auto-approve"];
    args.extend_from_slice(extra);
    run(emu, project, &args)
}

fn plan_exit(emu: &Emulator, project: &TempProject, env: &str) -> (i32, String) {
    let out = run(emu, project, &["plan", "-e", env, "--detailed-exitcode"]);
    (out.status.code().unwrap_or(-1), text(&out))
}

#[track_caller]
fn assert_plan_empty(emu: &Emulator, project: &TempProject, env: &str) {
    let (code, out) = plan_exit(emu, project, env);
    assert_eq!(code, 0, "plan for {env} is not empty:\n{out}");
}

fn state(project: &TempProject, stack: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(project.path().join(format!("state/{stack}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn addresses(state: &serde_json::Value) -> Vec<String> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn show(emu: &Emulator, sql: &str) -> Vec<std::collections::BTreeMap<String, Option<String>>> {
    emu.sql(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn cell(row: &std::collections::BTreeMap<String, Option<String>>, col: &str) -> String {
    row.get(col).cloned().flatten().unwrap_or_default()
}

#[test]
fn apply_shared_then_dev_from_an_empty_account() {
    let Some((emu, project)) = with_dev_applied() else {
        return;
    };
    assert_plan_empty(&emu, &project, "dev");
    assert_plan_empty(&emu, &project, "shared");

    // Independently, through SHOW.
    let schemas = emu.names("SHOW SCHEMAS IN DATABASE PUDO_MLOPS");
    for s in [
        "SHARED_DATA",
        "FEATURE_STORE_DEV",
        "MODEL_REGISTRY_DEV",
        "PUDO_DEV",
    ] {
        assert!(schemas.contains(&s.to_string()), "{s} missing: {schemas:?}");
    }
    let warehouses = show(&emu, "SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'");
    assert_eq!(warehouses.len(), 1);
    assert_eq!(cell(&warehouses[0], "size"), "X-Small");
    assert_eq!(cell(&warehouses[0], "auto_suspend"), "60");
    assert!(
        emu.names("SHOW ROLES")
            .contains(&"PUDO_DEV_ROLE".to_string())
    );
    let grants = show(&emu, "SHOW GRANTS TO ROLE PUDO_DEV_ROLE");
    let has = |privilege: &str, on: &str, name: &str| {
        grants.iter().any(|g| {
            cell(g, "privilege") == privilege
                && cell(g, "granted_on") == on
                && cell(g, "name") == name
        })
    };
    assert!(has("USAGE", "WAREHOUSE", "PUDO_DEV_WH"), "{grants:?}");
    assert!(has("OPERATE", "WAREHOUSE", "PUDO_DEV_WH"));
    assert!(has(
        "CREATE TABLE",
        "SCHEMA",
        "PUDO_MLOPS.FEATURE_STORE_DEV"
    ));
    assert!(has("USAGE", "DATABASE", "PUDO_MLOPS"));
    let future = show(&emu, "SHOW FUTURE GRANTS IN SCHEMA PUDO_MLOPS.SHARED_DATA");
    assert!(
        future
            .iter()
            .any(|g| cell(g, "privilege") == "SELECT" && cell(g, "grantee_name") == "PUDO_DEV_ROLE"),
        "{future:?}"
    );
    let of = show(&emu, "SHOW GRANTS OF ROLE PUDO_DEV_ROLE");
    assert!(
        of.iter().any(|g| cell(g, "grantee_name") == "SYSADMIN"),
        "{of:?}"
    );
    // Nothing of another environment.
    assert!(!schemas.contains(&"PUDO_PROD".to_string()));
    // The platform's credit cap is the account's monitor: it caps DEV's
    // warehouse, which names no monitor (the CI user may not assign one).
    let monitors = show(&emu, "SHOW RESOURCE MONITORS LIKE 'PUDO_PLATFORM_MONITOR'");
    assert_eq!(cell(&monitors[0], "level"), "ACCOUNT", "{monitors:?}");
    assert_eq!(cell(&monitors[0], "credit_quota"), "500.00");
    assert_eq!(cell(&warehouses[0], "resource_monitor"), "null");
}

#[test]
fn an_environment_before_the_shared_stack_is_refused() {
    let Some((emu, project)) = setup(&[]) else {
        return;
    };
    let out = apply(&emu, &project, "dev", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("shared"), "{}", text(&out));
    assert!(
        !emu.names("SHOW DATABASES")
            .contains(&"PUDO_MLOPS".to_string())
    );
}

#[test]
fn override_changes_plan_exactly_that_change() {
    let Some((emu, project)) = with_dev_applied() else {
        return;
    };

    // Warehouse size.
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: SMALL\n  auto_suspend: 60\n",
    );
    let out = ok(run(&emu, &project, &["plan", "-e", "dev"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to drop."),
        "{stdout}"
    );
    assert!(stdout.contains("warehouse.PUDO_DEV_WH"), "{stdout}");
    ok(apply(&emu, &project, "dev", &[]));
    assert_plan_empty(&emu, &project, "dev");
    assert_eq!(
        cell(&show(&emu, "SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'")[0], "size"),
        "Small"
    );

    // A grant added and one removed on the warehouse: a privilege delta.
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: SMALL\n  auto_suspend: 60\nroles:\n  PUDO_${env}_ROLE:\n    grants:\n      - { on: \"warehouse PUDO_${env}_WH\", privileges: [USAGE, MONITOR] }\n",
    );
    let out = ok(run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--format", "json"],
    ));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    let sql: Vec<&str> = changes[0]["sql"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sql.iter()
            .any(|s| s.starts_with("GRANT MONITOR ON WAREHOUSE")),
        "{sql:?}"
    );
    assert!(
        sql.iter()
            .any(|s| s.starts_with("REVOKE OPERATE ON WAREHOUSE")),
        "{sql:?}"
    );
    assert!(
        !sql.iter().any(|s| s.contains("USAGE")),
        "no revoke-all-then-grant: {sql:?}"
    );
    ok(apply(&emu, &project, "dev", &[]));
    assert_plan_empty(&emu, &project, "dev");
    let privileges: Vec<String> = show(&emu, "SHOW GRANTS ON WAREHOUSE PUDO_DEV_WH")
        .iter()
        .filter(|g| cell(g, "grantee_name") == "PUDO_DEV_ROLE")
        .map(|g| cell(g, "privilege"))
        .collect();
    assert!(
        privileges.contains(&"MONITOR".to_string()),
        "{privileges:?}"
    );
    assert!(
        !privileges.contains(&"OPERATE".to_string()),
        "{privileges:?}"
    );
}

#[test]
fn drops_need_allow_drop() {
    let Some((emu, project)) = with_dev_applied() else {
        return;
    };
    // Remove MODEL_REGISTRY_<ENV> (and its grant) in DEV only.
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: XSMALL\n  auto_suspend: 60\ndatabases:\n  PUDO_MLOPS:\n    schemas:\n      MODEL_REGISTRY_${env}: null\nroles:\n  PUDO_${env}_ROLE:\n    grants:\n      - { on: \"schema PUDO_MLOPS.MODEL_REGISTRY_${env}\", remove: true }\n",
    );
    let refused = apply(&emu, &project, "dev", &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let message = text(&refused);
    assert!(message.contains("--allow-drop"), "{message}");
    assert!(
        message.contains("schema.PUDO_MLOPS.MODEL_REGISTRY_DEV"),
        "{message}"
    );
    assert!(
        emu.names("SHOW SCHEMAS IN DATABASE PUDO_MLOPS")
            .contains(&"MODEL_REGISTRY_DEV".to_string())
    );

    ok(apply(&emu, &project, "dev", &["--allow-drop"]));
    assert!(
        !emu.names("SHOW SCHEMAS IN DATABASE PUDO_MLOPS")
            .contains(&"MODEL_REGISTRY_DEV".to_string())
    );
    assert_plan_empty(&emu, &project, "dev");
}

#[test]
fn a_failed_statement_records_exactly_what_succeeded() {
    // The first, a middle and a late statement of the DEV apply fail.
    for (failing, address) in [
        ("CREATE ROLE PUDO_DEV_ROLE", "role.PUDO_DEV_ROLE"),
        (
            "CREATE SCHEMA PUDO_MLOPS.MODEL_REGISTRY_DEV",
            "schema.PUDO_MLOPS.MODEL_REGISTRY_DEV",
        ),
        (
            "CREATE TASK PUDO_MLOPS.PUDO_DEV.TRAIN_MODEL",
            "task.PUDO_MLOPS.PUDO_DEV.TRAIN_MODEL",
        ),
    ] {
        let Some((emu, project)) = setup(&[]) else {
            return;
        };
        ok(apply(&emu, &project, "shared", &[]));
        emu.control(
            "POST",
            "/emulator/faults",
            Some(&format!(
                r#"{{"match": "{failing}", "action": "error", "code": "000603", "message": "injected failure", "count": 1}}"#
            )),
        );
        let out = apply(&emu, &project, "dev", &["--parallelism", "1"]);
        let message = text(&out);
        assert_eq!(out.status.code(), Some(1), "{message}");
        assert!(message.contains("injected failure"), "{message}");
        assert!(
            message.contains("000603"),
            "keeps Snowflake's code: {message}"
        );
        assert!(message.contains("Not attempted"), "{message}");
        let applied: usize = message
            .split("Apply stopped: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no summary line: {message}"));

        let recorded = state(&project, "dev");
        let recorded_addresses = addresses(&recorded);
        assert_eq!(
            recorded_addresses.len(),
            applied,
            "{failing}: the state holds exactly the applied changes: {recorded_addresses:?}"
        );
        assert!(
            !recorded_addresses.contains(&address.to_string()),
            "{address} failed and is not recorded"
        );
        assert!(
            recorded.get("pending").is_none(),
            "a refused statement is not in flight: {recorded:#}"
        );
        // What the state says exists, exists.
        let live_schemas = emu.names("SHOW SCHEMAS IN DATABASE PUDO_MLOPS");
        let live_roles = emu.names("SHOW ROLES");
        for address in &recorded_addresses {
            if let Some(name) = address.strip_prefix("schema.PUDO_MLOPS.") {
                assert!(live_schemas.contains(&name.to_string()), "{address}");
            }
            if let Some(name) = address.strip_prefix("role.") {
                assert!(live_roles.contains(&name.to_string()), "{address}");
            }
        }
        ok(apply(&emu, &project, "dev", &[]));
        assert_plan_empty(&emu, &project, "dev");
    }
}

#[test]
fn killed_applies_resume_cleanly() {
    // The DEV apply takes about 13 statements x 40 ms at parallelism 2; kill
    // it at many points, then apply again: no error, and nothing left.
    let mut caught_mid_run = 0;
    for delay_ms in [0u64, 30, 60, 90, 120, 160, 200, 250, 320, 400] {
        let Some((emu, project)) = setup(&["--latency-ms", "40"]) else {
            return;
        };
        ok(apply(&emu, &project, "shared", &[]));
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pudo"));
        cmd.current_dir(project.path())
            .args(["apply", "-e", "dev", "--auto-approve", "--parallelism", "2"])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in emu.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let state_file = project.path().join("state/dev.json");
        if state_file.exists() && state(&project, "dev").get("pending").is_some() {
            caught_mid_run += 1;
        }

        let out = apply(&emu, &project, "dev", &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "after a kill at {delay_ms} ms: {}",
            text(&out)
        );
        assert_plan_empty(&emu, &project, "dev");
        assert!(state(&project, "dev").get("pending").is_none());
    }
    assert!(
        caught_mid_run >= 3,
        "only {caught_mid_run} kill points landed mid-apply: the test would not exercise recovery"
    );
}

#[test]
fn a_second_apply_is_refused_while_the_first_holds_the_lock() {
    let Some((emu, project)) = setup(&["--latency-ms", "150"]) else {
        return;
    };
    ok(apply(&emu, &project, "shared", &[]));
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pudo"));
    cmd.current_dir(project.path())
        .args(["apply", "-e", "dev", "--auto-approve", "--parallelism", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in emu.env() {
        cmd.env(k, v);
    }
    let mut first = cmd.spawn().unwrap();
    // Wait until the first run holds the lock.
    let lock = project.path().join("state/dev.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(lock.exists(), "the first apply took the lock");
    let second = apply(&emu, &project, "dev", &[]);
    let message = text(&second);
    assert_eq!(second.status.code(), Some(1), "{message}");
    assert!(message.contains("locked by"), "{message}");
    assert!(
        message.contains(&format!("pid {}", first.id())),
        "names the holder: {message}"
    );
    assert!(first.wait().unwrap().success());
    assert_plan_empty(&emu, &project, "dev");
}

#[test]
fn a_saved_plan_is_refused_after_the_state_moved_on() {
    let Some((emu, project)) = setup(&[]) else {
        return;
    };
    ok(apply(&emu, &project, "shared", &[]));
    let plan_file = project.path().join("dev.plan.json");
    ok(run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--out", plan_file.to_str().unwrap()],
    ));
    // Someone applies first.
    ok(apply(&emu, &project, "dev", &[]));
    let out = run(
        &emu,
        &project,
        &["apply", plan_file.to_str().unwrap(), "--auto-approve"],
    );
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("stale"), "{message}");
    assert!(message.contains("serial"), "{message}");

    // A fresh saved plan applies (here: nothing to do after a change).
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: MEDIUM\n  auto_suspend: 60\n",
    );
    ok(run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--out", plan_file.to_str().unwrap()],
    ));
    ok(run(
        &emu,
        &project,
        &["apply", plan_file.to_str().unwrap(), "--auto-approve"],
    ));
    assert_plan_empty(&emu, &project, "dev");
    // And a config edit after planning makes the plan stale too.
    ok(run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--out", plan_file.to_str().unwrap()],
    ));
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: LARGE\n  auto_suspend: 60\n",
    );
    let out = run(
        &emu,
        &project,
        &["apply", plan_file.to_str().unwrap(), "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("configuration"), "{}", text(&out));
}

#[test]
fn prod_is_refused_from_a_feature_branch() {
    let Some((emu, project)) = setup(&[]) else {
        return;
    };
    ok(apply(&emu, &project, "shared", &[]));
    git(project.path(), &["checkout", "-q", "-b", "feature/x"]);
    let out = apply(&emu, &project, "prod", &[]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("PROD is protected"), "{message}");
    assert!(message.contains("feature/x"), "{message}");
    let out = apply(&emu, &project, "shared", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !emu.names("SHOW WAREHOUSES")
            .contains(&"PUDO_PROD_WH".to_string())
    );
    // DEV is fine from a feature branch.
    ok(apply(&emu, &project, "dev", &[]));
}

#[test]
fn without_a_terminal_apply_needs_auto_approve() {
    let Some((emu, project)) = setup(&[]) else {
        return;
    };
    let out = run(&emu, &project, &["apply", "-e", "shared"]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("--auto-approve"), "{message}");
    assert!(
        emu.names("SHOW DATABASES")
            .iter()
            .all(|d| d != "PUDO_MLOPS")
    );
}

const HOSTILE: &str = r#"environments:
  DEV: { branches: [dev, "feature/*"] }
  PROD: { branches: [main], protected: true }
databases:
  '"odd.db"':
    shared: true
    comment: "it's a \"db\" with \\ backslash'; DROP DATABASE PUDO_MLOPS; --"
    schemas:
      '"lower_${env}"': { comment: "line one\nline two; it''s fine" }
      '"Mixed Case ${env}"': {}
warehouses:
  '"wh ${env}"': { size: x-small, auto_suspend: 0, comment: "'; DROP WAREHOUSE x; --" }
roles:
  '"role""quote_${env}"':
    comment: "O'Brien \\ \"quoted\""
    member_of: [SYSADMIN]
    grants:
      - { on: 'database "odd.db"', privileges: [usage] }
      - { on: 'schema "odd.db"."lower_${env}"', privileges: [usage, create table] }
      - { on: 'warehouse "wh ${env}"', privileges: [usage] }
      - { on: 'future tables in schema "odd.db"."lower_${env}"', privileges: [select] }
users:
  PUDO_CI: { shared: true, type: SERVICE, default_role: SYSADMIN, roles: [SYSADMIN, SECURITYADMIN] }
"#;

#[test]
fn hostile_names_and_comments_round_trip() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = TempProject::example();
    std::fs::remove_dir_all(project.path().join("environments")).unwrap();
    project.write("environments/base.yaml", HOSTILE);
    git(project.path(), &["init", "-q", "-b", "main"]);
    let out = run(&emu, &project, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    ok(apply(&emu, &project, "shared", &[]));
    ok(apply(&emu, &project, "dev", &[]));
    assert_plan_empty(&emu, &project, "dev");
    assert_plan_empty(&emu, &project, "shared");

    let dbs = show(&emu, "SHOW DATABASES");
    let db = dbs
        .iter()
        .find(|d| cell(d, "name") == "odd.db")
        .expect("odd.db exists");
    assert_eq!(
        cell(db, "comment"),
        "it's a \"db\" with \\ backslash'; DROP DATABASE PUDO_MLOPS; --"
    );
    let schemas = emu.names("SHOW SCHEMAS IN DATABASE \"odd.db\"");
    assert!(schemas.contains(&"lower_DEV".to_string()), "{schemas:?}");
    assert!(
        schemas.contains(&"Mixed Case DEV".to_string()),
        "{schemas:?}"
    );
    assert!(
        emu.names("SHOW ROLES")
            .contains(&"role\"quote_DEV".to_string())
    );
    assert!(emu.names("SHOW WAREHOUSES").contains(&"wh DEV".to_string()));
}

#[test]
fn no_secret_reaches_output_plan_or_state() {
    let password = "Pw-9f3k-never-print";
    let passphrase = "S3cr3t-passphrase-do-not-print";
    let Some((emu, project)) = setup(&["--password", password]) else {
        return;
    };
    let pudo = |args: &[&str], password_override: Option<&str>| {
        let mut cmd = pudo_in(project.path());
        cmd.args(args);
        for (k, v) in emu.env() {
            cmd.env(k, v);
        }
        cmd.env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", passphrase);
        if let Some(p) = password_override {
            cmd.env("SNOWFLAKE_PASSWORD", p);
        }
        cmd.output().unwrap()
    };
    let mut outputs = vec![
        pudo(&["env", "-e", "dev"], None),
        pudo(&["apply", "-e", "shared", "--auto-approve"], None),
        pudo(&["plan", "-e", "dev", "--out", "plan.json"], None),
        pudo(&["apply", "plan.json", "--auto-approve"], None),
        pudo(&["plan", "-e", "dev", "--format", "json"], None),
        pudo(&["plan", "-e", "dev", "--format", "markdown"], None),
    ];
    let env_out = String::from_utf8_lossy(&outputs[0].stdout).to_string();
    assert!(env_out.contains("(set)"), "{env_out}");
    assert_eq!(outputs[3].status.code(), Some(0), "{}", text(&outputs[3]));
    // A wrong password fails the login, and is not echoed either.
    project.write(
        "environments/dev.override.yaml",
        "vars:\n  warehouse_size: LARGE\n",
    );
    let wrong = "Wrong-pw-also-secret";
    let bad = pudo(&["apply", "-e", "dev", "--auto-approve"], Some(wrong));
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("login"), "{}", text(&bad));
    outputs.push(bad);

    for out in &outputs {
        let all = text(out);
        for secret in [password, passphrase, wrong] {
            assert!(!all.contains(secret), "secret printed:\n{all}");
        }
    }
    for file in walk(project.path()) {
        let content = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
        for secret in [password, passphrase, wrong] {
            assert!(!content.contains(secret), "secret in {}", file.display());
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with(".git") {
            continue;
        }
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn key_pair_login_with_an_encrypted_key() {
    let keys = crate::support::repo_root().join("tests/fixtures/keys");
    let public = keys.join("rsa_key.pub");
    let Some((emu, project)) = setup(&["--public-key", public.to_str().unwrap()]) else {
        return;
    };
    let with_key = |passphrase: &str| {
        let mut cmd = pudo_in(project.path());
        cmd.args(["apply", "-e", "shared", "--auto-approve"]);
        for (k, v) in emu.env() {
            if k != "SNOWFLAKE_PASSWORD" {
                cmd.env(k, v);
            }
        }
        cmd.env(
            "SNOWFLAKE_PRIVATE_KEY_PATH",
            keys.join("rsa_key_encrypted.p8"),
        )
        .env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", passphrase);
        cmd.output().unwrap()
    };
    let wrong = with_key("not-the-passphrase");
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(
        !text(&wrong).contains("not-the-passphrase"),
        "{}",
        text(&wrong)
    );
    assert!(
        emu.names("SHOW DATABASES")
            .iter()
            .all(|d| d != "PUDO_MLOPS")
    );

    let right = with_key("test-passphrase");
    assert_eq!(right.status.code(), Some(0), "{}", text(&right));
    assert!(!text(&right).contains("test-passphrase"));
    assert!(
        emu.names("SHOW DATABASES")
            .contains(&"PUDO_MLOPS".to_string())
    );
}

/// Overload answers (HTTP 429 and 503, `000625`) and lost connections, some
/// after the statement ran: apply retries, sends each statement exactly as
/// often as the faults require (no plain CREATE twice, which would fail
/// with 002002), and ends complete with an empty re-plan.
#[test]
fn overload_and_lost_connections_are_retried_without_applying_twice() {
    let Some((emu, project)) = setup(&["--latency-ms", "5"]) else {
        return;
    };
    ok(apply(&emu, &project, "shared", &[]));
    let faults = [
        // Ran, then the connection dropped: recovery CREATE IF NOT EXISTS + ALTER.
        r#"{"match": "CREATE WAREHOUSE", "action": "drop", "after_execute": true, "count": 1}"#,
        // Dropped before it ran: the same recovery.
        r#"{"match": "CREATE ROLE", "action": "drop", "count": 1}"#,
        // 503 may have run (behind a gateway): recovery, whose CREATE gets 503 again.
        r#"{"match": "^CREATE SCHEMA .*FEATURE_STORE_DEV", "regex": true, "action": "503", "count": 2}"#,
        // 429 and 000625 say it did not run: the same statement again.
        r#"{"match": "CREATE SCHEMA PUDO_MLOPS.MODEL_REGISTRY_DEV", "action": "429", "count": 2}"#,
        r#"{"match": "CREATE SCHEMA PUDO_MLOPS.PUDO_DEV", "action": "error", "code": "000625", "sql_state": "57014", "message": "Statement '01b4' has locked table 'X' in transaction 1 and this lock has not yet been released. Your statement '01b5' was aborted because the number of waiters for this lock exceeds the 20 statements limit.", "count": 1}"#,
        // Grants that ran before the connection dropped: sent again (idempotent).
        r#"{"match": "ON WAREHOUSE PUDO_DEV_WH TO ROLE", "action": "drop", "after_execute": true, "count": 1}"#,
        r#"{"match": "GRANT ROLE PUDO_DEV_ROLE TO ROLE SYSADMIN", "action": "drop", "after_execute": true, "count": 1}"#,
    ];
    // What the plan sends without faults, by kind.
    let plan = ok(run(
        &emu,
        &project,
        &["plan", "-e", "dev", "--format", "json"],
    ));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let planned = |verb: &str| -> u64 {
        changes
            .iter()
            .flat_map(|c| c["sql"].as_array().unwrap())
            .filter(|s| s.as_str().unwrap().starts_with(verb))
            .count() as u64
    };
    let planned_total: u64 = changes
        .iter()
        .map(|c| c["sql"].as_array().unwrap().len() as u64)
        .sum();
    emu.control(
        "POST",
        "/emulator/faults",
        Some(&format!("[{}]", faults.join(","))),
    );
    emu.control("POST", "/emulator/stats/reset", None);
    let out = ok(apply(&emu, &project, "dev", &[]));
    let message = text(&out);
    let remaining = emu.control("GET", "/emulator/faults", None);
    assert!(
        remaining.contains(r#""faults":[]"#),
        "every fault fired: {remaining}\n{message}"
    );

    // Exactly the statements the faults require, by kind: the planned
    // ones, + 7 CREATEs (recovery CREATE IF NOT EXISTS for the warehouse,
    // the role and FEATURE_STORE_DEV, twice for the latter as its first
    // recovery CREATE got a 503; the refused CREATEs sent again: 429 twice,
    // 000625 once), + an ALTER per recovered object (3), + the 2 grants
    // that ran before their connection dropped.
    let stats = emu.stats();
    let by_kind = &stats["by_kind"];
    assert_eq!(
        by_kind["create"],
        planned("CREATE") + 7,
        "{stats}\n{message}"
    );
    assert_eq!(by_kind["alter"], planned("ALTER") + 3, "{stats}\n{message}");
    assert_eq!(by_kind["grant"], planned("GRANT") + 2, "{stats}\n{message}");
    let sent = planned_total + 12;
    // Besides: the pre-flight's SELECT, and a USE ROLE where a worker's
    // session switches role (docs/permissions.md).
    let uses = by_kind["use"].as_u64().unwrap_or_default();
    assert!(uses > 0, "{stats}");
    assert_eq!(by_kind["select"], 1, "{stats}\n{message}");
    assert_eq!(
        stats["statements"].as_u64(),
        Some(sent as u64 + uses + 1),
        "{stats}\n{message}"
    );
    assert!(
        message.contains(&format!("{sent} statements in")) && message.contains("9 retries"),
        "the report counts what was sent: {message}"
    );
    assert!(message.contains("slowed down"), "{message}");
    assert!(
        message.contains("retrying + warehouse.PUDO_DEV_WH") && message.contains("recovery"),
        "{message}"
    );

    // State complete, nothing pending; live objects exactly once.
    let recorded = state(&project, "dev");
    assert!(recorded.get("pending").is_none(), "{recorded:#}");
    for change in changes {
        let address = change["address"].as_str().unwrap();
        assert!(
            addresses(&recorded).iter().any(|a| a == address) || change["after"].is_null(),
            "{address} recorded: {recorded:#}"
        );
    }
    assert_plan_empty(&emu, &project, "dev");
    let warehouses = show(&emu, "SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'");
    assert_eq!(warehouses.len(), 1);
    assert_eq!(cell(&warehouses[0], "size"), "X-Small");
    let of = show(&emu, "SHOW GRANTS OF ROLE PUDO_DEV_ROLE");
    assert_eq!(
        of.iter()
            .filter(|g| cell(g, "grantee_name") == "SYSADMIN")
            .count(),
        1,
        "{of:?}"
    );
    let on_wh: Vec<String> = show(&emu, "SHOW GRANTS ON WAREHOUSE PUDO_DEV_WH")
        .iter()
        .filter(|g| cell(g, "grantee_name") == "PUDO_DEV_ROLE")
        .map(|g| cell(g, "privilege"))
        .collect();
    assert_eq!(on_wh.len(), 2, "{on_wh:?}");

    // A second apply has nothing to do and sends nothing.
    emu.control("POST", "/emulator/stats/reset", None);
    let again = ok(apply(&emu, &project, "dev", &[]));
    assert!(text(&again).contains("No changes"), "{}", text(&again));
    assert_eq!(emu.statements(), 0);
}

/// A change whose statement may have run and whose recovery is then
/// refused by Snowflake stays pending (it may be half done); the next apply
/// runs its recovery statements and completes.
#[test]
fn a_refusal_after_a_lost_connection_keeps_the_change_pending() {
    let Some((emu, project)) = setup(&[]) else {
        return;
    };
    ok(apply(&emu, &project, "shared", &[]));
    emu.control(
        "POST",
        "/emulator/faults",
        Some(
            r#"[{"match": "CREATE WAREHOUSE PUDO_DEV_WH", "action": "drop", "after_execute": true, "count": 1},
                {"match": "CREATE WAREHOUSE IF NOT EXISTS", "action": "error", "code": "002003", "message": "injected refusal", "count": 1}]"#,
        ),
    );
    let out = apply(&emu, &project, "dev", &["--parallelism", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("injected refusal"), "{}", text(&out));
    let recorded = state(&project, "dev");
    assert_eq!(
        recorded["pending"],
        serde_json::json!(["warehouse.PUDO_DEV_WH"]),
        "{recorded:#}"
    );
    ok(apply(&emu, &project, "dev", &[]));
    assert_plan_empty(&emu, &project, "dev");
    assert!(state(&project, "dev").get("pending").is_none());
    assert_eq!(show(&emu, "SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'").len(), 1);
}
