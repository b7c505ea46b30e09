//! Shared helpers: a temporary copy of a project, running pudo in it, and
//! insta filters for paths and times.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (holds the shipped example).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a directory tree (files and symlinks) into `dest`.
pub fn copy_tree(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let to = dest.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &to);
        } else if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, &to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A temporary project: a copy of the shipped example's `environments/`
/// (and `config/`), outside any git repository.
pub struct TempProject {
    pub dir: tempfile::TempDir,
}

impl TempProject {
    pub fn example() -> TempProject {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(
            &repo_root().join("environments"),
            &dir.path().join("environments"),
        );
        if repo_root().join("config").exists() {
            copy_tree(&repo_root().join("config"), &dir.path().join("config"));
        }
        TempProject { dir }
    }

    /// A project made of the files of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> TempProject {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&repo_root().join("tests/fixtures").join(name), dir.path());
        TempProject { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `pudo ARGS` run in the project, with no color and a clean environment
    /// (no Snowflake or CI variables leak in from the machine).
    pub fn pudo(&self) -> assert_cmd::Command {
        pudo_in(self.dir.path())
    }
}

pub fn pudo_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("pudo").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    for (name, _) in std::env::vars() {
        if name.starts_with("SNOWFLAKE_")
            || name.starts_with("PUDO_")
            || name.starts_with("GITHUB_")
            || name == "CI_COMMIT_REF_NAME"
        {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// stdout, stderr and exit code of a finished command, as one text for
/// snapshots, with the temporary directory replaced by `[PROJECT]`.
pub fn transcript(output: &std::process::Output, project: &Path) -> String {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let canonical = std::fs::canonicalize(project).unwrap_or_else(|_| project.to_path_buf());
    text.replace(&canonical.display().to_string(), "[PROJECT]")
        .replace(&project.display().to_string(), "[PROJECT]")
}

/// stdout, stderr and exit code of a finished command, for assertion
/// messages.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The JSON a command printed on stdout.
#[track_caller]
pub fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(out)))
}

/// The output, after asserting that the command succeeded.
#[track_caller]
pub fn ok(out: std::process::Output) -> std::process::Output {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    out
}

/// `git ARGS` in `dir` (with an identity for commits); panics on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// `pudo ARGS` in `project`, pointed at `emu`.
pub fn run_against(
    emu: &crate::emulator::Emulator,
    project: &TempProject,
    args: &[&str],
) -> std::process::Output {
    pudo_in(project.path())
        .args(args)
        .envs(emu.env())
        .output()
        .unwrap()
}

/// `pudo ARGS` in `project` against `emu` as a team runs the shipped
/// example: the shared stack (`-e shared`) as the account administrator,
/// everything else as the example's CI user `PUDO_CI` (no ACCOUNTADMIN).
pub fn run_as_team(
    emu: &crate::emulator::Emulator,
    project: &TempProject,
    args: &[&str],
) -> std::process::Output {
    let creds = if args.contains(&"shared") {
        emu.env()
    } else {
        emu.ci_env()
    };
    pudo_in(project.path())
        .args(args)
        .envs(creds)
        .output()
        .unwrap()
}

/// A git repository on `main` with one commit (the shared stack applies
/// from a protected environment's branch).
pub fn on_main(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", "init"]);
}
