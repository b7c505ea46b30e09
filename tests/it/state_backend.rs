//! The Snowflake state backend end to end: two checkouts of one project
//! sharing state in the emulator, the lock between them, crash recovery,
//! and `pudo state migrate` both ways.

use crate::emulator::Emulator;
use crate::support::{TempProject, text};
use std::process::Output;
use std::time::Duration;

/// The state tables are SYSADMIN's: the CI user's role, and one the
/// administrator's ACCOUNTADMIN holds.
const STATE_SECTION: &str =
    "state:\n  backend: snowflake\n  database: PUDO_ADMIN\n  schema: STATE\n  role: SYSADMIN\n";

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

/// A checkout with state in Snowflake, set up as a team does: the
/// administrator's `state init` and shared stack.
fn set_up(emu: &Emulator) -> TempProject {
    let project = checkout(emu, true);
    ok(run(emu, &project, &["state", "init"]));
    ok(apply(emu, &project, "shared"));
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
    // As a team runs the example: the administrator sets up (`state init`,
    // with `state.role`) and applies the shared stack, which creates the
    // CI user; the rest runs as the CI user (no ACCOUNTADMIN).
    let creds = if args.contains(&"shared") || args.starts_with(&["state", "init"]) {
        emu.env()
    } else {
        emu.ci_env()
    };
    cmd.envs(creds);
    cmd
}

fn run(emu: &Emulator, project: &TempProject, args: &[&str]) -> Output {
    command(emu, project, args).output().unwrap()
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
        let project = set_up(&emu);
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

/// The header row of `stack`, as text.
fn header(emu: &Emulator, stack: &str) -> std::collections::BTreeMap<String, Option<String>> {
    let rows = emu
        .sql(&format!(
            "SELECT SERIAL, NEXT_SERIAL, OLDEST_SERIAL, PENDING, LOCK_ID, LOCK_HOST FROM PUDO_ADMIN.STATE.STACKS WHERE STACK = '{stack}'"
        ))
        .unwrap();
    assert_eq!(rows.len(), 1, "one header row for {stack}: {rows:?}");
    rows.into_iter().next().unwrap()
}

fn number(row: &std::collections::BTreeMap<String, Option<String>>, column: &str) -> u64 {
    row[column].as_deref().unwrap().parse().unwrap()
}

/// A one-line count query.
fn count(emu: &Emulator, sql: &str) -> u64 {
    let rows = emu.sql(sql).unwrap();
    rows[0]["N"].as_deref().unwrap().parse().unwrap()
}

/// Sets DEV's `auto_suspend` (one warehouse to update).
fn set_auto_suspend(project: &TempProject, seconds: u32) {
    let path = project.path().join("environments/dev.override.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find("auto_suspend: ")
        .expect("auto_suspend in the DEV override");
    let end = at + text[at..].find(char::is_whitespace).unwrap() + 1;
    let end = end + text[end..].find(|c: char| !c.is_ascii_digit()).unwrap();
    std::fs::write(
        &path,
        format!("{}auto_suspend: {seconds}{}", &text[..at], &text[end..]),
    )
    .unwrap();
}

fn show_at(emu: &Emulator, project: &TempProject, address: &str, serial: u64) -> Output {
    run(
        emu,
        project,
        &[
            "state",
            "show",
            address,
            "-e",
            "dev",
            "--serial",
            &serial.to_string(),
        ],
    )
}

#[test]
fn history_keeps_the_last_n_serials_and_says_which_are_gone() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = checkout(&emu, true);
    let base = project.path().join("environments/base.yaml");
    let config = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        config.replacen("  schema: STATE\n", "  schema: STATE\n  history: 2\n", 1),
    )
    .unwrap();
    ok(run(&emu, &project, &["state", "init"]));
    ok(apply(&emu, &project, "shared"));
    ok(apply(&emu, &project, "dev"));
    let first = number(&header(&emu, "dev"), "SERIAL");
    let address = "warehouse.PUDO_DEV_WH";
    let shown = ok(show_at(&emu, &project, address, first));
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("auto_suspend = 60"),
        "{}",
        text(&shown)
    );
    // Two updates of the same warehouse: three versions of its row, of
    // which history: 2 keeps what the last two serials need.
    for seconds in [61, 62] {
        set_auto_suspend(&project, seconds);
        ok(apply(&emu, &project, "dev"));
        let h = header(&emu, "dev");
        let (serial, oldest) = (number(&h, "SERIAL"), number(&h, "OLDEST_SERIAL"));
        assert_eq!(oldest, serial - 1, "the last two serials are kept: {h:?}");
        assert_eq!(number(&h, "NEXT_SERIAL"), serial, "{h:?}");
    }
    let h = header(&emu, "dev");
    let (serial, oldest) = (number(&h, "SERIAL"), number(&h, "OLDEST_SERIAL"));
    assert!(first < oldest, "{first} is pruned: {h:?}");

    // Pruned: a clear error naming what is kept.
    let out = show_at(&emu, &project, address, first);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "serial {first} of stack `dev` is no longer kept in Snowflake PUDO_ADMIN.STATE (stack dev), which keeps serials {oldest} to {serial}"
        )),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("state.history"), "{}", text(&out));
    // Not written yet.
    let out = show_at(&emu, &project, address, serial + 5);
    assert!(
        text(&out).contains(&format!(
            "serial {} of stack `dev` does not exist yet: Snowflake PUDO_ADMIN.STATE (stack dev) is at serial {serial}",
            serial + 5
        )),
        "{}",
        text(&out)
    );
    // Kept: both serials read, the newest with the last value.
    let newest = ok(show_at(&emu, &project, address, serial));
    assert!(
        String::from_utf8_lossy(&newest.stdout).contains("auto_suspend = 62"),
        "{}",
        text(&newest)
    );
    let before = ok(show_at(&emu, &project, address, oldest));
    let before = String::from_utf8_lossy(&before.stdout).to_string();
    assert!(
        before.contains("auto_suspend = 61") || before.contains("auto_suspend = 62"),
        "{before}"
    );
    // The rows only pruned serials needed are deleted, not just hidden:
    // of the warehouse's three versions, the first is gone.
    assert_eq!(
        count(
            &emu,
            &format!(
                "SELECT COUNT(*) AS N FROM PUDO_ADMIN.STATE.RESOURCES WHERE STACK = 'dev' AND TO_SERIAL <= {oldest}"
            )
        ),
        0
    );
    let versions = count(
        &emu,
        &format!(
            "SELECT COUNT(*) AS N FROM PUDO_ADMIN.STATE.RESOURCES WHERE STACK = 'dev' AND ADDRESS = '{address}'"
        ),
    );
    assert!((1..=2).contains(&versions), "{versions} versions kept");
    assert_eq!(
        count(
            &emu,
            &format!(
                "SELECT COUNT(*) AS N FROM PUDO_ADMIN.STATE.RESOURCES WHERE STACK = 'dev' AND ADDRESS = '{address}' AND FROM_SERIAL <= {first}"
            )
        ),
        0,
        "the version of serial {first} is deleted"
    );
    assert_plan_empty(&emu, &project, "dev");
}

#[test]
fn unlock_force_releases_a_lock_held_from_another_host_and_the_next_apply_sweeps() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = set_up(&emu);
    ok(apply(&emu, &project, "dev"));
    let serial = number(&header(&emu, "dev"), "SERIAL");
    // A run on another machine holds the lock and was cut short in the
    // middle of a save: its next serial claimed, one row written for it.
    emu.sql(&format!(
        "UPDATE PUDO_ADMIN.STATE.STACKS SET LOCK_ID = 'elsewhere', LOCK_PID = 4242, LOCK_HOST = 'ci-runner-7', LOCK_USER = 'deploy', LOCK_COMMAND = 'pudo apply', LOCK_TIME = '2025-01-31T12:00:00Z', NEXT_SERIAL = {} WHERE STACK = 'dev'",
        serial + 1
    ))
    .unwrap();
    emu.sql(&format!(
        "INSERT INTO PUDO_ADMIN.STATE.RESOURCES (STACK, ADDRESS, ID, ATTRS, FROM_SERIAL) VALUES ('dev', 'role.HALF_WRITTEN', '{{\"kind\":\"role\",\"name\":\"HALF_WRITTEN\"}}', '{{}}', {})",
        serial + 1
    ))
    .unwrap();
    let holder =
        "`pudo apply` (pid 4242 on host `ci-runner-7`, user `deploy`, since 2025-01-31T12:00:00Z)";

    // Not taken over (another host), nor removed without --force.
    set_auto_suspend(&project, 61);
    let out = apply(&emu, &project, "dev");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("the state of stack `dev` is locked by {holder}")),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("pudo state unlock -e dev"),
        "{}",
        text(&out)
    );
    let out = run(&emu, &project, &["state", "unlock", "-e", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "is locked by {holder}; removing a lock needs confirmation"
        )),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("`--force`"), "{}", text(&out));
    assert_eq!(
        header(&emu, "dev")["LOCK_HOST"].as_deref(),
        Some("ci-runner-7")
    );

    let out = ok(run(
        &emu,
        &project,
        &["state", "unlock", "-e", "dev", "--force"],
    ));
    assert!(
        text(&out).contains(&format!(
            "Removed the lock of stack `dev` (was held by {holder})"
        )),
        "{}",
        text(&out)
    );
    assert_eq!(header(&emu, "dev")["LOCK_ID"], None);
    let out = ok(run(&emu, &project, &["state", "unlock", "-e", "dev"]));
    assert!(text(&out).contains("is not locked"), "{}", text(&out));

    // The next apply sweeps the half-written save, then applies.
    ok(apply(&emu, &project, "dev"));
    assert_eq!(
        count(
            &emu,
            "SELECT COUNT(*) AS N FROM PUDO_ADMIN.STATE.RESOURCES WHERE ADDRESS = 'role.HALF_WRITTEN'"
        ),
        0
    );
    let h = header(&emu, "dev");
    assert!(
        number(&h, "SERIAL") > serial && h["LOCK_ID"].is_none(),
        "{h:?}"
    );
    assert_plan_empty(&emu, &project, "dev");
    let listed = ok(run(&emu, &project, &["state", "list", "-e", "dev"]));
    assert!(!String::from_utf8_lossy(&listed.stdout).contains("HALF_WRITTEN"));
}

fn set_faults(emu: &Emulator, faults: &[&str]) {
    emu.control(
        "POST",
        "/emulator/faults",
        Some(&format!("[{}]", faults.join(","))),
    );
}

#[test]
fn state_statements_are_retried_after_lost_connections_without_doubling_rows() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = set_up(&emu);
    // Each state statement of the dev apply meets one outage: the lock's
    // MERGE and a save's INSERT and commit run but their answers are lost,
    // the read is answered 503, the INSERT sent again is dropped before it
    // runs, a commit is refused with 429.
    set_faults(
        &emu,
        &[
            r#"{"match": "MERGE INTO PUDO_ADMIN.STATE.STACKS", "action": "drop", "after_execute": true, "count": 1}"#,
            r#"{"match": "UNION ALL", "action": "503", "count": 1}"#,
            r#"{"match": "INSERT INTO PUDO_ADMIN.STATE.RESOURCES", "action": "drop", "after_execute": true, "count": 1}"#,
            r#"{"match": "INSERT INTO PUDO_ADMIN.STATE.RESOURCES", "action": "drop", "count": 1}"#,
            r#"{"match": "SET SERIAL = ?", "action": "drop", "after_execute": true, "count": 1}"#,
            r#"{"match": "SET SERIAL = ?", "action": "429", "count": 1}"#,
        ],
    );
    ok(apply(&emu, &project, "dev"));
    let left = emu.control("GET", "/emulator/faults", None);
    assert!(left.contains(r#""faults":[]"#), "every fault fired: {left}");
    // No resource is recorded twice, nothing is left marked or locked.
    assert_eq!(
        count(
            &emu,
            "SELECT COUNT(*) AS N FROM (SELECT ADDRESS FROM PUDO_ADMIN.STATE.RESOURCES WHERE STACK = 'dev' AND TO_SERIAL IS NULL GROUP BY ADDRESS HAVING COUNT(*) > 1)"
        ),
        0
    );
    let h = header(&emu, "dev");
    assert_eq!(
        (h["PENDING"].clone(), h["LOCK_ID"].clone()),
        (None, None),
        "{h:?}"
    );
    assert_eq!(number(&h, "NEXT_SERIAL"), number(&h, "SERIAL"));
    let listed = ok(run(&emu, &project, &["state", "list", "-e", "dev"]));
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count() as u64,
        count(
            &emu,
            "SELECT COUNT(*) AS N FROM PUDO_ADMIN.STATE.RESOURCES WHERE STACK = 'dev' AND TO_SERIAL IS NULL"
        )
    );
    assert_plan_empty(&emu, &project, "dev");
}

#[test]
fn a_save_that_keeps_failing_stops_the_apply_saying_what_is_recorded() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    let project = set_up(&emu);
    // From the first save that records a change on, every INSERT of state
    // rows loses its connection (the marks before the first statement are
    // a header update and get through).
    set_faults(
        &emu,
        &[r#"{"match": "INSERT INTO PUDO_ADMIN.STATE.RESOURCES", "action": "drop"}"#],
    );
    let out = apply(&emu, &project, "dev");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    for part in [
        "error: the state of stack `dev` could not be saved: state in Snowflake (PUDO_ADMIN.STATE): cannot reach Snowflake",
        "(sent 7 times, then gave up)",
        "recorded: serial 1, with 0 of the ",
        "every other change this run started is marked pending there",
        "run `pudo apply -e dev` again",
    ] {
        assert!(said.contains(part), "`{part}` missing from:\n{said}");
    }
    let h = header(&emu, "dev");
    assert_eq!(number(&h, "SERIAL"), 1, "{h:?}");
    assert!(h["PENDING"].is_some(), "the marks stay: {h:?}");
    assert_eq!(h["LOCK_ID"], None, "the lock was released: {h:?}");

    // Snowflake is back: the next apply resumes and records everything.
    emu.control("DELETE", "/emulator/faults", None);
    ok(apply(&emu, &project, "dev"));
    let h = header(&emu, "dev");
    assert_eq!(
        (h["PENDING"].clone(), h["LOCK_ID"].clone()),
        (None, None),
        "{h:?}"
    );
    assert_plan_empty(&emu, &project, "dev");
}

#[test]
fn state_tables_the_ci_role_cannot_reach_stop_apply_before_any_statement() {
    let Some(emu) = Emulator::start(&[]) else {
        return;
    };
    // No `state.role`: the administrator's `state init` makes the tables
    // ACCOUNTADMIN's, which the CI user (SYSADMIN) cannot see.
    let project = checkout(&emu, true);
    let base = project.path().join("environments/base.yaml");
    let config = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, config.replacen("  role: SYSADMIN\n", "", 1)).unwrap();
    ok(run(&emu, &project, &["state", "init"]));
    ok(apply(&emu, &project, "shared"));
    let out = apply(&emu, &project, "dev");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("state in Snowflake (PUDO_ADMIN.STATE)")
            && text(&out).contains("set `state.role` to the role that owns them"),
        "{}",
        text(&out)
    );
    let warehouses = emu.sql("SHOW WAREHOUSES LIKE 'PUDO_DEV_WH'").unwrap();
    assert!(warehouses.is_empty(), "nothing applied: {warehouses:?}");
    // The grants docs/state.md gives for a role that does not own them.
    for grant in [
        "GRANT USAGE ON DATABASE PUDO_ADMIN TO ROLE SYSADMIN",
        "GRANT USAGE ON SCHEMA PUDO_ADMIN.STATE TO ROLE SYSADMIN",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA PUDO_ADMIN.STATE TO ROLE SYSADMIN",
    ] {
        emu.sql(grant).unwrap_or_else(|e| panic!("{grant}: {e}"));
    }
    ok(apply(&emu, &project, "dev"));
    assert_plan_empty(&emu, &project, "dev");
}
