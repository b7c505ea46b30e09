//! Runs jobs along a dependency graph with bounded, adaptive parallelism.
//!
//! A job starts when every job it depends on has succeeded. After the first
//! failure nothing new starts; jobs already running finish and are reported.
//! Each worker owns one session, opened when it takes its first job.
//!
//! Retries (see [`RetryPolicy`]): a statement Snowflake refused because it
//! is overloaded (HTTP 429, `000625`, ...) is sent again after a pause; a
//! statement whose outcome is unknown (dropped connection, timeout, HTTP
//! 5xx) may have run, so the job starts over with its idempotent recovery
//! statements, as after a crash. Any other error fails the job.
//!
//! Overload also lowers how many statements run at once ([`Throttle`]:
//! halved on an overload signal, raised by one per window of successes, as
//! TCP does), so a busy account is not hammered by every worker at once.

pub use crate::connector::RetryPolicy;
use crate::connector::{Connector, ConnectorError, Session};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// One unit of work: statements run in order on one session.
#[derive(Clone, Debug)]
pub struct Job {
    /// Indexes of the jobs that must succeed first.
    pub depends_on: Vec<usize>,
    pub statements: Vec<String>,
    /// The role the statements run under (`USE ROLE` first when the
    /// worker's session is in another role); `None`: the session's role.
    pub role: Option<String>,
    /// The idempotent form of the whole job, run from its first statement
    /// once a statement's outcome is unknown. Empty: such a job is not
    /// retried after an unknown outcome.
    pub recovery: Vec<String>,
}

/// How a job ended.
#[derive(Debug)]
pub enum Outcome {
    Succeeded {
        elapsed: Duration,
        /// Statements sent, retries included.
        sent: usize,
        /// Statements sent again after an overload or an unknown outcome.
        retries: usize,
    },
    /// `sql` (statement `statement` of the form that ran, the plain one or
    /// the recovery one) failed.
    Failed {
        statement: usize,
        sql: String,
        error: ConnectorError,
        /// True when nothing of the job can have happened: every statement
        /// sent was refused by Snowflake.
        nothing_ran: bool,
        sent: usize,
        retries: usize,
    },
    /// Never started, because something failed first or a dependency did.
    NotAttempted,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Succeeded { .. })
    }
}

/// Figures of one run, for the report.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    /// Most statements in flight at once.
    pub peak_concurrency: usize,
    /// Statement time summed over all statements, divided by the run's
    /// wall time: how many statements were in flight on average.
    pub mean_concurrency: f64,
    /// Times the concurrency limit was lowered after an overload signal.
    pub backoffs: usize,
    /// The lowest concurrency limit reached.
    pub lowest_limit: usize,
}

/// Called from a worker thread when a job ends, before any job that depends
/// on it starts (so state is recorded in dependency order). Returning
/// `false` stops new work, as a failure does (e.g. the state can no longer
/// be saved).
pub type OnFinish<'a> = dyn Fn(usize, &Outcome) -> bool + Sync + 'a;

/// Called from a worker thread right before a job runs.
pub type OnStart<'a> = dyn Fn(usize) + Sync + 'a;

/// Called from a worker thread before a job sends a statement again:
/// the job, the error, and whether it now runs its recovery form.
pub type OnRetry<'a> = dyn Fn(usize, &ConnectorError, bool) + Sync + 'a;

/// The callbacks of [`run`].
pub struct Hooks<'a> {
    pub on_start: &'a OnStart<'a>,
    pub on_finish: &'a OnFinish<'a>,
    pub on_retry: &'a OnRetry<'a>,
}

struct Shared {
    ready: VecDeque<usize>,
    remaining_deps: Vec<usize>,
    outcomes: Vec<Option<Outcome>>,
    running: usize,
    stopped: bool,
}

/// An adaptive limit on statements in flight, shared by the workers:
/// additive increase (one more per `limit` successes), multiplicative
/// decrease (halved on an overload signal, once per wave: a signal from a
/// statement sent before the last decrease does not lower it again).
pub struct Throttle {
    inner: Mutex<ThrottleState>,
    free: Condvar,
}

struct ThrottleState {
    max: usize,
    limit: f64,
    in_flight: usize,
    epoch: u64,
    peak: usize,
    backoffs: usize,
    lowest: usize,
    busy: Duration,
}

/// A slot taken from the [`Throttle`] for one statement.
pub struct Permit {
    epoch: u64,
    started: Instant,
}

impl Throttle {
    pub fn new(max: usize) -> Throttle {
        let max = max.max(1);
        Throttle {
            inner: Mutex::new(ThrottleState {
                max,
                limit: max as f64,
                in_flight: 0,
                epoch: 0,
                peak: 0,
                backoffs: 0,
                lowest: max,
                busy: Duration::ZERO,
            }),
            free: Condvar::new(),
        }
    }

    /// Waits for a free slot.
    pub fn acquire(&self) -> Permit {
        let mut t = self.inner.lock().unwrap();
        while t.in_flight >= (t.limit as usize).max(1) {
            t = self.free.wait(t).unwrap();
        }
        t.in_flight += 1;
        t.peak = t.peak.max(t.in_flight);
        Permit {
            epoch: t.epoch,
            started: Instant::now(),
        }
    }

    /// Returns the slot; `overloaded` when Snowflake signalled overload.
    pub fn release(&self, permit: Permit, overloaded: bool) {
        let mut t = self.inner.lock().unwrap();
        t.in_flight -= 1;
        t.busy += permit.started.elapsed();
        if overloaded {
            if permit.epoch == t.epoch {
                t.limit = (t.limit / 2.0).max(1.0);
                t.epoch += 1;
                t.backoffs += 1;
                t.lowest = t.lowest.min(t.limit as usize);
            }
        } else {
            t.limit = (t.limit + 1.0 / t.limit).min(t.max as f64);
        }
        drop(t);
        self.free.notify_all();
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.inner.lock().unwrap().limit as usize
    }

    fn stats(&self, wall: Duration) -> RunStats {
        let t = self.inner.lock().unwrap();
        RunStats {
            peak_concurrency: t.peak,
            mean_concurrency: if wall.is_zero() {
                0.0
            } else {
                t.busy.as_secs_f64() / wall.as_secs_f64()
            },
            backoffs: t.backoffs,
            lowest_limit: t.lowest,
        }
    }
}

/// Runs `jobs`, at most `parallelism` statements at once (fewer while
/// Snowflake signals overload); returns one outcome per job, in job order,
/// and the run's figures.
pub fn run(
    jobs: &[Job],
    parallelism: usize,
    retry: &RetryPolicy,
    connector: &dyn Connector,
    hooks: &Hooks<'_>,
) -> (Vec<Outcome>, RunStats) {
    let started = Instant::now();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    let mut remaining_deps = vec![0; jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        for &d in &job.depends_on {
            dependents[d].push(i);
            remaining_deps[i] += 1;
        }
    }
    let ready: VecDeque<usize> = (0..jobs.len())
        .filter(|&i| remaining_deps[i] == 0)
        .collect();
    let state = Mutex::new(Shared {
        ready,
        remaining_deps,
        outcomes: (0..jobs.len()).map(|_| None).collect(),
        running: 0,
        stopped: false,
    });
    let wake = Condvar::new();
    let workers = parallelism.clamp(1, jobs.len().max(1));
    let throttle = Throttle::new(workers);

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // A worker's session and the role it is in (`None`: the
                // role it opened in).
                let mut session: Option<(Box<dyn Session>, Option<String>)> = None;
                loop {
                    let index = {
                        let mut s = state.lock().unwrap();
                        loop {
                            if s.stopped {
                                break None;
                            }
                            if let Some(i) = s.ready.pop_front() {
                                s.running += 1;
                                break Some(i);
                            }
                            if s.running == 0 {
                                break None;
                            }
                            s = wake.wait(s).unwrap();
                        }
                    };
                    let Some(index) = index else {
                        wake.notify_all();
                        return;
                    };
                    (hooks.on_start)(index);
                    let on_retry = |e: &ConnectorError, recovering: bool| {
                        (hooks.on_retry)(index, e, recovering)
                    };
                    let outcome = run_job(
                        &jobs[index],
                        &mut session,
                        connector,
                        &throttle,
                        retry,
                        &on_retry,
                    );
                    if let Outcome::Failed { error, .. } = &outcome
                        && !error.did_not_run()
                    {
                        // A session that saw a network failure may be broken.
                        session = None;
                    }
                    let keep_going = (hooks.on_finish)(index, &outcome);
                    let mut s = state.lock().unwrap();
                    s.running -= 1;
                    if !keep_going {
                        s.stopped = true;
                        s.ready.clear();
                    }
                    if outcome.succeeded() {
                        for &d in &dependents[index] {
                            s.remaining_deps[d] -= 1;
                            if s.remaining_deps[d] == 0 && !s.stopped {
                                s.ready.push_back(d);
                            }
                        }
                    } else {
                        s.stopped = true;
                        s.ready.clear();
                    }
                    s.outcomes[index] = Some(outcome);
                    drop(s);
                    wake.notify_all();
                }
            });
        }
    });
    let stats = throttle.stats(started.elapsed());
    let outcomes = state
        .into_inner()
        .unwrap()
        .outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::NotAttempted))
        .collect();
    (outcomes, stats)
}

fn run_job(
    job: &Job,
    session: &mut Option<(Box<dyn Session>, Option<String>)>,
    connector: &dyn Connector,
    throttle: &Throttle,
    policy: &RetryPolicy,
    on_retry: &dyn Fn(&ConnectorError, bool),
) -> Outcome {
    let started = Instant::now();
    let mut statements: &[String] = &job.statements;
    let mut recovering = false;
    let mut i = 0;
    let mut sent = 0;
    let mut retries = 0;
    let mut maybe_ran = false;
    while i < statements.len() {
        let fail =
            |error: ConnectorError, maybe_ran: bool, sent: usize, retries: usize| Outcome::Failed {
                statement: i,
                sql: statements[i].clone(),
                error,
                nothing_ran: !maybe_ran,
                sent,
                retries,
            };
        if session.is_none() {
            match connector.open() {
                Ok(s) => *session = Some((s, None)),
                Err(error) => {
                    if error.retryable() && retries < policy.max_retries {
                        retries += 1;
                        on_retry(&error, recovering);
                        std::thread::sleep(policy.delay(retries));
                        continue;
                    }
                    return fail(error, maybe_ran, sent, retries);
                }
            }
        }
        let (s, in_role) = session.as_mut().expect("opened above");
        // Switch roles only when this job needs another one than the last.
        if let Some(role) = &job.role
            && in_role.as_ref() != Some(role)
        {
            let permit = throttle.acquire();
            let switched = s.execute(&format!("USE ROLE {role}"));
            match switched {
                Ok(_) => {
                    throttle.release(permit, false);
                    *in_role = Some(role.clone());
                }
                Err(error) => {
                    throttle.release(permit, error.overloaded());
                    if error.retryable() && retries < policy.max_retries {
                        retries += 1;
                        if matches!(error, ConnectorError::Network { .. }) {
                            *session = None;
                        }
                        on_retry(&error, recovering);
                        std::thread::sleep(policy.delay(retries));
                        continue;
                    }
                    return fail(error, maybe_ran, sent, retries);
                }
            }
        }
        let permit = throttle.acquire();
        let result = s.execute(&statements[i]);
        sent += 1;
        match result {
            Ok(_) => {
                throttle.release(permit, false);
                maybe_ran = true;
                i += 1;
            }
            Err(error) => {
                throttle.release(permit, error.overloaded());
                if !error.did_not_run() {
                    maybe_ran = true;
                }
                let unknown = error.outcome_unknown();
                let can_retry = error.retryable()
                    && retries < policy.max_retries
                    && !(unknown && job.recovery.is_empty());
                if !can_retry {
                    return fail(error, maybe_ran, sent, retries);
                }
                retries += 1;
                if unknown {
                    // The statement may have run: start over with the
                    // idempotent form, as after a crash. The connection
                    // broke, so log in again.
                    statements = &job.recovery;
                    recovering = true;
                    i = 0;
                    if matches!(error, ConnectorError::Network { .. }) {
                        *session = None;
                    }
                }
                on_retry(&error, recovering);
                std::thread::sleep(policy.delay(retries));
            }
        }
    }
    Outcome::Succeeded {
        elapsed: started.elapsed(),
        sent,
        retries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Rows;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records statements; fails the ones containing "FAIL".
    struct Recorder {
        log: Arc<Mutex<Vec<String>>>,
        live: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    struct RecSession {
        log: Arc<Mutex<Vec<String>>>,
        live: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    impl Connector for Recorder {
        fn open(&self) -> Result<Box<dyn Session>, ConnectorError> {
            Ok(Box::new(RecSession {
                log: self.log.clone(),
                live: self.live.clone(),
                peak: self.peak.clone(),
            }))
        }
    }

    impl Session for RecSession {
        fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError> {
            let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            self.live.fetch_sub(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(sql.to_string());
            if sql.contains("FAIL") {
                return Err(ConnectorError::Sql {
                    code: Some("002003".into()),
                    message: "boom".into(),
                    query_id: None,
                });
            }
            // "BUSYn": refused with HTTP 429 the first n times; "DROPn": runs,
            // then the connection drops, the first n times.
            for (tag, error) in [
                (
                    "BUSY",
                    ConnectorError::Unavailable {
                        status: 429,
                        message: "too many requests".into(),
                    },
                ),
                (
                    "DROP",
                    ConnectorError::Network {
                        message: "connection closed".into(),
                    },
                ),
            ] {
                if let Some(n) = sql
                    .strip_prefix(tag)
                    .and_then(|r| r[..1].parse::<usize>().ok())
                {
                    let log = self.log.lock().unwrap();
                    let seen = log.iter().filter(|l| l.as_str() == sql).count();
                    if seen <= n {
                        return Err(error);
                    }
                }
            }
            Ok(Rows::default())
        }
    }

    fn recorder() -> Recorder {
        Recorder {
            log: Arc::default(),
            live: Arc::default(),
            peak: Arc::default(),
        }
    }

    fn job(deps: &[usize], sql: &str) -> Job {
        Job {
            role: None,
            depends_on: deps.to_vec(),
            statements: vec![sql.to_string()],
            recovery: vec![format!("{sql} IF NOT EXISTS")],
        }
    }

    fn fast_retries() -> RetryPolicy {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    fn run(
        jobs: &[Job],
        parallelism: usize,
        connector: &dyn Connector,
        on_start: &OnStart<'_>,
        on_finish: &OnFinish<'_>,
    ) -> Vec<Outcome> {
        let hooks = Hooks {
            on_start,
            on_finish,
            on_retry: &|_, _, _| {},
        };
        super::run(jobs, parallelism, &fast_retries(), connector, &hooks).0
    }

    #[test]
    fn respects_dependencies_and_bound() {
        // 0 <- 1 <- 2, and 3..10 independent.
        let mut jobs = vec![job(&[], "a"), job(&[0], "b"), job(&[1], "c")];
        for i in 3..10 {
            jobs.push(job(&[], &format!("x{i}")));
        }
        let rec = recorder();
        let outcomes = run(&jobs, 3, &rec, &|_| {}, &|_, _| true);
        assert!(outcomes.iter().all(Outcome::succeeded));
        let log = rec.log.lock().unwrap().clone();
        let pos = |s: &str| log.iter().position(|l| l == s).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("c"));
        assert!(rec.peak.load(Ordering::SeqCst) <= 3);
        assert!(rec.peak.load(Ordering::SeqCst) >= 2, "ran in parallel");
    }

    #[test]
    fn failure_stops_new_work_and_skips_dependents() {
        let jobs = vec![
            job(&[], "FAIL"),
            job(&[0], "after-fail"),
            job(&[], "independent"),
        ];
        let rec = recorder();
        let outcomes = run(&jobs, 1, &rec, &|_| {}, &|_, _| true);
        assert!(matches!(
            outcomes[0],
            Outcome::Failed {
                statement: 0,
                nothing_ran: true,
                ..
            }
        ));
        assert!(matches!(outcomes[1], Outcome::NotAttempted));
        assert!(matches!(outcomes[2], Outcome::NotAttempted));
        assert_eq!(*rec.log.lock().unwrap(), vec!["FAIL".to_string()]);
    }

    #[test]
    fn on_finish_can_stop_new_work() {
        let jobs = vec![job(&[], "a"), job(&[0], "b"), job(&[], "c")];
        let rec = recorder();
        let outcomes = run(&jobs, 1, &rec, &|_| {}, &|_, _| false);
        assert!(outcomes[0].succeeded());
        assert!(matches!(outcomes[1], Outcome::NotAttempted));
        assert!(matches!(outcomes[2], Outcome::NotAttempted));
    }

    #[test]
    fn on_finish_runs_before_dependents_start() {
        let jobs = vec![job(&[], "a"), job(&[0], "b")];
        let rec = recorder();
        let events = Mutex::new(Vec::new());
        run(
            &jobs,
            2,
            &rec,
            &|i| events.lock().unwrap().push(format!("start {i}")),
            &|i, _| {
                events.lock().unwrap().push(format!("finish {i}"));
                true
            },
        );
        assert_eq!(
            *events.lock().unwrap(),
            vec!["start 0", "finish 0", "start 1", "finish 1"]
        );
    }

    #[test]
    fn overload_is_retried_with_the_same_statement() {
        let jobs = vec![job(&[], "BUSY2 a"), job(&[0], "b")];
        let rec = recorder();
        let outcomes = run(&jobs, 2, &rec, &|_| {}, &|_, _| true);
        assert!(
            matches!(
                outcomes[0],
                Outcome::Succeeded {
                    sent: 3,
                    retries: 2,
                    ..
                }
            ),
            "{outcomes:?}"
        );
        assert_eq!(
            *rec.log.lock().unwrap(),
            vec!["BUSY2 a", "BUSY2 a", "BUSY2 a", "b"]
        );
    }

    #[test]
    fn an_unknown_outcome_switches_to_the_recovery_form() {
        let jobs = vec![Job {
            role: None,
            depends_on: vec![],
            statements: vec!["first".into(), "DROP1 second".into(), "third".into()],
            recovery: vec!["r1".into(), "DROP1 second".into(), "r3".into()],
        }];
        let rec = recorder();
        let retried = Mutex::new(Vec::new());
        let hooks = Hooks {
            on_start: &|_| {},
            on_finish: &|_, _| true,
            on_retry: &|i, e, recovering| {
                retried
                    .lock()
                    .unwrap()
                    .push((i, e.outcome_unknown(), recovering))
            },
        };
        let (outcomes, _) = super::run(&jobs, 1, &fast_retries(), &rec, &hooks);
        assert!(outcomes[0].succeeded(), "{outcomes:?}");
        assert_eq!(
            *rec.log.lock().unwrap(),
            vec!["first", "DROP1 second", "r1", "DROP1 second", "r3"]
        );
        assert_eq!(*retried.lock().unwrap(), vec![(0, true, true)]);
    }

    #[test]
    fn retries_are_bounded_and_a_failure_after_a_drop_keeps_the_mark() {
        let jobs = vec![job(&[], "BUSY9 a")];
        let rec = recorder();
        let outcomes = run(&jobs, 1, &rec, &|_| {}, &|_, _| true);
        assert!(
            matches!(
                outcomes[0],
                Outcome::Failed {
                    nothing_ran: true,
                    sent: 6,
                    retries: 5,
                    ..
                }
            ),
            "{outcomes:?}"
        );
        // Dropped, then refused: something may have run.
        let jobs = vec![Job {
            role: None,
            depends_on: vec![],
            statements: vec!["DROP1 a".into()],
            recovery: vec!["FAIL".into()],
        }];
        let outcomes = run(&jobs, 1, &recorder(), &|_| {}, &|_, _| true);
        assert!(
            matches!(
                outcomes[0],
                Outcome::Failed {
                    nothing_ran: false,
                    ..
                }
            ),
            "{outcomes:?}"
        );
    }

    #[test]
    fn throttle_halves_once_per_wave_and_grows_back() {
        let t = Throttle::new(8);
        let permits: Vec<Permit> = (0..8).map(|_| t.acquire()).collect();
        for p in permits {
            t.release(p, true);
        }
        assert_eq!(t.limit(), 4, "eight signals of one wave halve once");
        let p = t.acquire();
        t.release(p, true);
        assert_eq!(t.limit(), 2);
        for _ in 0..100 {
            let p = t.acquire();
            t.release(p, false);
        }
        assert_eq!(t.limit(), 8);
        let stats = t.stats(Duration::from_secs(1));
        assert_eq!(
            (stats.peak_concurrency, stats.backoffs, stats.lowest_limit),
            (8, 2, 2)
        );
    }
}
