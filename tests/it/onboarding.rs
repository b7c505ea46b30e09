//! Where a new user meets pudo: `pudo init` in an empty folder, shell
//! completions and manual pages, `--version`.

use crate::support::{pudo_in, repo_root, transcript};
use clap::{CommandFactory, ValueEnum};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

/// Every file under `dir` (relative path, `/`-separated) with its contents
/// and modification time.
fn snapshot_tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, SystemTime)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                let meta = std::fs::metadata(&path).unwrap();
                out.insert(
                    rel,
                    (std::fs::read(&path).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

pub fn init(dir: &Path, args: &[&str]) -> std::process::Output {
    pudo_in(dir).arg("init").args(args).output().unwrap()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn init_in_an_empty_folder_makes_a_project_that_validates_and_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let output = init(tmp.path(), &["acme-data"]);
    insta::assert_snapshot!(transcript(&output, tmp.path()), @r"
    exit: 0
    --- stdout
    --- stderr
      created environments/base.yaml
      created environments/dev.override.yaml
      created environments/staging.override.yaml
      created environments/prod.override.yaml
      created schema/pudo.schema.json
      created schema/pudo.override.schema.json
      created state/README.md
      created state/.gitignore
      created .env.example
      created .gitignore
      created .github/workflows/pudo.yml
    ok: created a pudo project in `acme-data`
      database  ACME_DATA
      DEV       <- dev, feature/*
      STAGING   <- staging, release/*
      PROD      <- main (protected)
    next:
      cd acme-data
      pudo validate                 check every environment, offline
      pudo plan -e shared           the shared objects (ACME_DATA, SHARED_DATA), applied first
      pudo plan -e DEV              what DEV would create
      cp .env.example .env          then fill in the Snowflake connection settings
    ");
    let project = tmp.path().join("acme-data");

    let validate = pudo_in(&project).arg("validate").output().unwrap();
    assert!(validate.status.success(), "{}", stderr(&validate));
    assert!(
        stderr(&validate).contains("configuration is valid: 4 stacks"),
        "{}",
        stderr(&validate)
    );
    // No warnings either (unread files, near-miss keys).
    assert!(
        !stderr(&validate).contains("warning"),
        "{}",
        stderr(&validate)
    );

    for env in ["DEV", "shared", "PROD"] {
        let plan = pudo_in(&project)
            .args(["plan", "-e", env])
            .output()
            .unwrap();
        assert!(plan.status.success(), "plan -e {env}: {}", stderr(&plan));
    }
    let plan = pudo_in(&project)
        .args(["plan", "-e", "DEV"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(
        stdout.contains("warehouse.ACME_DATA_DEV_WH will be created"),
        "{stdout}"
    );
    assert!(
        stdout.contains("auto_suspend = 60"),
        "DEV's override: {stdout}"
    );
}

#[test]
fn init_writes_every_promised_file_and_points_the_editor_at_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let output = init(
        tmp.path(),
        &["--database", "lake", "--environments", "dev,qa,live"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let files: Vec<String> = snapshot_tree(tmp.path()).into_keys().collect();
    assert_eq!(
        files,
        [
            ".env.example",
            ".github/workflows/pudo.yml",
            ".gitignore",
            "environments/base.yaml",
            "environments/dev.override.yaml",
            "environments/live.override.yaml",
            "environments/qa.override.yaml",
            "schema/pudo.override.schema.json",
            "schema/pudo.schema.json",
            "state/.gitignore",
            "state/README.md",
        ]
    );
    let base = std::fs::read_to_string(tmp.path().join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("  LIVE: { branches: [main], protected: true }"),
        "{base}"
    );
    assert!(base.contains("  QA:   { branches: [qa] }"), "{base}");
    assert!(base.contains("  LAKE:\n    shared: true"), "{base}");

    // Each configuration file names its schema (relative to the file) on
    // its first line, and the schema there is what `pudo schema` prints.
    for (name, flags) in [
        ("base", &[][..]),
        ("dev.override", &["--override"][..]),
        ("qa.override", &["--override"][..]),
        ("live.override", &["--override"][..]),
    ] {
        let dir = tmp.path().join("environments");
        let text = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).unwrap();
        let first = text.lines().next().unwrap();
        let location = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{name}: {first}"));
        let shipped = std::fs::read_to_string(dir.join(location)).unwrap();
        let printed = pudo_in(tmp.path())
            .arg("schema")
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(
            shipped,
            String::from_utf8(printed.stdout).unwrap(),
            "{name}"
        );
    }

    let validate = pudo_in(tmp.path()).arg("validate").output().unwrap();
    assert!(validate.status.success(), "{}", stderr(&validate));
}

#[test]
fn the_commented_examples_in_overrides_are_valid_when_uncommented() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(init(tmp.path(), &["--database", "acme"]).status.success());
    for env in ["dev", "staging", "prod"] {
        let path = tmp.path().join(format!("environments/{env}.override.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, examples) = text
            .split_once("# More examples; uncomment to use:\n")
            .expect("the examples block");
        let uncommented: String = examples
            .lines()
            .map(|l| l.strip_prefix("# ").or(l.strip_prefix('#')).unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(uncommented.contains("warehouses:"), "{uncommented}");
        std::fs::write(&path, format!("{head}{uncommented}")).unwrap();
    }
    let validate = pudo_in(tmp.path()).arg("validate").output().unwrap();
    assert!(validate.status.success(), "{}", stderr(&validate));
    assert!(
        !stderr(&validate).contains("warning"),
        "{}",
        stderr(&validate)
    );

    // The examples do what their comments say.
    let render = pudo_in(tmp.path())
        .args(["config", "render", "environments", "-e", "PROD"])
        .output()
        .unwrap();
    let merged = String::from_utf8_lossy(&render.stdout);
    assert!(render.status.success(), "{}", stderr(&render));
    assert!(merged.contains("SCRATCH_PROD"), "{merged}");
    assert!(merged.contains("MEDIUM"), "{merged}");
    assert!(!merged.contains("warehouse ACME_PROD_WH"), "{merged}");
}

#[test]
fn init_twice_refuses_lists_every_file_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(init(tmp.path(), &["--database", "acme"]).status.success());
    // A user's edit must survive the refused second run.
    let base = tmp.path().join("environments/base.yaml");
    let edited = format!("{}\n# my note\n", std::fs::read_to_string(&base).unwrap());
    std::fs::write(&base, &edited).unwrap();
    let before = snapshot_tree(tmp.path());

    let output = init(tmp.path(), &["--database", "acme"]);
    insta::assert_snapshot!(transcript(&output, tmp.path()), @r"
    exit: 1
    --- stdout
    --- stderr
    error: `pudo init` would overwrite 10 existing files in `.`:
      environments/base.yaml
      environments/dev.override.yaml
      environments/staging.override.yaml
      environments/prod.override.yaml
      schema/pudo.schema.json
      schema/pudo.override.schema.json
      state/README.md
      state/.gitignore
      .env.example
      .github/workflows/pudo.yml
      hint: nothing was written; pass `--force` to overwrite them, or choose another folder
    ");
    assert_eq!(
        snapshot_tree(tmp.path()),
        before,
        "a refused init changed files"
    );

    let forced = init(tmp.path(), &["--database", "acme", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stderr(&forced).contains("overwrote environments/base.yaml"),
        "{}",
        stderr(&forced)
    );
    // .gitignore already had pudo's lines: kept as it was.
    assert!(
        stderr(&forced).contains("kept .gitignore"),
        "{}",
        stderr(&forced)
    );
    let after = snapshot_tree(tmp.path());
    assert_ne!(std::fs::read_to_string(&base).unwrap(), edited);
    assert_eq!(after[".gitignore"].0, before[".gitignore"].0);
    assert_eq!(after.len(), before.len());
}

#[test]
fn a_single_existing_file_is_named_and_nothing_else_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".env.example"), "MINE=1\n").unwrap();
    let before = snapshot_tree(tmp.path());
    let output = init(tmp.path(), &["--database", "acme"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("would overwrite 1 existing file in `.`:\n  .env.example\n"),
        "{text}"
    );
    assert_eq!(snapshot_tree(tmp.path()), before);
}

#[cfg(unix)]
#[test]
fn force_replaces_a_symlink_and_leaves_its_target_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("hub.env.example");
    std::fs::write(&shared, "SHARED=1\n").unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::os::unix::fs::symlink(&shared, project.join(".env.example")).unwrap();

    let refused = init(&project, &["--database", "acme"]);
    assert_eq!(refused.status.code(), Some(1), "a symlink counts as a file");
    let forced = init(&project, &["--database", "acme", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read_to_string(&shared).unwrap(), "SHARED=1\n");
    let written = project.join(".env.example");
    assert!(!written.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(written)
            .unwrap()
            .contains("SNOWFLAKE_ACCOUNT=")
    );
}

#[test]
fn init_rejects_bad_names_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (
            &["--database", "my db"][..],
            "error: `my db` is not a plain Snowflake name for `--database`",
        ),
        (
            &["--database", "acme", "--environments", "DEV,pr-od"][..],
            "error: `pr-od` is not a valid environment name",
        ),
        (
            &["--database", "acme", "--environments", "dev,DEV"][..],
            "error: environment `DEV` is listed twice",
        ),
        (
            &["--database", "acme", "--environments", "shared"][..],
            "error: `SHARED` cannot be an environment",
        ),
        (
            &["2024"][..],
            "error: cannot name the database after the folder `2024`\n  hint: pass `--database NAME`",
        ),
    ] {
        let output = init(tmp.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(
        snapshot_tree(tmp.path()).is_empty(),
        "nothing may be written"
    );
}

#[test]
fn the_gitignore_keeps_secrets_out_and_the_example_in() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "target/\n").unwrap();
    assert!(init(tmp.path(), &["--database", "acme"]).status.success());
    let gitignore = std::fs::read_to_string(tmp.path().join(".gitignore")).unwrap();
    assert!(
        gitignore.starts_with("target/\n"),
        "existing lines stay: {gitignore}"
    );

    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("git runs")
    };
    assert!(git(&["init", "-q"]).status.success());
    for secret in [
        ".env",
        ".env.prod",
        "state/dev.lock",
        "state/dev.json.backup",
    ] {
        assert!(
            git(&["check-ignore", "-q", secret]).status.success(),
            "`{secret}` must be ignored"
        );
    }
    for committed in [".env.example", "state/dev.json", "environments/base.yaml"] {
        assert_eq!(
            git(&["check-ignore", "-q", committed]).status.code(),
            Some(1),
            "`{committed}` must not be ignored"
        );
    }
}

/// Every subcommand name, nested ones too, from the clap definitions.
fn subcommand_names() -> Vec<String> {
    fn walk(command: &clap::Command, out: &mut Vec<String>) {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            out.push(sub.get_name().to_string());
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&pudo::cli::Cli::command(), &mut out);
    out
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    let names = subcommand_names();
    for expected in ["init", "plan", "render", "completions", "man"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    let tmp = tempfile::tempdir().unwrap();
    for shell in clap_complete::Shell::value_variants() {
        let shell = shell.to_possible_value().unwrap();
        let output = pudo_in(tmp.path())
            .args(["completions", shell.get_name()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            shell.get_name(),
            stderr(&output)
        );
        let script = String::from_utf8(output.stdout).unwrap();
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "{} completions lack `{name}`",
                shell.get_name()
            );
        }
        // Options of a subcommand are there too.
        assert!(script.contains("detailed-exitcode"), "{}", shell.get_name());
    }
    let bad = pudo_in(tmp.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("possible values: bash"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_man_page_names_every_command_and_dir_writes_one_page_each() {
    let tmp = tempfile::tempdir().unwrap();
    let output = pudo_in(tmp.path()).arg("man").output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH pudo 1"),
        "{page}"
    );
    let top: Vec<String> = pudo::cli::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in &top {
        assert!(
            page.contains(&format!("pudo\\-{name}")),
            "pudo(1) lacks `{name}`"
        );
    }

    let dir = tmp.path().join("man1");
    let output = pudo_in(tmp.path())
        .args(["man", "--dir", "man1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    fn pages(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in command.get_subcommands() {
            let name = format!("{prefix}-{}", sub.get_name());
            out.push(format!("{name}.1"));
            pages(sub, &name, out);
        }
    }
    let mut expected = vec!["pudo.1".to_string()];
    pages(&pudo::cli::Cli::command(), "pudo", &mut expected);
    for page in &expected {
        let path = dir.join(page);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{page} missing"));
        assert!(text.contains(".TH"), "{page}");
    }
    let plan = std::fs::read_to_string(dir.join("pudo-plan.1")).unwrap();
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
}

#[test]
fn version_names_the_release_and_the_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let output = pudo_in(tmp.path()).arg("--version").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let commit = text
        .trim_end()
        .strip_prefix(&format!("pudo {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {text}"));
    let hex = (7..=40).contains(&commit.len()) && commit.chars().all(|c| c.is_ascii_hexdigit());
    assert!(hex || commit == "unknown", "commit `{commit}`");

    // Built from this checkout (and not told otherwise): HEAD's commit.
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output();
    let head = head.ok().filter(|h| h.status.success());
    if let Some(head) = head.filter(|_| std::env::var_os("PUDO_GIT_COMMIT").is_none()) {
        assert_eq!(commit, String::from_utf8_lossy(&head.stdout).trim());
    }
}
