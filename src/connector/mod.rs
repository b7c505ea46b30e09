//! The door to Snowflake: a [`Connector`] opens [`Session`]s that run SQL and
//! return rows as text. The async runtime of the real connector stays inside
//! [`snowflake`]; the rest of pudo is synchronous.

pub mod snowflake;

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Opens sessions; one session per worker.
pub trait Connector: Send + Sync {
    fn open(&self) -> Result<Box<dyn Session>, ConnectorError>;
}

/// One logged-in session. Statements run one at a time.
pub trait Session: Send {
    fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError>;

    /// Runs `sql` with positional bind variables (`?`, in order): values
    /// travel beside the statement, never spliced into its text. Sessions
    /// that cannot bind (test doubles) refuse.
    fn execute_bound(&mut self, sql: &str, binds: &[Bind]) -> Result<Rows, ConnectorError> {
        let _ = (sql, binds);
        Err(ConnectorError::Other {
            message: "this session does not support bind variables".to_string(),
        })
    }
}

/// When and how often a statement is sent again.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries per job (over all its statements) before it fails.
    pub max_retries: usize,
    /// The pause before the first retry; it doubles with each retry of the
    /// same job, up to `max_delay`, with random jitter (half to full).
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 10 retries, 100 ms doubling to 5 s: about 25 s of pauses before a
    /// job gives up, enough to ride out a burst of overload.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `retry` (1-based): full delay halved
    /// plus a random half, so workers that failed together spread out.
    pub fn delay(&self, retry: usize) -> Duration {
        let exp = retry.saturating_sub(1).min(20) as u32;
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let jitter = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            % 1000;
        full / 2 + full.mul_f64(jitter as f64 / 2000.0)
    }
}

/// A bind variable's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for Bind {
    fn from(s: &str) -> Bind {
        Bind::Text(s.to_string())
    }
}

impl From<String> for Bind {
    fn from(s: String) -> Bind {
        Bind::Text(s)
    }
}

impl From<i64> for Bind {
    fn from(n: i64) -> Bind {
        Bind::Int(n)
    }
}

impl From<u64> for Bind {
    fn from(n: u64) -> Bind {
        Bind::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl Rows {
    /// Rows a DML statement changed: the sum of its `number of rows ...`
    /// columns (a MERGE reports inserted and updated apart; an UPDATE's
    /// `number of multi-joined rows updated` is not counted twice).
    pub fn affected(&self) -> u64 {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.starts_with("number of rows"))
            .filter_map(|(i, _)| self.rows.first()?.get(i)?.as_deref()?.parse::<u64>().ok())
            .sum()
    }

    /// The count of a DML result (`number of rows updated`, ...): the first
    /// cell of the first row, 0 when absent.
    pub fn count(&self) -> u64 {
        self.rows
            .first()
            .and_then(|r| r.first())
            .and_then(|c| c.as_deref())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

/// A result set with every cell as raw text (NULL as `None`), looked up by
/// the lower-case column names SHOW prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The cell of row `row` in column `name`.
    pub fn get(&self, row: usize, name: &str) -> Option<&str> {
        let col = self.column(name)?;
        self.rows.get(row)?.get(col)?.as_deref()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Iterates rows as name lookups.
    pub fn iter(&self) -> impl Iterator<Item = RowView<'_>> {
        (0..self.rows.len()).map(move |i| RowView {
            rows: self,
            index: i,
        })
    }
}

/// One row of [`Rows`].
#[derive(Clone, Copy)]
pub struct RowView<'a> {
    rows: &'a Rows,
    index: usize,
}

impl<'a> RowView<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.rows.get(self.index, name)
    }
}

/// What went wrong talking to Snowflake. Messages never hold a secret.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("connection settings: {message}\n  hint: {hint}")]
    Settings { message: String, hint: String },
    #[error("login to Snowflake failed: {message}")]
    Login { message: String },
    #[error("cannot reach Snowflake: {message}")]
    Network { message: String },
    /// Snowflake answered a request with an HTTP error status instead of a
    /// result: 429 (too many requests), 503 (service unavailable), other 5xx.
    #[error("Snowflake answered HTTP {status}: {message}")]
    Unavailable { status: u16, message: String },
    #[error("{}", SqlFailure { code: code.as_deref(), message, query_id: query_id.as_deref() })]
    Sql {
        code: Option<String>,
        message: String,
        query_id: Option<String>,
    },
    #[error("Snowflake connector: {message}")]
    Other { message: String },
}

impl ConnectorError {
    /// Snowflake's error code (`002002`), when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ConnectorError::Sql { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// True for a failure that may not have reached Snowflake or whose
    /// outcome is unknown: network errors, timeouts, a dropped connection,
    /// and HTTP 5xx answers (a gateway may answer 503 for a statement that
    /// ran behind it). The statement may have run: only idempotent SQL may
    /// be sent in its place.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ConnectorError::Network { .. } => true,
            ConnectorError::Unavailable { status, .. } => *status != 429,
            _ => false,
        }
    }

    /// True when Snowflake signals overload: HTTP 429 and 503 answers, and
    /// the errors it gives a statement it refused to start because too much
    /// runs at once:
    /// - `000625` (57014): "... was aborted because the number of waiters
    ///   for this lock exceeds the 20 statements limit";
    /// - `000603` (XX000) whose message says "Exceeded maximum number of
    ///   inbound queries allowed for this instance" (the plain `000603` is
    ///   an internal error and stays a failure).
    ///
    /// The caller should slow down and retry.
    pub fn overloaded(&self) -> bool {
        match self {
            ConnectorError::Unavailable { status, .. } => matches!(status, 429 | 503),
            ConnectorError::Sql { code, message, .. } => match code.as_deref() {
                Some("000625") => true,
                Some("000603") => message
                    .to_ascii_lowercase()
                    .contains("maximum number of inbound queries"),
                _ => false,
            },
            _ => false,
        }
    }

    /// True when the statement certainly did not run: Snowflake refused it
    /// (any SQL error, including the overload refusals) or answered 429.
    pub fn did_not_run(&self) -> bool {
        match self {
            ConnectorError::Sql { .. } => true,
            ConnectorError::Unavailable { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// True when sending again (after a pause) may succeed: overload, or an
    /// unknown outcome (then with idempotent SQL). Any other error says the
    /// statement failed, and retrying would fail the same way.
    pub fn retryable(&self) -> bool {
        self.overloaded() || self.outcome_unknown()
    }
}

struct SqlFailure<'a> {
    code: Option<&'a str>,
    message: &'a str,
    query_id: Option<&'a str>,
}

impl fmt::Display for SqlFailure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "Snowflake error {code}: ")?,
            None => write!(f, "Snowflake error: ")?,
        }
        f.write_str(&self.message.replace('\n', " "))?;
        if let Some(id) = self.query_id {
            write!(f, " (query id {id})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectorError;

    fn sql(code: &str, message: &str) -> ConnectorError {
        ConnectorError::Sql {
            code: Some(code.into()),
            message: message.into(),
            query_id: None,
        }
    }

    #[test]
    fn classification() {
        let http = |status| ConnectorError::Unavailable {
            status,
            message: "x".into(),
        };
        let network = ConnectorError::Network {
            message: "connection closed before message completed".into(),
        };
        // 429: refused, not run; 503: overload, may have run behind a gateway.
        assert!(http(429).overloaded() && !http(429).outcome_unknown() && http(429).did_not_run());
        assert!(http(503).overloaded() && http(503).outcome_unknown() && !http(503).did_not_run());
        assert!(!http(502).overloaded() && http(502).retryable());
        assert!(network.outcome_unknown() && network.retryable() && !network.overloaded());
        let waiters = sql(
            "000625",
            "Statement '01b4' has locked table 'T' in transaction 1 and this lock has not yet been released. Your statement '01b5' was aborted because the number of waiters for this lock exceeds the 20 statements limit.",
        );
        assert!(waiters.overloaded() && waiters.did_not_run());
        let inbound = sql(
            "000603",
            "SQL execution internal error: GS_EXCEPTION: Exceeded maximum number of inbound queries allowed for this instance: 36",
        );
        assert!(inbound.overloaded());
        // A plain internal error, or an object that already exists, is a failure.
        for e in [
            sql("000603", "SQL execution internal error: Processing aborted"),
            sql("002002", "Object 'X' already exists."),
        ] {
            assert!(!e.retryable() && e.did_not_run(), "{e}");
        }
    }
}
