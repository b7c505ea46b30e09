//! [`StateStore`]: one stack's state behind a [`Backend`] (files, or
//! Snowflake tables), and [`LockedStore`], the only writer.

use super::backend::{Backend, HeldLock};
use super::local::FileBackend;
use super::{FORMAT_VERSION, LockInfo, State, StateError};
use crate::model::StackName;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where one stack's state lives. Reading needs no lock; writing goes
/// through [`StateStore::lock`].
#[derive(Clone, Debug)]
pub struct StateStore {
    backend: Arc<dyn Backend>,
}

impl StateStore {
    /// The local store of `stack` under `<project_root>/state/`.
    pub fn new(project_root: &Path, stack: &StackName) -> StateStore {
        StateStore::with_backend(Arc::new(FileBackend::new(project_root, stack)))
    }

    /// The local store of `stack` in the folder `dir` itself.
    pub fn in_dir(dir: impl Into<PathBuf>, stack: &StackName) -> StateStore {
        StateStore::with_backend(Arc::new(FileBackend::in_dir(dir, stack)))
    }

    pub fn with_backend(backend: Arc<dyn Backend>) -> StateStore {
        StateStore { backend }
    }

    pub fn stack(&self) -> &StackName {
        self.backend.stack()
    }

    /// Where the state lives, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// The recorded state; an empty state (serial 0) when there is none.
    /// A corrupt record, a newer format or another stack's is an error.
    pub fn load(&self) -> Result<State, StateError> {
        Ok(self
            .load_existing()?
            .unwrap_or_else(|| State::empty(self.stack())))
    }

    /// The recorded state, or `None` when nothing was recorded yet.
    pub fn load_existing(&self) -> Result<Option<State>, StateError> {
        self.backend.load_existing()
    }

    /// The state as it was at `serial`, when still kept.
    pub fn load_serial(&self, serial: u64) -> Result<Option<State>, StateError> {
        self.backend.load_serial(serial)
    }

    /// The oldest and the newest serial still kept; `None`: nothing
    /// recorded.
    pub fn kept_serials(&self) -> Result<Option<(u64, u64)>, StateError> {
        self.backend.kept_serials()
    }

    /// Who holds the lock, if anyone.
    pub fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        self.backend.lock_holder()
    }

    /// Removes the lock whoever holds it; returns who held it.
    pub fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        self.backend.force_unlock()
    }

    /// Takes the lock for a whole run (`command` names it for others, e.g.
    /// `pudo apply`). A second writer gets [`StateError::Locked`] naming
    /// the holder.
    pub fn lock(&self, command: &str) -> Result<LockedStore, StateError> {
        self.locked(self.backend.acquire(command, None)?)
    }

    /// Takes over the lock from `stale` (a holder that no longer runs),
    /// only if that holder still holds it.
    pub fn take_over(&self, stale: &LockInfo, command: &str) -> Result<LockedStore, StateError> {
        self.locked(self.backend.acquire(command, Some(stale))?)
    }

    fn locked(&self, held: Box<dyn HeldLock>) -> Result<LockedStore, StateError> {
        Ok(LockedStore {
            store: self.clone(),
            info: held.info().clone(),
            held: Some(held),
            basis: None,
            operations: 0,
        })
    }
}

/// A store whose lock this process holds: the only way to write state.
/// The lock is released when this value is dropped (or by
/// [`LockedStore::save_and_unlock`]).
#[derive(Debug)]
pub struct LockedStore {
    store: StateStore,
    info: LockInfo,
    /// `None` once released.
    held: Option<Box<dyn HeldLock>>,
    /// The state as last read or written (`Some(None)`: nothing recorded).
    basis: Option<Option<State>>,
    /// Operations of a lock already released.
    operations: u64,
}

impl LockedStore {
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    fn held(&mut self) -> Result<&mut Box<dyn HeldLock>, StateError> {
        let stack = self.store.stack().to_string();
        self.held.as_mut().ok_or_else(|| StateError::Conflict {
            stack,
            message: "this run already released its lock".to_string(),
        })
    }

    pub fn lock_info(&self) -> &LockInfo {
        &self.info
    }

    /// Statements (Snowflake) or file writes (local) spent on state.
    pub fn operations(&self) -> u64 {
        self.operations + self.held.as_ref().map_or(0, |h| h.operations())
    }

    /// Reads the state under the lock.
    pub fn load(&mut self) -> Result<State, StateError> {
        let existing = self.held()?.load()?;
        let state = existing
            .clone()
            .unwrap_or_else(|| State::empty(self.store.stack()));
        self.basis = Some(existing);
        Ok(state)
    }

    /// Writes `state` as the new version: serial + 1, this pudo's version.
    /// On error the recorded state is the previous version and
    /// `state.serial` is unchanged.
    pub fn save(&mut self, state: &mut State) -> Result<(), StateError> {
        self.save_releasing(state, false)
    }

    /// [`LockedStore::save`], then releases the lock: in the same
    /// statement with the Snowflake backend (the commit frees the lock
    /// row). On error the lock is still held.
    pub fn save_and_unlock(&mut self, state: &mut State) -> Result<(), StateError> {
        self.save_releasing(state, true)
    }

    fn save_releasing(&mut self, state: &mut State, release: bool) -> Result<(), StateError> {
        self.check_basis(state)?;
        let previous = (
            state.serial,
            state.pudo_version.clone(),
            state.lineage.clone(),
        );
        if state.lineage.is_empty() {
            state.lineage = super::new_lineage();
        }
        state.serial += 1;
        state.format_version = FORMAT_VERSION;
        state.pudo_version = env!("CARGO_PKG_VERSION").to_string();
        let result = self.write(state, release);
        if result.is_err() {
            (state.serial, state.pudo_version, state.lineage) = previous;
        }
        result
    }

    /// Writes `state` exactly as it is (lineage, serial, version): what
    /// `pudo state migrate` copies. The caller checked that it is newer.
    pub fn put(&mut self, state: &State) -> Result<(), StateError> {
        if self.basis.is_none() {
            self.load()?;
        }
        self.write(state, false)
    }

    fn check_basis(&mut self, state: &State) -> Result<(), StateError> {
        if self.basis.is_none() {
            // Never overwrite a record we have not read: it may be corrupt,
            // newer or another stack's, and then it must stay as it is.
            self.load()?;
        }
        if let Some(Some(basis)) = &self.basis
            && basis.lineage != state.lineage
        {
            return Err(StateError::LineageChanged {
                expected: basis.lineage.clone(),
                found: state.lineage.clone(),
            });
        }
        Ok(())
    }

    fn write(&mut self, state: &State, release: bool) -> Result<(), StateError> {
        self.held()?;
        let basis = self.basis.take().flatten();
        let held = self.held.as_mut().expect("checked above");
        let result = held.write(basis.as_ref(), state, release);
        self.basis = Some(match result {
            Ok(()) => Some(state.clone()),
            Err(_) => basis,
        });
        if result.is_ok()
            && release
            && let Some(held) = self.held.take()
        {
            // Released by the write: dropping it sends nothing.
            self.operations += held.operations();
        }
        result
    }

    /// Releases the lock now (also done on drop).
    pub fn unlock(mut self) -> Result<(), StateError> {
        match self.held.take() {
            Some(held) => held.release(),
            None => Ok(()),
        }
    }
}

impl Drop for LockedStore {
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            let _ = held.release();
        }
    }
}
