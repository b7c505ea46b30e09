//! Fault injection: statements that fail on purpose, by pattern or by position.

use crate::error::SfError;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FaultAction {
    /// Answer with a Snowflake error (HTTP 200, success:false).
    #[default]
    Error,
    /// Close the connection without a response.
    Drop,
    /// Answer HTTP 503 (Service Unavailable).
    #[serde(rename = "503")]
    Http503,
    /// Answer HTTP 429 (Too Many Requests), as Snowflake's front end does
    /// when a client sends more than it accepts.
    #[serde(rename = "429")]
    Http429,
}

impl FaultAction {
    /// The HTTP status of an answer-with-a-status fault (`503`, `429`).
    pub fn http_status(self) -> Option<u16> {
        match self {
            FaultAction::Http503 => Some(503),
            FaultAction::Http429 => Some(429),
            FaultAction::Error | FaultAction::Drop => None,
        }
    }
}

/// One fault, as given to `POST /emulator/faults` or `--fault`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Statement text to match: a case-insensitive substring, or a regex when `regex` is true.
    #[serde(default, rename = "match")]
    pub pattern: Option<String>,
    #[serde(default)]
    pub regex: bool,
    /// Fire on the Nth statement (1-based) counted from when the fault was set.
    #[serde(default)]
    pub nth: Option<u64>,
    #[serde(default)]
    pub action: FaultAction,
    /// Error code/SQLSTATE/message for `action: "error"`.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub sql_state: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// For `drop`: run the statement first, then drop (the client never sees the result).
    #[serde(default)]
    pub after_execute: bool,
    /// How many times the fault fires; absent = unlimited.
    #[serde(default)]
    pub count: Option<u64>,
}

struct Fault {
    id: u64,
    spec: FaultSpec,
    regex: Option<regex::Regex>,
    seen: u64,
    fired: u64,
}

#[derive(Debug, Clone)]
pub struct Fired {
    pub action: FaultAction,
    pub after_execute: bool,
    code: String,
    sql_state: String,
    message: String,
}

impl Fired {
    pub fn error(&self) -> SfError {
        SfError::new(&self.code, &self.sql_state, self.message.clone())
    }
}

#[derive(Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<Fault>)>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Result<(), String> {
        let regex = match (&spec.pattern, spec.regex) {
            (Some(p), true) => Some(regex::Regex::new(p).map_err(|e| format!("bad regex: {e}"))?),
            _ => None,
        };
        if let Some(c) = &spec.code
            && (c.is_empty() || !c.chars().all(|ch| ch.is_ascii_digit()))
        {
            return Err("code must be numeric text, e.g. \"000603\"".into());
        }
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0 += 1;
        let id = g.0;
        g.1.push(Fault {
            id,
            spec,
            regex,
            seen: 0,
            fired: 0,
        });
        Ok(())
    }

    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .clear();
    }

    pub fn json(&self) -> Json {
        let g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list: Vec<Json> =
            g.1.iter()
                .map(|f| {
                    let mut v = serde_json::to_value(&f.spec).unwrap();
                    v["id"] = json!(f.id);
                    v["seen"] = json!(f.seen);
                    v["fired"] = json!(f.fired);
                    v["remaining"] = json!(f.spec.count.map(|c| c.saturating_sub(f.fired)));
                    v
                })
                .collect();
        json!({ "faults": list })
    }

    /// Count a statement against every fault; return the first that fires.
    pub fn check(&self, sql: &str) -> Option<Fired> {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut fired = None;
        for f in g.1.iter_mut() {
            f.seen += 1;
            if fired.is_some() || f.spec.count.is_some_and(|c| f.fired >= c) {
                continue;
            }
            let text_ok = match (&f.spec.pattern, &f.regex) {
                (_, Some(re)) => re.is_match(sql),
                (Some(p), None) => sql.to_lowercase().contains(&p.to_lowercase()),
                (None, None) => true,
            };
            let nth_ok = f.spec.nth.is_none_or(|n| n == f.seen);
            if text_ok && nth_ok {
                f.fired += 1;
                fired = Some(Fired {
                    action: f.spec.action,
                    after_execute: f.spec.after_execute,
                    code: f.spec.code.clone().unwrap_or_else(|| "000603".into()),
                    sql_state: f.spec.sql_state.clone().unwrap_or_else(|| "XX000".into()),
                    message: f
                        .spec
                        .message
                        .clone()
                        .unwrap_or_else(|| "SQL execution internal error: Processing aborted due to an injected fault.".into()),
                });
            }
        }
        // Faults that can never fire again are dropped.
        g.1.retain(|f| {
            f.spec.count.is_none_or(|c| f.fired < c)
                && !f
                    .spec
                    .nth
                    .is_some_and(|n| f.seen >= n && f.spec.count.is_none() && f.fired > 0)
        });
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_and_count() {
        let f = Faults::default();
        f.add(FaultSpec {
            pattern: Some("create database".into()),
            count: Some(1),
            ..Default::default()
        })
        .unwrap();
        assert!(f.check("SHOW DATABASES").is_none());
        assert!(f.check("CREATE DATABASE X").is_some());
        assert!(f.check("CREATE DATABASE X").is_none());
    }

    #[test]
    fn nth() {
        let f = Faults::default();
        f.add(FaultSpec {
            nth: Some(3),
            ..Default::default()
        })
        .unwrap();
        assert!(f.check("a").is_none());
        assert!(f.check("b").is_none());
        assert!(f.check("c").is_some());
        assert!(f.check("d").is_none());
    }

    #[test]
    fn http_status_actions() {
        let spec: FaultSpec = serde_json::from_str(r#"{"action": "429", "count": 2}"#).unwrap();
        assert_eq!(spec.action, FaultAction::Http429);
        assert_eq!(spec.action.http_status(), Some(429));
        let spec: FaultSpec = serde_json::from_str(r#"{"action": "503"}"#).unwrap();
        assert_eq!(spec.action.http_status(), Some(503));
        assert_eq!(FaultAction::Drop.http_status(), None);
        let f = Faults::default();
        f.add(FaultSpec {
            action: FaultAction::Http429,
            count: Some(1),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.check("a").map(|x| x.action), Some(FaultAction::Http429));
        assert!(f.check("b").is_none());
    }

    #[test]
    fn regex() {
        let f = Faults::default();
        f.add(FaultSpec {
            pattern: Some("^GRANT .* ROLE R1$".into()),
            regex: true,
            ..Default::default()
        })
        .unwrap();
        assert!(f.check("GRANT USAGE ON DATABASE D TO ROLE R1").is_some());
        assert!(f.check("GRANT USAGE ON DATABASE D TO ROLE R2").is_none());
    }
}
