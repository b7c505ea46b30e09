//! The backend trait behind [`StateStore`](super::StateStore): where one
//! stack's state lives (files under `state/`, or tables in Snowflake) and
//! how its lock is taken. The store and [`LockedStore`](super::LockedStore)
//! keep the rules common to every backend (never overwrite what was not
//! read, lineage fixed, serial + 1 per write).

use super::{LockInfo, State, StateError};
use crate::model::StackName;
use std::fmt;

/// Where a stack's state lives.
pub trait Backend: Send + Sync + fmt::Debug {
    fn stack(&self) -> &StackName;
    /// Where, for people: `state/dev.json`, `PUDO_ADMIN.STATE (stack dev)`.
    fn describe(&self) -> String;
    /// The recorded state, or `None` when nothing was recorded yet.
    fn load_existing(&self) -> Result<Option<State>, StateError>;
    /// The state as it was at `serial`, when that version is still kept.
    fn load_serial(&self, serial: u64) -> Result<Option<State>, StateError>;
    /// The oldest and the newest serial [`Backend::load_serial`] can read
    /// now; `None` when nothing was recorded yet.
    fn kept_serials(&self) -> Result<Option<(u64, u64)>, StateError>;
    /// Who holds the lock, if anyone.
    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError>;
    /// Removes the lock whoever holds it; returns who held it.
    fn force_unlock(&self) -> Result<Option<LockInfo>, StateError>;
    /// Takes the lock (or reports [`StateError::Locked`]). With `stale`,
    /// takes it over from that holder only (who must still hold it).
    fn acquire(
        &self,
        command: &str,
        stale: Option<&LockInfo>,
    ) -> Result<Box<dyn HeldLock>, StateError>;
}

/// A lock this process holds on one stack: the only way to write.
/// Dropping it releases the lock.
pub trait HeldLock: Send + fmt::Debug {
    fn info(&self) -> &LockInfo;
    /// Reads the state under the lock.
    fn load(&mut self) -> Result<Option<State>, StateError>;
    /// Writes `next` over `previous` (what this lock last read or wrote;
    /// `None`: nothing recorded). Either all of it is written or nothing
    /// visible changes. With `release`, the lock is released too once the
    /// write succeeded (in the same statement, where the backend can);
    /// on error it is still held.
    fn write(
        &mut self,
        previous: Option<&State>,
        next: &State,
        release: bool,
    ) -> Result<(), StateError>;
    /// Releases the lock now.
    fn release(self: Box<Self>) -> Result<(), StateError>;
    /// Statements (or file writes) spent on state so far, for reports.
    fn operations(&self) -> u64 {
        0
    }
}
