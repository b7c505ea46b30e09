//! The drift report (human, json, markdown) and the section `plan
//! --refresh` adds after a plan: which changes reverse drift and which
//! come from the configuration.

use super::OutputFormat;
use super::style;
use crate::drift::{Cause, Finding, Item, Refresh, Report};
use crate::model::Value;
use std::fmt::Write;

/// A drift report in the requested format.
pub fn report(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => human(report),
        OutputFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).expect("a report serializes");
            text.push('\n');
            text
        }
        OutputFormat::Markdown => markdown(report),
    }
}

fn heading(report: &Report) -> String {
    let env = match &report.environment {
        Some(env) => format!("environment `{env}`"),
        None => "shared objects".to_string(),
    };
    format!(
        "stack `{}` ({env}, state serial {})",
        report.stack, report.serial
    )
}

fn show(value: &Option<Value>) -> String {
    match value {
        Some(v) => v.to_string(),
        None => "(none)".to_string(),
    }
}

/// Detail lines of one finding, without indentation or styling.
fn details(item: &Item) -> Vec<String> {
    match &item.finding {
        Finding::Changed { attributes } => attributes
            .iter()
            .map(|a| {
                format!(
                    "{}: recorded {}, live {}",
                    a.name,
                    show(&a.recorded),
                    show(&a.live)
                )
            })
            .collect(),
        Finding::Privileges { granted, revoked } => granted
            .iter()
            .map(|p| format!("+ {p} (granted outside pudo)"))
            .chain(
                revoked
                    .iter()
                    .map(|p| format!("- {p} (revoked outside pudo)")),
            )
            .collect(),
        Finding::GrantedOutside { privileges } => vec![format!("[{}]", privileges.join(", "))],
        Finding::Dropped
        | Finding::MembershipRevoked
        | Finding::MembershipGrantedOutside
        | Finding::Unmanaged => Vec::new(),
    }
}

fn symbol_style(finding: &Finding) -> console::Style {
    match finding.symbol() {
        "~" => style::update(),
        "-" => style::drop(),
        "+" => style::create(),
        _ => style::muted(),
    }
}

fn human(report: &Report) -> String {
    let mut out = String::new();
    if report.clean {
        let _ = writeln!(
            out,
            "{} The {} resources recorded in {} match Snowflake{}.",
            style::heading().apply_to("No drift."),
            report.checked,
            heading(report),
            if report.unmanaged_checked {
                ", and no unmanaged object follows its names"
            } else {
                ""
            }
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Drift in {}: {} finding(s), {} recorded resources checked.\n",
        heading(report),
        report.drift.len(),
        report.checked
    );
    for item in &report.drift {
        let _ = writeln!(
            out,
            "  {} {}  {}",
            symbol_style(&item.finding).apply_to(item.finding.symbol()),
            item.address,
            item.finding.describe()
        );
        for line in details(item) {
            let _ = writeln!(out, "      {line}");
        }
    }
    let s = &report.summary;
    let mut parts = Vec::new();
    for (n, what) in [
        (s.changed, "changed"),
        (s.dropped, "dropped"),
        (s.privileges, "with privileges changed"),
        (s.membership_revoked, "memberships revoked"),
        (s.granted_outside, "grants made outside pudo"),
        (
            s.membership_granted_outside,
            "memberships granted outside pudo",
        ),
        (s.unmanaged, "unmanaged"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style::heading().apply_to(format!("Drift: {}.", parts.join(", ")))
    );
    let _ = writeln!(
        out,
        "{} `pudo plan --refresh` shows what would bring Snowflake back to the configuration; `pudo import` adopts declared objects created by hand.",
        style::hint().apply_to("hint:")
    );
    out
}

fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let env = report
        .environment
        .as_deref()
        .map(|e| format!(" · environment `{e}`"))
        .unwrap_or_default();
    let _ = writeln!(out, "### pudo drift: stack `{}`{env}\n", report.stack);
    if report.clean {
        let _ = writeln!(
            out,
            "**No drift.** The {} resources recorded in state serial {} match Snowflake.",
            report.checked, report.serial
        );
        return out;
    }
    let _ = writeln!(
        out,
        "> [!WARNING]\n> **{} finding(s)** against state serial {} ({} recorded resources checked).\n",
        report.drift.len(),
        report.serial,
        report.checked
    );
    let _ = writeln!(out, "| | Address | Drift | Details |\n|---|---|---|---|");
    for item in &report.drift {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            item.finding.symbol(),
            code(&item.address),
            item.finding.describe(),
            details(item)
                .iter()
                .map(|d| cell(d))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    let _ = writeln!(
        out,
        "\n`pudo plan --refresh` shows what would bring Snowflake back to the configuration."
    );
    out
}

/// The section `plan --refresh` prints after the plan (human, markdown).
pub fn refresh(refresh: &Refresh, format: OutputFormat) -> String {
    let drift: Vec<_> = refresh
        .changes
        .iter()
        .filter(|c| c.origin != Cause::Config)
        .collect();
    let config: Vec<_> = refresh
        .changes
        .iter()
        .filter(|c| c.origin != Cause::Drift)
        .collect();
    let mut out = String::new();
    let markdown = format == OutputFormat::Markdown;
    if markdown {
        let _ = writeln!(out, "\n#### Against live Snowflake (`--refresh`)\n");
    } else {
        let _ = writeln!(
            out,
            "\n{}",
            style::heading().apply_to("Planned against live Snowflake (--refresh):")
        );
    }
    let (bullet, nested) = if markdown {
        ("- ", "  - ")
    } else {
        ("  ", "    ")
    };
    let attrs = |names: &[String]| {
        if names.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    if refresh.changes.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}nothing to change: Snowflake matches the configuration"
        );
    }
    if !drift.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}reverses changes made outside pudo: {}",
            drift.len()
        );
        for c in &drift {
            let what = if c.drifted.is_empty() {
                " (dropped outside pudo: created again)".to_string()
            } else {
                attrs(&c.drifted)
            };
            let _ = writeln!(out, "{nested}`{}`{what}", code(&c.address));
        }
    }
    if !config.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}comes from the configuration: {}",
            config.len()
        );
        for c in &config {
            let _ = writeln!(
                out,
                "{nested}`{}`{}",
                code(&c.address),
                attrs(&c.configured)
            );
        }
    }
    if !refresh.to_import.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}exist in Snowflake but not in the state (run `pudo import ADDRESS...`): {}",
            refresh
                .to_import
                .iter()
                .map(|a| format!("`{}`", code(a)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

/// Text inside a code span: a backtick would end it.
fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Text in a table cell: pipes escaped, one line, HTML inert.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}
