//! The Snowflake backend: a stack's state as rows of two tables in the
//! account pudo manages (`state:` in base.yaml; see docs/state.md).
//!
//! - `STACKS`: one header row per stack (lineage, serial, pending marks,
//!   the lock columns, `NEXT_SERIAL`, the serial the lock holder may write
//!   rows for, and `OLDEST_SERIAL` kept in history);
//! - `RESOURCES`: one row per version of a resource, valid for serials
//!   `FROM_SERIAL <= s < TO_SERIAL` (`TO_SERIAL` NULL: current).
//!
//! One MERGE takes the lock; one query reads the header and the rows
//! together. A save writes the rows of what changed, tagged with the next
//! serial and only while this run holds the lock and that serial's claim,
//! then commits by moving `SERIAL` (one UPDATE conditional on the serial
//! read and the lock, which also claims the serial after it). Readers see
//! `SERIAL` only, so a write cut short is invisible and is swept by the
//! next lock holder. Statements are retried after overload and, when
//! sending them twice is harmless (or made so), after a lost connection.
//! All values travel as bind variables.

use super::backend::{Backend, HeldLock};
use super::{FORMAT_VERSION, LockInfo, RecordedResource, State, StateError};
use crate::connector::{Bind, Connector, RetryPolicy};
use crate::model::{Ident, ResourceId, StackName};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod session;
use session::{Repeat, Sql};

/// Rows per INSERT (binds per statement stay in the thousands).
const CHUNK: usize = 200;

/// How often a state statement is sent again after overload or a lost
/// connection before the backend gives up: 6 retries, 200 ms doubling to
/// 3 s with jitter (about 5 to 9 s of pauses).
pub const RETRY: RetryPolicy = RetryPolicy {
    max_retries: 6,
    base_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(3),
};

/// The header columns of `STACKS` that pudo reads, in order.
const HEADER: [&str; 14] = [
    "LINEAGE",
    "SERIAL",
    "NEXT_SERIAL",
    "OLDEST_SERIAL",
    "FORMAT_VERSION",
    "PUDO_VERSION",
    "PENDING",
    "GATE_SKIPS",
    "LOCK_ID",
    "LOCK_PID",
    "LOCK_HOST",
    "LOCK_USER",
    "LOCK_COMMAND",
    "LOCK_TIME",
];

/// The columns that name the lock holder.
const LOCK: [&str; 6] = [
    "LOCK_ID",
    "LOCK_PID",
    "LOCK_HOST",
    "LOCK_USER",
    "LOCK_COMMAND",
    "LOCK_TIME",
];

/// A header list as a JSON column (NULL when empty).
fn json_or_null<T: serde::Serialize>(list: &[T]) -> Bind {
    if list.is_empty() {
        Bind::Null
    } else {
        Bind::from(serde_json::to_string(list).expect("header lists serialize"))
    }
}

/// `LOCK_ID = NULL, LOCK_PID = NULL, ...`: frees the lock.
fn clear_lock() -> String {
    LOCK.map(|c| format!("{c} = NULL")).join(", ")
}

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
    retry: RetryPolicy,
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
            retry: RETRY,
        }
    }

    /// The same backend with another retry policy (tests).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A session for this backend's statements (logged in on first use).
    fn open(&self) -> Sql {
        Sql {
            connector: self.connector.clone(),
            session: None,
            location: self.location.clone(),
            stack: self.stack.clone(),
            retry: self.retry.clone(),
            count: 0,
        }
    }
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

type Resources = BTreeMap<ResourceId, RecordedResource>;

impl Sql {
    fn corrupt(&self, message: String) -> StateError {
        StateError::Corrupt {
            path: format!("{} (stack {})", self.location.describe(), self.stack),
            message,
        }
    }

    fn parse_header(&self, row: crate::connector::RowView<'_>) -> Result<Header, StateError> {
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
        Ok(Header {
            lineage: text("LINEAGE").filter(|l| !l.is_empty()),
            serial: num("SERIAL"),
            next_serial: num("NEXT_SERIAL"),
            oldest_serial: num("OLDEST_SERIAL"),
            format_version: num("FORMAT_VERSION"),
            pudo_version: text("PUDO_VERSION").unwrap_or_default(),
            pending,
            gate_skips,
            lock,
        })
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

    /// The header row alone.
    fn header(&mut self) -> Result<Option<Header>, StateError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE STACK = ?",
            HEADER.join(", "),
            self.t("STACKS")
        );
        let rows = self.exec(&sql, &[self.stack()], Repeat::Safe)?;
        rows.iter().next().map(|r| self.parse_header(r)).transpose()
    }

    /// The header and the resources valid at serial `at` (`None`: the
    /// committed `SERIAL`), in one query: one snapshot, one round trip.
    fn read(&mut self, at: Option<u64>) -> Result<Option<(Header, Resources)>, StateError> {
        let (s, r) = (self.t("STACKS"), self.t("RESOURCES"));
        let serial = if at.is_some() { "?" } else { "h.SERIAL" };
        let sql = format!(
            "SELECT 'H' AS K, {}, NULL AS ID, NULL AS ATTRS FROM {s} WHERE STACK = ? \
             UNION ALL SELECT 'R', {}, r.ID, r.ATTRS FROM {r} r JOIN {s} h ON h.STACK = r.STACK \
             WHERE r.STACK = ? AND r.FROM_SERIAL <= {serial} AND (r.TO_SERIAL IS NULL OR r.TO_SERIAL > {serial})",
            HEADER.join(", "),
            ["NULL"; HEADER.len()].join(", "),
        );
        let mut binds = vec![self.stack(), self.stack()];
        if let Some(n) = at {
            binds.extend([Bind::from(n), Bind::from(n)]);
        }
        let rows = self.exec(&sql, &binds, Repeat::Safe)?;
        let mut header = None;
        let mut resources = BTreeMap::new();
        for row in rows.iter() {
            if row.get("K") == Some("H") {
                header = Some(self.parse_header(row)?);
                continue;
            }
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
        Ok(header.map(|h| (h, resources)))
    }

    /// The state at `serial`, from a header and the rows read with it.
    fn state(
        &self,
        header: &Header,
        serial: u64,
        resources: Resources,
    ) -> Result<State, StateError> {
        if header.format_version > u64::from(FORMAT_VERSION) {
            return Err(StateError::NewerFormat {
                path: format!("{} (stack {})", self.location.describe(), self.stack),
                found: header.format_version,
            });
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

    /// The committed state, or `None` when nothing was recorded yet; with
    /// the header it was read with.
    fn current(&mut self) -> Result<(Option<Header>, Option<State>), StateError> {
        match self.read(None)? {
            Some((h, resources)) if h.serial > 0 => {
                let state = self.state(&h, h.serial, resources)?;
                Ok((Some(h), Some(state)))
            }
            Some((h, _)) => Ok((Some(h), None)),
            None => Ok((None, None)),
        }
    }

    /// Runs a statement that takes the lock for `id` when its condition
    /// holds; true when it did. A lost answer is settled from the header.
    fn lock_with(&mut self, sql: &str, binds: &[Bind], id: &str) -> Result<bool, StateError> {
        // A lost answer: taken if the lock row names us; sent again if free.
        let won = self.resolve(sql, binds, |h| {
            h.as_ref()
                .and_then(|h| h.lock.as_ref())
                .map(|(holder, _)| holder == id)
        })?;
        Ok(match won {
            Ok(rows) => rows.affected() == 1,
            Err(answer) => answer,
        })
    }

    /// Takes a free lock, adding the header row of a stack seen for the
    /// first time: one MERGE (so two first writers cannot add two rows).
    fn take_lock(&mut self, id: &str, info: &LockInfo) -> Result<bool, StateError> {
        let set = LOCK.map(|c| format!("{c} = ?")).join(", ");
        let sql = format!(
            "MERGE INTO {} t USING (SELECT ? AS STACK) s ON t.STACK = s.STACK \
             WHEN MATCHED AND t.LOCK_ID IS NULL THEN UPDATE SET {set} \
             WHEN NOT MATCHED THEN INSERT (STACK, SERIAL, NEXT_SERIAL, OLDEST_SERIAL, {}) VALUES (s.STACK, 0, 0, 0, {})",
            self.t("STACKS"),
            LOCK.join(", "),
            ["?"; LOCK.len()].join(", "),
        );
        let holder = lock_binds(id, info);
        let mut binds = vec![self.stack()];
        binds.extend(holder.iter().cloned());
        binds.extend(holder);
        self.lock_with(&sql, &binds, id)
    }

    /// Takes the lock over from `stale`, only if that holder still holds it.
    fn take_over(
        &mut self,
        id: &str,
        info: &LockInfo,
        stale: &LockInfo,
    ) -> Result<bool, StateError> {
        let set = LOCK.map(|c| format!("{c} = ?")).join(", ");
        let sql = format!(
            "UPDATE {} SET {set} WHERE STACK = ? AND LOCK_PID = ? AND LOCK_HOST = ? AND LOCK_TIME = ?",
            self.t("STACKS")
        );
        let mut binds = lock_binds(id, info);
        binds.extend([
            self.stack(),
            Bind::Int(i64::from(stale.pid)),
            Bind::from(stale.host.as_str()),
            Bind::from(stale.time.as_str()),
        ]);
        self.lock_with(&sql, &binds, id)
    }
}

fn lock_binds(id: &str, info: &LockInfo) -> Vec<Bind> {
    vec![
        Bind::from(id),
        Bind::Int(i64::from(info.pid)),
        Bind::from(info.host.as_str()),
        Bind::from(info.user.as_str()),
        Bind::from(info.command.as_str()),
        Bind::from(info.time.as_str()),
    ]
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
        Ok(self.open().current()?.1)
    }

    fn load_serial(&self, serial: u64) -> Result<Option<State>, StateError> {
        let mut sql = self.open();
        match sql.read(Some(serial))? {
            // Header and rows come from one snapshot: a serial pruned
            // meanwhile is below OLDEST_SERIAL there, never half-read.
            Some((h, resources))
                if serial >= 1 && serial <= h.serial && serial >= h.oldest_serial.max(1) =>
            {
                sql.state(&h, serial, resources).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn kept_serials(&self) -> Result<Option<(u64, u64)>, StateError> {
        Ok(self
            .open()
            .header()?
            .filter(|h| h.serial > 0)
            .map(|h| (h.oldest_serial.max(1), h.serial)))
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self
            .open()
            .header()?
            .and_then(|h| h.lock)
            .map(|(_, info)| info))
    }

    fn force_unlock(&self) -> Result<Option<LockInfo>, StateError> {
        let mut sql = self.open();
        let holder = sql.header()?.and_then(|h| h.lock).map(|(_, info)| info);
        // NEXT_SERIAL stays: if that holder was writing, the next one sweeps.
        let stmt = format!(
            "UPDATE {} SET {} WHERE STACK = ?",
            sql.t("STACKS"),
            clear_lock()
        );
        sql.exec(&stmt, &[sql.stack()], Repeat::Safe)?;
        Ok(holder)
    }

    fn acquire(
        &self,
        command: &str,
        stale: Option<&LockInfo>,
    ) -> Result<Box<dyn HeldLock>, StateError> {
        let mut sql = self.open();
        let id = super::new_lineage();
        let info = LockInfo::current(command);
        let take = |sql: &mut Sql| match stale {
            None => sql.take_lock(&id, &info),
            Some(s) => sql.take_over(&id, &info, s),
        };
        let mut won = take(&mut sql)?;
        if !won {
            match sql.header()?.and_then(|h| h.lock) {
                Some((_, holder)) => {
                    return Err(StateError::Locked {
                        stack: self.stack.to_string(),
                        holder: Box::new(holder),
                    });
                }
                // Released between the two statements: once more.
                None => won = sql.take_lock(&id, &info)?,
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
        Ok(Box::new(SnowflakeLock {
            sql,
            id,
            info,
            history: self.location.history,
            released: false,
            known: None,
            dirty: false,
        }))
    }
}

/// The header as this lock last read or left it.
#[derive(Clone, Copy, Debug)]
struct Known {
    serial: u64,
    next_serial: u64,
    oldest_serial: u64,
}

/// The lock row this process holds, and its session.
struct SnowflakeLock {
    sql: Sql,
    id: String,
    info: LockInfo,
    history: Option<u64>,
    released: bool,
    /// `None` until the state was read under this lock.
    known: Option<Known>,
    /// Rows of a write that did not commit may be in the table: the lock
    /// is then released with `NEXT_SERIAL` left above `SERIAL`, so that the
    /// next holder sweeps them.
    dirty: bool,
}

impl fmt::Debug for SnowflakeLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SnowflakeLock({}, {})", self.sql.stack, self.id)
    }
}

impl SnowflakeLock {
    /// A write cut short (rows tagged with a serial above `SERIAL`, never
    /// committed) left rows: remove them, reopen what they closed.
    fn sweep(&mut self, serial: u64) -> Result<(), StateError> {
        let stack = self.sql.stack();
        let at = Bind::from(serial);
        let (r, s) = (self.sql.t("RESOURCES"), self.sql.t("STACKS"));
        self.sql.exec(
            &format!("DELETE FROM {r} WHERE STACK = ? AND FROM_SERIAL > ?"),
            &[stack.clone(), at.clone()],
            Repeat::Safe,
        )?;
        self.sql.exec(
            &format!("UPDATE {r} SET TO_SERIAL = NULL WHERE STACK = ? AND TO_SERIAL > ?"),
            &[stack.clone(), at],
            Repeat::Safe,
        )?;
        self.sql.exec(
            &format!("UPDATE {s} SET NEXT_SERIAL = SERIAL WHERE STACK = ? AND LOCK_ID = ?"),
            &[stack, Bind::from(self.id.as_str())],
            Repeat::Safe,
        )?;
        Ok(())
    }

    /// Reads the state under the lock, then sweeps what a write cut short
    /// before left (`NEXT_SERIAL` above `SERIAL`): those rows are invisible
    /// at `SERIAL`, so the state read stands.
    fn read(&mut self) -> Result<Option<State>, StateError> {
        let (header, state) = self.sql.current()?;
        let known = header.as_ref().map_or(
            Known {
                serial: 0,
                next_serial: 0,
                oldest_serial: 0,
            },
            |h| Known {
                serial: h.serial,
                next_serial: h.next_serial,
                oldest_serial: h.oldest_serial,
            },
        );
        self.known = Some(known);
        if known.next_serial != known.serial {
            self.sweep(known.serial)?;
            self.known = Some(Known {
                next_serial: known.serial,
                ..known
            });
        }
        Ok(state)
    }

    /// After a write of this lock failed once it had written rows: starts
    /// again from what the header says (that write may even have
    /// committed), sweeping its rows if it did not.
    fn recover(&mut self) -> Result<(), StateError> {
        let h = self.sql.header()?;
        let Some(h) = h.filter(|h| h.lock.as_ref().is_some_and(|(id, _)| *id == self.id)) else {
            return Err(self.conflict("the lock is no longer this run's"));
        };
        if h.next_serial != h.serial {
            self.sweep(h.serial)?;
        }
        self.known = Some(Known {
            serial: h.serial,
            next_serial: h.serial,
            oldest_serial: h.oldest_serial,
        });
        self.dirty = false;
        Ok(())
    }

    fn conflict(&self, what: &str) -> StateError {
        StateError::Conflict {
            stack: self.sql.stack.to_string(),
            message: what.to_string(),
        }
    }

    /// The `OLDEST_SERIAL` that `history` asks for at `serial`, when it
    /// is above the one kept now.
    fn prune_to(&self, serial: u64) -> Option<u64> {
        let keep = self.history?;
        let known = self.known?;
        let oldest = (serial + 1).checked_sub(keep)?;
        (oldest > known.oldest_serial).then_some(oldest)
    }

    /// Deletes the rows of serials below `oldest` (already raised in the
    /// header, so no reader takes them for a kept serial). No lock is
    /// needed: nobody reads or writes those rows any more. Best effort:
    /// rows left by a failure here go with the next prune.
    fn prune(&mut self, oldest: u64) {
        let r = self.sql.t("RESOURCES");
        let _ = self.sql.exec(
            &format!("DELETE FROM {r} WHERE STACK = ? AND TO_SERIAL <= ?"),
            &[self.sql.stack(), Bind::from(oldest)],
            Repeat::Safe,
        );
    }

    fn unlock(&mut self) -> Result<(), StateError> {
        if self.released {
            return Ok(());
        }
        self.released = true;
        let mut set = clear_lock();
        // Only what was read (and swept) under this lock is known clean.
        if self.known.is_some() && !self.dirty {
            set.push_str(", NEXT_SERIAL = SERIAL");
        }
        let oldest = self.known.and_then(|k| self.prune_to(k.serial));
        let mut binds = Vec::new();
        if let Some(oldest) = oldest {
            set.push_str(", OLDEST_SERIAL = ?");
            binds.push(Bind::from(oldest));
        }
        binds.extend([self.sql.stack(), Bind::from(self.id.as_str())]);
        let s = self.sql.t("STACKS");
        self.sql.exec(
            &format!("UPDATE {s} SET {set} WHERE STACK = ? AND LOCK_ID = ?"),
            &binds,
            Repeat::Safe,
        )?;
        if let Some(oldest) = oldest {
            self.prune(oldest);
        }
        Ok(())
    }

    /// Closes the current rows of `addresses` at serial `n` (only while
    /// this lock holds the claim on `n`).
    fn close(&mut self, addresses: &[&str], n: u64, claimed: &str) -> Result<(), StateError> {
        let r = self.sql.t("RESOURCES");
        for chunk in addresses.chunks(CHUNK) {
            let marks = ["?"].repeat(chunk.len()).join(", ");
            let mut binds = vec![Bind::from(n), self.sql.stack(), Bind::from(n)];
            binds.extend(chunk.iter().map(|a| Bind::from(*a)));
            binds.extend(self.claim_binds(n));
            self.sql.exec(
                &format!("UPDATE {r} SET TO_SERIAL = ? WHERE STACK = ? AND TO_SERIAL IS NULL AND FROM_SERIAL < ? AND ADDRESS IN ({marks}) AND {claimed}"),
                &binds,
                Repeat::Safe,
            )?;
        }
        Ok(())
    }

    /// Inserts the versions valid from serial `n` (only while this lock
    /// holds the claim on `n`). An INSERT whose answer was lost is undone
    /// (its rows deleted) before it is sent again, so nothing is doubled.
    fn insert(
        &mut self,
        rows: &[&RecordedResource],
        n: u64,
        claimed: &str,
    ) -> Result<(), StateError> {
        let r = self.sql.t("RESOURCES");
        for chunk in rows.chunks(CHUNK) {
            let values = ["(?, ?, ?, ?, ?)"].repeat(chunk.len()).join(", ");
            let mut binds = Vec::with_capacity(chunk.len() * 5 + 3);
            for res in chunk {
                binds.push(self.sql.stack());
                binds.push(Bind::from(res.address.as_str()));
                binds.push(Bind::from(
                    serde_json::to_string(&res.id).expect("an id serializes"),
                ));
                binds.push(Bind::from(
                    serde_json::to_string(&res.attrs).expect("attributes serialize"),
                ));
                binds.push(Bind::from(n));
            }
            binds.extend(self.claim_binds(n));
            let marks = ["?"].repeat(chunk.len()).join(", ");
            let mut undo_binds = vec![self.sql.stack(), Bind::from(n)];
            undo_binds.extend(chunk.iter().map(|r| Bind::from(r.address.as_str())));
            let undo = format!(
                "DELETE FROM {r} WHERE STACK = ? AND FROM_SERIAL = ? AND ADDRESS IN ({marks})"
            );
            let inserted = self.sql.exec(
                &format!("INSERT INTO {r} (STACK, ADDRESS, ID, ATTRS, FROM_SERIAL) SELECT column1, column2, column3, column4, column5 FROM VALUES {values} WHERE {claimed}"),
                &binds,
                Repeat::Undo(&undo, &undo_binds),
            )?;
            if inserted.affected() != chunk.len() as u64 {
                return Err(self.conflict("the lock was taken from this run while it wrote"));
            }
        }
        Ok(())
    }

    fn claim_binds(&self, n: u64) -> [Bind; 3] {
        [
            self.sql.stack(),
            Bind::from(self.id.as_str()),
            Bind::from(n),
        ]
    }
}

impl HeldLock for SnowflakeLock {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn load(&mut self) -> Result<Option<State>, StateError> {
        self.read()
    }

    /// Rows of what changed, then one commit: 1 statement when only the
    /// header changed (the pending marks), 2 (+1 per further 200 rows,
    /// +1 when resources were updated or removed) otherwise, whatever the
    /// stack's size. The commit also claims the next serial, so the next
    /// save writes its rows straight away.
    fn write(
        &mut self,
        previous: Option<&State>,
        next: &State,
        release: bool,
    ) -> Result<(), StateError> {
        if self.known.is_none() {
            self.read()?;
        }
        if self.dirty {
            self.recover()?;
        }
        let known = self.known.expect("read above");
        let stack = self.sql.stack();
        let read = previous.map_or(0, |p| p.serial);
        let lineage = previous.map(|p| p.lineage.clone()).unwrap_or_default();
        let id = Bind::from(self.id.as_str());
        let n = next.serial;
        let s = self.sql.t("STACKS");

        // What changed: rows to close, versions to insert.
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

        let mut claim = known.next_serial;
        if !(close.is_empty() && insert.is_empty()) {
            if claim != n {
                // Claim `n` for the rows: only if nobody wrote since we
                // read and the lock is still ours. A loser stops here,
                // having changed nothing. (Sent twice, it still holds.)
                let claimed = self
                    .sql
                    .exec(
                        &format!("UPDATE {s} SET NEXT_SERIAL = ? WHERE STACK = ? AND SERIAL = ? AND NEXT_SERIAL IN (?, ?) AND COALESCE(LINEAGE, '') = ? AND LOCK_ID = ?"),
                        &[Bind::from(n), stack.clone(), Bind::from(read), Bind::from(claim), Bind::from(n), Bind::from(lineage.as_str()), id.clone()],
                        Repeat::Safe,
                    )?
                    .affected();
                if claimed != 1 {
                    return Err(self.conflict(&format!(
                        "it is no longer at serial {read} or the lock is no longer this run's"
                    )));
                }
                claim = n;
                self.known = Some(Known {
                    next_serial: n,
                    ..known
                });
            }
            self.dirty = true;
            // Rows are written only while the lock and the claim are ours.
            let claimed = format!(
                "EXISTS (SELECT 1 FROM {s} WHERE STACK = ? AND LOCK_ID = ? AND NEXT_SERIAL = ?)"
            );
            self.close(&close, n, &claimed)?;
            self.insert(&insert, n, &claimed)?;
        }

        // Commit: readers see the new serial from here on. It claims the
        // next serial too, or, with `release`, frees the lock.
        let mut set = "SERIAL = ?, NEXT_SERIAL = ?, LINEAGE = ?, FORMAT_VERSION = ?, PUDO_VERSION = ?, PENDING = ?, GATE_SKIPS = ?".to_string();
        let mut binds = vec![
            Bind::from(n),
            Bind::from(if release { n } else { n + 1 }),
            Bind::from(next.lineage.as_str()),
            Bind::from(u64::from(next.format_version)),
            Bind::from(next.pudo_version.as_str()),
            json_or_null(&next.pending),
            json_or_null(&next.gate_skips),
        ];
        let oldest = if release { self.prune_to(n) } else { None };
        if let Some(oldest) = oldest {
            set.push_str(", OLDEST_SERIAL = ?");
            binds.push(Bind::from(oldest));
        }
        if release {
            set.push_str(", ");
            set.push_str(&clear_lock());
        }
        binds.extend([
            stack,
            Bind::from(read),
            Bind::from(claim),
            Bind::from(lineage.as_str()),
            id,
        ]);
        let sql = format!(
            "UPDATE {s} SET {set} WHERE STACK = ? AND SERIAL = ? AND NEXT_SERIAL = ? AND COALESCE(LINEAGE, '') = ? AND LOCK_ID = ?"
        );
        let ours = self.id.clone();
        let lineage_next = next.lineage.clone();
        // A lost answer: committed if the header is at `n` with our lineage
        // and, unless released, our lock; not run if it is still at `read`
        // under our lock (then it is sent again).
        let committed = self.sql.resolve(&sql, &binds, |h| {
            let h = h.as_ref()?;
            let holder = h.lock.as_ref().map(|(id, _)| id.as_str());
            if h.serial == n && h.lineage.as_deref().unwrap_or("") == lineage_next {
                Some(holder == Some(ours.as_str()) || (release && holder.is_none()))
            } else if h.serial == read && holder == Some(ours.as_str()) {
                None
            } else {
                Some(false)
            }
        })?;
        let done = match committed {
            Ok(rows) => rows.affected() == 1,
            Err(answer) => answer,
        };
        if !done {
            return Err(self.conflict(&format!(
                "it is no longer at serial {read} or the lock was taken from this run while it wrote"
            )));
        }
        self.dirty = false;
        self.known = Some(Known {
            serial: n,
            next_serial: if release { n } else { n + 1 },
            oldest_serial: oldest.unwrap_or(known.oldest_serial),
        });
        if release {
            self.released = true;
            if let Some(oldest) = oldest {
                self.prune(oldest);
            }
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
