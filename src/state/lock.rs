//! The state lock: `state/<stack>.lock`, created with `create_new` so that
//! exactly one writer holds it, holding who took it and when.

use super::StateError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Who holds a lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub host: String,
    pub user: String,
    /// UTC, RFC 3339 (`2025-01-31T12:00:00Z`).
    pub time: String,
    /// The command that took it (`pudo apply`).
    pub command: String,
}

impl LockInfo {
    /// This process, now.
    pub fn current(command: &str) -> LockInfo {
        LockInfo {
            pid: std::process::id(),
            host: hostname(),
            user: username(),
            time: rfc3339(SystemTime::now()),
            command: command.to_string(),
        }
    }

    /// True when the holder is a process of this machine that no longer
    /// runs (only knowable on Linux, through /proc).
    pub fn is_stale_here(&self) -> bool {
        self.host == hostname()
            && Path::new("/proc/self").exists()
            && !Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` (pid {} on host `{}`, user `{}`, since {})",
            self.command, self.pid, self.host, self.user, self.time
        )
    }
}

/// A held lock; dropping it removes the lock file.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    info: LockInfo,
    released: bool,
}

impl StateLock {
    /// Takes the lock at `path`, or reports who holds it.
    pub(crate) fn acquire(
        path: &Path,
        stack: &str,
        command: &str,
    ) -> Result<StateLock, StateError> {
        let info = LockInfo::current(command);
        let text = serde_json::to_string_pretty(&info).expect("lock info serializes");
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => {
                let io = |source| StateError::Io {
                    action: "write the lock",
                    path: path.display().to_string(),
                    source,
                };
                file.write_all(text.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(StateLock {
                    path: path.to_path_buf(),
                    info,
                    released: false,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = Box::new(read(path)?.unwrap_or_else(|| LockInfo {
                    pid: 0,
                    host: "?".into(),
                    user: "?".into(),
                    time: "?".into(),
                    command: "(released meanwhile)".into(),
                }));
                Err(StateError::Locked {
                    stack: stack.to_string(),
                    holder,
                })
            }
            Err(source) => Err(StateError::Io {
                action: "create the lock",
                path: path.display().to_string(),
                source,
            }),
        }
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the lock file now (also done on drop).
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        std::fs::remove_file(&self.path).map_err(|source| StateError::Io {
            action: "remove the lock",
            path: self.path.display().to_string(),
            source,
        })
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        if !self.released {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The holder recorded in a lock file; `None` when there is no lock.
pub(crate) fn read(path: &Path) -> Result<Option<LockInfo>, StateError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StateError::BadLock {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io {
            action: "read the lock",
            path: path.display().to_string(),
            source,
        }),
    }
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

fn username() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// `2025-01-31T12:00:00Z` (UTC, seconds).
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc_times() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_709_210_096)),
            "2024-02-29T12:34:56Z"
        );
    }
}
