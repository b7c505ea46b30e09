//! The Snowflake backend: a stack's state as rows of three tables in the
//! account pudo manages (`state:` in base.yaml; see docs/state.md).
//!
//! - `STACKS`: one header row per stack (lineage, serial, pending marks,
//!   the lock columns, `NEXT_SERIAL` of a write in progress and
//!   `OLDEST_SERIAL` kept in history);
//! - `RESOURCES`: one row per version of a resource, valid for serials
//!   `FROM_SERIAL <= s < TO_SERIAL` (`TO_SERIAL` NULL: current).
//!
//! A save claims the next serial (`UPDATE ... WHERE SERIAL = <read> AND
//! LOCK_ID = <mine>`: a writer that lost the race changes nothing), closes
//! the rows of changed resources and inserts their new versions, then
//! commits by moving `SERIAL` (one UPDATE). Readers see `SERIAL` only, so a
//! write cut short is invisible and is swept by the next lock holder. All
//! values travel as bind variables.

use super::backend::{Backend, HeldLock};
use super::{FORMAT_VERSION, LockInfo, RecordedResource, State, StateError};
use crate::connector::{Bind, Connector, ConnectorError, Rows, Session};
use crate::model::{Ident, ResourceId, StackName};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Rows per INSERT (binds per statement stay in the thousands).
const CHUNK: usize = 200;

/// Where the tables are: `<database>.<schema>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub database: Ident,
    pub schema: Ident,
    /// Keep only the last N serials (None: all of them).
    pub history: Option<u64>,
}

impl Location {
    fn table(&self, name: &str) -> String {
        format!("{}.{}.{name}", self.database.sql(), self.schema.sql())
    }

    /// `database.schema`, as written in SQL.
    pub fn describe(&self) -> String {
        format!("{}.{}", self.database.sql(), self.schema.sql())
    }

    /// The statements of `pudo state init`: database, schema and tables,
    /// each created only if missing.
    pub fn init_sql(&self) -> Vec<String> {
        vec![
            format!("CREATE DATABASE IF NOT EXISTS {}", self.database.sql()),
            format!(
                "CREATE SCHEMA IF NOT EXISTS {}.{}",
                self.database.sql(),
                self.schema.sql()
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (STACK VARCHAR NOT NULL, LINEAGE VARCHAR, SERIAL NUMBER NOT NULL, NEXT_SERIAL NUMBER NOT NULL, OLDEST_SERIAL NUMBER NOT NULL, FORMAT_VERSION NUMBER, PUDO_VERSION VARCHAR, PENDING VARCHAR, GATE_SKIPS VARCHAR, LOCK_ID VARCHAR, LOCK_PID NUMBER, LOCK_HOST VARCHAR, LOCK_USER VARCHAR, LOCK_COMMAND VARCHAR, LOCK_TIME VARCHAR)",
                self.table("STACKS")
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (STACK VARCHAR NOT NULL, ADDRESS VARCHAR NOT NULL, ID VARCHAR NOT NULL, ATTRS VARCHAR NOT NULL, FROM_SERIAL NUMBER NOT NULL, TO_SERIAL NUMBER)",
                self.table("RESOURCES")
            ),
        ]
    }
}

/// One stack's state in Snowflake.
pub struct SnowflakeBackend {
    location: Location,
    stack: StackName,
    connector: Arc<dyn Connector>,
}

impl fmt::Debug for SnowflakeBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SnowflakeBackend({}, {})",
            self.location.describe(),
            self.stack
        )
    }
}

impl SnowflakeBackend {
    pub fn new(location: Location, stack: &StackName, connector: Arc<dyn Connector>) -> Self {
        SnowflakeBackend {
            location,
            stack: stack.clone(),
            connector,
        }
    }

    fn open(&self) -> Result<Sql, StateError> {
        let session = self.connector.open().map_err(|e| self.error(e))?;
        Ok(Sql {
            session,
            location: self.location.clone(),
            stack: self.stack.clone(),
            count: 0,
        })
    }

    fn error(&self, e: ConnectorError) -> StateError {
        sql_error(&self.location, e)
    }
}

/// A header list as a JSON column (NULL when empty).
fn json_or_null<T: serde::Serialize>(list: &[T]) -> Bind {
    if list.is_empty() {
        Bind::Null
    } else {
        Bind::from(serde_json::to_string(list).expect("header lists serialize"))
    }
}

fn sql_error(location: &Location, e: ConnectorError) -> StateError {
    let hint = if e.code() == Some("002003") || e.code() == Some("002043") {
        "\n  hint: run `pudo state init` to create the state tables".to_string()
    } else {
        String::new()
    };
    StateError::Backend {
        message: format!("state in Snowflake ({}): {e}{hint}", location.describe()),
    }
}

/// A session with the statements the backend runs.
struct Sql {
    session: Box<dyn Session>,
    location: Location,
    stack: StackName,
    count: u64,
}

/// The header row of a stack.
struct Header {
    lineage: Option<String>,
    serial: u64,
    next_serial: u64,
    oldest_serial: u64,
    format_version: u64,
    pudo_version: String,
    pending: Vec<String>,
    gate_skips: Vec<super::GateSkip>,
    lock: Option<(String, LockInfo)>,
}

impl Sql {
    fn run(&mut self, sql: &str, binds: &[Bind]) -> Result<Rows, StateError> {
        self.count += 1;
        self.session
            .execute_bound(sql, binds)
            .map_err(|e| sql_error(&self.location, e))
    }

    fn t(&self, name: &str) -> String {
        self.location.table(name)
    }

    fn stack(&self) -> Bind {
        Bind::Text(self.stack.to_string())
    }

    fn header(&mut self) -> Result<Option<Header>, StateError> {
        let sql = format!(
            "SELECT LINEAGE, SERIAL, NEXT_SERIAL, OLDEST_SERIAL, FORMAT_VERSION, PUDO_VERSION, PENDING, GATE_SKIPS, LOCK_ID, LOCK_PID, LOCK_HOST, LOCK_USER, LOCK_COMMAND, LOCK_TIME FROM {} WHERE STACK = ?",
            self.t("STACKS")
        );
        let rows = self.run(&sql, &[self.stack()])?;
        let Some(row) = rows.iter().next() else {
            return Ok(None);
        };
        let num = |c: &str| row.get(c).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let text = |c: &str| row.get(c).map(str::to_string);
        let pending = self.json_list(row.get("PENDING"), "PENDING")?;
        let gate_skips = self.json_list(row.get("GATE_SKIPS"), "GATE_SKIPS")?;
        let lock = text("LOCK_ID").map(|id| {
            (
                id,
                LockInfo {
                    pid: num("LOCK_PID") as u32,
                    host: text("LOCK_HOST").unwrap_or_default(),
                    user: text("LOCK_USER").unwrap_or_default(),
                    time: text("LOCK_TIME").unwrap_or_default(),
                    command: text("LOCK_COMMAND").unwrap_or_default(),
                },
            )
        });
        Ok(Some(Header {
            lineage: text("LINEAGE").filter(|l| !l.is_empty()),
            serial: num("SERIAL"),
            next_serial: num("NEXT_SERIAL"),
            oldest_serial: num("OLDEST_SERIAL"),
            format_version: num("FORMAT_VERSION"),
            pudo_version: text("PUDO_VERSION").unwrap_or_default(),
            pending,
            gate_skips,
            lock,
        }))
    }

    /// A header list stored as JSON (NULL or empty: no items).
    fn json_list<T: serde::de::DeserializeOwned>(
        &self,
        value: Option<&str>,
        column: &str,
    ) -> Result<Vec<T>, StateError> {
        match value {
            Some(json) if !json.is_empty() => {
                serde_json::from_str(json).map_err(|e| self.corrupt(format!("{column}: {e}")))
            }
            _ => Ok(Vec::new()),
        }
    }

    fn corrupt(&self, message: String) -> StateError {
        StateError::Corrupt {
            path: format!("{} (stack {})", self.location.describe(), self.stack),
            message,
        }
    }

    /// The state at `serial` (header fields from the current header).
    fn state_at(&mut self, header: &Header, serial: u64) -> Result<State, StateError> {
        if header.format_version > u64::from(FORMAT_VERSION) {
            return Err(StateError::NewerFormat {
                path: format!("{} (stack {})", self.location.describe(), self.stack),
                found: header.format_version,
            });
        }
        let sql = format!(
            "SELECT ID, ATTRS FROM {} WHERE STACK = ? AND FROM_SERIAL <= ? AND (TO_SERIAL IS NULL OR TO_SERIAL > ?)",
            self.t("RESOURCES")
        );
        let rows = self.run(&sql, &[self.stack(), serial.into(), serial.into()])?;
        let mut resources = BTreeMap::new();
        for row in rows.iter() {
            let id: ResourceId = serde_json::from_str(row.get("ID").unwrap_or_default())
                .map_err(|e| self.corrupt(format!("ID: {e}")))?;
            let attrs = serde_json::from_str(row.get("ATTRS").unwrap_or_default())
                .map_err(|e| self.corrupt(format!("ATTRS: {e}")))?;
            let address = id.address();
            if resources
                .insert(id.clone(), RecordedResource { address, id, attrs })
                .is_some()
            {
                return Err(self.corrupt("a resource is recorded twice".into()));
            }
        }
        Ok(State {
            format_version: header.format_version as u32,
            lineage: header.lineage.clone().unwrap_or_default(),
            serial,
            pudo_version: header.pudo_version.clone(),
            stack: self.stack.clone(),
            pending: if serial == header.serial {
                header.pending.clone()
            } else {
                Vec::new()
            },
            gate_skips: header.gate_skips.clone(),
            resources,
        })
    }

    fn current(&mut self) -> Result<Option<State>, StateError> {
        match self.header()? {
            Some(h) if h.serial > 0 => {
                let serial = h.serial;
                self.state_at(&h, serial).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Takes the lock: one UPDATE whose condition is "not locked" (or
    /// "held by `stale`"); the rows updated say who won.
    fn try_lock(
        &mut self,
        id: &str,
        info: &LockInfo,
        stale: Option<&LockInfo>,
    ) -> Result<bool, StateError> {
        let mut sql = format!(
            "UPDATE {} SET LOCK_ID = ?, LOCK_PID = ?, LOCK_HOST = ?, LOCK_USER = ?, LOCK_COMMAND = ?, LOCK_TIME = ? WHERE STACK = ? AND ",
            self.t("STACKS")
        );
        let mut binds = vec![
            Bind::from(id),
            Bind::Int(i64::from(info.pid)),
            Bind::from(info.host.as_str()),
            Bind::from(info.user.as_str()),
            Bind::from(info.command.as_str()),
            Bind::from(info.time.as_str()),
            self.stack(),
        ];
        match stale {
            None => sql.push_str("LOCK_ID IS NULL"),
            Some(s) => {
                sql.push_str("LOCK_PID = ? AND LOCK_HOST = ? AND LOCK_TIME = ?");
                binds.extend([
                    Bind::Int(i64::from(s.pid)),
                    Bind::from(s.host.as_str()),
                    Bind::from(s.time.as_str()),
                ]);
            }
        }
        Ok(self.run(&sql, &binds)?.count() == 1)
    }

    /// Adds the header row of a stack seen for the first time (one MERGE,
    /// so two first writers cannot both add one).
    fn ensure_header(&mut self) -> Result<(), StateError> {
        let sql = format!(
            "MERGE INTO {} t USING (SELECT ? AS STACK) s ON t.STACK = s.STACK WHEN NOT MATCHED THEN INSERT (STACK, SERIAL, NEXT_SERIAL, OLDEST_SERIAL) VALUES (s.STACK, 0, 0, 0)",
            self.t("STACKS")
        );
        self.run(&sql, &[self.stack()]).map(|_| ())
    }
}

impl Backend for SnowflakeBackend {
    fn stack(&self) -> &StackName {
        &self.stack
    }

    fn describe(&self) -> String {
        format!(
            "Snowflake {} (stack {})",
            self.location.describe(),
            self.stack
        )
    }

    fn load_existing(&self) -> Result<Option<State>, StateError> {
        self.open()?.current()
    }

    fn load_serial(&self, serial: u64) -> Result<Option<State>, StateError> {
        let mut sql = self.open()?;
        match sql.header()? {
            Some(h) if serial >= 1 && serial <= h.serial && serial >= h.oldest_serial.max(1) => {
                sql.state_at(&h, serial).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self
            .open()?
            .header()?
            .and_then(|h| h.lock)
            .map(|(_, info)| info))
    }

    fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        let mut sql = self.open()?;
        let holder = sql.header()?.and_then(|h| h.lock).map(|(_, info)| info);
        let stmt = format!(
            "UPDATE {} SET LOCK_ID = NULL, LOCK_PID = NULL, LOCK_HOST = NULL, LOCK_USER = NULL, LOCK_COMMAND = NULL, LOCK_TIME = NULL WHERE STACK = ?",
            sql.t("STACKS")
        );
        sql.run(&stmt, &[sql.stack()])?;
        Ok(holder)
    }

    fn acquire(
        &self,
        command: &str,
        stale: Option<&LockInfo>,
    ) -> Result<Box<dyn HeldLock>, StateError> {
        let mut sql = self.open()?;
        let id = super::new_lineage();
        let info = LockInfo::current(command);
        let mut won = sql.try_lock(&id, &info, stale)?;
        if !won {
            let header = sql.header()?;
            match header {
                None => {
                    sql.ensure_header()?;
                    won = sql.try_lock(&id, &info, stale)?;
                }
                Some(Header {
                    lock: Some((_, holder)),
                    ..
                }) => {
                    return Err(StateError::Locked {
                        stack: self.stack.to_string(),
                        holder: Box::new(holder),
                    });
                }
                Some(_) if stale.is_some() => won = sql.try_lock(&id, &info, None)?,
                Some(_) => won = sql.try_lock(&id, &info, None)?,
            }
        }
        if !won {
            let holder = sql.header()?.and_then(|h| h.lock).map(|(_, i)| i);
            return Err(StateError::Locked {
                stack: self.stack.to_string(),
                holder: Box::new(holder.unwrap_or_else(|| LockInfo {
                    pid: 0,
                    host: "?".into(),
                    user: "?".into(),
                    time: "?".into(),
                    command: "(released meanwhile)".into(),
                })),
            });
        }
        let mut held = SnowflakeLock {
            sql,
            id,
            info,
            history: self.location.history,
            released: false,
        };
        held.sweep()?;
        Ok(Box::new(held))
    }
}

/// The lock row this process holds, and its session.
struct SnowflakeLock {
    sql: Sql,
    id: String,
    info: LockInfo,
    history: Option<u64>,
    released: bool,
}

impl fmt::Debug for SnowflakeLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SnowflakeLock({}, {})", self.sql.stack, self.id)
    }
}

impl SnowflakeLock {
    /// A write cut short (claimed, never committed) left rows tagged with
    /// serials above `SERIAL`: remove them, reopen what they closed.
    fn sweep(&mut self) -> Result<(), StateError> {
        let Some(h) = self.sql.header()? else {
            return Ok(());
        };
        if h.next_serial == h.serial {
            return Ok(());
        }
        let stack = self.sql.stack();
        let serial = Bind::from(h.serial);
        let r = self.sql.t("RESOURCES");
        self.sql.run(
            &format!("DELETE FROM {r} WHERE STACK = ? AND FROM_SERIAL > ?"),
            &[stack.clone(), serial.clone()],
        )?;
        self.sql.run(
            &format!("UPDATE {r} SET TO_SERIAL = NULL WHERE STACK = ? AND TO_SERIAL > ?"),
            &[stack.clone(), serial.clone()],
        )?;
        let s = self.sql.t("STACKS");
        self.sql.run(
            &format!("UPDATE {s} SET NEXT_SERIAL = SERIAL WHERE STACK = ? AND LOCK_ID = ?"),
            &[stack, Bind::from(self.id.as_str())],
        )?;
        Ok(())
    }

    fn conflict(&self, what: &str) -> StateError {
        StateError::Conflict {
            stack: self.sql.stack.to_string(),
            message: what.to_string(),
        }
    }

    fn unlock(&mut self) -> Result<(), StateError> {
        if self.released {
            return Ok(());
        }
        self.released = true;
        let stack = self.sql.stack();
        if let Some(keep) = self.history
            && let Some(h) = self.sql.header()?
            && h.serial > keep
        {
            let oldest = h.serial + 1 - keep;
            let r = self.sql.t("RESOURCES");
            self.sql.run(
                &format!("DELETE FROM {r} WHERE STACK = ? AND TO_SERIAL <= ?"),
                &[stack.clone(), Bind::from(oldest)],
            )?;
            let s = self.sql.t("STACKS");
            self.sql.run(
                &format!("UPDATE {s} SET OLDEST_SERIAL = ? WHERE STACK = ? AND LOCK_ID = ?"),
                &[
                    Bind::from(oldest),
                    stack.clone(),
                    Bind::from(self.id.as_str()),
                ],
            )?;
        }
        let s = self.sql.t("STACKS");
        self.sql.run(
            &format!("UPDATE {s} SET LOCK_ID = NULL, LOCK_PID = NULL, LOCK_HOST = NULL, LOCK_USER = NULL, LOCK_COMMAND = NULL, LOCK_TIME = NULL WHERE STACK = ? AND LOCK_ID = ?"),
            &[stack, Bind::from(self.id.as_str())],
        )?;
        Ok(())
    }
}

impl HeldLock for SnowflakeLock {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn load(&mut self) -> Result<Option<State>, StateError> {
        self.sql.current()
    }

    /// Claim, close changed rows, insert new versions, commit: at most
    /// 3 + (changed rows / 200) statements, whatever the stack's size.
    fn write(&mut self, previous: Option<&State>, next: &State) -> Result<(), StateError> {
        let stack = self.sql.stack();
        let read = previous.map_or(0, |p| p.serial);
        let lineage = previous.map(|p| p.lineage.clone()).unwrap_or_default();
        let id = Bind::from(self.id.as_str());
        let s = self.sql.t("STACKS");
        let r = self.sql.t("RESOURCES");
        // 1. Claim the serial: only if nobody wrote since we read and the
        // lock is still ours. A loser stops here, having changed nothing.
        let claimed = self
            .sql
            .run(
                &format!("UPDATE {s} SET NEXT_SERIAL = ? WHERE STACK = ? AND SERIAL = ? AND NEXT_SERIAL = SERIAL AND COALESCE(LINEAGE, '') = ? AND LOCK_ID = ?"),
                &[Bind::from(next.serial), stack.clone(), Bind::from(read), Bind::from(lineage), id.clone()],
            )?
            .count();
        if claimed != 1 {
            return Err(self.conflict(&format!(
                "it is no longer at serial {read} or the lock is no longer this run's"
            )));
        }
        // 2. What changed: rows to close, versions to insert.
        let empty = BTreeMap::new();
        let before = previous.map_or(&empty, |p| &p.resources);
        let mut close: Vec<&str> = Vec::new();
        let mut insert: Vec<&RecordedResource> = Vec::new();
        for (rid, old) in before {
            match next.resources.get(rid) {
                Some(new) if new.attrs == old.attrs => {}
                Some(new) => {
                    close.push(&old.address);
                    insert.push(new);
                }
                None => close.push(&old.address),
            }
        }
        insert.extend(
            next.resources
                .iter()
                .filter(|(rid, _)| !before.contains_key(*rid))
                .map(|(_, r)| r),
        );
        for chunk in close.chunks(CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut binds = vec![Bind::from(next.serial), stack.clone()];
            binds.extend(chunk.iter().map(|a| Bind::from(*a)));
            self.sql.run(
                &format!("UPDATE {r} SET TO_SERIAL = ? WHERE STACK = ? AND TO_SERIAL IS NULL AND ADDRESS IN ({marks})"),
                &binds,
            )?;
        }
        for chunk in insert.chunks(CHUNK) {
            let values = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let mut binds = Vec::with_capacity(chunk.len() * 5);
            for res in chunk {
                binds.push(stack.clone());
                binds.push(Bind::from(res.address.as_str()));
                binds.push(Bind::from(
                    serde_json::to_string(&res.id).expect("an id serializes"),
                ));
                binds.push(Bind::from(
                    serde_json::to_string(&res.attrs).expect("attributes serialize"),
                ));
                binds.push(Bind::from(next.serial));
            }
            self.sql.run(
                &format!(
                    "INSERT INTO {r} (STACK, ADDRESS, ID, ATTRS, FROM_SERIAL) VALUES {values}"
                ),
                &binds,
            )?;
        }
        // 3. Commit: readers see the new serial from here on.
        let pending = json_or_null(&next.pending);
        let gate_skips = json_or_null(&next.gate_skips);
        let committed = self
            .sql
            .run(
                &format!("UPDATE {s} SET SERIAL = NEXT_SERIAL, LINEAGE = ?, FORMAT_VERSION = ?, PUDO_VERSION = ?, PENDING = ?, GATE_SKIPS = ? WHERE STACK = ? AND NEXT_SERIAL = ? AND LOCK_ID = ?"),
                &[
                    Bind::from(next.lineage.as_str()),
                    Bind::from(u64::from(next.format_version)),
                    Bind::from(next.pudo_version.as_str()),
                    pending,
                    gate_skips,
                    stack,
                    Bind::from(next.serial),
                    id,
                ],
            )?
            .count();
        if committed != 1 {
            return Err(self.conflict("the lock was taken from this run while it wrote"));
        }
        Ok(())
    }

    fn release(mut self: Box<Self>) -> Result<(), StateError> {
        self.unlock()
    }

    fn operations(&self) -> u64 {
        self.sql.count
    }
}

impl Drop for SnowflakeLock {
    fn drop(&mut self) {
        let _ = self.unlock();
    }
}
