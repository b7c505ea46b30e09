//! Plans that fit a pull request: a generated 2,000-change plan rendered
//! as a budgeted markdown comment, `--max-bytes`, and `--compact`.

use crate::support::{TempProject, transcript};

/// Warehouses generated; each comes with a role, its membership and a
/// grant: four changes apiece.
const GENERATED: usize = 500;

/// A project whose DEV plan (on an empty state) has exactly
/// `4 * GENERATED` changes and `3 * GENERATED` dependencies.
fn large_project() -> TempProject {
    let project = TempProject::example();
    let mut base = String::from(
        "environments:\n  DEV: { branches: [dev] }\n  STAGING: { branches: [staging] }\n  PROD: { branches: [main], protected: true }\n\nvars:\n  warehouse_size: XSMALL\n  auto_suspend: 300\n\nwarehouses:\n",
    );
    for i in 0..GENERATED {
        base.push_str(&format!(
            "  GEN_{i:04}_${{env}}_WH: {{ size: \"${{var.warehouse_size}}\", auto_suspend: 60, comment: \"Generated warehouse {i} for the `team` with a `|` and <html>\" }}\n"
        ));
    }
    base.push_str("\nroles:\n");
    for i in 0..GENERATED {
        base.push_str(&format!(
            "  GEN_{i:04}_${{env}}_ROLE:\n    comment: \"Generated role {i}\"\n    member_of: [SYSADMIN]\n    grants:\n      - {{ on: \"warehouse GEN_{i:04}_${{env}}_WH\", privileges: [USAGE, OPERATE] }}\n"
        ));
    }
    project.write("environments/base.yaml", &base);
    project
}

/// `pudo ARGS`: its exit code and stdout (stderr must be empty of errors).
fn plan(project: &TempProject, args: &[&str]) -> (i32, String) {
    let output = project.pudo().args(args).output().unwrap();
    let code = output.status.code().unwrap();
    assert!(code != 1, "{}", transcript(&output, project.path()));
    (code, String::from_utf8(output.stdout).unwrap())
}

/// Structural markdown checks: every code fence closed (a fence closes
/// only with a line of at least as many backticks and nothing else),
/// `<details>` and `<summary>` balanced and never closed before opened.
fn assert_valid_markdown(text: &str) {
    let mut fence: Option<usize> = None;
    let mut details: i64 = 0;
    for (n, line) in text.lines().enumerate() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match fence {
            Some(open) => {
                if ticks >= open && line.trim_start_matches('`').trim().is_empty() {
                    fence = None;
                }
                continue;
            }
            None if ticks >= 3 => {
                fence = Some(ticks);
                continue;
            }
            None => {}
        }
        details += line.matches("<details>").count() as i64;
        details -= line.matches("</details>").count() as i64;
        assert!(details >= 0, "line {}: </details> without <details>", n + 1);
        assert_eq!(
            line.matches("<summary>").count(),
            line.matches("</summary>").count(),
            "line {}: unbalanced <summary>",
            n + 1
        );
    }
    assert_eq!(fence, None, "a code fence is not closed");
    assert_eq!(details, 0, "a <details> is not closed");
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn large_plan_markdown_fits_the_budget() {
    let project = large_project();
    let (code, md) = plan(
        &project,
        &[
            "plan",
            "-e",
            "DEV",
            "--format",
            "markdown",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(code, 2);
    let total = 4 * GENERATED;
    assert!(md.len() <= 60_000, "{} bytes", md.len());
    assert_valid_markdown(&md);
    assert!(md.contains(&format!(
        "**Plan: {total} to create, 0 to update, 0 to replace, 0 to drop.**"
    )));
    // The per-kind table, grouped by the kinds of the registry.
    assert!(md.contains("| kind | create | update | replace | drop | total |"));
    for kind in ["warehouse", "role", "grant", "role_grant"] {
        assert!(
            md.contains(&format!(
                "| {kind} | {GENERATED} | 0 | 0 | 0 | {GENERATED} |"
            )),
            "{kind}"
        );
    }
    assert!(md.contains(&format!("| **total** | {total} | 0 | 0 | 0 | {total} |")));
    // 1,500 dependencies: the graph is per kind, not per change.
    assert!(md.contains("Dependency graph of the changes, per kind (1500 dependencies"));
    assert!(!md.contains("  n0["));
    assert!(md.contains("k0 -->|"));
    // Details in plan order until the budget, then the count of the rest.
    let shown = count(&md, "<details><summary>🟢");
    assert!(shown > 10, "{shown}");
    assert!(md.contains(&format!("Details of the first {shown} of {total} changes")));
    assert!(md.contains(&format!(
        "**{} of {total} changes are not shown**",
        total - shown
    )));
    assert!(md.contains("`pudo plan --out`"));
    // The full plan shows everything in the other formats.
    let (_, human) = plan(&project, &["plan", "-e", "DEV"]);
    assert!(human.contains("+ grant.GEN_0499_DEV_ROLE.warehouse.GEN_0499_DEV_WH"));
}

#[test]
fn max_bytes_is_respected() {
    let project = large_project();
    let mut last_shown = 0;
    for max in [1_000usize, 5_000, 20_000, 60_000, 150_000] {
        let (_, md) = plan(
            &project,
            &[
                "plan",
                "-e",
                "DEV",
                "--format",
                "markdown",
                "--max-bytes",
                &max.to_string(),
                "--full-plan-url",
                "https://ci.example/runs/1",
            ],
        );
        assert!(md.len() <= max, "{max}: {} bytes", md.len());
        assert_valid_markdown(&md);
        assert!(md.contains("| **total** | 2000 |"), "{max}");
        assert!(md.contains("[the full plan](https://ci.example/runs/1)"));
        let shown = count(&md, "<details><summary>🟢");
        assert!(shown >= last_shown, "{max}: {shown} < {last_shown}");
        last_shown = shown;
    }
    assert!(last_shown > 100);
    // Below the smallest budget that holds the summary: refused.
    let output = project
        .pudo()
        .args([
            "plan",
            "-e",
            "DEV",
            "--format",
            "markdown",
            "--max-bytes",
            "999",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "clap usage error");
}

#[test]
fn small_plans_render_in_full_under_any_budget_they_fit() {
    let project = TempProject::example();
    let (_, default) = plan(&project, &["plan", "-e", "DEV", "--format", "markdown"]);
    let (_, explicit) = plan(
        &project,
        &[
            "plan",
            "-e",
            "DEV",
            "--format",
            "markdown",
            "--max-bytes",
            "60000",
        ],
    );
    assert_eq!(default, explicit);
    assert!(!default.contains("not shown"));
    assert!(!default.contains("| kind |"));
    assert_valid_markdown(&default);
    // The same plan over a tiny budget is cut, and stays valid.
    let (_, cut) = plan(
        &project,
        &[
            "plan",
            "-e",
            "DEV",
            "--format",
            "markdown",
            "--max-bytes",
            "2000",
        ],
    );
    assert!(cut.len() <= 2000, "{}", cut.len());
    assert!(cut.contains("changes are not shown"));
    assert_valid_markdown(&cut);
}

#[test]
fn compact_prints_one_line_per_change() {
    let project = large_project();
    let (_, text) = plan(&project, &["plan", "-e", "DEV", "--compact"]);
    let total = 4 * GENERATED;
    let change_lines = text.lines().filter(|l| l.starts_with("  + ")).count();
    assert_eq!(change_lines, total);
    assert!(text.contains("  + warehouse.GEN_0000_DEV_WH\n"));
    assert!(!text.contains("SQL preview:"));
    assert!(!text.contains("CREATE WAREHOUSE"));
    assert!(text.contains("Changes by kind:"));
    assert!(text.ends_with(&format!(
        "Plan: {total} to create, 0 to update, 0 to replace, 0 to drop.\n"
    )));
    // At most a header, a blank line and the summaries besides the changes.
    assert!(
        text.lines().count() < total + 20,
        "{}",
        text.lines().count()
    );

    // The full human plan of a large plan ends with the summary per kind.
    let (_, full) = plan(&project, &["plan", "-e", "DEV"]);
    let by_kind = full.find("Changes by kind:").unwrap();
    assert!(by_kind > full.find("SQL preview:").unwrap());
    assert!(full.contains(&format!(
        "  {:<10}  {GENERATED:>7}  {:>7}  {:>7}  {:>7}\n",
        "warehouse", 0, 0, 0
    )));

    // Compact is for the human format only.
    let output = project
        .pudo()
        .args(["plan", "-e", "DEV", "--compact", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn compact_lines_say_what_changes() {
    let project = TempProject::example();
    let (_, text) = plan(&project, &["plan", "-e", "shared", "--compact"]);
    assert!(text.contains("  + database.PUDO_MLOPS\n"), "{text}");
    assert!(
        text.contains("  + schema.PUDO_MLOPS.SHARED_DATA\n"),
        "{text}"
    );
}

/// The plan job of `docs/ci.md` on a 2,000-change plan: the comment fits,
/// links the run, and the artifact files hold every change.
#[test]
fn ci_flow_on_a_large_plan() {
    let project = large_project();
    let url = "https://github.com/o/r/actions/runs/42";
    let (code, md) = plan(
        &project,
        &[
            "plan",
            "-e",
            "DEV",
            "--format",
            "markdown",
            "--out",
            "plan.json",
            "--detailed-exitcode",
            "--full-plan-url",
            url,
        ],
    );
    assert_eq!(code, 2);
    assert!(md.len() <= 60_000 && md.chars().count() <= 65_536);
    assert_valid_markdown(&md);
    assert!(md.contains(&format!("[the full plan]({url})")));
    let saved = std::fs::read_to_string(project.path().join("plan.json")).unwrap();
    let saved = pudo::plan::Plan::from_json(&saved, "plan.json").unwrap();
    assert_eq!(saved.changes.len(), 4 * GENERATED);
    let (_, txt) = plan(&project, &["plan", "-e", "DEV", "--color", "never"]);
    assert!(!txt.contains('\u{1b}'));
    assert_eq!(
        txt.lines().filter(|l| l.starts_with("  + ")).count(),
        4 * GENERATED
    );
}
