//! The Snowflake state backend end to end: two checkouts of one project
//! sharing state in the emulator, the lock between them, crash recovery,
//! and `pudo state migrate` both ways.

use crate::emulator::Emulator;
use crate::support::TempProject;
use std::process::Output;
use std::time::Duration;

const STATE_SECTION: &str =
    "state:\n  backend: snowflake\n  database: PUDO_ADMIN\n  schema: STATE\n";

fn checkout(emu: &Emulator, backend_snowflake: bool) -> TempProject {
    let _ = emu;
    let project = TempProject::example();
    let base = project.path().join("environments/base.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    let section = if backend_snowflake {
        STATE_SECTION.to_string()
    } else {
        STATE_SECTION.replace("snowflake\n", "local\n")
    };
    std::fs::write(&base, format!("{section}{text}")).unwrap();
    let status = std::process::Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(project.path())
        .status()
        .unwrap();
    assert!(status.success());
    project
}

fn set_backend(project: &TempProject, backend: &str) {
    let base = project.path().join("environments/base.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    let text = text
        .replacen("backend: snowflake\n", &format!("backend: {backend}\n"), 1)
        .replacen("backend: local\n", &format!("backend: {backend}\n"), 1);
    std::fs::write(&base, text).unwrap();
}

fn command(emu: &Emulator, project: &TempProject, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pudo"));
    cmd.current_dir(project.path())
        .args(args)
        .env("NO_COLOR", "1");
    for (k, v) in emu.env() {
        cmd.env(k, v);
    }
    cmd
}

fn run(emu: &Emulator, project: &TempProject, args: &[&str]) -> Output {
    command(emu, project, args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
fn ok(out: Output) -> Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

#[track_caller]
fn assert_plan_empty(emu: &Emulator, project: &TempProject, env: &str) {
    let out = run(emu, project, &["plan", "-e", env, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "plan not empty: {}", text(&out));
    assert!(text(&out).contains("No changes"), "{}", text(&out));
}

fn apply(emu: &Emulator, project: &TempProject, env: &str) -> Output {
    run(emu, project, &["apply", "-e", env, "--auto-approve"])
}

#[test]
fn two_checkouts_share_state_and_the_lock_in_snowflake() {
    let Some(emu) = Emulator::start(&["--latency-ms", "200"]) else {
        return;
    };
    let a = checkout(&emu, true);
    let b = checkout(&emu, true);
    let dry = ok(run(&emu, &a, &["state", "init", "--dry-run"]));
    assert!(
        String::from_utf8_lossy(&dry.stdout)
            .contains("CREATE TABLE IF NOT EXISTS PUDO_ADMIN.STATE.STACKS")
    );
    ok(run(&emu, &a, &["state", "init"]));
    ok(run(&emu, &b, &["state", "init"])); // idempotent
    ok(apply(&emu, &a, "shared"));
    assert_plan_empty(&emu, &b, "shared");
    let env = String::from_utf8_lossy(&ok(run(&emu, &b, &["env", "-e", "dev"])).stdout).to_string();
    assert!(
        env.contains("snowflake (PUDO_ADMIN.STATE, stack dev)"),
        "{env}"
    );

    // Applies started together from A and B: one runs, one is refused (at
    // 200 ms a statement the apply takes seconds, so the second starts while
    // the first holds the lock even on a loaded machine).
    let spawn = |p: &TempProject| {
        command(
            &emu,
            p,
            &["apply", "-e", "dev", "--auto-approve", "--parallelism", "1"],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (first, second) = (spawn(&a), spawn(&b));
    let outs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let won: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
    let lost: Vec<&Output> = outs.iter().filter(|o| !o.status.success()).collect();
    assert_eq!(
        (won.len(), lost.len()),
        (1, 1),
        "{}\n{}",
        text(&outs[0]),
        text(&outs[1])
    );
    let refusal = text(lost[0]);
    assert!(
        refusal.contains("the state of stack `dev` is locked by `pudo apply` (pid"),
        "{refusal}"
    );
    assert!(refusal.contains("on host"), "{refusal}");
    assert_plan_empty(&emu, &a, "dev");
    assert_plan_empty(&emu, &b, "dev");
    for p in [&a, &b] {
        assert!(
            !p.path().join("state").exists(),
            "nothing is written under state/"
        );
    }
    // History: the first serial (the write-ahead marks) is still readable.
    let listed = ok(run(&emu, &a, &["state", "list", "-e", "shared"]));
    let first_address = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    // Which early serial first held it depends on how the saves were
    // coalesced (at most one every 200 ms): the first serial after the
    // write-ahead marks (1) that shows it.
    let shown = (2..=6)
        .map(|serial| {
            let serial = serial.to_string();
            let out = run(
                &emu,
                &a,
                &[
                    "state",
                    "show",
                    &first_address,
                    "-e",
                    "shared",
                    "--serial",
                    &serial,
                ],
            );
            (serial, out)
        })
        .find(|(_, out)| out.status.success())
        .unwrap_or_else(|| panic!("`{first_address}` is in no early serial"));
    assert!(
        String::from_utf8_lossy(&shown.1.stdout).contains(&format!("state serial {}", shown.0)),
        "{}",
        text(&shown.1)
    );
}

#[test]
fn a_killed_apply_resumes_cleanly_with_state_in_snowflake() {
    let mut caught_mid_run = 0;
    for delay_ms in [300u64, 450, 600, 800] {
        let Some(emu) = Emulator::start(&["--latency-ms", "40"]) else {
            return;
        };
        let project = checkout(&emu, true);
        ok(run(&emu, &project, &["state", "init"]));
        ok(apply(&emu, &project, "shared"));
        let mut child = command(
            &emu,
            &project,
            &["apply", "-e", "dev", "--auto-approve", "--parallelism", "2"],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let rows = emu
            .sql("SELECT PENDING, LOCK_ID FROM PUDO_ADMIN.STATE.STACKS WHERE STACK = 'dev'")
            .unwrap();
        if rows.first().and_then(|r| r["PENDING"].clone()).is_some() {
            caught_mid_run += 1;
        }
        let out = apply(&emu, &project, "dev");
        assert_eq!(
            out.status.code(),
            Some(0),
            "after a kill at {delay_ms} ms: {}",
            text(&out)
        );
        assert_plan_empty(&emu, &project, "dev");
        let rows = emu
            .sql("SELECT PENDING, LOCK_ID FROM PUDO_ADMIN.STATE.STACKS WHERE STACK = 'dev'")
            .unwrap();
        assert_eq!(rows[0]["PENDING"], None);
        assert_eq!(rows[0]["LOCK_ID"], None);
    }
    assert!(caught_mid_run >= 1, "no kill landed mid-apply");
}

#[test]
fn migrate_local_to_snowflake_and_back_is_byte_identical_and_refuses_conflicts() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = checkout(&emu, false);
    ok(apply(&emu, &project, "shared"));
    ok(apply(&emu, &project, "dev"));
    let read =
        |stack: &str| std::fs::read(project.path().join(format!("state/{stack}.json"))).unwrap();
    // A skipped promotion gate travels with the state (as `pudo apply
    // --skip-gate` records it; quotes and commas go through binds).
    let dev_file = project.path().join("state/dev.json");
    let with_skip = String::from_utf8(read("dev")).unwrap().replacen(
        "  \"stack\": \"dev\",\n",
        "  \"stack\": \"dev\",\n  \"gate_skips\": [\n    {\n      \"from\": \"STAGING\",\n      \"reason\": \"INC-7: \\\"hotfix\\\", approved\",\n      \"user\": \"ci\",\n      \"host\": \"runner-1\",\n      \"time\": \"2026-11-30T12:00:00Z\",\n      \"serial\": 2\n    }\n  ],\n",
        1,
    );
    assert!(with_skip.contains("gate_skips"), "{with_skip}");
    std::fs::write(&dev_file, with_skip).unwrap();
    let (shared, dev) = (read("shared"), read("dev"));

    ok(run(&emu, &project, &["state", "init"]));
    let out = ok(run(
        &emu,
        &project,
        &["state", "migrate", "--to", "snowflake"],
    ));
    assert!(
        text(&out).contains("git rm state/shared.json state/dev.json"),
        "{}",
        text(&out)
    );
    assert_eq!(read("dev"), dev, "the source is left untouched");
    // Back to files, from scratch.
    std::fs::rename(
        project.path().join("state"),
        project.path().join("state.before"),
    )
    .unwrap();
    set_backend(&project, "snowflake");
    assert_plan_empty(&emu, &project, "dev");
    let listed = ok(run(&emu, &project, &["state", "list", "-e", "dev"]));
    assert!(
        text(&listed).contains(r#"skipped at 2026-11-30T12:00:00Z by `ci` on host `runner-1` (serial 2): INC-7: "hotfix", approved"#),
        "{}",
        text(&listed)
    );
    ok(run(&emu, &project, &["state", "migrate", "--to", "local"]));
    assert_eq!(read("shared"), shared);
    assert_eq!(
        String::from_utf8(read("dev")).unwrap(),
        String::from_utf8(dev.clone()).unwrap()
    );
    set_backend(&project, "local");
    assert_plan_empty(&emu, &project, "dev");

    // A newer serial, then another lineage, in the target: refused.
    emu.sql("UPDATE PUDO_ADMIN.STATE.STACKS SET SERIAL = SERIAL + 5, NEXT_SERIAL = NEXT_SERIAL + 5 WHERE STACK = 'dev'")
        .unwrap();
    let out = run(&emu, &project, &["state", "migrate", "--to", "snowflake"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("holds a newer serial of stack `dev`"),
        "{}",
        text(&out)
    );
    emu.sql("UPDATE PUDO_ADMIN.STATE.STACKS SET LINEAGE = 'another' WHERE STACK = 'dev'")
        .unwrap();
    let out = run(&emu, &project, &["state", "migrate", "--to", "snowflake"]);
    assert!(
        text(&out).contains("holds another history of stack `dev`"),
        "{}",
        text(&out)
    );
    assert_eq!(read("dev"), dev);
}
