//! The plan as a pull-request comment (GitHub-flavoured markdown): summary,
//! a table of changes, one collapsible section per resource with its
//! attribute changes and SQL, and a mermaid graph of the changed resources.

use crate::graph::mermaid_escape;
use crate::model::Value;
use crate::plan::{Action, Change, Plan};
use std::collections::HashMap;
use std::fmt::Write;

pub fn plan(plan: &Plan) -> String {
    let mut out = String::new();
    let env = plan
        .environment
        .as_deref()
        .map(|e| format!(" · environment `{e}`"))
        .unwrap_or_default();
    let branch = plan
        .branch
        .as_deref()
        .map(|b| format!(" · branch `{}`", code(b)))
        .unwrap_or_default();
    let _ = writeln!(out, "### pudo plan: stack `{}`{env}{branch}\n", plan.stack);
    let basis = match &plan.state.lineage {
        Some(lineage) => format!(
            "state serial {} (lineage `{}`)",
            plan.state.serial,
            short(lineage)
        ),
        None => "an empty stack (no state file yet)".to_string(),
    };
    let _ = writeln!(
        out,
        "Planned against {basis}, configuration `{}`.\n",
        short(&plan.config_hash)
    );

    for blocker in &plan.blockers {
        let hint = blocker
            .hint
            .as_deref()
            .map(|h| format!("\n>\n> hint: {}", cell(h)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **Blocked:** {}{hint}\n",
            cell(&blocker.message)
        );
    }
    for warning in &plan.warnings {
        let _ = writeln!(out, "> [!WARNING]\n> {}\n", cell(warning));
    }

    if plan.is_empty() {
        let _ = writeln!(
            out,
            "**No changes.** The configuration of stack `{}` matches its recorded state.",
            plan.stack
        );
        return out;
    }

    let _ = writeln!(out, "**{}**\n", plan.summary);
    if plan.summary.drop > 0 || plan.summary.replace > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> This plan **drops** objects: {}\n",
            plan.changes
                .iter()
                .filter(|c| matches!(c.action, Action::Drop | Action::Replace))
                .map(|c| format!("`{}`", code(&c.address)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    let _ = writeln!(out, "| | resource | action | attributes |");
    let _ = writeln!(out, "|---|---|---|---|");
    for change in &plan.changes {
        let names: Vec<&str> = change.diffs.iter().map(|d| d.name.as_str()).collect();
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            icon(change.action),
            code(&change.address),
            change.action,
            cell(&names.join(", "))
        );
    }
    out.push('\n');

    for change in &plan.changes {
        details(change, &mut out);
    }

    let _ = writeln!(
        out,
        "<details><summary>Dependency graph of the changes</summary>\n"
    );
    let _ = writeln!(out, "```mermaid\n{}```\n", mermaid(plan));
    let _ = writeln!(out, "</details>");
    out
}

fn details(change: &Change, out: &mut String) {
    let _ = writeln!(
        out,
        "<details><summary>{} <code>{}</code> {}: {}</summary>\n",
        html_icon(change.action),
        html(&change.address),
        change.action,
        html_code_spans(&change.reason)
    );
    if !change.diffs.is_empty() {
        let _ = writeln!(out, "| attribute | before | after |");
        let _ = writeln!(out, "|---|---|---|");
        for diff in &change.diffs {
            let side = |v: &Option<Value>| match v {
                Some(v) => format!("`{}`", code(&v.to_string())),
                None => "*(unmanaged)*".to_string(),
            };
            let note = if diff.forces_replacement {
                " **(forces replacement)**"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {}{note} | {} | {} |",
                diff.name,
                side(&diff.before),
                side(&diff.after)
            );
        }
        out.push('\n');
    }
    let fence = fence_for(&change.sql);
    let _ = writeln!(out, "{fence}sql");
    if change.sql.is_empty() {
        let _ = writeln!(out, "-- no statement: only the recorded state changes");
    }
    for statement in &change.sql {
        let _ = writeln!(out, "{statement};");
    }
    let _ = writeln!(out, "{fence}\n\n</details>\n");
}

/// The mermaid graph of the changed resources and the dependencies
/// between them.
pub fn mermaid(plan: &Plan) -> String {
    let mut out = String::from("graph LR\n");
    let index: HashMap<&str, usize> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.address.as_str(), i))
        .collect();
    let mut classes: Vec<Action> = Vec::new();
    for (i, change) in plan.changes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{} {}\"]:::{}",
            change.action.symbol(),
            mermaid_escape(&change.address),
            change.action
        );
        if !classes.contains(&change.action) {
            classes.push(change.action);
        }
    }
    for (i, change) in plan.changes.iter().enumerate() {
        for dep in &change.depends_on {
            if let Some(j) = index.get(dep.as_str()) {
                let _ = writeln!(out, "  n{j} --> n{i}");
            }
        }
    }
    classes.sort();
    for action in classes {
        let def = match action {
            Action::Create => "fill:#e6ffed,stroke:#2da44e",
            Action::Update => "fill:#fff8c5,stroke:#bf8700",
            Action::Replace => "fill:#fbefff,stroke:#8250df",
            Action::Drop => "fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
        };
        let _ = writeln!(out, "  classDef {action} {def}");
    }
    out
}

fn icon(action: Action) -> &'static str {
    match action {
        Action::Create => "🟢 `+`",
        Action::Update => "🟡 `~`",
        Action::Replace => "🟣 `-/+`",
        Action::Drop => "🔴 `-`",
    }
}

/// The first 8 characters of a lineage, or of a hash after its `sha256:`.
fn html_icon(action: Action) -> &'static str {
    match action {
        Action::Create => "🟢 <code>+</code>",
        Action::Update => "🟡 <code>~</code>",
        Action::Replace => "🟣 <code>-/+</code>",
        Action::Drop => "🔴 <code>-</code>",
    }
}

/// HTML-escaped text with `code` spans turned into `<code>` (markdown is
/// not rendered inside `<summary>`).
fn html_code_spans(text: &str) -> String {
    html(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

fn short(id: &str) -> &str {
    let skip = if id.starts_with("sha256:") { 7 } else { 0 };
    id.get(..(skip + 8).min(id.len())).unwrap_or(id)
}

/// Text inside a code span: a backtick would end it, so it becomes `'`.
fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Text in a table cell or a quote: pipes escaped, one line, HTML inert.
fn cell(text: &str) -> String {
    html(text).replace('|', "\\|").replace('\n', " ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A code fence longer than any run of backticks in the content.
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .map(|l| l.split(|c| c != '`').map(str::len).max().unwrap_or(0))
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}
