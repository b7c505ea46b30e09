//! Promotion checks: `promotion:` in base.yaml declares queries whose value
//! in the candidate environment (FROM) is compared with an expectation,
//! absolute (`>= 1000`) or relative to the same query's value in the target
//! environment (`>= baseline - 0.01`). `pudo promote` and the apply gate
//! (`require_promotion`) run them.
//!
//! This module holds the parsed configuration, the expectation grammar and
//! the evaluation of measured values; running the queries is in
//! `commands::promote_cmd`.

use crate::connector::Rows;
use std::fmt;

/// `promotion:` of base.yaml, `${env}` still unexpanded in the queries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PromotionConfig {
    pub checks: Vec<CheckDef>,
    /// What a check comparing with the baseline does when the target has
    /// no value yet (the query returns no row, or NULL).
    pub missing_baseline: MissingBaseline,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    pub name: String,
    pub query: String,
    pub expect: Expectation,
    /// `file:line` of the check.
    pub origin: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingBaseline {
    #[default]
    Pass,
    Fail,
}

/// `connection:` of the configuration: per-environment session settings
/// (templates expanded for the environment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionConfig {
    pub role: Option<String>,
    pub warehouse: Option<String>,
    /// A connection of Snowflake's `connections.toml`.
    pub name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl Op {
    const ALL: [(&'static str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Le => a <= b,
            Op::Lt => a < b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }

    fn text(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(t, _)| t)
    }
}

/// The right-hand side of an expectation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rhs {
    Value(f64),
    /// `baseline`, `baseline + d`, `baseline - d`, `baseline * f`.
    Baseline(Adjust),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adjust {
    None,
    Plus(f64),
    Minus(f64),
    Times(f64),
}

/// `OP VALUE` or `OP baseline [+|- DELTA | * FACTOR]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Expectation {
    pub op: Op,
    pub rhs: Rhs,
}

impl Expectation {
    pub const GRAMMAR: &'static str = "`OP VALUE` or `OP baseline [+ DELTA | - DELTA | * FACTOR]`, OP one of >= > <= < == !=, e.g. `>= baseline - 0.01` or `>= 1000`";

    pub fn parse(text: &str) -> Result<Expectation, String> {
        let t = text.trim();
        let Some((op_text, op)) = Op::ALL.iter().find(|(o, _)| t.starts_with(o)) else {
            return Err(format!("`{text}` does not start with a comparison"));
        };
        let rest = t[op_text.len()..].trim();
        if rest.is_empty() {
            return Err(format!("`{text}` has nothing after `{op_text}`"));
        }
        let rhs = if let Some(after) = rest.strip_prefix("baseline") {
            let after = after.trim();
            if after.is_empty() {
                Rhs::Baseline(Adjust::None)
            } else {
                let (sign, amount) = after.split_at(1);
                let amount = number(amount.trim())
                    .ok_or_else(|| format!("`{}` is not a number", amount.trim()))?;
                Rhs::Baseline(match sign {
                    "+" => Adjust::Plus(amount),
                    "-" => Adjust::Minus(amount),
                    "*" => Adjust::Times(amount),
                    _ => return Err(format!("`{after}` after `baseline`: expected + - or *")),
                })
            }
        } else {
            Rhs::Value(number(rest).ok_or_else(|| {
                format!("`{rest}` is neither a number nor `baseline` (with + - or *)")
            })?)
        };
        Ok(Expectation { op: *op, rhs })
    }

    pub fn needs_baseline(&self) -> bool {
        matches!(self.rhs, Rhs::Baseline(_))
    }

    /// The value the candidate is compared with.
    pub fn bound(&self, baseline: Option<f64>) -> Option<f64> {
        match self.rhs {
            Rhs::Value(v) => Some(v),
            Rhs::Baseline(adjust) => baseline.map(|b| match adjust {
                Adjust::None => b,
                Adjust::Plus(d) => b + d,
                Adjust::Minus(d) => b - d,
                Adjust::Times(f) => b * f,
            }),
        }
    }

    pub fn holds(&self, candidate: f64, baseline: Option<f64>) -> Option<bool> {
        self.bound(baseline).map(|b| self.op.holds(candidate, b))
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.op.text())?;
        match self.rhs {
            Rhs::Value(v) => write!(f, "{}", show(v)),
            Rhs::Baseline(Adjust::None) => f.write_str("baseline"),
            Rhs::Baseline(Adjust::Plus(d)) => write!(f, "baseline + {}", show(d)),
            Rhs::Baseline(Adjust::Minus(d)) => write!(f, "baseline - {}", show(d)),
            Rhs::Baseline(Adjust::Times(x)) => write!(f, "baseline * {}", show(x)),
        }
    }
}

/// A number as written (`1000`, `0.85`, `true` = 1).
fn number(text: &str) -> Option<f64> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(1.0),
        "false" => Some(0.0),
        t => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// A value for display: integers without a fraction.
pub fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// What one query returned, read as a measurement.
#[derive(Clone, Debug, PartialEq)]
pub enum Measured {
    Value(f64),
    /// No row, or NULL: nothing measured yet.
    Missing,
}

/// Reads exactly one numeric (or boolean) cell; `Missing` for no row or
/// NULL; an error saying what came back otherwise.
pub fn read_measurement(rows: &Rows) -> Result<Measured, String> {
    if rows.columns.len() != 1 {
        return Err(format!(
            "expected one column, got {} ({})",
            rows.columns.len(),
            rows.columns.join(", ")
        ));
    }
    match rows.rows.len() {
        0 => return Ok(Measured::Missing),
        1 => {}
        n => return Err(format!("expected one row, got {n}")),
    }
    match rows.rows[0].first().and_then(|c| c.as_deref()) {
        None => Ok(Measured::Missing),
        Some(cell) => number(cell.trim())
            .map(Measured::Value)
            .ok_or_else(|| format!("expected a number or a boolean, got `{cell}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_parse_and_hold() {
        let e = Expectation::parse(">= baseline - 0.01").unwrap();
        assert_eq!(e.to_string(), ">= baseline - 0.01");
        assert_eq!(e.holds(0.845, Some(0.85)), Some(true));
        assert_eq!(e.holds(0.83, Some(0.85)), Some(false));
        assert_eq!(e.holds(0.83, None), None);
        let e = Expectation::parse(">=1000").unwrap();
        assert_eq!(e.holds(1000.0, None), Some(true));
        assert_eq!(
            Expectation::parse("< baseline * 1.1").unwrap().to_string(),
            "< baseline * 1.1"
        );
        assert_eq!(
            Expectation::parse("== true").unwrap().holds(1.0, None),
            Some(true)
        );
        for bad in [
            "baseline",
            ">= ",
            ">= base",
            ">= baseline / 2",
            "=> 1",
            ">= baseline - x",
        ] {
            assert!(Expectation::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn measurements() {
        let rows = |cols: &[&str], cells: Vec<Vec<Option<&str>>>| Rows {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            rows: cells
                .into_iter()
                .map(|r| r.into_iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        };
        assert_eq!(
            read_measurement(&rows(&["auc"], vec![vec![Some("0.85")]])),
            Ok(Measured::Value(0.85))
        );
        assert_eq!(
            read_measurement(&rows(&["auc"], vec![])),
            Ok(Measured::Missing)
        );
        assert_eq!(
            read_measurement(&rows(&["auc"], vec![vec![None]])),
            Ok(Measured::Missing)
        );
        assert!(
            read_measurement(&rows(&["a", "b"], vec![vec![Some("1"), Some("2")]]))
                .unwrap_err()
                .contains("one column, got 2")
        );
        assert!(read_measurement(&rows(&["a"], vec![vec![Some("x")]])).is_err());
    }
}
