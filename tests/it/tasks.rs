//! Task graphs end to end against the emulator: states per environment,
//! the suspend -> change -> resume steps around a running graph, and
//! recovery when an apply fails or is killed in between.

use crate::emulator::Emulator;
use crate::support::{TempProject, ok, run_against, text};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Output;
use std::time::{Duration, Instant};

const PROD_TASKS: &str = "SHOW TASKS IN SCHEMA PUDO_MLOPS.PUDO_PROD";
const ROOT: &str = "task.PUDO_MLOPS.PUDO_PROD.TRAIN_PIPELINE";
const CHILD_OVERRIDE: &str = "\
databases:
  PUDO_MLOPS:
    schemas:
      PUDO_PROD:
        tasks:
          TRAIN_MODEL: { sql: CALL PUDO_MLOPS.PUDO_PROD.TRAIN_V2() }
";

/// `pudo ARGS` against `emu`: the shared stack as the account
/// administrator, the environments as the example's CI user (no
/// ACCOUNTADMIN).
fn run(emu: &Emulator, project: &TempProject, args: &[&str]) -> Output {
    if args.contains(&"shared") {
        return run_against(emu, project, args);
    }
    crate::support::pudo_in(project.path())
        .args(args)
        .envs(emu.ci_env())
        .output()
        .unwrap()
}

#[track_caller]
fn plan_is_empty(emu: &Emulator, project: &TempProject, env: &str) {
    let out = run(emu, project, &["plan", "-e", env, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "plan {env}:\n{}", text(&out));
}

/// The example on `main`, with the shared stack, DEV and PROD applied.
fn example_applied(emulator_args: &[&str]) -> Option<(Emulator, TempProject)> {
    let emu = Emulator::start(emulator_args)?;
    let project = TempProject::example();
    crate::support::on_main(project.path());
    for env in ["shared", "dev", "prod"] {
        ok(run(&emu, &project, &["apply", "-e", env, "--auto-approve"]));
    }
    Some((emu, project))
}

/// SHOW TASKS rows by task name.
fn tasks(emu: &Emulator, show: &str) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
    emu.sql(show)
        .unwrap_or_else(|e| panic!("{show}: {e}"))
        .into_iter()
        .map(|row| (row["name"].clone().unwrap_or_default(), row))
        .collect()
}

fn states(emu: &Emulator, show: &str) -> Vec<(String, String)> {
    tasks(emu, show)
        .into_iter()
        .map(|(name, row)| (name, row["state"].clone().unwrap_or_default()))
        .collect()
}

fn all_in(emu: &Emulator, show: &str, state: &str) -> bool {
    let s = states(emu, show);
    s.len() == 4 && s.iter().all(|(_, st)| st == state)
}

fn config(emu: &Emulator, show: &str) -> Value {
    let rows = tasks(emu, show);
    let text = rows["TRAIN_PIPELINE"]["config"].clone().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("config {text:?}: {e}"))
}

fn recorded_state(project: &TempProject, address: &str) -> Option<String> {
    let text = std::fs::read_to_string(project.path().join("state/prod.json")).ok()?;
    let state: Value = serde_json::from_str(&text).ok()?;
    state["resources"]
        .as_array()?
        .iter()
        .find(|r| r["address"] == address)?["attrs"]["state"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn dev_tasks_stay_suspended_and_prod_tasks_run_with_their_config() {
    let Some((emu, project)) = example_applied(&[]) else {
        return;
    };
    assert!(
        all_in(
            &emu,
            "SHOW TASKS IN SCHEMA PUDO_MLOPS.PUDO_DEV",
            "suspended"
        ),
        "{:?}",
        states(&emu, "SHOW TASKS IN SCHEMA PUDO_MLOPS.PUDO_DEV")
    );
    assert!(
        all_in(&emu, PROD_TASKS, "started"),
        "{:?}",
        states(&emu, PROD_TASKS)
    );
    let dev = config(&emu, "SHOW TASKS IN SCHEMA PUDO_MLOPS.PUDO_DEV");
    let prod = config(&emu, PROD_TASKS);
    assert_eq!(dev["train_days"], 30);
    assert_eq!(prod["train_days"], 365);
    let predecessors = tasks(&emu, PROD_TASKS)["TRAIN_MODEL"]["predecessors"]
        .clone()
        .unwrap_or_default();
    assert!(predecessors.contains("TRAIN_PIPELINE"), "{predecessors}");
    for env in ["dev", "prod"] {
        plan_is_empty(&emu, &project, env);
        ok(run(&emu, &project, &["drift", "-e", env]));
    }
}

#[test]
fn a_child_change_suspends_the_root_changes_then_resumes() {
    let Some((emu, project)) = example_applied(&[]) else {
        return;
    };
    project.write("environments/prod.override.yaml", &{
        let base = std::fs::read_to_string(project.path().join("environments/prod.override.yaml"))
            .unwrap();
        format!("{base}\n{CHILD_OVERRIDE}")
    });
    let out = ok(run(
        &emu,
        &project,
        &["plan", "-e", "prod", "--format", "json"],
    ));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (format!("{ROOT}#suspend"), "suspend".to_string()),
            (
                "task.PUDO_MLOPS.PUDO_PROD.TRAIN_MODEL".to_string(),
                "update".to_string()
            ),
            (format!("{ROOT}#resume"), "resume".to_string()),
        ]
    );
    let human = ok(run(&emu, &project, &["plan", "-e", "prod"]));
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("will be suspended"), "{human}");
    assert!(human.contains("ALTER TASK PUDO_MLOPS.PUDO_PROD.TRAIN_MODEL MODIFY AS CALL PUDO_MLOPS.PUDO_PROD.TRAIN_V2()"), "{human}");

    ok(run(
        &emu,
        &project,
        &["apply", "-e", "prod", "--auto-approve"],
    ));
    assert!(
        all_in(&emu, PROD_TASKS, "started"),
        "{:?}",
        states(&emu, PROD_TASKS)
    );
    assert_eq!(
        tasks(&emu, PROD_TASKS)["TRAIN_MODEL"]["definition"]
            .clone()
            .unwrap_or_default(),
        "CALL PUDO_MLOPS.PUDO_PROD.TRAIN_V2()"
    );
    plan_is_empty(&emu, &project, "prod");
}

#[test]
fn a_failed_change_inside_a_running_graph_leaves_it_running() {
    let Some((emu, project)) = example_applied(&[]) else {
        return;
    };
    let base =
        std::fs::read_to_string(project.path().join("environments/prod.override.yaml")).unwrap();
    project.write(
        "environments/prod.override.yaml",
        &format!("{base}\n{CHILD_OVERRIDE}"),
    );
    emu.control(
        "POST",
        "/emulator/faults",
        Some(r#"{"match": "MODIFY AS", "action": "error", "code": "000603", "message": "injected failure", "count": 1}"#),
    );
    let out = run(&emu, &project, &["apply", "-e", "prod", "--auto-approve"]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("injected failure"), "{message}");
    assert!(message.contains("Resumed after the failure"), "{message}");
    // The graph runs again, with its previous definition.
    assert!(
        all_in(&emu, PROD_TASKS, "started"),
        "{:?}",
        states(&emu, PROD_TASKS)
    );
    assert_eq!(
        tasks(&emu, PROD_TASKS)["TRAIN_MODEL"]["definition"]
            .clone()
            .unwrap_or_default(),
        "CALL PUDO_MLOPS.PUDO_PROD.TRAIN()"
    );
    assert_eq!(recorded_state(&project, ROOT).as_deref(), Some("started"));
    // The next apply converges.
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "prod", "--auto-approve"],
    ));
    assert!(all_in(&emu, PROD_TASKS, "started"));
    plan_is_empty(&emu, &project, "prod");
}

#[test]
fn a_killed_apply_leaves_the_suspended_root_for_the_next_apply() {
    let Some((emu, project)) = example_applied(&["--latency-ms", "400"]) else {
        return;
    };
    let base =
        std::fs::read_to_string(project.path().join("environments/prod.override.yaml")).unwrap();
    project.write(
        "environments/prod.override.yaml",
        &format!("{base}\n{CHILD_OVERRIDE}"),
    );
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pudo"));
    cmd.current_dir(project.path())
        .args(["apply", "-e", "prod", "--auto-approve"])
        .env("NO_COLOR", "1")
        .envs(emu.ci_env())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // Kill as soon as the suspension of the root is recorded (the next
    // statement takes 400 ms).
    let deadline = Instant::now() + Duration::from_secs(30);
    while recorded_state(&project, ROOT).as_deref() != Some("suspended") {
        assert!(
            Instant::now() < deadline,
            "the root was never recorded as suspended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        states(&emu, PROD_TASKS)
            .into_iter()
            .find(|(n, _)| n == "TRAIN_PIPELINE")
            .map(|(_, s)| s)
            .as_deref(),
        Some("suspended"),
        "killed between suspend and resume"
    );
    // The next plan shows the resumption; the next apply converges.
    let out = ok(run(&emu, &project, &["plan", "-e", "prod"]));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains(&format!("{ROOT}#resume")), "{plan}");
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "prod", "--auto-approve"],
    ));
    assert!(
        all_in(&emu, PROD_TASKS, "started"),
        "{:?}",
        states(&emu, PROD_TASKS)
    );
    plan_is_empty(&emu, &project, "prod");
}

#[test]
fn a_component_config_change_is_a_config_change_of_the_root() {
    let Some((emu, project)) = example_applied(&[]) else {
        return;
    };
    let path = project.path().join("config/training/prod.override.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("train_days: 365", "train_days: 400")).unwrap();
    let out = ok(run(
        &emu,
        &project,
        &["plan", "-e", "prod", "--format", "json"],
    ));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let update = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == ROOT && c["action"] == "update")
        .unwrap_or_else(|| panic!("no update of the root: {plan:#}"));
    let names: Vec<&str> = update["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["config"]);
    ok(run(
        &emu,
        &project,
        &["apply", "-e", "prod", "--auto-approve"],
    ));
    assert_eq!(config(&emu, PROD_TASKS)["train_days"], 400);
    assert!(all_in(&emu, PROD_TASKS, "started"));
    plan_is_empty(&emu, &project, "prod");
}

#[test]
fn drift_reports_a_task_suspended_by_hand() {
    let Some((emu, project)) = example_applied(&[]) else {
        return;
    };
    emu.sql("ALTER TASK PUDO_MLOPS.PUDO_PROD.TRAIN_PIPELINE SUSPEND")
        .unwrap();
    let out = run(&emu, &project, &["drift", "-e", "prod", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["address"] == ROOT)
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(item.to_string().contains("suspended"), "{item}");
    // `plan --refresh` puts it back with a resume step.
    let out = ok(run(&emu, &project, &["plan", "-e", "prod", "--refresh"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{ROOT}#resume")));
}
