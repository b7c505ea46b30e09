//! `pudo apply`: run a plan's changes through the connector along the
//! dependency graph, recording state as they succeed.
//!
//! Durability rule: *nothing that was applied is ever missing from state*.
//! Before the first statement runs, every change of the plan is marked
//! pending in the state file (one save). From then on, finished changes are
//! recorded and saved by a background writer (saves coalesce when changes
//! finish faster than a save takes). If the process dies anywhere, every
//! change whose result is not on disk is still marked pending, and the next
//! apply runs its idempotent recovery SQL (see `docs/state.md`).

pub mod executor;
pub mod preflight;

use crate::connector::{Connector, ConnectorError};
use crate::plan::{Action, Change, Plan};
use crate::state::{LockedStore, State, StateError};
use executor::{Hooks, Job, Outcome};
pub use executor::{RetryPolicy, RunStats};
use std::collections::BTreeSet;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How one change ended.
#[derive(Debug)]
pub enum ChangeResult {
    Applied {
        elapsed: Duration,
    },
    Failed {
        /// The statement that failed, and its position in the change (the
        /// ones before it succeeded).
        sql: String,
        index: usize,
        error: ConnectorError,
    },
    NotAttempted,
}

/// The outcome of a whole apply.
#[derive(Debug)]
pub struct Report {
    /// One result per plan change, in plan order.
    pub results: Vec<ChangeResult>,
    /// Statements sent, retries included.
    pub statements: usize,
    /// Statements sent again after an overload or an unknown outcome.
    pub retries: usize,
    pub elapsed: Duration,
    /// Saves of the state file during the run.
    pub saves: usize,
    /// Concurrency reached, and backoffs after overload signals.
    pub run: RunStats,
    /// Roots of task graphs that this apply suspended and, after a
    /// failure stopped the plan, resumed again (addresses of their
    /// `#resume` steps).
    pub restored: Vec<String>,
}

impl Report {
    pub fn applied(&self) -> usize {
        self.count(|r| matches!(r, ChangeResult::Applied { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|r| matches!(r, ChangeResult::Failed { .. }))
    }
    pub fn not_attempted(&self) -> usize {
        self.count(|r| matches!(r, ChangeResult::NotAttempted))
    }
    fn count(&self, f: impl Fn(&ChangeResult) -> bool) -> usize {
        self.results.iter().filter(|r| f(r)).count()
    }
}

/// Receives progress events (a bar on a terminal, lines otherwise).
pub trait Progress: Sync {
    fn started(&self, change: &Change);
    fn finished(&self, change: &Change, result: &ChangeResult);
    /// A statement of `change` is sent again after `error`; `recovering`:
    /// the change now runs its idempotent recovery statements.
    fn retrying(&self, change: &Change, error: &ConnectorError, recovering: bool) {
        let _ = (change, error, recovering);
    }
}

/// The default of `--parallelism`; see docs/benchmarks.md for how it was
/// chosen.
pub const DEFAULT_PARALLELISM: u16 = 32;

/// How an apply runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Statements in flight at most (fewer while Snowflake signals
    /// overload).
    pub parallelism: usize,
    pub retry: RetryPolicy,
    /// The least time between two saves of the state during the run. A
    /// save rewrites the whole file (two fsyncs); at 32 statements in
    /// flight, saving after every change cost more CPU than the statements
    /// did. Changes recorded in between stay marked pending on disk, so a
    /// crash costs only their idempotent recovery SQL on the next apply.
    pub save_interval: Duration,
}

impl Default for Options {
    /// 32 at once, the default retry policy, a save at most every 200 ms.
    fn default() -> Options {
        Options {
            parallelism: usize::from(DEFAULT_PARALLELISM),
            retry: RetryPolicy::default(),
            save_interval: Duration::from_millis(200),
        }
    }
}

/// Runs `plan` against `connector`, `options.parallelism` changes at a
/// time. `state` is the stack's state as loaded under `store`'s lock; it is
/// updated and saved as changes finish. The last save releases the lock
/// (when it fails, the lock is still held and the error says what was
/// recorded).
pub fn apply(
    plan: &Plan,
    state: State,
    store: &mut LockedStore,
    connector: &dyn Connector,
    options: &Options,
    progress: &dyn Progress,
) -> Result<(Report, State), StateError> {
    let started = Instant::now();
    let in_flight: BTreeSet<String> = state.pending.iter().cloned().collect();
    let jobs: Vec<Job> = plan
        .changes
        .iter()
        .zip(plan.dependency_indices())
        .map(|(change, depends_on)| Job {
            depends_on,
            role: change.role.clone(),
            // A change that was running when an earlier apply died runs its
            // idempotent form.
            statements: if in_flight.contains(&change.address) {
                change.recovery_sql.clone()
            } else {
                change.sql.clone()
            },
            recovery: change.recovery_sql.clone(),
        })
        .collect();

    // Write-ahead: mark every change pending, durably, before any SQL.
    let mut state = state;
    let planned: BTreeSet<&str> = plan.changes.iter().map(|c| c.address.as_str()).collect();
    // Marks of changes no longer planned (the config moved on) are stale.
    state.pending.retain(|a| planned.contains(a.as_str()));
    for change in &plan.changes {
        state.begin(&change.address);
    }
    let before = state.serial;
    store.save(&mut state).map_err(|cause| {
        save_failed(
            plan,
            cause,
            format!(
                "no statement of this apply ran; the state is as before (serial {before}), at most with this run's changes marked pending"
            ),
        )
    })?;
    let mut saves = 1;

    let writer = Writer {
        inner: Mutex::new(WriterState {
            saved_serial: state.serial,
            state,
            dirty: false,
            done: false,
            error: None,
            saves: 0,
            applied: 0,
            saved_applied: 0,
        }),
        wake: Condvar::new(),
    };
    let run_stats: Mutex<((usize, usize), RunStats)> = Mutex::default();
    let results: Mutex<Vec<Option<ChangeResult>>> =
        Mutex::new((0..plan.changes.len()).map(|_| None).collect());
    let mut restored = Vec::new();

    std::thread::scope(|scope| {
        let saver = scope.spawn(|| writer.run(store, options.save_interval));
        let on_start = |i: usize| progress.started(&plan.changes[i]);
        let on_finish = |i: usize, outcome: &Outcome| {
            let change = &plan.changes[i];
            let result = match outcome {
                Outcome::Succeeded { elapsed, .. } => ChangeResult::Applied { elapsed: *elapsed },
                Outcome::Failed {
                    statement,
                    sql,
                    error,
                    ..
                } => ChangeResult::Failed {
                    sql: sql.clone(),
                    index: *statement,
                    error: error.clone(),
                },
                Outcome::NotAttempted => ChangeResult::NotAttempted,
            };
            {
                let mut w = writer.inner.lock().unwrap();
                match outcome {
                    Outcome::Succeeded { .. } => {
                        record(&mut w.state, change);
                        w.applied += 1;
                    }
                    // Every statement sent was refused by Snowflake: nothing
                    // of this change happened in this run, so it is not in
                    // flight (unless an earlier run left it so).
                    Outcome::Failed {
                        nothing_ran: true, ..
                    } if !in_flight.contains(&change.address) => {
                        w.state.pending.retain(|a| a != &change.address)
                    }
                    // Partly applied, or unknown (network): stays pending.
                    _ => {}
                }
                w.dirty = true;
            }
            writer.wake.notify_all();
            progress.finished(change, &result);
            results.lock().unwrap()[i] = Some(result);
            // Once the state cannot be saved, start nothing new: the marks
            // on disk cover what ran, but nothing more should run unrecorded.
            writer.inner.lock().unwrap().error.is_none()
        };
        let on_retry = |i: usize, error: &ConnectorError, recovering: bool| {
            progress.retrying(&plan.changes[i], error, recovering)
        };
        let hooks = Hooks {
            on_start: &on_start,
            on_finish: &on_finish,
            on_retry: &on_retry,
        };
        let (mut outcomes, run) = executor::run(
            &jobs,
            options.parallelism,
            &options.retry,
            connector,
            &hooks,
        );
        // A failure stopped the plan after it suspended a graph's root:
        // resume it, so that the graph runs (its previous definition, where
        // the change failed) as it did before the apply.
        for i in unfinished_resumes(plan, &outcomes) {
            let change = &plan.changes[i];
            let started = Instant::now();
            let ran = connector.open().and_then(|mut session| {
                change
                    .sql
                    .iter()
                    .try_for_each(|sql| session.execute(sql).map(|_| ()))
            });
            if ran.is_ok() {
                outcomes[i] = Outcome::Succeeded {
                    elapsed: started.elapsed(),
                    sent: change.sql.len(),
                    retries: 0,
                };
                on_finish(i, &outcomes[i]);
                restored.push(change.address.clone());
            }
        }
        *run_stats.lock().unwrap() = (
            outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Succeeded { sent, retries, .. }
                    | Outcome::Failed { sent, retries, .. } => (*sent, *retries),
                    Outcome::NotAttempted => (0, 0),
                })
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
            run,
        );
        // Changes never started are not in flight.
        {
            let mut w = writer.inner.lock().unwrap();
            for (change, outcome) in plan.changes.iter().zip(&outcomes) {
                if matches!(outcome, Outcome::NotAttempted) {
                    w.state.pending.retain(|a| a != &change.address);
                }
            }
            w.dirty = true;
            w.done = true;
        }
        writer.wake.notify_all();
        saver.join().expect("the state writer does not panic");
    });

    let w = writer.inner.into_inner().unwrap();
    saves += w.saves;
    if let Some(cause) = w.error {
        return Err(save_failed(
            plan,
            cause,
            format!(
                "serial {}, with {} of the {} changes this run applied; every other change this run started is marked pending there",
                w.saved_serial, w.saved_applied, w.applied,
            ),
        ));
    }
    let results: Vec<ChangeResult> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or(ChangeResult::NotAttempted))
        .collect();
    let ((statements, retries), run) = run_stats.into_inner().unwrap();
    Ok((
        Report {
            results,
            statements,
            retries,
            elapsed: started.elapsed(),
            saves,
            run,
            restored,
        },
        w.state,
    ))
}

/// A save that failed on the way to the state (network, Snowflake, disk),
/// with what is recorded and how to resume. Other failures (another run
/// wrote the state or took the lock) explain themselves.
fn save_failed(plan: &Plan, cause: StateError, recorded: String) -> StateError {
    match cause {
        StateError::Backend { .. } | StateError::Io { .. } => StateError::SaveFailed {
            stack: plan.stack.to_string(),
            cause: Box::new(cause),
            recorded,
        },
        other => other,
    }
}

/// The `#resume` steps that did not run although the suspension they
/// undo did (a failure stopped the plan in between).
fn unfinished_resumes(plan: &Plan, outcomes: &[Outcome]) -> Vec<usize> {
    let done = |i: usize| matches!(outcomes[i], Outcome::Succeeded { .. });
    plan.changes
        .iter()
        .enumerate()
        .filter(|&(i, c)| c.action == Action::Resume && !done(i))
        .filter(|(_, c)| {
            plan.changes.iter().enumerate().any(|(j, p)| {
                p.action == Action::Suspend
                    && p.id == c.id
                    && c.depends_on.contains(&p.address)
                    && done(j)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// The state being written, shared by the workers and the saver thread.
struct Writer {
    inner: Mutex<WriterState>,
    wake: Condvar,
}

struct WriterState {
    state: State,
    dirty: bool,
    done: bool,
    error: Option<StateError>,
    saves: usize,
    /// Changes recorded in `state` so far, and in the last saved version.
    applied: usize,
    saved_applied: usize,
    /// The serial of the last version saved.
    saved_serial: u64,
}

impl Writer {
    /// Saves whenever something changed, at most once per `interval`
    /// (recorded changes wait in memory meanwhile, still marked pending on
    /// disk), until told it is done (then saves once more if needed, and
    /// releases the lock with that save). A save failure is kept and
    /// reported at the end; pending marks on disk still cover everything
    /// not recorded.
    fn run(&self, store: &mut LockedStore, interval: Duration) {
        let mut last_save: Option<Instant> = None;
        loop {
            let (mut snapshot, last, applied) = {
                let mut w = self.inner.lock().unwrap();
                while !w.dirty && !w.done {
                    w = self.wake.wait(w).unwrap();
                }
                if let Some(last) = last_save {
                    let wait = interval.saturating_sub(last.elapsed());
                    w = self
                        .wake
                        .wait_timeout_while(w, wait, |w| !w.done)
                        .unwrap()
                        .0;
                }
                if !w.dirty && w.done {
                    return;
                }
                w.dirty = false;
                (w.state.clone(), w.done, w.applied)
            };
            last_save = Some(Instant::now());
            // Nothing changes once done: the last save frees the lock too
            // (one statement less at the end of a run in Snowflake).
            let outcome = if last {
                store.save_and_unlock(&mut snapshot)
            } else {
                store.save(&mut snapshot)
            };
            let mut w = self.inner.lock().unwrap();
            match outcome {
                Ok(()) => {
                    w.saves += 1;
                    w.state.serial = snapshot.serial;
                    w.saved_serial = snapshot.serial;
                    w.saved_applied = applied;
                }
                Err(e) => {
                    w.error.get_or_insert(e);
                    return;
                }
            }
            if w.done && !w.dirty {
                return;
            }
        }
    }
}

/// The drops (and replaces, which drop first) of a plan, for the
/// `--allow-drop` refusal.
pub fn destructive(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| matches!(c.action, Action::Drop | Action::Replace))
        .collect()
}
/// Records the outcome of a successful change in `state`: its `after`
/// attributes, or its removal for a drop. Clears its pending mark.
pub fn record(state: &mut State, change: &Change) {
    match &change.after {
        Some(after) if change.action != Action::Drop => {
            state.upsert(change.id.clone(), after.clone())
        }
        _ => {
            state.remove(&change.id);
        }
    }
    state.pending.retain(|a| a != &change.address);
}
