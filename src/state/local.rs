//! The local backend: reads `state/<stack>.json`, writes it atomically
//! (temp file in the same folder, fsync, rename, fsync of the folder), keeps
//! the previous version as `<stack>.json.backup`, and takes `<stack>.lock`.

use super::backend::{Backend, HeldLock};
use super::lock::{self, LockInfo, StateLock};
use super::{FORMAT_VERSION, STATE_DIR, State, StateError};
use crate::model::StackName;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One stack's files in a folder.
#[derive(Clone, Debug)]
pub struct FileBackend {
    dir: PathBuf,
    stack: StackName,
}

impl FileBackend {
    /// The files of `stack` under `<project_root>/state/`.
    pub fn new(project_root: &Path, stack: &StackName) -> FileBackend {
        FileBackend::in_dir(project_root.join(STATE_DIR), stack)
    }

    /// The files of `stack` in the folder `dir` itself.
    pub fn in_dir(dir: impl Into<PathBuf>, stack: &StackName) -> FileBackend {
        FileBackend {
            dir: dir.into(),
            stack: stack.clone(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.stack))
    }

    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(format!("{}.json.backup", self.stack))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.stack))
    }

    fn temp_path(&self) -> PathBuf {
        self.dir.join(format!(".{}.json.tmp", self.stack))
    }

    fn read(&self, path: &Path) -> Result<Option<State>, StateError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        parse(&text, path, &self.stack).map(Some)
    }

    /// First half of a write: the new version in the temp file, fsynced.
    /// Until [`commit`](Self::commit), the state file is untouched and the
    /// temp file is ignored by readers: a crash here loses nothing recorded.
    pub(crate) fn prepare(&self, state: &State) -> Result<PathBuf, StateError> {
        let temp = self.temp_path();
        let io = |action, source| StateError::Io {
            action,
            path: temp.display().to_string(),
            source,
        };
        let bytes = state.to_json().into_bytes();
        let mut file = std::fs::File::create(&temp).map_err(|e| io("create", e))?;
        file.write_all(&bytes).map_err(|e| io("write", e))?;
        file.sync_all().map_err(|e| io("fsync", e))?;
        Ok(temp)
    }

    /// Second half: keep the previous version as the backup, rename the
    /// temp file into place, fsync the folder.
    pub(crate) fn commit(&self, temp: &Path) -> Result<(), StateError> {
        let path = self.path();
        let backup = self.backup_path();
        if path.exists() {
            let backup_temp = self.dir.join(format!(".{}.json.backup.tmp", self.stack));
            let _ = std::fs::remove_file(&backup_temp);
            let linked = std::fs::hard_link(&path, &backup_temp)
                .or_else(|_| std::fs::copy(&path, &backup_temp).map(|_| ()));
            linked
                .and_then(|()| std::fs::rename(&backup_temp, &backup))
                .map_err(|source| StateError::Io {
                    action: "keep the backup",
                    path: backup.display().to_string(),
                    source,
                })?;
        }
        std::fs::rename(temp, &path).map_err(|source| StateError::Io {
            action: "rename the new state into",
            path: path.display().to_string(),
            source,
        })?;
        // The rename is durable only once the folder entry is.
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Backend for FileBackend {
    fn stack(&self) -> &StackName {
        &self.stack
    }

    fn describe(&self) -> String {
        format!("{STATE_DIR}/{}.json", self.stack)
    }

    fn load_existing(&self) -> Result<Option<State>, StateError> {
        self.read(&self.path())
    }

    /// The current file or the backup (the version before the last write).
    fn load_serial(&self, serial: u64) -> Result<Option<State>, StateError> {
        for path in [self.path(), self.backup_path()] {
            if let Some(state) = self.read(&path)?
                && state.serial == serial
            {
                return Ok(Some(state));
            }
        }
        Ok(None)
    }

    fn kept_serials(&self) -> Result<Option<(u64, u64)>, StateError> {
        let Some(current) = self.read(&self.path())? else {
            return Ok(None);
        };
        // An unreadable backup keeps nothing.
        let backup = self.read(&self.backup_path()).ok().flatten();
        let oldest = backup.map_or(current.serial, |b| b.serial.min(current.serial));
        Ok(Some((oldest, current.serial)))
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        lock::read(&self.lock_path())
    }

    fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        let holder = match self.lock_holder() {
            Ok(holder) => holder,
            // An unreadable lock is removed all the same.
            Err(StateError::BadLock { .. }) => None,
            Err(e) => return Err(e),
        };
        match std::fs::remove_file(self.lock_path()) {
            Ok(()) => Ok(holder),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io {
                action: "remove the lock",
                path: self.lock_path().display().to_string(),
                source,
            }),
        }
    }

    fn acquire(
        &self,
        command: &str,
        stale: Option<&LockInfo>,
    ) -> Result<Box<dyn HeldLock>, StateError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| StateError::Io {
            action: "create the state folder",
            path: self.dir.display().to_string(),
            source,
        })?;
        if let Some(stale) = stale
            && self.lock_holder()?.as_ref() == Some(stale)
        {
            self.force_unlock()?;
        }
        let lock = StateLock::acquire(&self.lock_path(), self.stack.as_str(), command)?;
        Ok(Box::new(FileLock {
            files: self.clone(),
            lock: Some(lock),
            writes: 0,
        }))
    }
}

/// The held `<stack>.lock`.
#[derive(Debug)]
struct FileLock {
    files: FileBackend,
    lock: Option<StateLock>,
    writes: u64,
}

impl HeldLock for FileLock {
    fn info(&self) -> &LockInfo {
        self.lock.as_ref().expect("held until released").info()
    }

    fn load(&mut self) -> Result<Option<State>, StateError> {
        self.files.load_existing()
    }

    /// Temp file, fsync, backup link, rename, fsync of the folder: one
    /// serialization of the whole state and two fsyncs.
    fn write(
        &mut self,
        _previous: Option<&State>,
        next: &State,
        release: bool,
    ) -> Result<(), StateError> {
        let temp = self.files.prepare(next)?;
        self.files.commit(&temp)?;
        self.writes += 1;
        match self.lock.take() {
            Some(lock) if release => lock.release(),
            lock => {
                self.lock = lock;
                Ok(())
            }
        }
    }

    fn release(mut self: Box<Self>) -> Result<(), StateError> {
        match self.lock.take() {
            Some(lock) => lock.release(),
            None => Ok(()),
        }
    }

    fn operations(&self) -> u64 {
        self.writes
    }
}

fn parse(text: &str, path: &Path, stack: &StackName) -> Result<State, StateError> {
    let display = path.display().to_string();
    let corrupt = |message: String| StateError::Corrupt {
        path: display.clone(),
        message,
    };
    let newer = |found: u64| StateError::NewerFormat {
        path: display.clone(),
        found,
    };
    // One pass in the common case; the slower look at the raw value only
    // explains a failure (a newer format may not fit this State at all).
    let state: State = match serde_json::from_str(text) {
        Ok(state) => state,
        Err(e) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| corrupt(e.to_string()))?;
            return Err(match value.get("format_version").and_then(|v| v.as_u64()) {
                Some(found) if found > u64::from(FORMAT_VERSION) => newer(found),
                Some(_) => corrupt(e.to_string()),
                None => corrupt("no `format_version` number".to_string()),
            });
        }
    };
    if u64::from(state.format_version) > u64::from(FORMAT_VERSION) {
        return Err(newer(u64::from(state.format_version)));
    }
    if &state.stack != stack {
        return Err(StateError::WrongStack {
            path: display,
            found: state.stack.to_string(),
            expected: stack.to_string(),
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attrs, Ident, ResourceId, Value};
    use crate::state::StateStore;

    fn stack() -> StackName {
        StackName::for_environment("DEV")
    }

    fn role(name: &str) -> ResourceId {
        crate::kinds::role::id(Ident::parse(name).unwrap())
    }

    #[test]
    fn missing_file_is_an_empty_stack() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let state = store.load().unwrap();
        assert!(state.is_empty());
        assert_eq!(state.serial, 0);
        assert!(store.load_existing().unwrap().is_none());
    }

    #[test]
    fn save_increments_serial_keeps_backup_and_lineage() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let mut locked = store.lock("pudo test").unwrap();
        let mut state = locked.load().unwrap();
        assert_eq!(state.lineage, "");
        state.upsert(role("A"), Attrs::new());
        locked.save(&mut state).unwrap();
        let lineage = state.lineage.clone();
        assert_eq!(lineage.len(), 36);
        assert_eq!(state.serial, 1);
        assert!(
            !FileBackend::in_dir(dir.path(), &stack())
                .backup_path()
                .exists()
        );
        state.upsert(role("B"), Attrs::new());
        locked.save(&mut state).unwrap();
        drop(locked);

        let on_disk = store.load().unwrap();
        assert_eq!(on_disk.serial, 2);
        assert_eq!(on_disk.lineage, lineage);
        assert_eq!(on_disk.len(), 2);
        let backup: State = serde_json::from_str(
            &std::fs::read_to_string(FileBackend::in_dir(dir.path(), &stack()).backup_path())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(backup.serial, 1);
        assert_eq!(backup.len(), 1);
        assert!(
            !FileBackend::in_dir(dir.path(), &stack())
                .lock_path()
                .exists(),
            "lock released on drop"
        );
    }

    #[test]
    fn crash_between_write_and_rename_keeps_the_old_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let mut locked = store.lock("pudo test").unwrap();
        let mut state = locked.load().unwrap();
        state.upsert(role("A"), Attrs::new());
        locked.save(&mut state).unwrap();

        // The next write gets as far as the fsynced temp file, then "dies".
        let mut next = state.clone();
        next.upsert(role("B"), Attrs::new());
        next.serial += 1;
        let temp = FileBackend::in_dir(dir.path(), &stack())
            .prepare(&next)
            .unwrap();
        assert!(temp.exists());
        drop(locked);

        let recovered = store.load().unwrap();
        assert_eq!(recovered.serial, 1);
        assert_eq!(recovered.len(), 1);
        // The leftover temp file does not get in the way of the next run.
        let mut locked = store.lock("pudo test").unwrap();
        let mut state = locked.load().unwrap();
        state.upsert(role("C"), Attrs::new());
        locked.save(&mut state).unwrap();
        assert_eq!(store.load().unwrap().serial, 2);
    }

    #[test]
    fn a_held_lock_refuses_a_second_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let first = store.lock("pudo apply").unwrap();
        let err = store.lock("pudo apply").unwrap_err();
        match &err {
            StateError::Locked { stack, holder } => {
                assert_eq!(stack, "dev");
                assert_eq!(holder.pid, std::process::id());
                assert_eq!(holder.command, "pudo apply");
            }
            other => panic!("unexpected {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("locked by `pudo apply` (pid"), "{message}");
        assert!(message.contains("pudo state unlock"), "{message}");
        drop(first);
        store.lock("pudo apply").unwrap();
    }

    #[test]
    fn force_unlock_removes_a_stale_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let lock = store.lock("pudo apply").unwrap();
        std::mem::forget(lock); // the process "crashed" holding it
        assert!(store.lock_holder().unwrap().is_some());
        let holder = store.force_unlock().unwrap().unwrap();
        assert_eq!(holder.command, "pudo apply");
        store.lock("pudo apply").unwrap();
    }

    #[test]
    fn corrupt_or_newer_files_are_reported_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        for (text, expect) in [
            ("{ not json", "is corrupt"),
            ("{\"format_version\": 99, \"x\": 1}", "format version 99"),
            ("{\"format_version\": 1}", "is corrupt"),
        ] {
            std::fs::write(FileBackend::in_dir(dir.path(), &stack()).path(), text).unwrap();
            let err = store.load().unwrap_err();
            assert!(err.to_string().contains(expect), "{err}");
            let mut locked = store.lock("pudo test").unwrap();
            assert!(locked.load().is_err());
            let mut state = State::empty(&stack());
            assert!(locked.save(&mut state).is_err(), "must not overwrite");
            drop(locked);
            assert_eq!(
                std::fs::read_to_string(FileBackend::in_dir(dir.path(), &stack()).path()).unwrap(),
                text
            );
        }
    }

    #[test]
    fn another_stacks_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let shared = StateStore::in_dir(dir.path(), &StackName::shared());
        let mut locked = shared.lock("t").unwrap();
        let mut state = locked.load().unwrap();
        locked.save(&mut state).unwrap();
        drop(locked);
        std::fs::copy(
            FileBackend::in_dir(dir.path(), &StackName::shared()).path(),
            dir.path().join("dev.json"),
        )
        .unwrap();
        let err = StateStore::in_dir(dir.path(), &stack()).load().unwrap_err();
        assert!(matches!(err, StateError::WrongStack { .. }), "{err}");
    }

    #[test]
    fn saving_a_thousand_resources_a_thousand_times_is_cheap() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::in_dir(dir.path(), &stack());
        let mut locked = store.lock("t").unwrap();
        let mut state = locked.load().unwrap();
        let mut attrs = Attrs::new();
        attrs.insert("comment".into(), Value::Text("some comment text".into()));
        for i in 0..1000 {
            state.upsert(role(&format!("ROLE_{i}")), attrs.clone());
        }
        let start = std::time::Instant::now();
        for _ in 0..20 {
            locked.save(&mut state).unwrap();
        }
        let per_save = start.elapsed() / 20;
        // Generous bound for debug builds on a shared machine.
        assert!(per_save.as_millis() < 200, "{per_save:?} per save");
    }
}
