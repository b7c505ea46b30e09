//! The human plan: Terraform-like, grouped by resource, colors only from
//! named styles, and the same information without them.

use super::style;
use crate::model::Value;
use crate::plan::{Action, AttrDiff, Change, Plan};
use std::fmt::Write;

/// Text longer than this (or with a line break) is shown as a line diff.
const LONG_TEXT: usize = 60;

/// Plans with more changes than this end with a summary per kind.
pub const LARGE_PLAN: usize = 50;

/// The plan in full.
pub fn plan(plan: &Plan) -> String {
    plan_with(plan, false)
}

/// The plan in full, or `compact`: one line per change (symbol, address,
/// changed attributes or the reason), no SQL, for CI logs.
pub fn plan_with(plan: &Plan, compact: bool) -> String {
    let mut out = String::new();
    header(plan, &mut out);

    if plan.is_empty() {
        blockers_and_warnings(plan, &mut out);
        let _ = writeln!(
            out,
            "{} The configuration of stack `{}` matches its recorded state (serial {}).",
            style::heading().apply_to("No changes."),
            plan.stack,
            plan.state.serial
        );
        return out;
    }

    let _ = writeln!(
        out,
        "pudo will perform the following actions, in this order:\n"
    );
    for change in &plan.changes {
        if compact {
            compact_line(change, &mut out);
        } else {
            resource(change, &mut out);
        }
    }
    if compact {
        out.push('\n');
    }

    blockers_and_warnings(plan, &mut out);
    if !compact {
        sql_preview(plan, &mut out);
    }
    if compact || plan.changes.len() > LARGE_PLAN {
        kind_summary(plan, &mut out);
    }

    if plan.summary.drop > 0 || plan.summary.replace > 0 {
        let dropped: Vec<&str> = plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Drop | Action::Replace))
            .map(|c| c.address.as_str())
            .collect();
        let _ = writeln!(
            out,
            "{} this plan drops {} object(s){}: {}",
            style::drop().apply_to("warning:"),
            dropped.len(),
            if plan.summary.replace > 0 {
                " (replaced ones are dropped, then created again)"
            } else {
                ""
            },
            dropped
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out, "{}", style::heading().apply_to(plan.summary));
    out
}

/// One line: symbol, address, and what changes (attribute names), or why
/// for replaces, drops and updates that run nothing.
fn compact_line(change: &Change, out: &mut String) {
    let st = action_style(change.action);
    let detail = match change.action {
        Action::Create => String::new(),
        Action::Update if !change.sql.is_empty() => {
            let names: Vec<&str> = change.diffs.iter().map(|d| d.name.as_str()).collect();
            format!(" ({})", names.join(", "))
        }
        _ => format!(" ({})", change.reason.replace('\n', " ")),
    };
    let _ = writeln!(
        out,
        "{} {}{}",
        st.apply_to(format!("{:>3}", change.action.symbol())),
        change.address,
        style::muted().apply_to(detail)
    );
}

/// A table of the changes per kind and action.
fn kind_summary(plan: &Plan, out: &mut String) {
    let counts = super::kind_counts(plan);
    let width = counts
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0)
        .max("kind".len());
    let _ = writeln!(out, "{}", style::heading().apply_to("Changes by kind:"));
    let _ = writeln!(
        out,
        "  {:<width$}  {:>7}  {:>7}  {:>7}  {:>7}",
        "kind", "create", "update", "replace", "drop"
    );
    for (kind, s) in counts {
        let _ = writeln!(
            out,
            "  {kind:<width$}  {:>7}  {:>7}  {:>7}  {:>7}",
            s.create, s.update, s.replace, s.drop
        );
    }
    out.push('\n');
}

fn header(plan: &Plan, out: &mut String) {
    let mut parts = vec![format!("stack `{}`", plan.stack)];
    match &plan.environment {
        Some(env) => parts.push(format!("environment `{env}`")),
        None => parts.push("shared objects".to_string()),
    }
    if let Some(branch) = &plan.branch {
        parts.push(format!("branch `{branch}`"));
    }
    let state = if plan.state.exists {
        format!("state serial {}", plan.state.serial)
    } else {
        "no recorded state (serial 0)".to_string()
    };
    parts.push(state);
    let _ = writeln!(
        out,
        "{} {}\n",
        style::heading().apply_to("pudo plan:"),
        parts.join(" · ")
    );
}

fn action_style(action: Action) -> console::Style {
    match action {
        Action::Create => style::create(),
        Action::Update => style::update(),
        Action::Replace => style::replace(),
        Action::Drop => style::drop(),
        Action::Suspend => style::replace(),
        Action::Resume => style::create(),
    }
}

fn resource(change: &Change, out: &mut String) {
    let st = action_style(change.action);
    let what = match change.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in place".to_string(),
        Action::Replace => "must be replaced".to_string(),
        Action::Drop => "will be DROPPED".to_string(),
        Action::Suspend => "will be suspended".to_string(),
        Action::Resume => "will be resumed".to_string(),
    };
    // Creates and ordinary updates explain themselves; say why otherwise.
    let why = match change.action {
        Action::Create => String::new(),
        Action::Update if !change.sql.is_empty() => String::new(),
        _ => format!(" ({})", change.reason),
    };
    let _ = writeln!(
        out,
        "  {}",
        style::muted().apply_to(format!("# {} {what}{why}", change.address))
    );
    let symbol = format!("{:>3}", change.action.symbol());
    let open = if change.diffs.is_empty() { "" } else { " {" };
    let _ = writeln!(
        out,
        "{} {}{open}",
        st.apply_to(symbol),
        if change.action == Action::Drop {
            style::drop().apply_to(change.address.clone())
        } else {
            style::heading().apply_to(change.address.clone())
        }
    );
    let width = change.diffs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for diff in &change.diffs {
        attribute(change.action, diff, width, out);
    }
    if change.diffs.is_empty() {
        out.push('\n');
    } else {
        let _ = writeln!(out, "    }}\n");
    }
}

fn attribute(action: Action, diff: &AttrDiff, width: usize, out: &mut String) {
    let name = format!("{:<width$}", diff.name);
    let (symbol, st) = match (&diff.before, &diff.after) {
        (None, Some(_)) => ("+", style::create()),
        (Some(_), None) if action == Action::Drop => ("-", style::drop()),
        (Some(_), None) => ("-", style::update()),
        _ if diff.forces_replacement => ("~", style::replace()),
        _ => ("~", style::update()),
    };
    let forces = if diff.forces_replacement {
        format!(" {}", style::replace().apply_to("# forces replacement"))
    } else {
        String::new()
    };
    match (&diff.before, &diff.after) {
        (None, Some(after)) => {
            if is_long(after) {
                let _ = writeln!(out, "      {} {name} = <<EOT{forces}", st.apply_to(symbol));
                long_text_lines(None, Some(after), out);
            } else {
                let _ = writeln!(
                    out,
                    "      {} {name} = {after}{forces}",
                    st.apply_to(symbol)
                );
            }
        }
        (Some(before), Some(after)) if before == after => {
            // Unchanged, shown for context (an object created again).
            let _ = writeln!(
                out,
                "        {name} = {}",
                if is_long(after) {
                    short(after)
                } else {
                    after.to_string()
                }
            );
        }
        (Some(before), None) => {
            let note = if action == Action::Drop {
                String::new()
            } else {
                format!(" {}", style::muted().apply_to("-> (no longer managed)"))
            };
            let _ = writeln!(
                out,
                "      {} {name} = {}{note}",
                st.apply_to(symbol),
                if is_long(before) {
                    short(before)
                } else {
                    before.to_string()
                }
            );
        }
        (Some(before), Some(after)) => {
            if is_long(before) || is_long(after) {
                let _ = writeln!(out, "      {} {name} = <<EOT{forces}", st.apply_to(symbol));
                long_text_lines(Some(before), Some(after), out);
            } else if let (Value::List(b), Value::List(a)) = (before, after) {
                let _ = writeln!(
                    out,
                    "      {} {name} = {before} -> {after}{forces}",
                    st.apply_to(symbol)
                );
                for item in a.iter().filter(|p| !b.contains(p)) {
                    let _ = writeln!(out, "          {} {item}", style::create().apply_to("+"));
                }
                for item in b.iter().filter(|p| !a.contains(p)) {
                    let _ = writeln!(out, "          {} {item}", style::drop().apply_to("-"));
                }
            } else {
                let _ = writeln!(
                    out,
                    "      {} {name} = {before} -> {after}{forces}",
                    st.apply_to(symbol)
                );
            }
        }
        (None, None) => {}
    }
}

fn is_long(value: &Value) -> bool {
    matches!(value, Value::Text(t) if t.len() > LONG_TEXT || t.contains('\n'))
}

fn short(value: &Value) -> String {
    match value {
        Value::Text(t) => {
            let first: String = t.lines().next().unwrap_or("").chars().take(40).collect();
            format!("{:?}", format!("{first}…"))
        }
        other => other.to_string(),
    }
}

/// A line-by-line diff of two texts (a long text is split on line breaks,
/// and a one-line text on words), closed by `EOT`.
fn long_text_lines(before: Option<&Value>, after: Option<&Value>, out: &mut String) {
    let text = |v: Option<&Value>| match v {
        Some(Value::Text(t)) => t.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let (old, new) = (text(before), text(after));
    let multiline = old.contains('\n') || new.contains('\n');
    let diff = if multiline {
        similar::TextDiff::from_lines(&old, &new)
    } else {
        similar::TextDiff::from_words(&old, &new)
    };
    if multiline {
        for change in diff.iter_all_changes() {
            let line = change.value().trim_end_matches('\n');
            let (sign, st) = match change.tag() {
                similar::ChangeTag::Delete => ("-", style::drop()),
                similar::ChangeTag::Insert => ("+", style::create()),
                similar::ChangeTag::Equal => (" ", style::muted()),
            };
            let _ = writeln!(out, "          {} {}", st.apply_to(sign), st.apply_to(line));
        }
    } else {
        // One long line: show the old and the new line with the changed
        // words marked `[-old-]{+new+}` so it reads without color too.
        let mut merged = String::new();
        let mut run: Option<(similar::ChangeTag, String)> = None;
        let flush = |run: Option<(similar::ChangeTag, String)>, merged: &mut String| {
            if let Some((tag, text)) = run {
                let piece = match tag {
                    similar::ChangeTag::Delete => {
                        style::drop().apply_to(format!("[-{text}-]")).to_string()
                    }
                    similar::ChangeTag::Insert => style::create()
                        .apply_to(format!("{{+{text}+}}"))
                        .to_string(),
                    similar::ChangeTag::Equal => text,
                };
                merged.push_str(&piece);
            }
        };
        for change in diff.iter_all_changes() {
            match &mut run {
                Some((tag, text)) if *tag == change.tag() => text.push_str(change.value()),
                _ => {
                    flush(run.take(), &mut merged);
                    run = Some((change.tag(), change.value().to_string()));
                }
            }
        }
        flush(run.take(), &mut merged);
        let _ = writeln!(out, "          {merged}");
    }
    let _ = writeln!(out, "        EOT");
}

fn blockers_and_warnings(plan: &Plan, out: &mut String) {
    for blocker in &plan.blockers {
        let _ = writeln!(
            out,
            "{} {}",
            style::error().apply_to("blocked:"),
            blocker.message
        );
        if let Some(hint) = &blocker.hint {
            let _ = writeln!(out, "  {} {hint}", style::hint().apply_to("hint:"));
        }
    }
    for warning in &plan.warnings {
        let _ = writeln!(out, "{} {warning}", style::warning().apply_to("warning:"));
    }
    if !plan.blockers.is_empty() || !plan.warnings.is_empty() {
        out.push('\n');
    }
}

fn sql_preview(plan: &Plan, out: &mut String) {
    let _ = writeln!(out, "{}", style::heading().apply_to("SQL preview:"));
    for change in &plan.changes {
        let _ = writeln!(
            out,
            "  {}",
            style::muted().apply_to(format!("-- {} {}", change.action.symbol(), change.address))
        );
        if change.sql.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                style::muted().apply_to("-- (no statement: only the recorded state changes)")
            );
        }
        for statement in &change.sql {
            let st = if change.action == Action::Drop || statement.starts_with("DROP ") {
                style::drop()
            } else {
                console::Style::new()
            };
            let _ = writeln!(out, "  {}", st.apply_to(format!("{statement};")));
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use crate::model::{StackName, Value};
    use crate::plan::fixtures::*;
    use crate::plan::{Plan, diff};
    use crate::state::State;

    /// Every action at once: a created schema, an updated warehouse (long
    /// comment), a grant delta, a replaced schema and a dropped role.
    pub(crate) fn mixed_plan() -> Plan {
        let m = model();
        let dev = StackName::for_environment("DEV");
        let mut state = applied(&m, &dev);
        let mut want = m.clone();
        let wh_attrs = &mut want.resources.get_mut(&wh("PUDO_DEV_WH")).unwrap().attrs;
        wh_attrs.insert("size".into(), text("SMALL"));
        wh_attrs.insert(
            "comment".into(),
            text("Warehouse for the DEV environment's training jobs and ad-hoc queries, new"),
        );
        state
            .resources
            .get_mut(&wh("PUDO_DEV_WH"))
            .unwrap()
            .attrs
            .insert(
                "comment".into(),
                text("Warehouse for the DEV environment's training jobs and ad-hoc queries"),
            );
        want.resources
            .get_mut(&schema("PUDO_MLOPS", "PUDO_DEV"))
            .unwrap()
            .attrs
            .insert("transient".into(), Value::Bool(true));
        want.resources
            .remove(&schema("PUDO_MLOPS", "FEATURE_STORE_DEV"));
        let mut plan = diff(
            &want,
            &dev,
            &state,
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        plan.branch = Some("feature/x".into());
        plan
    }

    #[test]
    fn human_plan_reads_without_color() {
        console::set_colors_enabled(false);
        let text = super::plan(&mixed_plan());
        println!("{text}");
        assert!(text.starts_with(
            "pudo plan: stack `dev` · environment `DEV` · branch `feature/x` · state serial 3\n"
        ));
        assert!(text.contains("  - schema.PUDO_MLOPS.FEATURE_STORE_DEV {"));
        assert!(text.contains("will be DROPPED"));
        assert!(text.contains("-/+ schema.PUDO_MLOPS.PUDO_DEV {"));
        assert!(text.contains("~ transient = false -> true # forces replacement"));
        assert!(text.contains("~ size    = \"XSMALL\" -> \"SMALL\""));
        assert!(text.contains("ad-hoc [-queries-]{+queries, new+}"));
        assert!(text.contains("  DROP SCHEMA PUDO_MLOPS.FEATURE_STORE_DEV;"));
        assert!(text.ends_with("Plan: 0 to create, 1 to update, 2 to replace, 1 to drop.\n"));
    }

    #[test]
    fn empty_plan_says_no_changes() {
        let m = model();
        let dev = StackName::for_environment("DEV");
        let plan = diff(
            &m,
            &dev,
            &applied(&m, &dev),
            Some(&applied(&m, &StackName::shared())),
        )
        .unwrap();
        let text = super::plan(&plan);
        assert!(text.contains(
            "No changes. The configuration of stack `dev` matches its recorded state (serial 3)."
        ));
        let _ = State::empty(&dev);
    }
}
