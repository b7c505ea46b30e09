//! Promotion: the preview's factoring of the environment name, and
//! `pudo promote` (checks in the candidate and the baseline environment).

use crate::support::{TempProject, transcript};

fn run(project: &TempProject, args: &[&str]) -> String {
    let output = project.pudo().args(args).output().unwrap();
    transcript(&output, project.path())
}

/// Names that contain an environment's name literally, no `${env}`.
const LITERAL_NAMES: &str = r#"environments:
  DEV:  { branches: [dev] }
  PROD: { branches: [main], protected: true }
databases:
  ABRIGHT_PROD:
    comment: Reporting copy of PROD
    schemas:
      PROD_DATA: { comment: "PROD data, read in every environment" }
  PROD: { comment: The PROD database }
warehouses:
  PUDO_${env}_WH: { size: XSMALL, comment: "PUDO ${env} compute" }
"#;

#[test]
fn preview_factors_only_where_env_was_written() {
    let project = TempProject::example();
    project.write("environments/base.yaml", LITERAL_NAMES);
    for f in ["dev", "staging", "prod"] {
        let _ = std::fs::remove_file(
            project
                .path()
                .join(format!("environments/{f}.override.yaml")),
        );
    }
    insta::assert_snapshot!(run(&project, &["config", "diff", "environments", "DEV", "PROD"]), @r"
    exit: 0
    --- stdout
    promotion preview: DEV -> PROD (`<ENV>` stands for the environment's name)
    no differences: PROD gets exactly what DEV has
    --- stderr
    ");
    // A literal name written in one override is a real difference, shown as written.
    project.write(
        "environments/prod.override.yaml",
        "warehouses:\n  PUDO_PROD_WH: { comment: PUDO PROD compute (production) }\ndatabases:\n  PROD_ARCHIVE: { comment: Archive }\n",
    );
    insta::assert_snapshot!(run(&project, &["config", "diff", "environments", "DEV", "PROD"]), @r#"
    exit: 0
    --- stdout
    promotion preview: DEV -> PROD (`<ENV>` stands for the environment's name)
    + database.PROD_ARCHIVE  (only in PROD)
        + comment: "Archive"
        + owner: "SYSADMIN"
    ~ warehouse.PUDO_<ENV>_WH
        ~ comment: "PUDO <ENV> compute" -> "PUDO PROD compute (production)"
    1 only in PROD, 1 different, 0 only in DEV; 3 the same
    --- stderr
    "#);
}

#[test]
fn preview_resolves_literal_references_to_the_environments_own_objects() {
    let project = TempProject::example();
    let path = project.path().join("environments/prod.override.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    project.write(
        "environments/prod.override.yaml",
        &format!(
            "{text}roles:\n  PUDO_PROD_ROLE:\n    grants:\n      - {{ on: warehouse PUDO_PROD_WH, privileges: [USAGE, OPERATE, MONITOR] }}\n"
        ),
    );
    let t = run(
        &project,
        &["config", "diff", "environments", "STAGING", "PROD"],
    );
    assert!(t.starts_with("exit: 0\n"), "{t}");
    // Written literally, so shown as written; everything else still lines up.
    assert!(
        t.contains("+ grant.PUDO_<ENV>_ROLE.warehouse.PUDO_PROD_WH  (only in PROD)"),
        "{t}"
    );
    assert!(
        t.contains("1 only in PROD, 5 different, 1 only in STAGING; 14 the same"),
        "{t}"
    );
}

mod against_the_emulator {
    use crate::emulator::Emulator;
    use crate::support::{TempProject, pudo_in, repo_root, run_as_team as run, text};
    use std::process::Output;

    fn git(dir: &std::path::Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    #[track_caller]
    fn exit(out: &Output, code: i32) -> String {
        let t = text(out);
        assert_eq!(out.status.code(), Some(code), "{t}");
        t
    }

    fn sql(emu: &Emulator, statement: &str) {
        emu.sql(statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    /// The example on `main`, with shared, STAGING and PROD applied, and
    /// MODEL_METRICS and TRAINING_SET made in STAGING and PROD by the
    /// example's pipeline step, with the newest metric row for another model
    /// (which the checks must not pick).
    fn setup() -> Option<(Emulator, TempProject)> {
        pipeline_python()?;
        let emu = Emulator::start(&[])?;
        let project = TempProject::example();
        git(project.path(), &["init", "-q", "-b", "main"]);
        for env in ["shared", "staging", "prod"] {
            exit(
                &run(&emu, &project, &["apply", "-e", env, "--auto-approve"]),
                0,
            );
        }
        for env in ["STAGING", "PROD"] {
            record_run(
                &emu,
                &project,
                env,
                &[
                    "--model",
                    "other",
                    "--auc",
                    "0.99",
                    "--at",
                    "2030-01-01 00:00:00",
                ],
            );
        }
        Some((emu, project))
    }

    /// The Python that has the example pipeline's packages
    /// (`PUDO_TEST_PYTHON`, from `scripts/pipeline-venv`); without it the
    /// test is skipped, or fails when the emulator tests are required.
    fn pipeline_python() -> Option<String> {
        match std::env::var("PUDO_TEST_PYTHON") {
            Ok(python) if !python.is_empty() => Some(python),
            _ if std::env::var_os("PUDO_REQUIRE_EMULATOR").is_some() => panic!(
                "PUDO_TEST_PYTHON is not set: `export PUDO_TEST_PYTHON=$(scripts/pipeline-venv)` (scripts/test does)"
            ),
            _ => {
                eprintln!("skipped: PUDO_TEST_PYTHON is not set (see scripts/pipeline-venv)");
                None
            }
        }
    }

    /// The example's pipeline step (`pipelines/record_run.py`, through the
    /// Python connector) run in ENV by `pudo exec`, with that environment's
    /// connection.
    #[track_caller]
    fn record_run(emu: &Emulator, project: &TempProject, env: &str, args: &[&str]) {
        let python = pipeline_python().expect("checked in setup");
        let script = repo_root().join("pipelines/record_run.py");
        let mut command = vec!["exec", "-e", env, "--", &python, script.to_str().unwrap()];
        command.extend_from_slice(args);
        exit(&run(emu, project, &command), 0);
    }

    fn metric(emu: &Emulator, project: &TempProject, env: &str, auc: f64, at: &str) {
        let auc = auc.to_string();
        record_run(emu, project, env, &["--auc", &auc, "--at", at]);
    }

    fn training_rows(emu: &Emulator, project: &TempProject, env: &str, n: usize) {
        record_run(emu, project, env, &["--rows", &n.to_string()]);
    }

    #[test]
    fn promote_compares_the_candidate_with_the_prod_baseline() {
        let Some((emu, project)) = setup() else {
            return;
        };
        training_rows(&emu, &project, "STAGING", 1200);
        // No PROD model yet: `missing_baseline: pass`.
        metric(&emu, &project, "STAGING", 0.80, "2026-01-02 00:00:00");
        let out = run(&emu, &project, &["promote", "STAGING", "PROD"]);
        let t = exit(&out, 0);
        assert!(t.contains("no baseline in PROD yet"), "{t}");
        assert!(t.contains("task graphs scheduled in PROD"), "{t}");
        assert!(
            t.contains("PUDO_MLOPS.PUDO_PROD.TRAIN_PIPELINE (4 tasks)"),
            "{t}"
        );
        assert!(t.contains("promotion preview: STAGING -> PROD"), "{t}");
        // The same with `missing_baseline: fail`.
        let base = std::fs::read_to_string(project.path().join("environments/base.yaml")).unwrap();
        project.write(
            "environments/base.yaml",
            &base.replace("missing_baseline: pass", "missing_baseline: fail"),
        );
        let t = exit(&run(&emu, &project, &["promote", "STAGING", "PROD"]), 2);
        assert!(t.contains("fails (`missing_baseline: fail`)"), "{t}");
        project.write("environments/base.yaml", &base);

        // Within tolerance of PROD's latest model (an older, better one does not count).
        metric(&emu, &project, "PROD", 0.95, "2025-06-01 00:00:00");
        metric(&emu, &project, "PROD", 0.805, "2026-01-01 00:00:00");
        let out = run(&emu, &project, &["promote", "STAGING", "PROD"]);
        let t = exit(&out, 0);
        let table: Vec<&str> = t.lines().skip(3).take(3).collect();
        assert_eq!(
            table,
            [
                "check          candidate  baseline  expectation         verdict",
                "model quality  0.8        0.805     >= baseline - 0.01  pass",
                "training rows  1200       0         >= 1000             pass",
            ],
            "{t}"
        );
        let json = run(
            &emu,
            &project,
            &["promote", "STAGING", "PROD", "--format", "json"],
        );
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(value["passed"], true, "{}", text(&json));
        assert_eq!(value["checks"][0]["baseline"], 0.805);
        let md = run(
            &emu,
            &project,
            &["promote", "STAGING", "PROD", "--format", "markdown"],
        );
        assert!(
            String::from_utf8_lossy(&md.stdout)
                .contains("| model quality | 0.8 | 0.805 | `>= baseline - 0.01` | pass |"),
            "{}",
            text(&md)
        );

        // FROM from `--env` (or the branch) when only TO is given.
        let t = exit(
            &run(&emu, &project, &["-e", "staging", "promote", "prod"]),
            0,
        );
        assert!(t.contains("STAGING (candidate) -> PROD (baseline)"), "{t}");

        // Connections from Snowflake's connections.toml, one per environment
        // (`connection: { name: pudo_${env} }`), nothing in the process environment.
        let home = tempfile::tempdir().unwrap();
        let mut toml = String::new();
        for env in ["staging", "prod"] {
            toml.push_str(&format!(
                "[pudo_{env}]\naccount = \"pudo_test\"\nuser = \"{}\"\npassword = \"{}\"\nhost = \"{}\"\nport = {}\nprotocol = \"http\"\n\n",
                crate::emulator::USER, emu.password, emu.host, emu.port
            ));
        }
        std::fs::write(home.path().join("connections.toml"), toml).unwrap();
        project.write(
            "environments/base.yaml",
            &base.replace("connection:\n", "connection:\n  name: pudo_${env}\n"),
        );
        let out = pudo_in(project.path())
            .args(["promote", "STAGING", "PROD"])
            .env("SNOWFLAKE_HOME", home.path())
            .output()
            .unwrap();
        let t = exit(&out, 0);
        assert!(t.contains("every check passed"), "{t}");
        assert!(!t.contains(&emu.password), "{t}");
        project.write("environments/base.yaml", &base);

        // Worse than PROD by more than the tolerance: exit 2.
        metric(&emu, &project, "STAGING", 0.70, "2026-01-03 00:00:00");
        let t = exit(&run(&emu, &project, &["promote", "STAGING", "PROD"]), 2);
        assert!(t.contains("0.7 is not >= 0.795"), "{t}");

        // Errors name the check, the environment and what came back: exit 1.
        project.write(
            "environments/base.yaml",
            &base.replace(
                "SELECT COUNT(*) FROM PUDO_MLOPS.FEATURE_STORE_${env}.TRAINING_SET",
                "SELECT COUNT(*), MAX(ID) FROM PUDO_MLOPS.FEATURE_STORE_${env}.TRAINING_SET",
            ),
        );
        let t = exit(&run(&emu, &project, &["promote", "STAGING", "PROD"]), 1);
        assert!(
            t.contains("check `training rows` in STAGING: expected one column, got 2"),
            "{t}"
        );
        assert!(
            t.contains(
                "query: SELECT COUNT(*), MAX(ID) FROM PUDO_MLOPS.FEATURE_STORE_STAGING.TRAINING_SET"
            ),
            "{t}"
        );
        // No row in the candidate: an error, not a pass.
        sql(
            &emu,
            "DELETE FROM PUDO_MLOPS.MODEL_REGISTRY_STAGING.MODEL_METRICS",
        );
        project.write("environments/base.yaml", &base);
        let t = exit(&run(&emu, &project, &["promote", "STAGING", "PROD"]), 1);
        assert!(
            t.contains("check `model quality` in STAGING: expected one row with a value, got no row or NULL"),
            "{t}"
        );
        sql(
            &emu,
            "DROP TABLE PUDO_MLOPS.FEATURE_STORE_PROD.TRAINING_SET",
        );
        project.write("environments/base.yaml", &base);
        let t = exit(&run(&emu, &project, &["promote", "STAGING", "PROD"]), 1);
        assert!(
            t.contains("check `training rows` in PROD: Snowflake error 002003"),
            "{t}"
        );
    }

    #[test]
    fn apply_to_prod_runs_the_promotion_gate() {
        let Some((emu, project)) = setup() else {
            return;
        };
        let base = std::fs::read_to_string(project.path().join("environments/base.yaml")).unwrap();
        project.write(
            "environments/base.yaml",
            &base.replace(
                "protected: true, tasks: started }",
                "protected: true, tasks: started, require_promotion: STAGING }",
            ),
        );
        // A change for PROD.
        project.write(
            "environments/prod.override.yaml",
            "vars:\n  warehouse_size: LARGE\n  auto_suspend: 900\n",
        );
        metric(&emu, &project, "PROD", 0.90, "2026-01-01 00:00:00");
        metric(&emu, &project, "STAGING", 0.80, "2026-01-02 00:00:00");
        training_rows(&emu, &project, "STAGING", 1000);
        let t = exit(
            &run(&emu, &project, &["apply", "-e", "PROD", "--auto-approve"]),
            1,
        );
        assert!(t.contains("model quality  0.8        0.9"), "{t}");
        assert!(
            t.contains("apply to PROD refused: the promotion gate from STAGING did not pass"),
            "{t}"
        );
        assert!(
            !t.contains("auto_suspend"),
            "nothing planned or applied: {t}"
        );

        let t = exit(
            &run(
                &emu,
                &project,
                &[
                    "apply",
                    "-e",
                    "PROD",
                    "--auto-approve",
                    "--skip-gate",
                    "INC-42 hotfix",
                ],
            ),
            0,
        );
        assert!(
            t.contains("promotion gate STAGING -> PROD SKIPPED: INC-42 hotfix"),
            "{t}"
        );
        // The skip is in PROD's state, with the serial of that apply's first write.
        let skips = |project: &TempProject| -> serde_json::Value {
            let text = std::fs::read_to_string(project.path().join("state/prod.json")).unwrap();
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["gate_skips"].clone()
        };
        let recorded = skips(&project);
        assert_eq!(recorded.as_array().map(Vec::len), Some(1), "{recorded}");
        assert_eq!(recorded[0]["from"], "STAGING", "{recorded}");
        assert_eq!(recorded[0]["reason"], "INC-42 hotfix", "{recorded}");
        assert!(recorded[0]["serial"].as_u64().unwrap() >= 1, "{recorded}");
        let t = exit(&run(&emu, &project, &["state", "list", "-e", "PROD"]), 0);
        assert!(
            t.contains("promotion gate from STAGING skipped at ") && t.contains("INC-42 hotfix"),
            "{t}"
        );
        project.write(
            "environments/prod.override.yaml",
            "vars:\n  warehouse_size: LARGE\n  auto_suspend: 1200\n",
        );
        metric(&emu, &project, "STAGING", 0.895, "2026-01-03 00:00:00");
        let t = exit(
            &run(&emu, &project, &["apply", "-e", "PROD", "--auto-approve"]),
            0,
        );
        assert!(t.contains("every check passed"), "{t}");
        assert!(t.contains("auto_suspend"), "{t}");
        // Later applies keep the record.
        assert_eq!(skips(&project), recorded);
    }
}

#[test]
fn exec_passes_the_environments_connection_without_printing_secrets() {
    let project = TempProject::example();
    project.write(
        ".env",
        "SNOWFLAKE_ACCOUNT=acme\nSNOWFLAKE_USER=ci\nSNOWFLAKE_PASSWORD=hunter2-secret\n",
    );
    let out = project
        .pudo()
        .args([
            "-e",
            "staging",
            "exec",
            "--",
            "sh",
            "-c",
            "echo role=$SNOWFLAKE_ROLE wh=$SNOWFLAKE_WAREHOUSE env=$PUDO_ENV user=$SNOWFLAKE_USER; test -n \"$SNOWFLAKE_PASSWORD\" && echo password-passed; grep train_days \"$PUDO_CONFIG_TRAINING\"; stat -c 'folder mode %a' \"$(dirname \"$PUDO_CONFIG_TRAINING\")\"; echo \"$PUDO_CONFIG_TRAINING\" > rendered-path",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(transcript(&out, project.path()), @r"
    exit: 0
    --- stdout
    role=PUDO_STAGING_ROLE wh=PUDO_STAGING_WH env=STAGING user=ci
    password-passed
    train_days: 180
    folder mode 700
    --- stderr
    ");
    // The rendered configuration is removed once the command is done.
    let rendered = std::fs::read_to_string(project.path().join("rendered-path")).unwrap();
    assert!(rendered.trim().ends_with("training.yaml"), "{rendered}");
    assert!(
        !std::path::Path::new(rendered.trim()).exists(),
        "{rendered}"
    );
    let out = project
        .pudo()
        .args(["-e", "prod", "env", "--format", "dotenv"])
        .output()
        .unwrap();
    insta::assert_snapshot!(transcript(&out, project.path()), @r"
    exit: 0
    --- stdout
    PUDO_ENV=PROD
    SNOWFLAKE_ACCOUNT=acme
    SNOWFLAKE_USER=ci
    # SNOWFLAKE_PASSWORD is set (--show-secrets prints it)
    SNOWFLAKE_ROLE=PUDO_PROD_ROLE
    SNOWFLAKE_WAREHOUSE=PUDO_PROD_WH
    --- stderr
    ");
    let out = project
        .pudo()
        .args(["-e", "prod", "env", "--format", "dotenv", "--show-secrets"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("SNOWFLAKE_PASSWORD=hunter2-secret"));
    let out = project.pudo().args(["-e", "prod", "env"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
}
