//! pudo in CI: the GitHub Action (`action.yml`) and the workflows. They
//! cannot run here, so the action's scripts run under bash with the
//! variables a runner sets, and the YAML files are checked against each
//! other and against what `pudo init` writes.

use crate::onboarding::{init, stderr};
use crate::support::{TempProject, repo_root};
use std::collections::BTreeMap;
use std::path::Path;

fn yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn action() -> serde_yaml::Value {
    yaml(&repo_root().join("action.yml"))
}

/// The `run:` script of the action's step with this `id`.
fn action_script(id: &str) -> String {
    let action = action();
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step `{id}`"));
    step["run"].as_str().unwrap().to_string()
}

/// Key=value lines a step wrote to `$GITHUB_OUTPUT`.
fn outputs(file: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The shell GitHub runs a step's `run:` with (`shell: bash`).
const RUNNER_BASH: [&str; 4] = ["--noprofile", "--norc", "-eo", "pipefail"];

/// Runs the action's `run` step as a runner would: bash, the inputs as
/// environment variables, the runner's files in a temporary folder.
fn run_action_step(
    project: &Path,
    inputs: &[(&str, &str)],
) -> (std::process::Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let runner = tmp.path();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(RUNNER_BASH)
        .args(["-c", &action_script("run")])
        .current_dir(project)
        .env("PUDO", assert_cmd::cargo::cargo_bin("pudo"))
        .env("NO_COLOR", "1")
        .env("RUNNER_TEMP", runner)
        .env("GITHUB_OUTPUT", runner.join("output"))
        .env("GITHUB_STEP_SUMMARY", runner.join("summary"))
        .env_remove("PUDO_BRANCH")
        .env_remove("GITHUB_HEAD_REF")
        .env_remove("GITHUB_REF_NAME");
    for (name, value) in [
        ("PUDO_COMMAND", ""),
        ("PUDO_ENVIRONMENT", ""),
        ("PUDO_ARGS", ""),
        ("PUDO_ALLOWED", "0"),
        ("PUDO_SUMMARY", "false"),
    ] {
        cmd.env(name, value);
    }
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    (cmd.output().unwrap(), tmp)
}

#[test]
fn the_action_runs_plan_and_passes_the_exit_code_on() {
    let project = TempProject::example();
    let inputs = [
        ("PUDO_COMMAND", "plan"),
        ("PUDO_ENVIRONMENT", "DEV"),
        ("PUDO_ARGS", "--format markdown  --detailed-exitcode"),
        ("PUDO_SUMMARY", "true"),
    ];
    // Exit 2 (changes present) is allowed here: the step succeeds.
    let (output, runner) = run_action_step(
        project.path(),
        &[&inputs[..], &[("PUDO_ALLOWED", "0 2")]].concat(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let out = outputs(&runner.path().join("output"));
    assert_eq!(out["exit-code"], "2");
    let printed = std::fs::read_to_string(&out["output-file"]).unwrap();
    assert!(printed.contains("warehouse.PUDO_DEV_WH"), "{printed}");
    assert_eq!(
        std::fs::read_to_string(runner.path().join("summary")).unwrap(),
        printed,
        "summary: true appends the output"
    );

    // Not allowed: the step fails with pudo's code and says why.
    let (output, runner) = run_action_step(project.path(), &inputs);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("::error::pudo plan exited with 2 (allowed: 0)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(outputs(&runner.path().join("output"))["exit-code"], "2");

    // Arguments are split on spaces, never globbed or evaluated.
    let (output, _) = run_action_step(
        project.path(),
        &[("PUDO_COMMAND", "validate"), ("PUDO_ARGS", "* $(false)")],
    );
    assert_eq!(output.status.code(), Some(2), "clap refuses the two words");
    assert!(
        stderr(&output).contains("unexpected argument '*'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_action_fingerprints_its_source_the_same_way_twice() {
    let script = action_script("source");
    let run = || {
        let tmp = tempfile::tempdir().unwrap();
        let runner = tmp.path();
        let output = std::process::Command::new("bash")
            .args(RUNNER_BASH)
            .args(["-c", &script])
            .env("GITHUB_ACTION_PATH", repo_root())
            .env("GITHUB_OUTPUT", runner.join("output"))
            .env("RUNNER_TOOL_CACHE", runner.join("tools"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        outputs(&runner.join("output"))
    };
    let (a, b) = (run(), run());
    assert_eq!(a["hash"], b["hash"]);
    assert_eq!(a["hash"].len(), 20);
    assert!(a["hash"].chars().all(|c| c.is_ascii_hexdigit()));
    assert!(a["root"].ends_with(&format!("/tools/pudo/{}", a["hash"])));
}

/// Steps that use the pudo action, with the inputs they pass.
fn action_uses(workflow: &serde_yaml::Value) -> Vec<(String, Vec<String>)> {
    let prefix = format!("{}@", pudo::scaffold::ACTION_REPOSITORY);
    let mut out = Vec::new();
    for job in workflow["jobs"].as_mapping().unwrap().values() {
        for step in job["steps"].as_sequence().unwrap() {
            if let Some(uses) = step["uses"].as_str().filter(|u| u.starts_with(&prefix)) {
                let inputs = step["with"]
                    .as_mapping()
                    .map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                out.push((uses.to_string(), inputs));
            }
        }
    }
    out
}

#[test]
fn workflows_use_the_action_with_inputs_it_has() {
    let action = action();
    let inputs: Vec<&str> = action["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();

    let tmp = tempfile::tempdir().unwrap();
    assert!(init(tmp.path(), &["--database", "acme"]).status.success());
    let generated = std::fs::read_to_string(tmp.path().join(".github/workflows/pudo.yml")).unwrap();

    // docs/ci.md shows exactly what `pudo init` writes.
    let docs = std::fs::read_to_string(repo_root().join("docs/ci.md")).unwrap();
    let block = docs
        .split("```yaml\n")
        .find(|block| block.starts_with("# .github/workflows/pudo.yml\n"))
        .and_then(|rest| rest.split("```").next())
        .expect("the workflow's yaml block in docs/ci.md");
    assert_eq!(
        block,
        format!("# .github/workflows/pudo.yml\n{generated}"),
        "docs/ci.md's workflow differs from `pudo init`'s"
    );

    let workflow: serde_yaml::Value = serde_yaml::from_str(&generated).unwrap();
    let uses = action_uses(&workflow);
    assert!(
        uses.len() >= 3,
        "plan, apply and drift use the action: {uses:?}"
    );
    for (reference, with) in uses {
        assert_eq!(
            reference,
            format!(
                "{}@v{}",
                pudo::scaffold::ACTION_REPOSITORY,
                env!("CARGO_PKG_VERSION")
            )
        );
        for key in with {
            assert!(inputs.contains(&key.as_str()), "unknown input `{key}`");
        }
    }
    assert!(
        !generated.contains("cargo install"),
        "jobs install pudo through the action"
    );
}

#[test]
fn the_release_workflow_builds_the_four_targets_on_tags() {
    let release = yaml(&repo_root().join(".github/workflows/release.yml"));
    assert_eq!(release["on"]["push"]["tags"][0].as_str(), Some("v*"));
    let targets: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|entry| entry["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "aarch64-apple-darwin",
            "x86_64-apple-darwin",
        ]
    );
    let publish = serde_yaml::to_string(&release["jobs"]["release"]).unwrap();
    assert!(publish.contains("gh release create"), "{publish}");
    assert_eq!(release["jobs"]["release"]["needs"].as_str(), Some("build"));
}
