//! Where a new user meets pudo: shell completions and manual pages,
//! `--version`.

use crate::support::{pudo_in, repo_root};
use clap::{CommandFactory, ValueEnum};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
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
    for expected in ["plan", "render", "completions", "man"] {
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
