//! The plan as a pull-request comment (GitHub-flavoured markdown): summary,
//! a table of changes, one collapsible section per resource with its
//! attribute changes and SQL, and a mermaid graph of the changed resources.

use super::{PlanOptions, kind_counts};
use crate::graph::mermaid_escape;
use crate::model::Value;
use crate::plan::{Action, Change, Plan};
use std::collections::HashMap;
use std::fmt::Write;

/// The default byte budget of a markdown plan: under the 65,536 characters
/// a GitHub pull-request comment holds, with room for a few lines around.
pub const DEFAULT_MAX_BYTES: usize = 60_000;

/// The most edges drawn as a full mermaid graph: the default `maxEdges` of
/// the mermaid renderer GitHub uses. Above it, the graph is per kind.
pub const MERMAID_MAX_EDGES: usize = 500;

/// The most dropped addresses the drop warning names.
const DROP_LIST_MAX: usize = 20;

/// The plan with the default options (budget [`DEFAULT_MAX_BYTES`]).
pub fn plan(plan: &Plan) -> String {
    plan_with(plan, &PlanOptions::default())
}

/// The plan as a comment of at most `options.max_bytes` bytes.
///
/// A plan that fits renders in full: summary, table of changes, one
/// `<details>` per change, graph. One that does not keeps its header,
/// blockers, warnings and summary, adds a table per kind and action and a
/// graph, then the details of the changes in plan order while they fit, and
/// a line counting the changes not shown and saying where the full plan is.
/// Only the header, blockers and warnings are never cut, so the comment is
/// over budget only when they alone are.
pub fn plan_with(plan: &Plan, options: &PlanOptions) -> String {
    let mut head = String::new();
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
    let _ = writeln!(head, "### pudo plan: stack `{}`{env}{branch}\n", plan.stack);
    let basis = match &plan.state.lineage {
        Some(lineage) => format!(
            "state serial {} (lineage `{}`)",
            plan.state.serial,
            short(lineage)
        ),
        None => "an empty stack (no state file yet)".to_string(),
    };
    let _ = writeln!(
        head,
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
            head,
            "> [!CAUTION]\n> **Blocked:** {}{hint}\n",
            cell(&blocker.message)
        );
    }
    for warning in &plan.warnings {
        let _ = writeln!(head, "> [!WARNING]\n> {}\n", cell(warning));
    }

    if plan.is_empty() {
        let _ = writeln!(
            head,
            "**No changes.** The configuration of stack `{}` matches its recorded state.",
            plan.stack
        );
        return head;
    }

    let _ = writeln!(head, "**{}**\n", plan.summary);
    if plan.summary.drop > 0 || plan.summary.replace > 0 {
        let dropped: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Drop | Action::Replace))
            .collect();
        let mut names: Vec<String> = dropped
            .iter()
            .take(DROP_LIST_MAX)
            .map(|c| format!("`{}`", code(&c.address)))
            .collect();
        if dropped.len() > DROP_LIST_MAX {
            names.push(format!("and {} more", dropped.len() - DROP_LIST_MAX));
        }
        let _ = writeln!(
            head,
            "> [!WARNING]\n> This plan **drops** objects: {}\n",
            names.join(", ")
        );
    }

    let edges: usize = plan.dependency_indices().iter().map(Vec::len).sum();
    let graph = if edges <= MERMAID_MAX_EDGES {
        graph_section("Dependency graph of the changes", &mermaid(plan))
    } else {
        kind_graph_section(plan, edges)
    };

    let mut full = head.clone();
    let _ = writeln!(full, "| | resource | action | attributes |");
    let _ = writeln!(full, "|---|---|---|---|");
    for change in &plan.changes {
        let names: Vec<&str> = change.diffs.iter().map(|d| d.name.as_str()).collect();
        let _ = writeln!(
            full,
            "| {} | `{}` | {} | {} |",
            icon(change.action),
            code(&change.address),
            change.action,
            cell(&names.join(", "))
        );
    }
    full.push('\n');
    for change in &plan.changes {
        details(change, &mut full);
    }
    full.push_str(&graph);
    if full.len() <= options.max_bytes {
        return full;
    }
    budgeted(plan, options, head, graph, edges)
}

/// The layout of a plan over budget (see [`plan_with`]).
fn budgeted(
    plan: &Plan,
    options: &PlanOptions,
    mut out: String,
    graph: String,
    edges: usize,
) -> String {
    let total = plan.changes.len();
    kind_table(plan, &mut out);

    // The footer is sized for the most changes it may count.
    let reserve = not_shown(total, total, options).len() + shown_line(total, total).len() + 1;
    let room = |out: &String, extra: usize| out.len() + extra + reserve <= options.max_bytes;

    // The full graph only while it leaves most of the budget to details.
    let graph = if graph.len() <= options.max_bytes / 4 && room(&out, graph.len()) {
        graph
    } else {
        let kinds = kind_graph_section(plan, edges);
        if room(&out, kinds.len()) {
            kinds
        } else {
            String::new()
        }
    };
    if !graph.is_empty() {
        out.push_str(&graph);
        out.push('\n');
    }

    let mut body = String::new();
    let mut shown = 0;
    let mut section = String::new();
    for change in &plan.changes {
        section.clear();
        details(change, &mut section);
        if !room(&out, body.len() + section.len()) {
            break;
        }
        body.push_str(&section);
        shown += 1;
    }
    if shown > 0 {
        out.push_str(&shown_line(shown, total));
        out.push_str(&body);
    }
    out.push_str(&not_shown(total - shown, total, options));
    out
}

/// The line before the details of a budgeted plan.
fn shown_line(shown: usize, total: usize) -> String {
    format!("Details of the first {shown} of {total} changes, in plan order:\n\n")
}

/// The line counting the changes whose details are not shown.
fn not_shown(hidden: usize, total: usize, options: &PlanOptions) -> String {
    let place = match &options.full_plan_url {
        Some(url) => format!(
            "[the full plan]({})",
            url.replace(' ', "%20").replace(')', "%29")
        ),
        None => "the full plan".to_string(),
    };
    format!(
        "> [!NOTE]\n> **{hidden} of {total} changes are not shown**: this comment is limited to {} characters. \
         See {place}: the JSON saved with `pudo plan --out` or the output of `pudo plan --format human`, \
         kept as an artifact of the CI run.\n",
        options.max_bytes
    )
}

/// Counts per resource kind and action.
fn kind_table(plan: &Plan, out: &mut String) {
    let _ = writeln!(out, "| kind | create | update | replace | drop | total |");
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
    for (kind, s) in kind_counts(plan) {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} | {} | {} |",
            s.create,
            s.update,
            s.replace,
            s.drop,
            s.total()
        );
    }
    let s = plan.summary;
    let _ = writeln!(
        out,
        "| **total** | {} | {} | {} | {} | {} |\n",
        s.create,
        s.update,
        s.replace,
        s.drop,
        s.total()
    );
}

fn graph_section(title: &str, graph: &str) -> String {
    format!("<details><summary>{title}</summary>\n\n```mermaid\n{graph}```\n\n</details>\n")
}

/// The graph of the changes with one node per kind, for plans with more
/// than [`MERMAID_MAX_EDGES`] dependencies.
fn kind_graph_section(plan: &Plan, edges: usize) -> String {
    let why = if edges > MERMAID_MAX_EDGES {
        format!("more than the {MERMAID_MAX_EDGES} GitHub draws")
    } else {
        "too large for this comment".to_string()
    };
    let title = format!("Dependency graph of the changes, per kind ({edges} dependencies, {why})");
    graph_section(&title, &kind_mermaid(plan))
}

/// The mermaid graph of the changes grouped by kind: a node per kind with
/// its counts, an edge per pair of kinds labelled with its dependencies.
pub fn kind_mermaid(plan: &Plan) -> String {
    let kinds = kind_counts(plan);
    let node = |kind: &str| kinds.iter().position(|(k, _)| *k == kind).unwrap_or(0);
    let mut out = String::from("graph LR\n");
    for (i, (kind, s)) in kinds.iter().enumerate() {
        let parts: Vec<String> = [
            (s.create, Action::Create),
            (s.update, Action::Update),
            (s.replace, Action::Replace),
            (s.drop, Action::Drop),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, a)| format!("{} {n}", a.symbol()))
        .collect();
        let class = if s.drop > 0 {
            ":::drop"
        } else if s.replace > 0 {
            ":::replace"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  k{i}[\"{}: {}\"]{class}",
            mermaid_escape(kind),
            parts.join(" · ")
        );
    }
    let mut pairs: Vec<((usize, usize), usize)> = Vec::new();
    for (i, deps) in plan.dependency_indices().iter().enumerate() {
        let to = node(plan.changes[i].id.kind());
        for &j in deps {
            let from = node(plan.changes[j].id.kind());
            if from == to {
                continue;
            }
            match pairs.iter_mut().find(|(p, _)| *p == (from, to)) {
                Some((_, n)) => *n += 1,
                None => pairs.push(((from, to), 1)),
            }
        }
    }
    pairs.sort();
    for ((from, to), n) in pairs {
        let _ = writeln!(out, "  k{from} -->|{n}| k{to}");
    }
    let _ = writeln!(
        out,
        "  classDef replace fill:#fbefff,stroke:#8250df\n  classDef drop fill:#ffebe9,stroke:#cf222e,stroke-width:3px"
    );
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
            Action::Suspend => "fill:#f6f8fa,stroke:#57606a",
            Action::Resume => "fill:#ddf4ff,stroke:#0969da",
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
        Action::Suspend => "⏸️ `||`",
        Action::Resume => "▶️ `>`",
    }
}

/// The first 8 characters of a lineage, or of a hash after its `sha256:`.
fn html_icon(action: Action) -> &'static str {
    match action {
        Action::Create => "🟢 <code>+</code>",
        Action::Update => "🟡 <code>~</code>",
        Action::Replace => "🟣 <code>-/+</code>",
        Action::Drop => "🔴 <code>-</code>",
        Action::Suspend => "⏸️ <code>||</code>",
        Action::Resume => "▶️ <code>&gt;</code>",
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
