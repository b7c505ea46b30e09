//! The statements of the Snowflake state backend go through one session
//! here: logged in on first use and again after a lost connection, each
//! statement sent again after overload and, when that is harmless (or made
//! so by an undo), after an unknown outcome.

use super::{Header, Location};
use crate::connector::{Bind, Connector, ConnectorError, RetryPolicy, Rows, Session};
use crate::model::StackName;
use crate::state::StateError;
use std::sync::Arc;

/// A statement that failed for good: the last error and how many times it
/// was sent.
pub(super) struct Failed {
    pub(super) error: ConnectorError,
    pub(super) attempts: usize,
}

pub(super) fn sql_error(location: &Location, failed: Failed) -> StateError {
    let e = failed.error;
    // 002003/002043: missing or not visible to the session's role; 003001:
    // visible but not writable (docs/state.md, "Roles").
    let hint = match e.code() {
        Some("002003" | "002043") => {
            "\n  hint: run `pudo state init` to create the state tables; if they exist, the session's role cannot see them: set `state.role` to the role that owns them (docs/state.md, Roles)"
        }
        Some("003001") => {
            "\n  hint: the session's role may not read or write the state tables: set `state.role` to the role that owns them, or grant it SELECT, INSERT, UPDATE, DELETE on them (docs/state.md, Roles)"
        }
        _ => "",
    };
    let attempts = if failed.attempts > 1 {
        format!(" (sent {} times, then gave up)", failed.attempts)
    } else {
        String::new()
    };
    StateError::Backend {
        message: format!(
            "state in Snowflake ({}): {e}{attempts}{hint}",
            location.describe()
        ),
    }
}

/// What to do when a statement's outcome is unknown (the connection
/// dropped, or an HTTP 5xx answer): it may have run.
#[derive(Clone, Copy)]
pub(super) enum Repeat<'a> {
    /// Sending it twice is harmless: send it again.
    Safe,
    /// Run this statement (itself harmless twice) first, which undoes
    /// whatever it may have done, then send it again.
    Undo(&'a str, &'a [Bind]),
    /// The caller finds out what happened.
    Never,
}

/// A session with the statements the backend runs.
pub(super) struct Sql {
    pub(super) connector: Arc<dyn Connector>,
    /// `None` until the first statement, and after a lost connection.
    pub(super) session: Option<Box<dyn Session>>,
    pub(super) location: Location,
    pub(super) stack: StackName,
    pub(super) retry: RetryPolicy,
    /// Statements sent, retries included.
    pub(super) count: u64,
}

impl Sql {
    /// Sends `sql` once (logging in first when there is no session).
    pub(super) fn send(&mut self, sql: &str, binds: &[Bind]) -> Result<Rows, ConnectorError> {
        if self.session.is_none() {
            self.session = Some(self.connector.open()?);
        }
        self.count += 1;
        let session = self.session.as_mut().expect("opened above");
        let result = session.execute_bound(sql, binds);
        if let Err(ConnectorError::Network { .. }) = &result {
            // The connection broke: log in again before the next statement.
            self.session = None;
        }
        result
    }

    /// Runs `sql`. A refusal for overload (it did not run) is sent again
    /// after a pause; so is an unknown outcome, as `repeat` allows. Gives
    /// up after the retry policy's retries.
    pub(super) fn run(
        &mut self,
        sql: &str,
        binds: &[Bind],
        repeat: Repeat<'_>,
    ) -> Result<Rows, Failed> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.send(sql, binds) {
                Ok(rows) => return Ok(rows),
                Err(error) => error,
            };
            let again = error.retryable()
                && attempts <= self.retry.max_retries
                && (error.did_not_run() || !matches!(repeat, Repeat::Never));
            if !again {
                return Err(Failed { error, attempts });
            }
            std::thread::sleep(self.retry.delay(attempts));
            if let (Repeat::Undo(undo, undo_binds), false) = (repeat, error.did_not_run()) {
                self.run(undo, undo_binds, Repeat::Safe)
                    .map_err(|f| Failed {
                        error: f.error,
                        attempts,
                    })?;
            }
        }
    }

    /// [`Sql::run`], failures as state errors.
    pub(super) fn exec(
        &mut self,
        sql: &str,
        binds: &[Bind],
        repeat: Repeat<'_>,
    ) -> Result<Rows, StateError> {
        self.run(sql, binds, repeat)
            .map_err(|f| sql_error(&self.location, f))
    }

    /// Sends a statement whose outcome, when unknown, `settled` finds out
    /// from the header: `Some(answer)` when it knows, `None` when the
    /// statement did not run (then it is sent again).
    pub(super) fn resolve(
        &mut self,
        sql: &str,
        binds: &[Bind],
        settled: impl Fn(&Option<Header>) -> Option<bool>,
    ) -> Result<Result<Rows, bool>, StateError> {
        let mut lost = 0;
        loop {
            match self.run(sql, binds, Repeat::Never) {
                Ok(rows) => return Ok(Ok(rows)),
                Err(f) if f.error.outcome_unknown() && lost < self.retry.max_retries => {
                    lost += 1;
                    std::thread::sleep(self.retry.delay(lost));
                    if let Some(answer) = settled(&self.header()?) {
                        return Ok(Err(answer));
                    }
                }
                Err(f) => {
                    let attempts = f.attempts + lost;
                    return Err(sql_error(&self.location, Failed { attempts, ..f }));
                }
            }
        }
    }

    pub(super) fn t(&self, name: &str) -> String {
        self.location.table(name)
    }

    pub(super) fn stack(&self) -> Bind {
        Bind::Text(self.stack.to_string())
    }
}
