//! SHOW helpers shared by every kind (LIKE / STARTS WITH / LIMIT ... FROM,
//! the 10,000-row limits, parameter inheritance) and SHOW PARAMETERS.

use super::Exec;
use crate::catalog::*;
use crate::error::SfError;
use crate::kinds::with_kind;
use crate::params;
use crate::parser::*;
use crate::result::*;
use crate::show_columns as cols;

/// Case-insensitive LIKE with `%`, `_` and backslash escapes.
pub fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy)]
    enum P {
        Any,
        One,
        Ch(char),
    }
    let mut pat = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        pat.push(match c {
            '\\' => P::Ch(it.next().unwrap_or('\\')),
            '%' => P::Any,
            '_' => P::One,
            c => P::Ch(c),
        });
    }
    let t: Vec<char> = text.chars().flat_map(|c| c.to_lowercase()).collect();
    // dp[j]: pattern prefix matches text prefix of length j.
    let mut dp = vec![false; t.len() + 1];
    dp[0] = true;
    for p in pat {
        let mut next = vec![false; t.len() + 1];
        match p {
            P::Any => {
                let mut seen = false;
                for j in 0..=t.len() {
                    seen |= dp[j];
                    next[j] = seen;
                }
            }
            P::One => {
                next[1..].copy_from_slice(&dp[..t.len()]);
            }
            P::Ch(c) => {
                let lc: Vec<char> = c.to_lowercase().collect();
                for j in 1..=t.len() {
                    next[j] = dp[j - 1] && lc.len() == 1 && t[j - 1] == lc[0];
                }
            }
        }
        dp = next;
    }
    dp[t.len()]
}

impl Exec<'_> {
    pub(crate) fn show(&self, s: Show) -> Result<QueryResult, SfError> {
        match &s.what {
            ShowWhat::Objects(kind) => {
                with_kind!(*kind, K => self.show_visible::<K>(&s))
            }
            ShowWhat::Parameters => self.show_parameters(&s),
            ShowWhat::Grants(g) => self.show_grants(g, s.limit),
        }
    }

    /// Filter `(name, row)` pairs by LIKE / STARTS WITH / FROM, apply LIMIT
    /// and the 10,000-row rule of `cap` (SHOW <cap> errors above 10,000 rows
    /// without LIMIT), and make the result.
    pub(crate) fn finish(
        &self,
        s: &Show,
        columns: &[(&str, ColType)],
        mut rows: Vec<(String, Vec<Cell>)>,
        cap: Option<&str>,
    ) -> Result<QueryResult, SfError> {
        rows.retain(|(n, _)| {
            s.like.as_ref().is_none_or(|p| like(p, n))
                && s.starts_with
                    .as_ref()
                    .is_none_or(|p| n.starts_with(p.as_str()))
                && s.from.as_ref().is_none_or(|f| n.as_str() > f.as_str())
        });
        if let Some(kind) = cap {
            if let Some(l) = s.limit {
                if l > 10_000 {
                    return Err(SfError::new(
                        "001003",
                        "42000",
                        format!(
                            "SQL compilation error:\nLIMIT for SHOW {kind} cannot exceed 10000."
                        ),
                    ));
                }
            } else if rows.len() > 10_000 {
                return Err(SfError::new(
                    "000903",
                    "22000",
                    format!(
                        "SHOW {kind} output exceeds the maximum of 10000 rows. Use LIMIT (with FROM to page) or a more selective filter."
                    ),
                ));
            }
        }
        if let Some(l) = s.limit {
            rows.truncate(l);
        }
        let mut r = QueryResult::with_columns(columns);
        r.rows = rows.into_iter().map(|(_, c)| c).collect();
        Ok(r)
    }

    /// A parameter's value and level: the first layer that sets it, then
    /// the account, then the default (level blank).
    pub(crate) fn effective_param(
        &self,
        key: &str,
        layers: &[(&Params, &str)],
    ) -> (String, String) {
        for (p, level) in layers {
            if let Some(v) = p.get(key) {
                return (v.clone(), level.to_string());
            }
        }
        if let Some(v) = self.cat.account_params.get(key) {
            return (v.clone(), "ACCOUNT".into());
        }
        (params::default_of(key).to_string(), String::new())
    }

    pub(crate) fn retention(&self, layers: &[(&Params, &str)]) -> String {
        self.effective_param("DATA_RETENTION_TIME_IN_DAYS", layers)
            .0
    }
    pub(crate) fn show_parameters(&self, s: &Show) -> Result<QueryResult, SfError> {
        let (scope_level, layers): (&str, Vec<(&Params, &str)>) = match &s.scope {
            None | Some(Scope::Session) => ("SESSION", vec![(&self.sess.params, "SESSION")]),
            Some(Scope::User(_)) => ("SESSION", vec![]),
            Some(Scope::Account) => ("ACCOUNT", vec![]),
            Some(Scope::Database(n)) => {
                let d = match n {
                    Some(n) => n[0].clone(),
                    None => self
                        .sess
                        .database
                        .clone()
                        .ok_or_else(|| SfError::no_current_database("SHOW PARAMETERS"))?,
                };
                let db = self
                    .cat
                    .databases
                    .get(&d)
                    .ok_or_else(|| SfError::does_not_exist("Database", &d))?;
                ("DATABASE", vec![(&db.params, "DATABASE")])
            }
            Some(Scope::Schema(n)) => {
                let (d, sc) = match n {
                    Some(n) => self.schema_path(n, "SHOW PARAMETERS")?,
                    None => (
                        self.sess
                            .database
                            .clone()
                            .ok_or_else(|| SfError::no_current_database("SHOW PARAMETERS"))?,
                        self.sess
                            .schema
                            .clone()
                            .ok_or_else(SfError::cannot_perform)?,
                    ),
                };
                self.schema_exists(&d, &sc)?;
                let db = &self.cat.databases[&d];
                match db.schemas.get(&sc) {
                    Some(x) => (
                        "SCHEMA",
                        vec![(&x.params, "SCHEMA"), (&db.params, "DATABASE")],
                    ),
                    None => ("SCHEMA", vec![(&db.params, "DATABASE")]),
                }
            }
            Some(Scope::Warehouse(n)) => {
                let w = match n {
                    Some(n) => n[0].clone(),
                    None => self
                        .sess
                        .warehouse
                        .clone()
                        .ok_or_else(SfError::cannot_perform)?,
                };
                let wh = self
                    .cat
                    .warehouses
                    .get(&w)
                    .ok_or_else(|| SfError::does_not_exist("Warehouse", &w))?;
                ("WAREHOUSE", vec![(&wh.params, "WAREHOUSE")])
            }
            Some(Scope::Bare(_)) => return Err(SfError::syntax_at(1, 0, "IN")),
        };
        let mut rows = Vec::new();
        for p in params::PARAMS
            .iter()
            .filter(|p| p.levels.contains(&scope_level))
        {
            let (value, level) = if scope_level == "ACCOUNT" {
                match self.cat.account_params.get(p.key) {
                    Some(v) => (v.clone(), "ACCOUNT".to_string()),
                    None => (p.default.to_string(), String::new()),
                }
            } else {
                self.effective_param(p.key, &layers)
            };
            rows.push((
                p.key.to_string(),
                vec![
                    text(p.key),
                    text(value),
                    text(p.default),
                    text(level),
                    text(p.description),
                    text(p.ty),
                ],
            ));
        }
        rows.retain(|(k, _)| s.like.as_ref().is_none_or(|pat| like(pat, k)));
        let mut r = QueryResult::with_columns(cols::PARAMETERS);
        r.rows = rows.into_iter().map(|(_, c)| c).collect();
        Ok(r)
    }
}
