//! `pudo promote [FROM] TO`: the promotion gate. Runs every `promotion:`
//! check in FROM (the candidate) and TO (the baseline), each environment
//! with its own connection, all queries at once; compares; shows the
//! promotion preview and the task graphs the promotion starts.
//!
//! [`evaluate`] is what `pudo apply` runs for an environment with
//! `require_promotion`.

use super::Context;
use super::config_cmd::Preview;
use crate::cli::{OutputFormat, PromoteArgs};
use crate::config::Project;
use crate::connector::Connector;
use crate::connector::snowflake::SnowflakeConnector;
use crate::error::{Error, Result};
use crate::model::{StackName, Value};
use crate::promotion::{self, CheckDef, Measured, MissingBaseline, PromotionConfig};
use crate::render::style;
use std::process::ExitCode;

/// A check's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
        }
    }
}

/// One check, measured in both environments.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckResult {
    pub name: String,
    pub candidate: Option<f64>,
    pub baseline: Option<f64>,
    pub expectation: String,
    pub verdict: Verdict,
    /// Why it failed or errored (`missing baseline`, the error).
    pub detail: Option<String>,
}

/// A task graph that runs on a schedule in TO.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ActivatedGraph {
    pub root: String,
    pub tasks: usize,
    pub schedule: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub missing_baseline: MissingBaseline,
    pub checks: Vec<CheckResult>,
    pub passed: bool,
}

impl Report {
    pub fn exit_code(&self) -> u8 {
        if self.checks.iter().any(|c| c.verdict == Verdict::Error) {
            1
        } else if self.checks.iter().any(|c| c.verdict == Verdict::Fail) {
            2
        } else {
            0
        }
    }
}

pub fn run(ctx: &Context, args: PromoteArgs) -> Result<ExitCode> {
    let project = ctx.load_project()?;
    let (from, to) = match args.envs.as_slice() {
        [from, to] => (declared(&project, from)?, declared(&project, to)?),
        [to] => {
            let resolution = ctx.resolve_environment(&project)?;
            let from = resolution.environment.ok_or_else(|| {
                Error::usage_with_hint(
                    "the shared stack is not promoted",
                    "pass `pudo promote FROM TO` with two environments",
                )
            })?;
            (from, declared(&project, to)?)
        }
        _ => unreachable!("clap takes one or two environments"),
    };
    if from == to {
        return Err(Error::usage_with_hint(
            format!("`{from}` is promoted into itself"),
            "pass two different environments: `pudo promote STAGING PROD`",
        ));
    }
    let report = evaluate(ctx, &project, &from, &to)?;
    let preview = Preview::compute(&project, &from, &to)?;
    let graphs = activated_graphs(&project, &to)?;
    match args.format {
        OutputFormat::Human => print!("{}", human(&report, &preview, &graphs)),
        OutputFormat::Markdown => print!("{}", markdown(&report, &preview, &graphs)),
        OutputFormat::Json => {
            let value = serde_json::json!({
                "from": report.from,
                "to": report.to,
                "passed": report.passed,
                "missing_baseline": report.missing_baseline,
                "checks": report.checks,
                "preview": preview,
                "activated_task_graphs": graphs,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn declared(project: &Project, given: &str) -> Result<String> {
    match project.environment(given) {
        Some(env) => Ok(env.name.clone()),
        None => Err(crate::environment::EnvironmentError::Unknown {
            given: given.to_string(),
            environments: project.environments.clone(),
        }
        .into()),
    }
}

/// Runs every check of `promotion:` in `from` and `to` and compares.
pub fn evaluate(ctx: &Context, project: &Project, from: &str, to: &str) -> Result<Report> {
    let candidate_config = project.promotion(from)?;
    let baseline_config = project.promotion(to)?;
    if candidate_config.checks.is_empty() {
        return Err(Error::usage_with_hint(
            "no promotion checks: `promotion: checks:` is empty",
            "declare checks under `promotion:` in environments/base.yaml (docs/promotion.md)",
        ));
    }
    let candidate = measure_all(ctx, project, from, &candidate_config);
    let baseline = measure_all(ctx, project, to, &baseline_config);
    let rule = candidate_config.missing_baseline;
    let checks: Vec<CheckResult> = candidate_config
        .checks
        .iter()
        .zip(candidate)
        .map(|(check, measured)| {
            let base = baseline_config
                .checks
                .iter()
                .position(|c| c.name == check.name)
                .map(|i| baseline[i].clone());
            judge(check, measured, base, rule, from, to)
        })
        .collect();
    let passed = checks.iter().all(|c| c.verdict == Verdict::Pass);
    Ok(Report {
        from: from.to_string(),
        to: to.to_string(),
        missing_baseline: rule,
        checks,
        passed,
    })
}

type Measurement = std::result::Result<Measured, String>;

fn judge(
    check: &CheckDef,
    candidate: Measurement,
    baseline: Option<Measurement>,
    rule: MissingBaseline,
    from: &str,
    to: &str,
) -> CheckResult {
    let mut result = CheckResult {
        name: check.name.clone(),
        candidate: None,
        baseline: None,
        expectation: check.expect.to_string(),
        verdict: Verdict::Error,
        detail: None,
    };
    let baseline = baseline.unwrap_or(Ok(Measured::Missing));
    let mut errors = Vec::new();
    match &candidate {
        Ok(Measured::Value(v)) => result.candidate = Some(*v),
        Ok(Measured::Missing) => errors.push(describe(
            check,
            from,
            "expected one row with a value, got no row or NULL",
        )),
        Err(e) => errors.push(e.clone()),
    }
    match &baseline {
        Ok(Measured::Value(v)) => result.baseline = Some(*v),
        Ok(Measured::Missing) => {}
        Err(e) => errors.push(e.clone()),
    }
    if !errors.is_empty() {
        result.detail = Some(errors.join("\n"));
        return result;
    }
    let Some(value) = result.candidate else {
        return result;
    };
    match check.expect.holds(value, result.baseline) {
        Some(true) => result.verdict = Verdict::Pass,
        Some(false) => {
            result.verdict = Verdict::Fail;
            let bound = check.expect.bound(result.baseline).unwrap_or_default();
            result.detail = Some(format!(
                "{} is not {} {}",
                promotion::show(value),
                check
                    .expect
                    .to_string()
                    .split(' ')
                    .next()
                    .unwrap_or_default(),
                promotion::show(bound)
            ));
        }
        None => {
            let (verdict, what) = match rule {
                MissingBaseline::Pass => (Verdict::Pass, "passes"),
                MissingBaseline::Fail => (Verdict::Fail, "fails"),
            };
            result.verdict = verdict;
            result.detail = Some(format!(
                "no baseline in {to} yet (no row, or NULL): {what} (`missing_baseline: {}`)",
                match rule {
                    MissingBaseline::Pass => "pass",
                    MissingBaseline::Fail => "fail",
                }
            ));
        }
    }
    result
}

/// A check's error: the check, the environment, what came back, the query.
fn describe(check: &CheckDef, env: &str, what: &str) -> String {
    format!(
        "check `{}` in {env}: {what}\n  query: {}",
        check.name,
        check.query.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// Every check's query in `env`, concurrently, with the environment's
/// connection. Errors name the check, the environment and the query.
fn measure_all(
    ctx: &Context,
    project: &Project,
    env: &str,
    config: &PromotionConfig,
) -> Vec<Measurement> {
    let describe = |check: &CheckDef, what: &str| describe(check, env, what);
    let connector = ctx
        .workload_connection(project, env)
        .and_then(|conn| SnowflakeConnector::new(&conn).map_err(Error::from));
    let connector = match connector {
        Ok(c) => c,
        Err(e) => {
            return config
                .checks
                .iter()
                .map(|c| Err(describe(c, &format!("cannot connect: {e}"))))
                .collect();
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = config
            .checks
            .iter()
            .map(|check| {
                let connector = &connector;
                scope.spawn(move || {
                    let rows = connector
                        .open()
                        .and_then(|mut session| session.execute(&check.query));
                    match rows {
                        Ok(rows) => {
                            promotion::read_measurement(&rows).map_err(|e| describe(check, &e))
                        }
                        Err(e) => Err(describe(check, &e.to_string())),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&config.checks)
            .map(|(h, check)| {
                h.join()
                    .unwrap_or_else(|_| Err(describe(check, "the query's thread panicked")))
            })
            .collect()
    })
}

/// Root tasks started (scheduled) in `to`, with the size of their graph.
pub fn activated_graphs(project: &Project, to: &str) -> Result<Vec<ActivatedGraph>> {
    let stack = StackName::for_environment(to);
    let model = project.resolve(&stack)?;
    let tasks: Vec<(String, &crate::model::Attrs)> = model
        .owned_by(&stack)
        .filter_map(|r| {
            let address = r.id.address();
            address
                .strip_prefix("task.")
                .map(|name| (name.to_string(), &r.attrs))
        })
        .collect();
    let started = |attrs: &crate::model::Attrs| matches!(attrs.get(crate::kinds::task::STATE), Some(Value::Text(s)) if s == "started");
    let after = |attrs: &crate::model::Attrs| match attrs.get("after") {
        Some(Value::List(l)) => l.clone(),
        _ => Vec::new(),
    };
    let schema_of = |name: &str| {
        name.rsplit_once('.')
            .map_or(String::new(), |(s, _)| s.to_string())
    };
    let root_of = |name: &str| -> String {
        let mut current = name.to_string();
        for _ in 0..tasks.len() {
            let Some((_, attrs)) = tasks.iter().find(|(n, _)| *n == current) else {
                break;
            };
            match after(attrs).first() {
                Some(p) => current = format!("{}.{p}", schema_of(&current)),
                None => break,
            }
        }
        current
    };
    let mut graphs: Vec<ActivatedGraph> = Vec::new();
    for (name, attrs) in &tasks {
        if !after(attrs).is_empty() || !started(attrs) {
            continue;
        }
        let size = tasks.iter().filter(|(n, _)| root_of(n) == *name).count();
        graphs.push(ActivatedGraph {
            root: name.clone(),
            tasks: size,
            schedule: match attrs.get("schedule") {
                Some(Value::Text(s)) => Some(s.clone()),
                _ => None,
            },
        });
    }
    Ok(graphs)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".to_string(), promotion::show)
}

/// The checks table (shared by `promote` and the apply gate).
pub fn checks_table(report: &Report) -> String {
    let header = ["check", "candidate", "baseline", "expectation", "verdict"];
    let rows: Vec<[String; 5]> = report
        .checks
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                cell(c.candidate),
                cell(c.baseline),
                c.expectation.clone(),
                c.verdict.text().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, v) in widths.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(&format!("{c:<w$}"));
        }
        s.trim_end().to_string()
    };
    let mut out = format!(
        "{}\n",
        style::heading().apply_to(format!(
            "promotion checks: {} (candidate) -> {} (baseline)",
            report.from, report.to
        ))
    );
    out.push_str(&line(header));
    out.push('\n');
    for (r, c) in rows.iter().zip(&report.checks) {
        let text = line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
        let painted = match c.verdict {
            Verdict::Pass => style::create().apply_to(text).to_string(),
            _ => style::drop().apply_to(text).to_string(),
        };
        out.push_str(&painted);
        out.push('\n');
        if let Some(detail) = &c.detail {
            for l in detail.lines() {
                out.push_str(&format!("    {l}\n"));
            }
        }
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .count();
    let errors = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Error)
        .count();
    out.push_str(&match (failed, errors) {
        (0, 0) => format!(
            "promotion {} -> {}: every check passed\n",
            report.from, report.to
        ),
        _ => format!(
            "promotion {} -> {}: {failed} failed, {errors} errors, {} passed\n",
            report.from,
            report.to,
            report.checks.len() - failed - errors
        ),
    });
    out
}

fn human(report: &Report, preview: &Preview, graphs: &[ActivatedGraph]) -> String {
    let mut out = checks_table(report);
    out.push('\n');
    out.push_str(&preview.human());
    out.push('\n');
    out.push_str(&format!(
        "{}\n",
        style::heading().apply_to(format!("task graphs scheduled in {}", report.to))
    ));
    if graphs.is_empty() {
        out.push_str("none\n");
    }
    for g in graphs {
        out.push_str(&format!(
            "  {} ({} tasks){}\n",
            g.root,
            g.tasks,
            g.schedule
                .as_ref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        ));
    }
    out
}

fn markdown(report: &Report, preview: &Preview, graphs: &[ActivatedGraph]) -> String {
    let mut out = format!(
        "### Promotion {} -> {}: {}\n\n| check | candidate | baseline | expectation | verdict |\n|---|---|---|---|---|\n",
        report.from,
        report.to,
        if report.passed {
            "passed"
        } else {
            "not passed"
        }
    );
    for c in &report.checks {
        out.push_str(&format!(
            "| {} | {} | {} | `{}` | {} |\n",
            c.name.replace('|', "\\|"),
            cell(c.candidate),
            cell(c.baseline),
            c.expectation,
            c.verdict.text()
        ));
    }
    for c in report.checks.iter().filter(|c| c.detail.is_some()) {
        out.push_str(&format!(
            "\n- **{}**: {}",
            c.name,
            c.detail.as_deref().unwrap_or_default().replace('\n', " ")
        ));
    }
    out.push_str("\n\n#### Preview\n\n```diff\n");
    out.push_str(&console::strip_ansi_codes(&preview.human()));
    out.push_str("```\n\n#### Task graphs scheduled in ");
    out.push_str(&report.to);
    out.push_str("\n\n");
    if graphs.is_empty() {
        out.push_str("none\n");
    }
    for g in graphs {
        out.push_str(&format!("- `{}` ({} tasks)\n", g.root, g.tasks));
    }
    out
}
