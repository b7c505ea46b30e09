//! The door to Snowflake: a [`Connector`] opens [`Session`]s that run SQL and
//! return rows as text. The async runtime of the real connector stays inside
//! [`snowflake`]; the rest of pudo is synchronous.

pub mod snowflake;

use std::fmt;

/// Opens sessions; one session per worker.
pub trait Connector: Send + Sync {
    fn open(&self) -> Result<Box<dyn Session>, ConnectorError>;
}

/// One logged-in session. Statements run one at a time.
pub trait Session: Send {
    fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError>;
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
    /// outcome is unknown (network errors, timeouts).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ConnectorError::Network { .. })
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
