//! Records the git commit pudo is built from, for `pudo --version`.
//!
//! Sets `PUDO_GIT_COMMIT` for the crate: `PUDO_GIT_COMMIT` from the build's
//! environment when given (a packager building from a tarball knows the
//! commit), else `git rev-parse` of the checkout this crate is the root of,
//! else `unknown`. A build never fails for want of git.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PUDO_GIT_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var("PUDO_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git_commit(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=PUDO_GIT_COMMIT={}", commit.trim());
}

/// The short commit of HEAD, when `dir` is the top of a git checkout (not a
/// folder inside some other repository, such as a vendored copy), and asks
/// cargo to run this again when HEAD moves.
fn git_commit(dir: &Path) -> Option<String> {
    let toplevel = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&toplevel).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    // HEAD names the branch; the branch's ref (loose or packed) names the
    // commit. Only files that exist are watched: a missing one would make
    // cargo run this script on every build.
    let mut watched = vec![git(dir, &["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(dir, &["rev-parse", "--git-path", &branch]));
    }
    watched.extend(git(dir, &["rev-parse", "--git-path", "packed-refs"]));
    for path in watched {
        let path = dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

/// Runs git in `dir`; its trimmed output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
